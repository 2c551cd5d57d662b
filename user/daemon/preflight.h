/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * preflight.h - what a config needs of the running system, checked and
 * looked up before anything is loaded (start-up, reload, `wirefisher
 * check`) and looked up again every second, into the struct wf_host the
 * loader writes from (datapath/host.h).
 */
#ifndef WF_PREFLIGHT_H
#define WF_PREFLIGHT_H

#include <stdbool.h>

#include "config.h"
#include "host.h"

/*
 * Resolve cfg on this host into *h, refusing - each problem logged as
 * FILE:LINE:COL: key: message - what the daemon could not run: an `auto`
 * without a default route, an interface listed twice, a required interface
 * that is not here, a rule's missing cgroup, process or executable, an
 * unavailable congestion control, no cgroup2 for the rules that need it, a
 * steering device that is not a layer-3 tunnel or a probe target not
 * routed through its own path. Returns the number of problems.
 */
int preflight_run(const struct wf_config *cfg, struct wf_host *h);

/* Look again (every second): interfaces and cgroups come and go. */
void preflight_refresh(const struct wf_config *cfg, struct wf_host *h);

/*
 * Does the kernel route steering.routes[r] into one of its paths? With
 * warn, say (once per call) how to fix it when it does not.
 */
bool preflight_anchored(const struct wf_config *cfg, int r, bool warn);

#endif /* WF_PREFLIGHT_H */
