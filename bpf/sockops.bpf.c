// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sockops.bpf.c - wf_sockops: per-rule TCP congestion control.
 *
 * Attach: sockops, by bpf_link, on the cgroup2 root, only when a rule has
 * tcp_congestion. At connect (before the SYN) and when a passive socket is
 * established, the socket is described as its outgoing packets will be
 * (source = local end) and matched against the tcp_congestion rules; the
 * first that matches sets its algorithm with bpf_setsockopt.
 * Maps: wf_rules, the prefix tries, wf_sk_owner (read). Matching only
 * (match.bpf.h): no bucket, no counter.
 * Verdict: always 1.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/match.bpf.h"
#include "lib/owner.bpf.h"

#define SOL_TCP	       6
#define TCP_CONGESTION 13
#define AF_INET	       2
#define AF_INET6       10

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

SEC("sockops")
int wf_sockops(struct bpf_sock_ops *skops)
{
	struct wf_pkt pkt = {};
	struct wf_rule *r;
	__u32 id;
	int found;

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
