// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * publish.c - each route's decision (hand pins, hysteresis: steer.h) and
 * what the datapath and the readers see of it: wf_routes, wf_path_status,
 * flows and transmit rate per path, measured once a second.
 */
#include <errno.h>
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
				 &ctl, sizeof(ctl), 0) ||
	    ctl.seq == s->ctl_seq[r])
		return;
	s->ctl_seq[r] = ctl.seq;
	s->routes[r].pinned = -1;
	for (int j = 0; j < rc->n_paths && ctl.pin; j++)
		if (rc->paths[j] == (int)ctl.pin - 1)
			s->routes[r].pinned = j;
	if (s->routes[r].pinned >= 0)
		log_info("route %s: pinned to %s by hand",
			 route_str(rc, name, sizeof(name)),
			 s->st->paths[ctl.pin - 1].name);
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

__u8 wf_route_mode(const struct wf_cfg_route *rc)
{
	return rc->mode == WF_STEER_AGGREGATE ? WF_MODE_AGGREGATE :
	       rc->mode == WF_STEER_SPREAD    ? WF_MODE_SPREAD :
						WF_MODE_FAILOVER;
}

void publish_route(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	const struct steer_route *sr = &s->routes[r];
	struct wf_route v = { 0 };
	__u32 key = (__u32)r;
	int err;

	v.mode = wf_route_mode(rc);
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
						      cp->capacity_bps) :
					      0;
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
 * Live flows per path from wf_steer_flows, in passes over the map a batch
 * (bpf_map_lookup_batch, FLOW_BATCH entries a syscall) at a time, a slice
 * of FLOW_WALK_NS per wake-up of the loop. Measured here: a million flows
 * take 1.3 s of batches (4.7 s with get_next_key + lookup, which the loop
 * once did every second in one go), so such a table is counted every ~3 s
 * and the prober runs in between. The datapath counts assignments in
 * wf_path_flows; we read those when a pass starts and publish as retired
 * the ones the pass did not find live, so an assignment made during the
 * pass is never lost (at worst counted twice until the next pass).
 */
static void walk_begin(struct steering *s, bool forget)
{
	struct flow_walk *w = &s->walk;
	struct timespec ts;

	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		if (bpf_map__lookup_elem(s->skel->maps.wf_path_flows, &i,
					 sizeof(i), &w->assigned[i],
					 sizeof(w->assigned[i]), 0))
			w->assigned[i] = 0;
		/* Flows moved off in idle gaps (flowlet.bpf.h) left it. */
		if (bpf_map__lookup_elem(s->skel->maps.wf_path_left, &i,
					 sizeof(i), &w->left[i],
					 sizeof(w->left[i]), 0))
			w->left[i] = 0;
		s->moves[i] = w->left[i];
	}
	memset(w->counts, 0, sizeof(w->counts));
	/* The datapath stamps flows with the coarse clock. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	w->now = (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
	w->started = false;
	w->forget = forget;
	w->active = true;
}

/* Sticky flows name paths by index: after a renumbering, all choose again
 * (a deleting pass, O(n) where get_next_key from the start after each
 * delete was O(n^2): 20 000 flows took 0.8 s). */
void flows_forget(struct steering *s)
{
	walk_begin(s, true);
}

static void forget_end(struct steering *s)
{
	struct wf_path_status none = { 0 };
	__u64 zero = 0;

	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		bpf_map__update_elem(s->skel->maps.wf_path_flows, &i, sizeof(i),
				     &zero, sizeof(zero), BPF_ANY);
		bpf_map__update_elem(s->skel->maps.wf_path_retired, &i,
				     sizeof(i), &zero, sizeof(zero), BPF_ANY);
		bpf_map__update_elem(s->skel->maps.wf_path_left, &i, sizeof(i),
				     &zero, sizeof(zero), BPF_ANY);
		if ((int)i >= s->st->n_paths)
			bpf_map__update_elem(s->skel->maps.wf_path_status, &i,
					     sizeof(i), &none, sizeof(none),
					     BPF_ANY);
	}
	log_info("steering paths were renumbered: steered flows choose their "
		 "path again");
}

static void walk_end(struct steering *s)
{
	struct flow_walk *w = &s->walk;

	w->active = false;
	if (w->forget) {
		forget_end(s);
		return;
	}
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		/* live = assigned - retired - left (steer.bpf.h path_cost) */
		__u64 gone = w->counts[i] + w->left[i];
		__u64 retired =
			w->assigned[i] > gone ? w->assigned[i] - gone : 0;

		s->flows[i] = w->counts[i];
		bpf_map__update_elem(s->skel->maps.wf_path_retired, &i,
				     sizeof(i), &retired, sizeof(retired),
				     BPF_ANY);
	}
}

/* One batch of the pass; false when the pass is over. */
static bool walk_batch(struct steering *s, int fd)
{
	struct flow_walk *w = &s->walk;
	void *in = w->started ? &w->token : NULL;
	__u32 n = FLOW_BATCH;
	int err = w->forget ? bpf_map_lookup_and_delete_batch(fd, in, &w->token,
							      w->keys, w->vals,
							      &n, NULL) :
			      bpf_map_lookup_batch(fd, in, &w->token, w->keys,
						   w->vals, &n, NULL);

	/* ENOENT: the last batch (its n entries still valid). Another error
	 * ends the pass: a count keeps the last pass's figures. */
	if (err && errno != ENOENT) {
		log_debug("wf_steer_flows: batch %s: %s",
			  w->forget ? "delete" : "lookup", strerror(errno));
		w->active = false;
		if (w->forget)
			forget_end(s);
		return false;
	}
	w->started = true;
	for (__u32 k = 0; k < n && !w->forget; k++) {
		const struct wf_steer_flow *fl = &w->vals[k];

		if (fl->path < WF_CFG_MAX_PATHS &&
		    fl->last_ns + FLOW_IDLE_NS >= w->now)
			w->counts[fl->path]++;
	}
	if (err)
		walk_end(s);
	return !err;
}

/* The next slice of a pass, if one is under way. */
void flows_step(struct steering *s)
{
	int fd = bpf_map__fd(s->skel->maps.wf_steer_flows);
	uint64_t until;

	if (!s->walk.active)
		return;
	until = steer_now_ns() + FLOW_WALK_NS;
	while (walk_batch(s, fd) && steer_now_ns() < until)
		;
}

static void set_hs_age(struct steering *s, int i, long long age)
{
	bool stale = age > HANDSHAKE_STALE_S;

	s->hs_age[i] = age;
	/* Like a loss crossing its limit (probe.c): no state change tells. */
	if (stale != s->paths[i].stale && s->paths[i].state == WF_PATH_UP)
		log_info("path %s (%s): %s (%lld s ago, limit %d s)",
			 s->st->paths[i].name, s->st->paths[i].device,
			 stale ? "WireGuard handshake stale: not used until "
				 "a new one" :
				 "WireGuard handshake fresh again: used again",
			 age, HANDSHAKE_STALE_S);
	s->paths[i].stale = stale;
}

/* wireguard-go's answer has come (or its connection failed). */
void wg_answer(struct steering *s, int i)
{
	long long age;

	if (netif_wg_query_read(&s->wg[i], &age) != 1)
		return;
	set_hs_age(s, i, age);
	if (s->wg_silent[i])
		log_info("path %s: wireguard-go on %s answers again",
			 s->st->paths[i].name, s->st->paths[i].device);
	s->wg_silent[i] = false;
}

/*
 * Once a second: ask wireguard-go for the handshake age; the answer comes
 * through the main loop's poll (wg_answer). A device with no wireguard-go
 * socket is asked the kernel's WireGuard instead, by generic netlink. One that did not answer the
 * last question in WG_QUERY_NS is not asked again until it has: its
 * accept queue would only fill. The age stays what it was last told.
 */
static void wg_ask(struct steering *s, int i, uint64_t now)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];
	struct wg_query *q = &s->wg[i];
	long long age;

	if (q->fd >= 0) {
		if (now < q->deadline_ns)
			return;
		if (!s->wg_silent[i])
			log_warn("path %s: wireguard-go on %s did not answer on its "
				 "control socket within %llu ms (stopped?); its "
				 "handshake age is not updated",
				 cp->name, cp->device,
				 (unsigned long long)(WG_QUERY_NS / 1000000));
		s->wg_silent[i] = true;
		if (netif_is_wireguard_go(cp->device))
			return; /* still there: keep waiting for this answer */
		netif_wg_query_close(q);
	}
	if (netif_wg_query_start(q, cp->device, now + WG_QUERY_NS) == 0)
		return;
	/* No wireguard-go there: kernel WireGuard answers by netlink, at
	 * once; a plain TUN or a device gone has no age. */
	if (netif_wg_kernel_age(cp->device, &age))
		age = -1;
	set_hs_age(s, i, age);
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
			s->rate_bps[i] =
				tx >= s->tx_last[i] ?
					(tx - s->tx_last[i]) * 8 * SECOND / dt :
					0;
			s->tx_last[i] = tx;
		}
		wg_ask(s, i, now);
	}
	/* Deleting a device deletes the kernel's routes through it. */
	for (int r = 0; r < s->st->n_routes; r++) {
		bool was = s->unanchored[r];

		s->unanchored[r] = !preflight_anchored(s->cfg, r, !was);
		if (was && !s->unanchored[r])
			log_info("steering.routes[%d]: the kernel routes it through "
				 "a path again",
				 r);
	}
	if (!s->walk.active)
		walk_begin(s, false);
}

void publish_status(struct steering *s)
{
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		const struct steer_path *p = &s->paths[i];
		struct wf_path_status v = { 0 };
		double score = steer_score(p, &s->st->probe);

		snprintf(v.name, sizeof(v.name), "%s", s->st->paths[i].name);
		snprintf(v.device, sizeof(v.device), "%s",
			 s->st->paths[i].device);
		v.ifindex = (__u32)s->ifindex[i];
		v.state = (__u8)p->state;
		v.configured = 1;
		v.rtt_ns = (__u64)p->rtt_ns;
		v.jitter_ns = (__u64)p->jitter_ns;
		v.loss_ppm = (__u32)(steer_loss(p) * 1e6);
		v.score_milli =
			score > 4e6 ? 0xffffffffu : (__u32)(score * 1000);
		v.probes_sent = p->rounds;
		v.probes_lost = p->lost;
		v.flows = s->flows[i];
		v.rate_bps = s->rate_bps[i];
		v.changed_unix_ns = s->changed_unix[i];
		v.handshake_age_s = s->hs_age[i];
		v.quiet_ns = s->quiet_ns[i];
		v.suspected = p->suspected;
		v.silence_downs = p->silence_downs;
		v.flowlet_moves = s->moves[i];
		bpf_map__update_elem(s->skel->maps.wf_path_status, &i,
				     sizeof(i), &v, sizeof(v), BPF_ANY);
	}
}
