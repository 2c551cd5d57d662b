// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* paths.c - see paths.h. */
#include "paths.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "../bpf/wf_shared.h"
#include "log.h"
#include "pin.h"
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

static void print_table(const struct wf_path_status *st, int n,
			const struct route_view *views)
{
	char rate[32], ago[40], score[16];

	printf("%-12s %-12s %-7s %8s %8s %6s %6s %5s %13s  %s\n", "PATH",
	       "DEVICE", "STATE", "RTT", "JITTER", "LOSS", "SCORE", "FLOWS",
	       "RATE", "LAST CHANGE");
	for (int i = 0; i < n; i++) {
		const struct wf_path_status *s = &st[i];

		units_fmt_rate(s->rate_bps / 8, rate, sizeof(rate));
		fmt_ago(s->changed_unix_ns, ago, sizeof(ago));
		if (s->score_milli == 0xffffffffu)
			snprintf(score, sizeof(score), "-");
		else
			snprintf(score, sizeof(score), "%.2f", s->score_milli / 1e3);
		printf("%-12s %-12s %-7s %5.1f ms %5.1f ms %5.1f%% %6s %5llu %13s  "
		       "%s\n", s->name, s->device, steer_state_name(s->state),
		       s->rtt_ns / 1e6, s->jitter_ns / 1e6, s->loss_ppm / 1e4, score,
		       (unsigned long long)s->flows, rate, ago);
	}
	printf("\n%-32s %-9s %s\n", "ROUTE", "MODE", "VIA");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const struct route_view *v = &views[r];

		if (!v->used)
			continue;
		printf("%-32s %-9s %s%s\n", v->to,
		       v->have_r && v->r.mode == WF_MODE_SPREAD ? "spread" :
		       "failover", active_name(v, st, n),
		       v->have_r && (v->r.flags & WF_ROUTE_PINNED) ?
		       " (pinned by hand)" : "");
	}
}

static void print_json(const struct wf_path_status *st, int n,
		       const struct route_view *views)
{
	printf("{\"paths\":[");
	for (int i = 0; i < n; i++) {
		const struct wf_path_status *s = &st[i];

		printf("%s{\"name\":\"%s\",\"device\":\"%s\",\"state\":\"%s\","
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
	printf("],\"routes\":[");
	for (int r = 0, first = 1; r < WF_MAX_ROUTES; r++) {
		const struct route_view *v = &views[r];

		if (!v->used)
			continue;
		printf("%s{\"id\":%d,\"to\":\"%s\",\"mode\":\"%s\",\"via\":\"%s\","
		       "\"pinned\":%s,\"usable\":[", first ? "" : ",", r, v->to,
		       v->have_r && v->r.mode == WF_MODE_SPREAD ? "spread" :
		       "failover", active_name(v, st, n),
		       v->have_r && (v->r.flags & WF_ROUTE_PINNED) ? "true" :
		       "false");
		for (int j = 0, f2 = 1; v->have_r && j < v->r.n_paths &&
		     j < WF_ROUTE_PATHS; j++)
			if (v->r.paths[j].usable && v->r.paths[j].path < n) {
				printf("%s\"%s\"", f2 ? "" : ",",
				       st[v->r.paths[j].path].name);
				f2 = 0;
			}
		printf("]}");
		first = 0;
	}
	printf("]}\n");
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
		if (o->watch_ns && !o->json)
			fputs("\033[H\033[2J", stdout);
		if (o->json)
			print_json(st, n, views);
		else if (n == 0)
			printf("this wirefisher steers nothing: its config has no "
			       "steering: section\n");
		else
			print_table(st, n, views);
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

int switch_main(const char *pin_dir, const char *prefix, const char *via)
{
	struct steer_pins p;
	struct wf_path_status st[WF_MAX_PATHS];
	struct wf_route_ctl ctl = { 0 };
	struct wf_route r;
	int n, route, path = -1, rc = 1;

	if (open_steer_pins(pin_dir, &p))
		return 1;
	n = read_status(&p, st);
	route = find_route(&p, prefix);
	if (route < 0) {
		log_error(route == -2 ? "\"%s\" is not an address or prefix" :
			  "no steering route holds %s (see wirefisher paths)",
			  prefix);
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
			log_error("%s is not a path of the route holding %s", via,
				  prefix);
			goto out;
		}
	}
	bpf_map_lookup_elem(p.ctl, &(__u32){ (__u32)route }, &ctl);
	ctl.pin = via ? (__u32)path + 1 : 0;
	ctl.seq++;
	if (bpf_map_update_elem(p.ctl, &(__u32){ (__u32)route }, &ctl, BPF_ANY)) {
		log_error("cannot write the request: %s", strerror(errno));
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
			printf("route %s: %s\n", prefix, via ? "pinned by hand" :
			       "back to the prober's choice");
			rc = 0;
			goto out;
		}
	}
	log_error("the daemon did not apply the request within 2 s; is it "
		  "running?");
out:
	close_steer_pins(&p);
	return rc;
}
