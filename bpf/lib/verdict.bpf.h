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
};

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
 * Police pkt with the rules this hook enforces; 1 if one of them drops it.
 * A global function: the verifier checks it once, on its own, instead of
 * once for every way a caller can reach it (each parse outcome, each
 * hook) - which is what keeps the tc programs within their budget. Weak,
 * because every entry file that includes this defines it and the linker
 * keeps one. Only the fields of pkt are known inside, so it takes no
 * pointer but pkt. now: wf_now(), read once per packet by the caller
 * (each read is a helper call).
 */
__weak __noinline int wf_police_pkt(struct wf_pkt *pkt, __u32 at_socket,
				    __u64 now)
{
	struct wf_counters *c = stats_slot();
	int dropped;

	/* Newer verifiers let a global function's pointer be NULL. */
	if (!wf_police || !c || !pkt)
		return 0;
	if (pkt->frag) {
		if (!at_socket) /* counted once, by tc, as parse counts are */
			c->frags++;
		frag_before(pkt, at_socket, c);
	}
	dropped = police_packet(pkt, now, c,
				at_socket ? wf_cg_rules : ~wf_cg_rules);
	if (pkt->frag)
		frag_after(pkt, at_socket, dropped);
	return dropped;
}

/*
 * parse is the describing function's WF_PARSE_*. A packet whose IP header
 * was read is policed with what is known, even if the rest did not parse
 * (a port rule sees no ports, unless they may be hidden: match.bpf.h):
 * letting it through unpoliced would make any odd header a way past every
 * limit. Only parsed packets are accounted to flows.
 */
static __always_inline enum wf_verdict wf_packet(struct wf_pkt *pkt, int parse,
						 enum wf_at at)
{
	struct wf_counters *c = stats_slot();
	__u64 now;

	if (!c)
		return WF_PASS;
	if (parse != WF_PARSE_OK && at == WF_AT_IFACE)
		count_unparsed(c, parse);
	/* No address: not IP, or an IP header the stack drops itself. */
	if (!pkt->key.family)
		return WF_PASS;
	now = wf_now();
	/* Tested here too: a call costs even when it returns at once. */
	if (wf_police && wf_police_pkt(pkt, at == WF_AT_SOCKET, now))
		return WF_DROP;
	/* Flows count what passed: what went on, or came off, the wire. */
	if (parse == WF_PARSE_OK && at == WF_AT_IFACE) {
		frag_unports(pkt);
		flow_account(pkt, now, c);
	}
	return WF_PASS;
}

#endif /* WF_VERDICT_BPF_H */
