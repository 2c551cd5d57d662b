/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * maps.bpf.h - every map and load-time constant of wirefisher.
 *
 * Defined once, in bpf/maps.bpf.c (which sets WF_MAPS_DEFINE); every other
 * object sees them as `extern` and `bpftool gen object` (libbpf's static
 * linker) resolves each extern against that one definition. The linker
 * checks that an extern map has the same BTF type as its definition, so the
 * declaration and the definition are one text here, not two copies.
 * maps.bpf.o must come first in the link (see BPF_SRCS in the Makefile).
 */
#ifndef WF_MAPS_BPF_H
#define WF_MAPS_BPF_H

#include "compat.bpf.h"
#include "../wf_shared.h"

#ifdef WF_MAPS_DEFINE
#define WF_GLOBAL
#define WF_INIT(v) = (v)
#else
#define WF_GLOBAL extern
#define WF_INIT(v)
#endif

/*
 * Load-time settings, written by the loader between open and load. The
 * verifier sees them as constants, so unused branches cost nothing.
 */
WF_GLOBAL const volatile __u64 wf_window_ns WF_INIT(NSEC_PER_SEC);
/* No rules in the config: skip policing (and its trie lookups) entirely. */
WF_GLOBAL const volatile __u32 wf_police WF_INIT(0);
/*
 * The rules that match on a cgroup: the cgroup_skb programs enforce only
 * these, the tc programs only the others, so no packet meets a rule twice.
 */
WF_GLOBAL const volatile __u64 wf_cg_rules WF_INIT(0);
/*
 * The rules placed at netfilter (wf_nf_hook) and at XDP (wf_xdp_ingress):
 * those hooks enforce only these, tc only what no other hook enforces.
 */
WF_GLOBAL const volatile __u64 wf_nf_rules WF_INIT(0);
WF_GLOBAL const volatile __u64 wf_xdp_rules WF_INIT(0);
/*
 * The rules that name a source / destination prefix: a packet whose
 * candidates include none of them skips that side's trie, whose answer
 * would hold every other rule (policy_prefixed).
 */
WF_GLOBAL const volatile __u64 wf_src_prefixed WF_INIT(~0ULL);
WF_GLOBAL const volatile __u64 wf_dst_prefixed WF_INIT(~0ULL);
/*
 * The rule ids in use: with no trie asked, nothing else keeps the ids past
 * the last rule out of a walk. The defaults (all ids, every trie) cost
 * time, never a rule: a loader that sets none of these stays correct.
 */
WF_GLOBAL const volatile __u64 wf_rule_ids WF_INIT(~0ULL);
/* The rules that set a TCP congestion control (wf_sockops). */
WF_GLOBAL const volatile __u64 wf_cc_rules WF_INIT(0);
/*
 * policing.ecn: a packet of an ECN-capable flow that passes a bucket left
 * below 1/4 of its burst is marked CE at tc and XDP (tc_mark_ce, xdp_mark_ce).
 */
WF_GLOBAL const volatile __u32 wf_ecn WF_INIT(0);
/* Any steering route: the egress of path devices steers. */
WF_GLOBAL const volatile __u32 wf_steer WF_INIT(0);
/* Packets with this mark (the prober's) are never steered. */
WF_GLOBAL const volatile __u32 wf_probe_mark WF_INIT(0);
/* Some route duplicates packets: path devices copy and deduplicate. */
WF_GLOBAL const volatile __u32 wf_dup_on WF_INIT(0);
/*
 * Buckets at least this deep (burst_ns) are charged at the tick clock a
 * hook already read instead of the fine one (police.bpf.h): 32 ticks of
 * CLOCK_MONOTONIC_COARSE, set by the loader. The default, no bucket, costs
 * a clock read, never exactness.
 */
WF_GLOBAL const volatile __u64 wf_tick_burst_ns WF_INIT(~0ULL);
/* Tests only: read the time from wf_clock_ns instead of the kernel clock. */
WF_GLOBAL const volatile __u32 wf_test_clock WF_INIT(0);
WF_GLOBAL __u64 wf_clock_ns;

/*
 * wf_flows: struct wf_flow_key -> struct wf_flow. Written by the datapath on
 * every IP packet, read by `wirefisher stats` through the pin. LRU so that a
 * full table forgets the idlest flow instead of refusing new ones; sized by
 * accounting.max_flows (the loader overrides max_entries).
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_flow_key);
	__type(value, struct wf_flow);
} wf_flows SEC(".maps");

/*
 * wf_stats: key 0 -> struct wf_counters, one copy per CPU so the datapath
 * never contends on it; readers sum the copies.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_counters);
} wf_stats SEC(".maps");

/*
 * wf_ifaces: ifindex -> struct wf_iface. Written by the loader for each
 * interface it attaches to, read by the tc programs (link-layer length) and
 * by stats (names). A packet on an interface missing here is not parsed.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct wf_iface);
} wf_ifaces SEC(".maps");

/*
 * wf_ifcache: ifindex % WF_IFCACHE_SLOTS -> struct wf_ifcache, a copy of
 * wf_ifaces the datapath can read without a call (see wf_shared.h).
 * Written by the loader with wf_ifaces (iface_publish), per skeleton.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_IFCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct wf_ifcache);
} wf_ifcache SEC(".maps");

/*
 * wf_info: key 0 -> struct wf_info. Written once by the daemon, read by
 * stats; the datapath never touches it.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_info);
} wf_info SEC(".maps");

/*
 * wf_rules: rule id -> struct wf_rule. Written by the loader, read by the
 * datapath for every packet some trie says may match. Ids follow the order
 * of the rules in the config, which is the order of evaluation.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct wf_rule);
} wf_rules SEC(".maps");

/*
 * wf_src4, wf_dst4, wf_src6, wf_dst6: prefix -> __u64 set of rule ids whose
 * source (destination) prefix contains it. The loader adds every prefix a
 * rule names plus 0/0, and gives each the bits of every rule covering it,
 * so one longest-prefix lookup per address yields all candidate rules.
 */
#define WF_LPM(name, keytype)                              \
	WF_GLOBAL struct {                                 \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);       \
		__uint(max_entries, 2 * WF_MAX_RULES + 1); \
		__uint(map_flags, BPF_F_NO_PREALLOC);      \
		__type(key, keytype);                      \
		__type(value, __u64);                      \
	} name SEC(".maps")

WF_LPM(wf_src4, struct wf_lpm4);
WF_LPM(wf_dst4, struct wf_lpm4);
WF_LPM(wf_src6, struct wf_lpm6);
WF_LPM(wf_dst6, struct wf_lpm6);

/*
 * wf_dport_skip: destination port -> __u64 set of rule ids that name
 * destination ports other than this one (policy_dport_skip). A packet
 * whose ports were read drops them from its candidates before the rule
 * walk: 64 rules on 64 ports cost one walk step, not 64. Zero (the empty
 * map) filters nothing, so a writer that forgets it only costs time.
 * Written by the loader with the tries; an array, so the lookup is inlined.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_PORTS);
	__type(key, __u32);
	__type(value, __u64);
} wf_dport_skip SEC(".maps");

/*
 * Rule state is indexed by the rule's slot (wf_rule.slot), which follows its
 * name across reloads: a reload keeps buckets and counters of the rules it
 * keeps. wf_rule_buckets: slot -> the bucket of a `per: rule` rule.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct wf_bucket);
} wf_rule_buckets SEC(".maps");

/*
 * wf_keyed: (rule, source / destination / flow) -> bucket of a `per:
 * src_ip|dst_ip|flow` rule, made by the datapath on the first packet. LRU:
 * a full table forgets the idlest key (like hashlimit's expiry); sized by
 * policing.max_keys.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_bucket_key);
	__type(value, struct wf_bucket);
} wf_keyed SEC(".maps");

/* wf_rule_stats: slot -> per-CPU passed/dropped counters. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct wf_rule_counters);
} wf_rule_stats SEC(".maps");

/*
 * wf_rule_acct: slot -> the passed traffic of the rule with windowed
 * rates, kept exactly as a flow's (bpf/lib/flow.bpf.h).
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct wf_flow);
} wf_rule_acct SEC(".maps");

/*
 * wf_frags: struct wf_frag_key -> struct wf_frag, the ports of a datagram's
 * first fragment for its later ones (bpf/lib/frag.bpf.h). Written and read
 * by the datapath while it polices; readers only look. LRU and fixed: an
 * entry lives from the first fragment to the last, milliseconds, so 8192
 * datagrams in flight at once is plenty; a flood that evicts entries only
 * makes later fragments fail closed (charged, never let through).
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct wf_frag_key);
	__type(value, struct wf_frag);
} wf_frags SEC(".maps");

/*
 * wf_nf_progs: 0 -> the running set's wf_nf_hook. A netfilter link cannot
 * change its program (the kernel has no BPF_LINK_UPDATE for it), so each
 * link runs wf_nf_entry, which only tail-calls slot 0 here: a reload or a
 * take-over moves every netfilter hook onto its programs with one map
 * update, as BPF_LINK_UPDATE does for the other links. A state map (kept
 * across reloads and pinned, so its entry outlives a kill -9 with persist).
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} wf_nf_progs SEC(".maps");

/*
 * wf_sk_owner: socket -> struct wf_sk_owner (see wf_shared.h). BPF_F_CLONE:
 * a TCP connection a server accepts is a clone of its listening socket,
 * made in softirq with no process at hand; without the listener's record
 * copied to it, a rule on the server's process matched none of its
 * connections (a pid rule let 13 Gbit/s through both ways).
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct wf_sk_owner);
} wf_sk_owner SEC(".maps");

/* wf_sk_pace: TCP socket -> struct wf_sk_pace (see wf_shared.h). */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct wf_sk_pace);
} wf_sk_pace SEC(".maps");

/* ---- steering (bpf/lib/steer.bpf.h) ---- */

/* Destination prefix -> route id. */
WF_LPM(wf_steer4, struct wf_lpm4);
WF_LPM(wf_steer6, struct wf_lpm6);

/* route id -> struct wf_route; see wf_shared.h for why it is a hash. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WF_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct wf_route);
} wf_routes SEC(".maps");

/* Sticky flows; the size is set by the loader (steering.max_flows). */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_flow_key);
	__type(value, struct wf_steer_flow);
} wf_steer_flows SEC(".maps");

/*
 * path id -> flows ever assigned to it, counted by the datapath alone (so
 * that flows starting together spread at once), and flows the daemon has
 * since seen go idle, written by the daemon alone. Live flows = assigned -
 * retired. Two maps, one writer each: a daemon that wrote a live count
 * over the datapath's could erase an assignment made while it counted.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, __u64);
} wf_path_flows SEC(".maps");

WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, __u64);
} wf_path_retired SEC(".maps");

/* For readers and `wirefisher switch`: never touched by the datapath. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct wf_path_status);
} wf_path_status SEC(".maps");

WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct wf_route_ctl);
} wf_route_ctl SEC(".maps");

/* ---- aggregate routes (bpf/lib/aggregate.bpf.h) ---- */

/* path id -> its capacity and base delay; written by the daemon only. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct wf_agg_path);
} wf_agg_paths SEC(".maps");

/*
 * path id -> when the modelled queue of the path empties (bpf_ktime_get_ns),
 * written by the datapath only, by compare-and-swap; readers may look.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, __u64);
} wf_agg_queue SEC(".maps");

/*
 * key 0 -> this CPU's tick clock where the hook has no coarse-clock helper
 * (netfilter; time.bpf.h: wf_now_tick). Datapath only; per CPU, starts
 * empty after every load, which costs one fine clock read.
 */
struct wf_tick {
	__u64 jiffies; /* the jiffy ns was read in */
	__u64 ns;      /* bpf_ktime_get_ns() at this CPU's first use in it */
};

WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wf_tick);
} wf_tick SEC(".maps");

/*
 * key 0 -> the move the aggregate scheduler or the duplicator just made on
 * this CPU (see aggregate.bpf.h), so that the moved packet is not steered
 * again at the egress it was moved to. Datapath only; per CPU.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} wf_agg_hop SEC(".maps");

/* path id -> what aggregate routes sent by it, per CPU; readers sum. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct wf_agg_counters);
} wf_agg_stats SEC(".maps");

/* ---- duplicated traffic (bpf/lib/dedup.bpf.h) ---- */

/* route id -> struct wf_dup; written by the daemon as one value. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, WF_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct wf_dup);
} wf_dups SEC(".maps");

/*
 * Packet contents recently received by path devices -> how many times each
 * of the route's paths delivered it and when last (dedup.bpf.h); datapath
 * only, by compare-and-swap. LRU: an entry matters for its route's window;
 * sized by steering.max_flows.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct wf_dedup_key);
	__type(value, __u64);
} wf_dedup SEC(".maps");

/* path id -> copies sent, copies passed and dropped on arrival; per CPU. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct wf_dup_counters);
} wf_dup_stats SEC(".maps");

/* key 0 -> 64 bytes of scratch for the dedup hash; per CPU. */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[8]);
} wf_dedup_buf SEC(".maps");
/*
 * wf_path_seen: ifindex of a path device -> struct wf_path_seen (last sent,
 * last received). The daemon makes one entry per present path device (and
 * deletes it when the device goes); the tc programs only look up and store
 * (bpf/lib/pathrx.bpf.h). Fixed: twice the paths, for devices re-made.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct wf_path_seen);
} wf_path_seen SEC(".maps");

/*
 * wf_path_left: path id -> spread flows the datapath moved off the path in
 * an idle gap (bpf/lib/flowlet.bpf.h); live flows on a path are assigned -
 * retired - left. Written by the datapath alone; the daemon reads it when a
 * count of wf_steer_flows starts, as it reads wf_path_flows.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_PATHS);
	__type(key, __u32);
	__type(value, __u64);
} wf_path_left SEC(".maps");

/*
 * wf_flowlet: route id -> the idle gap (ns) after which one of its spread
 * flows may move to a less loaded path; 0: never. Written by the daemon
 * (from the paths' measured delays), read by the datapath.
 */
WF_GLOBAL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WF_MAX_ROUTES);
	__type(key, __u32);
	__type(value, __u64);
} wf_flowlet SEC(".maps");

static __always_inline struct wf_counters *stats_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&wf_stats, &zero);
}

#endif /* WF_MAPS_BPF_H */
