/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * police.bpf.h - stacked token-bucket rules: matching (match.bpf.h) and
 * buckets (bucket.bpf.h) walked together, then each matched rule's counters.
 *
 * Semantics: a packet passes only if it fits the bucket of every rule it
 * matches. Rules are tried in config order; each bucket that admits the
 * packet is charged, and the first that refuses it stops the charging and
 * drops the packet - the buckets before it keep the charge, as each `limit`
 * an nftables rule passes does. A refusal charges nothing. Every matching
 * rule counts the packet as passed or dropped, whichever the verdict.
 *
 * The rule counters live here, not in bucket.bpf.h: a rule's count depends
 * on the verdict of the whole walk (a later rule's refusal makes an earlier
 * rule count a drop), which only this walk knows.
 */
#ifndef WF_POLICE_BPF_H
#define WF_POLICE_BPF_H

#include "bucket.bpf.h"
#include "flow.bpf.h"
#include "maps.bpf.h"
#include "match.bpf.h"
#include "time.bpf.h"

/*
 * What police_packet() (and wf_police_pkt()) says of a packet: enum
 * wf_policed in the low bits, and above them the lowest rate among the
 * rules it matched, in kbit/s (0: none; capped at WF_PACE_KBPS_MAX - 1,
 * 268 Gbit/s, which no sender is paced at). The rate travels in the return
 * value: what a global function writes through a pointer is not seen by
 * its caller's verifier on every kernel, and the tc programs' three frames
 * have no 8 bytes of stack to spare.
 */
enum wf_policed {
	WF_POLICED_PASS,
	WF_POLICED_DROP,
	WF_POLICED_LOW, /* passed, leaving a bucket below 1/4 of its burst */
};
#define WF_POLICED_MASK	 3
#define WF_POLICED_SHIFT 2
#define WF_PACE_KBPS_MAX (1U << 28)

struct police_walk {
	struct wf_pkt *pkt;
	__u64 charged;	/* shared (group) buckets already charged */
	__u64 now;	/* wf_now_fine() once read, else 0 */
	__u64 acct_now; /* the tick clock, for the rules' windowed rates and
			 * deep buckets: the caller's, or wf_now_tick() */
	/*
	 * 32 bits each (a GSO packet's wire bytes are far below 4 GiB):
	 * this frame and tc egress's steering path share 512 bytes.
	 */
	__u32 bytes;   /* counted */
	__u32 charge;  /* charged to the buckets (frag.bpf.h) */
	__u64 matched; /* candidates whose other fields match */
	__u64 todo;    /* the candidates (then the matched) a walk has
			   * yet to visit */
	__u16 dropped;
	__u16 low;	 /* a bucket it was charged to is running low */
	__u32 pace_kbps; /* the lowest rate among the matched rules */
	struct wf_counters *c;
};

/* Count the packet on matched rule r, with the walk's verdict. */
static __always_inline void police_count_rule(struct police_walk *w,
					      const struct wf_rule *r)
{
	struct wf_rule_counters *rc;
	struct wf_flow *acct;
	__u32 slot = r->slot;

	rc = bpf_map_lookup_elem(&wf_rule_stats, &slot);
	if (!rc)
		return;
	if (w->dropped) {
		rc->dropped += pkt_segs(w->pkt);
		rc->dropped_bytes += w->bytes;
		return;
	}
	rc->passed += pkt_segs(w->pkt);
	rc->passed_bytes += w->bytes;
	acct = bpf_map_lookup_elem(&wf_rule_acct, &slot);
	if (acct)
		acct_add(acct, w->bytes, pkt_segs(w->pkt), w->acct_now);
}

/*
 * The time rule r's bucket is charged at. A bucket at least 32 ticks deep
 * (wf_tick_burst_ns) takes the tick clock the hook already read: a
 * backlogged bucket's admissions do not depend on the clock's resolution
 * (its theoretical arrival time runs ahead of now), and a clock up to one
 * tick late lets through at most 1/32 of the burst early, which the burst
 * allows anyway - while the fine clock is a helper call and a TSC read,
 * ~25-30 ns of a policed packet's ~150 under a hypervisor (progbench
 * police_64). A shallower bucket would refill in tick-sized steps capped at
 * its depth (time.bpf.h) and reads the fine clock, once per packet.
 */
static __always_inline __u64 walk_now(struct police_walk *w,
				      const struct wf_rule *r)
{
	if (w->acct_now && r->burst_ns >= wf_tick_burst_ns)
		return w->acct_now;
	if (!w->now)
		w->now = wf_now_fine();
	return w->now;
}

/* bpf_loop body: the next candidate rule, if it matches. */
static long police_rule(__u32 n, void *data)
{
	struct police_walk *w = data;
	int id = wf_take_lowest(&w->todo);
	struct wf_rule *r;
	__u32 i;

	if (id < 0)
		return 1;
	i = (__u32)id;
	r = match_rule(i, 1ULL << i, w->pkt); /* i: one of the candidates */
	if (!r)
		return 0;
	w->matched |= 1ULL << i;
	/* The strictest rate the packet meets, for the sender's pacing. */
	if (!w->pace_kbps || r->rate_bps / 1000 < w->pace_kbps)
		w->pace_kbps = r->rate_bps / 1000 < WF_PACE_KBPS_MAX ?
				       (__u32)(r->rate_bps / 1000) :
				       WF_PACE_KBPS_MAX - 1;
	/* Dropped, or paid for by the datagram's first fragment. */
	if (w->dropped || w->pkt->fate == WF_FRAG_PASSED)
		return 0; /* still collect the matches, for the counters */
	switch (bucket_charge(r, w->pkt, walk_now(w, r), w->charge,
			      &w->charged)) {
	case WF_CHARGED:
		break;
	case WF_CHARGED_LOW:
		w->low = 1;
		break;
	case WF_NO_BUCKET:
		w->c->bucket_errors++;
		w->dropped = 1; /* fail closed: the limit holds */
		break;
	default:
		w->dropped = 1;
	}
	/*
	 * Counting the one matching rule here, once the verdict is final,
	 * would spare the second walk; but it grows this frame past 96
	 * bytes, and 6.1 counts a bpf_loop body's frame into tc egress's 512
	 * (320 + wf_police_pkt's 96 + this 96: "combined stack size of 3
	 * calls is 544" with it).
	 */
	return 0;
}

/* bpf_loop body: count the packet on the next matched rule. */
static long police_count(__u32 n, void *data)
{
	struct police_walk *w = data;
	int id = wf_take_lowest(&w->todo);
	struct wf_rule *r;
	__u32 i;

	if (id < 0)
		return 1;
	i = (__u32)id;
	if (i >= WF_MAX_RULES || !(w->matched & (1ULL << i)))
		return 0;
	r = bpf_map_lookup_elem(&wf_rules, &i);
	if (r)
		police_count_rule(w, r);
	return 0;
}

/*
 * WF_POLICED_DROP if some rule drops the packet, WF_POLICED_LOW if it passes
 * but one of its buckets is running low, else WF_POLICED_PASS. `rules` is
 * the set this hook enforces (those with / without a cgroup or process).
 * The lowest rate among the rules it matched rides above (WF_POLICED_SHIFT).
 * now: the caller's tick clock (wf_now()), or 0 where the hook has none
 * (netfilter): then wf_now_tick() is read, once, if some rule may concern
 * the packet.
 */
static __always_inline int police_packet(struct wf_pkt *pkt, __u64 now,
					 struct wf_counters *c, __u64 rules)
{
	struct police_walk w = {
		.pkt = pkt,
		.acct_now = now,
		.bytes = (__u32)pkt_bytes(pkt),
		.c = c,
		/* A later fragment whose first was dropped cannot be used. */
		.dropped = pkt->fate == WF_FRAG_DROPPED,
	};

	if (!wf_police)
		return 0;
	w.charge = pkt->charge ? pkt->charge : w.bytes;
	w.todo = match_candidates(pkt, rules);
	if (!w.todo)
		return 0;
	/* netfilter: a rule may concern the packet, so now it needs a clock. */
	if (!w.acct_now)
		w.acct_now = wf_now_tick();
	/*
	 * Each walk visits only its set's rules, lowest id first, one step
	 * each: an extra step to find the set empty is an extra call.
	 */
	bpf_loop(wf_popcount64(w.todo), police_rule, &w, 0);
	if (!w.matched)
		return 0;
	w.todo = w.matched;
	bpf_loop(wf_popcount64(w.matched), police_count, &w, 0);
	if (w.dropped) {
		c->dropped += pkt_segs(pkt);
		c->dropped_bytes += w.bytes;
		return WF_POLICED_DROP | (int)(w.pace_kbps << WF_POLICED_SHIFT);
	}
	return (w.low ? WF_POLICED_LOW : WF_POLICED_PASS) |
	       (int)(w.pace_kbps << WF_POLICED_SHIFT);
}

#endif /* WF_POLICE_BPF_H */
