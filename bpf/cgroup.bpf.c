// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cgroup.bpf.c - wf_cg_ingress / wf_cg_egress.
 *
 * Attach: cgroup_skb ingress and egress, by bpf_link, on the cgroup2 root,
 * only when some rule matches a cgroup or a process. Here the packet
 * carries its socket, so its cgroup is known in both directions (at tc
 * ingress it is not: the socket lookup comes later).
 * Sees: IP packets of sockets in any cgroup; skb->data is the IP header.
 * Maps: the policing maps (bpf/lib/police.bpf.h), wf_stats, wf_sk_owner
 * (read: which process made the packet's socket).
 * Does: only the rules on a cgroup or process (WF_AT_SOCKET: wf_cg_rules);
 * parse counters and accounting stay on tc, so nothing is counted twice.
 * Verdict: WF_DROP -> 0 (drop; a local sender sees EPERM), else 1.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/skb.bpf.h"
#include "lib/verdict.bpf.h"

static __always_inline int cg_handle(struct __sk_buff *skb, __u8 dir)
{
	struct wf_pkt pkt = {};
	int parse = skb_describe(skb, skb_family(skb), dir, 0, &pkt);

	if (parse == WF_PARSE_OK)
		owner_of_skb(skb, &pkt);
	return wf_packet(&pkt, parse, WF_AT_SOCKET) == WF_DROP ? 0 : 1;
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
