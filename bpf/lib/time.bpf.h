/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* time.bpf.h - the datapath's clock, replaceable by tests. */
#ifndef WF_TIME_BPF_H
#define WF_TIME_BPF_H

#include "maps.bpf.h"

/*
 * Monotonic nanoseconds. With wf_test_clock set at load time the value comes
 * from wf_clock_ns, so BPF_PROG_TEST_RUN fixtures can step time exactly; in a
 * normal load the branch is dead code and the verifier drops it.
 */
static __always_inline __u64 wf_now(void)
{
	if (wf_test_clock)
		return wf_clock_ns;
	return bpf_ktime_get_ns();
}

#endif /* WF_TIME_BPF_H */
