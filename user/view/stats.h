/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * stats.h - the flow model of a running daemon, read from its pins: the
 * totals, each rule's counters and rates, every flow with its rates. The
 * renderers (stats_table.c, stats_json.c, stats_prom.c) draw a snapshot;
 * stats_show.c puts the two together for `stats` and the HTTP endpoint.
 *
 * It needs only the pins: no config, no daemon socket. The ABI version in
 * wf_info guards against reading a daemon of another layout.
 */
#ifndef WF_STATS_H
#define WF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../bpf/wf_shared.h"
#include "flowrate.h"
#include "pins.h"

enum stats_sort { SORT_RATE, SORT_BYTES, SORT_PACKETS };

struct stats_opts {
	const char *pin_dir;
	bool json;
	uint64_t watch_ns; /* 0: print once */
	enum stats_sort sort;
	unsigned top;  /* 0: every flow */
	bool no_flows; /* counters and rules only */
};

struct stats_rule {
	__u32 id;
	struct wf_rule rule;
	struct wf_rule_counters count;
	struct flow_rates rates;
};

struct stats_flow {
	struct wf_flow_key key;
	struct wf_flow flow;
	struct flow_rates rates;
	char ifname[WF_IFNAMSIZ];
};

/* stats_read_top(): keep every flow. */
#define STATS_ALL SIZE_MAX

/* The open pins and the last snapshot taken through them. */
struct stats_view {
	struct view_pins pins;
	struct stats_flow *flows; /* the kept flows */
	size_t n, cap;
	size_t live;	    /* flows in the table (kept or not) */
	size_t keep;	    /* the most flows kept */
	enum stats_sort by; /* which are kept: the largest so */
	struct stats_rule rules[WF_MAX_RULES];
	size_t n_rules;
	struct wf_counters total;
	uint64_t now_ns;
};

/* Open the daemon pinned in dir. 0, or 1 logged (no daemon there). */
int stats_open(struct stats_view *v, const char *dir);

/*
 * Take a snapshot (replacing the last), keeping the `keep` largest flows by
 * `by` (0: none, still counted in live; STATS_ALL: every one). Memory is
 * O(keep) whatever the table holds, so /metrics on 4 M flows holds ten.
 * Sort them to show them. 0, or 1 logged (out of memory).
 */
int stats_read_top(struct stats_view *v, enum stats_sort by, size_t keep);

/* Flows in this order: largest first. */
void stats_sort(struct stats_view *v, enum stats_sort by);

/* Flows the full table forgot (created, less live). */
uint64_t stats_evicted(const struct stats_view *v);

/* "rule", "src_ip", "dst_ip", "flow" of a rule's wf_rule.per. */
const char *stats_per_name(const struct wf_rule *r);

void stats_close(struct stats_view *v);

/* Sum the per-CPU slots of a wf_stats map (zeros if it cannot be read). */
/*
 * Sum the per-CPU copies of the value at key of fd, a value made only of
 * __u64 counters (zeros if it cannot be read).
 */
void stats_sum_percpu(int fd, __u32 key, void *out, size_t size);

void stats_read_counters(int fd, struct wf_counters *total);

/* Sum the per-CPU counters of rule `id` in a wf_rule_stats map. */
void stats_read_rule_counters(int fd, __u32 id, struct wf_rule_counters *sum);

/* ---- renderers of a snapshot; shown: the first flows to draw ---- */

/* width: terminal columns (under 120: 80-column layout; 0: not a tty). */
void stats_print_table(FILE *o, const struct stats_view *v, size_t shown,
		       int width);
void stats_print_json(FILE *o, const struct stats_view *v, size_t shown);
/* Prometheus text: totals, rules, the `top` fastest flows (sorted). */
void stats_print_metrics(FILE *o, const struct stats_view *v, unsigned top);

/* ---- stats_show.c ---- */

/* `wirefisher stats`: a table or JSON, once or --watch. 0 or 1 (logged). */
int stats_show(const struct stats_opts *o);

/* One snapshot, as `stats` prints it with o (no watch), to out. 0 or 1. */
int stats_write(const struct stats_opts *o, FILE *out);

/*
 * The accounting and policing metrics in the Prometheus text format, with
 * the `top` fastest flows. 0, or 1 (logged) if no daemon is pinned there.
 */
int stats_write_metrics(const char *pin_dir, unsigned top, FILE *out);

#endif /* WF_STATS_H */
