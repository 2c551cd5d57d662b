/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * verdict.bpf.h - everything the datapath does with one packet, whatever
 * the hook: police it, then account what passes. Entry files say where
 * they see the packet and map the verdict to their hook's return code.
 */
#ifndef WF_VERDICT_BPF_H
#define WF_VERDICT_BPF_H

#include "flow.bpf.h"
#include "frag.bpf.h"
#include "police.bpf.h"
#include "time.bpf.h"

enum wf_verdict {
	WF_PASS,
	WF_DROP,
	/*
	 * Passed, but a bucket it paid into is running low: a hook that can
	 * tell the local sender to slow down (cgroup_skb egress) does.
	 */
	WF_PASS_LOW,
};

/*
 * Where a hook sees packets. A locally sent or received packet crosses
 * both, so each rule is enforced at one of them and each count is kept at
 * one of them.
 */
enum wf_at {
	/*
	 * tc, on an interface: the rules with no cgroup or process; counts
	 * non-IP, malformed and truncated packets, and accounts flows.
	 */
	WF_AT_IFACE,
	/*
	 * cgroup_skb, with the packet's socket: only the rules on a cgroup or
	 * process (wf_cg_rules), which need the socket; counts nothing the
	 * interface hook counts.
	 */
	WF_AT_SOCKET,
	/*
	 * netfilter (netfilter.bpf.c): the rules placed there (wf_nf_rules),
	 * host-wide, on whole datagrams; counts nothing the interface hook
	 * counts.
	 */
	WF_AT_NETFILTER,
	/*
	 * XDP on an interface's ingress (xdp.bpf.c): the rules placed there
	 * (wf_xdp_rules); what passes meets tc ingress, which accounts it.
	 */
	WF_AT_XDP,
};

/* The rules the hook `at` enforces: each rule at exactly one of them. */
static __always_inline __u64 at_rules(__u32 at)
{
	if (at == WF_AT_SOCKET)
		return wf_cg_rules;
	if (at == WF_AT_NETFILTER)
		return wf_nf_rules;
	if (at == WF_AT_XDP)
		return wf_xdp_rules;
	return ~(wf_cg_rules | wf_nf_rules | wf_xdp_rules);
}

static __always_inline void count_unparsed(struct wf_counters *c, int parse)
{
	if (parse == WF_PARSE_NOT_IP)
		c->non_ip++;
	else if (parse == WF_PARSE_MALFORMED)
		c->malformed++;
	else if (parse == WF_PARSE_TRUNCATED)
		c->truncated++;
}

/*
 * Police pkt with the rules this hook enforces (police_packet(): enum
 * wf_policed, and the rate to pace at above WF_POLICED_SHIFT).
 * A global function: the verifier checks it once, on its own, instead of
 * once for every way a caller can reach it (each parse outcome, each
 * hook) - which is what keeps the tc programs within their budget. Weak,
 * because every entry file that includes this defines it and the linker
 * keeps one. Only the fields of pkt are known inside, so it takes no
 * pointer but pkt. now: the clock, read once per packet by the caller
 * (each read is a helper call); an argument, not a field of pkt, because
 * tc egress with steering has no 8 bytes of stack to spare (6.18 and 6.1:
 * "combined stack size of 3 calls").
 */
__weak __noinline int wf_police_pkt(struct wf_pkt *pkt, __u32 at, __u64 now)
{
	struct wf_counters *c = stats_slot();
	int policed;

	/* Newer verifiers let a global function's pointer be NULL. */
	if (!wf_police || !c || !pkt)
		return WF_POLICED_PASS;
	if (pkt->frag) {
		if (at == WF_AT_IFACE) /* counted once, as parse counts are */
			c->frags++;
		frag_before(pkt, at, c);
	}
	policed = police_packet(pkt, now, c, at_rules(at));
	if (pkt->frag)
		frag_after(pkt, at,
			   (policed & WF_POLICED_MASK) == WF_POLICED_DROP);
	return policed;
}

/*
 * parse is the describing function's WF_PARSE_*. A packet whose IP header
 * was read is policed with what is known, even if the rest did not parse
 * (a port rule sees no ports, unless they may be hidden: match.bpf.h):
 * letting it through unpoliced would make any odd header a way past every
 * limit. Only parsed packets are accounted to flows.
 */
static __always_inline enum wf_verdict
wf_packet(struct wf_pkt *pkt, int parse, enum wf_at at, __u32 *pace_kbps)
{
	struct wf_counters *c = stats_slot();
	__u64 now;
	int policed;

	if (!c)
		return WF_PASS;
	if (parse != WF_PARSE_OK && at == WF_AT_IFACE)
		count_unparsed(c, parse);
	/* No address: not IP, or an IP header the stack drops itself. */
	if (!pkt->key.family)
		return WF_PASS;
	/*
	 * The tick clock: for flows (only the interface hook accounts them),
	 * the rules' rates and deep buckets (police.bpf.h: walk_now). It is
	 * not among a netfilter program's helpers: there 0 lets the policing
	 * make one from jiffies (time.bpf.h: wf_now_tick), and only for a
	 * packet some rule may concern.
	 */
	now = at == WF_AT_NETFILTER ? 0 : wf_now();
	/* Tested here too: a call costs even when it returns at once. */
	policed = wf_police ? wf_police_pkt(pkt, at, now) : WF_POLICED_PASS;
	if (pace_kbps)
		*pace_kbps = (__u32)policed >> WF_POLICED_SHIFT;
	policed &= WF_POLICED_MASK;
	if (policed == WF_POLICED_DROP)
		return WF_DROP;
	/* Flows count what passed: what went on, or came off, the wire. */
	if (parse == WF_PARSE_OK && at == WF_AT_IFACE) {
		frag_unports(pkt);
		flow_account(pkt, now, c);
	}
	return policed == WF_POLICED_LOW ? WF_PASS_LOW : WF_PASS;
}

#endif /* WF_VERDICT_BPF_H */
