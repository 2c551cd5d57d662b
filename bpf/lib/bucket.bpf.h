/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bucket.bpf.h - token buckets: which bucket a rule charges for a packet
 * (the rule's own, or one per source, destination or flow) and charging it.
 *
 * A bucket (wf_tb_next in wf_shared.h) is one __u64, its theoretical
 * arrival time, updated with a compare-and-swap (wf_update), so two CPUs
 * never both spend the same tokens.
 */
#ifndef WF_BUCKET_BPF_H
#define WF_BUCKET_BPF_H

#include "atomic.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"

/* Compare-and-swap attempts before a contended bucket refuses the packet. */
#define WF_TB_TRIES 16

/* The bucket of rule r for this packet; NULL only if it cannot be made. */
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

/*
 * Charge `cost` to the bucket if it fits: the bucket's new theoretical
 * arrival time (never 0 after a charge, as now > 0), or 0: refused.
 */
static __always_inline __u64 tb_consume(struct wf_bucket *b, __u64 now,
					__u64 cost, __u64 burst_ns)
{
	int i;

	for (i = 0; i < WF_TB_TRIES; i++) {
		__u64 old = *(volatile __u64 *)&b->tat_ns;
		__u64 next = wf_tb_next(old, now, cost, burst_ns);

		if (!next)
			return 0;
		if (wf_update(&b->tat_ns, old, next))
			return next;
	}
	return 0;
}

enum wf_charge {
	WF_CHARGED, /* admitted (or its group already charged) */
	/*
	 * Admitted, leaving less than WF_TB_LOW_SHIFT's share of the burst:
	 * a local TCP sender is told to slow down (cgroup.bpf.c).
	 */
	WF_CHARGED_LOW,
	WF_REFUSED,
	WF_NO_BUCKET, /* the per-key table could not make one */
};

/* "Low": less than 1/4 of the burst left after the charge. */
#define WF_TB_LOW_SHIFT 2

/*
 * Charge `bytes` at time `now` to rule r's bucket for pkt. `charged` holds
 * the shared buckets this packet has paid already: two rules of one group
 * (a cgroup and its child) charge it once.
 */
static __always_inline enum wf_charge bucket_charge(const struct wf_rule *r,
						    const struct wf_pkt *pkt,
						    __u64 now, __u64 bytes,
						    __u64 *charged)
{
	struct wf_bucket *b;
	__u64 next;

	if (r->per == WF_PER_RULE && r->group < WF_MAX_RULES) {
		if (*charged & (1ULL << r->group))
			return WF_CHARGED;
		*charged |= 1ULL << r->group;
	}
	b = bucket_of(r, pkt);
	if (!b)
		return WF_NO_BUCKET;
	next = tb_consume(b, now, wf_tb_cost(bytes, r->ns_per_byte),
			  r->burst_ns);
	if (!next)
		return WF_REFUSED;
	/* next - now: the part of the burst in use (wf_tb_next). */
	if (next - now > r->burst_ns - (r->burst_ns >> WF_TB_LOW_SHIFT))
		return WF_CHARGED_LOW;
	return WF_CHARGED;
}

#endif /* WF_BUCKET_BPF_H */
