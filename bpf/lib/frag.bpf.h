/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * frag.bpf.h - charge a fragmented datagram whole to the rules its first
 * fragment matches, not only its first 1.5 kB.
 *
 * Only a first fragment (offset 0, more to come) carries the ports. After
 * it is policed it writes to wf_frags, under (family, addresses, protocol,
 * identification): its ports, and its fate.
 *  - UDP says the datagram's length in the first fragment, so the buckets
 *    are charged for the whole datagram at once (WF_FRAG_PASSED) and the
 *    later fragments pass free up to what was paid (`credit`), or the
 *    first is dropped and the later ones with it (WF_FRAG_DROPPED). Tokens
 *    are never spent on a datagram that cannot be reassembled: charged one
 *    by one at twice the rate, every datagram got part of the tokens and
 *    almost none arrived whole (tests/e2e/fragments.sh). A first fragment
 *    that lies about its length only buys the later fragments that much
 *    credit; past it they are charged one by one.
 *  - Other protocols (TCP, SCTP): each later fragment is charged with the
 *    first's ports (WF_FRAG_EACH).
 * Flows still account a later fragment with ports 0 (README, "Accounting
 * semantics"), so no byte moves between flows, and rule counters count
 * each fragment's own bytes: only the buckets see the datagram's.
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

#include "flow.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

static __always_inline void frag_key(const struct wf_pkt *pkt, __u32 at,
				     struct wf_frag_key *fk)
{
	fk->at = at;
	__builtin_memcpy(fk->addr_src, pkt->key.addr_src, 16);
	__builtin_memcpy(fk->addr_dst, pkt->key.addr_dst, 16);
	fk->id = pkt->frag_id;
	fk->proto = pkt->key.proto;
	fk->family = pkt->key.family;
}

/*
 * IP bytes of the whole datagram a first UDP fragment opens: its UDP
 * length plus one set of headers (those before the L4 header) per fragment,
 * each fragment carrying as much as this one. 0: not known.
 */
static __always_inline __u32 frag_dgram_bytes(const struct wf_pkt *pkt)
{
	__u32 per, n;

	if (pkt->key.proto != IPPROTO_UDP || pkt->segs > 1 ||
	    pkt->len <= pkt->l4_off || pkt->dgram_len <= pkt->len - pkt->l4_off)
		return 0;
	per = pkt->len - pkt->l4_off;
	n = (pkt->dgram_len + per - 1) / per;
	return pkt->dgram_len + n * pkt->l4_off;
}

/*
 * Before policing. A first fragment: what its buckets are charged. A later
 * one: its datagram's ports and fate, or fail closed.
 */
static __noinline void frag_before(struct wf_pkt *pkt, __u32 at,
				   struct wf_counters *c)
{
	struct wf_frag_key fk = {};
	struct wf_frag *f;
	__s64 bytes;

	if (!l4_has_ports(pkt->key.proto))
		return; /* no port rule can match it anyway */
	if (pkt->frag == WF_FRAG_FIRST) {
		if (pkt->l4 == WF_L4_PORTS)
			pkt->charge = frag_dgram_bytes(pkt);
		return;
	}
	frag_key(pkt, at, &fk);
	f = bpf_map_lookup_elem(&wf_frags, &fk);
	if (!f) {
		if (!at) /* counted where the interface's are (WF_AT_IFACE) */
			c->frags_no_first++;
		pkt->l4 = WF_L4_ANY;
		return;
	}
	pkt->key.port_src = f->port_src;
	pkt->key.port_dst = f->port_dst;
	pkt->l4 = WF_L4_PORTS;
	pkt->fate = f->verdict;
	if (pkt->fate != WF_FRAG_PASSED)
		return;
	/* Paid for by the first, up to its credit; then one by one. */
	bytes = (__s64)pkt_bytes(pkt);
	if (__sync_fetch_and_add(&f->credit, -bytes) < bytes)
		pkt->fate = WF_FRAG_EACH;
}

/* After policing a first fragment: leave its ports and fate for the rest. */
static __noinline void frag_after(struct wf_pkt *pkt, __u32 at, int dropped)
{
	struct wf_frag_key fk = {};
	struct wf_frag v = {
		.port_src = pkt->key.port_src,
		.port_dst = pkt->key.port_dst,
	};

	if (pkt->frag != WF_FRAG_FIRST || pkt->l4 != WF_L4_PORTS)
		return;
	if (dropped) {
		v.verdict = WF_FRAG_DROPPED;
	} else if (pkt->charge) {
		v.verdict = WF_FRAG_PASSED;
		v.credit = (__s64)pkt->charge - (__s64)pkt_bytes(pkt);
	}
	frag_key(pkt, at, &fk);
	bpf_map_update_elem(&wf_frags, &fk, &v, BPF_ANY);
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
