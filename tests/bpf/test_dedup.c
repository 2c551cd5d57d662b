// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Duplicated traffic (bpf/lib/dedup.bpf.h) through BPF_PROG_TEST_RUN. The
 * deduplicator tells copies apart by the device they arrive on, so each
 * case runs in a child process in a network namespace of its own with a
 * veth pair: its two devices and lo are three path devices (test_run takes
 * the device from the context's ifindex). The child's failed checks are
 * its exit status.
 */
#include <linux/pkt_cls.h>

#include "fixture.h"

struct lab {
	struct wirefisher_bpf *skel;
	__u32 ifx[3]; /* lo, wfd1, wfd2 */
};

static int lab_up(struct lab *l)
{
	struct wirefisher_bpf *skel;

	if (netns_veth(l->ifx))
		return -1;
	skel = skel_open_lo(1024, 1, 0, 0x7766);
	if (!skel)
		return -1;
	skel->rodata->wf_dup_on = 1;
	l->skel = skel = skel_finish_lo(skel);
	if (!skel)
		return -1;
	skel->bss->wf_clock_ns = 10 * SEC;
	for (int i = 1; i < 3; i++) {
		struct wf_iface v = { .l2_len = 14, .flags = WF_IFACE_STEER };

		snprintf(v.name, sizeof(v.name), "wfd%d", i);
		if (bpf_map__update_elem(skel->maps.wf_ifaces, &l->ifx[i],
					 sizeof(__u32), &v, sizeof(v), BPF_ANY))
			return -1;
	}
	return 0;
}

/*
 * Route 0 to `to`/len over the three devices, selector `sel`; the copies go
 * by paths first and second (indices into ifx).
 */
static void lab_route(struct lab *l, int family, const char *to, __u32 len,
		      const struct wf_dup_sel *sel, int first, int second)
{
	struct wf_route r = { .mode = WF_MODE_FAILOVER, .n_paths = 3 };
	struct wf_dup d = { .n_sel = 1 };
	__u64 route = 0;
	__u32 id = 0;

	if (family == 4) {
		struct wf_lpm4 k = { .prefixlen = len };

		inet_pton(AF_INET, to, &k.addr);
		bpf_map__update_elem(l->skel->maps.wf_steer4, &k, sizeof(k),
				     &route, sizeof(route), 0);
	} else {
		struct wf_lpm6 k = { .prefixlen = len };

		inet_pton(AF_INET6, to, k.addr);
		bpf_map__update_elem(l->skel->maps.wf_steer6, &k, sizeof(k),
				     &route, sizeof(route), 0);
	}
	for (int p = 0; p < 3; p++) {
		r.paths[p].ifindex = l->ifx[p];
		r.paths[p].path = (__u8)p;
		r.paths[p].usable = 1;
		r.paths[p].weight = 1;
	}
	r.active = (__u8)first;
	CHECK(!bpf_map__update_elem(l->skel->maps.wf_routes, &id, sizeof(id),
				    &r, sizeof(r), BPF_ANY),
	      "route");
	d.sel[0] = *sel;
	d.ifindex[0] = l->ifx[first];
	d.path[0] = (__u8)first;
	if (second >= 0) {
		d.ifindex[1] = l->ifx[second];
		d.path[1] = (__u8)second;
	}
	CHECK(!bpf_map__update_elem(l->skel->maps.wf_dups, &id, sizeof(id), &d,
				    sizeof(d), BPF_ANY),
	      "dups");
}

/* A packet from src to dst (sport -> dport, payload bytes), through the
 * ingress or egress program at device ifindex: the verdict. */
static int lab_send(struct lab *l, int egress, __u32 ifindex, int family,
		    const char *src, const char *dst, __u16 sport, __u16 dport,
		    __u16 payload)
{
	struct pkt p;
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_UDP,
			      .src = src,
			      .dst = dst,
			      .sport = sport,
			      .dport = dport,
			      .payload = payload };

	pkt_build(&p, &s);
	return run_at(l->skel, egress, ifindex, &p);
}

static struct wf_dup_counters dup_of(struct lab *l, __u32 path)
{
	struct wf_dup_counters c;

	stats_sum_percpu(bpf_map__fd(l->skel->maps.wf_dup_stats), path, &c,
			 sizeof(c));
	return c;
}

/* The far end's view: route 0 leads to the client 10.96.0.2, and the
 * selector picks what it sends from port 9300 - so packets to 9300 from
 * the client arriving by its paths are deduplicated. */
#define CLIENT "10.96.0.2"
#define SERVER "10.99.0.1"
#define IN(l, dev, sport, dport, payload) \
	lab_send(l, 0, (l)->ifx[dev], 4, CLIENT, SERVER, sport, dport, payload)

static void dedup_case(struct lab *l)
{
	const struct wf_dup_sel sel = { .proto = IPPROTO_UDP,
					.sport_lo = 9300,
					.sport_hi = 9300,
					.dport_hi = 0xffff };
	struct wf_dup_counters c1, c2;

	lab_route(l, 4, CLIENT, 32, &sel, 1, 2);
	/* Both copies of one packet: the first passes, the second not. */
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 200), TC_ACT_SHOT);
	/* Another packet (other content): kept. */
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 201), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 201), TC_ACT_SHOT);
	/* A legitimate repeat of the first, itself copied: kept once. */
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 200), TC_ACT_SHOT);
	/* Two repeats with one path behind by both: still each kept once. */
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 200), TC_ACT_SHOT);
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 200), TC_ACT_SHOT);
	/* A copy lost on one path: the other's passes. */
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 202), TC_ACT_OK);
	/* Not selected (port 9400): never deduplicated. */
	CHECK_EQ_U64(IN(l, 1, 5000, 9400, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 2, 5000, 9400, 200), TC_ACT_OK);
	c1 = dup_of(l, 1);
	c2 = dup_of(l, 2);
	CHECK_EQ_U64(c1.passed, 4);
	CHECK_EQ_U64(c1.dropped, 1);
	CHECK_EQ_U64(c2.passed, 2);
	CHECK_EQ_U64(c2.dropped, 4);
	/* After the window, the same content is a new packet again. */
	l->skel->bss->wf_clock_ns += 2 * SEC;
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 200), TC_ACT_OK);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 200), TC_ACT_SHOT);
	/* The second copy, decided on another CPU, read the clock a tick
	 * before the first did: no time passed, not 49 days (it passed as
	 * new, and a datagram arrived twice in a fresh-clone run). */
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 203), TC_ACT_OK);
	l->skel->bss->wf_clock_ns -= 4 * 1000000ULL;
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 203), TC_ACT_SHOT);
}

/* The route's receive window (wf_dup.window_ms; 0: 1 s). */
static void set_window(struct lab *l, __u32 ms)
{
	struct wf_dup d;
	__u32 id = 0;

	CHECK(!bpf_map__lookup_elem(l->skel->maps.wf_dups, &id, sizeof(id), &d,
				    sizeof(d), 0),
	      "dups");
	d.window_ms = ms;
	CHECK(!bpf_map__update_elem(l->skel->maps.wf_dups, &id, sizeof(id), &d,
				    sizeof(d), BPF_ANY),
	      "dups");
}

/*
 * duplicate_window: a second copy within the route's window is dropped,
 * one later than it passes as new (the window must cover the paths' delay
 * difference). 100 ms here; by default 1 s.
 */
static void dedup_window_case(struct lab *l)
{
	const struct wf_dup_sel sel = { .proto = IPPROTO_UDP,
					.sport_lo = 9300,
					.sport_hi = 9300,
					.dport_hi = 0xffff };
	const __u64 ms = 1000000ULL;

	lab_route(l, 4, CLIENT, 32, &sel, 1, 2);
	set_window(l, 100);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 210), TC_ACT_OK);
	l->skel->bss->wf_clock_ns += 50 * ms;
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 210), TC_ACT_SHOT);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 211), TC_ACT_OK);
	l->skel->bss->wf_clock_ns += 150 * ms;
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 211), TC_ACT_OK); /* too late */
	/* The default, 1 s: 500 ms late is still a second copy. */
	set_window(l, 0);
	CHECK_EQ_U64(IN(l, 1, 5000, 9300, 212), TC_ACT_OK);
	l->skel->bss->wf_clock_ns += 500 * ms;
	CHECK_EQ_U64(IN(l, 2, 5000, 9300, 212), TC_ACT_SHOT);
}

/* IPv6, and the sending side: a selected packet is copied to the second
 * path (bpf_clone_redirect, counted) and moved to the first. */
static void dup_egress_case(struct lab *l)
{
	const struct wf_dup_sel sel = { .family = WF_FAMILY_IPV6,
					.proto = IPPROTO_UDP,
					.dport_lo = 9300,
					.dport_hi = 9300,
					.sport_hi = 0xffff };
	struct wf_dup_counters c;

	lab_route(l, 6, "fd99::", 64, &sel, 1, 2);
	CHECK_EQ_U64(lab_send(l, 1, l->ifx[0], 6, "fd96::2", "fd99::1", 5000,
			      9300, 100),
		     TC_ACT_REDIRECT);
	c = dup_of(l, 2);
	CHECK_EQ_U64(c.copies, 1);
	/* Not selected: steered as the route says (failover, path 1). */
	CHECK_EQ_U64(lab_send(l, 1, l->ifx[0], 6, "fd96::2", "fd99::1", 5000,
			      9400, 100),
		     TC_ACT_REDIRECT);
	c = dup_of(l, 2);
	CHECK_EQ_U64(c.copies, 1);
	/* Only one usable path: no copy. */
	lab_route(l, 6, "fd99::", 64, &sel, 1, -1);
	lab_send(l, 1, l->ifx[0], 6, "fd96::2", "fd99::1", 5000, 9300, 100);
	c = dup_of(l, 2);
	CHECK_EQ_U64(c.copies, 1);
	/* Receiving IPv6: copies by two devices, one passes. */
	CHECK_EQ_U64(lab_send(l, 0, l->ifx[1], 6, "fd99::1", "fd96::2", 9300,
			      5000, 300),
		     TC_ACT_OK);
	CHECK_EQ_U64(lab_send(l, 0, l->ifx[2], 6, "fd99::1", "fd96::2", 9300,
			      5000, 300),
		     TC_ACT_SHOT);
}

/* A case (arg: its function's address) in the lab, in a child process. */
static void lab_case(void *arg)
{
	void (*fn)(struct lab *) = *(void (**)(struct lab *))arg;
	struct lab l = { 0 };

	if (lab_up(&l)) {
		fprintf(stderr, "  cannot set up the namespace lab\n");
		_exit(100);
	}
	fn(&l);
	wirefisher_bpf__destroy(l.skel);
}

static void in_lab(void (*fn)(struct lab *))
{
	in_child(lab_case, &fn);
}

static void test_dedup(void)
{
	in_lab(dedup_case);
}

static void test_dedup_window(void)
{
	in_lab(dedup_window_case);
}

static void test_dup_egress_v6(void)
{
	in_lab(dup_egress_case);
}

const struct t_case dedup_cases[] = {
	{ "dedup_copies_repeats_window", test_dedup },
	{ "dedup_route_window", test_dedup_window },
	{ "dup_egress_and_v6", test_dup_egress_v6 },
	{ NULL, NULL },
};
