/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * verdict.bpf.h - everything the datapath does with one packet, whatever
 * the hook: police it, then account what passes. Entry files map the
 * verdict to their hook's return code.
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

/* parse is pkt_parse()'s result. Unparsable packets always pass. */
static __always_inline enum wf_verdict wf_packet(struct wf_pkt *pkt, int parse)
{
	struct wf_counters *c = stats_slot();
	__u64 now;

	if (!c)
		return WF_PASS;
	if (parse == WF_PARSE_MALFORMED) {
		c->malformed++;
		return WF_PASS;
	}
	if (parse == WF_PARSE_TRUNCATED) {
		c->truncated++;
		return WF_PASS;
	}
	now = wf_now();
	if (police_packet(pkt, now, c, ~wf_cg_rules))
		return WF_DROP;
	/* Flows count what passed: what went on, or came off, the wire. */
	flow_account(pkt, now, c);
	return WF_PASS;
}

#endif /* WF_VERDICT_BPF_H */
