// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * paths_prom.c - the path model as Prometheus metrics (the endpoint's
 * /metrics): one series per path, and which path each route uses.
 */
#include "paths.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "prom.h"
#include "steer.h"

static const char *path_labels(char *l, size_t n,
			       const struct wf_path_status *s)
{
	return prom_labels(l, n, 2, "path", s->name, "device", s->device);
}

static void path_gauge(FILE *o, const char *name, const char *help,
		       const struct paths_view *v,
		       double (*get)(const struct wf_path_status *))
{
	char l[PROM_LABELS_MAX];

	prom_family(o, name, "gauge", help);
	for (int i = 0; i < v->n; i++)
		prom_f64(o, name, path_labels(l, sizeof(l), &v->st[i]),
			 get(&v->st[i]));
}

/* A counter of every path: the __u64 at `field` of its status. */
static void path_counter(FILE *o, const char *name, const char *help,
			 const struct paths_view *v, size_t field)
{
	char l[PROM_LABELS_MAX];
	__u64 val;

	prom_family(o, name, "counter", help);
	for (int i = 0; i < v->n; i++) {
		memcpy(&val, (const char *)&v->st[i] + field, sizeof(val));
		prom_u64(o, name, path_labels(l, sizeof(l), &v->st[i]), val);
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

/* A counter of every path from what aggregate routes sent by it. */
static void agg_counter(FILE *o, const char *name, const char *help,
			const struct paths_view *v, size_t field)
{
	char l[PROM_LABELS_MAX];
	__u64 val;

	prom_family(o, name, "counter", help);
	for (int i = 0; i < v->n; i++) {
		memcpy(&val, (const char *)&v->agg[i] + field, sizeof(val));
		prom_u64(o, name, path_labels(l, sizeof(l), &v->st[i]), val);
	}
}

/* A counter of every path from the duplicator's counts. */
static void dup_counter(FILE *o, const char *name, const char *help,
			const struct paths_view *v, size_t field)
{
	char l[PROM_LABELS_MAX];
	__u64 val;

	prom_family(o, name, "counter", help);
	for (int i = 0; i < v->n; i++) {
		memcpy(&val, (const char *)&v->dup[i] + field, sizeof(val));
		prom_u64(o, name, path_labels(l, sizeof(l), &v->st[i]), val);
	}
}

/* The modelled queue of each path of an aggregate route. */
static void agg_queue(FILE *o, const struct paths_view *v)
{
	char l[PROM_LABELS_MAX];

	prom_family(o, "wirefisher_path_aggregate_queue_seconds", "gauge",
		    "How long the aggregate scheduler's model of the path's "
		    "queue takes to drain.");
	for (int i = 0; i < v->n; i++)
		if (v->agg_path[i].ns_per_byte)
			prom_f64(o, "wirefisher_path_aggregate_queue_seconds",
				 path_labels(l, sizeof(l), &v->st[i]),
				 v->agg_queue_ns[i] / 1e9);
}

static double get_quiet(const struct wf_path_status *s)
{
	return s->quiet_ns / 1e9;
}

/* One sample per path and state, 1 for the state it is in. */
static void path_states(FILE *o, const struct paths_view *v)
{
	static const char *const states[] = { "probing", "up", "down" };
	char l[PROM_LABELS_MAX];

	prom_family(o, "wirefisher_path_state", "gauge",
		    "1 for the path's current state.");
	for (int i = 0; i < v->n; i++)
		for (int k = 0; k < 3; k++)
			prom_u64(o, "wirefisher_path_state",
				 prom_labels(l, sizeof(l), 3, "path",
					     v->st[i].name, "device",
					     v->st[i].device, "state",
					     states[k]),
				 !strcmp(steer_state_name(v->st[i].state),
					 states[k]));
}

static void path_handshakes(FILE *o, const struct paths_view *v)
{
	char l[PROM_LABELS_MAX];

	prom_family(
		o, "wirefisher_path_handshake_age_seconds", "gauge",
		"Age of the newest WireGuard handshake (wireguard-go or kernel).");
	for (int i = 0; i < v->n; i++)
		if (v->st[i].handshake_age_s >= 0)
			prom_u64(o, "wirefisher_path_handshake_age_seconds",
				 path_labels(l, sizeof(l), &v->st[i]),
				 (uint64_t)v->st[i].handshake_age_s);
}

/* Each route's path; labelled by its first prefix. */
static void route_paths(FILE *o, const struct paths_view *v)
{
	char l[PROM_LABELS_MAX], first[64];

	prom_family(o, "wirefisher_route_path", "gauge",
		    "1 for the path a route sends new flows by (failover: the "
		    "active path).");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const char *via = paths_active(v, r), *to = v->routes[r].to;

		if (!v->routes[r].used || !strcmp(via, "-"))
			continue;
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(to, ","),
			 to);
		prom_u64(o, "wirefisher_route_path",
			 prom_labels(l, sizeof(l), 2, "route", first, "path",
				     via),
			 1);
	}
}

/* Each spread route's flowlet gap; labelled by its first prefix. */
static void route_flowlets(FILE *o, const struct paths_view *v)
{
	char l[PROM_LABELS_MAX], first[64];

	prom_family(o, "wirefisher_route_flowlet_gap_seconds", "gauge",
		    "Spread: the idle gap after which a flow may move to a "
		    "less loaded path (0: none now).");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const char *to = v->routes[r].to;

		if (!v->routes[r].used || !v->routes[r].have_r ||
		    v->routes[r].r.mode != WF_MODE_SPREAD)
			continue;
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(to, ","),
			 to);
		prom_f64(o, "wirefisher_route_flowlet_gap_seconds",
			 prom_labels(l, sizeof(l), 1, "route", first),
			 v->routes[r].flowlet_ns / 1e9);
	}
}

void paths_print_metrics(FILE *o, const struct paths_view *v)
{
	path_gauge(o, "wirefisher_path_up", "1 if the path is up.", v, get_up);
	path_states(o, v);
	path_gauge(o, "wirefisher_path_rtt_seconds",
		   "Smoothed round-trip time "
		   "of the probes.",
		   v, get_rtt);
	path_gauge(o, "wirefisher_path_jitter_seconds",
		   "Smoothed variation of "
		   "the round-trip time.",
		   v, get_jitter);
	path_gauge(o, "wirefisher_path_loss_ratio",
		   "Probes lost over the loss "
		   "window (0 to 1).",
		   v, get_loss);
	path_gauge(o, "wirefisher_path_score",
		   "The prober's score (lower is "
		   "better; +Inf before the first answer).",
		   v, get_score);
	path_gauge(o, "wirefisher_path_flows",
		   "Steered flows on the path, seen "
		   "within the last 10 s.",
		   v, get_flows);
	path_gauge(o, "wirefisher_path_transmit_bytes_per_second",
		   "The path "
		   "device's transmit rate.",
		   v, get_rate);
	path_counter(o, "wirefisher_path_probes_total", "Probe rounds sent.", v,
		     offsetof(struct wf_path_status, probes_sent));
	path_counter(o, "wirefisher_path_probes_lost_total",
		     "Probe rounds with "
		     "no answer in time.",
		     v, offsetof(struct wf_path_status, probes_lost));
	path_gauge(o, "wirefisher_path_quiet_seconds",
		   "Time since the path device last received a packet.", v,
		   get_quiet);
	path_counter(o, "wirefisher_path_suspected_total",
		     "Silences (sent, heard nothing past the limit) that set "
		     "off a probe burst.",
		     v, offsetof(struct wf_path_status, suspected));
	path_counter(o, "wirefisher_path_silence_downs_total",
		     "Silences whose probe burst went unanswered: path down.",
		     v, offsetof(struct wf_path_status, silence_downs));
	path_counter(o, "wirefisher_path_flowlet_moves_total",
		     "Spread flows moved off the path in an idle gap.", v,
		     offsetof(struct wf_path_status, flowlet_moves));
	agg_counter(o, "wirefisher_path_aggregate_packets_total",
		    "Packets of aggregate routes sent by the path.", v,
		    offsetof(struct wf_agg_counters, packets));
	agg_counter(o, "wirefisher_path_aggregate_bytes_total",
		    "IP bytes of aggregate routes sent by the path.", v,
		    offsetof(struct wf_agg_counters, bytes));
	agg_queue(o, v);
	dup_counter(o, "wirefisher_path_duplicate_copies_total",
		    "Second copies of selected packets sent by the path.", v,
		    offsetof(struct wf_dup_counters, copies));
	dup_counter(o, "wirefisher_path_duplicate_passed_total",
		    "Selected packets that arrived by the path first and "
		    "passed.",
		    v, offsetof(struct wf_dup_counters, passed));
	dup_counter(o, "wirefisher_path_duplicate_dropped_total",
		    "Second copies that arrived by the path and were dropped.",
		    v, offsetof(struct wf_dup_counters, dropped));
	path_handshakes(o, v);
	route_paths(o, v);
	route_flowlets(o, v);
}
