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
 * Verdict: WF_DROP -> XDP_DROP, else XDP_PASS; WF_PASS_LOW marks an
 * ECN-capable frame CE first (policing.ecn).
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/parse.bpf.h"
#include "lib/verdict.bpf.h"

/*
 * Passed with a bucket running low: mark an ECN-capable frame CE, as tc
 * does (tc.bpf.c tc_mark_ce, which says why). Here the frame is the
 * driver's own, so it is written in place; the IPv4 checksum is updated
 * incrementally (RFC 1624: HC' = ~(~HC + ~m + m')).
 */
static __noinline void xdp_mark_ce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 *ip = data + ETH_HLEN;
	struct wf_counters *c;
	__u16 *w = (__u16 *)ip, old;
	__u32 sum;
	__u8 ecn;

	if ((void *)(ip + sizeof(struct iphdr)) > data_end)
		return;
	old = *w;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (struct iphdr *)ip;

		ecn = ip[1] & 0x3;
		if (ecn != 1 && ecn != 2) /* Not-ECT or CE */
			return;
		ip[1] |= 0x3;
		sum = (__u16)~iph->check;
		sum += (__u16)~old;
		sum += *w;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		iph->check = (__u16)~sum;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ecn = (ip[1] >> 4) & 0x3;
		if (ecn != 1 && ecn != 2)
			return;
		ip[1] |= 0x30;
	} else {
		return;
	}
	c = stats_slot();
	if (c)
		c->ecn_marked++;
}

/*
 * Describe the frame, as tc_describe does an skb. Returns a WF_PARSE_*,
 * or -1 for a frame that is not IP (tc counts those). A global function,
 * for the reason wf_skb_describe (lib/skb.bpf.h) is one: the program after
 * it is walked once, not once for each way the parse can end.
 */
__noinline int wf_xdp_describe(struct xdp_md *ctx, struct wf_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 family;

	if (!pkt || (void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		family = WF_FAMILY_IPV4;
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		family = WF_FAMILY_IPV6;
	else
		return -1;
	pkt->key.dir = WF_DIR_INGRESS;
	pkt->key.ifindex = ctx->ingress_ifindex;
	/*
	 * The whole frame: loaded as SEC("xdp"), not "xdp.frags", the
	 * program never gets a multi-buffer frame (a driver refuses to
	 * attach it where one could come), so no bpf_xdp_get_buff_len() call.
	 */
	pkt->len = (__u32)(data_end - data) - ETH_HLEN;
	pkt->segs = 1;
	return pkt_parse(data + ETH_HLEN, data_end, family, pkt);
}

SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	struct wf_pkt pkt = {};
	int parse = wf_xdp_describe(ctx, &pkt), verdict;

	/*
	 * Not IP: tc counts it. (The loader attaches this program only where
	 * XDP rules apply, so there is no interface to look up.)
	 */
	if (parse < 0)
		return XDP_PASS;
	verdict = wf_packet(&pkt, parse, WF_AT_XDP, NULL);
	if (verdict == WF_DROP)
		return XDP_DROP;
	if (verdict == WF_PASS_LOW && wf_ecn)
		xdp_mark_ce(ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
