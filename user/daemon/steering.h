/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * steering.h - the daemon's steering loop: probe every path, decide every
 * route (steer.h), and publish the decisions to the datapath (wf_routes)
 * and to readers (wf_path_status). Also applies `wirefisher switch`
 * requests (wf_route_ctl) and runs the on_change hook.
 */
#ifndef WF_STEERING_H
#define WF_STEERING_H

#include <poll.h>
#include <stdint.h>

#include "config.h"

struct steering;
struct wf_host;
struct wirefisher_bpf;

/*
 * Open the probe sockets, write the prefix tries and the routes into skel
 * (loaded, not yet hooked). With prev - the steering of the config being
 * replaced - paths probed the same way keep what the prober learnt and
 * routes keep their decision. host: preflight_run()'s answers for cfg.
 * NULL on error (logged).
 */
struct steering *steering_open(const struct wf_config *cfg,
			       const struct wf_host *host,
			       struct wirefisher_bpf *skel,
			       const struct steering *prev);
void steering_free(struct steering *s);

/* Two probe sockets and one wireguard-go query per path. */
#define STEERING_FDS (3 * WF_CFG_MAX_PATHS)

/* The fds to poll; returns how many were put in pfd (at most max). */
int steering_fds(struct steering *s, struct pollfd *pfd, int max);

/* Nanoseconds (CLOCK_MONOTONIC) until steering_run() has work to do. */
uint64_t steering_wait_ns(const struct steering *s);

/* Read replies (pfd as filled by steering_fds), send rounds, expire
 * deadlines, decide routes and publish. */
void steering_run(struct steering *s, const struct pollfd *pfd, int n);

uint64_t steer_now_ns(void);

#endif /* WF_STEERING_H */
