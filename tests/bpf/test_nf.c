// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The netfilter and XDP programs through BPF_PROG_TEST_RUN: which rules
 * each enforces (one point per rule), the verdicts and exact counts at
 * the test clock, both families, both directions, and the tail call the
 * netfilter links run through (wf_nf_progs).
 *
 * A netfilter test run takes a whole Ethernet frame (the kernel runs
 * eth_type_trans on it) and, as ctx_in, a struct nf_hook_state of which
 * only pf and hook may be set; the device it reports is loopback.
 */
#include "fixture.h"

#include "policy.h"

#define V4(s, d) .family = 4, .src = s, .dst = d
#define V6(s, d) .family = 6, .src = s, .dst = d

#define NF_PRE_ROUTING 0
#define NF_LOCAL_OUT   3

/* The kernel's struct nf_hook_state, as test_run reads it. */
struct nf_state {
	__u8 hook;
	__u8 pf;
	__u8 pad[6];
	__u64 in, out, sk, net, okfn;
};

static int run_nf(struct bpf_program *prog, const struct pkt *p, int pf,
		  int hook)
{
	struct nf_state st = { .hook = (__u8)hook, .pf = (__u8)pf };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .ctx_in = &st,
		    .ctx_size_in = sizeof(st));
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	return err ? err : (int)opts.retval;
}

static int run_xdp(struct wirefisher_bpf *skel, const struct pkt *p)
{
	/* data_end is the frame's length: test_run takes it from ctx. */
	struct xdp_md ctx = { .data_end = p->len,
			      .ingress_ifindex = LO_IFINDEX };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(
						 skel->progs.wf_xdp_ingress),
					 &opts);

	return err ? err : (int)opts.retval;
}

static void set_clock(struct wirefisher_bpf *skel, __u64 ns)
{
	skel->bss->wf_clock_ns = ns;
}

#define NF_RULES                                                      \
	"rules:\n"                                                    \
	"  - name: dns-nf\n"                                          \
	"    match: { proto: udp, dport: 53 }\n"                      \
	"    rate: 8mbit\n"                                           \
	"    burst: 3000B\n"                                          \
	"    at: netfilter\n"                                         \
	"  - name: in-only-nf\n"                                      \
	"    match: { proto: udp, dport: 54, direction: ingress }\n"  \
	"    rate: 8mbit\n"                                           \
	"    burst: 2000B\n"                                          \
	"    at: netfilter\n"                                         \
	"  - name: syslog-tc\n"                                       \
	"    match: { proto: udp, dport: 514 }\n"                     \
	"    rate: 8mbit\n"                                           \
	"    burst: 2000B\n"                                          \
	"  - name: ntp-xdp\n"                                         \
	"    match: { proto: udp, dport: 123, direction: ingress }\n" \
	"    rate: 8mbit\n"                                           \
	"    burst: 2000B\n"                                          \
	"    at: xdp\n"                                               \
	"  - name: web-cg\n"                                          \
	"    match: { cgroup: system.slice, dport: 80 }\n"            \
	"    rate: 8mbit\n"

static struct wirefisher_bpf *load_nf(struct wf_config *cfg)
{
	if (!loader_nf_supported()) {
		printf("  (skipped: this kernel has no BPF netfilter links with "
		       "IP defrag; the loader falls back to tc)\n");
		return NULL;
	}
	return load_rules(NF_RULES, 1, cfg);
}

static void udp(struct pkt *p, int family, __u16 dport, __u16 payload)
{
	struct pkt_spec s = { .family = family,
			      .src = family == 4 ? "10.0.0.1" : "fd00::1",
			      .dst = family == 4 ? "10.0.0.2" : "fd00::2",
			      .proto = IPPROTO_UDP,
			      .sport = 4000,
			      .dport = dport,
			      .payload = payload,
			      .v6_hopopts = family == 6 };

	pkt_build(p, &s);
}

/* Each rule at one hook: the masks are disjoint and cover every rule. */
static void test_nf_placement(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_nf(&cfg);

	if (!skel)
		return;
	CHECK_EQ_U64(skel->rodata->wf_nf_rules, 0x3);
	CHECK_EQ_U64(skel->rodata->wf_xdp_rules, 0x8);
	CHECK_EQ_U64(skel->rodata->wf_cg_rules, 0x10);
	CHECK_EQ_U64(policy_rules_at(&cfg, WF_PLACE_TC, true), 0x4);
	/* Without netfilter links, its rules go to tc; the others stay. */
	CHECK_EQ_U64(policy_rules_at(&cfg, WF_PLACE_TC, false), 0x7);
	CHECK_EQ_U64(policy_nf_fallback(&cfg), 0x3);
	wirefisher_bpf__destroy(skel);
}

/*
 * LOCAL_OUT, IPv4: a 3000 B bucket passes three 1000 B datagrams, drops
 * the fourth (NF_DROP = 0), refills after 1 ms at 8 Mbit/s; tc leaves the
 * rule alone (its counters do not move on a tc run).
 */
static void test_nf_local_out_v4(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_nf(&cfg);
	struct wf_rule_counters rc;
	struct wf_counters c;
	struct pkt p;
	int i, v[5];

	if (!skel)
		return;
	udp(&p, 4, 53, 1000 - 28);
	set_clock(skel, 10 * SEC);
	for (i = 0; i < 4; i++)
		v[i] = run_nf(skel->progs.wf_nf_hook, &p, 2, NF_LOCAL_OUT);
	CHECK_EQ_U64(v[0], 1);
	CHECK_EQ_U64(v[1], 1);
	CHECK_EQ_U64(v[2], 1);
	CHECK_EQ_U64(v[3], 0);
	set_clock(skel, 10 * SEC + 1000000); /* 1 ms = 1000 B at 8 Mbit/s */
	v[4] = run_nf(skel->progs.wf_nf_hook, &p, 2, NF_LOCAL_OUT);
	CHECK_EQ_U64(v[4], 1);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed, 4);
	CHECK_EQ_U64(rc.passed_bytes, 4000);
	CHECK_EQ_U64(rc.dropped, 1);
	/* tc enforces syslog-tc only: dns-nf does not count this. */
	CHECK_EQ_U64(run(skel, 1, &p, 0, 1), 0 /* TC_ACT_OK */);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed + rc.dropped, 5);
	/* netfilter neither accounts flows nor counts parse results. */
	counters(skel, &c);
	CHECK_EQ_U64(c.dropped, 1);
	CHECK_EQ_U64(c.packets, 1); /* the one tc run */
	wirefisher_bpf__destroy(skel);
}

/* IPv6 with a hop-by-hop header; a rule on ingress only sees PRE_ROUTING. */
static void test_nf_v6_directions(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_nf(&cfg);
	struct wf_rule_counters rc;
	struct pkt p;

	if (!skel)
		return;
	set_clock(skel, 10 * SEC);
	udp(&p, 6, 54, 1000 - 56);
	/* egress: in-only-nf does not match */
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_LOCAL_OUT), 1);
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_LOCAL_OUT), 1);
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_LOCAL_OUT), 1);
	rule_counters(skel, 1, &rc);
	CHECK_EQ_U64(rc.passed + rc.dropped, 0);
	/* ingress: 2000 B of burst, two pass, the third is dropped */
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_PRE_ROUTING), 1);
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_PRE_ROUTING), 1);
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_PRE_ROUTING), 0);
	rule_counters(skel, 1, &rc);
	CHECK_EQ_U64(rc.passed, 2);
	CHECK_EQ_U64(rc.passed_bytes, 2000);
	CHECK_EQ_U64(rc.dropped, 1);
	/* and the IPv6 datagram to :53 meets dns-nf at either hook */
	udp(&p, 6, 53, 1000 - 56);
	CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &p, 10, NF_PRE_ROUTING), 1);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed_bytes, 1000);
	wirefisher_bpf__destroy(skel);
}

/*
 * The links run wf_nf_entry, which tail-calls wf_nf_progs[0]: empty, it
 * accepts; pointed at wf_nf_hook, it polices.
 */
static void test_nf_entry_tail_call(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_nf(&cfg);
	struct wf_rule_counters rc;
	int map, prog, i, drops = 0;
	__u32 zero = 0;
	struct pkt p;

	if (!skel)
		return;
	set_clock(skel, 10 * SEC);
	udp(&p, 4, 53, 1000 - 28);
	for (i = 0; i < 5; i++)
		drops += run_nf(skel->progs.wf_nf_entry, &p, 2, NF_LOCAL_OUT) ==
			 0;
	CHECK_EQ_U64(drops, 0);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed + rc.dropped, 0);
	map = bpf_map__fd(skel->maps.wf_nf_progs);
	prog = bpf_program__fd(skel->progs.wf_nf_hook);
	CHECK_EQ_U64(bpf_map_update_elem(map, &zero, &prog, BPF_ANY), 0);
	for (i = 0; i < 5; i++)
		drops += run_nf(skel->progs.wf_nf_entry, &p, 2, NF_LOCAL_OUT) ==
			 0;
	CHECK_EQ_U64(drops, 2);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed, 3);
	CHECK_EQ_U64(rc.dropped, 2);
	wirefisher_bpf__destroy(skel);
}

/*
 * XDP: only the rules placed there, before an skb exists (XDP_DROP = 1,
 * XDP_PASS = 2); what passes is left to tc ingress to account, and tc
 * does not police the XDP rule again.
 */
static void test_xdp_ingress(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_rules(NF_RULES, 1, &cfg);
	struct wf_rule_counters rc;
	struct wf_counters c;
	struct pkt p;

	if (!skel)
		return;
	set_clock(skel, 10 * SEC);
	udp(&p, 4, 123, 1000 - 28);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	CHECK_EQ_U64(run_xdp(skel, &p), 1);
	rule_counters(skel, 3, &rc);
	CHECK_EQ_U64(rc.passed, 2);
	CHECK_EQ_U64(rc.dropped, 1);
	counters(skel, &c);
	CHECK_EQ_U64(c.packets, 0); /* accounted at tc, not here */
	CHECK_EQ_U64(c.dropped, 1);
	/* tc ingress lets it by (the rule is XDP's) and accounts it */
	CHECK_EQ_U64(run(skel, 0, &p, 0, 1), 0);
	rule_counters(skel, 3, &rc);
	CHECK_EQ_U64(rc.passed + rc.dropped, 3);
	counters(skel, &c);
	CHECK_EQ_U64(c.packets, 1);
	/* a rule placed at tc or netfilter is not XDP's */
	udp(&p, 6, 53, 1000 - 56);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	udp(&p, 4, 514, 1000 - 28);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	CHECK_EQ_U64(run_xdp(skel, &p), 2);
	rule_counters(skel, 2, &rc);
	CHECK_EQ_U64(rc.passed + rc.dropped, 0);
	wirefisher_bpf__destroy(skel);
}

/*
 * A netfilter program has no coarse-clock helper, so it makes its tick
 * clock (time.bpf.h: wf_now_tick): the fine clock as this CPU first read
 * it in the jiffy. A bucket 1 s deep is charged at it - two packets in one
 * tick on one CPU at the same time, read in that tick, not after the fine
 * clock after them - and a 10 ms one at the fine clock, later. In a child
 * pinned to one CPU: the clock is per CPU.
 */
static void nf_tick_clock(void *arg)
{
	struct wirefisher_bpf *skel;
	struct timespec res, fine;
	struct wf_config cfg;
	__u64 before = 0, after = 1, d1 = 0, d2 = 0, shallow = 0, late = 0;
	struct pkt deep, shal;
	cpu_set_t one;
	int tries;

	(void)arg;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CHECK(!sched_setaffinity(0, sizeof(one), &one), "pin: %s",
	      strerror(errno));
	skel = load_rules("rules:\n"
			  "  - name: deep\n    match: { proto: udp, dport: 53 }\n"
			  "    rate: 8mbit\n    burst: 1s\n    at: netfilter\n"
			  "  - name: shallow\n    match: { proto: udp, dport: 54 }\n"
			  "    rate: 8mbit\n    burst: 10ms\n    at: netfilter\n",
			  0, &cfg);
	if (!skel)
		return;
	udp(&deep, 4, 53, 1000 - 28);
	udp(&shal, 4, 54, 1000 - 28);
	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	for (tries = 0; tries < 50 && before != after; tries++) {
		CHECK_EQ_U64(charged_at(skel, 0, 0, 1), 0);
		CHECK_EQ_U64(charged_at(skel, 1, 0, 1), 0);
		before = coarse_ns();
		CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &deep, 2,
				    NF_LOCAL_OUT),
			     1 /* NF_ACCEPT */);
		d1 = charged_at(skel, 0, 1000, 0);
		CHECK_EQ_U64(charged_at(skel, 0, 0, 1), 0);
		CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &deep, 2,
				    NF_LOCAL_OUT),
			     1 /* NF_ACCEPT */);
		CHECK_EQ_U64(run_nf(skel->progs.wf_nf_hook, &shal, 2,
				    NF_LOCAL_OUT),
			     1 /* NF_ACCEPT */);
		clock_gettime(CLOCK_MONOTONIC, &fine);
		after = coarse_ns();
		d2 = charged_at(skel, 0, 1000, 0);
		shallow = charged_at(skel, 1, 1000, 0);
		late = (__u64)fine.tv_sec * SEC + (__u64)fine.tv_nsec;
	}
	CHECK(before == after, "a tick fell between the packets in %d tries",
	      tries);
	CHECK(d1 == d2,
	      "the 1 s bucket was charged at %llu, then at %llu in the same "
	      "tick",
	      (unsigned long long)d1, (unsigned long long)d2);
	CHECK(d1 + (__u64)res.tv_nsec >= before && d1 <= late,
	      "the 1 s bucket was charged at %llu, not in the tick of %llu "
	      "(resolution %ld ns) before %llu",
	      (unsigned long long)d1, (unsigned long long)before, res.tv_nsec,
	      (unsigned long long)late);
	CHECK(shallow > d1 && shallow <= late,
	      "the 10 ms bucket was charged at %llu, not between the tick "
	      "clock's %llu and %llu",
	      (unsigned long long)shallow, (unsigned long long)d1,
	      (unsigned long long)late);
	wirefisher_bpf__destroy(skel);
}

static void test_nf_tick_clock(void)
{
	if (!loader_nf_supported()) {
		printf("  (skipped: this kernel has no BPF netfilter links with "
		       "IP defrag)\n");
		return;
	}
	in_child(nf_tick_clock, NULL);
}

const struct t_case nf_cases[] = {
	{ "nf_placement", test_nf_placement },
	{ "nf_local_out_v4", test_nf_local_out_v4 },
	{ "nf_v6_directions", test_nf_v6_directions },
	{ "nf_entry_tail_call", test_nf_entry_tail_call },
	{ "nf_tick_clock", test_nf_tick_clock },
	{ "xdp_ingress", test_xdp_ingress },
	{ NULL, NULL },
};
