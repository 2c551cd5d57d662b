// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * progbench - ns per packet of the accounting path, via BPF_PROG_TEST_RUN.
 *
 * Every figure is measured the same way: one test run per packet, cycling
 * round-robin through a set of packets, summing the kernel's own per-run
 * duration (so syscall cost is outside the figure, timer cost inside all of
 * them alike). Printed as "name value" lines for bench/overhead.sh.
 *
 *   empty            a two-instruction tc program (return TC_ACT_OK)
 *   acct_1_flow      wf_tc_ingress, one flow, always hot
 *   acct_100_flows   wf_tc_ingress cycling through 100 flows
 *   acct_100k_flows  ... through 100 000 flows (map sized for them): every
 *                    packet is another flow, so every lookup misses the
 *                    CPU caches - the worst case
 *   acct_100_flows_train16, acct_100k_flows_train16
 *                    the same flows, 16 packets in a row per flow, as TCP
 *                    sends them in bursts (repeat=16 per test run)
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../bpf/wf_shared.h"
#include "../tests/lib/pkt.h"
#include "../tests/lib/skel_lo.h"

#define RUNS 300000

static int empty_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "wf_bench_empty", "GPL",
			     insns, 2, NULL);
}

/* Packets of `n` distinct UDP flows (source port and address vary). */
static struct pkt *make_packets(unsigned n)
{
	struct pkt *p = calloc(n, sizeof(*p));
	char src[32];
	unsigned i;

	for (i = 0; p && i < n; i++) {
		struct pkt_spec s = { .family = 4,
				      .proto = IPPROTO_UDP,
				      .src = src,
				      .dst = "10.0.0.2",
				      .sport = (uint16_t)(1024 + i % 60000),
				      .dport = 53,
				      .payload = 64 };

		snprintf(src, sizeof(src), "10.%u.%u.1", (i / 60000) % 256,
			 (i / 256) % 256);
		pkt_build(&p[i], &s);
	}
	return p;
}

/*
 * Mean ns per packet over `runs` packets through `n` packets, `train`
 * packets in a row for each.
 */
static double measure(int fd, const struct pkt *p, unsigned n, unsigned runs,
		      unsigned train)
{
	unsigned long long total = 0;
	unsigned i;

	for (i = 0; i < runs / train; i++) {
		const struct pkt *q = &p[i % n];
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = q->buf,
			    .data_size_in = q->len, .repeat = (int)train);

		if (bpf_prog_test_run_opts(fd, &opts)) {
			fprintf(stderr, "progbench: test run: %s\n",
				strerror(errno));
			exit(1);
		}
		total += opts.duration; /* the mean of the repeats */
	}
	return (double)total / (runs / train);
}

/* Fill the flow table with n flows, then time passes through them. */
static double acct_ns(unsigned n, unsigned train)
{
	struct wirefisher_bpf *skel =
		skel_load_lo(n < 1024 ? 1024 : n + n / 4, 0, 0, 0);
	struct pkt *p = make_packets(n);
	double ns;
	int fd;

	if (!skel || !p) {
		fprintf(stderr, "progbench: cannot load: %s\n",
			strerror(errno));
		exit(1);
	}
	fd = bpf_program__fd(skel->progs.wf_tc_ingress);
	measure(fd, p, n, n, 1); /* insert every flow once */
	ns = measure(fd, p, n, RUNS, train);
	free(p);
	wirefisher_bpf__destroy(skel);
	return ns;
}

int main(void)
{
	struct pkt *p = make_packets(100);
	int fd = empty_prog();

	if (fd < 0 || !p) {
		fprintf(stderr, "progbench: empty program: %s\n",
			strerror(errno));
		return 1;
	}
	measure(fd, p, 100, 10000, 1); /* warm up */
	printf("empty %.1f\n", measure(fd, p, 100, RUNS, 1));
	printf("empty_train16 %.1f\n", measure(fd, p, 100, RUNS, 16));
	close(fd);
	free(p);
	printf("acct_1_flow %.1f\n", acct_ns(1, 1));
	printf("acct_100_flows %.1f\n", acct_ns(100, 1));
	printf("acct_100k_flows %.1f\n", acct_ns(100000, 1));
	printf("acct_100_flows_train16 %.1f\n", acct_ns(100, 16));
	printf("acct_100k_flows_train16 %.1f\n", acct_ns(100000, 16));
	return 0;
}
