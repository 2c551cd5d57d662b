/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* fixture.h - what every BPF_PROG_TEST_RUN fixture test needs. */
#ifndef WF_FIXTURE_H
#define WF_FIXTURE_H

#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/wf_shared.h"
#include "pkt.h"
#include "skel_lo.h"
#include "stats.h"
#include "t.h"

#define SEC 1000000000ULL

extern const struct t_case tc_cases[];
extern const struct t_case police_cases[];
extern const struct t_case steer_cases[];

/* Run the ingress (or egress) program on p; the verdict, or -errno. */
static inline int run(struct wirefisher_bpf *skel, int egress, const struct pkt *p,
	       __u32 gso_segs, int repeat)
{
	struct __sk_buff ctx = { .gso_segs = gso_segs };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);
	int fd = bpf_program__fd(egress ? skel->progs.wf_tc_egress :
				 skel->progs.wf_tc_ingress);
	int err = bpf_prog_test_run_opts(fd, &opts);

	return err ? err : (int)opts.retval;
}

static inline void counters(struct wirefisher_bpf *skel, struct wf_counters *sum)
{
	stats_read_counters(bpf_map__fd(skel->maps.wf_stats), sum);
}

#endif /* WF_FIXTURE_H */
