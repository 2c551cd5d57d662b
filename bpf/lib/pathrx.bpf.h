/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pathrx.bpf.h - when a path device last sent and last received a packet
 * (wf_path_seen), for the daemon's silence check: a path that carries
 * traffic but has heard nothing from its peer for longer than its silence
 * limit is suspected at once, not after down_after lost probe rounds.
 *
 * Concurrency: one plain 64-bit store per stamp, by whichever CPU sees the
 * packet. Two CPUs racing store two readings of the same tick-resolution
 * clock (1-4 ms apart at worst); the daemon needs no better. The store is
 * skipped when the value would not change, so at millions of packets per
 * second the cache line is written once per tick, not once per packet.
 */
#ifndef WF_PATHRX_BPF_H
#define WF_PATHRX_BPF_H

#include "maps.bpf.h"
#include "time.bpf.h"

/*
 * Stamp ifindex's entry, if the daemon made one (a path device). Egress:
 * only packets that leave by this device (a steered packet is stamped at
 * the device it is redirected to) and are not probes. A global function:
 * verified once, not again for every state its callers reach it in, and
 * its key stays out of the callers' frames, which are near the stack
 * limit. Weak: every entry file that includes it defines it.
 */
__weak __noinline int wf_path_stamp(__u32 ifindex, __u32 dir)
{
	__u32 slot = ifindex % WF_IFCACHE_SLOTS;
	struct wf_ifcache *fast = bpf_map_lookup_elem(&wf_ifcache, &slot);
	struct wf_path_seen *s;
	__u64 now;

	/*
	 * Not a path device, says its cache slot (an array read, inlined):
	 * no entry to find, and a hash look-up that misses still costs
	 * ~20 ns - on every packet of the underlay that carries the tunnels.
	 */
	if (fast && ifindex && fast->ifindex == ifindex &&
	    !(fast->flags & WF_IFACE_STEER))
		return 0;
	s = bpf_map_lookup_elem(&wf_path_seen, &ifindex);
	if (!s)
		return 0;
	now = wf_now();
	if (dir == WF_DIR_INGRESS) {
		if (s->rx_ns != now)
			s->rx_ns = now;
	} else if (s->tx_ns != now) {
		s->tx_ns = now;
	}
	return 0;
}

#endif /* WF_PATHRX_BPF_H */
