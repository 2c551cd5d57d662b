// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* pins.c - see pins.h. */
#include "pins.h"

#include <unistd.h>

#include "pin.h"

const char *const view_pin_names[PIN_N] = {
	[PIN_FLOWS] = "wf_flows",
	[PIN_STATS] = "wf_stats",
	[PIN_IFACES] = "wf_ifaces",
	[PIN_RULES] = "wf_rules",
	[PIN_RULE_STATS] = "wf_rule_stats",
	[PIN_RULE_ACCT] = "wf_rule_acct",
	[PIN_PATH_STATUS] = "wf_path_status",
	[PIN_ROUTES] = "wf_routes",
	[PIN_ROUTE_CTL] = "wf_route_ctl",
	[PIN_STEER4] = "wf_steer4",
	[PIN_STEER6] = "wf_steer6",
	[PIN_AGG_STATS] = "wf_agg_stats",
	[PIN_AGG_PATHS] = "wf_agg_paths",
	[PIN_AGG_QUEUE] = "wf_agg_queue",
	[PIN_DUPS] = "wf_dups",
	[PIN_DUP_STATS] = "wf_dup_stats",
	[PIN_FLOWLET] = "wf_flowlet",
};

int view_pins_open(struct view_pins *p, const char *dir, unsigned mask)
{
	const char *names[PIN_N];
	int *fds[PIN_N], n = 0;

	for (int i = 0; i < PIN_N; i++) {
		p->fd[i] = -1;
		if (!(mask & PIN_BIT(i)))
			continue;
		names[n] = view_pin_names[i];
		fds[n++] = &p->fd[i];
	}
	if (pin_open_daemon(dir, names, fds, n, &p->info))
		return -1;
	/* A daemon killed outright leaves its pid in wf_info; only the lock
	 * on the directory says one runs (and that pid is still its own). */
	if (p->info.pid && !pin_dir_held(dir))
		p->info.pid = 0;
	return 0;
}

void view_pins_close(struct view_pins *p)
{
	for (int i = 0; i < PIN_N; i++)
		if (p->fd[i] >= 0) {
			close(p->fd[i]);
			p->fd[i] = -1;
		}
}
