/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * skel_lo.h - load the skeleton for BPF_PROG_TEST_RUN, the way tests and
 * benches need it: test_run puts every skb on the loopback device
 * (ifindex 1), so publish that as an attached Ethernet-like interface.
 */
#ifndef WF_SKEL_LO_H
#define WF_SKEL_LO_H

#include <bpf/libbpf.h>

#include "../../bpf/wf_shared.h"
#include "wirefisher.skel.h"

#define LO_IFINDEX 1

/* steer_mark: 0, or steering on (lo a path device) with that probe mark. */
static inline struct wirefisher_bpf *skel_load_lo(unsigned max_flows,
						  int test_clock, int police,
						  __u32 steer_mark)
{
	struct wirefisher_bpf *skel = wirefisher_bpf__open();
	struct wf_iface lo = { .l2_len = 14, .name = "lo",
			       .flags = steer_mark ? WF_IFACE_STEER : 0 };
	__u32 idx = LO_IFINDEX;

	if (!skel)
		return NULL;
	skel->rodata->wf_test_clock = (__u32)test_clock;
	skel->rodata->wf_police = (__u32)police;
	skel->rodata->wf_window_ns = 1000000000ULL;
	skel->rodata->wf_steer = steer_mark != 0;
	skel->rodata->wf_probe_mark = steer_mark;
	bpf_map__set_max_entries(skel->maps.wf_flows, max_flows);
	if (wirefisher_bpf__load(skel) ||
	    bpf_map__update_elem(skel->maps.wf_ifaces, &idx, sizeof(idx), &lo,
				 sizeof(lo), BPF_ANY)) {
		wirefisher_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

#endif /* WF_SKEL_LO_H */
