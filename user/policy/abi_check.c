// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * abi_check.c - the layouts of bpf/wf_shared.h as the BPF target sees them
 * (no implicit padding anywhere), pinned at compile time. If one of these
 * fails, the header changed: fix the padding and bump WF_ABI_VERSION.
 */
#include <stddef.h>

#include "../../bpf/wf_shared.h"
#include "config.h"

/* The config's copies of the datapath's constants. */
_Static_assert(WF_CFG_DUP_WINDOW_NS == WF_DUP_WINDOW_MS * 1000000ULL,
	       "duplicate_window's default");

_Static_assert(sizeof(struct wf_flow_key) == 44, "wf_flow_key");
_Static_assert(offsetof(struct wf_flow_key, port_src) == 32, "ports");
_Static_assert(offsetof(struct wf_flow_key, ifindex) == 40, "ifindex");
_Static_assert(sizeof(struct wf_flow) == 11 * 8, "wf_flow");
_Static_assert(sizeof(struct wf_counters) == 16 * 8, "wf_counters");
_Static_assert(sizeof(struct wf_frag_key) == 40, "wf_frag_key");
_Static_assert(sizeof(struct wf_frag) == 16, "wf_frag");
_Static_assert(sizeof(struct wf_iface) == 24, "wf_iface");
_Static_assert(sizeof(struct wf_ifcache) == 16, "wf_ifcache");
_Static_assert(sizeof(struct wf_info) == 48, "wf_info");
_Static_assert(sizeof(struct wf_rule) == 160, "wf_rule");
_Static_assert(sizeof(struct wf_sk_owner) == 32, "wf_sk_owner");
_Static_assert(sizeof(struct wf_sk_pace) == 16, "wf_sk_pace");
_Static_assert(offsetof(struct wf_rule, ns_per_byte) == 24, "wf_rule costs");
_Static_assert(sizeof(struct wf_lpm4) == 8, "wf_lpm4");
_Static_assert(sizeof(struct wf_lpm6) == 20, "wf_lpm6");
_Static_assert(sizeof(struct wf_bucket) == 8, "wf_bucket");
_Static_assert(sizeof(struct wf_bucket_key) == 52, "wf_bucket_key");
_Static_assert(sizeof(struct wf_rule_counters) == 4 * 8, "wf_rule_counters");
_Static_assert(sizeof(struct wf_route_path) == 16, "wf_route_path");
_Static_assert(sizeof(struct wf_route) == 8 + 8 * 16, "wf_route");
_Static_assert(sizeof(struct wf_steer_flow) == 40, "wf_steer_flow");
_Static_assert(sizeof(struct wf_path_seen) == 16, "wf_path_seen");
_Static_assert(sizeof(struct wf_path_status) == 160, "wf_path_status");
_Static_assert(offsetof(struct wf_path_status, rtt_ns) == 56, "rtt_ns");
_Static_assert(sizeof(struct wf_route_ctl) == 8, "wf_route_ctl");
_Static_assert(sizeof(struct wf_agg_path) == 16, "wf_agg_path");
_Static_assert(sizeof(struct wf_agg_counters) == 16, "wf_agg_counters");
_Static_assert(sizeof(struct wf_dup_sel) == 80, "wf_dup_sel");
_Static_assert(sizeof(struct wf_dup) == 16 + 4 * 80, "wf_dup");
_Static_assert(sizeof(struct wf_dedup_key) == 16, "wf_dedup_key");
_Static_assert(sizeof(struct wf_dup_counters) == 24, "wf_dup_counters");
