/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * match.bpf.h - which rules a packet description matches: by prefix,
 * protocol, port, interface, direction, cgroup and owning process.
 *
 * One longest-prefix lookup per address in the source and destination
 * tries gives the set of rules whose prefixes cover the packet (a __u64,
 * one bit per rule id); each candidate then checks its other fields.
 * Bounded: two trie lookups and at most WF_MAX_RULES rule checks, walked
 * in a bpf_loop up to the highest candidate. Rule ids follow the config,
 * which is the order of evaluation.
 */
#ifndef WF_MATCH_BPF_H
#define WF_MATCH_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

/*
 * Not inlined: its key would sit in the frame of wf_police_pkt(), which
 * tc egress's steering path can afford only 96 bytes of (512 in all).
 */
static __noinline __u64 lpm_rules(void *trie4, void *trie6,
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

/*
 * The rules of `rules` whose source and destination prefixes cover pkt
 * (a trie is asked only if a rule left names a prefix on its side: each
 * look-up is a call), less those whose destination ports exclude pkt's
 * (wf_dport_skip): with
 * ports read (WF_L4_PORTS) l4_matches() would refuse them anyway; with
 * ports unknown or absent the filter stays out of l4_matches()' way.
 */
static __always_inline __u64 match_candidates(const struct wf_pkt *pkt,
					      __u64 rules)
{
	const struct wf_flow_key *k = &pkt->key;

	rules &= wf_rule_ids;
	if (pkt->l4 == WF_L4_PORTS) {
		__u32 port = k->port_dst;
		__u64 *skip = bpf_map_lookup_elem(&wf_dport_skip, &port);

		if (skip)
			rules &= ~*skip;
	}
	if (rules & wf_src_prefixed)
		rules &= lpm_rules(&wf_src4, &wf_src6, k, k->addr_src);
	if (rules & wf_dst_prefixed)
		rules &= lpm_rules(&wf_dst4, &wf_dst6, k, k->addr_dst);
	return rules;
}

static __always_inline int in_range(__u16 v, __u16 lo, __u16 hi)
{
	return v >= lo && v <= hi;
}

/* Owner fields are set only by hooks that see the socket (owner.bpf.h). */
static __always_inline int owner_matches(const struct wf_rule *r,
					 const struct wf_pkt *pkt)
{
	if ((r->flags & WF_RULE_PID) && (!pkt->pid || pkt->pid != r->pid))
		return 0;
	if ((r->flags & WF_RULE_COMM) &&
	    (!pkt->pid || pkt->comm[0] != ((const __u64 *)r->comm)[0] ||
	     pkt->comm[1] != ((const __u64 *)r->comm)[1]))
		return 0;
	if ((r->flags & WF_RULE_EXE) &&
	    (!pkt->pid || pkt->exe_ino != r->exe_ino ||
	     pkt->exe_dev != r->exe_dev))
		return 0;
	return 1;
}

/*
 * A rule's proto and ports. Ports without proto mean TCP and UDP (README);
 * with proto the config allows only tcp, udp and sctp. Ports that were not
 * read never satisfy a range, unless they are unknown only because we
 * could not see them (WF_L4_ANY, WF_L4_UNKNOWN): such a packet is charged
 * as if it matched, since letting it pass would be the bypass.
 */
static __always_inline int l4_matches(const struct wf_rule *r,
				      const struct wf_pkt *pkt)
{
	const struct wf_flow_key *k = &pkt->key;
	int unknown = pkt->l4 == WF_L4_UNKNOWN;

	if ((r->flags & WF_RULE_PROTO) && r->proto != k->proto && !unknown)
		return 0;
	if (!(r->flags & (WF_RULE_SPORT | WF_RULE_DPORT)))
		return 1;
	if (unknown)
		return 1;
	if (!(r->flags & WF_RULE_PROTO) && k->proto != IPPROTO_TCP &&
	    k->proto != IPPROTO_UDP)
		return 0;
	if (pkt->l4 == WF_L4_ANY)
		return 1;
	if (pkt->l4 != WF_L4_PORTS)
		return 0;
	if ((r->flags & WF_RULE_SPORT) &&
	    !in_range(k->port_src, r->sport_lo, r->sport_hi))
		return 0;
	return !(r->flags & WF_RULE_DPORT) ||
	       in_range(k->port_dst, r->dport_lo, r->dport_hi);
}

static __always_inline int rule_matches(const struct wf_rule *r,
					const struct wf_pkt *pkt)
{
	const struct wf_flow_key *k = &pkt->key;

	if (!r->active || !(r->dirs & (1u << k->dir)))
		return 0;
	if ((r->flags & WF_RULE_IFINDEX) && r->ifindex != k->ifindex)
		return 0;
	if (!l4_matches(r, pkt))
		return 0;
	if (!owner_matches(r, pkt))
		return 0;
	if ((r->flags & WF_RULE_CGROUP) &&
	    (r->cgroup_level >= WF_CG_LEVELS ||
	     pkt->cg[r->cgroup_level & (WF_CG_LEVELS - 1)] != r->cgroup_id))
		return 0;
	return 1;
}

/* Rule id i if it is among `candidates` and matches pkt, else NULL. */
static __always_inline struct wf_rule *match_rule(__u32 i, __u64 candidates,
						  const struct wf_pkt *pkt)
{
	struct wf_rule *r;

	if (i >= WF_MAX_RULES || !(candidates & (1ULL << i)))
		return NULL;
	r = bpf_map_lookup_elem(&wf_rules, &i);
	if (!r || !rule_matches(r, pkt))
		return NULL;
	return r;
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

/* Bits set in x (the SWAR count: no loop, no branch). */
static __always_inline __u32 wf_popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((x * 0x0101010101010101ULL) >> 56);
}

/* Bit index of (x & -x) * WF_DEBRUIJN >> 58, a de Bruijn sequence. */
#define WF_DEBRUIJN 0x03f79d71b4cb0a89ULL
static const __u8 wf_debruijn_bit[64] = {
	0,  1,	48, 2,	57, 49, 28, 3,	61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,	13, 8,	7,  6,
};

/*
 * The lowest rule id in *todo, taken out of it; -1 when empty. Walks
 * visit only the rules in a set, in id (config) order. A table look-up,
 * not wf_fls64()'s branches: the verifier (6.8+) walks a bpf_loop body
 * until its states repeat, and branches on *todo would make it track
 * every value *todo takes - a value read from the table it cannot know.
 */
static __always_inline int wf_take_lowest(__u64 *todo)
{
	__u64 x = *todo;

	if (!x)
		return -1;
	*todo = x & (x - 1);
	return wf_debruijn_bit[((x & -x) * WF_DEBRUIJN) >> 58];
}

struct match_first_walk {
	const struct wf_pkt *pkt;
	__u64 candidates;
	int found; /* rule id + 1, 0: none */
};

static long match_first_rule(__u32 i, void *data)
{
	struct match_first_walk *w = data;

	if (!match_rule(i, w->candidates, w->pkt))
		return 0;
	w->found = (int)i + 1;
	return 1;
}

/* The id of the first rule of `rules` that pkt matches, or -1. */
static __always_inline int match_first(const struct wf_pkt *pkt, __u64 rules)
{
	struct match_first_walk w = {
		.pkt = pkt,
		.candidates = match_candidates(pkt, rules),
	};

	if (!w.candidates)
		return -1;
	bpf_loop(wf_fls64(w.candidates), match_first_rule, &w, 0);
	return w.found - 1;
}

#endif /* WF_MATCH_BPF_H */
