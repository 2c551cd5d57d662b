// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Steering through BPF_PROG_TEST_RUN: the egress program with routes
 * written as the daemon writes them (one wf_route value per route).
 * test_run does not carry out a redirect; the verdict (TC_ACT_REDIRECT or
 * TC_ACT_OK) and the sticky-flow table say where each packet was sent.
 * Path devices get made-up ifindexes; lo (1) is the device packets leave
 * by in test_run, so a path on ifindex 1 means "stay".
 */
#include <math.h>
#include <linux/pkt_cls.h>

#include "fixture.h"

#define MARK   0x7766
#define IFX(p) (100 + (p)) /* the made-up device of path p */

static struct wirefisher_bpf *load_steer(void)
{
	return skel_load_lo(1024, 1, 0, MARK);
}

static void add_prefix4(struct wirefisher_bpf *skel, const char *addr,
			__u32 len, __u64 route)
{
	struct wf_lpm4 k = { .prefixlen = len };

	inet_pton(AF_INET, addr, &k.addr);
	CHECK(!bpf_map__update_elem(skel->maps.wf_steer4, &k, sizeof(k), &route,
				    sizeof(route), 0),
	      "steer4 %s", addr);
}

/* A route over paths 0..n-1; `usable` bit p for path p. */
static void set_route(struct wirefisher_bpf *skel, __u32 id, __u8 mode, int n,
		      unsigned usable, int active, const __u32 *weights)
{
	struct wf_route r = { .mode = mode,
			      .n_paths = (__u8)n,
			      .active = (__u8)active };

	for (int p = 0; p < n; p++) {
		r.paths[p].ifindex = IFX(p);
		r.paths[p].path = (__u8)p;
		r.paths[p].usable = !!(usable & (1u << p));
		r.paths[p].weight = weights ? weights[p] : 1;
	}
	CHECK(!bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				    sizeof(r), BPF_ANY),
	      "route %u", id);
}

/* Path index p of route id leaves by ifindex instead. */
static void route_path_ifindex(struct wirefisher_bpf *skel, __u32 id, int p,
			       __u32 ifindex)
{
	struct wf_route r;

	CHECK(!bpf_map__lookup_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				    sizeof(r), 0),
	      "route %u", id);
	r.paths[p].ifindex = ifindex;
	CHECK(!bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
				    sizeof(r), BPF_ANY),
	      "route %u", id);
}

static int send_mark(struct wirefisher_bpf *skel, int family, const char *dst,
		     __u16 sport, __u32 mark)
{
	struct pkt p;
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_UDP,
			      .src = family == 4 ? "10.96.0.2" : "fd96::2",
			      .dst = dst,
			      .sport = sport,
			      .dport = 5000,
			      .payload = 100 };
	struct __sk_buff ctx = { .mark = mark };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));

	pkt_build(&p, &s);
	opts.data_in = p.buf;
	opts.data_size_in = p.len;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.wf_tc_egress),
				   &opts))
		return -errno;
	return (int)opts.retval;
}

static int send4(struct wirefisher_bpf *skel, const char *dst, __u16 sport)
{
	return send_mark(skel, 4, dst, sport, 0);
}

/* The sticky-flow entry of the flow from sport to dst: 0, or -1. */
static int steer_flow(struct wirefisher_bpf *skel, int family, const char *dst,
		      __u16 sport, struct wf_steer_flow *fl)
{
	struct wf_flow_key k = { .proto = IPPROTO_UDP,
				 .family = (__u8)family,
				 .dir = WF_DIR_EGRESS,
				 .port_src = sport,
				 .port_dst = 5000 };

	inet_pton(family == 4 ? AF_INET : AF_INET6,
		  family == 4 ? "10.96.0.2" : "fd96::2", k.addr_src);
	inet_pton(family == 4 ? AF_INET : AF_INET6, dst, k.addr_dst);
	return bpf_map__lookup_elem(skel->maps.wf_steer_flows, &k, sizeof(k),
				    fl, sizeof(*fl), 0) ?
		       -1 :
		       0;
}

/* The path the flow from sport to dst sticks to, or -1. */
static int path_of(struct wirefisher_bpf *skel, int family, const char *dst,
		   __u16 sport)
{
	struct wf_steer_flow fl;

	return steer_flow(skel, family, dst, sport, &fl) ? -1 : fl.path;
}

static void test_failover_sticky(void)
{
	struct wirefisher_bpf *skel = load_steer();
	struct wf_counters c;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x3, 0, NULL);
	CHECK_EQ_U64(send4(skel, "10.99.0.5", 1000), TC_ACT_REDIRECT);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 0);
	/* Not a steered destination: left alone, not recorded. */
	CHECK_EQ_U64(send4(skel, "10.98.0.5", 1000), TC_ACT_OK);
	CHECK(path_of(skel, 4, "10.98.0.5", 1000) == -1, "recorded");
	/* The route moves to path 1: the old flow stays, new flows follow. */
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x3, 1, NULL);
	send4(skel, "10.99.0.5", 1000);
	send4(skel, "10.99.0.5", 1001);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 0);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1001), 1);
	/* Path 0 dies: only its flow moves, on its next packet. */
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x2, 1, NULL);
	send4(skel, "10.99.0.5", 1000);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 1);
	counters(skel, &c);
	CHECK_EQ_U64(c.steer_flows, 3); /* two new, one moved */
	CHECK_EQ_U64(c.steered, 4);
	wirefisher_bpf__destroy(skel);
}

static void test_no_usable_path(void)
{
	struct wirefisher_bpf *skel = load_steer();
	struct wf_counters c;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x0, 0, NULL);
	CHECK_EQ_U64(send4(skel, "10.99.0.5", 1000), TC_ACT_OK);
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x3, WF_NO_PATH, NULL);
	CHECK_EQ_U64(send4(skel, "10.99.0.5", 1000), TC_ACT_OK);
	counters(skel, &c);
	CHECK_EQ_U64(c.steer_no_path, 2);
	CHECK_EQ_U64(c.steered, 0);
	wirefisher_bpf__destroy(skel);
}

/* n flows over equal paths: each path gets n / paths, exactly. */
static void test_spread_fills_paths(void)
{
	struct wirefisher_bpf *skel = load_steer();
	const __u32 w[3] = { 2, 1, 1 };
	int per[3] = { 0 };

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_SPREAD, 3, 0x7, 0, NULL);
	for (__u16 f = 0; f < 6; f++) {
		send4(skel, "10.99.0.9", 2000 + f);
		per[path_of(skel, 4, "10.99.0.9", 2000 + f) & 3]++;
	}
	CHECK(per[0] == 2 && per[1] == 2 && per[2] == 2, "%d/%d/%d", per[0],
	      per[1], per[2]);
	/* Weights 2:1:1 and 8 more flows: each path within one flow of its
	 * share of all 14 (7, 3.5, 3.5). */
	set_route(skel, 0, WF_MODE_SPREAD, 3, 0x7, 0, w);
	for (__u16 f = 0; f < 8; f++) {
		send4(skel, "10.99.0.9", 3000 + f);
		per[path_of(skel, 4, "10.99.0.9", 3000 + f) & 3]++;
	}
	for (int p = 0; p < 3; p++)
		CHECK(fabs(per[p] - 14.0 * w[p] / 4) <= 1, "%d/%d/%d", per[0],
		      per[1], per[2]);
	wirefisher_bpf__destroy(skel);
}

static void test_probe_mark_and_pin(void)
{
	struct wirefisher_bpf *skel = load_steer();

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_FAILOVER, 3, 0x7, 0, NULL);
	/* The prober's packets stay on the device they were bound to. */
	CHECK_EQ_U64(send_mark(skel, 4, "10.99.0.5", 1000, MARK), TC_ACT_OK);
	CHECK(path_of(skel, 4, "10.99.0.5", 1000) == -1, "probe recorded");
	send4(skel, "10.99.0.5", 1000);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 0);
	/* Pinned by hand: even sticky flows go to the pinned path. */
	struct wf_route r;
	__u32 id = 0;

	bpf_map__lookup_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), 0);
	r.flags = WF_ROUTE_PINNED;
	r.active = 2;
	bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), BPF_ANY);
	send4(skel, "10.99.0.5", 1000);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 2);
	wirefisher_bpf__destroy(skel);
}

/* IPv6 routes; a path on the device the packet already leaves by. */
static void test_ipv6_and_stay(void)
{
	struct wirefisher_bpf *skel = load_steer();
	struct wf_lpm6 k = { .prefixlen = 64 };
	struct wf_route r = { .mode = WF_MODE_FAILOVER, .n_paths = 1 };
	__u64 route = 1;
	__u32 id = 1;
	struct wf_counters c;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	inet_pton(AF_INET6, "fd99::", k.addr);
	bpf_map__update_elem(skel->maps.wf_steer6, &k, sizeof(k), &route,
			     sizeof(route), 0);
	r.paths[0] = (struct wf_route_path){
		.ifindex = LO_IFINDEX, .path = 3, .usable = 1, .weight = 1
	};
	bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), BPF_ANY);
	CHECK_EQ_U64(send_mark(skel, 6, "fd99::7", 1000, 0), TC_ACT_OK);
	CHECK_EQ_U64(path_of(skel, 6, "fd99::7", 1000), 3);
	r.paths[0].ifindex = IFX(3);
	bpf_map__update_elem(skel->maps.wf_routes, &id, sizeof(id), &r,
			     sizeof(r), BPF_ANY);
	CHECK_EQ_U64(send_mark(skel, 6, "fd99::7", 1000, 0), TC_ACT_REDIRECT);
	CHECK_EQ_U64(send_mark(skel, 6, "fd98::7", 1000, 0), TC_ACT_OK);
	counters(skel, &c);
	CHECK_EQ_U64(c.steered, 1);
	wirefisher_bpf__destroy(skel);
}

/* ---- flowlets (bpf/lib/flowlet.bpf.h) ---- */

#define MSEC 1000000ULL

static __u64 path_u64(struct bpf_map *map, __u32 path)
{
	__u64 v = 0;

	bpf_map__lookup_elem(map, &path, sizeof(path), &v, sizeof(v), 0);
	return v;
}

static void set_gap(struct wirefisher_bpf *skel, __u32 route, __u64 gap)
{
	CHECK(!bpf_map__update_elem(skel->maps.wf_flowlet, &route,
				    sizeof(route), &gap, sizeof(gap), BPF_ANY),
	      "wf_flowlet");
}

/*
 * Six flows start while one of three paths is usable; the other two come
 * up. A flow moves only after an idle gap longer than the route's flowlet
 * gap, only to a path that leaves it better off: they end 2/2/2 exactly,
 * and the moves are counted off path 0 (wf_path_left) and onto the others
 * (wf_path_flows). A flow that never pauses that long never moves.
 */
static void test_flowlet_rebalance(void)
{
	struct wirefisher_bpf *skel = load_steer();
	int per[3] = { 0 };
	__u64 t = 100 * SEC;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_SPREAD, 3, 0x1, 0, NULL);
	set_gap(skel, 0, 50 * MSEC);
	skel->bss->wf_clock_ns = t;
	for (__u16 f = 0; f < 6; f++)
		send4(skel, "10.99.0.9", 4000 + f);
	for (__u16 f = 0; f < 6; f++)
		CHECK_EQ_U64(path_of(skel, 4, "10.99.0.9", 4000 + f), 0);
	set_route(skel, 0, WF_MODE_SPREAD, 3, 0x7, 0, NULL);
	/* 40 ms later: within the gap, nobody moves. */
	skel->bss->wf_clock_ns = t += 40 * MSEC;
	for (__u16 f = 0; f < 6; f++)
		send4(skel, "10.99.0.9", 4000 + f);
	for (__u16 f = 0; f < 6; f++)
		CHECK_EQ_U64(path_of(skel, 4, "10.99.0.9", 4000 + f), 0);
	/* Flow 4005 keeps sending every 10 ms; the others pause 60 ms. */
	for (int i = 0; i < 6; i++) {
		skel->bss->wf_clock_ns = t += 10 * MSEC;
		send4(skel, "10.99.0.9", 4005);
	}
	for (__u16 f = 0; f < 5; f++)
		send4(skel, "10.99.0.9", 4000 + f);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.9", 4005), 0);
	for (__u16 f = 0; f < 6; f++)
		per[path_of(skel, 4, "10.99.0.9", 4000 + f) & 3]++;
	CHECK(per[0] == 2 && per[1] == 2 && per[2] == 2, "%d/%d/%d", per[0],
	      per[1], per[2]);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 0), 4);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_flows, 1), 2);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_flows, 2), 2);
	/* Balanced: another pause moves nothing (no trading back and forth). */
	skel->bss->wf_clock_ns = t += 200 * MSEC;
	for (__u16 f = 0; f < 6; f++)
		send4(skel, "10.99.0.9", 4000 + f);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 0), 4);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 1), 0);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 2), 0);
	wirefisher_bpf__destroy(skel);
}

/* Gap 0 (off, or failover): a pause moves nothing. */
static void test_flowlet_off(void)
{
	struct wirefisher_bpf *skel = load_steer();
	__u64 t = 100 * SEC;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_SPREAD, 2, 0x1, 0, NULL);
	skel->bss->wf_clock_ns = t;
	send4(skel, "10.99.0.9", 4100);
	send4(skel, "10.99.0.9", 4101);
	set_route(skel, 0, WF_MODE_SPREAD, 2, 0x3, 0, NULL);
	skel->bss->wf_clock_ns = t += 10 * SEC;
	send4(skel, "10.99.0.9", 4100);
	send4(skel, "10.99.0.9", 4101);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.9", 4100), 0);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.9", 4101), 0);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 0), 0);
	wirefisher_bpf__destroy(skel);
}

/* The same over IPv6: a route of the IPv6 trie, one flow moves after a
 * pause once a second path is usable. */
static void test_flowlet_ipv6(void)
{
	struct wirefisher_bpf *skel = load_steer();
	struct wf_lpm6 k = { .prefixlen = 64 };
	__u64 route = 1, t = 100 * SEC;
	int per[2] = { 0 };

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	inet_pton(AF_INET6, "fd99::", k.addr);
	bpf_map__update_elem(skel->maps.wf_steer6, &k, sizeof(k), &route,
			     sizeof(route), 0);
	set_route(skel, 1, WF_MODE_SPREAD, 2, 0x1, 0, NULL);
	set_gap(skel, 1, 20 * MSEC);
	skel->bss->wf_clock_ns = t;
	send_mark(skel, 6, "fd99::7", 1000, 0);
	send_mark(skel, 6, "fd99::7", 1001, 0);
	set_route(skel, 1, WF_MODE_SPREAD, 2, 0x3, 0, NULL);
	skel->bss->wf_clock_ns = t += 30 * MSEC;
	send_mark(skel, 6, "fd99::7", 1000, 0);
	send_mark(skel, 6, "fd99::7", 1001, 0);
	per[path_of(skel, 6, "fd99::7", 1000) & 1]++;
	per[path_of(skel, 6, "fd99::7", 1001) & 1]++;
	CHECK(per[0] == 1 && per[1] == 1, "%d/%d", per[0], per[1]);
	CHECK_EQ_U64(path_u64(skel->maps.wf_path_left, 0), 1);
	wirefisher_bpf__destroy(skel);
}

/* ---- path stamps (bpf/lib/pathrx.bpf.h) ---- */

static int run_ingress(struct wirefisher_bpf *skel, int family, const char *src)
{
	struct pkt p;
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_UDP,
			      .src = src,
			      .dst = family == 4 ? "10.96.0.2" : "fd96::2",
			      .sport = 5000,
			      .dport = 1000,
			      .payload = 100 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	pkt_build(&p, &s);
	opts.data_in = p.buf;
	opts.data_size_in = p.len;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.wf_tc_ingress),
				   &opts))
		return -errno;
	return (int)opts.retval;
}

static struct wf_path_seen seen_of(struct wirefisher_bpf *skel, __u32 ifx)
{
	struct wf_path_seen v = { ~0ULL, ~0ULL };

	bpf_map__lookup_elem(skel->maps.wf_path_seen, &ifx, sizeof(ifx), &v,
			     sizeof(v), 0);
	return v;
}

/*
 * A path device's entry (made by the daemon) gets the time of the last
 * packet sent - not a probe - and of the last received, IPv4 and IPv6; a
 * device with no entry gets none, nor does one published as no path device.
 */
static void test_path_stamps(void)
{
	struct wirefisher_bpf *skel = load_steer();
	struct wf_path_seen zero = { 0 }, v;
	__u32 lo = LO_IFINDEX;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	skel->bss->wf_clock_ns = 100 * SEC;
	send4(skel, "10.99.0.5", 1000);
	run_ingress(skel, 4, "10.99.0.5");
	CHECK(bpf_map__lookup_elem(skel->maps.wf_path_seen, &lo, sizeof(lo), &v,
				   sizeof(v), 0) != 0,
	      "an entry made by the datapath");
	CHECK(!bpf_map__update_elem(skel->maps.wf_path_seen, &lo, sizeof(lo),
				    &zero, sizeof(zero), BPF_NOEXIST),
	      "wf_path_seen");
	skel->bss->wf_clock_ns = 101 * SEC;
	send4(skel, "10.99.0.5", 1000);
	v = seen_of(skel, lo);
	CHECK_EQ_U64(v.tx_ns, 101 * SEC);
	CHECK_EQ_U64(v.rx_ns, 0);
	skel->bss->wf_clock_ns = 102 * SEC;
	CHECK_EQ_U64(run_ingress(skel, 4, "10.99.0.5"), TC_ACT_OK);
	v = seen_of(skel, lo);
	CHECK_EQ_U64(v.tx_ns, 101 * SEC);
	CHECK_EQ_U64(v.rx_ns, 102 * SEC);
	/* A probe is no traffic: the silence check must not wait on it. */
	skel->bss->wf_clock_ns = 103 * SEC;
	send_mark(skel, 4, "10.99.0.5", 1000, MARK);
	CHECK_EQ_U64(seen_of(skel, lo).tx_ns, 101 * SEC);
	/* IPv6, both ways. */
	skel->bss->wf_clock_ns = 104 * SEC;
	send_mark(skel, 6, "fd99::7", 1000, 0);
	skel->bss->wf_clock_ns = 105 * SEC;
	run_ingress(skel, 6, "fd99::7");
	v = seen_of(skel, lo);
	CHECK_EQ_U64(v.tx_ns, 104 * SEC);
	CHECK_EQ_U64(v.rx_ns, 105 * SEC);
	/*
	 * An interface published as no path device (an underlay) is not
	 * looked up at all - its cache slot says so: an entry there, which
	 * the daemon never makes, would stay as it was.
	 */
	struct wf_iface plain = { .l2_len = 14, .name = "lo" };

	CHECK(!iface_publish(skel, lo, &plain), "iface_publish");
	skel->bss->wf_clock_ns = 106 * SEC;
	run_ingress(skel, 4, "10.99.0.5");
	send_mark(skel, 4, "10.99.0.5", 1000, 0);
	v = seen_of(skel, lo);
	CHECK_EQ_U64(v.tx_ns, 104 * SEC);
	CHECK_EQ_U64(v.rx_ns, 105 * SEC);
	wirefisher_bpf__destroy(skel);
}

/*
 * Steering and policing in one load, with every switch the egress program
 * reads on: the verifier sums the frames of a call chain, and only this
 * combination reaches the deepest one (a daemon steering with one policing
 * rule was refused once at "combined stack size of 3 calls is 528", seen
 * only by e2e/http). Then a packet both policed and steered: charged to
 * its rule and redirected to its path, and dropped once the bucket is dry.
 */
static void test_steer_and_police(void)
{
	static const char yaml[] =
		"interfaces: [lo]\n"
		"rules:\n"
		"  - name: r\n"
		"    match: { dst: 10.99.0.0/24, proto: udp, dport: 5000 }\n"
		"    rate: 8mbit\n"
		"    burst: 2kB\n"
		"  - name: each-source\n"
		"    match: { src: 10.96.0.0/16 }\n"
		"    rate: 1gbit\n"
		"    per: src_ip\n";
	static struct wf_config cfg;
	struct wirefisher_bpf *skel;
	struct wf_rule_counters rc;
	static struct wf_host host;
	int n = config_parse("both.yaml", yaml, sizeof(yaml) - 1, &cfg, stderr);

	CHECK(n == 0, "the test's YAML has %d errors", n);
	if (n)
		return;
	cfg.max_flows = 1024;
	skel = skel_open_cfg(&cfg, 1);
	if (skel) {
		skel->rodata->wf_steer = 1;
		skel->rodata->wf_probe_mark = MARK;
		skel->rodata->wf_dup_on = 1;
		skel->rodata->wf_src_prefixed = ~0ULL;
		skel->rodata->wf_dst_prefixed = ~0ULL;
		skel->rodata->wf_rule_ids = ~0ULL;
	}
	skel = skel_finish_lo(skel);
	CHECK(skel, "steering + policing + duplicate do not load: %s",
	      strerror(errno));
	if (!skel)
		return;
	preflight_refresh(&cfg, &host);
	CHECK(!loader_write_policy(skel, &cfg, &host), "loader_write_policy");
	skel->bss->wf_clock_ns = 10 * SEC;
	add_prefix4(skel, "10.99.0.0", 24, 0);
	/* Path 1 is lo, where test_run sends: its packets stay, policed
	 * here; path 0's are redirected, to be policed at that device. */
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x3, 1, NULL);
	route_path_ifindex(skel, 0, 1, LO_IFINDEX);
	/* 128-byte IP packets, a 2000-byte burst: 15 pass, the 16th is
	 * dropped. */
	for (int i = 0; i < 15; i++)
		CHECK_EQ_U64(send4(skel, "10.99.0.5", 1000), TC_ACT_OK);
	CHECK_EQ_U64(send4(skel, "10.99.0.5", 1000), TC_ACT_SHOT);
	CHECK_EQ_U64(path_of(skel, 4, "10.99.0.5", 1000), 1);
	set_route(skel, 0, WF_MODE_FAILOVER, 2, 0x3, 0, NULL);
	CHECK_EQ_U64(send4(skel, "10.99.0.5", 1001), TC_ACT_REDIRECT);
	rule_counters(skel, 0, &rc);
	CHECK_EQ_U64(rc.passed, 15);
	CHECK_EQ_U64(rc.dropped, 1);
	wirefisher_bpf__destroy(skel);
}

/* A 100-byte UDP packet of the flow from sport at the egress of ifindex. */
static int send_dev(struct wirefisher_bpf *skel, __u32 ifindex, __u16 sport)
{
	struct pkt p;
	struct pkt_spec s = { .family = 4,
			      .proto = IPPROTO_UDP,
			      .src = "10.96.0.2",
			      .dst = "10.99.0.5",
			      .sport = sport,
			      .dport = 5000,
			      .payload = 100 };

	pkt_build(&p, &s);
	return run_at(skel, 1, ifindex, &p);
}

/*
 * A packet moved from wfd1 to wfd2 meets the egress program again at wfd2,
 * nested on the same CPU (test_run does not redirect: the case runs that
 * pass itself). The note of the move lets it stay without steering it
 * again: its sticky flow counts it once (twice before the note served
 * every mode), and only the move counts as steered. The note is per CPU:
 * the child stays on one.
 */
static void moved_once_case(void *unused)
{
	struct wirefisher_bpf *skel = NULL;
	struct wf_steer_flow fl = { 0 };
	struct wf_counters c;
	__u32 ifx[3];

	(void)unused;
	if (one_cpu_veth(ifx))
		return;
	skel = load_steer();
	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	publish_veth_paths(skel, ifx);
	add_prefix4(skel, "10.99.0.0", 24, 0);
	set_route(skel, 0, WF_MODE_FAILOVER, 1, 0x1, 0, NULL);
	route_path_ifindex(skel, 0, 0, ifx[2]);
	/* Routed by wfd1: moved to wfd2, the route's path. */
	CHECK_EQ_U64(send_dev(skel, ifx[1], 1000), TC_ACT_REDIRECT);
	/* Its pass at wfd2: it stays, steered and counted once. */
	CHECK_EQ_U64(send_dev(skel, ifx[2], 1000), TC_ACT_OK);
	CHECK(!steer_flow(skel, 4, "10.99.0.5", 1000, &fl), "no sticky flow");
	CHECK_EQ_U64(fl.packets, 1);
	CHECK_EQ_U64(fl.bytes, 128);
	/* The note is spent: the next packet at wfd2 is steered afresh. */
	CHECK_EQ_U64(send_dev(skel, ifx[2], 1000), TC_ACT_OK);
	steer_flow(skel, 4, "10.99.0.5", 1000, &fl);
	CHECK_EQ_U64(fl.packets, 2);
	counters(skel, &c);
	CHECK_EQ_U64(c.steered, 1);
	CHECK_EQ_U64(c.steer_flows, 1);
	wirefisher_bpf__destroy(skel);
}

static void test_moved_once(void)
{
	in_child(moved_once_case, NULL);
}

const struct t_case steer_cases[] = {
	{ "steer_failover_sticky", test_failover_sticky },
	{ "steer_moved_once", test_moved_once },
	{ "steer_no_usable_path", test_no_usable_path },
	{ "steer_spread_fills_paths", test_spread_fills_paths },
	{ "steer_probe_mark_and_pin", test_probe_mark_and_pin },
	{ "steer_ipv6_and_stay", test_ipv6_and_stay },
	{ "steer_flowlet_rebalance", test_flowlet_rebalance },
	{ "steer_flowlet_off", test_flowlet_off },
	{ "steer_flowlet_ipv6", test_flowlet_ipv6 },
	{ "steer_path_stamps", test_path_stamps },
	{ "steer_and_police", test_steer_and_police },
	{ NULL, NULL },
};
