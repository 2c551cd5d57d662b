/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * verdict.bpf.h - everything the datapath does with one packet, whatever
 * the hook: police it, then account what passes. Entry files say where
 * they see the packet and map the verdict to their hook's return code.
 */
#ifndef WF_VERDICT_BPF_H
#define WF_VERDICT_BPF_H

#include "flow.bpf.h"
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

/* parse is the describing function's WF_PARSE_*: unparsed packets pass. */
static __always_inline enum wf_verdict wf_packet(struct wf_pkt *pkt, int parse,
						 enum wf_at at)
{
	struct wf_counters *c = stats_slot();
	__u64 now;

	if (!c)
		return WF_PASS;
	if (parse != WF_PARSE_OK) {
		if (at == WF_AT_IFACE)
			count_unparsed(c, parse);
		return WF_PASS;
	}
	now = wf_now();
	if (police_packet(pkt, now, c,
			  at == WF_AT_SOCKET ? wf_cg_rules : ~wf_cg_rules))
		return WF_DROP;
	/* Flows count what passed: what went on, or came off, the wire. */
	if (at == WF_AT_IFACE)
		flow_account(pkt, now, c);
	return WF_PASS;
}

#endif /* WF_VERDICT_BPF_H */
