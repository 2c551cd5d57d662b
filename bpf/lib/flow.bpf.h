/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * flow.bpf.h - per-flow accounting: bytes, packets and windowed rates.
 *
 * Concurrency: one wf_flows entry is shared by every CPU that sees the flow
 * (RSS, or two senders on two CPUs). We chose atomics over the two other
 * ways to be exact:
 *  - per-CPU values (LRU_PERCPU_HASH) are exact too, but the window roll needs
 *    one consistent view of the bytes of all CPUs, which the datapath cannot
 *    get; rates would have to move to a userspace timer;
 *  - bpf_spin_lock is not allowed in LRU hash values.
 * So counters use atomic adds (lock xadd), and the window roll is claimed by
 * exactly one CPU with a compare-and-swap on win_start_ns; that CPU reads the
 * byte counter once and moves win_base to it: a byte another CPU adds at the
 * same moment lands in this window or the next, never in both or neither.
 * The rate fields and win_base are written only by the claiming CPU.
 */
#ifndef WF_FLOW_BPF_H
#define WF_FLOW_BPF_H

#include "atomic.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "time.bpf.h"

/*
 * Close the open window if it has lasted wf_window_ns, turning its bytes into
 * rate_inst and folding that into rate_peak, rate_smooth and rate_avg.
 */
static __always_inline void flow_window_roll(struct wf_flow *f, __u64 now)
{
	__u64 start = *(volatile __u64 *)&f->win_start_ns;
	__u64 span, bytes, total, inst;

	/* now < start: another CPU's clock got there first; not our roll. */
	if (now <= start || now - start < wf_window_ns)
		return;
	if (__sync_val_compare_and_swap(&f->win_start_ns, start, now) != start)
		return;

	span = now - start;
	total = *(volatile __u64 *)&f->bytes;
	bytes = total - f->win_base;
	f->win_base = total;
	inst = wf_rate(bytes, span);
	f->rate_inst = inst;
	if (inst > f->rate_peak)
		f->rate_peak = inst;
	f->rate_smooth = wf_smooth(f->rate_smooth, inst, span / wf_window_ns,
				   f->windows != 0);
	f->rate_avg = wf_rate(total, f->last_ns - f->first_ns);
	f->windows++;
}

/*
 * First packet of a flow: insert it with the packet already counted, and do
 * not look it up again. A lookup marks an LRU entry as recently used: after
 * every insert, a flood of one-packet flows would look as busy as a real
 * flow, and the table would evict the real flows with the flood's. Returns
 * NULL if the packet is counted, else the entry another CPU inserted since
 * our lookup (NOEXIST keeps its counts), where the caller counts it.
 */
static __noinline struct wf_flow *flow_insert(struct wf_flow_key *key,
					      __u64 now, struct wf_counters *c,
					      __u64 bytes, __u64 segs)
{
	struct wf_flow init = {
		.bytes = bytes,
		.packets = segs,
		.first_ns = now,
		.last_ns = now,
		.win_start_ns = now,
	};
	struct wf_flow *f;

	if (bpf_map_update_elem(&wf_flows, key, &init, BPF_NOEXIST) == 0) {
		c->flows_created++;
		return NULL;
	}
	f = bpf_map_lookup_elem(&wf_flows, key);
	if (!f)
		c->flow_errors++;
	return f;
}

/* Add one packet of `bytes` over `segs` wire packets to a flow or a rule. */
static __always_inline void acct_add(struct wf_flow *f, __u64 bytes, __u64 segs,
				     __u64 now)
{
	/* A rule's entry starts zeroed: its first packet starts the clock. */
	if (unlikely(!f->first_ns)) {
		__sync_val_compare_and_swap(&f->first_ns, 0, now);
		__sync_val_compare_and_swap(&f->win_start_ns, 0, now);
	}
	/* Roll before adding, so this packet opens the new window. */
	flow_window_roll(f, now);
	wf_add(&f->bytes, bytes);
	wf_add(&f->packets, segs);
	/* Racy by design: two CPUs store times nanoseconds apart. */
	if (now > f->last_ns)
		f->last_ns = now;
}

/* The wire packets and IP bytes a (GSO) packet stands for. */
static __always_inline __u64 pkt_segs(const struct wf_pkt *pkt)
{
	return pkt->segs ? pkt->segs : 1;
}

static __always_inline __u64 pkt_bytes(const struct wf_pkt *pkt)
{
	/* Each GSO segment repeats the headers on the wire. */
	return pkt->len + (pkt_segs(pkt) - 1) * pkt->hdr_len;
}

/* Account one parsed packet to its flow. */
static __always_inline void flow_account(struct wf_pkt *pkt, __u64 now,
					 struct wf_counters *c)
{
	__u64 segs = pkt_segs(pkt), bytes = pkt_bytes(pkt);
	struct wf_flow *f;

	c->packets += segs;
	c->bytes += bytes;
	f = bpf_map_lookup_elem(&wf_flows, &pkt->key);
	if (unlikely(!f))
		f = flow_insert(&pkt->key, now, c, bytes, segs);
	if (f)
		acct_add(f, bytes, segs, now);
}

#endif /* WF_FLOW_BPF_H */
