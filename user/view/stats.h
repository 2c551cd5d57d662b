/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* stats.h - `wirefisher stats`: read a running daemon's pinned maps. */
#ifndef WF_STATS_H
#define WF_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../bpf/wf_shared.h"
#include "flowrate.h"

enum stats_sort { SORT_RATE, SORT_BYTES, SORT_PACKETS };

struct stats_opts {
	const char *pin_dir;
	bool json;
	uint64_t watch_ns;	/* 0: print once */
	enum stats_sort sort;
	unsigned top;		/* 0: every flow */
	bool no_flows;		/* counters and rules only */
};


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
