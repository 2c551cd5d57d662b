// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sockops.bpf.c - wf_sockops: per-rule TCP congestion control, and pacing
 * of local TCP senders at the rate of their socket rules.
 *
 * Attach: sockops, by bpf_link, on the cgroup2 root, when a rule has
 * tcp_congestion or matches a cgroup or process.
 * Congestion control: at connect (before the SYN) and when a passive socket
 * is established, the socket is described as its outgoing packets will be
 * (source = local end) and matched against the tcp_congestion rules; the
 * first that matches sets its algorithm with bpf_setsockopt.
 * Pacing: a bucket that a TCP sender empties refuses its next segment; the
 * segment stays queued (cgroup.bpf.c), but with nothing in flight nothing
 * sends it again before the zero-window probe timer, >= 200 ms later, and
 * a whole TSO burst is refused at once - measured, a 4 Mbit/s cgroup rule
 * gave cubic and bbr 0.67 of the limit. So every established socket asks
 * for RTT callbacks (with socket rules only), and on each one the rate that
 * wf_cg_egress noted in wf_sk_pace is applied as SO_MAX_PACING_RATE, turned
 * from IP bytes into the payload bytes TCP paces: a sender paced at its
 * limit never meets an empty bucket.
 * Maps: wf_rules, the prefix tries, wf_sk_owner (read), wf_sk_pace. Matching
 * only (match.bpf.h): no bucket, no counter.
 * Verdict: always 1.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/match.bpf.h"
#include "lib/owner.bpf.h"

#define SOL_SOCKET	   1
#define SO_MAX_PACING_RATE 47
#define SOL_TCP		   6
#define TCP_CONGESTION	   13
#define AF_INET		   2
#define AF_INET6	   10

static __always_inline int describe(struct bpf_sock_ops *skops,
				    struct wf_pkt *pkt)
{
	pkt->key.proto = IPPROTO_TCP;
	pkt->key.dir = WF_DIR_EGRESS;
	pkt->key.port_src = (__u16)skops->local_port;
	pkt->key.port_dst = (__u16)(bpf_ntohl(skops->remote_port) & 0xffff);
	pkt->l4 = WF_L4_PORTS;
	if (skops->family == AF_INET) {
		pkt->key.family = WF_FAMILY_IPV4;
		pkt->key.addr_src[0] = skops->local_ip4;
		pkt->key.addr_dst[0] = skops->remote_ip4;
	} else if (skops->family == AF_INET6) {
		pkt->key.family = WF_FAMILY_IPV6;
		pkt->key.addr_src[0] = skops->local_ip6[0];
		pkt->key.addr_src[1] = skops->local_ip6[1];
		pkt->key.addr_src[2] = skops->local_ip6[2];
		pkt->key.addr_src[3] = skops->local_ip6[3];
		pkt->key.addr_dst[0] = skops->remote_ip6[0];
		pkt->key.addr_dst[1] = skops->remote_ip6[1];
		pkt->key.addr_dst[2] = skops->remote_ip6[2];
		pkt->key.addr_dst[3] = skops->remote_ip6[3];
	} else {
		return -1;
	}
	owner_fill(skops->sk, pkt);
	return 0;
}

/*
 * Apply the pacing wf_cg_egress asked for, if it changed. The rate counts
 * IP bytes; TCP paces payload: mss / (mss + headers), headers taken with
 * TCP timestamps (Linux's default), so that without them the sender stays
 * just below the limit rather than just above it.
 */
static __always_inline void pace_apply(struct bpf_sock_ops *skops)
{
	__u32 hdr = skops->family == AF_INET6 ? 40 + 32 : 20 + 32;
	struct bpf_sock *sk = skops->sk;
	__u32 mss = skops->mss_cache;
	struct wf_sk_pace *p;
	__u64 bps, rate;
	int val;

	/* One read of ctx->sk: the verifier tracks NULL per read. */
	asm volatile("" : "+r"(sk));
	if (!sk)
		return;
	p = bpf_sk_storage_get(&wf_sk_pace, sk, 0, 0);
	if (!p)
		return;
	bps = p->rate_bps;
	if (bps == p->applied_bps)
		return;
	if (!mss)
		mss = 536;
	rate = bps / 8 * mss / (mss + hdr);
	/* An int; ~0U is "no limit", as for setsockopt(2). */
	val = !bps || rate >= 0xffffffffULL ? -1 : (int)rate;
	if (!bpf_setsockopt(skops, SOL_SOCKET, SO_MAX_PACING_RATE, &val,
			    sizeof(val)))
		p->applied_bps = bps;
}

SEC("sockops")
int wf_sockops(struct bpf_sock_ops *skops)
{
	struct wf_pkt pkt = {};
	struct wf_rule *r;
	__u32 id;
	int found;

	if (wf_cg_rules) {
		if (skops->op == BPF_SOCK_OPS_RTT_CB) {
			pace_apply(skops);
			return 1;
		}
		if (skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ||
		    skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
			bpf_sock_ops_cb_flags_set(skops,
						  skops->bpf_sock_ops_cb_flags |
							  BPF_SOCK_OPS_RTT_CB_FLAG);
	}
	if (!wf_cc_rules)
		return 1;
	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (describe(skops, &pkt))
		return 1;
	found = match_first(&pkt, wf_cc_rules);
	if (found < 0)
		return 1;
	id = (__u32)found;
	r = bpf_map_lookup_elem(&wf_rules, &id);
	if (r)
		bpf_setsockopt(skops, SOL_TCP, TCP_CONGESTION, r->cc,
			       sizeof(r->cc));
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
