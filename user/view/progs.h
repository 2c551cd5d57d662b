/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * progs.h - the run counts of a daemon's BPF programs, found through its
 * pins, as Prometheus metrics.
 */
#ifndef WF_VIEW_PROGS_H
#define WF_VIEW_PROGS_H

#include <stdio.h>

/*
 * Runs and run time of the programs that use the maps pinned in pin_dir,
 * summed by name (the kernel counts them while kernel.bpf_stats_enabled
 * is 1).
 */
void progs_print_metrics(FILE *o, const char *pin_dir);

#endif /* WF_VIEW_PROGS_H */
