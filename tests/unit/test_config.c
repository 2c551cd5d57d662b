// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The config parser against fixtures. Each file in fixtures/bad/ carries
 * the messages it must produce as "# expect: ..." lines (and "# errors: N"
 * when it has more than one); each file in fixtures/good/, and every shipped
 * config, must parse with no error.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "unit.h"

#define FIXTURES "tests/unit/fixtures"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 16);
	*len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	return buf;
}

/* Parse `path` under the name of its basename; stderr text into *out. */
static int parse_file(const char *path, struct wf_config *cfg, char **out)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = 0, outlen = 0;
	char *text = slurp(path, &len);
	FILE *err = open_memstream(out, &outlen);
	int n;

	n = config_parse(base, text ? text : "", len, cfg, err);
	fclose(err);
	free(text);
	return n;
}

static void check_bad(const char *path)
{
	size_t len = 0;
	char *text = slurp(path, &len), *line, *save = NULL, *out = NULL;
	struct wf_config cfg;
	int want = 1, got, expects = 0;

	got = parse_file(path, &cfg, &out);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# errors: ", 10))
			want = atoi(line + 10);
		if (strncmp(line, "# expect: ", 10))
			continue;
		expects++;
		CHECK(strstr(out, line + 10), "%s: no \"%s\" in:\n%s", path,
		      line + 10, out);
	}
	CHECK(expects > 0, "%s has no # expect: line", path);
	CHECK(got == want, "%s: %d errors, want %d:\n%s", path, got, want, out);
	free(text);
	free(out);
}

static void for_each_yaml(const char *dir, void (*fn)(const char *path))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n = 0;

	CHECK(d, "cannot open %s (run from the repository root)", dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path);
		n++;
	}
	closedir(d);
	CHECK(n > 0, "no fixtures in %s", dir);
}

static void test_bad_fixtures(void)
{
	for_each_yaml(FIXTURES "/bad", check_bad);
}

static void check_good(const char *path)
{
	struct wf_config cfg;
	char *out = NULL;
	int n = parse_file(path, &cfg, &out);

	CHECK(n == 0, "%s: %d errors:\n%s", path, n, out);
	free(out);
}

static void test_good_fixtures(void)
{
	for_each_yaml(FIXTURES "/good", check_good);
	for_each_yaml("config", check_good);
	for_each_yaml("config/examples", check_good);
}

static void test_values(void)
{
	struct wf_config cfg;
	char *out = NULL;

	CHECK(parse_file(FIXTURES "/good/full.yaml", &cfg, &out) == 0, "%s",
	      out);
	CHECK(!strcmp(cfg.pin_dir, "/sys/fs/bpf/wf-test"), "pin_dir %s",
	      cfg.pin_dir);
	CHECK(cfg.missing_hook == WF_MISSING_SKIP, "missing_hook");
	CHECK(cfg.persist, "persist");
	CHECK(cfg.http.family == 6 && cfg.http.port == 9999 &&
		      cfg.http.addr[15] == 1 && cfg.http.top_flows == 3,
	      "http [::1]:9999, top 3");
	CHECK(cfg.log_format == WF_LOG_JSON, "json logs");
	CHECK(cfg.n_ifaces == 3, "%d interfaces", cfg.n_ifaces);
	CHECK(!strcmp(cfg.ifaces[0].name, "veth0"), "%s", cfg.ifaces[0].name);
	CHECK(cfg.ifaces[0].dirs == WF_DIRS_EGRESS && cfg.ifaces[0].optional,
	      "veth0 egress optional");
	CHECK(cfg.ifaces[0].where.line == 5 && cfg.ifaces[0].where.col == 5,
	      "veth0 at %d:%d", cfg.ifaces[0].where.line,
	      cfg.ifaces[0].where.col);
	CHECK(cfg.ifaces[1].dirs == WF_DIRS_INGRESS && !cfg.ifaces[1].optional,
	      "wg0 ingress");
	CHECK(!strcmp(cfg.ifaces[2].name, WF_IFACE_AUTO) &&
		      cfg.ifaces[2].dirs == WF_DIRS_BOTH,
	      "auto both");
	CHECK_EQ_U64(cfg.window_ns, 2500000000ULL);
	CHECK_EQ_U64(cfg.max_flows, 1024);
	CHECK(cfg.log_level == 3, "log level %d", cfg.log_level);
	free(out);
}

static void test_steering_values(void)
{
	static struct wf_config cfg;
	const struct wf_cfg_probe *p = &cfg.steer.probe;
	const struct wf_cfg_steering *st = &cfg.steer;
	char *out = NULL;

	CHECK(parse_file(FIXTURES "/good/steering.yaml", &cfg, &out) == 0, "%s",
	      out);
	CHECK_EQ_U64(p->interval_ns, 250000000ULL);
	CHECK_EQ_U64(p->timeout_ns, 120000000ULL);
	CHECK_EQ_U64(p->window, 40);
	CHECK(p->rtt_gain == 0.25 && p->jitter_gain == 0.125, "gains");
	CHECK_EQ_U64(p->mark, 0x1234);
	CHECK(p->w_rtt == 1.5 && p->w_loss == 3 && p->w_jitter == 0.25,
	      "weights");
	CHECK(p->unusable_loss == 0.3 && p->factor == 2, "loss, factor");
	CHECK_EQ_U64(p->hold_ns, 10000000000ULL);
	CHECK(p->down_after == 4 && p->up_after == 5, "k, m");
	CHECK_EQ_U64(p->silence_ns, 400000000ULL);
	CHECK_EQ_U64(st->routes[0].flowlet_ns, 30000000ULL);
	CHECK(!strcmp(st->on_change, "/usr/local/bin/wf-notify"), "hook");
	CHECK_EQ_U64(st->max_flows, 4096);
	CHECK(st->n_paths == 3 && st->n_routes == 3, "%d paths %d routes",
	      st->n_paths, st->n_routes);
	CHECK(st->paths[0].n_targets == 2 &&
		      st->paths[0].targets[1].family == 6,
	      "targets");
	CHECK_EQ_U64(wf_path_weight(&st->paths[0]), 8000); /* capacity */
	CHECK_EQ_U64(wf_path_weight(&st->paths[1]), 3);
	CHECK(st->routes[0].mode == WF_STEER_SPREAD &&
		      st->routes[0].n_to == 2 && st->routes[0].paths[0] == 1 &&
		      st->routes[0].paths[1] == 0,
	      "route 0");
	CHECK(st->routes[1].mode == WF_STEER_FAILOVER &&
		      st->routes[1].to[0].len == 32,
	      "route 1");
	CHECK(st->routes[2].mode == WF_STEER_AGGREGATE &&
		      st->routes[2].n_paths == 2 &&
		      st->paths[2].capacity_bps == 4000000,
	      "route 2");
	CHECK(st->routes[2].n_dup == 2 && st->routes[2].dup[0].proto == 17 &&
		      st->routes[2].dup[0].has_dport &&
		      st->routes[2].dup[0].dport_lo == 5060 &&
		      st->routes[2].dup[0].dport_hi == 5061 &&
		      !st->routes[2].dup[0].has_sport &&
		      st->routes[2].dup[1].src.len == 24 &&
		      st->routes[2].dup[1].dst.len == 24 &&
		      st->routes[2].dup[1].sport_lo == 4000,
	      "route 2 duplicate");
	CHECK_EQ_U64(st->routes[2].dup_window_ns, 250000000ULL);
	CHECK_EQ_U64(st->routes[0].dup_window_ns, 1000000000ULL); /* default */
	/* Path devices are attached (egress at least) without being listed. */
	CHECK(cfg.n_ifaces == 4 && cfg.ifaces[1].steer && cfg.ifaces[2].steer &&
		      cfg.ifaces[3].steer && !cfg.ifaces[0].steer,
	      "%d interfaces", cfg.n_ifaces);
	free(out);
}

static void test_defaults(void)
{
	struct wf_config cfg;
	char *out = NULL;

	CHECK(parse_file(FIXTURES "/good/minimal.yaml", &cfg, &out) == 0, "%s",
	      out);
	CHECK(!strcmp(cfg.pin_dir, WF_DEFAULT_PIN_DIR), "pin_dir %s",
	      cfg.pin_dir);
	CHECK_EQ_U64(cfg.window_ns, 1000000000ULL);
	CHECK_EQ_U64(cfg.max_flows, 65536);
	CHECK(cfg.missing_hook == WF_MISSING_FAIL, "missing_hook");
	CHECK(!cfg.persist, "persist is off by default");
	CHECK(cfg.http.enabled && cfg.http.family == 4 &&
		      cfg.http.port == 9475 && cfg.http.addr[0] == 127 &&
		      cfg.http.addr[3] == 1 && cfg.http.top_flows == 10,
	      "http on 127.0.0.1:9475 by default");
	CHECK(cfg.log_format == WF_LOG_TEXT, "text logs by default");
	CHECK(cfg.ifaces[0].dirs == WF_DIRS_BOTH && !cfg.ifaces[0].optional,
	      "lo both, required");
	CHECK(!cfg.http.allow_remote, "loopback only by default");
	free(out);
}

/* A wildcard listen with allow_remote (the refusal is a bad fixture). */
static void test_http_remote(void)
{
	struct wf_config cfg;
	char *out = NULL;

	CHECK(parse_file(FIXTURES "/good/http-remote.yaml", &cfg, &out) == 0,
	      "%s", out);
	CHECK(cfg.http.allow_remote && cfg.http.family == 6 &&
		      cfg.http.addr[15] == 0,
	      "[::]:9475 allowed");
	free(out);
}

/* A config anyone may write is refused, whatever it says. */
static void test_world_writable(void)
{
	static struct wf_config cfg;
	char path[] = "/tmp/wf-unit-XXXXXX", *out = NULL;
	size_t len = 0;
	FILE *err;
	int fd = mkstemp(path), n;

	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	CHECK(write(fd, "interfaces: [lo]\n", 17) == 17, "write");
	fchmod(fd, 0666);
	close(fd);
	err = open_memstream(&out, &len);
	n = config_load(path, &cfg, err);
	fclose(err);
	CHECK(n == 1, "%d errors: %s", n, out);
	CHECK(strstr(out, "writable by other users (mode 0666)"), "%s", out);
	free(out);
	chmod(path, 0644);
	out = NULL;
	err = open_memstream(&out, &len);
	n = config_load(path, &cfg, err);
	fclose(err);
	CHECK(n == 0, "%d errors at 0644: %s", n, out);
	free(out);
	unlink(path);
}

static void test_missing_file(void)
{
	struct wf_config cfg;
	size_t len = 0;
	char *out = NULL;
	FILE *err = open_memstream(&out, &len);
	int n = config_load("/nonexistent/wf.yaml", &cfg, err);

	fclose(err);
	CHECK(n == 1, "%d errors", n);
	CHECK(strstr(out, "/nonexistent/wf.yaml: cannot open: No such file"),
	      "%s", out);
	free(out);
}

static void test_print(void)
{
	struct wf_config cfg;
	size_t len = 0;
	char *out = NULL, *err = NULL;
	FILE *o;

	CHECK(parse_file(FIXTURES "/good/full.yaml", &cfg, &err) == 0, "%s",
	      err);
	o = open_memstream(&out, &len);
	config_print(&cfg, o);
	fclose(o);
	CHECK(strstr(out, "accounting.window        2500 ms"), "%s", out);
	CHECK(strstr(out, "interfaces[0]            veth0, egress, optional"),
	      "%s", out);
	CHECK(strstr(out,
		     "auto (the default route's interface), ingress+egress"),
	      "%s", out);
	free(out);
	free(err);
}

const struct t_case config_cases[] = {
	{ "bad_fixtures", test_bad_fixtures },
	{ "good_fixtures", test_good_fixtures },
	{ "steering_values", test_steering_values },
	{ "world_writable", test_world_writable },
	{ "values", test_values },
	{ "http_remote", test_http_remote },
	{ "defaults", test_defaults },
	{ "missing_file", test_missing_file },
	{ "print", test_print },
	{ 0 }
};
