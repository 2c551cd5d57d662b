/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * aggregate.bpf.h - one flow over all of a route's usable paths
 * (`mode: aggregate`), so that a single connection can go faster than one
 * link.
 *
 * Each packet goes by the usable path on which it would arrive first
 * ("earliest delivery path first"): the datapath keeps, per path, a model
 * of the path's queue - when the bytes already sent by it will have left,
 * at the path's declared capacity (wf_agg_queue) - and adds the path's
 * one-way base delay (wf_agg_paths, from the prober's lowest recent RTT).
 * Arrival = max(queue end, now) + the packet's own transmit time + delay.
 *
 * Why not round robin in bursts: a sender faster than the links hands a
 * burst to each path at once, the paths drain them in parallel, and the
 * receiver sees the bursts interleaved - reordered by a burst's transmit
 * time, 16 ms for 16 kB at 8 Mbit/s, far past what TCP tolerates (RACK's
 * window is a quarter of the minimum RTT): measured here, one cubic flow
 * over 3 x 8 Mbit/s got 10-11 Mbit/s with 1000+ spurious retransmissions
 * at burst sizes 4-64 kB. Choosing by arrival time keeps arrivals in the
 * order packets were sent as long as the model holds; it splits a
 * backlogged sender's bytes in proportion to capacity, fills the
 * lowest-delay path first when there is no backlog, and uses a path that
 * is d slower only once the others' queues are d deep - the delay
 * equalisation that fq/EDT would do by holding packets, done by choice of
 * path instead (this host has no fq).
 *
 * The model is only as good as the declared capacities: a path slower than
 * declared builds a real queue the model does not see, and traffic of other
 * routes on the same device is not in it. A modelled queue never grows past
 * WF_AGG_HORIZON_NS ahead of now (a real one would drop), so an overload
 * does not leave the model busy long after it ended.
 *
 * A packet moved to another path device meets the steering program again
 * at that device's egress; choosing afresh there could move it once more
 * (and again, until the kernel's transmit recursion limit drops it). The
 * second pass runs nested in the first's redirect, on the same CPU with
 * bottom halves off, so a per-CPU note of the move (wf_agg_hop: device and
 * length, written by tc_steer in tc.bpf.c for every mode) recognises it:
 * the packet stays, and the note is cleared.
 *
 * Concurrency: a path's queue end is one __u64 claimed by compare-and-swap
 * (CPUs sending by the same path serialise on it); the choice reads the
 * others without a lock, so two CPUs may choose the same path at once,
 * which costs one packet's place in the order, nothing else.
 */
#ifndef WF_AGGREGATE_BPF_H
#define WF_AGGREGATE_BPF_H

#include "atomic.bpf.h"
#include "maps.bpf.h"
#include "time.bpf.h"

/*
 * Bytes a packet costs on a path beyond its IP length: WireGuard's 32
 * (header and tag) and up to 15 of padding, the underlay's UDP and IPv4
 * headers and an Ethernet header - what a link's rate is counted against.
 */
#define WF_AGG_OVERHEAD	  80
#define WF_AGG_HORIZON_NS (500 * 1000000ULL)
#define WF_AGG_CAS_TRIES  4

/* What aggregate routes sent by path id. */
static __always_inline void agg_count(__u8 path, __u32 len)
{
	__u32 id = path;
	struct wf_agg_counters *ac = bpf_map_lookup_elem(&wf_agg_stats, &id);

	if (!ac)
		return;
	ac->packets++;
	ac->bytes += len;
}

/* When the modelled queue of path id empties after now, or now. */
static __always_inline __u64 agg_queue_end(__u64 *q, __u64 now)
{
	__u64 end = *q;

	if (end < now)
		return now;
	if (end > now + WF_AGG_HORIZON_NS)
		return now + WF_AGG_HORIZON_NS;
	return end;
}

/* The per-CPU note of a move: (device << 32) | length, or 0. */
static __always_inline __u64 agg_hop(__u32 ifindex, __u32 len)
{
	return ((__u64)ifindex << 32) | len;
}

/*
 * The ifindex a packet of len IP bytes on aggregate route id leaves by, or
 * 0 when no path of the route is usable (or none has a capacity).
 * A global function: the verifier checks it once, on its own, which keeps
 * the steering egress program within 6.1's budget.
 */
__weak __noinline __u32 wf_agg_pick(__u32 len, __u32 id)
{
	__u64 now = wf_now_fine(), best_at = ~0ULL, cost = 0, at, end, next;
	struct wf_agg_path *ap;
	struct wf_route *r;
	__u64 *q, *best_q = NULL;
	int i, best = -1;
	__u32 pid;

	r = bpf_map_lookup_elem(&wf_routes, &id);
	if (!r)
		return 0;
	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (!r->paths[i].usable)
			continue;
		pid = r->paths[i].path;
		ap = bpf_map_lookup_elem(&wf_agg_paths, &pid);
		q = bpf_map_lookup_elem(&wf_agg_queue, &pid);
		if (!ap || !q || !ap->ns_per_byte)
			continue;
		next = wf_tb_cost(len + WF_AGG_OVERHEAD, ap->ns_per_byte);
		at = agg_queue_end(q, now) + next + ap->delay_ns;
		if (at < best_at) {
			best_at = at;
			best = i;
			best_q = q;
			cost = next;
		}
	}
	if (best < 0 || best >= WF_ROUTE_PATHS || !best_q)
		return 0;
	for (i = 0; i < WF_AGG_CAS_TRIES; i++) {
		end = *best_q;
		if (wf_update(best_q, end, agg_queue_end(&end, now) + cost))
			break;
	}
	agg_count(r->paths[best].path, len);
	return r->paths[best].ifindex;
}

#endif /* WF_AGGREGATE_BPF_H */
