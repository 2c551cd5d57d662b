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
 * (read: which process made the packet's socket), wf_sk_pace (egress, TCP:
 * the rate its sender should pace at, for wf_sockops).
 * Does: only the rules on a cgroup or process (WF_AT_SOCKET: wf_cg_rules);
 * parse counters and accounting stay on tc, so nothing is counted twice.
 * Verdict: ingress WF_DROP -> 0, else 1. Egress, UDP and all but TCP:
 * WF_DROP -> 0 (a local sender sees EPERM), else 1. Egress TCP, with the
 * congestion bit (kernel/bpf/cgroup.c, __cgroup_bpf_run_filter_skb, the
 * same in 6.1 and 6.18): WF_DROP -> 2 (NET_XMIT_DROP: the segment is not
 * sent, stays in the write queue and goes out later - no loss, no
 * retransmission - and TCP enters CWR), WF_PASS_LOW -> 3 (NET_XMIT_CN: sent,
 * and TCP enters CWR before the bucket is empty), WF_PASS -> 1.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/owner.bpf.h"
#include "lib/skb.bpf.h"
#include "lib/verdict.bpf.h"

/* cgroup_skb egress return codes (the verifier allows 2 and 3 there only). */
#define CG_DROP	   0
#define CG_PASS	   1
#define CG_DROP_CN 2
#define CG_PASS_CN 3

/*
 * Tell wf_sockops the rate a TCP socket's packets meet (0: none). Only a
 * socket that has a record, or needs one, is written.
 */
static __always_inline void pace_note(struct __sk_buff *skb, __u64 bps)
{
	struct bpf_sock *sk = skb->sk;
	struct wf_sk_pace *p;

	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	p = bpf_sk_storage_get(&wf_sk_pace, sk, 0,
			       bps ? BPF_SK_STORAGE_GET_F_CREATE : 0);
	if (p && p->rate_bps != bps)
		p->rate_bps = bps;
}

static __always_inline int cg_handle(struct __sk_buff *skb, __u8 dir)
{
	struct wf_pkt pkt = {};
	int parse = wf_skb_describe(skb, skb_family(skb), dir, 0, &pkt);
	enum wf_verdict v;
	__u32 pace_kbps = 0;

	if (parse == WF_PARSE_OK)
		owner_of_skb(skb, &pkt);
	v = wf_packet(&pkt, parse, WF_AT_SOCKET, &pace_kbps);
	if (dir == WF_DIR_INGRESS || pkt.key.proto != IPPROTO_TCP)
		return v == WF_DROP ? CG_DROP : CG_PASS;
	if (parse == WF_PARSE_OK)
		pace_note(skb, (__u64)pace_kbps * 1000);
	if (v == WF_DROP)
		return CG_DROP_CN;
	return v == WF_PASS_LOW ? CG_PASS_CN : CG_PASS;
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
