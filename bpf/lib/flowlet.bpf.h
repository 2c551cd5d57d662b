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
 * The index the sticky flow fl (on route id, at index cur) goes out by
 * now: cur, or a less loaded path's if the flow has been idle for the gap.
 * Not inlined: its locals stay out of the egress program's frame.
 */
static __noinline int flowlet_check(const struct wf_route *r, __u32 id,
				    struct wf_steer_flow *fl, int cur,
				    __u64 now)
{
	__u64 *gap = bpf_map_lookup_elem(&wf_flowlet, &id);
	__u64 *cnt, cost_cur, cost_new, one;
	__u32 from, to;
	int best;

	if (!gap || !*gap || now < fl->last_ns || now - fl->last_ns <= *gap)
		return cur;
	if (cur < 0 || cur >= WF_ROUTE_PATHS)
		return cur;
	best = route_pick_spread(r);
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
