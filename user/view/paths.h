/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * paths.h - the path model of a running daemon, read from its pins: each
 * steering path's status and each route's prefixes and choice. The
 * renderers are paths_table.c (table, JSON) and paths_prom.c (Prometheus).
 * Asking for a change (`switch`) is in control.h.
 */
#ifndef WF_PATHS_H
#define WF_PATHS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../bpf/wf_shared.h"
#include "pins.h"

struct paths_opts {
	const char *pin_dir;
	bool json;
	uint64_t watch_ns; /* 0: print once */
};

/* One route as read back: its prefixes, in text, and its wf_route. */
struct route_view {
	bool used;
	char to[256]; /* "10.99.0.0/24,fd00:99::/64" */
	struct wf_route r;
	bool have_r;
	struct wf_dup d; /* the route's duplicate selectors and paths */
	bool have_d;
	__u64 flowlet_ns; /* spread: the idle gap for a move; 0: none */
};

struct paths_view {
	struct view_pins pins;
	struct wf_path_status st[WF_MAX_PATHS];
	int n; /* configured paths */
	/* aggregate routes: what they sent by each path (wf_agg_stats,
	 * summed), the path's model, and its modelled queue in ns */
	struct wf_agg_counters agg[WF_MAX_PATHS];
	struct wf_agg_path agg_path[WF_MAX_PATHS];
	uint64_t agg_queue_ns[WF_MAX_PATHS];
	/* duplicate selectors: copies sent and arrivals kept or dropped */
	struct wf_dup_counters dup[WF_MAX_PATHS];
	struct route_view routes[WF_MAX_ROUTES];
};

/* Open the daemon pinned in dir. 0, or 1 logged (no daemon there). */
int paths_open(struct paths_view *v, const char *dir);

/* Read the paths' status and the routes (replacing the last read). */
void paths_read(struct paths_view *v);

void paths_close(struct paths_view *v);

/* The name of the path route r sends new flows by, or "-". */
const char *paths_active(const struct paths_view *v, int r);

/*
 * The route whose prefixes hold `prefix` (an address or a prefix): its id,
 * -1 if none does, -2 if prefix is neither.
 */
int paths_find_route(const struct paths_view *v, const char *prefix);

/* "aggregate", "spread" or "failover" of route r. */
const char *paths_mode(const struct paths_view *v, int r);

/* Is route r pinned to one path by hand (switch --via)? */
bool paths_pinned(const struct paths_view *v, int r);

/* ---- renderers ---- */

/* width: terminal columns (under 120: 80-column layout; 0: not a tty). */
void paths_print_table(FILE *o, const struct paths_view *v, int width);
void paths_print_json(FILE *o, const struct paths_view *v);
void paths_print_metrics(FILE *o, const struct paths_view *v);

/* `wirefisher paths`: table or JSON, once or --watch. 0 or 1 (logged). */
int paths_show(const struct paths_opts *o);

/*
 * One read of the daemon pinned in pin_dir, drawn to out by print
 * (paths_print_json, paths_print_metrics). 1 (logged) if no daemon is there.
 */
int paths_write(const char *pin_dir, FILE *out,
		void (*print)(FILE *o, const struct paths_view *v));

#endif /* WF_PATHS_H */
