// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * publish.c - each route's decision (hand pins, hysteresis: steer.h) and
 * what the datapath and the readers see of it: wf_routes, wf_path_status,
 * flows and transmit rate per path, measured once a second.
 */
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "netif.h"
#include "preflight.h"
#include "steering_int.h"
#include "wirefisher.skel.h"

/* `wirefisher switch`: a pin (path id + 1) or 0, with a new seq. */
void apply_ctl(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	struct wf_route_ctl ctl;
	__u32 key = (__u32)r;
	char name[64];

	if (bpf_map__lookup_elem(s->skel->maps.wf_route_ctl, &key, sizeof(key),
				 &ctl, sizeof(ctl), 0) || ctl.seq == s->ctl_seq[r])
		return;
	s->ctl_seq[r] = ctl.seq;
	s->routes[r].pinned = -1;
	for (int j = 0; j < rc->n_paths && ctl.pin; j++)
		if (rc->paths[j] == (int)ctl.pin - 1)
			s->routes[r].pinned = j;
	if (s->routes[r].pinned >= 0)
		log_info("route %s: pinned to %s by hand", route_str(rc, name,
			 sizeof(name)), s->st->paths[ctl.pin - 1].name);
	else
		log_info("route %s: back to the prober's choice",
			 route_str(rc, name, sizeof(name)));
}

/*
 * Until one interval has passed, a route waits while any of its paths has
 * not answered yet, so that start-up does not pick the first path to answer
 * and move off it a moment later.
 */
static bool settling(const struct steering *s, int r, uint64_t now)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];

	if (now >= s->settle_ns)
		return false;
	for (int j = 0; j < rc->n_paths; j++)
		if (s->paths[rc->paths[j]].state == WF_PATH_PROBING)
			return true;
	return false;
}

void decide(struct steering *s, int r, uint64_t now)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	struct steer_route *sr = &s->routes[r];
	int old = sr->active;
	char name[64];

	if (settling(s, r, now))
		return;
	if (!steer_decide(sr, rc, s->st, s->paths, now))
		return;
	log_info("route %s: via %s%s%s", route_str(rc, name, sizeof(name)),
		 s->st->paths[rc->paths[sr->active]].name,
		 old >= 0 ? ", was " : "",
		 old >= 0 ? s->st->paths[rc->paths[old]].name : "");
}

void publish_route(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	const struct steer_route *sr = &s->routes[r];
	struct wf_route v = { 0 };
	__u32 key = (__u32)r;
	int err;

	v.mode = rc->mode == WF_STEER_SPREAD ? WF_MODE_SPREAD : WF_MODE_FAILOVER;
	v.n_paths = (__u8)rc->n_paths;
	v.active = sr->active < 0 ? WF_NO_PATH : (__u8)sr->active;
	v.flags = sr->pinned >= 0 ? WF_ROUTE_PINNED : 0;
	for (int j = 0; j < rc->n_paths; j++) {
		int p = rc->paths[j];
		const struct wf_cfg_path *cp = &s->st->paths[p];
		struct wf_route_path *vp = &v.paths[j];

		vp->ifindex = (__u32)s->ifindex[p];
		vp->path = (__u8)p;
		vp->usable = vp->ifindex &&
			     steer_route_usable(sr, rc, s->st, s->paths, j);
		vp->weight = wf_path_weight(cp);
		vp->util = cp->capacity_bps ? (__u32)(s->rate_bps[p] * 1000 /
						      cp->capacity_bps) : 0;
	}
	v.gen = s->written[r].gen;
	if (!memcmp(&v, &s->written[r], sizeof(v)))
		return;
	v.gen = ++s->gen;
	/* One update swaps the whole value (see struct wf_route). */
	err = bpf_map__update_elem(s->skel->maps.wf_routes, &key, sizeof(key),
				   &v, sizeof(v), BPF_ANY);
	if (err)
		log_warn("cannot write route %d: %s", r, strerror(-err));
	else
		s->written[r] = v;
}

/*
 * Live flows per path from wf_steer_flows. The datapath counts assignments
 * in wf_path_flows; we read those before the scan and publish as retired
 * the ones the scan did not find live, so an assignment made during the
 * scan is never lost (at worst counted twice until the next second).
 */
static void count_flows(struct steering *s)
{
	int fd = bpf_map__fd(s->skel->maps.wf_steer_flows);
	struct wf_flow_key key, next;
	struct wf_steer_flow fl;
	uint64_t counts[WF_CFG_MAX_PATHS] = { 0 }, assigned[WF_CFG_MAX_PATHS];
	struct timespec ts;
	uint64_t now;
	void *prev = NULL;
	int budget = 1 << 20;	/* never loop forever on a churning map */

	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++)
		if (bpf_map__lookup_elem(s->skel->maps.wf_path_flows, &i,
					 sizeof(i), &assigned[i],
					 sizeof(assigned[i]), 0))
			assigned[i] = 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
	while (budget-- && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &fl))
			continue;
		if (fl.path < WF_CFG_MAX_PATHS && fl.last_ns + FLOW_IDLE_NS >= now)
			counts[fl.path]++;
	}
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		__u64 retired = assigned[i] > counts[i] ? assigned[i] - counts[i] : 0;

		s->flows[i] = counts[i];
		bpf_map__update_elem(s->skel->maps.wf_path_retired, &i, sizeof(i),
				     &retired, sizeof(retired), BPF_ANY);
	}
}

void measure_paths(struct steering *s, uint64_t now)
{
	uint64_t dt = now - s->last_second;

	s->last_second = now;
	for (int i = 0; i < s->st->n_paths; i++) {
		const char *dev = s->st->paths[i].device;
		uint64_t tx;

		/* A re-created device starts from 0: no negative rate. */
		if (netif_tx_bytes(dev, &tx) == 0 && dt) {
			s->rate_bps[i] = tx >= s->tx_last[i] ?
				(tx - s->tx_last[i]) * 8 * SECOND / dt : 0;
			s->tx_last[i] = tx;
		}
		s->hs_age[i] = netif_wg_handshake_age(dev);
		s->paths[i].stale = s->hs_age[i] > HANDSHAKE_STALE_S;
	}
	/* Deleting a device deletes the kernel's routes through it. */
	for (int r = 0; r < s->st->n_routes; r++) {
		bool was = s->unanchored[r];

		s->unanchored[r] = !preflight_anchored(s->cfg, r, !was);
		if (was && !s->unanchored[r])
			log_info("steering.routes[%d]: the kernel routes it through "
				 "a path again", r);
	}
	count_flows(s);
}

void publish_status(struct steering *s)
{
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		const struct steer_path *p = &s->paths[i];
		struct wf_path_status v = { 0 };
		double score = steer_score(p, &s->st->probe);

		snprintf(v.name, sizeof(v.name), "%s", s->st->paths[i].name);
		snprintf(v.device, sizeof(v.device), "%s", s->st->paths[i].device);
		v.ifindex = (__u32)s->ifindex[i];
		v.state = (__u8)p->state;
		v.configured = 1;
		v.rtt_ns = (__u64)p->rtt_ns;
		v.jitter_ns = (__u64)p->jitter_ns;
		v.loss_ppm = (__u32)(steer_loss(p) * 1e6);
		v.score_milli = score > 4e6 ? 0xffffffffu : (__u32)(score * 1000);
		v.probes_sent = p->rounds;
		v.probes_lost = p->lost;
		v.flows = s->flows[i];
		v.rate_bps = s->rate_bps[i];
		v.changed_unix_ns = s->changed_unix[i];
		v.handshake_age_s = s->hs_age[i];
		bpf_map__update_elem(s->skel->maps.wf_path_status, &i, sizeof(i),
				     &v, sizeof(v), BPF_ANY);
	}
}
