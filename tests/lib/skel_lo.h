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

/*
 * Open the skeleton with the test's load-time settings; the caller may set
 * more before skel_finish_lo(). steer_mark: 0, or steering on (lo a path
 * device) with that probe mark.
 */
static inline struct wirefisher_bpf *skel_open_lo(unsigned max_flows,
						  int test_clock, int police,
						  __u32 steer_mark)
{
	struct wirefisher_bpf *skel = wirefisher_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->wf_test_clock = (__u32)test_clock;
	skel->rodata->wf_police = (__u32)police;
	skel->rodata->wf_window_ns = 1000000000ULL;
	skel->rodata->wf_steer = steer_mark != 0;
	skel->rodata->wf_probe_mark = steer_mark;
	bpf_map__set_max_entries(skel->maps.wf_flows, max_flows);
	return skel;
}

/* Load an opened skeleton and publish lo; NULL (destroyed) on failure. */
static inline struct wirefisher_bpf *skel_finish_lo(struct wirefisher_bpf *skel)
{
	__u32 idx = LO_IFINDEX;
	struct wf_iface lo = { .l2_len = 14, .name = "lo" };

	if (!skel)
		return NULL;
	lo.flags = skel->rodata->wf_steer ? WF_IFACE_STEER : 0;
	if (wirefisher_bpf__load(skel) ||
	    bpf_map__update_elem(skel->maps.wf_ifaces, &idx, sizeof(idx), &lo,
				 sizeof(lo), BPF_ANY)) {
		wirefisher_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static inline struct wirefisher_bpf *skel_load_lo(unsigned max_flows,
						  int test_clock, int police,
						  __u32 steer_mark)
{
	return skel_finish_lo(skel_open_lo(max_flows, test_clock, police,
					   steer_mark));
}

#endif /* WF_SKEL_LO_H */
