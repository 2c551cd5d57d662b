/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * wf_shared.h - the one ABI between the BPF programs and userspace.
 *
 * Every struct that crosses the boundary (map keys and values) is defined
 * here once. Fixed-width types only, explicit padding, no bool/long/size_t,
 * so that the BPF target and x86_64/arm64 userspace agree on every offset.
 * user/abi_check.c pins the sizes with _Static_assert.
 *
 * Bump WF_ABI_VERSION whenever a layout below changes: `wirefisher stats`
 * refuses to read maps pinned by a daemon of another version.
 */
#ifndef WF_SHARED_H
#define WF_SHARED_H

#ifdef __bpf__
/* vmlinux.h already provides __u8 .. __u64. */
#else
#include <linux/types.h>
#endif

#define WF_ABI_VERSION 14

#define WF_FAMILY_IPV4 4
#define WF_FAMILY_IPV6 6

#define WF_DIR_INGRESS 0
#define WF_DIR_EGRESS  1

#define WF_IFNAMSIZ 16

/*
 * One accounted flow: a 5-tuple seen in one direction on one interface.
 * Addresses are in network byte order; an IPv4 address uses addr[0] only.
 * Ports are in host byte order. For ICMP and ICMPv6 port_src holds the type
 * and port_dst the code; for other protocols both are 0. Non-first
 * fragments carry no ports and are accounted with ports 0.
 */
struct wf_flow_key {
	__u32 addr_src[4];
	__u32 addr_dst[4];
	__u16 port_src;
	__u16 port_dst;
	__u8 proto;
	__u8 family; /* WF_FAMILY_* */
	__u8 dir;    /* WF_DIR_* */
	__u8 pad;
	__u32 ifindex;
};

/*
 * Per-flow state, shared by all CPUs. Counters are updated with atomic adds;
 * the window roll-over is claimed by one CPU with a compare-and-swap on
 * win_start_ns (see bpf/lib/flow.bpf.h). Bytes are IP bytes: the IP header
 * and everything after it, no link-layer header, counted per wire packet
 * (a GSO super-packet counts as the segments it becomes on the wire).
 * Rates are in bytes per second.
 */
struct wf_flow {
	__u64 bytes;
	__u64 packets;
	__u64 first_ns;	    /* CLOCK_MONOTONIC_COARSE of the first packet */
	__u64 last_ns;	    /* ... of the latest packet */
	__u64 win_start_ns; /* start of the open window */
	__u64 win_base;	    /* `bytes` when the open window started */
	__u64 windows;	    /* completed windows; 0 = rates not yet known */
	__u64 rate_avg;	    /* bytes/s from first_ns to the last window end */
	__u64 rate_inst;    /* bytes/s over the last completed window */
	__u64 rate_peak;    /* highest rate_inst seen */
	__u64 rate_smooth;  /* s = s - s/8 + inst/8, once per window */
};

/* Datapath counters, one slot per CPU in wf_stats; userspace sums them. */
struct wf_counters {
	__u64 packets;	     /* every IP packet that passed */
	__u64 bytes;	     /* their IP bytes */
	__u64 non_ip;	     /* not IPv4/IPv6: passed, not accounted */
	__u64 malformed;     /* bad header: policed with what was read
				 * (verdict.bpf.h), not accounted */
	__u64 truncated;     /* L4 header cut short: likewise */
	__u64 flows_created; /* new entries inserted in wf_flows */
	__u64 flow_errors;   /* entry could neither be found nor inserted */
	__u64 dropped;	     /* IP packets a rule dropped */
	__u64 dropped_bytes;
	__u64 bucket_errors; /* per-key bucket could not be made: dropped */
	__u64 steered;	     /* packets redirected to another path device */
	__u64 steer_flows; /* flows given a path (new, or moved off a dead one) */
	__u64 steer_no_path; /* steered prefix, no usable path: left to routing */
	__u64 frags;	     /* IP fragments seen while policing */
	__u64 frags_no_first; /* later fragments whose first was not seen:
				 * charged to every port rule (frag.bpf.h) */
	__u64 ecn_marked; /* ECN-capable packets marked CE (tc, XDP): they passed
			   * a bucket running low (policing.ecn) */
};

/* ---- policing ------------------------------------------------------- */

#define WF_MAX_RULES 64 /* one bit each in a __u64 match set */
/*
 * A rule's state (bucket, counters, rates, per-key buckets) lives in a slot
 * that follows the rule's name across reloads, not its position: twice the
 * rules, so that a reload replacing every rule still finds free slots while
 * the old rules keep theirs until the swap.
 */
#define WF_RULE_SLOTS (2 * WF_MAX_RULES)
/* wf_dport_skip: one entry per destination port. */
#define WF_PORTS     65536
#define WF_RULE_NAME 32

/* What a rule's bucket is keyed by. */
#define WF_PER_RULE   0 /* one bucket for all matching traffic */
#define WF_PER_SRC_IP 1
#define WF_PER_DST_IP 2
#define WF_PER_FLOW   3

#define WF_RULE_PROTO	0x1 /* match proto */
#define WF_RULE_SPORT	0x2 /* match sport_lo..sport_hi */
#define WF_RULE_DPORT	0x4
#define WF_RULE_IFINDEX 0x8
#define WF_RULE_CGROUP	0x10 /* match the socket's cgroup or a descendant */
#define WF_RULE_PID	0x20 /* match the process that made the socket */
#define WF_RULE_COMM	0x40 /* ... by its command name */
#define WF_RULE_EXE	0x80 /* ... by its executable (device, inode) */

#define WF_COMM_LEN 16

/* cgroup levels the datapath can compare (the root is level 0). */
#define WF_CG_LEVELS 8

/*
 * Token-bucket cost in fixed point: ns per byte << WF_TB_SHIFT. 24 bits keep
 * 1e-6 relative precision at 100 Gbit/s; with rates >= 1000 B/s (8 kbit/s)
 * a packet of up to WF_TB_MAX_LEN bytes costs < 2^64 before the shift.
 */
#define WF_TB_SHIFT   24
#define WF_TB_MAX_LEN (1U << 20)

/*
 * wf_rules[id]: one policing rule, written by the loader. The match set of a
 * packet comes from the prefix tries (wf_src4/6, wf_dst4/6); the fields here
 * check the rest. name/rate/burst are for readers; the datapath uses
 * ns_per_byte and burst_ns.
 */
struct wf_rule {
	__u32 flags; /* WF_RULE_* */
	__u8 proto;
	__u8 dirs; /* bit 0 ingress, bit 1 egress */
	__u8 per;  /* WF_PER_* */
	__u8 active;
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
	__u32 ifindex;
	__u32 bucket;	   /* per: rule - slot in wf_rule_buckets: the
				 * rule's own, or its group's first rule's */
	__u64 ns_per_byte; /* (1e9 << WF_TB_SHIFT) / rate in bytes/s */
	__u64 burst_ns;	   /* burst as time at the rate: bucket depth */
	__u64 rate_bps;	   /* bits per second, as configured */
	__u64 burst_bytes;
	__u64 cgroup_id;	/* WF_RULE_CGROUP: the cgroup's id (inode) */
	__u32 cgroup_level;	/* ... and its depth below the root */
	__u32 pid;		/* WF_RULE_PID: a TGID */
	char comm[WF_COMM_LEN]; /* WF_RULE_COMM: NUL-padded */
	__u64 exe_ino;		/* WF_RULE_EXE: the executable's inode ... */
	__u32 exe_dev;		/* ... on this device (kernel encoding) */
	__u32 slot;		/* state slot: wf_rule_stats, wf_rule_acct,
				 * wf_keyed (see WF_RULE_SLOTS) */
	__u32 group;		/* id of the group's first rule (or own id):
				 * a packet charges a shared bucket once */
	__u32 pad3;
	char cc[WF_COMM_LEN]; /* TCP congestion control to set, or "" */
	char name[WF_RULE_NAME];
};

/*
 * wf_sk_owner (socket-local storage): who made a socket, recorded by
 * cgroup/sock_create when it is made, read by the cgroup_skb programs, where
 * the packet carries its socket in both directions - so a UDP receiver is
 * attributed too, whatever address it is bound to.
 */
struct wf_sk_owner {
	__u32 tgid;
	__u32 exe_dev; /* kernel dev_t of the executable's filesystem */
	char comm[WF_COMM_LEN];
	__u64 exe_ino; /* inode of the executable */
};

/*
 * wf_sk_pace (socket-local storage): the pacing a local TCP sender should
 * have, so that it meets its socket rules' buckets at their rate instead
 * of emptying them. Written by wf_cg_egress (the lowest rate among the
 * socket rules its packets match, 0 when none does any more), applied by
 * wf_sockops (SO_MAX_PACING_RATE) on the socket's next RTT sample.
 */
struct wf_sk_pace {
	__u64 rate_bps;	   /* wanted: bit/s of IP bytes, 0: no limit */
	__u64 applied_bps; /* what wf_sockops last set */
};

/*
 * wf_frags: one fragmented datagram, as RFC 791 / RFC 8200 identify it
 * (both addresses, protocol, identification) plus the family, so that no
 * other datagram's fragments can read its entry.
 */
struct wf_frag_key {
	__u32 addr_src[4];
	__u32 addr_dst[4];
	__u32 id; /* IPv4: 16 bits; IPv6: the fragment header's 32 */
	__u8 proto;
	__u8 family; /* WF_FAMILY_* */
	/* Where it was policed (verdict.bpf.h's enum wf_at: 0 tc, 1 the
	 * socket hooks, 2 netfilter, 3 XDP). A local datagram meets several,
	 * each with its own rules: each keeps its own entry, or one would
	 * spend the credit the other's first fragment bought. */
	__u8 at;
	__u8 pad;
};

#define WF_FRAG_EACH	0 /* later fragments are charged one by one */
#define WF_FRAG_PASSED	1 /* the first paid for the whole datagram */
#define WF_FRAG_DROPPED 2 /* the first was dropped: so are the others */

/* ... the ports its first fragment carried (host order), and its fate. */
struct wf_frag {
	__u16 port_src;
	__u16 port_dst;
	__u32 verdict; /* WF_FRAG_* */
	__s64 credit;  /* WF_FRAG_PASSED: bytes paid, not yet seen */
};

/* Keys of the prefix tries: the matching rules' bits as values (__u64). */
struct wf_lpm4 {
	__u32 prefixlen;
	__u32 addr;
};

struct wf_lpm6 {
	__u32 prefixlen;
	__u32 addr[4];
};

/*
 * A bucket: the GCRA "theoretical arrival time" - when the bucket would be
 * full again had no more packets come. One __u64 holds the whole state, so a
 * compare-and-swap updates it atomically from any CPU with no lock.
 */
struct wf_bucket {
	__u64 tat_ns;
};

/* wf_keyed: the bucket of one source, destination or flow of one rule. */
struct wf_bucket_key {
	__u32 rule; /* the rule's slot */
	__u32 pad;
	struct wf_flow_key flow; /* only the fields `per` names are set */
};

/* Per rule and per CPU in wf_rule_stats. */
struct wf_rule_counters {
	__u64 passed;
	__u64 passed_bytes;
	__u64 dropped;
	__u64 dropped_bytes;
};

/* What userspace tells the datapath about an attached interface. */
#define WF_IFACE_STEER 0x1 /* a steering path device: steer at egress */

struct wf_iface {
	__u32 l2_len; /* 14 on Ethernet, 0 on TUN (WireGuard) */
	__u32 flags;  /* WF_IFACE_* */
	char name[WF_IFNAMSIZ];
};

/*
 * wf_ifcache[ifindex % WF_IFCACHE_SLOTS]: the same facts for the tc
 * programs' first look. An array lookup is inlined by the verifier, a
 * hash lookup is a call (several, inside), and calls are what a small
 * packet's cost is made of (bench/smallpkt.sh); wf_ifaces answers a slot
 * that holds another ifindex.
 */
#define WF_IFCACHE_SLOTS 256

struct wf_ifcache {
	__u32 ifindex; /* 0: empty */
	__u32 l2_len;
	__u32 flags;
	__u32 pad;
};

/* ---- steering ------------------------------------------------------ */

#define WF_MAX_PATHS   16 /* paths in the config */
#define WF_MAX_ROUTES  64 /* routes in the config */
#define WF_ROUTE_PATHS 8  /* paths one route may use */
#define WF_NO_PATH     0xff

#define WF_MODE_FAILOVER  0
#define WF_MODE_SPREAD	  1
#define WF_MODE_AGGREGATE 2 /* every flow over all usable paths */

#define WF_ROUTE_PINNED 0x1 /* `wirefisher switch --via`: active is fixed */

/* One path as a route sees it: where it leads now and whether it may. */
struct wf_route_path {
	__u32 ifindex; /* 0 while the device is absent */
	__u8 path;     /* id in the config's path list */
	__u8 usable;
	__u16 pad;
	__u32 weight; /* relative share for spread, >= 1 */
	__u32 util;   /* measured load, per mille of capacity */
};

/*
 * wf_routes[route id]: the whole steering decision for one route, written
 * by the daemon as one value. The map is a hash without preallocation, so
 * an update swaps the value under RCU: a packet reads either the old or the
 * new route, never a mix, and a route never has no value while it changes.
 */
struct wf_route {
	__u8 mode; /* WF_MODE_* */
	__u8 n_paths;
	__u8 active; /* index into paths[]: new flows (failover) */
	__u8 flags;  /* WF_ROUTE_* */
	__u32 gen;   /* bumped by every rewrite, for readers */
	struct wf_route_path paths[WF_ROUTE_PATHS];
};

/* Keys of the steering prefix tries; values are route ids (__u32). */
/* (struct wf_lpm4 / wf_lpm6 above) */

/*
 * wf_steer_flows: one steered flow (key: struct wf_flow_key with dir
 * WF_DIR_EGRESS and ifindex 0) and the path it sticks to.
 */
struct wf_steer_flow {
	__u64 bytes;
	__u64 packets;
	__u64 first_ns; /* CLOCK_MONOTONIC_COARSE */
	__u64 last_ns;
	__u32 route;
	__u8 path; /* id in the config's path list */
	__u8 pad[3];
};

/*
 * Aggregate routes (bpf/lib/aggregate.bpf.h). wf_agg_paths[path id],
 * written by the daemon for the paths of aggregate routes: the path's
 * declared capacity as transmit time per byte, and its one-way base delay.
 */
struct wf_agg_path {
	__u64 ns_per_byte; /* (1e9 << WF_TB_SHIFT) / capacity in bytes/s;
			    * 0: not in an aggregate route */
	__u64 delay_ns;	   /* half the lowest RTT the prober saw lately */
};

/* wf_agg_stats[path id], per CPU: what aggregate routes sent by a path. */
struct wf_agg_counters {
	__u64 packets;
	__u64 bytes;
};

/*
 * Duplicated traffic (bpf/lib/dedup.bpf.h). One selector: the packets a
 * route sends twice, matched as a rule's match is (a zero mask or a zero
 * field: any). Addresses in network byte order, ports in host order.
 */
#define WF_DUP_SELS 4

struct wf_dup_sel {
	__u32 src[4], src_mask[4];
	__u32 dst[4], dst_mask[4];
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
	__u8 family; /* WF_FAMILY_*, 0: either */
	__u8 proto;  /* 0: any */
	__u8 pad[6];
};

/* The receiving end's dedup window unless a route sets its own. */
#define WF_DUP_WINDOW_MS 1000

/*
 * wf_dups[route id], written by the daemon as one value (a hash without
 * preallocation, as wf_routes): the selectors, and the two best usable
 * paths a selected packet leaves by - the first as the original, the
 * second as a copy (ifindex 0: only one path is usable, no copy).
 */
struct wf_dup {
	__u32 ifindex[2];
	__u8 path[2]; /* path ids of ifindex[] */
	__u8 n_sel;
	__u8 pad;
	/* Receiving: a copy later than this after the content's last
	 * arrival passes as new (route's duplicate_window); 0: the default,
	 * WF_DUP_WINDOW_MS */
	__u32 window_ms;
	struct wf_dup_sel sel[WF_DUP_SELS];
};

/* wf_dedup: one packet content (hash) of one route, recently seen. */
struct wf_dedup_key {
	__u64 hash;
	__u32 route;
	__u32 pad;
};

/* wf_dup_stats[path id], per CPU. */
struct wf_dup_counters {
	__u64 copies;  /* second copies sent by the path */
	__u64 passed;  /* selected packets that arrived by it and passed */
	__u64 dropped; /* ... arrived by it as another path's duplicate */
};

#define WF_PATH_DOWN	0
#define WF_PATH_UP	1
#define WF_PATH_ABSENT	2 /* its device is not there */
#define WF_PATH_PROBING 3 /* not yet enough probes to say */

/*
 * wf_path_status[path id]: what the prober knows, written by the daemon
 * each probe round for `wirefisher paths` and other readers of the pins.
 * Times in ns; loss and score in millionths / thousandths.
 */
struct wf_path_status {
	char name[WF_RULE_NAME];
	char device[WF_IFNAMSIZ];
	__u32 ifindex;
	__u8 state; /* WF_PATH_* */
	__u8 configured;
	__u16 pad;
	__u64 rtt_ns;	   /* EWMA */
	__u64 jitter_ns;   /* EWMA of |rtt - previous rtt| */
	__u32 loss_ppm;	   /* over the probe window */
	__u32 score_milli; /* lower is better; see README */
	__u64 probes_sent;
	__u64 probes_lost;
	__u64 flows;	       /* steered flows seen within the last 10 s */
	__u64 rate_bps;	       /* the device's transmit rate, bits/s */
	__u64 changed_unix_ns; /* CLOCK_REALTIME of the last state change */
	__s64 handshake_age_s; /* WireGuard; -1 when not readable */
	__u64 quiet_ns;	       /* since the device last received a packet */
	__u64 suspected;       /* silences that set off a probe burst */
	__u64 silence_downs;   /* ... whose burst went unanswered: down */
	__u64 flowlet_moves;   /* spread flows moved off it in an idle gap */
};

/*
 * wf_route_ctl[route id]: written by `wirefisher switch`, read by the
 * daemon: 0 = the prober decides, path id + 1 = pinned by hand.
 */
struct wf_route_ctl {
	__u32 pin;
	__u32 seq; /* bumped by each switch request */
};

/*
 * wf_path_seen[ifindex of a path device]: when the device last sent a
 * packet that was not a probe, and last received any packet, on the
 * datapath's clock (CLOCK_MONOTONIC_COARSE). The daemon makes the entries;
 * the tc programs stamp them (bpf/lib/pathrx.bpf.h). A path that has sent
 * since it last heard anything, and has heard nothing for longer than its
 * silence limit, is suspected at once (user/policy/steer.h).
 */
struct wf_path_seen {
	__u64 tx_ns;
	__u64 rx_ns;
};

/*
 * Facts about the running daemon, for readers of the pins (wirefisher stats,
 * `wirefisher reload`, bpftool). One entry, key 0, written by the daemon at
 * start-up and after each reload attempt.
 */
struct wf_info {
	__u32 abi_version;
	__u32 pid;	  /* 0: no daemon (a persistent one stopped) */
	__u64 window_ns;  /* accounting window */
	__u64 started_ns; /* CLOCK_MONOTONIC_COARSE, the datapath's clock */
	__u32 max_flows;
	__u32 persist;	     /* 1: the hooks outlive the daemon */
	__u32 reload_seq;    /* reload attempts so far */
	__u32 reload_failed; /* the last attempt was refused (old config kept) */
	__u32 adopted;	     /* this daemon took over a previous one's hooks */
	__u32 reload_failures; /* attempts refused so far */
};

/*
 * Rate maths shared by the datapath (at each window roll) and the stats
 * reader (for a window that ended with no packet to roll it), so that both
 * compute exactly the same numbers. Plain C, no helpers: both sides build it.
 */
#define WF_NSEC_PER_SEC 1000000000ULL
/* After this many idle windows the old smoothed value is below 1/200 000. */
#define WF_SMOOTH_MAX_STEPS 96

/* bytes over ns as bytes per second, without overflowing 64 bits. */
static inline __u64 wf_rate(__u64 bytes, __u64 ns)
{
	if (ns == 0)
		return 0;
	if (bytes <= ~0ULL / WF_NSEC_PER_SEC)
		return bytes * WF_NSEC_PER_SEC / ns;
	/* > 18 GB: ns is then large too; microsecond resolution is plenty. */
	if (ns < 1000)
		return ~0ULL;
	return bytes / (ns / 1000) * 1000000;
}

/*
 * The smoothed rate after `steps` windows that each measured `sample`:
 * s = s - s/8 + sample/8 per window (RFC 6298's 1/8 gain), seeded by the
 * first sample. A roll that spans several windows with no roll in between
 * applies the span's average once per window it covered.
 */
static inline __u64 wf_smooth(__u64 s, __u64 sample, __u64 steps, int seeded)
{
	__u64 i;

	if (!seeded) {
		s = sample;
		steps--;
	}
	if (steps > WF_SMOOTH_MAX_STEPS)
		steps = WF_SMOOTH_MAX_STEPS;
	for (i = 0; i < WF_SMOOTH_MAX_STEPS && i < steps; i++)
		s = s - s / 8 + sample / 8;
	return s;
}

/*
 * The token-bucket decision, as a pure function of (state, now, cost): the
 * GCRA form of a token bucket of depth burst_ns. Start from the later of
 * the stored arrival time and now (an idle bucket is full, and no refill is
 * computed, so nothing overflows after any idle time); the packet fits if
 * the bucket's debt after it stays within burst_ns. A clock that steps back
 * makes `now` smaller, which only makes the debt look larger: no refill.
 * Returns the new state, or 0 when the packet does not fit.
 */
static inline __u64 wf_tb_next(__u64 tat, __u64 now, __u64 cost, __u64 burst_ns)
{
	__u64 next = (tat > now ? tat : now) + cost;

	return next - now <= burst_ns ? next : 0;
}

/* What a packet of len bytes costs at ns_per_byte. */
static inline __u64 wf_tb_cost(__u64 len, __u64 ns_per_byte)
{
	if (len > WF_TB_MAX_LEN)
		len = WF_TB_MAX_LEN;
	return (len * ns_per_byte) >> WF_TB_SHIFT;
}

#endif /* WF_SHARED_H */
