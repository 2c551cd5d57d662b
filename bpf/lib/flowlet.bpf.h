/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * flowlet.bpf.h - rebalancing a spread route without reordering.
 *
 * A sticky flow may move to a less loaded path only after an idle gap of
 * the route's flowlet gap (wf_flowlet): the daemon sets it to the spread of
 * the paths' delays plus a margin, so every packet the flow sent on its old
 * path has arrived before the first one on the new path can (CONGA's and
 * LetFlow's flowlets). So a path that comes up later is filled by running
 * flows too, not only by new ones.
 *
 * It moves only if that leaves it better off: the new path's cost with the
 * flow added is below the old path's with it (steer.bpf.h, path_cost), so
 * counts one flow apart never trade flows back and forth. The move is
 * counted as an assignment on the new path (wf_path_flows) and a departure
 * from the old one (wf_path_left), so the next flow sees both at once.
 *
 * Included by steer.bpf.h after path_cost() and route_pick_spread().
 */
#ifndef WF_FLOWLET_BPF_H
#define WF_FLOWLET_BPF_H

#include "maps.bpf.h"

/*
 * route_pick_spread() as a global function: its loop, with three lookups a
 * path, is verified once, and its registers and keys stay out of the
 * egress program's frame (the 6.1 verifier sums the frames of a call
 * chain; that program's sits near 512 bytes with wf_police_pkt's).
 */
__weak __noinline int wf_spread_pick(const struct wf_route *r)
{
	if (!r)
		return -1;
	return route_pick_spread(r);
}

/*
 * The index sticky flow fl (of route r, at index cur), idle for idle_ns
 * before this packet, goes out by: cur, or - if that is longer than the
 * route's gap - a less loaded path's. A global function, as wf_police_pkt is: the verifier
 * checks its loop once, on its own, and its frame is not the egress
 * program's, which sits near the 512-byte stack limit (the 6.1 verifier
 * sums the frames of a call chain). Weak, since every entry file that
 * includes it defines it. Pointers given to a global function may be NULL
 * to the verifier.
 */
__weak __noinline int wf_flowlet_move(const struct wf_route *r,
				      struct wf_steer_flow *fl, int cur,
				      __u64 idle_ns)
{
	__u64 *gap, *cnt, cost_cur, cost_new, one;
	__u32 from, to, id;
	int best;

	if (!r || !fl)
		return cur;
	id = fl->route; /* a sticky flow's: the route it sticks to */
	gap = bpf_map_lookup_elem(&wf_flowlet, &id);
	if (!gap || !*gap || idle_ns <= *gap)
		return cur;
	if (cur < 0 || cur >= WF_ROUTE_PATHS)
		return cur;
	best = wf_spread_pick(r);
	if (best < 0 || best >= WF_ROUTE_PATHS || best == cur)
		return cur;
	/* cur's cost counts this flow already; best's counts it added. */
	one = WF_STEER_UNIT * 65536 /
	      (r->paths[cur].weight ? r->paths[cur].weight : 1);
	cost_cur = path_cost(&r->paths[cur]);
	cost_new = path_cost(&r->paths[best]);
	if (cost_new + one >= cost_cur)
		return cur;
	from = fl->path;
	to = r->paths[best].path;
	cnt = bpf_map_lookup_elem(&wf_path_flows, &to);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	cnt = bpf_map_lookup_elem(&wf_path_left, &from);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	fl->path = (__u8)to;
	return best;
}

#endif /* WF_FLOWLET_BPF_H */
