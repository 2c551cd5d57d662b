// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * steerbench - ns per packet of the accounting path, via BPF_PROG_TEST_RUN.
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
 *
 * `progbench steer` (bench/steer.sh), in a network namespace of its own
 * with a veth pair (the duplicator sends real copies, and the deduplicator
 * needs two devices), wf_tc_egress / wf_tc_ingress on path devices:
 *   steer_failover   egress, a failover route, the flow's path another
 *                    device (redirect verdict; test_run does not move it)
 *   steer_aggregate  egress, an aggregate route over three paths
 *   dup_egress       egress, a duplicate selector: the copy really sent
 *                    (bpf_clone_redirect to the veth), the original moved
 *   path_ingress     ingress on a path device, not selected
 *   dedup_ingress    ingress, selected: the two copies of each packet by
 *                    two devices, one passed and one dropped (the mean)
 */
#include <sched.h>
#include <net/if.h>
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

/* ---- steering figures ---- */

static int run1(int fd, const struct pkt *q, __u32 ifindex,
		unsigned long long *total)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = q->buf,
		    .data_size_in = q->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(fd, &opts)) {
		fprintf(stderr, "progbench: test run: %s\n", strerror(errno));
		exit(1);
	}
	*total += opts.duration;
	return (int)opts.retval;
}

/* Packets of one UDP flow whose contents all differ (payload sizes). */
static struct pkt *flow_packets(int reply, unsigned n)
{
	struct pkt *p = calloc(n, sizeof(*p));

	for (unsigned i = 0; p && i < n; i++) {
		struct pkt_spec s = { .family = 4,
				      .proto = IPPROTO_UDP,
				      .src = reply ? "10.99.0.1" : "10.96.0.2",
				      .dst = reply ? "10.96.0.2" : "10.99.0.1",
				      .sport = reply ? 9300 : 5000,
				      .dport = reply ? 5000 : 9300,
				      .payload = (uint16_t)(100 + i % 1000) };

		pkt_build(&p[i], &s);
	}
	return p;
}

static void steer_route(struct wirefisher_bpf *skel, __u8 mode,
			const __u32 *ifx, int n)
{
	struct wf_lpm4 k = { .prefixlen = 24 };
	struct wf_route r = { .mode = mode, .n_paths = (__u8)n };
	__u64 route = 0;
	__u32 id = 0;

	inet_pton(AF_INET, "10.99.0.0", &k.addr);
	bpf_map__update_elem(skel->maps.wf_steer4, &k, sizeof(k), &route,
			     sizeof(route), 0);
	k.prefixlen = 32; /* the far end's view: the client's address */
	inet_pton(AF_INET, "10.96.0.2", &k.addr);
	bpf_map__update_elem(skel->maps.wf_steer4, &k, sizeof(k), &route,
			     sizeof(route), 0);
	for (int i = 0; i < n; i++) {
		struct wf_agg_path ap = { .ns_per_byte = 1000ULL
							 << WF_TB_SHIFT };
		__u32 pid = (__u32)i;

		r.paths[i] = (struct wf_route_path){ .ifindex = ifx[i],
						     .path = (__u8)i,
						     .usable = 1,
						     .weight = 1 };
		bpf_map__update_elem(skel->maps.wf_agg_paths, &pid, sizeof(pid),
				     &ap, sizeof(ap), BPF_ANY);
	}
	r.active = 1;
	bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), BPF_ANY);
}

static void steer_figures(void)
{
	const unsigned n = 1000, runs = 100000;
	struct wf_iface v = { .l2_len = 14, .flags = WF_IFACE_STEER };
	struct wf_dup d = { .n_sel = 1 };
	struct pkt *out = flow_packets(0, n), *in = flow_packets(1, n);
	struct wirefisher_bpf *skel;
	unsigned long long t;
	__u32 ifx[3], id = 0;
	int eg, ig;

	if (unshare(CLONE_NEWNET) ||
	    system("ip link set lo up && ip link add wfpb1 type veth peer "
		   "name wfpb2 && ip link set wfpb1 up && ip link set wfpb2 up") ||
	    !out || !in) {
		fprintf(stderr, "progbench: no namespace lab\n");
		exit(1);
	}
	ifx[0] = 1;
	ifx[1] = if_nametoindex("wfpb1");
	ifx[2] = if_nametoindex("wfpb2");
	skel = skel_open_lo(4096, 0, 0, 0x7766);
	if (skel)
		skel->rodata->wf_dup_on = 1;
	skel = skel_finish_lo(skel);
	if (!skel) {
		fprintf(stderr, "progbench: cannot load: %s\n",
			strerror(errno));
		exit(1);
	}
	for (int i = 1; i < 3; i++)
		bpf_map__update_elem(skel->maps.wf_ifaces, &ifx[i],
				     sizeof(__u32), &v, sizeof(v), BPF_ANY);
	eg = bpf_program__fd(skel->progs.wf_tc_egress);
	ig = bpf_program__fd(skel->progs.wf_tc_ingress);

	steer_route(skel, WF_MODE_FAILOVER, ifx, 3);
	t = 0;
	for (unsigned i = 0; i < runs; i++)
		run1(eg, &out[i % n], ifx[0], &t);
	printf("steer_failover %.1f\n", (double)t / runs);
	steer_route(skel, WF_MODE_AGGREGATE, ifx, 3);
	t = 0;
	for (unsigned i = 0; i < runs; i++)
		run1(eg, &out[i % n], ifx[0], &t);
	printf("steer_aggregate %.1f\n", (double)t / runs);

	steer_route(skel, WF_MODE_FAILOVER, ifx, 3);
	d.sel[0] = (struct wf_dup_sel){ .proto = IPPROTO_UDP,
					.dport_lo = 9300,
					.dport_hi = 9300,
					.sport_hi = 0xffff };
	d.ifindex[0] = ifx[0];
	d.ifindex[1] = ifx[1];
	d.path[1] = 1;
	bpf_map__update_elem(skel->maps.wf_dups, &id, sizeof(id), &d, sizeof(d),
			     BPF_ANY);
	t = 0;
	for (unsigned i = 0; i < runs; i++)
		run1(eg, &out[i % n], ifx[2], &t);
	printf("dup_egress %.1f\n", (double)t / runs);
	t = 0;
	for (unsigned i = 0; i < runs; i++)
		run1(ig, &out[i % n], ifx[1], &t); /* a request: not selected */
	printf("path_ingress %.1f\n", (double)t / runs);
	/* The server's view of the reply direction: sport 9300 selected. */
	d.sel[0] = (struct wf_dup_sel){ .proto = IPPROTO_UDP,
					.dport_lo = 0,
					.dport_hi = 0xffff,
					.sport_lo = 5000,
					.sport_hi = 5000 };
	bpf_map__update_elem(skel->maps.wf_dups, &id, sizeof(id), &d, sizeof(d),
			     BPF_ANY);
	t = 0;
	for (unsigned i = 0; i < runs / 2; i++) {
		run1(ig, &in[i % n], ifx[0], &t);
		run1(ig, &in[i % n], ifx[1], &t);
	}
	printf("dedup_ingress %.1f\n", (double)t / runs);
	wirefisher_bpf__destroy(skel);
	free(out);
	free(in);
}

int main(int argc, char **argv)
{
	struct pkt *p;
	int fd;

	if (argc > 1 && !strcmp(argv[1], "steer")) {
		steer_figures();
		return 0;
	}
	p = make_packets(100);
	fd = empty_prog();

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
