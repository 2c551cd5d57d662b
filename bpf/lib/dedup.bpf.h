/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * dedup.bpf.h - traffic that cannot wait for a failover: the packets a
 * route's `duplicate:` selectors pick leave by the route's two best usable
 * paths at once, and the far end keeps the first copy that arrives.
 *
 * Sending (tc egress of a path device): the packet is cloned to the second
 * path's device (bpf_clone_redirect) and sent on by the first. Both copies
 * meet this program again at the device they were moved to, nested in the
 * move on the same CPU: the per-CPU note of the move (wf_agg_hop, checked
 * by tc_steer in tc.bpf.c) tells them apart from new packets, and they are
 * accounted, not steered.
 *
 * Receiving (tc ingress of a path device): a packet from a route's
 * destination whose reply direction a selector picks (source and
 * destination, ports swapped: one selector covers both directions) is
 * looked up by a 64-bit hash of what both copies share and a legitimate
 * repeat may not: both addresses, protocol, IP length, for IPv4 the
 * identification and fragment field, and the first 64 bytes from the L4
 * header on (ports, TCP sequence numbers, UDP payload, RTP sequence...).
 * TTL, TOS/ECN and checksums of the IP header are left out: a tunnel may
 * change them. Per content the entry counts how many times each of the
 * route's paths delivered it within the route's window (duplicate_window,
 * 1 s by default) of the last arrival;
 * a packet passes when its path's count, this one included, is above every
 * other path's. Both copies of one packet raise two paths' counts to 1: the
 * first passes, the second does not. A legitimate repeat - the same content
 * sent again, itself copied - raises them to 2: again one passes. So repeats
 * are never dropped, whatever the order the copies arrive in, as long as
 * each path delivers its copies in order; what can drop a packet wrongly is
 * a path that lost one copy of a repeated content (or of another content
 * with the same hash) within the window. Counts saturate at 15 arrivals of
 * one content per path per window.
 *
 * Concurrency: the state of one content is one __u64 (8 counts of 4 bits,
 * the time in ms) updated by compare-and-swap: the two copies of a packet
 * arriving on two CPUs at once are decided one after the other.
 */
#ifndef WF_DEDUP_BPF_H
#define WF_DEDUP_BPF_H

#include "aggregate.bpf.h"
#include "atomic.bpf.h"
#include "maps.bpf.h"
#include "steer.bpf.h"
#include "time.bpf.h"

#define WF_DEDUP_BYTES 64
#define WF_DEDUP_TRIES 4

/* Returned by wf_dup_egress(): not selected, steer as usual. */
#define WF_DUP_NO (-1)
/* Selected, and this is the first path's device: account it, stay. */
#define WF_DUP_HERE (-2)

static __always_inline int dup_addr_in(const __u32 *a, const __u32 *net,
				       const __u32 *mask)
{
	return (a[0] & mask[0]) == net[0] && (a[1] & mask[1]) == net[1] &&
	       (a[2] & mask[2]) == net[2] && (a[3] & mask[3]) == net[3];
}

/* Does one of dup's selectors pick pkt (reverse: as its reply)? */
static __always_inline int dup_select(const struct wf_dup *d,
				      const struct wf_pkt *pkt, int reverse)
{
	const __u32 *src = reverse ? pkt->key.addr_dst : pkt->key.addr_src;
	const __u32 *dst = reverse ? pkt->key.addr_src : pkt->key.addr_dst;
	__u16 sport = reverse ? pkt->key.port_dst : pkt->key.port_src;
	__u16 dport = reverse ? pkt->key.port_src : pkt->key.port_dst;
	int i;

	for (i = 0; i < WF_DUP_SELS; i++) {
		const struct wf_dup_sel *s = &d->sel[i];

		if (i >= d->n_sel)
			break;
		if (s->family && s->family != pkt->key.family)
			continue;
		if (s->proto && s->proto != pkt->key.proto)
			continue;
		if (s->sport_lo || s->sport_hi != 0xffff || s->dport_lo ||
		    s->dport_hi != 0xffff) {
			if (pkt->l4 != WF_L4_PORTS ||
			    (!s->proto && pkt->key.proto != IPPROTO_TCP &&
			     pkt->key.proto != IPPROTO_UDP))
				continue;
			if (sport < s->sport_lo || sport > s->sport_hi ||
			    dport < s->dport_lo || dport > s->dport_hi)
				continue;
		}
		if (!dup_addr_in(src, s->src, s->src_mask) ||
		    !dup_addr_in(dst, s->dst, s->dst_mask))
			continue;
		return 1;
	}
	return 0;
}

static __always_inline void dup_count(__u8 path, int copies, int passed,
				      int dropped)
{
	__u32 id = path;
	struct wf_dup_counters *dc = bpf_map_lookup_elem(&wf_dup_stats, &id);

	if (!dc)
		return;
	dc->copies += copies;
	dc->passed += passed;
	dc->dropped += dropped;
}

/*
 * Egress of a path device: WF_DUP_NO, WF_DUP_HERE, or the tc action for a
 * selected packet (its copy already sent). Global: checked once on its own.
 */
__weak __noinline int wf_dup_egress(struct __sk_buff *skb, struct wf_pkt *pkt)
{
	__u32 zero = 0, a, b, id;
	struct wf_dup *d;
	__u64 *hop, *rid;

	if (!skb || !pkt)
		return WF_DUP_NO;
	hop = bpf_map_lookup_elem(&wf_agg_hop, &zero);
	if (!hop)
		return WF_DUP_NO;
	rid = steer_route_id(&pkt->key);
	if (!rid)
		return WF_DUP_NO;
	id = *rid;
	d = bpf_map_lookup_elem(&wf_dups, &id);
	if (!d || !d->ifindex[0] || !dup_select(d, pkt, 0))
		return WF_DUP_NO;
	a = d->ifindex[0];
	b = d->ifindex[1];
	if (b && b != a) {
		*hop = agg_hop(b, pkt->len);
		if (!bpf_clone_redirect(skb, b, 0))
			dup_count(d->path[1], 1, 0, 0);
		*hop = 0; /* consumed by the copy's pass, or the copy failed */
	}
	if (a == skb->ifindex)
		return WF_DUP_HERE;
	*hop = agg_hop(a, pkt->len);
	return bpf_redirect(a, 0);
}

static __always_inline __u64 dedup_mix(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* The content hash (see the top of this file); 0 if it cannot be read. */
static __always_inline __u64 dedup_hash(struct __sk_buff *skb,
					const struct wf_pkt *pkt)
{
	__u32 zero = 0, off, n, idfrag = 0;
	__u64 h = 0x6a09e667f3bcc909ULL, *buf;
	int i;

	buf = bpf_map_lookup_elem(&wf_dedup_buf, &zero);
	if (!buf)
		return 0;
	for (i = 0; i < 4; i++) {
		h = dedup_mix(h, pkt->key.addr_src[i]);
		h = dedup_mix(h, pkt->key.addr_dst[i]);
	}
	h = dedup_mix(h, ((__u64)pkt->len << 16) |
				 ((__u64)pkt->key.proto << 8) |
				 pkt->key.family);
	if (pkt->key.family == WF_FAMILY_IPV4 &&
	    !bpf_skb_load_bytes(skb, 4, &idfrag, sizeof(idfrag)))
		h = dedup_mix(h, idfrag);
	off = pkt->l4_off ? pkt->l4_off : pkt->hdr_len;
	n = pkt->len > off ? pkt->len - off : 0;
	if (n > WF_DEDUP_BYTES)
		n = WF_DEDUP_BYTES;
	for (i = 0; i < WF_DEDUP_BYTES / 8; i++)
		buf[i] = 0;
	/* ((n - 1) & 63) + 1 is n for n in 1..64, in a form whose bounds
	 * every verifier tracks (a clamp alone loses them on 6.1). */
	if (n && off < 0xffff &&
	    bpf_skb_load_bytes(skb, off, buf,
			       ((n - 1) & (WF_DEDUP_BYTES - 1)) + 1))
		return 0;
	for (i = 0; i < WF_DEDUP_BYTES / 8; i++)
		h = dedup_mix(h, buf[i]);
	return h ? h : 1;
}

/* The 4-bit count of route path i in a state word, and the time in ms. */
static __always_inline __u32 dedup_cnt(__u64 st, int i)
{
	return (st >> (4 * i)) & 0xf;
}

/*
 * Decide a packet whose copies come by path index slot: 1 to pass it. The
 * entry state: counts in bits 0-31, the last arrival's time (ms) in 32-63.
 */
static __always_inline int dedup_decide(__u64 *st, int slot, __u32 now_ms,
					__u32 window_ms, __u64 *out)
{
	__u64 old = *st, next;
	__u32 c, other = 0, counts;
	__s32 since = (__s32)(now_ms - (__u32)(old >> 32));
	int i;

	counts = (__u32)old;
	/* Signed: the other copy, decided just before on another CPU, may
	 * have read the clock a tick later than this one did. That is no
	 * time, not a 49-day gap that restarts the counts (it let both
	 * copies of one datagram pass). */
	if (since > (__s32)window_ms)
		counts = 0;
	else if (since < 0)
		now_ms = (__u32)(old >> 32);
	c = (counts >> (4 * slot)) & 0xf;
	if (c < 15)
		c++;
	for (i = 0; i < WF_ROUTE_PATHS; i++)
		if (i != slot && dedup_cnt(counts, i) > other)
			other = dedup_cnt(counts, i);
	counts = (counts & ~(0xfU << (4 * slot))) | (c << (4 * slot));
	next = ((__u64)now_ms << 32) | counts;
	*out = next;
	return c > other;
}

/*
 * Ingress of a path device: 1 to drop pkt as a second copy. Global: checked
 * once on its own.
 */
__weak __noinline int wf_dup_ingress(struct __sk_buff *skb, struct wf_pkt *pkt)
{
	struct wf_dedup_key key = {};
	struct wf_flow_key rev = {};
	__u64 *rid, *st, next = 0, init;
	struct wf_route *r;
	struct wf_dup *d;
	__u32 id, now_ms, window_ms;
	int i, slot = -1, pass = 1;

	if (!skb || !pkt)
		return 0;
	/* The route whose destinations this packet comes from. */
	__builtin_memcpy(rev.addr_dst, pkt->key.addr_src, sizeof(rev.addr_dst));
	rev.family = pkt->key.family;
	rid = steer_route_id(&rev);
	if (!rid)
		return 0;
	id = *rid;
	d = bpf_map_lookup_elem(&wf_dups, &id);
	r = bpf_map_lookup_elem(&wf_routes, &id);
	if (!d || !r || !dup_select(d, pkt, 1))
		return 0;
	for (i = 0; i < WF_ROUTE_PATHS; i++) {
		if (i >= r->n_paths)
			break;
		if (r->paths[i].ifindex == skb->ifindex) {
			slot = i;
			break;
		}
	}
	if (slot < 0 || slot >= WF_ROUTE_PATHS)
		return 0;
	key.hash = dedup_hash(skb, pkt);
	key.route = id;
	if (!key.hash)
		return 0;
	now_ms = (__u32)(wf_now() / 1000000);
	window_ms = d->window_ms ? d->window_ms : WF_DUP_WINDOW_MS;
	init = ((__u64)now_ms << 32) | (1ULL << (4 * slot));
	st = bpf_map_lookup_elem(&wf_dedup, &key);
	if (!st && !bpf_map_update_elem(&wf_dedup, &key, &init, BPF_NOEXIST))
		goto out; /* the first of this content: passes */
	if (!st)
		st = bpf_map_lookup_elem(&wf_dedup, &key);
	if (!st)
		goto out; /* no room: pass rather than lose it */
	for (i = 0; i < WF_DEDUP_TRIES; i++) {
		__u64 old = *st;

		pass = dedup_decide(&old, slot, now_ms, window_ms, &next);
		if (wf_update(st, old, next))
			break;
	}
out:
	dup_count(r->paths[slot].path, 0, pass, !pass);
	return !pass;
}

#endif /* WF_DEDUP_BPF_H */
