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

/*
 * Describe the skb, whose IP header starts l2 bytes into its linear data,
 * as seen in direction dir. family: skb_family(skb). Returns a WF_PARSE_*.
 */
static __always_inline int skb_describe(struct __sk_buff *skb, __u8 family,
					__u8 dir, __u32 l2, struct wf_pkt *pkt)
{
	void *data, *data_end;

	if (!family)
		return WF_PARSE_NOT_IP;
	/*
	 * After tc's pull, clang may otherwise merge these loads with the
	 * pull's into one at a computed ctx offset, which the verifier refuses.
	 */
	barrier_var(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	pkt->key.dir = dir;
	pkt->key.ifindex = skb->ifindex;
	pkt->len = skb->len - l2;
	pkt->segs = skb->gso_segs;
	return pkt_parse(data + l2, data_end, family, pkt);
}

#endif /* WF_SKB_BPF_H */
