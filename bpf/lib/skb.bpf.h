/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * skb.bpf.h - one __sk_buff -> struct wf_pkt adapter for the hooks that get
 * an skb (tc, cgroup_skb). What differs between them is passed in: how many
 * link-layer bytes precede the IP header, and whether the headers were
 * pulled into the linear area (tc can; cgroup_skb has no bpf_skb_pull_data).
 */
#ifndef WF_SKB_BPF_H
#define WF_SKB_BPF_H

#include "compat.bpf.h"
#include "parse.bpf.h"

/* The family skb->protocol announces, or 0 for a packet that is not IP. */
static __always_inline __u8 skb_family(const struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return WF_FAMILY_IPV4;
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return WF_FAMILY_IPV6;
	return 0;
}

/* Bytes of the fixed L4 header a protocol with ports needs. */
static __always_inline __u32 l4_min_len(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return sizeof(struct tcphdr);
	return proto == IPPROTO_UDP ? sizeof(struct udphdr) : WF_SCTP_HLEN;
}

/*
 * The linear parse stopped before the ports: they may lie past the pulled
 * window (long IPv6 extension headers, a paged skb in cgroup_skb), so read
 * them off the skb. ip: offset of the IP header in the skb. Returns the
 * parse result; sets pkt->l4 to what is now known.
 */
static __noinline int skb_l4_slow(struct __sk_buff *skb, __u32 ip,
				  struct wf_pkt *pkt, int parse)
{
	__u32 off = ip + pkt->l4_off, need = l4_min_len(pkt->key.proto);
	__be16 ports[2];
	__u8 doff;

	if (!pkt->l4_off) {
		/*
		 * The IPv6 header chain is longer than we walk or runs past
		 * the window: protocol and ports unknown. Fail closed - the
		 * receiver would deliver what a port rule let through.
		 */
		pkt->l4 = WF_L4_UNKNOWN;
		return parse;
	}
	if (!l4_has_ports(pkt->key.proto) ||
	    bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
		return parse; /* really ends before the ports */
	pkt->key.port_src = bpf_ntohs(ports[0]);
	pkt->key.port_dst = bpf_ntohs(ports[1]);
	pkt->l4 = WF_L4_PORTS;
	if (skb->len < off + need)
		return l4_cut(pkt);
	if (pkt->key.proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off + 12, &doff, 1))
			return WF_PARSE_TRUNCATED;
		if ((doff >> 4) < 5)
			return WF_PARSE_MALFORMED;
		need = (doff >> 4) * 4;
	}
	pkt->hdr_len += need;
	return WF_PARSE_OK;
}

/*
 * Describe the skb, whose IP header starts l2 bytes (0 or ETH_HLEN) into its
 * linear data, as seen in direction dir. family: skb_family(skb). Returns a
 * WF_PARSE_*.
 *
 * A global function, so that the verifier walks the parse's outcomes - IPv4
 * or IPv6, up to six extension headers, fragments, four L4 protocols, a cut
 * anywhere - once, here, and its callers go on with one description whose
 * fields it no longer knows. Inlined, it walked everything after the parse
 * again for each outcome: on 6.1, 205 600 instructions for tc ingress with
 * accounting alone, 980 812 of its 1M limit for tc egress with steering
 * (README, Kernels: "The verifier's work"; bpf/verifier_budget). Weak:
 * tc.bpf.c and cgroup.bpf.c both define it. To the verifier an argument
 * may be any number, hence the checks on pkt and l2.
 */
__weak __noinline int wf_skb_describe(struct __sk_buff *skb, __u32 family,
				      __u32 dir, __u32 l2, struct wf_pkt *pkt)
{
	void *data, *data_end;
	int parse;

	if (!pkt || l2 > ETH_HLEN)
		return WF_PARSE_MALFORMED;
	if (!family)
		return WF_PARSE_NOT_IP;
	/*
	 * After tc's pull, clang may otherwise merge these loads with the
	 * pull's into one at a computed ctx offset, which the verifier refuses.
	 */
	barrier_var(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	pkt->key.dir = (__u8)dir;
	pkt->key.ifindex = skb->ifindex;
	pkt->len = skb->len - l2;
	pkt->segs = skb->gso_segs;
	parse = pkt_parse(data + l2, data_end, (__u8)family, pkt);
	if (parse != WF_PARSE_OK && pkt->key.family && pkt->l4 == WF_L4_NONE)
		parse = skb_l4_slow(skb, l2, pkt, parse);
	return parse;
}

#endif /* WF_SKB_BPF_H */
