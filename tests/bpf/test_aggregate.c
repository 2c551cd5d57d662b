// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The aggregate packet scheduler (bpf/lib/aggregate.bpf.h) through
 * BPF_PROG_TEST_RUN: one flow sent packet by packet through the egress
 * program with a route written as the daemon writes it; wf_agg_stats says
 * what each path carried, exactly. wf_agg_burst is its default, 16384 B.
 */
#include <linux/pkt_cls.h>

#include "fixture.h"

#define IFX(p) (100 + (p)) /* the made-up device of path p */
#define BURST  16384

static struct wirefisher_bpf *load_agg(void)
{
	return skel_load_lo(1024, 1, 0, 0x7766);
}

static void route_agg(struct wirefisher_bpf *skel, int n, unsigned usable,
		      const __u32 *w, __u8 flags)
{
	struct wf_route r = { .mode = WF_MODE_AGGREGATE,
			      .n_paths = (__u8)n,
			      .flags = flags };
	__u32 id = 0;

	for (int p = 0; p < n; p++) {
		r.paths[p].ifindex = IFX(p);
		r.paths[p].path = (__u8)p;
		r.paths[p].usable = !!(usable & (1u << p));
		r.paths[p].weight = w[p];
	}
	CHECK(!bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				    sizeof(r), BPF_ANY),
	      "route");
}

static void prefixes(struct wirefisher_bpf *skel)
{
	struct wf_lpm4 k4 = { .prefixlen = 24 };
	struct wf_lpm6 k6 = { .prefixlen = 64 };
	__u64 route = 0;

	inet_pton(AF_INET, "10.99.0.0", &k4.addr);
	inet_pton(AF_INET6, "fd99::", k6.addr);
	CHECK(!bpf_map__update_elem(skel->maps.wf_steer4, &k4, sizeof(k4),
				    &route, sizeof(route), 0),
	      "steer4");
	CHECK(!bpf_map__update_elem(skel->maps.wf_steer6, &k6, sizeof(k6),
				    &route, sizeof(route), 0),
	      "steer6");
}

/* One packet of the flow (sport) with payload bytes; the verdict. */
static int send_one(struct wirefisher_bpf *skel, int family, __u16 sport,
		    __u16 payload)
{
	struct pkt p;
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_UDP,
			      .src = family == 4 ? "10.96.0.2" : "fd96::2",
			      .dst = family == 4 ? "10.99.0.5" : "fd99::5",
			      .sport = sport,
			      .dport = 5000,
			      .payload = payload };
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	pkt_build(&p, &s);
	opts.data_in = p.buf;
	opts.data_size_in = p.len;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.wf_tc_egress),
				   &opts))
		return -errno;
	return (int)opts.retval;
}

static void agg_of(struct wirefisher_bpf *skel, __u32 path,
		   struct wf_agg_counters *out)
{
	stats_sum_percpu(bpf_map__fd(skel->maps.wf_agg_stats), path, out,
			 sizeof(*out));
}

/*
 * Weights 8:4:2 (capacities in kbit/s) and 1028-byte IP packets: bursts of
 * 16, 8 and 4 packets (the first to reach 16384, 8192, 4096 bytes), taken
 * in turn. Over 10 whole rounds: 160/80/40 packets, 10 bursts each.
 */
static void test_exact_shares(void)
{
	struct wirefisher_bpf *skel = load_agg();
	const __u32 w[3] = { 8000, 4000, 2000 };
	const __u64 want[3] = { 160, 80, 40 };
	struct wf_agg_counters a[3];
	struct wf_counters c;
	int redirected = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 3, 0x7, w, 0);
	for (int i = 0; i < 280; i++)
		redirected += send_one(skel, 4, 4000, 1000) == TC_ACT_REDIRECT;
	CHECK_EQ_U64(redirected, 280);
	for (__u32 p = 0; p < 3; p++) {
		agg_of(skel, p, &a[p]);
		CHECK_EQ_U64(a[p].packets, want[p]);
		CHECK_EQ_U64(a[p].bytes, want[p] * 1028);
		CHECK_EQ_U64(a[p].bursts, 10);
	}
	counters(skel, &c);
	CHECK_EQ_U64(c.steer_flows, 1); /* one flow, one scheduler */
	CHECK_EQ_U64(c.steered, 280);
	wirefisher_bpf__destroy(skel);
}

/*
 * Packets of mixed sizes over equal paths (IPv6): bursts end past 16384
 * bytes, and virtual time carries the overshoot, so after any number of
 * packets no path is more than one burst plus a packet ahead of another.
 */
static void test_mixed_sizes_v6(void)
{
	struct wirefisher_bpf *skel = load_agg();
	const __u32 w[2] = { 1, 1 };
	const __u16 sizes[5] = { 1200, 64, 900, 1400, 300 };
	struct wf_agg_counters a[2];
	__u64 total = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 2, 0x3, w, 0);
	for (int i = 0; i < 1000; i++) {
		CHECK_EQ_U64(send_one(skel, 6, 4001, sizes[i % 5]),
			     TC_ACT_REDIRECT);
		total += sizes[i % 5] + 48; /* IPv6 + UDP headers */
	}
	agg_of(skel, 0, &a[0]);
	agg_of(skel, 1, &a[1]);
	CHECK_EQ_U64(a[0].bytes + a[1].bytes, total);
	CHECK(llabs((long long)a[0].bytes - (long long)a[1].bytes) <=
		      BURST + 1448,
	      "%llu vs %llu bytes", (unsigned long long)a[0].bytes,
	      (unsigned long long)a[1].bytes);
	wirefisher_bpf__destroy(skel);
}

/*
 * A path that stops being usable gets nothing from the next packet on; when
 * it comes back it catches up by at most two bursts, not by all it missed.
 */
static void test_path_leaves_and_returns(void)
{
	struct wirefisher_bpf *skel = load_agg();
	const __u32 w[3] = { 1, 1, 1 };
	struct wf_agg_counters before[3], mid[3], after[3];

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 3, 0x7, w, 0);
	/* 1028-byte packets: 16 to a burst, 48 to a round. */
	for (int i = 0; i < 48 * 2; i++)
		send_one(skel, 4, 4002, 1000);
	for (__u32 p = 0; p < 3; p++)
		agg_of(skel, p, &before[p]);
	CHECK_EQ_U64(before[1].packets, 32);
	route_agg(skel, 3, 0x5, w, 0); /* path 1 unusable */
	for (int i = 0; i < 32 * 10; i++)
		send_one(skel, 4, 4002, 1000);
	for (__u32 p = 0; p < 3; p++)
		agg_of(skel, p, &mid[p]);
	CHECK_EQ_U64(mid[1].packets, before[1].packets);
	CHECK_EQ_U64(mid[0].packets - before[0].packets, 160);
	CHECK_EQ_U64(mid[2].packets - before[2].packets, 160);
	route_agg(skel, 3, 0x7, w, 0); /* back */
	for (int i = 0; i < 48 * 4; i++)
		send_one(skel, 4, 4002, 1000);
	for (__u32 p = 0; p < 3; p++)
		agg_of(skel, p, &after[p]);
	/* 4 rounds' worth: 64 each when fair; path 1 at most 2 bursts more. */
	CHECK(after[1].packets - mid[1].packets <= 64 + 32,
	      "path 1 caught up by %llu packets",
	      (unsigned long long)(after[1].packets - mid[1].packets));
	CHECK(after[0].packets - mid[0].packets >= 32,
	      "path 0 starved: %llu",
	      (unsigned long long)(after[0].packets - mid[0].packets));
	wirefisher_bpf__destroy(skel);
}

/* No usable path: left to routing. Pinned by hand: sticky, one path. */
static void test_none_and_pinned(void)
{
	struct wirefisher_bpf *skel = load_agg();
	const __u32 w[2] = { 1, 1 };
	struct wf_agg_counters a;
	struct wf_counters c;
	struct wf_route r;
	__u32 id = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 2, 0x0, w, 0);
	CHECK_EQ_U64(send_one(skel, 4, 4003, 100), TC_ACT_OK);
	counters(skel, &c);
	CHECK_EQ_U64(c.steer_no_path, 1);
	route_agg(skel, 2, 0x3, w, WF_ROUTE_PINNED);
	bpf_map__lookup_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), 0);
	r.active = 1;
	bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), BPF_ANY);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_U64(send_one(skel, 4, 4003, 1000), TC_ACT_REDIRECT);
	agg_of(skel, 0, &a);
	CHECK_EQ_U64(a.packets, 0); /* not scheduled: all on the pin */
	wirefisher_bpf__destroy(skel);
}

const struct t_case agg_cases[] = {
	{ "agg_exact_shares", test_exact_shares },
	{ "agg_mixed_sizes_v6", test_mixed_sizes_v6 },
	{ "agg_path_leaves_and_returns", test_path_leaves_and_returns },
	{ "agg_none_and_pinned", test_none_and_pinned },
	{ NULL, NULL },
};
