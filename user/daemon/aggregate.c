// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * aggregate.c - what the datapath's aggregate scheduler
 * (bpf/lib/aggregate.bpf.h) needs of each path of an aggregate route: its
 * declared capacity as transmit time per byte, and its one-way base delay,
 * taken as half the lowest RTT the prober saw in the last AGG_RTT_WINDOW_NS
 * - the lowest, because probes queue behind the traffic on a loaded path
 * and the scheduler models that queue itself; within a window, so that a
 * path whose route got longer is seen slower within half a minute.
 */
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "netif.h"
#include "steering_int.h"
#include "wirefisher.skel.h"

#define AGG_RTT_WINDOW_NS (30 * SECOND)

/* Is path p in an aggregate route? */
static bool agg_path(const struct wf_cfg_steering *st, int p)
{
	for (int r = 0; r < st->n_routes; r++)
		for (int j = 0; st->routes[r].mode == WF_STEER_AGGREGATE &&
				j < st->routes[r].n_paths;
		     j++)
			if (st->routes[r].paths[j] == p)
				return true;
	return false;
}

/* The windowed minimum of path i's RTT samples, fed with each new round. */
static void rtt_min_update(struct steering *s, int i, uint64_t now)
{
	const struct steer_path *p = &s->paths[i];
	struct agg_state *a = &s->agg;
	uint64_t rtt = (uint64_t)p->last_rtt_ns;

	if (!p->have_rtt || p->rounds == a->rounds[i])
		return;
	a->rounds[i] = p->rounds;
	if (!a->min_ns[i] || rtt <= a->min_ns[i] ||
	    now - a->min_at[i] > AGG_RTT_WINDOW_NS) {
		a->min_ns[i] = rtt;
		a->min_at[i] = now;
	}
}

/*
 * A device that takes GSO packets gets one flow's bytes in super-packets of
 * up to 64 kB, which the scheduler can only send whole: 256 ms of a 2 Mbit/s
 * path. Measured (bench/steer_aggregate.sh): one flow over 8 + 4 + 2 Mbit/s
 * got 0.63 of the sum as the device came, 0.91 with one segment a packet.
 * Checked once per path; the device is the user's to set (changed here, it
 * would have to be restored on every exit, kill -9 included).
 */
static void gso_check(struct steering *s, int i)
{
	const char *dev = s->st->paths[i].device;
	int segs;

	if (s->agg.gso_checked[i])
		return;
	segs = netif_gso_max_segs(dev);
	if (segs < 0) /* no such device yet: ask again next round */
		return;
	s->agg.gso_checked[i] = true;
	if (segs > 1)
		log_warn("path %s: device %s takes GSO packets of up to %d "
			 "segments, which an aggregate route can only send "
			 "whole: one flow stays mostly on its fastest path; "
			 "set `ip link set dev %s gso_max_segs 1`",
			 s->st->paths[i].name, dev, segs, dev);
}

void agg_publish(struct steering *s, uint64_t now)
{
	for (int i = 0; i < s->st->n_paths; i++) {
		const struct wf_cfg_path *cp = &s->st->paths[i];
		struct wf_agg_path v = { 0 };
		__u32 key = (__u32)i;
		int err;

		if (!agg_path(s->st, i))
			continue;
		gso_check(s, i);
		rtt_min_update(s, i, now);
		/* The config refuses an aggregate path without a capacity. */
		if (cp->capacity_bps >= 8)
			v.ns_per_byte = (__u64)(((unsigned __int128)SECOND
						 << WF_TB_SHIFT) /
						(cp->capacity_bps / 8));
		v.delay_ns = s->agg.min_ns[i] / 2;
		if (s->agg.have[i] &&
		    !memcmp(&v, &s->agg.written[i], sizeof(v)))
			continue;
		err = bpf_map__update_elem(s->skel->maps.wf_agg_paths, &key,
					   sizeof(key), &v, sizeof(v), BPF_ANY);
		if (err) {
			log_warn("path %s: cannot write its aggregate model: %s",
				 cp->name, strerror(-err));
			continue;
		}
		s->agg.written[i] = v;
		s->agg.have[i] = true;
	}
}
