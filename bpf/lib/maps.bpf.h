/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * maps.bpf.h - every map and load-time constant of wirefisher, defined once.
 *
 * Each entry file includes this header; the definitions are __weak so that
 * `bpftool gen object` merges the identical copies into one map per name in
 * the linked object (and so one field per map in the skeleton).
 */
#ifndef WF_MAPS_BPF_H
#define WF_MAPS_BPF_H

#include "compat.bpf.h"
#include "../wf_shared.h"

/*
 * Load-time settings, written by the loader between open and load. The
 * verifier sees them as constants, so unused branches cost nothing.
 */
const volatile __u64 wf_window_ns __weak = NSEC_PER_SEC;
/* Tests only: read the time from wf_clock_ns instead of the kernel clock. */
const volatile __u32 wf_test_clock __weak = 0;
__u64 wf_clock_ns __weak = 0;

/*
 * wf_flows: struct wf_flow_key -> struct wf_flow. Written by the datapath on
 * every IP packet, read by `wirefisher stats` through the pin. LRU so that a
 * full table forgets the idlest flow instead of refusing new ones; sized by
 * accounting.max_flows (the loader overrides max_entries).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_flow_key);
	__type(value, struct wf_flow);
} wf_flows SEC(".maps") __weak;

/*
 * wf_stats: key 0 -> struct wf_counters, one copy per CPU so the datapath
 * never contends on it; readers sum the copies.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_counters);
} wf_stats SEC(".maps") __weak;

/*
 * wf_ifaces: ifindex -> struct wf_iface. Written by the loader for each
 * interface it attaches to, read by the tc programs (link-layer length) and
 * by stats (names). A packet on an interface missing here is not parsed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct wf_iface);
} wf_ifaces SEC(".maps") __weak;

/*
 * wf_info: key 0 -> struct wf_info. Written once by the daemon, read by
 * stats; the datapath never touches it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_info);
} wf_info SEC(".maps") __weak;

static __always_inline struct wf_counters *stats_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&wf_stats, &zero);
}

#endif /* WF_MAPS_BPF_H */
