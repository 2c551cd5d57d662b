/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * frag.bpf.h - give a datagram's later fragments the ports of its first,
 * so that a rule on ports charges the whole datagram, not its first 1.5 kB.
 *
 * The first fragment (offset 0, more to come) writes its ports to wf_frags
 * under (family, addresses, protocol, identification); each later fragment
 * reads them. Policing only: a flow still accounts a later fragment with
 * ports 0 (README, "Accounting semantics"), so no byte moves between flows.
 *
 * Out of order: a later fragment that finds no entry (it overtook its first
 * one, or the entry was evicted) fails closed - WF_L4_ANY, which every port
 * rule whose other fields match counts as a match and charges. That is the
 * safe side: the receiver cannot reassemble a datagram that lost a fragment,
 * so a drop costs one datagram that the limit would have charged anyway,
 * while a free pass would let every fragment but the first through unpoliced.
 */
#ifndef WF_FRAG_BPF_H
#define WF_FRAG_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

static __always_inline void frag_key(const struct wf_pkt *pkt,
				     struct wf_frag_key *fk)
{
	__builtin_memcpy(fk->addr_src, pkt->key.addr_src, 16);
	__builtin_memcpy(fk->addr_dst, pkt->key.addr_dst, 16);
	fk->id = pkt->frag_id;
	fk->proto = pkt->key.proto;
	fk->family = pkt->key.family;
}

/*
 * Record (first fragment) or look up (later one) the datagram's ports.
 * Only protocols with ports: the others match no port rule anyway.
 */
static __noinline void frag_ports(struct wf_pkt *pkt, struct wf_counters *c)
{
	struct wf_frag_key fk = {};
	struct wf_frag *f;

	if (!l4_has_ports(pkt->key.proto))
		return;
	frag_key(pkt, &fk);
	if (pkt->frag == WF_FRAG_FIRST) {
		struct wf_frag v = {
			.port_src = pkt->key.port_src,
			.port_dst = pkt->key.port_dst,
		};

		if (pkt->l4 == WF_L4_PORTS)
			bpf_map_update_elem(&wf_frags, &fk, &v, BPF_ANY);
		return;
	}
	f = bpf_map_lookup_elem(&wf_frags, &fk);
	if (!f) {
		c->frags_no_first++;
		pkt->l4 = WF_L4_ANY;
		return;
	}
	pkt->key.port_src = f->port_src;
	pkt->key.port_dst = f->port_dst;
	pkt->l4 = WF_L4_PORTS;
}

/* After policing: a later fragment is accounted with ports 0, as before. */
static __always_inline void frag_unports(struct wf_pkt *pkt)
{
	if (pkt->frag == WF_FRAG_LATER) {
		pkt->key.port_src = 0;
		pkt->key.port_dst = 0;
	}
}

#endif /* WF_FRAG_BPF_H */
