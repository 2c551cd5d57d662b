/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* stats.h - `wirefisher stats`: read a running daemon's pinned maps. */
#ifndef WF_STATS_H
#define WF_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "../bpf/wf_shared.h"

enum stats_sort { SORT_RATE, SORT_BYTES, SORT_PACKETS };

struct stats_opts {
	const char *pin_dir;
	bool json;
	uint64_t watch_ns;	/* 0: print once */
	enum stats_sort sort;
	unsigned top;		/* 0: every flow */
	bool no_flows;		/* counters and rules only */
};

/* A flow's rates as of `now` (bytes per second). */
struct flow_rates {
	uint64_t avg;
	uint64_t inst;
	uint64_t peak;
	uint64_t smooth;
};

/*
 * The rates of flow f at time now. A window that has run its full length
 * with no packet to close it is closed here, with exactly the datapath's
 * arithmetic, so an idle flow's rates fall as they would have.
 */
void stats_flow_rates(const struct wf_flow *f, uint64_t now_ns,
		      uint64_t window_ns, struct flow_rates *r);

/* Sum the per-CPU slots of a wf_stats map (zeros if it cannot be read). */
void stats_read_counters(int fd, struct wf_counters *total);

/* Sum the per-CPU counters of rule `id` in a wf_rule_stats map. */
void stats_read_rule_counters(int fd, __u32 id, struct wf_rule_counters *sum);

int stats_main(const struct stats_opts *o);

#include <stdio.h>

/* One snapshot, as `stats` prints it with o (no watch), to out. 0 or 1. */
int stats_write(const struct stats_opts *o, FILE *out);

/*
 * The accounting and policing metrics in the Prometheus text format, with
 * the `top` fastest flows. 0, or 1 (logged) if no daemon is pinned there.
 */
int stats_write_metrics(const char *pin_dir, unsigned top, FILE *out);

#endif /* WF_STATS_H */
