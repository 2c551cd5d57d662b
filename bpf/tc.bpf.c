// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tc.bpf.c - wf_tc_ingress / wf_tc_egress.
 *
 * Attach: tcx ingress and egress (kernel >= 6.6; netlink clsact before that)
 * of every configured interface, Ethernet or TUN (wireguard-go).
 * Sees: everything that crosses the interface - host traffic and forwarded
 * traffic alike - which is why accounting lives here rather than in
 * netfilter LOCAL_IN/LOCAL_OUT (see README, "Where wirefisher hooks").
 * Maps: wf_ifcache, else wf_ifaces (read: link-layer length, flags), wf_flows
 * (read/write),
 * wf_stats (per-CPU counters); for policing wf_rules, the prefix tries,
 * wf_rule_buckets / wf_keyed (buckets), wf_rule_stats, wf_rule_acct;
 * for steering wf_steer4/6, wf_routes, wf_steer_flows, wf_path_flows,
 * wf_path_retired, wf_path_left, wf_flowlet, and wf_path_seen (stamps).
 * Does: the rules with no cgroup or process (WF_AT_IFACE: cgroup.bpf.c
 * enforces the others), the parse counters, and flow accounting.
 * Steering: at the egress of a path device (WF_IFACE_STEER) a packet to a
 * steered prefix is first moved to its path's device with bpf_redirect();
 * it is policed and accounted there, at that device's egress, not here.
 * Aggregate routes choose that device per packet (lib/aggregate.bpf.h:
 * wf_agg_paths, wf_agg_queue, wf_agg_stats, wf_agg_hop); packets a route's
 * duplicate selectors pick are also cloned to a second path, and at the
 * ingress of path devices their second copies are dropped (lib/dedup.bpf.h:
 * wf_dups, wf_dedup, wf_dup_stats, wf_dedup_buf).
 * Verdict: WF_DROP (a policing rule refused the packet) or a duplicate's
 * second copy -> TC_ACT_SHOT, everything else -> TC_ACT_OK; WF_PASS_LOW
 * marks an ECN-capable packet CE first (policing.ecn).
 */
#include "lib/compat.bpf.h"
#include "lib/dedup.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/pathrx.bpf.h"
#include "lib/skb.bpf.h"
#include "lib/steer.bpf.h"
#include "lib/verdict.bpf.h"

/* Enough linear bytes for an IPv4 header with options and a TCP header. */
#define WF_TC_PULL 128

/* Headers of a GSO or forwarded skb may sit in paged data. */
static __always_inline void tc_pull(struct __sk_buff *skb, __u32 l2)
{
	__u32 want = l2 + WF_TC_PULL;

	if (want > skb->len)
		want = skb->len;
	if ((void *)(long)skb->data + want > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, want);
}

/*
 * What the loader published about interface ifindex, as one scalar: -1 if
 * nothing (not, or no longer, set up), else its WF_IFACE_* flags above bit
 * 0, and bit 0 set for an Ethernet header. From its wf_ifcache slot when
 * that holds ifindex - an array read the verifier inlines, where a hash
 * look-up is several calls, ~60 ns a small packet (bench/smallpkt.sh) -
 * else from wf_ifaces.
 * A global function, so the verifier walks these two ways once, on their
 * own, and its callers see one scalar: inlined, the two ways doubled all
 * it walks after them, which took 6.1's verifier past its 1M instructions
 * on tc egress with steering (tests/vm/run.sh 6.1 bpf/steer_*).
 */
__noinline long wf_tc_iface(__u32 ifindex)
{
	__u32 slot = ifindex % WF_IFCACHE_SLOTS;
	struct wf_ifcache *fast = bpf_map_lookup_elem(&wf_ifcache, &slot);
	struct wf_iface *ifc;

	if (fast && ifindex && fast->ifindex == ifindex)
		return (long)fast->flags << 1 | !!fast->l2_len;
	ifc = bpf_map_lookup_elem(&wf_ifaces, &ifindex);
	if (!ifc)
		return -1;
	return (long)ifc->flags << 1 | !!ifc->l2_len;
}

/* The link-layer header's length on an interface wf_tc_iface() knows. */
static __always_inline __u32 iface_l2(long facts)
{
	return facts & 1 ? ETH_HLEN : 0;
}

/*
 * Describe the skb as a wf_pkt. Returns a WF_PARSE_*, or -1 on an interface
 * the loader has not (or no longer) set up.
 */
static __always_inline int tc_describe(struct __sk_buff *skb, __u8 dir,
				       struct wf_pkt *pkt, __u32 *flags)
{
	long facts = wf_tc_iface(skb->ifindex);
	__u8 family;
	__u32 l2;

	if (facts < 0)
		return -1;
	l2 = iface_l2(facts);
	*flags = (__u32)(facts >> 1);
	family = skb_family(skb);
	if (family)
		tc_pull(skb, l2);
	return wf_skb_describe(skb, family, dir, l2, pkt);
}

/*
 * The per-CPU note of a move (wf_agg_hop: device and length,
 * lib/aggregate.bpf.h). A packet redirected to its path device meets this
 * program again at that device's egress, nested in the redirect on the
 * same CPU; the note lets it stay without the steering look-ups a second
 * time - so a sticky flow's packet is counted on its flow once, an
 * aggregate's scheduled once, a duplicate's copy not copied again.
 * wf_hop_take: 1 if the note says the packet was moved to ifindex; it
 * clears the note either way, so a move whose redirect failed leaves none
 * behind for a later packet. Global functions, like wf_tc_iface, so that
 * tc egress keeps no pointer to the note across the steering call and its
 * callers see one scalar: inlined, the early way out took 6.1's verifier
 * past its 1M instructions (tests/vm/run.sh 6.1 bpf/steer_*).
 */
__noinline int wf_hop_take(__u32 ifindex, __u32 len)
{
	__u32 zero = 0;
	__u64 *hop = bpf_map_lookup_elem(&wf_agg_hop, &zero), was;

	if (!hop)
		return 0;
	was = *hop;
	*hop = 0;
	return was && was == agg_hop(ifindex, len);
}

__noinline int wf_hop_note(__u32 ifindex, __u32 len)
{
	__u32 zero = 0;
	__u64 *hop = bpf_map_lookup_elem(&wf_agg_hop, &zero);

	if (hop)
		*hop = agg_hop(ifindex, len);
	return 0;
}

/* Redirect to the packet's path device if it is another one. */
static __always_inline int tc_steer(struct __sk_buff *skb, struct wf_pkt *pkt)
{
	struct wf_counters *c;
	__u32 to;

	if (wf_hop_take(skb->ifindex, pkt->len))
		return -1;
	c = stats_slot();
	if (!c)
		return -1;
	if (wf_dup_on) {
		int act = wf_dup_egress(skb, pkt);

		if (act == WF_DUP_HERE)
			return -1;
		if (act != WF_DUP_NO)
			return act;
	}
	to = steer_packet(pkt, wf_now(), c);
	if (!to || to == skb->ifindex)
		return -1;
	c->steered++;
	wf_hop_note(to, pkt->len);
	return bpf_redirect(to, 0);
}

/*
 * Passed with a bucket running low: mark an ECN-capable packet CE (RFC
 * 3168), so that its sender slows down before the bucket is empty and drops
 * begin - the signal for senders on other hosts (a download policed at
 * ingress, a forwarded flow), which cgroup_skb's congestion bit cannot
 * reach. Not-ECT packets (their senders understand only drops) and those
 * already CE are left alone.
 *
 * Through helpers, not a direct write: a program that writes packet data
 * directly gets a prologue that unclones every skb it sees, and TCP clones
 * every segment it sends; bpf_skb_store_bytes copies only this one's head.
 * IPv4: the TOS byte and the header checksum change together (RFC 1624),
 * which leaves the packet's ones' complement sum, and so a receive
 * checksum (CHECKSUM_COMPLETE), as it was. IPv6 has no header checksum:
 * the store updates the receive checksum itself (BPF_F_RECOMPUTE_CSUM).
 */
static __noinline void tc_mark_ce(struct __sk_buff *skb)
{
	__u8 family = skb_family(skb);
	struct wf_counters *c;
	__u16 w; /* IPv4: version/IHL and TOS; IPv6: version, traffic class
		  * and the flow label's top. The ECN bits: 0x3 / 0x30 of byte 1 */
	__u16 old;
	long facts;
	__u8 ecn;
	long err;
	__u32 l2;

	/*
	 * Looked up again rather than passed in: tc egress with steering has
	 * no stack to spare for keeping it across the policing call.
	 */
	facts = wf_tc_iface(skb->ifindex);
	if (facts < 0 || !family)
		return;
	l2 = iface_l2(facts);
	if (bpf_skb_load_bytes(skb, l2, &w, sizeof(w)))
		return;
	old = w;
	if (family == WF_FAMILY_IPV4) {
		ecn = (__u8)(bpf_ntohs(w) & 0x3);
		w |= bpf_htons(0x3);
	} else {
		ecn = (__u8)((bpf_ntohs(w) >> 4) & 0x3);
		w |= bpf_htons(0x30);
	}
	if (ecn != 1 && ecn != 2) /* Not-ECT (0) or CE (3) */
		return;
	if (family == WF_FAMILY_IPV4)
		err = bpf_l3_csum_replace(skb, l2 + 10, old, w, sizeof(w)) ?:
			      bpf_skb_store_bytes(skb, l2, &w, sizeof(w), 0);
	else
		err = bpf_skb_store_bytes(skb, l2, &w, sizeof(w),
					  BPF_F_RECOMPUTE_CSUM);
	c = stats_slot();
	if (!err && c)
		c->ecn_marked++;
}

static __always_inline int tc_handle(struct __sk_buff *skb, __u8 dir)
{
	struct wf_pkt pkt = {};
	__u32 flags = 0;
	int parse = tc_describe(skb, dir, &pkt, &flags), verdict;

	if (parse < 0)
		return TC_ACT_OK;
	if (parse == WF_PARSE_OK && wf_dup_on && dir == WF_DIR_INGRESS &&
	    (flags & WF_IFACE_STEER) && wf_dup_ingress(skb, &pkt))
		return TC_ACT_SHOT;
	if (parse == WF_PARSE_OK && wf_steer && dir == WF_DIR_EGRESS &&
	    (flags & WF_IFACE_STEER) && skb->mark != wf_probe_mark) {
		int act = tc_steer(skb, &pkt);

		if (act >= 0)
			return act;
	}
	verdict = wf_packet(&pkt, parse, WF_AT_IFACE, NULL);
	if (verdict == WF_DROP)
		return TC_ACT_SHOT;
	if (verdict == WF_PASS_LOW && wf_ecn)
		tc_mark_ce(skb);
	return TC_ACT_OK;
}

/*
 * The path stamps (pathrx.bpf.h) come first, where nothing but skb is live
 * across the call: later, the call would spill registers into a frame that
 * is at the stack limit. So a packet steered away from the device the
 * kernel routed it to is stamped as sent there too (and again where it
 * leaves): its anchor path counts as carrying traffic, which only means
 * that its silence is watched.
 */
SEC("tc")
int wf_tc_ingress(struct __sk_buff *skb)
{
	if (wf_steer)
		wf_path_stamp(skb->ifindex, WF_DIR_INGRESS);
	return tc_handle(skb, WF_DIR_INGRESS);
}

SEC("tc")
int wf_tc_egress(struct __sk_buff *skb)
{
	if (wf_steer && skb->mark != wf_probe_mark)
		wf_path_stamp(skb->ifindex, WF_DIR_EGRESS);
	return tc_handle(skb, WF_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
