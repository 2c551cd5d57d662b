/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* time.bpf.h - the datapath's clock, replaceable by tests. */
#ifndef WF_TIME_BPF_H
#define WF_TIME_BPF_H

#include "maps.bpf.h"

/*
 * Monotonic nanoseconds at tick (jiffy) resolution, CLOCK_MONOTONIC_COARSE:
 * 1-4 ms, like conntrack's timestamps. Windows are >= 1 s, so that is <= 0.4 %
 * of a window, and it saves the ~30 ns per packet that bpf_ktime_get_ns()
 * costs under a hypervisor's clock (bench/overhead.sh, "clock" figures).
 *
 * With wf_test_clock set at load time the value comes from wf_clock_ns, so
 * BPF_PROG_TEST_RUN fixtures can step time exactly; in a normal load the
 * branch is dead code and the verifier drops it.
 */
static __always_inline __u64 wf_now(void)
{
	if (wf_test_clock)
		return wf_clock_ns;
	return bpf_ktime_get_coarse_ns();
}

/*
 * Nanosecond time for shallow token buckets (police.bpf.h: walk_now) and
 * the aggregate scheduler's queue model. A tick-resolution clock would
 * refill a bucket in 4 ms steps, each capped at the burst: a 100 kB burst
 * could then never pass more than 25 MB/s, whatever the rate.
 */
static __always_inline __u64 wf_now_fine(void)
{
	if (wf_test_clock)
		return wf_clock_ns;
	return bpf_ktime_get_ns();
}

/*
 * A tick clock for a hook whose helpers lack bpf_ktime_get_coarse_ns()
 * (netfilter): the fine clock as this CPU first read it in the current
 * jiffy. bpf_jiffies64() is a load the verifier inlines, so a packet pays
 * the fine clock's ~25 ns once per tick and CPU instead of once per
 * packet. Like CLOCK_MONOTONIC_COARSE it is CLOCK_MONOTONIC up to one tick
 * late (every value was read in the stored jiffy or later), and two CPUs'
 * values differ by less than a tick, as two CPUs' reads of the coarse clock
 * around a tick do. A packet that interrupts another on this CPU between
 * its clock read and its stores reads afresh too, and the interrupted one's
 * earlier read may then be stored over it: the clock steps back by that
 * interrupt's length, which a bucket takes as any clock step back (it
 * refills nothing: wf_shared.h, wf_tb_next). A global function: inlined,
 * its frame would take tc egress's call chain past 512 bytes of stack
 * (police.bpf.h: police_rule).
 */
__weak __noinline __u64 wf_now_tick(void)
{
	struct wf_tick *t;
	__u32 zero = 0;
	__u64 j, ns;

	if (wf_test_clock)
		return wf_clock_ns;
	j = bpf_jiffies64();
	t = bpf_map_lookup_elem(&wf_tick, &zero);
	if (!t)
		return bpf_ktime_get_ns();
	if (t->jiffies == j)
		return t->ns;
	ns = bpf_ktime_get_ns();
	t->ns = ns;
	t->jiffies = j;
	return ns;
}

#endif /* WF_TIME_BPF_H */
