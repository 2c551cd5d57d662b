// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* paths.c - see paths.h. */
#include "paths.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "../../bpf/wf_shared.h"
#include "log.h"
#include "pin.h"
#include "prom.h"
#include "screen.h"
#include "steer.h"
#include "units.h"

struct steer_pins {
	int status, routes, ctl, lpm4, lpm6;
};

/* One route as read back: its prefixes, in text. */
struct route_view {
	bool used;
	char to[256];
	struct wf_route r;
	bool have_r;
};

static volatile sig_atomic_t paths_stop;

static void on_stop(int sig)
{
	(void)sig;
	paths_stop = 1;
}

static const char *const pin_names[] = { "wf_path_status", "wf_routes",
					 "wf_route_ctl", "wf_steer4",
					 "wf_steer6" };
#define N_PINS (sizeof(pin_names) / sizeof(pin_names[0]))

static void pin_fds(struct steer_pins *p, int *fds[N_PINS])
{
	int *all[N_PINS] = { &p->status, &p->routes, &p->ctl, &p->lpm4,
			     &p->lpm6 };

	memcpy(fds, all, sizeof(all));
}

static int open_steer_pins(const char *dir, struct steer_pins *p)
{
	struct wf_info info;
	int *fds[N_PINS];

	pin_fds(p, fds);
	return pin_open_daemon(dir, pin_names, fds, N_PINS, &info);
}

static void close_steer_pins(struct steer_pins *p)
{
	int *fds[N_PINS];

	pin_fds(p, fds);
	pin_close_all(fds, N_PINS);
}

static void append_prefix(struct route_view *v, int family, const void *addr,
			  unsigned len)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = strlen(v->to);

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	snprintf(v->to + used, sizeof(v->to) - used, "%s%s/%u", used ? "," : "",
		 a, len);
	v->used = true;
}

/* Walk both prefix tries: route id -> its prefixes. */
static void read_routes(const struct steer_pins *p,
			struct route_view views[WF_MAX_ROUTES])
{
	struct wf_lpm4 k4, *prev4 = NULL;
	struct wf_lpm6 k6, *prev6 = NULL;
	__u64 id;
	int budget = 4 * WF_MAX_ROUTES;

	memset(views, 0, sizeof(*views) * WF_MAX_ROUTES);
	while (budget-- && bpf_map_get_next_key(p->lpm4, prev4, &k4) == 0) {
		prev4 = &k4;
		if (!bpf_map_lookup_elem(p->lpm4, &k4, &id) && id < WF_MAX_ROUTES)
			append_prefix(&views[id], 4, &k4.addr, k4.prefixlen);
	}
	budget = 4 * WF_MAX_ROUTES;
	while (budget-- && bpf_map_get_next_key(p->lpm6, prev6, &k6) == 0) {
		prev6 = &k6;
		if (!bpf_map_lookup_elem(p->lpm6, &k6, &id) && id < WF_MAX_ROUTES)
			append_prefix(&views[id], 6, k6.addr, k6.prefixlen);
	}
	for (__u32 r = 0; r < WF_MAX_ROUTES; r++)
		views[r].have_r = views[r].used &&
			!bpf_map_lookup_elem(p->routes, &r, &views[r].r);
}

static int read_status(const struct steer_pins *p,
		       struct wf_path_status st[WF_MAX_PATHS])
{
	int n = 0;

	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		if (bpf_map_lookup_elem(p->status, &i, &st[i]) || !st[i].configured)
			break;
		n++;
	}
	return n;
}

static const char *active_name(const struct route_view *v,
			       const struct wf_path_status *st, int n)
{
	const struct wf_route *r = &v->r;

	if (!v->have_r || r->active >= r->n_paths || r->active >= WF_ROUTE_PATHS ||
	    r->paths[r->active].path >= n)
		return "-";
	return st[r->paths[r->active].path].name;
}

static void fmt_ago(uint64_t unix_ns, char *buf, size_t n)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	long long ago = (long long)time(NULL) - (long long)t;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, n, "%02d:%02d:%02d (%llds ago)", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ago < 0 ? 0 : ago);
}

/* "12s", "3m", "5h", "2d": how long ago, in at most 4 characters. */
static void fmt_since(uint64_t unix_ns, char *buf, size_t n)
{
	long long ago = (long long)time(NULL) - (long long)(unix_ns / 1000000000ULL);

	if (ago < 0)
		ago = 0;
	if (ago < 100)
		snprintf(buf, n, "%llds", ago);
	else if (ago < 6000)
		snprintf(buf, n, "%lldm", ago / 60);
	else if (ago < 360000)
		snprintf(buf, n, "%lldh", ago / 3600);
	else
		snprintf(buf, n, "%lldd", ago / 86400);
}

/*
 * width: the terminal's columns, 0 if not a terminal. Under 120 the last
 * change is shown as an age ("12s") so a row fits 80 columns.
 */
static void print_table(FILE *o, const struct wf_path_status *st, int n,
			const struct route_view *views, int width)
{
	bool narrow = width > 0 && width < 120;
	char rate[32], ago[40], score[16], name[16], dev[16];

	if (narrow)
		fprintf(o, "%-10s %-8s %-7s %7s %7s %5s %5s %5s %11s %5s\n", "PATH",
			"DEVICE", "STATE", "RTT", "JITTER", "LOSS", "SCORE",
			"FLOWS", "RATE", "SINCE");
	else
		fprintf(o, "%-12s %-12s %-7s %8s %8s %6s %6s %5s %13s  %s\n",
			"PATH", "DEVICE", "STATE", "RTT", "JITTER", "LOSS", "SCORE",
			"FLOWS", "RATE", "LAST CHANGE");
	for (int i = 0; i < n; i++) {
		const struct wf_path_status *s = &st[i];

		units_fmt_rate(s->rate_bps / 8, rate, sizeof(rate));
		if (s->score_milli == 0xffffffffu)
			snprintf(score, sizeof(score), "-");
		else
			snprintf(score, sizeof(score), "%.2f", s->score_milli / 1e3);
		if (narrow) {
			fmt_since(s->changed_unix_ns, ago, sizeof(ago));
			fprintf(o, "%-10s %-8s %-7s %4.1f ms %4.1f ms %4.1f%% %5s "
				"%5llu %11s %5s\n",
				screen_fit(s->name, 10, name, sizeof(name)),
				screen_fit(s->device, 8, dev, sizeof(dev)),
				steer_state_name(s->state), s->rtt_ns / 1e6,
				s->jitter_ns / 1e6, s->loss_ppm / 1e4, score,
				(unsigned long long)s->flows, rate, ago);
			continue;
		}
		fmt_ago(s->changed_unix_ns, ago, sizeof(ago));
		fprintf(o, "%-12s %-12s %-7s %5.1f ms %5.1f ms %5.1f%% %6s %5llu "
			"%13s  %s\n", s->name, s->device, steer_state_name(s->state),
			s->rtt_ns / 1e6, s->jitter_ns / 1e6, s->loss_ppm / 1e4,
			score, (unsigned long long)s->flows, rate, ago);
	}
	fprintf(o, "\n%-32s %-9s %s\n", "ROUTE", "MODE", "VIA");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const struct route_view *v = &views[r];

		if (!v->used)
			continue;
		fprintf(o, "%-32s %-9s %s%s\n", v->to,
		       v->have_r && v->r.mode == WF_MODE_SPREAD ? "spread" :
		       "failover", active_name(v, st, n),
		       v->have_r && (v->r.flags & WF_ROUTE_PINNED) ?
		       " (pinned by hand)" : "");
	}
}

static void print_json(FILE *o, const struct wf_path_status *st, int n,
		       const struct route_view *views)
{
	fprintf(o, "{\"paths\":[");
	for (int i = 0; i < n; i++) {
		const struct wf_path_status *s = &st[i];

		fprintf(o, "%s{\"name\":\"%s\",\"device\":\"%s\",\"state\":\"%s\","
		       "\"rtt_ms\":%.3f,\"jitter_ms\":%.3f,\"loss\":%.4f,"
		       "\"score\":%.3f,\"flows\":%llu,\"rate_bps\":%llu,"
		       "\"probes_sent\":%llu,\"probes_lost\":%llu,"
		       "\"last_change_unix\":%.3f,\"handshake_age_s\":%lld}",
		       i ? "," : "", s->name, s->device, steer_state_name(s->state),
		       s->rtt_ns / 1e6, s->jitter_ns / 1e6, s->loss_ppm / 1e6,
		       s->score_milli == 0xffffffffu ? -1.0 : s->score_milli / 1e3,
		       (unsigned long long)s->flows,
		       (unsigned long long)s->rate_bps,
		       (unsigned long long)s->probes_sent,
		       (unsigned long long)s->probes_lost,
		       s->changed_unix_ns / 1e9, (long long)s->handshake_age_s);
	}
	fprintf(o, "],\"routes\":[");
	for (int r = 0, first = 1; r < WF_MAX_ROUTES; r++) {
		const struct route_view *v = &views[r];

		if (!v->used)
			continue;
		fprintf(o, "%s{\"id\":%d,\"to\":\"%s\",\"mode\":\"%s\",\"via\":\"%s\","
		       "\"pinned\":%s,\"usable\":[", first ? "" : ",", r, v->to,
		       v->have_r && v->r.mode == WF_MODE_SPREAD ? "spread" :
		       "failover", active_name(v, st, n),
		       v->have_r && (v->r.flags & WF_ROUTE_PINNED) ? "true" :
		       "false");
		for (int j = 0, f2 = 1; v->have_r && j < v->r.n_paths &&
		     j < WF_ROUTE_PATHS; j++)
			if (v->r.paths[j].usable && v->r.paths[j].path < n) {
				fprintf(o, "%s\"%s\"", f2 ? "" : ",",
				       st[v->r.paths[j].path].name);
				f2 = 0;
			}
		fprintf(o, "]}");
		first = 0;
	}
	fprintf(o, "]}\n");
}

/* A live view's frame, drawn over the last one (no blank screen). */
static void draw_frame(const struct wf_path_status *st, int n,
		       const struct route_view *views)
{
	char *frame = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&frame, &len);

	if (!f)
		return;
	print_table(f, st, n, views, screen_width(stdout));
	fclose(f);
	screen_draw(stdout, frame, len);
	free(frame);
}

int paths_main(const struct paths_opts *o)
{
	struct steer_pins p;
	struct wf_path_status st[WF_MAX_PATHS];
	struct route_view views[WF_MAX_ROUTES];
	struct sigaction sa = { .sa_handler = on_stop };

	if (open_steer_pins(o->pin_dir, &p))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	do {
		int n = read_status(&p, st);

		read_routes(&p, views);
		if (o->json)
			print_json(stdout, st, n, views);
		else if (n == 0)
			printf("this wirefisher steers nothing: its config has no "
			       "steering: section\n");
		else if (o->watch_ns && screen_width(stdout))
			draw_frame(st, n, views);
		else
			print_table(stdout, st, n, views, screen_width(stdout));
		fflush(stdout);
		if (o->watch_ns) {
			struct timespec ts = { (time_t)(o->watch_ns / 1000000000ULL),
					       (long)(o->watch_ns % 1000000000ULL) };

			nanosleep(&ts, NULL);
		}
	} while (o->watch_ns && !paths_stop);
	close_steer_pins(&p);
	return 0;
}

/* The route whose prefixes hold `prefix` (an address or a prefix). */
static int find_route(const struct steer_pins *p, const char *prefix)
{
	char addr[INET6_ADDRSTRLEN + 1], *slash, *end;
	struct wf_lpm6 k6 = { 0 };
	struct wf_lpm4 k4 = { 0 };
	unsigned long len;
	__u64 id;

	snprintf(addr, sizeof(addr), "%s", prefix);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, addr, &k4.addr) == 1) {
		len = slash ? strtoul(slash + 1, &end, 10) : 32;
		if ((slash && *end) || len > 32)
			return -2;
		k4.prefixlen = (__u32)len;
		return bpf_map_lookup_elem(p->lpm4, &k4, &id) ? -1 : (int)id;
	}
	if (inet_pton(AF_INET6, addr, k6.addr) == 1) {
		len = slash ? strtoul(slash + 1, &end, 10) : 128;
		if ((slash && *end) || len > 128)
			return -2;
		k6.prefixlen = (__u32)len;
		return bpf_map_lookup_elem(p->lpm6, &k6, &id) ? -1 : (int)id;
	}
	return -2;
}

int paths_switch(const char *pin_dir, const char *prefix, const char *via,
		 char *why, size_t n_why)
{
	struct steer_pins p;
	struct wf_path_status st[WF_MAX_PATHS];
	struct wf_route_ctl ctl = { 0 };
	struct wf_route r = { 0 };
	int n, route, path = -1, rc = SWITCH_NOT_FOUND;

	if (open_steer_pins(pin_dir, &p)) {
		snprintf(why, n_why, "no running wirefisher at %s", pin_dir);
		return SWITCH_NO_DAEMON;
	}
	n = read_status(&p, st);
	route = find_route(&p, prefix);
	if (route < 0) {
		snprintf(why, n_why, route == -2 ? "\"%s\" is not an address or "
			 "prefix" : "no steering route holds %s (see wirefisher "
			 "paths)", prefix);
		rc = route == -2 ? SWITCH_BAD : SWITCH_NOT_FOUND;
		goto out;
	}
	for (int i = 0; via && i < n; i++)
		if (!strcmp(st[i].name, via) || !strcmp(st[i].device, via))
			path = i;
	bpf_map_lookup_elem(p.routes, &(__u32){ (__u32)route }, &r);
	if (via) {
		bool in_route = false;

		for (int j = 0; path >= 0 && j < r.n_paths && j < WF_ROUTE_PATHS; j++)
			in_route |= r.paths[j].path == path;
		if (!in_route) {
			snprintf(why, n_why, "%s is not a path of the route holding "
				 "%s", via, prefix);
			goto out;
		}
	}
	bpf_map_lookup_elem(p.ctl, &(__u32){ (__u32)route }, &ctl);
	ctl.pin = via ? (__u32)path + 1 : 0;
	ctl.seq++;
	if (bpf_map_update_elem(p.ctl, &(__u32){ (__u32)route }, &ctl, BPF_ANY)) {
		snprintf(why, n_why, "cannot write the request: %s", strerror(errno));
		rc = SWITCH_TIMEOUT;
		goto out;
	}
	/* The daemon applies it within one probe interval; wait up to 2 s. */
	for (int i = 0; i < 200; i++) {
		bool pinned;

		usleep(10000);
		if (bpf_map_lookup_elem(p.routes, &(__u32){ (__u32)route }, &r))
			continue;
		pinned = r.flags & WF_ROUTE_PINNED;
		if (via ? pinned && r.active < WF_ROUTE_PATHS &&
			  r.paths[r.active].path == path : !pinned) {
			snprintf(why, n_why, "route %s: %s", prefix, via ?
				 "pinned by hand" : "back to the prober's choice");
			rc = SWITCH_OK;
			goto out;
		}
	}
	snprintf(why, n_why, "the daemon did not apply the request within 2 s; "
		 "is it running?");
	rc = SWITCH_TIMEOUT;
out:
	close_steer_pins(&p);
	return rc;
}

int switch_main(const char *pin_dir, const char *prefix, const char *via)
{
	char why[256];
	int rc = paths_switch(pin_dir, prefix, via, why, sizeof(why));

	if (rc == SWITCH_OK)
		printf("%s\n", why);
	else if (rc != SWITCH_NO_DAEMON)
		log_error("%s", why);
	return rc == SWITCH_OK ? 0 : 1;
}

int paths_write_json(const char *pin_dir, FILE *out)
{
	struct steer_pins p;
	struct wf_path_status st[WF_MAX_PATHS];
	struct route_view views[WF_MAX_ROUTES];

	if (open_steer_pins(pin_dir, &p))
		return 1;
	int n = read_status(&p, st);

	read_routes(&p, views);
	print_json(out, st, n, views);
	close_steer_pins(&p);
	return 0;
}

static void path_gauge(FILE *o, const char *name, const char *help,
		       const struct wf_path_status *st, int n,
		       double (*get)(const struct wf_path_status *))
{
	char l[PROM_LABELS_MAX];

	prom_family(o, name, "gauge", help);
	for (int i = 0; i < n; i++)
		prom_f64(o, name, prom_labels(l, sizeof(l), 2, "path", st[i].name,
					      "device", st[i].device), get(&st[i]));
}

/* A counter of every path: the __u64 at `field` of its status. */
static void path_counter(FILE *o, const char *name, const char *help,
			 const struct wf_path_status *st, int n, size_t field)
{
	char l[PROM_LABELS_MAX];
	__u64 v;

	prom_family(o, name, "counter", help);
	for (int i = 0; i < n; i++) {
		memcpy(&v, (const char *)&st[i] + field, sizeof(v));
		prom_u64(o, name, prom_labels(l, sizeof(l), 2, "path", st[i].name,
					      "device", st[i].device), v);
	}
}

static double get_up(const struct wf_path_status *s)
{
	return s->state == WF_PATH_UP;
}

static double get_rtt(const struct wf_path_status *s)
{
	return s->rtt_ns / 1e9;
}

static double get_jitter(const struct wf_path_status *s)
{
	return s->jitter_ns / 1e9;
}

static double get_loss(const struct wf_path_status *s)
{
	return s->loss_ppm / 1e6;
}

static double get_score(const struct wf_path_status *s)
{
	return s->score_milli == 0xffffffffu ? INFINITY : s->score_milli / 1e3;
}

static double get_flows(const struct wf_path_status *s)
{
	return (double)s->flows;
}

static double get_rate(const struct wf_path_status *s)
{
	return s->rate_bps / 8.0;
}

static void metrics_paths(FILE *o, const struct wf_path_status *st, int n)
{
	static const char *const states[] = { "probing", "up", "down" };
	char l[PROM_LABELS_MAX];

	path_gauge(o, "wirefisher_path_up", "1 if the path is up.", st, n, get_up);
	prom_family(o, "wirefisher_path_state", "gauge",
		    "1 for the path's current state.");
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			prom_u64(o, "wirefisher_path_state",
				 prom_labels(l, sizeof(l), 3, "path", st[i].name,
					     "device", st[i].device, "state",
					     states[k]),
				 !strcmp(steer_state_name(st[i].state), states[k]));
	path_gauge(o, "wirefisher_path_rtt_seconds", "Smoothed round-trip time "
		   "of the probes.", st, n, get_rtt);
	path_gauge(o, "wirefisher_path_jitter_seconds", "Smoothed variation of "
		   "the round-trip time.", st, n, get_jitter);
	path_gauge(o, "wirefisher_path_loss_ratio", "Probes lost over the loss "
		   "window (0 to 1).", st, n, get_loss);
	path_gauge(o, "wirefisher_path_score", "The prober's score (lower is "
		   "better; +Inf before the first answer).", st, n, get_score);
	path_gauge(o, "wirefisher_path_flows", "Steered flows on the path, seen "
		   "within the last 10 s.", st, n, get_flows);
	path_gauge(o, "wirefisher_path_transmit_bytes_per_second", "The path "
		   "device's transmit rate.", st, n, get_rate);
	path_counter(o, "wirefisher_path_probes_total", "Probe rounds sent.", st,
		     n, offsetof(struct wf_path_status, probes_sent));
	path_counter(o, "wirefisher_path_probes_lost_total", "Probe rounds with "
		     "no answer in time.", st, n,
		     offsetof(struct wf_path_status, probes_lost));
	prom_family(o, "wirefisher_path_handshake_age_seconds", "gauge",
		    "Age of the WireGuard session (wireguard-go only).");
	for (int i = 0; i < n; i++)
		if (st[i].handshake_age_s >= 0)
			prom_u64(o, "wirefisher_path_handshake_age_seconds",
				 prom_labels(l, sizeof(l), 2, "path", st[i].name,
					     "device", st[i].device),
				 (uint64_t)st[i].handshake_age_s);
}

int paths_write_metrics(const char *pin_dir, FILE *out)
{
	struct steer_pins p;
	struct wf_path_status st[WF_MAX_PATHS];
	struct route_view views[WF_MAX_ROUTES];
	char l[PROM_LABELS_MAX], first[64];

	if (open_steer_pins(pin_dir, &p))
		return 1;
	int n = read_status(&p, st);

	read_routes(&p, views);
	metrics_paths(out, st, n);
	prom_family(out, "wirefisher_route_path", "gauge",
		    "1 for the path a route sends new flows by (failover: the "
		    "active path).");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const char *via = active_name(&views[r], st, n);

		if (!views[r].used || !strcmp(via, "-"))
			continue;
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(views[r].to, ","), views[r].to);
		prom_u64(out, "wirefisher_route_path",
			 prom_labels(l, sizeof(l), 2, "route", first, "path", via), 1);
	}
	close_steer_pins(&p);
	return 0;
}
