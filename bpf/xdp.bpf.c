// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * xdp.bpf.c - wf_xdp_ingress.
 *
 * Attach: XDP (a bpf_link; native where the driver has it, generic
 * otherwise) on the ingress of the configured Ethernet interfaces, only
 * when a rule is placed at XDP (`at: xdp`).
 * Sees: every frame the interface receives, before an skb exists - the
 * cheapest drop there is.
 * Maps: the policing maps (bpf/lib/police.bpf.h), wf_stats.
 * Does: only the rules placed at XDP (WF_AT_XDP: wf_xdp_rules). What
 * passes goes on to tc ingress, which counts and accounts it once (parse
 * counters, flows) and enforces the other rules; a frame dropped here is
 * counted only in the rule's and the global `dropped`.
 * Verdict: WF_DROP -> XDP_DROP, else XDP_PASS.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/parse.bpf.h"
#include "lib/verdict.bpf.h"

SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct wf_pkt pkt = {};
	__u8 family;
	int parse;

	/* The loader attaches it only where XDP rules apply: no lookup. */
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		family = WF_FAMILY_IPV4;
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		family = WF_FAMILY_IPV6;
	else
		return XDP_PASS; /* tc counts it as non-IP */
	pkt.key.dir = WF_DIR_INGRESS;
	pkt.key.ifindex = ctx->ingress_ifindex;
	pkt.len = bpf_xdp_get_buff_len(ctx) - ETH_HLEN;
	pkt.segs = 1;
	parse = pkt_parse(data + ETH_HLEN, data_end, family, &pkt);
	return wf_packet(&pkt, parse, WF_AT_XDP, NULL) == WF_DROP ? XDP_DROP :
								    XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
