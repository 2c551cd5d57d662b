/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * aggregate.bpf.h - one flow over all of a route's usable paths
 * (`mode: aggregate`), so that a single connection can go faster than one
 * link.
 *
 * The scheduler is weighted round robin in bursts, kept exact by virtual
 * time (start-time fair queueing at burst granularity): a flow sends a
 * burst of about wf_agg_burst x weight / (the route's largest usable
 * weight) bytes on one path, then moves to the usable path that has the
 * least virtual time, where a path's virtual time grows by
 * bytes x 65536 / weight for every packet it carries. Each full burst
 * advances a path's virtual time by the same amount whatever its weight, so
 * paths take turns and carry bytes in proportion to their weights, exactly
 * over any whole number of rounds (tests/bpf/test_aggregate.c), packet
 * sizes and overshoot included. A path that was unusable for a while is
 * let back in at most two bursts behind the others, not with a backlog.
 *
 * Why bursts: each move to another path can reorder the flow by as much as
 * the paths' queues differ; bursts keep moves few, and shares in
 * proportion to capacity keep the queues alike. What it cannot do without
 * fq/EDT (absent on the kernels wirefisher is measured on) is hold packets
 * back to equalise unequal path delays: a path slower by d reorders by d.
 *
 * Concurrency: the state of one flow is updated without atomics. One flow's
 * packets are sent one at a time in practice (TCP sends under its socket
 * lock); two CPUs sending the same flow at once can at worst add a packet
 * to a burst or lose one packet's virtual time, which only nudges shares.
 */
#ifndef WF_AGGREGATE_BPF_H
#define WF_AGGREGATE_BPF_H

#include "maps.bpf.h"

#define WF_AGG_VT_SHIFT 16

static __always_inline __u64 agg_cost(__u32 len, __u32 weight)
{
	return ((__u64)len << WF_AGG_VT_SHIFT) / (weight ? weight : 1);
}

/* Count a packet of len bytes on path id, which began a burst or not. */
static __always_inline void agg_count(__u8 path, __u32 len, int burst)
{
	__u32 id = path;
	struct wf_agg_counters *ac = bpf_map_lookup_elem(&wf_agg_stats, &id);

	if (!ac)
		return;
	ac->packets++;
	ac->bytes += len;
	ac->bursts += burst;
}

/*
 * The ifindex a packet of len IP bytes of flow key (dir egress, ifindex 0)
 * on aggregate route id leaves by, or 0 when no path of the route is usable.
 * A global function: the verifier checks it once, on its own, which keeps
 * the steering egress program within 6.1's budget.
 */
__weak __noinline __u32 wf_agg_pick(const struct wf_flow_key *key, __u32 len,
				    __u32 id)
{
	struct wf_agg_flow fresh = { .route = id, .cur = WF_NO_PATH };
	__u64 vhi = 0, lag, best_vt = ~0ULL;
	struct wf_counters *c = stats_slot();
	struct wf_agg_flow *st;
	struct wf_route *r;
	__u32 wmax = 1;
	int i, best = -1, cur, began = 0;

	if (!key || !c)
		return 0;
	r = bpf_map_lookup_elem(&wf_routes, &id);
	if (!r)
		return 0;
	st = bpf_map_lookup_elem(&wf_agg_flows, key);
	if (!st || st->route != id) {
		bpf_map_update_elem(&wf_agg_flows, key, &fresh, BPF_ANY);
		st = bpf_map_lookup_elem(&wf_agg_flows, key);
		if (!st)
			return 0;
		c->steer_flows++;
	}
	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (!r->paths[i].usable)
			continue;
		if (r->paths[i].weight > wmax)
			wmax = r->paths[i].weight;
		if (st->vt[i] > vhi)
			vhi = st->vt[i];
	}
	cur = st->cur;
	/* The burst under way goes on while its path is usable. */
	if (cur < WF_ROUTE_PATHS && cur < r->n_paths && r->paths[cur].usable &&
	    st->sent < (__u64)wf_agg_burst * r->paths[cur].weight / wmax)
		goto send;
	/* A new burst: the usable path furthest behind; ties by order. */
	lag = 2 * agg_cost(wf_agg_burst, wmax);
	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (!r->paths[i].usable)
			continue;
		if (st->vt[i] + lag < vhi)
			st->vt[i] = vhi - lag;
		if (st->vt[i] < best_vt) {
			best_vt = st->vt[i];
			best = i;
		}
	}
	if (best < 0 || best >= WF_ROUTE_PATHS)
		return 0;
	cur = best;
	st->cur = (__u8)best;
	st->sent = 0;
	began = 1;
send:
	if (cur < 0 || cur >= WF_ROUTE_PATHS)
		return 0;
	st->sent += len;
	st->vt[cur] += agg_cost(len, r->paths[cur].weight);
	agg_count(r->paths[cur].path, len, began);
	return r->paths[cur].ifindex;
}

#endif /* WF_AGGREGATE_BPF_H */
