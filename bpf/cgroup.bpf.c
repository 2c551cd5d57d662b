// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cgroup.bpf.c - wf_cg_ingress / wf_cg_egress.
 *
 * Attach: cgroup_skb ingress and egress, by bpf_link, on the cgroup2 root,
 * only when some rule matches a cgroup. Here the packet carries its socket,
 * so its cgroup is known in both directions (at tc ingress it is not: the
 * socket lookup comes later).
 * Sees: IP packets of sockets in any cgroup; skb->data is the IP header.
 * Maps: the policing maps (bpf/lib/police.bpf.h), wf_stats, wf_sk_owner
 * (read: which process made the packet's socket).
 * Does: only the rules that match a cgroup (wf_cg_rules); accounting stays
 * on tc, so nothing is counted twice.
 * Verdict: WF_DROP -> 0 (drop; a local sender sees EPERM), else 1.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/parse.bpf.h"
#include "lib/police.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/time.bpf.h"

static __always_inline int cg_handle(struct __sk_buff *skb, __u8 dir)
{
	struct wf_pkt pkt = {};
	struct wf_counters *c = stats_slot();
	struct bpf_sock *sk;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u8 family;
	int i;

	if (!c)
		return 1;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		family = WF_FAMILY_IPV4;
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		family = WF_FAMILY_IPV6;
	else
		return 1;
	pkt.key.dir = dir;
	pkt.key.ifindex = skb->ifindex;
	pkt.len = skb->len;
	pkt.segs = skb->gso_segs;
	if (pkt_parse(data, data_end, family, &pkt) != WF_PARSE_OK)
		return 1;	/* counted by the tc hooks, not here */
#pragma unroll
	for (i = 0; i < WF_CG_LEVELS; i++)
		pkt.cg[i] = bpf_skb_ancestor_cgroup_id(skb, i);
	sk = skb->sk;
	if (sk)
		owner_fill(bpf_sk_fullsock(sk), &pkt);
	return police_packet(&pkt, wf_now(), c, wf_cg_rules) ? 0 : 1;
}

SEC("cgroup_skb/ingress")
int wf_cg_ingress(struct __sk_buff *skb)
{
	return cg_handle(skb, WF_DIR_INGRESS);
}

SEC("cgroup_skb/egress")
int wf_cg_egress(struct __sk_buff *skb)
{
	return cg_handle(skb, WF_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
