// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The aggregate scheduler (bpf/lib/aggregate.bpf.h) through
 * BPF_PROG_TEST_RUN, on the test clock: one flow sent packet by packet
 * through the egress program with a route and path models written as the
 * daemon writes them; wf_agg_stats says exactly what each path carried.
 * A 1028-byte IP packet costs (1028 + 80 overhead) x 8 = 8864 ns per Mbit/s
 * of capacity: 1.108 ms at 8 Mbit/s.
 */
#include <linux/pkt_cls.h>

#include "fixture.h"

#define IFX(p) (100u + (__u32)(p)) /* the made-up device of path p */
#define T0     (10 * SEC)

static struct wirefisher_bpf *load_agg(void)
{
	struct wirefisher_bpf *skel = skel_load_lo(1024, 1, 0, 0x7766);

	if (skel)
		skel->bss->wf_clock_ns = T0;
	return skel;
}

/* Route 0 over n paths, path p by device ifx[p] (NULL: IFX(p)). */
static void route_agg_on(struct wirefisher_bpf *skel, int n, unsigned usable,
			 __u8 flags, const __u32 *ifx)
{
	struct wf_route r = { .mode = WF_MODE_AGGREGATE,
			      .n_paths = (__u8)n,
			      .flags = flags };
	__u32 id = 0;

	for (int p = 0; p < n; p++) {
		r.paths[p].ifindex = ifx ? ifx[p] : IFX(p);
		r.paths[p].path = (__u8)p;
		r.paths[p].usable = !!(usable & (1u << p));
		r.paths[p].weight = 1;
	}
	CHECK(!bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				    sizeof(r), BPF_ANY),
	      "route");
}

static void route_agg(struct wirefisher_bpf *skel, int n, unsigned usable,
		      __u8 flags)
{
	route_agg_on(skel, n, usable, flags, NULL);
}

/* Path p's model: capacity in Mbit/s, one-way delay in microseconds. */
static void model(struct wirefisher_bpf *skel, __u32 p, __u64 mbit,
		  __u64 delay_us)
{
	struct wf_agg_path v = {
		.ns_per_byte = (8000ULL / mbit) << WF_TB_SHIFT,
		.delay_ns = delay_us * 1000,
	};

	CHECK(!bpf_map__update_elem(skel->maps.wf_agg_paths, &p, sizeof(p), &v,
				    sizeof(v), BPF_ANY),
	      "model %u", p);
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

/*
 * One packet of the flow (sport) with payload bytes at the egress of device
 * ifindex (0: lo); the verdict.
 */
static int send_at(struct wirefisher_bpf *skel, __u32 ifindex, int family,
		   __u16 sport, __u16 payload)
{
	struct pkt p;
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_UDP,
			      .src = family == 4 ? "10.96.0.2" : "fd96::2",
			      .dst = family == 4 ? "10.99.0.5" : "fd99::5",
			      .sport = sport,
			      .dport = 5000,
			      .payload = payload };

	pkt_build(&p, &s);
	return run_at(skel, 1, ifindex, &p);
}

static int send_one(struct wirefisher_bpf *skel, int family, __u16 sport,
		    __u16 payload)
{
	return send_at(skel, 0, family, sport, payload);
}

static void agg_of(struct wirefisher_bpf *skel, __u32 path,
		   struct wf_agg_counters *out)
{
	stats_sum_percpu(bpf_map__fd(skel->maps.wf_agg_stats), path, out,
			 sizeof(*out));
}

/*
 * A backlogged sender (the clock stands still) over 8 + 4 + 2 Mbit/s: each
 * packet goes where it arrives first, which splits bytes in proportion to
 * capacity - exactly 8:4:2 over every 14 packets of one size.
 */
static void test_exact_shares(void)
{
	struct wirefisher_bpf *skel = load_agg();
	const __u64 want[3] = { 160, 80, 40 };
	struct wf_agg_counters a[3];
	struct wf_counters c;
	int redirected = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 3, 0x7, 0);
	model(skel, 0, 8, 0);
	model(skel, 1, 4, 0);
	model(skel, 2, 2, 0);
	for (int i = 0; i < 280; i++)
		redirected += send_one(skel, 4, 4000, 1000) == TC_ACT_REDIRECT;
	CHECK_EQ_U64(redirected, 280);
	for (__u32 p = 0; p < 3; p++) {
		agg_of(skel, p, &a[p]);
		CHECK_EQ_U64(a[p].packets, want[p]);
		CHECK_EQ_U64(a[p].bytes, want[p] * 1028);
	}
	counters(skel, &c);
	CHECK_EQ_U64(c.steered, 280);
	wirefisher_bpf__destroy(skel);
}

/*
 * Two 8 Mbit/s paths, the second 5 ms slower (IPv6). A sender slower than
 * one path uses only the faster; a burst goes to the slower path only once
 * the faster one's queue is 5 ms deep: packet 6 (6 x 1.108 ms > 1.108 + 5).
 */
static void test_delay_first_v6(void)
{
	struct wirefisher_bpf *skel = load_agg();
	struct wf_agg_counters a[2];

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 2, 0x3, 0);
	model(skel, 0, 8, 0);
	model(skel, 1, 8, 5000);
	/* 980 bytes + 48 of IPv6 and UDP headers = 1028, as over IPv4 above.
	 * One packet per 10 ms: path 0 only. */
	for (int i = 0; i < 50; i++) {
		CHECK_EQ_U64(send_one(skel, 6, 4001, 980), TC_ACT_REDIRECT);
		skel->bss->wf_clock_ns += 10 * 1000000ULL;
	}
	agg_of(skel, 1, &a[1]);
	CHECK_EQ_U64(a[1].packets, 0);
	skel->bss->wf_clock_ns += SEC; /* queues empty */
	for (int i = 0; i < 5; i++)
		send_one(skel, 6, 4001, 980);
	agg_of(skel, 1, &a[1]);
	CHECK_EQ_U64(a[1].packets, 0);
	send_one(skel, 6, 4001, 980);
	agg_of(skel, 0, &a[0]);
	agg_of(skel, 1, &a[1]);
	CHECK_EQ_U64(a[0].packets, 55);
	CHECK_EQ_U64(a[1].packets, 1);
	wirefisher_bpf__destroy(skel);
}

/*
 * A path that stops being usable gets nothing from the next packet on; the
 * modelled queues never run more than the horizon (500 ms) ahead.
 */
static void test_path_leaves_and_horizon(void)
{
	struct wirefisher_bpf *skel = load_agg();
	struct wf_agg_counters before, after;
	__u64 end;
	__u32 p0 = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	route_agg(skel, 3, 0x7, 0);
	for (__u32 p = 0; p < 3; p++)
		model(skel, p, 8, 0);
	for (int i = 0; i < 30; i++)
		send_one(skel, 4, 4002, 1000);
	agg_of(skel, 1, &before);
	CHECK_EQ_U64(before.packets, 10);
	route_agg(skel, 3, 0x5, 0); /* path 1 unusable */
	for (int i = 0; i < 1000; i++)
		send_one(skel, 4, 4002, 1000);
	agg_of(skel, 1, &after);
	CHECK_EQ_U64(after.packets, before.packets);
	bpf_map__lookup_elem(skel->maps.wf_agg_queue, &p0, sizeof(p0), &end,
			     sizeof(end), 0);
	CHECK(end <= T0 + 500 * 1000000ULL + 1108000, "queue end %llu ns ahead",
	      (unsigned long long)(end - T0));
	wirefisher_bpf__destroy(skel);
}

/* No usable path: left to routing. Pinned by hand: sticky, one path. */
static void test_none_and_pinned(void)
{
	struct wirefisher_bpf *skel = load_agg();
	struct wf_agg_counters a;
	struct wf_counters c;
	struct wf_route r;
	__u32 id = 0;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	prefixes(skel);
	model(skel, 0, 8, 0);
	model(skel, 1, 8, 0);
	route_agg(skel, 2, 0x0, 0);
	CHECK_EQ_U64(send_one(skel, 4, 4003, 100), TC_ACT_OK);
	counters(skel, &c);
	CHECK_EQ_U64(c.steer_no_path, 1);
	route_agg(skel, 2, 0x3, WF_ROUTE_PINNED);
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

/*
 * One set of programs with route 0 over wfd1 and wfd2 (8 Mbit/s; wfd2 0.5
 * ms faster), its state taken from prev as a reload or a restart takes it.
 */
static struct wirefisher_bpf *handover_set(const __u32 *ifx,
					   struct wirefisher_bpf *prev)
{
	struct wirefisher_bpf *skel = skel_open_lo(1024, 1, 0, 0x7766);
	const __u32 dev[2] = { ifx[1], ifx[2] };

	if (!skel || (prev && state_take(skel->obj, prev->obj, NULL))) {
		wirefisher_bpf__destroy(skel);
		return NULL;
	}
	skel = skel_finish_lo(skel);
	if (!skel)
		return NULL;
	skel->bss->wf_clock_ns = T0;
	publish_veth_paths(skel, ifx);
	prefixes(skel);
	route_agg_on(skel, 2, 0x3, 0, dev);
	model(skel, 0, 8, 500);
	model(skel, 1, 8, 0);
	return skel;
}

/*
 * A hand-over (reload, restart) swaps the path devices' hooks one at a
 * time, so a packet the old set moved to wfd2 can meet the new set's
 * program there. It shares the old set's note of the move and leaves the
 * packet where it is: scheduled once. (Without the note the new set
 * scheduled it afresh, back to wfd1, counted twice - 12009 datagrams
 * scheduled of 12000, one lost to the back and forth, in a CI run of
 * steer_persist_modes.) The note is per CPU: the child stays on one.
 */
static void handover_case(void *unused)
{
	struct wirefisher_bpf *old = NULL, *new = NULL;
	struct wf_agg_counters a0, a1;
	__u32 ifx[3];

	(void)unused;
	if (one_cpu_veth(ifx))
		return;
	old = handover_set(ifx, NULL);
	new = old ? handover_set(ifx, old) : NULL;
	CHECK(old && new, "load: %s", strerror(errno));
	if (old && new) {
		/* Sent by wfd1: the old set moves it to wfd2, the faster. */
		CHECK_EQ_U64(send_at(old, ifx[1], 4, 4010, 1000),
			     TC_ACT_REDIRECT);
		/* At wfd2's egress, the new set's program: it stays. */
		CHECK_EQ_U64(send_at(new, ifx[2], 4, 4010, 1000), TC_ACT_OK);
		agg_of(new, 0, &a0);
		agg_of(new, 1, &a1);
		CHECK_EQ_U64(a0.packets, 0);
		CHECK_EQ_U64(a1.packets, 1);
		/* The next packet is scheduled as usual: by wfd1, now the
		 * earlier arrival behind wfd2's modelled queue. */
		CHECK_EQ_U64(send_at(new, ifx[2], 4, 4010, 1000),
			     TC_ACT_REDIRECT);
		agg_of(new, 0, &a0);
		CHECK_EQ_U64(a0.packets, 1);
	}
	wirefisher_bpf__destroy(new);
	wirefisher_bpf__destroy(old);
}

static void test_handover(void)
{
	in_child(handover_case, NULL);
}

const struct t_case agg_cases[] = {
	{ "agg_exact_shares", test_exact_shares },
	{ "agg_delay_first_v6", test_delay_first_v6 },
	{ "agg_path_leaves_and_horizon", test_path_leaves_and_horizon },
	{ "agg_none_and_pinned", test_none_and_pinned },
	{ "agg_handover_moved_once", test_handover },
	{ NULL, NULL },
};
