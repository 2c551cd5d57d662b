/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * atomic.bpf.h - the read-modify-writes that the two-CPU fixture tests
 * guard: counter adds on shared flow entries and the token-bucket update.
 *
 * WF_RACY swaps them for plain ones. Only tests/run.sh builds that way
 * (BPF_EXTRA=-DWF_RACY), to prove the tests two_cpus_one_flow and
 * police_two_cpus catch a lost update. This is the one place the switch
 * lives; the window-roll claims in flow.bpf.h stay atomic in every build.
 */
#ifndef WF_ATOMIC_BPF_H
#define WF_ATOMIC_BPF_H

#ifdef WF_RACY
#define wf_add(p, v)		(*(p) += (v))
#define wf_update(p, old, next) ((*(p) = (next)), 1)
#else
/* Add v to a counter other CPUs add to (lock xadd). */
#define wf_add(p, v) __sync_fetch_and_add(p, v)
/* Store next if *p still holds old; 1 if stored. */
#define wf_update(p, old, next) \
	(__sync_val_compare_and_swap(p, old, next) == (old))
#endif

#endif /* WF_ATOMIC_BPF_H */
