// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * progbench - ns per packet of the real tc programs on small packets, via
 * BPF_PROG_TEST_RUN.
 *
 *   progbench [-t TRAIN] [-r ROUNDS] [FIGURE...]
 *
 * Every figure is measured the same way: the packets of n flows in turn,
 * TRAIN packets of one flow per test run (`repeat`, the kernel's own timer
 * around the whole train, so syscall cost is outside the figure and the
 * timer's two clock reads are shared by TRAIN packets), ROUNDS runs of the
 * figure interleaved with the other figures (so that a noisy neighbour
 * hits all of them alike), the median printed. With -t 1 every packet is
 * another flow: each lookup misses the CPU caches when the table is large,
 * and the timer's cost is in every figure alike.
 *
 * Packets: 64-byte Ethernet frames (46 IP bytes: IPv4 + UDP + 18 bytes),
 * the smallest a NIC sends. Figures (name ns_per_packet):
 *
 *   empty         a two-instruction tc program (return TC_ACT_OK)
 *   acct_100      wf_tc_ingress, accounting only, 100 flows
 *   acct_1m       the same through 1 000 000 flows (table 1 048 576)
 *   police_64     wf_tc_egress with 64 rules, all candidates by prefix
 *                 (none names one), the last the only one whose port
 *                 matches; 100 flows; the rate never drops; the
 *                 default depth (250ms of the rate: the tick clock)
 *   police_64_shallow  the same with 10ms buckets (the fine clock)
 *   persrc_100k   wf_tc_egress with one `per: src_ip` rule, 100 000
 *                 sources (max_keys 131 072), one flow each
 *   steer_stay    wf_tc_egress, steering on, 100 flows to a steered prefix
 *                 whose path is the device the packet is on: the steering
 *                 look-ups, then accounting (the second half of a steered
 *                 packet's path: the run at its path device's egress)
 *   steer_move    the same, the path another device: the steering
 *                 look-ups and bpf_redirect() (the first half)
 *   steer_arrived the second half as a moved packet meets it: the
 *                 per-CPU note of the move set before each packet (so
 *                 one-packet runs whatever -t says: compare it with
 *                 `-t 1 steer_stay`), no steering look-ups, accounting
 *   acct_steer_on wf_tc_ingress, accounting, 100 flows, on a host that
 *                 steers, at an interface that is not a path device (an
 *                 underlay): what steering adds to the packets it does
 *                 not steer
 *   nf_empty      a two-instruction netfilter program (NF_ACCEPT), run
 *                 as at PRE_ROUTING
 *   nf_police_1   wf_nf_hook at PRE_ROUTING with one rule placed there
 *                 (`at: netfilter`, udp port 53 arriving, never drops),
 *                 100 flows: the whole cost of policing at netfilter.
 *                 PRE_ROUTING, because a test run of an output hook
 *                 leaves the Ethernet header in front (nf.bpf.h reads
 *                 the headers twice then), which no real packet has
 *   tc_police_1   the same rule at tc ingress (wf_tc_ingress, which also
 *                 accounts the flow): its peer
 *   xdp_police_1  the same rule at XDP (wf_xdp_ingress, the frame
 *                 arriving on lo)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../bpf/wf_shared.h"
#include "../tests/lib/pkt.h"
#include "../tests/lib/skel_lo.h"
#include "hooks.h"
#include "loader.h"
#include "preflight.h"

#define PAYLOAD	   18 /* 14 + 20 + 8 + 18 = 60 B frame, 64 B with the FCS */
#define STEER_MARK 0x7766

static unsigned train = 32;
static unsigned rounds = 5;
static unsigned long long per_round = 200000; /* packets per round */

static void die(const char *what)
{
	fprintf(stderr, "progbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * A two-instruction tc program returning TC_ACT_OK (0), or with netfilter
 * set a netfilter one returning NF_ACCEPT (1), whose load also needs its
 * attach type.
 */
static int empty_prog(int netfilter)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = netfilter },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = WF_BPF_NETFILTER);

	if (!netfilter)
		return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "wf_bench_empty",
				     "GPL", insns, 2, NULL);
	return bpf_prog_load((enum bpf_prog_type)WF_BPF_PROG_TYPE_NETFILTER,
			     "wf_bench_nfempty", "GPL", insns, 2, &o);
}

/*
 * The kernel's struct nf_hook_state as a netfilter test run reads it
 * (only hook and pf may be set): PRE_ROUTING, IPv4.
 */
struct nf_state {
	__u8 hook;
	__u8 pf;
	__u8 pad[6];
	__u64 in, out, sk, net, okfn;
};

static const struct nf_state nf_pre_routing = { .hook = 0, .pf = 2 };

/*
 * Packets of `n` distinct UDP flows to dport: `nsrc` source addresses
 * (10.x.y.z), the rest of the variety in the source port.
 */
static struct pkt *make_packets(unsigned n, unsigned nsrc, uint16_t dport)
{
	struct pkt *p = calloc(n, sizeof(*p));
	char src[32];
	unsigned i;

	if (!p)
		die("calloc");
	for (i = 0; i < n; i++) {
		unsigned a = i % nsrc;
		struct pkt_spec s = { .family = 4,
				      .proto = IPPROTO_UDP,
				      .src = src,
				      .dst = "10.200.0.2",
				      .sport = (uint16_t)(1024 + i / nsrc),
				      .dport = dport,
				      .payload = PAYLOAD };

		snprintf(src, sizeof(src), "10.%u.%u.%u", 1 + (a >> 16) % 200,
			 (a >> 8) & 255, a & 255);
		pkt_build(&p[i], &s);
	}
	return p;
}

struct fig {
	const char *name;
	struct wirefisher_bpf *skel; /* NULL for empty */
	int fd;
	int nf;	 /* a netfilter program: runs as at PRE_ROUTING */
	int xdp; /* an XDP program: the frame arrives on lo */
	int hop; /* note each packet as moved to lo (wf_agg_hop) first */
	struct pkt *p;
	unsigned n;
	unsigned long long next; /* packet to send next */
	double *ns;		 /* one per round */
};

/*
 * Note packet q, on every CPU, as moved to lo by a steering pass - what
 * the pass that redirects a packet writes (lib/aggregate.bpf.h: agg_hop).
 */
static void note_move(struct wirefisher_bpf *skel, const struct pkt *q)
{
	static __u64 *v;
	static int ncpu;
	__u32 zero = 0;

	if (!v) {
		ncpu = libbpf_num_possible_cpus();
		v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
		if (ncpu <= 0 || !v)
			die("note_move");
	}
	for (int i = 0; i < ncpu; i++)
		v[i] = (__u64)LO_IFINDEX << 32 | (__u32)(q->len - ETH_HLEN);
	if (bpf_map__update_elem(skel->maps.wf_agg_hop, &zero, sizeof(zero), v,
				 (size_t)ncpu * sizeof(*v), 0))
		die("wf_agg_hop");
}

/*
 * Mean ns per packet over `count` packets, `tr` per test run. An XDP test
 * run installs the program in the kernel's XDP dispatcher and takes it out
 * again, each an RCU grace period (tens of ms on an idle VM, which made a
 * round of 100 000 packets take minutes): XDP figures run trains 32 times
 * longer. Their flows stay as warm (100 flows are all in cache either
 * way); the timer's two clock reads are spread over more packets.
 */
static double measure(struct fig *f, unsigned long long count, unsigned tr)
{
	unsigned long long total = 0, runs, i;

	if (f->xdp)
		tr *= 32;
	if (f->hop)
		tr = 1;
	runs = count / tr ? count / tr : 1;

	for (i = 0; i < runs; i++) {
		const struct pkt *q = &f->p[f->next++ % f->n];
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = q->buf,
			    .data_size_in = q->len, .repeat = (int)tr);

		/* XDP: data_end is the frame's length, from ctx. */
		struct xdp_md xdp = { .data_end = q->len,
				      .ingress_ifindex = LO_IFINDEX };

		if (f->hop)
			note_move(f->skel, q);
		if (f->nf) {
			opts.ctx_in = &nf_pre_routing;
			opts.ctx_size_in = sizeof(nf_pre_routing);
		} else if (f->xdp) {
			opts.ctx_in = &xdp;
			opts.ctx_size_in = sizeof(xdp);
		}
		if (bpf_prog_test_run_opts(f->fd, &opts))
			die(f->name);
		total += opts.duration; /* the mean over the repeats */
	}
	return (double)total / (double)runs;
}

static struct wirefisher_bpf *load_cfg(const char *yaml, unsigned max_flows,
				       int steer)
{
	static struct wf_config cfg;
	static struct wf_host host;
	struct wirefisher_bpf *skel;

	if (config_parse("bench.yaml", yaml, strlen(yaml), &cfg, stderr))
		die("config");
	cfg.max_flows = max_flows;
	skel = skel_open_cfg(&cfg, 0);
	if (!skel)
		die("open");
	if (steer) {
		skel->rodata->wf_steer = 1;
		skel->rodata->wf_probe_mark = STEER_MARK;
	}
	skel = skel_finish_lo(skel);
	if (!skel)
		die("load");
	preflight_refresh(&cfg, &host);
	if (cfg.n_rules && loader_write_policy(skel, &cfg, &host))
		die("loader_write_policy");
	return skel;
}

/*
 * 64 rules on udp ports 2000..2062, then the one for port 53. burst: the
 * buckets' depth as a time at the rate - 250ms, the default, or a shallow
 * 10ms, whose bucket needs the fine clock (police.bpf.h: walk_now).
 */
static struct wirefisher_bpf *load_police64(const char *burst)
{
	size_t cap = 64 * 160, len = 0;
	char *y = malloc(cap);
	struct wirefisher_bpf *skel;
	int i;

	if (!y)
		die("malloc");
	len += (size_t)snprintf(y + len, cap - len,
				"interfaces: [lo]\nrules:\n");
	for (i = 0; i < 64; i++)
		len += (size_t)
			snprintf(y + len, cap - len,
				 "  - name: r%d\n"
				 "    match: { proto: udp, dport: %d, direction: egress }\n"
				 "    rate: 10gbit\n    burst: %s\n",
				 i, i == 63 ? 53 : 2000 + i, burst);
	skel = load_cfg(y, 65536, 0);
	free(y);
	return skel;
}

/* One rule for udp port 53, at netfilter or at tc. */
static struct wirefisher_bpf *load_police1(const char *at)
{
	char y[256];

	snprintf(y, sizeof(y),
		 "interfaces: [lo]\nrules:\n"
		 "  - name: dns\n"
		 "    match: { proto: udp, dport: 53, direction: ingress }\n"
		 "    rate: 10gbit\n    burst: 250ms\n    at: %s\n",
		 at);
	return load_cfg(y, 65536, 0);
}

static struct wirefisher_bpf *load_persrc(void)
{
	static const char y[] = "interfaces: [lo]\n"
				"policing: { max_keys: 131072 }\n"
				"rules:\n"
				"  - name: per-source\n"
				"    match: { proto: udp, dport: 53, "
				"direction: egress }\n"
				"    rate: 10gbit\n    burst: 250ms\n"
				"    per: src_ip\n";

	return load_cfg(y, 131072, 0);
}

/* A route for 10.200.0.0/16 over one path on device `ifindex`. */
static struct wirefisher_bpf *load_steer(__u32 ifindex)
{
	static const char y[] = "interfaces: [lo]\n";
	struct wirefisher_bpf *skel = load_cfg(y, 65536, 1);
	struct wf_lpm4 k = { .prefixlen = 16 };
	struct wf_route r = { .mode = WF_MODE_FAILOVER, .n_paths = 1 };
	__u64 route = 0;
	__u32 id = 0;

	inet_pton(AF_INET, "10.200.0.0", &k.addr);
	r.paths[0].ifindex = ifindex;
	r.paths[0].usable = 1;
	r.paths[0].weight = 1;
	if (bpf_map__update_elem(skel->maps.wf_steer4, &k, sizeof(k), &route,
				 sizeof(route), 0) ||
	    bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				 sizeof(r), BPF_ANY))
		die("steering maps");
	return skel;
}

static void fig_setup(struct fig *f)
{
	struct bpf_program *prog = NULL;
	unsigned nsrc = 100;
	uint16_t dport = 53;

	f->n = 100;
	if (!strcmp(f->name, "empty")) {
		f->fd = empty_prog(0);
		if (f->fd < 0)
			die("empty program");
	} else if (!strcmp(f->name, "acct_100")) {
		f->skel = load_cfg("interfaces: [lo]\n", 65536, 0);
	} else if (!strcmp(f->name, "acct_1m")) {
		f->skel = load_cfg("interfaces: [lo]\n", 1U << 20, 0);
		f->n = 1000000;
		nsrc = 50000;
	} else if (!strcmp(f->name, "police_64")) {
		f->skel = load_police64("250ms");
	} else if (!strcmp(f->name, "police_64_shallow")) {
		f->skel = load_police64("10ms");
	} else if (!strcmp(f->name, "persrc_100k")) {
		f->skel = load_persrc();
		f->n = nsrc = 100000;
	} else if (!strcmp(f->name, "steer_stay")) {
		f->skel = load_steer(LO_IFINDEX);
	} else if (!strcmp(f->name, "steer_arrived")) {
		f->skel = load_steer(LO_IFINDEX);
		f->hop = 1;
	} else if (!strcmp(f->name, "steer_move")) {
		f->skel = load_steer(LO_IFINDEX + 1000);
	} else if (!strcmp(f->name, "acct_steer_on")) {
		struct wf_iface lo = { .l2_len = 14, .name = "lo" };

		f->skel = load_steer(LO_IFINDEX + 1000);
		if (iface_publish(f->skel, LO_IFINDEX, &lo))
			die("iface_publish");
	} else if (!strcmp(f->name, "nf_empty")) {
		f->nf = 1;
		f->fd = empty_prog(1);
		if (f->fd < 0)
			die("empty netfilter program");
	} else if (!strcmp(f->name, "nf_police_1")) {
		f->nf = 1;
		f->skel = load_police1("netfilter");
	} else if (!strcmp(f->name, "tc_police_1")) {
		f->skel = load_police1("tc");
	} else if (!strcmp(f->name, "xdp_police_1")) {
		f->xdp = 1;
		f->skel = load_police1("xdp");
	} else {
		fprintf(stderr, "progbench: no figure %s\n", f->name);
		exit(2);
	}
	if (f->skel) {
		prog = !strcmp(f->name, "acct_100") ||
				       !strcmp(f->name, "acct_1m") ||
				       !strcmp(f->name, "acct_steer_on") ||
				       !strcmp(f->name, "tc_police_1") ?
			       f->skel->progs.wf_tc_ingress :
			       f->skel->progs.wf_tc_egress;
		if (f->nf)
			prog = f->skel->progs.wf_nf_hook;
		if (f->xdp)
			prog = f->skel->progs.wf_xdp_ingress;
		f->fd = bpf_program__fd(prog);
	}
	f->p = make_packets(f->n, nsrc, dport);
	f->ns = calloc(rounds, sizeof(*f->ns));
	if (!f->ns)
		die("calloc");
	/* Every flow (source, bucket) in the tables once, then warm up. */
	measure(f, f->n, 1);
	measure(f, per_round / 10, train);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	/* The last three need netfilter programs (6.4+): dropped before. */
	static const char *const all[] = {
		"empty",	 "acct_100",	      "acct_1m",
		"police_64",	 "police_64_shallow", "persrc_100k",
		"steer_stay",	 "steer_arrived",     "steer_move",
		"acct_steer_on", "tc_police_1",	      "xdp_police_1",
		"nf_empty",	 "nf_police_1"
	};
	const char *const *names = all;
	unsigned nfig = sizeof(all) / sizeof(all[0]), i, r;
	struct fig *f;
	int opt;

	while ((opt = getopt(argc, argv, "t:r:n:")) != -1) {
		if (opt == 't')
			train = (unsigned)atoi(optarg);
		else if (opt == 'r')
			rounds = (unsigned)atoi(optarg);
		else if (opt == 'n')
			per_round = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	if (!train || !rounds || per_round < train)
		return 2;
	if (!loader_nf_supported())
		nfig -= 3;
	if (optind < argc) {
		names = (const char *const *)argv + optind;
		nfig = (unsigned)(argc - optind);
	}
	f = calloc(nfig, sizeof(*f));
	if (!f)
		die("calloc");
	for (i = 0; i < nfig; i++) {
		f[i].name = names[i];
		fig_setup(&f[i]);
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nfig; i++)
			f[i].ns[r] = measure(&f[i], per_round, train);
	for (i = 0; i < nfig; i++) {
		qsort(f[i].ns, rounds, sizeof(double), cmp_double);
		printf("%s %.1f\n", f[i].name, f[i].ns[rounds / 2]);
		if (f[i].skel)
			wirefisher_bpf__destroy(f[i].skel);
		else
			close(f[i].fd);
		free(f[i].p);
		free(f[i].ns);
	}
	free(f);
	return 0;
}
