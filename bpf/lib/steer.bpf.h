/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * steer.bpf.h - which path device a packet to a steered prefix leaves by.
 *
 * The daemon keeps one struct wf_route per route (wf_routes): its paths,
 * which of them are usable now, and for failover the active one. Here a
 * flow is given a path once and then sticks to it (wf_steer_flows) while
 * that path stays usable, so a spread flow is never reordered across links
 * and a dead path's flows - only those - move on their next packet.
 */
#ifndef WF_STEER_BPF_H
#define WF_STEER_BPF_H

#include "aggregate.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

/* Spread cost of a path: (flows + 1 + util) / weight, in fixed point. */
#define WF_STEER_UNIT 1000ULL

static __always_inline __u64 *steer_route_id(const struct wf_flow_key *k)
{
	if (k->family == WF_FAMILY_IPV4) {
		struct wf_lpm4 key = { .prefixlen = 32,
				       .addr = k->addr_dst[0] };

		return bpf_map_lookup_elem(&wf_steer4, &key);
	}
	struct wf_lpm6 key6 = { .prefixlen = 128 };

	__builtin_memcpy(key6.addr, k->addr_dst, sizeof(key6.addr));
	return bpf_map_lookup_elem(&wf_steer6, &key6);
}

/* Index of usable path id `path` in the route, or -1. */
static __always_inline int route_find(const struct wf_route *r, __u8 path)
{
	int i;

	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (r->paths[i].path == path && r->paths[i].usable)
			return i;
	}
	return -1;
}

static __always_inline __u64 path_cost(const struct wf_route_path *p)
{
	__u32 id = p->path;
	__u32 w = p->weight ? p->weight : 1;
	__u64 *v = bpf_map_lookup_elem(&wf_path_flows, &id);
	__u64 n = v ? *v : 0, r;

	/* One pointer at a time: fewer registers, no spill (stack limit). */
	v = bpf_map_lookup_elem(&wf_path_retired, &id);
	r = v ? *v : 0;
	v = bpf_map_lookup_elem(&wf_path_left, &id); /* flowlet.bpf.h */
	r += v ? *v : 0;
	n = n > r ? n - r : 0;

	/* Flows first: ones starting together have no measured load yet. */
	return ((n + 1) * WF_STEER_UNIT + p->util) * 65536 / w;
}

/* Spread: the usable path with the lowest cost; ties go to config order. */
static __always_inline int route_pick_spread(const struct wf_route *r)
{
	__u64 cost, best_cost = ~0ULL;
	int i, best = -1;

	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (!r->paths[i].usable)
			continue;
		cost = path_cost(&r->paths[i]);
		if (cost < best_cost) {
			best_cost = cost;
			best = i;
		}
	}
	return best;
}

/* Needs path_cost() and route_pick_spread() above. */
#include "flowlet.bpf.h"

static __always_inline int route_pick(const struct wf_route *r)
{
	if (r->mode == WF_MODE_SPREAD && !(r->flags & WF_ROUTE_PINNED))
		return wf_spread_pick(r); /* flowlet.bpf.h */
	if (r->active < WF_ROUTE_PATHS && r->active < r->n_paths &&
	    r->paths[r->active].usable)
		return r->active;
	return -1;
}

/* Give the flow path index idx of route id; count it on the path. */
static __always_inline void steer_assign(struct wf_flow_key *key,
					 struct wf_steer_flow *fl, __u32 id,
					 __u8 path, __u32 len, __u64 now)
{
	__u32 pid = path;
	__u64 *flows = bpf_map_lookup_elem(&wf_path_flows, &pid);

	if (flows)
		__sync_fetch_and_add(flows, 1);
	if (fl) {
		fl->route = id;
		fl->path = path;
		return;
	}
	struct wf_steer_flow nf = {
		.bytes = len,
		.packets = 1,
		.first_ns = now,
		.last_ns = now,
		.route = id,
		.path = path,
	};
	bpf_map_update_elem(&wf_steer_flows, key, &nf, BPF_ANY);
}

/*
 * The ifindex the packet must leave by, or 0 to leave it where routing put
 * it (not a steered prefix, or no usable path: the kernel's route stands).
 */
static __always_inline __u32 steer_packet(const struct wf_pkt *pkt, __u64 now,
					  struct wf_counters *c)
{
	struct wf_flow_key key = pkt->key;
	struct wf_steer_flow *fl;
	struct wf_route *r;
	__u64 *rid;
	__u32 id;
	int idx = -1;
	__u64 idle;

	rid = steer_route_id(&key);
	if (!rid)
		return 0;
	id = *rid;
	r = bpf_map_lookup_elem(&wf_routes, &id);
	if (!r)
		return 0;
	key.dir = WF_DIR_EGRESS;
	key.ifindex = 0;
	if (r->mode == WF_MODE_AGGREGATE && !(r->flags & WF_ROUTE_PINNED)) {
		__u32 to = wf_agg_pick(pkt->len, id);

		if (!to)
			c->steer_no_path++;
		return to;
	}
	fl = bpf_map_lookup_elem(&wf_steer_flows, &key);
	if (fl && fl->route == id && !(r->flags & WF_ROUTE_PINNED))
		idx = route_find(r, fl->path);
	if (idx < 0) {
		idx = route_pick(r);
		if (idx < 0 || idx >= WF_ROUTE_PATHS) {
			c->steer_no_path++;
			return 0;
		}
		steer_assign(&key, fl, id, r->paths[idx].path, pkt->len, now);
		c->steer_flows++;
	}
	if (fl) {
		__sync_fetch_and_add(&fl->bytes, pkt->len);
		__sync_fetch_and_add(&fl->packets, 1);
		idle = now > fl->last_ns ? now - fl->last_ns : 0;
		fl->last_ns = now;
		/* Last: nothing but r is live across the call (the stack). */
		if (r->mode == WF_MODE_SPREAD)
			idx = wf_flowlet_move(r, fl, idx, idle);
	}
	if (idx < 0 || idx >= WF_ROUTE_PATHS)
		return 0;
	return r->paths[idx].ifindex;
}

#endif /* WF_STEER_BPF_H */
