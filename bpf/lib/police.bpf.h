/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * police.bpf.h - token-bucket policing by prefix, protocol, port,
 * interface and direction; stacked rules; per-rule or per-key buckets.
 *
 * Matching: one longest-prefix lookup per address in the source and
 * destination tries gives the set of rules whose prefixes cover the packet
 * (a __u64, one bit per rule); each candidate then checks protocol, ports,
 * interface and direction. Bounded: two trie lookups and at most
 * WF_MAX_RULES rule checks per packet, in a bpf_loop.
 *
 * Semantics: a packet passes only if it fits the bucket of every rule it
 * matches. Rules are tried in config order; each bucket that admits the
 * packet is charged, and the first that refuses it stops the walk and drops
 * the packet - the buckets before it keep the charge, as each `limit` an
 * nftables rule passes does. A refusal charges nothing. Every matching rule
 * counts the packet as passed or dropped, whichever the verdict.
 *
 * Buckets (wf_tb_next in wf_shared.h) are one __u64 each, updated with a
 * compare-and-swap (wf_update), so two CPUs never both spend the same tokens.
 */
#ifndef WF_POLICE_BPF_H
#define WF_POLICE_BPF_H

#include "atomic.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "flow.bpf.h"
#include "time.bpf.h"

/* Compare-and-swap attempts before a contended bucket refuses the packet. */
#define WF_TB_TRIES 16

struct police_walk {
	struct wf_pkt *pkt;
	__u64 charged;		/* shared (group) buckets already charged */
	__u64 now;		/* wf_now_fine(), for the buckets */
	__u64 acct_now;		/* wf_now(), for the rule's windowed rates */
	__u64 bytes;
	__u64 candidates;	/* from the tries */
	__u64 matched;		/* candidates whose other fields match */
	int dropped;
	struct wf_counters *c;
};

static __always_inline __u64 lpm_rules(void *trie4, void *trie6,
				       const struct wf_flow_key *k,
				       const __u32 *addr)
{
	__u64 *set;

	if (k->family == WF_FAMILY_IPV4) {
		struct wf_lpm4 key = { .prefixlen = 32, .addr = addr[0] };

		set = bpf_map_lookup_elem(trie4, &key);
	} else {
		struct wf_lpm6 key = { .prefixlen = 128 };

		__builtin_memcpy(key.addr, addr, 16);
		set = bpf_map_lookup_elem(trie6, &key);
	}
	return set ? *set : 0;
}

static __always_inline int in_range(__u16 v, __u16 lo, __u16 hi)
{
	return v >= lo && v <= hi;
}

static __always_inline int rule_matches(const struct wf_rule *r,
					const struct wf_pkt *pkt)
{
	const struct wf_flow_key *k = &pkt->key;

	if (!r->active || !(r->dirs & (1u << k->dir)))
		return 0;
	if ((r->flags & WF_RULE_PROTO) && r->proto != k->proto)
		return 0;
	if ((r->flags & WF_RULE_IFINDEX) && r->ifindex != k->ifindex)
		return 0;
	if ((r->flags & WF_RULE_SPORT) &&
	    !in_range(k->port_src, r->sport_lo, r->sport_hi))
		return 0;
	if ((r->flags & WF_RULE_DPORT) &&
	    !in_range(k->port_dst, r->dport_lo, r->dport_hi))
		return 0;
	if ((r->flags & WF_RULE_PID) && (!pkt->pid || pkt->pid != r->pid))
		return 0;
	if ((r->flags & WF_RULE_COMM) &&
	    (!pkt->pid || pkt->comm[0] != ((const __u64 *)r->comm)[0] ||
	     pkt->comm[1] != ((const __u64 *)r->comm)[1]))
		return 0;
	if ((r->flags & WF_RULE_EXE) &&
	    (!pkt->pid || pkt->exe_ino != r->exe_ino || pkt->exe_dev != r->exe_dev))
		return 0;
	if ((r->flags & WF_RULE_CGROUP) &&
	    (r->cgroup_level >= WF_CG_LEVELS ||
	     pkt->cg[r->cgroup_level & (WF_CG_LEVELS - 1)] != r->cgroup_id))
		return 0;
	return 1;
}

/* The bucket of rule `id` for this packet; NULL only if it cannot be made. */
static __always_inline struct wf_bucket *bucket_of(const struct wf_rule *r,
						   const struct wf_pkt *pkt)
{
	const struct wf_flow_key *k = &pkt->key;
	struct wf_bucket_key key = { .rule = r->slot };
	struct wf_bucket zero = {}, *b;

	if (r->per == WF_PER_RULE) {
		__u32 shared = r->bucket;

		return bpf_map_lookup_elem(&wf_rule_buckets, &shared);
	}
	key.flow.family = k->family;
	if (r->per == WF_PER_SRC_IP) {
		__builtin_memcpy(key.flow.addr_src, k->addr_src, 16);
	} else if (r->per == WF_PER_DST_IP) {
		__builtin_memcpy(key.flow.addr_dst, k->addr_dst, 16);
	} else {
		key.flow = *k;
		key.flow.dir = 0;
		key.flow.ifindex = 0;
	}
	b = bpf_map_lookup_elem(&wf_keyed, &key);
	if (b)
		return b;
	/* A new key starts full. Another CPU may win the insert: use theirs. */
	bpf_map_update_elem(&wf_keyed, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&wf_keyed, &key);
}

/* Charge `cost` to the bucket if it fits. 1: charged, 0: refused. */
static __always_inline int tb_consume(struct wf_bucket *b, __u64 now,
				      __u64 cost, __u64 burst_ns)
{
	int i;

	for (i = 0; i < WF_TB_TRIES; i++) {
		__u64 old = *(volatile __u64 *)&b->tat_ns;
		__u64 next = wf_tb_next(old, now, cost, burst_ns);

		if (!next)
			return 0;
		if (wf_update(&b->tat_ns, old, next))
			return 1;
	}
	return 0;
}

/* bpf_loop body: rule i, if it is a candidate. Returns 1 to stop. */
static long police_rule(__u32 i, void *data)
{
	struct police_walk *w = data;
	struct wf_rule *r;
	struct wf_bucket *b;

	if (i >= WF_MAX_RULES || !(w->candidates & (1ULL << i)))
		return 0;
	r = bpf_map_lookup_elem(&wf_rules, &i);
	if (!r || !rule_matches(r, w->pkt))
		return 0;
	w->matched |= 1ULL << i;
	if (w->dropped)
		return 0;	/* still collect the matches, for the counters */
	/* Two rules of one group (a cgroup and its child): charge once. */
	if (r->per == WF_PER_RULE && r->group < WF_MAX_RULES) {
		if (w->charged & (1ULL << r->group))
			return 0;
		w->charged |= 1ULL << r->group;
	}
	b = bucket_of(r, w->pkt);
	if (!b) {
		w->c->bucket_errors++;
		w->dropped = 1;	/* fail closed: the limit holds */
		return 0;
	}
	if (!tb_consume(b, w->now, wf_tb_cost(w->bytes, r->ns_per_byte),
			r->burst_ns))
		w->dropped = 1;
	return 0;
}

/* bpf_loop body: count the packet on matched rule i. */
static long police_count(__u32 i, void *data)
{
	struct police_walk *w = data;
	struct wf_rule_counters *rc;
	struct wf_flow *acct;
	struct wf_rule *r;
	__u32 slot;

	if (i >= WF_MAX_RULES || !(w->matched & (1ULL << i)))
		return 0;
	r = bpf_map_lookup_elem(&wf_rules, &i);
	if (!r)
		return 0;
	slot = r->slot;
	rc = bpf_map_lookup_elem(&wf_rule_stats, &slot);
	if (!rc)
		return 0;
	if (w->dropped) {
		rc->dropped += pkt_segs(w->pkt);
		rc->dropped_bytes += w->bytes;
		return 0;
	}
	rc->passed += pkt_segs(w->pkt);
	rc->passed_bytes += w->bytes;
	acct = bpf_map_lookup_elem(&wf_rule_acct, &slot);
	if (acct)
		acct_add(acct, w->bytes, pkt_segs(w->pkt), w->acct_now);
	return 0;
}

/* Index of the highest set bit, plus one; 0 for 0 (the kernel's fls64). */
static __always_inline __u32 wf_fls64(__u64 x)
{
	__u32 n = 0;

	if (x >> 32) {
		n += 32;
		x >>= 32;
	}
	if (x >> 16) {
		n += 16;
		x >>= 16;
	}
	if (x >> 8) {
		n += 8;
		x >>= 8;
	}
	if (x >> 4) {
		n += 4;
		x >>= 4;
	}
	if (x >> 2) {
		n += 2;
		x >>= 2;
	}
	if (x >> 1) {
		n += 1;
		x >>= 1;
	}
	return n + (__u32)x;
}

/*
 * 1 if some rule drops the packet, 0 if it passes. `rules` is the set this
 * hook enforces (all rules, or those with / without a cgroup).
 */
static __always_inline int police_packet(struct wf_pkt *pkt, __u64 now,
					 struct wf_counters *c, __u64 rules)
{
	struct police_walk w = {
		.pkt = pkt,
		.acct_now = now,
		.bytes = pkt_bytes(pkt),
		.c = c,
	};

	if (!wf_police)
		return 0;
	w.now = wf_now_fine();
	w.candidates = rules &
		       lpm_rules(&wf_src4, &wf_src6, &pkt->key,
				 pkt->key.addr_src) &
		       lpm_rules(&wf_dst4, &wf_dst6, &pkt->key,
				 pkt->key.addr_dst);
	if (!w.candidates)
		return 0;
	/* Walk rule ids only up to the highest candidate. */
	bpf_loop(wf_fls64(w.candidates), police_rule, &w, 0);
	if (w.matched)
		bpf_loop(wf_fls64(w.matched), police_count, &w, 0);
	if (w.dropped) {
		c->dropped += pkt_segs(pkt);
		c->dropped_bytes += w.bytes;
	}
	return w.dropped;
}

#endif /* WF_POLICE_BPF_H */
