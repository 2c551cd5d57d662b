// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* steering.c - see steering.h: open, carry over on reload, the loop. */
#include "steering_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "../../bpf/wf_shared.h"
#include "log.h"
#include "netif.h"
#include "pin.h"
#include "preflight.h"
#include "prober.h"
#include "steer.h"
#include "wirefisher.skel.h"

uint64_t steer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

/* "10.99.0.0/24" (and " +N" more prefixes) for log lines. */
const char *route_str(const struct wf_cfg_route *rc, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s/%u%s", prefix_addr_str(&rc->to[0], a, sizeof(a)),
		 rc->to[0].len, rc->n_to > 1 ? " (+more)" : "");
	return buf;
}

/* The path of prev probing the same targets over the same device, or -1. */
static int same_path(const struct steering *prev, const struct wf_cfg_path *cp)
{
	for (int j = 0; prev && j < prev->st->n_paths; j++) {
		const struct wf_cfg_path *pp = &prev->st->paths[j];

		if (!strcmp(pp->name, cp->name) &&
		    !strcmp(pp->device, cp->device) &&
		    pp->n_targets == cp->n_targets &&
		    !memcmp(pp->targets, cp->targets, sizeof(pp->targets)))
			return j;
	}
	return -1;
}

/* The route of prev to the same prefixes over the same paths, or -1. */
static int same_route(const struct steering *prev, const struct steering *s,
		      int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];

	for (int j = 0; prev && j < prev->st->n_routes; j++) {
		const struct wf_cfg_route *pr = &prev->st->routes[j];
		bool same = pr->n_to == rc->n_to && pr->mode == rc->mode &&
			    pr->n_paths == rc->n_paths &&
			    !memcmp(pr->to, rc->to, sizeof(pr->to));

		for (int k = 0; same && k < rc->n_paths; k++)
			same = !strcmp(prev->st->paths[pr->paths[k]].name,
				       s->st->paths[rc->paths[k]].name);
		if (same)
			return j;
	}
	return -1;
}

/*
 * A reload keeps what the prober learnt of a path it still probes the same
 * way, and a route's decision (active path, hand pin, hold timer).
 */
static void carry_over(struct steering *s, const struct steering *prev)
{
	bool same_window =
		prev && prev->st->probe.window == s->st->probe.window;

	for (int i = 0; same_window && i < s->st->n_paths; i++) {
		int j = same_path(prev, &s->st->paths[i]);

		if (j < 0)
			continue;
		s->paths[i] = prev->paths[j];
		s->changed_unix[i] = prev->changed_unix[j];
		s->flows[i] = prev->flows[j];
		s->rate_bps[i] = prev->rate_bps[j];
		s->tx_last[i] = prev->tx_last[j];
		s->hs_age[i] = prev->hs_age[j];
		s->next_round[i] = prev->next_round[j];
		s->agg.min_ns[i] = prev->agg.min_ns[j];
		s->agg.min_at[i] = prev->agg.min_at[j];
		s->agg.gso_checked[i] =
			prev->agg.gso_checked[j]; /* said once */
	}
	for (int r = 0; prev && r < s->st->n_routes; r++) {
		int j = same_route(prev, s, r);

		if (j >= 0)
			s->routes[r] = prev->routes[j];
	}
	if (prev) {
		s->gen = prev->gen;
		s->heard_from = prev->heard_from;
	}
}

/*
 * Sticky flows name paths by index. If this config numbers them otherwise
 * than the one before (wf_path_status, kept across reloads and restarts,
 * says), those flows must choose again: forget them once hooked.
 */
static bool renumbered(const struct steering *s)
{
	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		struct wf_path_status v;

		if (bpf_map__lookup_elem(s->skel->maps.wf_path_status, &i,
					 sizeof(i), &v, sizeof(v), 0) ||
		    !v.configured)
			continue;
		v.name[sizeof(v.name) - 1] = '\0';
		if ((int)i >= s->st->n_paths ||
		    strcmp(v.name, s->st->paths[i].name))
			return true;
	}
	return false;
}

/*
 * A start that took over an earlier run's pins (persist: true, then a stop
 * or kill -9) resumes where that run left off: a path probed over the same
 * device under the same name gets the state, RTT and jitter it published
 * in wf_path_status (a state map, taken over), and a route over the same
 * paths the active path of the pinned wf_routes (the earlier run's, until
 * loader_pin replaces it). Otherwise every route would have no usable path
 * until the new prober's first answers: packets would leave by the
 * kernel's route meanwhile, and a spread flow whose path answered last
 * would be moved to the first. The prober corrects a stale state as it
 * would a running one's (down after k lost rounds).
 */
static void resume(struct steering *s)
{
	int fd;
	bool any = false;

	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		const struct wf_cfg_path *cp = &s->st->paths[i];
		struct wf_path_status v;
		struct steer_path *p = &s->paths[i];

		if (bpf_map__lookup_elem(s->skel->maps.wf_path_status, &i,
					 sizeof(i), &v, sizeof(v), 0) ||
		    !v.configured ||
		    (v.state != WF_PATH_UP && v.state != WF_PATH_DOWN))
			continue;
		v.name[sizeof(v.name) - 1] = v.device[sizeof(v.device) - 1] =
			'\0';
		if (strcmp(v.name, cp->name) || strcmp(v.device, cp->device))
			continue;
		p->state = v.state;
		if (v.rtt_ns) {
			p->have_rtt = true;
			p->rtt_ns = p->last_rtt_ns = (double)v.rtt_ns;
			p->jitter_ns = (double)v.jitter_ns;
		}
		if (v.changed_unix_ns)
			s->changed_unix[i] = v.changed_unix_ns;
		any = true;
	}
	/* wf_routes is policy, not state: the new set's own is still empty,
	 * the earlier run's choices are in its pin. */
	fd = any ? pin_open(s->cfg->pin_dir, "wf_routes") : -1;
	for (__u32 r = 0; fd >= 0 && r < (__u32)s->st->n_routes; r++) {
		const struct wf_cfg_route *rc = &s->st->routes[r];
		struct wf_route v;
		bool same;

		if (bpf_map_lookup_elem(fd, &r, &v))
			continue;
		same = v.mode == wf_route_mode(rc) &&
		       v.n_paths == rc->n_paths && v.active < rc->n_paths;
		for (int j = 0; same && j < rc->n_paths; j++)
			same = v.paths[j].path == rc->paths[j];
		if (same)
			s->routes[r].active = v.active;
	}
	if (fd >= 0)
		close(fd);
	if (any) {
		seen_resume(s);
		log_info("steering resumes from the taken-over state: paths as "
			 "the earlier run left them until probed");
	}
}

/* Path i's prober, state and counters. -1 on error (logged). */
/* Where a path's handshake age comes from, for its start-up line. */
static const char *wg_kind(const char *dev)
{
	long long age;

	if (netif_is_wireguard_go(dev))
		return " (wireguard-go)";
	if (netif_wg_kernel_age(dev, &age) == 0)
		return " (kernel WireGuard)";
	return " (no WireGuard found: no handshake age)";
}

static int open_path(struct steering *s, int i, uint64_t now, bool quiet)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];

	steer_path_init(&s->paths[i], now);
	/* Room for every round the timeout can keep open. */
	if (prober_init(&s->probes[i],
			rounds_size(s->st->probe.interval_ns,
				    steer_timeout_max(&s->st->probe)))) {
		log_error("path %s: out of memory", cp->name);
		return -1;
	}
	s->ifindex[i] = (int)if_nametoindex(cp->device);
	s->changed_unix[i] = unix_ns();
	s->hs_age[i] = -1;
	netif_tx_bytes(cp->device, &s->tx_last[i]);
	open_probe(s, i);
	if (s->probes[i].fd4 < 0 && s->probes[i].fd6 < 0)
		return -1;
	s->next_round[i] = now;
	if (!quiet)
		log_info("path %s: %s, probing %d target(s) every %llu ms%s",
			 cp->name, cp->device, cp->n_targets,
			 (unsigned long long)(s->st->probe.interval_ns /
					      1000000),
			 wg_kind(cp->device));
	return 0;
}

struct steering *steering_open(const struct wf_config *cfg,
			       const struct wf_host *host,
			       struct wirefisher_bpf *skel,
			       const struct steering *prev)
{
	struct steering *s = calloc(1, sizeof(*s));
	uint64_t now = steer_now_ns();

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->st = &cfg->steer;
	s->skel = skel;
	/* steering_free() on a half-made s closes no fd 0 (calloc's zero). */
	for (int i = 0; i < WF_CFG_MAX_PATHS; i++) {
		s->probes[i].fd4 = s->probes[i].fd6 = -1;
		netif_wg_query_init(&s->wg[i]);
	}
	for (int i = 0; i < s->st->n_paths; i++)
		if (open_path(s, i, now, prev != NULL)) {
			steering_free(s);
			return NULL;
		}
	for (int r = 0; r < s->st->n_routes; r++) {
		__u32 key = (__u32)r;
		struct wf_route_ctl ctl = { 0 };

		steer_route_init(&s->routes[r]);
		/* Hand pins are requests to the daemon that ran then. */
		bpf_map__lookup_elem(skel->maps.wf_route_ctl, &key, sizeof(key),
				     &ctl, sizeof(ctl), 0);
		s->ctl_seq[r] = ctl.seq;
	}
	carry_over(s, prev);
	/* preflight_run() has just warned about the routes the kernel does
	 * not route through a path: the once-a-second check must not again. */
	for (int r = 0; r < s->st->n_routes; r++)
		s->unanchored[r] = host->unanchored[r];
	s->renumbered = renumbered(s);
	if (!prev && !s->renumbered)
		resume(s);
	s->next_second = now + SECOND;
	s->last_second = now;
	s->settle_ns = now + s->st->probe.interval_ns;
	/* The new routes map is empty: fill it before any packet meets it. */
	for (int r = 0; r < s->st->n_routes; r++) {
		publish_route(s, r);
		dup_publish(s, r);
		publish_flowlet(s, r);
	}
	agg_publish(s, now);
	for (int i = 0; i < s->st->n_paths; i++)
		seen_follow(s, i);
	return s;
}

void steering_free(struct steering *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->st->n_paths; i++) {
		prober_free(&s->probes[i]);
		netif_wg_query_close(&s->wg[i]);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	free(s);
}

static void add_fd(struct steering *s, struct pollfd *pfd, int *n, int fd,
		   int path, bool wg)
{
	pfd[*n].fd = fd;
	pfd[*n].events = POLLIN;
	pfd[*n].revents = 0;
	s->fd_path[*n] = path;
	s->fd_wg[(*n)++] = wg;
}

int steering_fds(struct steering *s, struct pollfd *pfd, int max)
{
	int n = 0;

	if (max > STEERING_FDS)
		max = STEERING_FDS;
	for (int i = 0; i < s->st->n_paths; i++) {
		int fds[3] = { s->probes[i].fd4, s->probes[i].fd6,
			       s->wg[i].fd };

		for (int j = 0; j < 3; j++)
			if (fds[j] >= 0 && n < max)
				add_fd(s, pfd, &n, fds[j], i, j == 2);
	}
	return n;
}

uint64_t steering_wait_ns(const struct steering *s)
{
	uint64_t now = steer_now_ns(), next = s->next_second;

	/* A flow pass not done: its next slice after as long again. */
	if (s->walk.active && now + FLOW_WALK_NS < next)
		next = now + FLOW_WALK_NS;

	if (silence_next_ns(s) < next)
		next = silence_next_ns(s);
	for (int i = 0; i < s->st->n_paths; i++) {
		uint64_t d = prober_next_deadline(&s->probes[i]);

		if (s->next_round[i] < next)
			next = s->next_round[i];
		if (d < next)
			next = d;
	}
	return next > now ? next - now : 0;
}

void steering_run(struct steering *s, const struct pollfd *pfd, int n)
{
	struct round_result res[PROBE_BATCH];
	uint64_t now = steer_now_ns();

	if (s->renumbered) {
		s->renumbered = false;
		flows_forget(s);
	}

	for (int k = 0; k < n; k++) {
		int i = s->fd_path[k];

		if (!(pfd[k].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		if (s->fd_wg[k])
			wg_answer(s, i);
		else
			feed(s, i, res,
			     prober_read(&s->probes[i], pfd[k].fd, res,
					 PROBE_BATCH),
			     now);
	}
	for (int i = 0; i < s->st->n_paths; i++)
		follow_device(s, i, now);
	probe_paths(s, now);
	silence_check(s, now);
	burst_send(s, now);
	if (now >= s->next_second) {
		s->next_second = now + SECOND;
		measure_paths(s, now);
		while (waitpid(-1, NULL, WNOHANG) > 0) /* finished hooks */
			;
	}
	flows_step(s);
	for (int r = 0; r < s->st->n_routes; r++) {
		apply_ctl(s, r);
		decide(s, r, now);
		publish_route(s, r);
		dup_publish(s, r);
		publish_flowlet(s, r);
	}
	agg_publish(s, now);
	publish_status(s);
}
