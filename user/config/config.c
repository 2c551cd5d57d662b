// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * config.c - YAML (libyaml document API) -> struct wf_config: the file, the
 * top-level keys and the small sections. Rules are in rules.c, steering in
 * steering.c, the checks across rules in checks.c, the printer in print.c.
 *
 * Strict on purpose: an unknown key, a duplicate key, a wrong type, a value
 * out of range or a unit that could be read two ways is an error, never a
 * silent default. Every error names FILE:LINE:COL and the key path, and we
 * keep going after one so that a user sees all of them in one run.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "trust.h"
#include "reader.h"

/* Bounds, with the reason for each. */
#define WINDOW_MIN_NS 1000000000ULL  /* rates over < 1 s are noise */
#define WINDOW_MAX_NS 60000000000ULL /* a minute: beyond that, use avg */
#define FLOWS_MIN     256	     /* LRU keeps per-CPU free lists */
#define FLOWS_MAX     (4U << 20) /* 4 Mi entries ~ 700 MiB of kernel memory */
#define FLOWS_DEFAULT 65536
#define KEYS_DEFAULT  65536
#define KEYS_MIN      256
#define KEYS_MAX      (4U << 20)
/* A config is a page of YAML; a bigger file is a wrong -c. */
#define CONFIG_MAX_BYTES (1U << 20)

static void parse_iface(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_iface *ifc)
{
	static const char *const keys[] = { "name", "direction", "optional",
					    NULL };
	static const char *const dirs[] = { "ingress", "egress", "both", NULL };
	static const unsigned dir_bits[] = { WF_DIRS_INGRESS, WF_DIRS_EGRESS,
					     WF_DIRS_BOTH };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	bool named = false;
	int i = 0, k, dir = 2;

	ifc->where = cfg_where(n);
	ifc->dirs = WF_DIRS_BOTH;
	/* "- eth0" is short for "- name: eth0". */
	if (n->type == YAML_SCALAR_NODE) {
		cfg_get_ifname(c, n, path, ifc);
		return;
	}
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE,
			     "an interface name or a mapping with name:"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0) {
			named = true;
			cfg_get_ifname(c, val, sub, ifc);
		} else if (k == 1)
			cfg_get_enum(c, val, sub, dirs, &dir);
		else
			cfg_get_bool(c, val, sub, &ifc->optional);
	}
	ifc->dirs = dir_bits[dir];
	if (!named)
		cfg_report(c, n, path,
			   "missing key \"name\"; write name: eth0 (or auto)");
}

static void parse_ifaces(struct ctx *c, yaml_node_t *n, const char *path,
			 struct wf_config *cfg)
{
	yaml_node_item_t *it;
	char sub[PATH_MAXLEN];
	int i, j;

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE,
			     "a list of interfaces"))
		return;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		snprintf(sub, sizeof(sub), "%s[%d]", path, cfg->n_ifaces);
		if (cfg->n_ifaces == WF_MAX_IFACES) {
			cfg_report(c, item, sub, "more than %d interfaces",
				   WF_MAX_IFACES);
			return;
		}
		parse_iface(c, item, sub, &cfg->ifaces[cfg->n_ifaces]);
		i = cfg->n_ifaces++;
		for (j = 0; j < i && cfg->ifaces[i].name[0]; j++)
			if (!strcmp(cfg->ifaces[i].name, cfg->ifaces[j].name))
				cfg_report(c, item, sub,
					   "interface \"%s\" is already "
					   "listed as %s[%d]; list each once and use "
					   "direction: both",
					   cfg->ifaces[i].name, path, j);
	}
	if (cfg->n_ifaces == 0)
		cfg_report(c, n, path,
			   "empty list; name at least one interface "
			   "(or auto for the default route's)");
}

static void parse_accounting(struct ctx *c, yaml_node_t *n, const char *path,
			     struct wf_config *cfg)
{
	static const char *const keys[] = { "window", "max_flows", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0)
			cfg_get_duration(c, val, sub, &cfg->window_ns,
					 WINDOW_MIN_NS, WINDOW_MAX_NS);
		else
			cfg_get_u32(c, val, sub, &cfg->max_flows, FLOWS_MIN,
				    FLOWS_MAX);
	}
}

static void parse_log(struct ctx *c, yaml_node_t *n, const char *path,
		      struct wf_config *cfg)
{
	static const char *const keys[] = { "level", "format", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug",
					      NULL };
	static const char *const formats[] = { "text", "json", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0)
		cfg_get_enum(c, val, sub, k ? formats : levels,
			     k ? &cfg->log_format : &cfg->log_level);
}

/* "ADDRESS:PORT", IPv6 in brackets: "[::1]:9475". */
static void get_listen(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_http *h)
{
	const char *s = cfg_scalar(c, n, path);
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon;
	unsigned long port;
	size_t len;

	if (!s)
		return;
	colon = strrchr(s, ':');
	len = colon ? (size_t)(colon - s) : 0;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	port = colon ? strtoul(colon + 1, &end, 10) : 0;
	if (!colon || !len || len >= sizeof(host) || !colon[1] || *end ||
	    port == 0 || port > 65535) {
		cfg_report(c, n, path,
			   "\"%s\" is not ADDRESS:PORT; write e.g. "
			   "127.0.0.1:9475 or [::1]:9475",
			   cfg_scalar(c, n, path));
		return;
	}
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, h->addr) == 1)
		h->family = 4;
	else if (inet_pton(AF_INET6, host, h->addr) == 1)
		h->family = 6;
	else {
		cfg_report(c, n, path,
			   "\"%s\" is not an IPv4 or IPv6 address "
			   "(names are not looked up); write e.g. 127.0.0.1:9475",
			   host);
		return;
	}
	h->port = (uint16_t)port;
	snprintf(h->listen, sizeof(h->listen), "%s", cfg_scalar(c, n, path));
	h->where = cfg_where(n);
}

/* 127.0.0.0/8, ::1, or ::ffff:127.x.y.z: reachable from this host only. */
static bool listen_loopback(const struct wf_cfg_http *h)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (h->family == 4)
		return h->addr[0] == 127;
	return !memcmp(h->addr, v6_lo, 16) ||
	       (!memcmp(h->addr, v4_mapped, 12) && h->addr[12] == 127);
}

static void parse_http(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_config *cfg)
{
	static const char *const keys[] = { "enabled", "listen", "top_flows",
					    "allow_remote", NULL };
	char sub[PATH_MAXLEN], at[PATH_MAXLEN];
	yaml_node_t *val, *listen = NULL;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0) {
			cfg_get_bool(c, val, sub, &cfg->http.enabled);
		} else if (k == 1) {
			get_listen(c, val, sub, &cfg->http);
			listen = val;
			snprintf(at, sizeof(at), "%s", sub);
		} else if (k == 2) {
			cfg_get_u32(c, val, sub, &cfg->http.top_flows, 1, 1000);
		} else {
			cfg_get_bool(c, val, sub, &cfg->http.allow_remote);
		}
	}
	/*
	 * Anyone who reaches a wider address reads every flow, and a token
	 * sent in clear over the network can be taken: say so on purpose.
	 */
	if (listen && cfg->http.family && !listen_loopback(&cfg->http) &&
	    !cfg->http.allow_remote)
		cfg_report(c, listen, at,
			   "\"%s\" is not a loopback address: "
			   "anyone who reaches it reads every flow; write "
			   "127.0.0.1:PORT, or add allow_remote: true to mean it",
			   cfg->http.listen);
}

/*
 * A directory of wirefisher's own below bpffs: plain names (bpffs allows
 * no dots), and not a place other tools share, whose pins clearing or
 * locking would touch (iproute2 keeps tc/globals, xdp and ip).
 */
static bool own_pin_dir(const char *rel)
{
	static const char *const shared[] = { "tc", "xdp", "ip", NULL };
	size_t first = strcspn(rel, "/");

	if (!*rel || rel[strlen(rel) - 1] == '/' || strstr(rel, "//") ||
	    strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-/") != strlen(rel))
		return false;
	for (int i = 0; shared[i]; i++)
		if (first == strlen(shared[i]) &&
		    !strncmp(rel, shared[i], first))
			return false;
	return true;
}

static void parse_pin_dir(struct ctx *c, yaml_node_t *n, const char *path,
			  struct wf_config *cfg)
{
	static const char bpffs[] = "/sys/fs/bpf/";
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	if (strncmp(s, bpffs, sizeof(bpffs) - 1) ||
	    !own_pin_dir(s + sizeof(bpffs) - 1) ||
	    strlen(s) >= sizeof(cfg->pin_dir) - 32) {
		cfg_report(c, n, path,
			   "\"%s\" must be a directory of wirefisher's "
			   "own below %s, named with letters, digits, - and _ "
			   "(e.g. %s); not tc/, xdp/ or ip/, which iproute2 "
			   "shares",
			   s, bpffs, WF_DEFAULT_PIN_DIR);
		return;
	}
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", s);
}

static void parse_policing(struct ctx *c, yaml_node_t *n, const char *path,
			   struct wf_config *cfg)
{
	static const char *const keys[] = { "max_keys", "at", "ecn", NULL };
	/* No xdp: it fits only ingress rules, so it is said per rule. */
	static const char *const ats[] = { "auto", "tc", "netfilter", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0)
			cfg_get_u32(c, val, sub, &cfg->max_keys, KEYS_MIN,
				    KEYS_MAX);
		else if (k == 1)
			cfg_get_enum(c, val, sub, ats, &cfg->police_at);
		else
			cfg_get_bool(c, val, sub, &cfg->ecn);
	}
}

/* rules[].at not given: policing.at. */
static void place_rules(struct wf_config *cfg)
{
	for (int i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].at == WF_ATC_UNSET)
			cfg->rules[i].at = cfg->police_at;
}

/*
 * Steering happens at the egress of the path devices, so wirefisher attaches
 * to each of them (and accounts there) whether or not interfaces: names it.
 */
static void add_path_ifaces(struct ctx *c, struct wf_config *cfg)
{
	bool dups = false;

	for (int r = 0; r < cfg->steer.n_routes; r++)
		dups |= cfg->steer.routes[r].n_dup > 0;
	for (int i = 0; i < cfg->steer.n_paths; i++) {
		const struct wf_cfg_path *p = &cfg->steer.paths[i];
		struct wf_cfg_iface *ifc = NULL;

		for (int j = 0; j < cfg->n_ifaces && !ifc; j++)
			if (!strcmp(cfg->ifaces[j].name, p->device))
				ifc = &cfg->ifaces[j];
		if (!ifc && cfg->n_ifaces == WF_MAX_IFACES) {
			fprintf(c->err,
				"%s:%d:%d: steering.paths[%d].device: "
				"more than %d interfaces with the path devices\n",
				c->file, p->where.line, p->where.col, i,
				WF_MAX_IFACES);
			c->errors++;
			return;
		}
		if (!ifc) {
			ifc = &cfg->ifaces[cfg->n_ifaces++];
			memcpy(ifc->name, p->device, sizeof(ifc->name));
			ifc->dirs = WF_DIRS_BOTH;
			ifc->where = p->where;
		}
		ifc->steer = true;
		ifc->optional = false;
		ifc->dirs |= WF_DIRS_EGRESS; /* where steering happens */
		if (dups) /* where second copies are dropped */
			ifc->dirs |= WF_DIRS_INGRESS;
	}
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct wf_config *cfg)
{
	static const char *const keys[] = {
		"interfaces",	"accounting", "log",	  "pin_dir",
		"missing_hook", "rules",      "policing", "steering",
		"persist",	"http",	      NULL
	};
	static const char *const missing[] = { "fail", "skip", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	bool have_ifaces = false;
	int i = 0, k, how = WF_MISSING_FAIL;

	if (!cfg_expect_kind(
		    c, root, "", YAML_MAPPING_NODE,
		    "a mapping of sections (interfaces:, accounting:, ...)"))
		return;
	while ((k = cfg_pair_next(c, root, "", keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			have_ifaces = true;
			parse_ifaces(c, val, sub, cfg);
			break;
		case 1:
			parse_accounting(c, val, sub, cfg);
			break;
		case 2:
			parse_log(c, val, sub, cfg);
			break;
		case 3:
			parse_pin_dir(c, val, sub, cfg);
			break;
		case 4:
			cfg_get_enum(c, val, sub, missing, &how);
			break;
		case 5:
			cfg_parse_rules(c, val, sub, cfg);
			break;
		case 6:
			parse_policing(c, val, sub, cfg);
			break;
		case 7:
			cfg_parse_steering(c, val, sub, cfg);
			break;
		case 8:
			cfg_get_bool(c, val, sub, &cfg->persist);
			break;
		case 9:
			parse_http(c, val, sub, cfg);
			break;
		}
	}
	cfg->missing_hook = how;
	place_rules(cfg);
	add_path_ifaces(c, cfg);
	cfg_check_rule_ifaces(c, cfg);
	cfg_check_groups(c, cfg);
	if (!have_ifaces && !cfg->steer.n_paths && !wf_rules_host_wide(cfg))
		cfg_report(c, root, "interfaces",
			   "missing section; list the "
			   "interfaces to account, e.g. interfaces: [auto]");
}

static void config_defaults(struct wf_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", WF_DEFAULT_PIN_DIR);
	cfg->window_ns = WINDOW_MIN_NS;
	cfg->max_flows = FLOWS_DEFAULT;
	cfg->max_keys = KEYS_DEFAULT;
	cfg->police_at = WF_ATC_TC;
	cfg->ecn = true;
	cfg->log_level = LOG_INFO;
	cfg->http.enabled = true;
	cfg->http.family = 4;
	cfg->http.addr[0] = 127;
	cfg->http.addr[3] = 1;
	cfg->http.port = 9475;
	snprintf(cfg->http.listen, sizeof(cfg->http.listen), "%s",
		 WF_HTTP_DEFAULT);
	cfg->http.top_flows = 10;
	cfg_steering_defaults(cfg);
}

/* Report a libyaml scanner/parser error at its mark. */
void cfg_report_syntax(struct ctx *c, yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR) {
		fprintf(c->err, "%s: out of memory reading YAML\n", c->file);
	} else {
		fprintf(c->err, "%s:%zu:%zu: YAML syntax: %s", c->file,
			m.line + 1, m.column + 1,
			p->problem ? p->problem : "error");
		if (p->context)
			fprintf(c->err, " (%s at line %zu)", p->context,
				p->context_mark.line + 1);
		fputc('\n', c->err);
	}
	c->errors++;
}

int config_parse(const char *name, const char *text, size_t len,
		 struct wf_config *cfg, FILE *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ctx c = { .file = name, .doc = &doc, .err = err };
	yaml_node_t *root;

	config_defaults(cfg, name);
	if (!yaml_parser_initialize(&parser)) {
		fprintf(err, "%s: cannot start the YAML parser\n", name);
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_report_syntax(&c, &parser);
		yaml_parser_delete(&parser);
		return c.errors;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fprintf(err,
			"%s:1:1: the file is empty; start from "
			"config/config.yaml\n",
			name);
		c.errors++;
	} else {
		parse_root(&c, root, cfg);
		/* A second document would be silently ignored: refuse it. */
		if (!yaml_parser_load(&parser, &extra)) {
			cfg_report_syntax(&c, &parser);
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);

			if (r2)
				cfg_report(&c, r2, "",
					   "a second YAML document; "
					   "put everything in one");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return c.errors;
}

/* Where byte `at` of text is, as FILE:LINE:COL counts it. */
static void position(const char *text, size_t at, int *line, int *col)
{
	const char *nl = text;

	*line = 1;
	for (const char *p = text; p < text + at; p++)
		if (*p == '\n') {
			(*line)++;
			nl = p + 1;
		}
	*col = (int)(text + at - nl) + 1;
}

/*
 * Anyone who can write the file, or a directory above it, could steer or
 * drop this host's traffic through the daemon.
 */
static int check_trust(const char *path, FILE *err)
{
	char why[PATH_MAX + 128];

	if (access(path, F_OK) == 0 && trust_path(path, why, sizeof(why))) {
		fprintf(err,
			"%s: not trusted: %s; the daemon acts with network "
			"privileges on what it says\n",
			path, why);
		return -1;
	}
	return 0;
}

int config_load(const char *path, struct wf_config *cfg, FILE *err)
{
	FILE *f = NULL;
	char *text = NULL;
	size_t cap = 0, len = 0, got;
	int errors, line = 1, col = 1;

	if (check_trust(path, err) == 0 && !(f = fopen(path, "re")))
		fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
	if (!f) {
		config_defaults(cfg, path);
		return 1;
	}
	do {
		if (len + 4096 > cap) {
			char *bigger = realloc(text, cap = cap * 2 + 4096);

			if (!bigger) {
				free(text);
				fclose(f);
				fprintf(err, "%s: out of memory\n", path);
				return 1;
			}
			text = bigger;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < CONFIG_MAX_BYTES);
	if (len >= CONFIG_MAX_BYTES)
		position(text, CONFIG_MAX_BYTES, &line, &col);
	if (ferror(f) || len >= CONFIG_MAX_BYTES) {
		if (ferror(f))
			fprintf(err, "%s: %s\n", path, strerror(errno));
		else
			fprintf(err,
				"%s:%d:%d: the file goes on past 1 MiB, the most "
				"a config may be; is this the right file?\n",
				path, line, col);
		free(text);
		fclose(f);
		config_defaults(cfg, path);
		return 1;
	}
	fclose(f);
	errors = config_parse(path, text ? text : "", len, cfg, err);
	free(text);
	return errors;
}
