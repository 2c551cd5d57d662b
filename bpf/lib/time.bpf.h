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

#endif /* WF_TIME_BPF_H */
