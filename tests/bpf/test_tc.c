// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * BPF_PROG_TEST_RUN fixtures against the real tc programs of the skeleton.
 *
 * A table of packets (built by tests/lib/pkt.h, some then broken on purpose)
 * with the flow or counter each must produce; then the window and rate
 * arithmetic with the test clock; then two threads on two CPUs feeding one
 * flow, which must lose no count.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"

static struct wirefisher_bpf *load(int test_clock)
{
	return skel_load_lo(1024, test_clock, 0, 0);
}

static void key_of(const struct pkt_spec *s, int egress, __u16 sport,
		   __u16 dport, struct wf_flow_key *k)
{
	int af = s->family == 4 ? AF_INET : AF_INET6;

	memset(k, 0, sizeof(*k));
	inet_pton(af, s->src, k->addr_src);
	inet_pton(af, s->dst, k->addr_dst);
	k->family = (__u8)s->family;
	k->proto = s->proto;
	k->port_src = sport;
	k->port_dst = dport;
	k->dir = egress ? WF_DIR_EGRESS : WF_DIR_INGRESS;
	k->ifindex = LO_IFINDEX;
}

static int flow_of(struct wirefisher_bpf *skel, const struct wf_flow_key *k,
		   struct wf_flow *f)
{
	return bpf_map__lookup_elem(skel->maps.wf_flows, k, sizeof(*k), f,
				    sizeof(*f), 0);
}

static unsigned flows_in(struct wirefisher_bpf *skel)
{
	struct wf_flow_key k, next;
	void *prev = NULL;
	unsigned n = 0;
	int fd = bpf_map__fd(skel->maps.wf_flows);

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* ---- the packet table ---------------------------------------------- */

enum expect { EXP_FLOW, EXP_NON_IP, EXP_MALFORMED, EXP_TRUNCATED };

struct row {
	const char *name;
	struct pkt_spec spec;
	void (*breakit)(struct pkt *p);
	int egress;
	__u32 gso_segs;
	enum expect expect;
	__u16 sport, dport; /* expected key ports (EXP_FLOW) */
	__u32 hdr_len;	    /* IP + L4 header, for GSO byte counts */
};

/* test_run itself refuses a frame too short for a bare IP header. */
static void cut_ip_opts(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)(p->buf + p->l3);

	ip->ihl = 15;
	ip->tot_len = htons(100);
	p->len = p->l3 + 24;
}
static void cut_tcp(struct pkt *p)
{
	p->len = p->l4 + 10;
}
static void cut_udp(struct pkt *p)
{
	p->len = p->l4 + 4;
}
static void cut_ip6_ext(struct pkt *p)
{
	p->len = p->l3 + 44;
}
static void ihl_3(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->ihl = 3;
}
static void ver_6(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->version = 6;
}
static void ver_4(struct pkt *p)
{
	((struct ipv6hdr *)(p->buf + p->l3))->version = 4;
}
static void doff_2(struct pkt *p)
{
	((struct tcphdr *)(p->buf + p->l4))->doff = 2;
}
static void doff_12(struct pkt *p)
{
	((struct tcphdr *)(p->buf + p->l4))->doff = 12;
}
static void tot_len_small(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->tot_len = htons(12);
}

static void frag_later(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->frag_off = htons(100);
}

static void arp(struct pkt *p)
{
	((struct ethhdr *)p->buf)->h_proto = htons(ETH_P_ARP);
}

/* Turn the 8-byte hop-by-hop header into a non-first fragment header. */
static void frag6_later(struct pkt *p)
{
	uint8_t *ext = p->buf + p->l3 + sizeof(struct ipv6hdr);

	((struct ipv6hdr *)(p->buf + p->l3))->nexthdr = 44;
	ext[2] = 0;
	ext[3] = 8 << 3;
}

static void frag6_first(struct pkt *p)
{
	uint8_t *ext = p->buf + p->l3 + sizeof(struct ipv6hdr);

	((struct ipv6hdr *)(p->buf + p->l3))->nexthdr = 44;
	ext[2] = 0;
	ext[3] = 1; /* offset 0, more fragments */
}

#define V4 .family = 4, .src = "10.0.0.1", .dst = "10.0.0.2"
#define V6 .family = 6, .src = "fd00::1", .dst = "fd00::2"

static const struct row table[] = {
	{ .name = "ipv4 udp",
	  .spec = { V4, .proto = IPPROTO_UDP, .sport = 5000, .dport = 53,
		    .payload = 100 },
	  .sport = 5000,
	  .dport = 53 },
	{ .name = "ipv4 tcp egress",
	  .spec = { V4, .proto = IPPROTO_TCP, .sport = 40000, .dport = 443,
		    .payload = 1000 },
	  .egress = 1,
	  .sport = 40000,
	  .dport = 443 },
	{ .name = "ipv4 icmp echo",
	  .spec = { V4, .proto = IPPROTO_ICMP, .sport = 8, .dport = 0,
		    .payload = 56 },
	  .sport = 8,
	  .dport = 0 },
	{ .name = "ipv4 options",
	  .spec = { V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
		    .payload = 10, .v4_opt_words = 3 },
	  .sport = 1,
	  .dport = 2 },
	{ .name = "ipv4 gre (no ports)",
	  .spec = { V4, .proto = 47, .payload = 40 } },
	{ .name = "ipv4 later fragment",
	  .spec = { V4, .proto = IPPROTO_UDP, .sport = 7, .dport = 9,
		    .payload = 200 },
	  .breakit = frag_later },
	{ .name = "ipv4 tcp gso x3",
	  .spec = { V4, .proto = IPPROTO_TCP, .sport = 1234, .dport = 80,
		    .payload = 1000 * 3 },
	  .gso_segs = 3,
	  .sport = 1234,
	  .dport = 80,
	  .hdr_len = 40 },
	{ .name = "ipv6 udp",
	  .spec = { V6, .proto = IPPROTO_UDP, .sport = 6000, .dport = 443,
		    .payload = 64 },
	  .sport = 6000,
	  .dport = 443 },
	{ .name = "ipv6 tcp after hop-by-hop",
	  .spec = { V6, .proto = IPPROTO_TCP, .sport = 22, .dport = 50000,
		    .payload = 10, .v6_hopopts = 1 },
	  .sport = 22,
	  .dport = 50000 },
	{ .name = "ipv6 icmp6 echo",
	  .spec = { V6, .proto = IPPROTO_ICMPV6, .sport = 128, .dport = 0,
		    .payload = 56 },
	  .sport = 128 },
	{ .name = "ipv6 later fragment",
	  .spec = { V6, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
		    .payload = 100, .v6_hopopts = 1 },
	  .breakit = frag6_later },
	{ .name = "ipv6 first fragment",
	  .spec = { V6, .proto = IPPROTO_UDP, .sport = 3, .dport = 4,
		    .payload = 100, .v6_hopopts = 1 },
	  .breakit = frag6_first,
	  .sport = 3,
	  .dport = 4 },
	{ .name = "arp",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 28 },
	  .breakit = arp,
	  .expect = EXP_NON_IP },
	{ .name = "ipv4 cut in ip options",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = cut_ip_opts,
	  .expect = EXP_TRUNCATED },
	{ .name = "ipv4 cut in tcp header",
	  .spec = { V4, .proto = IPPROTO_TCP, .payload = 10 },
	  .breakit = cut_tcp,
	  .expect = EXP_TRUNCATED },
	{ .name = "ipv4 cut in udp header",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = cut_udp,
	  .expect = EXP_TRUNCATED },
	{ .name = "ipv6 cut in hop-by-hop",
	  .spec = { V6, .proto = IPPROTO_UDP, .payload = 10, .v6_hopopts = 1 },
	  .breakit = cut_ip6_ext,
	  .expect = EXP_TRUNCATED },
	{ .name = "ipv4 ihl 3",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = ihl_3,
	  .expect = EXP_MALFORMED },
	{ .name = "ipv4 tot_len < ihl",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = tot_len_small,
	  .expect = EXP_MALFORMED },
	{ .name = "ipv4 ethertype, version 6",
	  .spec = { V4, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = ver_6,
	  .expect = EXP_MALFORMED },
	{ .name = "ipv6 ethertype, version 4",
	  .spec = { V6, .proto = IPPROTO_UDP, .payload = 10 },
	  .breakit = ver_4,
	  .expect = EXP_MALFORMED },
	{ .name = "tcp doff 2",
	  .spec = { V4, .proto = IPPROTO_TCP, .payload = 10 },
	  .breakit = doff_2,
	  .expect = EXP_MALFORMED },
	/* Found by the datapath fuzzer: a TCP header longer than the packet
	 * was taken as whole, its 48 bytes charged again per GSO segment. */
	{ .name = "tcp doff 12 in a 20-byte packet, gso x3",
	  .spec = { V4, .proto = IPPROTO_TCP },
	  .breakit = doff_12,
	  .gso_segs = 3,
	  .expect = EXP_TRUNCATED },
};

static void check_row(const struct row *r)
{
	struct wirefisher_bpf *skel = load(1);
	struct wf_counters c;
	struct wf_flow_key k;
	struct wf_flow f;
	struct pkt p;
	__u64 segs = r->gso_segs ? r->gso_segs : 1, bytes;
	int err;

	CHECK(skel, "%s: cannot load the skeleton: %s", r->name,
	      strerror(errno));
	if (!skel)
		return;
	CHECK(pkt_build(&p, &r->spec) == 0, "%s: bad spec", r->name);
	if (r->breakit)
		r->breakit(&p);
	skel->bss->wf_clock_ns = 5 * SEC;
	err = run(skel, r->egress, &p, r->gso_segs, 1);
	CHECK(err == 0 /* TC_ACT_OK */, "%s: verdict or error %d", r->name,
	      err);
	counters(skel, &c);
	bytes = p.len - p.l3 + (segs - 1) * r->hdr_len;
	switch (r->expect) {
	case EXP_FLOW:
		key_of(&r->spec, r->egress, r->sport, r->dport, &k);
		CHECK(flow_of(skel, &k, &f) == 0,
		      "%s: no flow with the "
		      "expected key (%u flows in the map)",
		      r->name, flows_in(skel));
		CHECK(f.packets == segs && f.bytes == bytes,
		      "%s: %llu packets %llu bytes, want %llu, %llu", r->name,
		      (unsigned long long)f.packets,
		      (unsigned long long)f.bytes, (unsigned long long)segs,
		      (unsigned long long)bytes);
		CHECK(f.first_ns == 5 * SEC && f.last_ns == 5 * SEC,
		      "%s: first/last seen", r->name);
		CHECK(c.flows_created == 1 && c.bytes == bytes &&
			      c.packets == segs,
		      "%s: counters", r->name);
		break;
	case EXP_NON_IP:
		CHECK(c.non_ip == 1 && flows_in(skel) == 0, "%s: non_ip %llu",
		      r->name, (unsigned long long)c.non_ip);
		break;
	case EXP_MALFORMED:
		CHECK(c.malformed == 1 && flows_in(skel) == 0,
		      "%s: malformed %llu, truncated %llu, %u flows", r->name,
		      (unsigned long long)c.malformed,
		      (unsigned long long)c.truncated, flows_in(skel));
		break;
	case EXP_TRUNCATED:
		CHECK(c.truncated == 1 && flows_in(skel) == 0,
		      "%s: truncated %llu, malformed %llu, %u flows", r->name,
		      (unsigned long long)c.truncated,
		      (unsigned long long)c.malformed, flows_in(skel));
		break;
	}
	wirefisher_bpf__destroy(skel);
}

static void test_packet_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check_row(&table[i]);
}

/* An interface the loader has not published is left alone entirely. */
static void test_unknown_interface(void)
{
	struct wirefisher_bpf *skel = load(1);
	struct pkt_spec s = { V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
			      .payload = 10 };
	struct wf_counters c;
	struct pkt p;
	__u32 idx = LO_IFINDEX;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	iface_unpublish(skel, idx, false);
	pkt_build(&p, &s);
	CHECK(run(skel, 0, &p, 0, 1) == 0, "verdict");
	counters(skel, &c);
	CHECK(c.packets == 0 && flows_in(skel) == 0, "counted %llu packets",
	      (unsigned long long)c.packets);
	wirefisher_bpf__destroy(skel);
}

/*
 * The interface's facts come from its wf_ifcache slot only while that slot
 * holds it: an interface displaced by another of the same slot (ifindex
 * 1 + 256 here, a Layer-3 one) is read from wf_ifaces, with its own
 * link-layer length, and one taken out of both is left alone.
 */
static void test_interface_cache_slots(void)
{
	struct wirefisher_bpf *skel = load(1);
	struct pkt_spec s = { V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
			      .payload = 10 };
	struct wf_iface other = { .l2_len = 0, .name = "wfother" };
	__u32 lo = LO_IFINDEX, slot = LO_IFINDEX % WF_IFCACHE_SLOTS;
	struct wf_ifcache fast;
	struct wf_counters c;
	struct pkt p;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	pkt_build(&p, &s);
	CHECK(run(skel, 0, &p, 0, 1) == 0, "verdict");
	counters(skel, &c);
	CHECK(c.packets == 1 && c.malformed == 0 && flows_in(skel) == 1,
	      "from the cache: %llu packets, %llu malformed, %u flows",
	      (unsigned long long)c.packets, (unsigned long long)c.malformed,
	      flows_in(skel));

	CHECK(iface_publish(skel, lo + WF_IFCACHE_SLOTS, &other) == 0,
	      "publish a second interface in lo's slot");
	CHECK(!bpf_map__lookup_elem(skel->maps.wf_ifcache, &slot, sizeof(slot),
				    &fast, sizeof(fast), 0) &&
		      fast.ifindex == lo + WF_IFCACHE_SLOTS,
	      "the slot holds the other interface");
	CHECK(run(skel, 0, &p, 0, 1) == 0, "verdict");
	counters(skel, &c);
	CHECK(c.packets == 2 && c.malformed == 0 && flows_in(skel) == 1,
	      "displaced, from wf_ifaces with l2 14: %llu packets, %llu "
	      "malformed, %u flows",
	      (unsigned long long)c.packets, (unsigned long long)c.malformed,
	      flows_in(skel));

	iface_unpublish(skel, lo, false);
	CHECK(run(skel, 0, &p, 0, 1) == 0, "verdict");
	counters(skel, &c);
	CHECK(c.packets == 2 && c.malformed == 0,
	      "unpublished: counted %llu packets",
	      (unsigned long long)c.packets);
	wirefisher_bpf__destroy(skel);
}

/* ---- windows and rates, on the test clock --------------------------- */

static void at(struct wirefisher_bpf *skel, __u64 t, const struct pkt *p)
{
	skel->bss->wf_clock_ns = t;
	run(skel, 0, p, 0, 1);
}

static void test_window_rates(void)
{
	struct wirefisher_bpf *skel = load(1);
	struct pkt_spec s = { V4, .proto = IPPROTO_UDP, .sport = 1, .dport = 2,
			      .payload = 1000 - 28 }; /* 1000 IP bytes */
	const __u64 t0 = 10 * SEC;
	struct wf_flow_key k;
	struct wf_flow f;
	struct pkt p;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	pkt_build(&p, &s);
	key_of(&s, 0, 1, 2, &k);

	at(skel, t0, &p);
	at(skel, t0 + SEC / 2, &p);
	flow_of(skel, &k, &f);
	CHECK(f.windows == 0 && f.rate_inst == 0 &&
		      f.bytes - f.win_base == 2000,
	      "no window closed yet: windows %llu",
	      (unsigned long long)f.windows);

	/* t0+1s closes [t0, t0+1s): 2000 B/s; the first window seeds. */
	at(skel, t0 + SEC, &p);
	flow_of(skel, &k, &f);
	CHECK_EQ_U64(f.windows, 1);
	CHECK_EQ_U64(f.rate_inst, 2000);
	CHECK_EQ_U64(f.rate_smooth, 2000);
	CHECK_EQ_U64(f.rate_peak, 2000);
	CHECK_EQ_U64(f.rate_avg, 4000); /* 2000 B over [t0, t0+0.5s] */
	CHECK_EQ_U64(f.bytes - f.win_base,
		     1000); /* this packet opened the next */

	/* t0+2s: 1000 B/s; s = 2000 - 250 + 125. */
	at(skel, t0 + 2 * SEC, &p);
	flow_of(skel, &k, &f);
	CHECK_EQ_U64(f.rate_inst, 1000);
	CHECK_EQ_U64(f.rate_smooth, 1875);
	CHECK_EQ_U64(f.rate_peak, 2000);

	/* Idle until t0+5s: 1000 B over 3 s, folded in once per window. */
	at(skel, t0 + 5 * SEC, &p);
	flow_of(skel, &k, &f);
	CHECK_EQ_U64(f.rate_inst, 333);
	CHECK_EQ_U64(f.rate_smooth, 1365); /* 1875 -> 1682 -> 1513 -> 1365 */
	CHECK_EQ_U64(f.windows, 3);
	CHECK_EQ_U64(f.packets, 5);
	CHECK_EQ_U64(f.bytes, 5000);

	/* The clock steps back: counted, but no window closes or reopens. */
	at(skel, t0 + 4 * SEC, &p);
	flow_of(skel, &k, &f);
	CHECK_EQ_U64(f.packets, 6);
	CHECK_EQ_U64(f.windows, 3);
	CHECK_EQ_U64(f.win_start_ns, t0 + 5 * SEC);
	CHECK_EQ_U64(f.last_ns, t0 + 5 * SEC);
	wirefisher_bpf__destroy(skel);
}

/* ---- two CPUs, one flow ------------------------------------------------ */

#define PER_THREAD 200000

struct feeder {
	struct wirefisher_bpf *skel;
	const struct pkt *p;
	int cpu;
	int err;
};

static void *feed(void *arg)
{
	struct feeder *fd = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(fd->cpu, &set);
	fd->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* Many short runs, so that the two threads interleave for real. */
	for (i = 0; i < PER_THREAD / 1000 && !fd->err; i++)
		fd->err = run(fd->skel, 0, fd->p, 0, 1000);
	return NULL;
}

static void two_cpus(int test_clock)
{
	struct wirefisher_bpf *skel = load(test_clock);
	struct pkt_spec s = { V4, .proto = IPPROTO_TCP, .sport = 7, .dport = 8,
			      .payload = 60 };
	struct feeder f[2];
	pthread_t th[2];
	struct wf_flow_key k;
	struct wf_flow fl;
	struct wf_counters c;
	struct pkt p;
	int i;

	CHECK(skel, "load: %s", strerror(errno));
	if (!skel)
		return;
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "needs two CPUs");
	pkt_build(&p, &s);
	for (i = 0; i < 2; i++) {
		f[i] = (struct feeder){ skel, &p, i, 0 };
		pthread_create(&th[i], NULL, feed, &f[i]);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CHECK(f[i].err == 0, "thread on cpu %d: %s", i,
		      strerror(abs(f[i].err)));
	}
	key_of(&s, 0, 7, 8, &k);
	CHECK(flow_of(skel, &k, &fl) == 0, "no flow");
	CHECK_EQ_U64(fl.packets, 2 * PER_THREAD);
	CHECK_EQ_U64(fl.bytes, 2ULL * PER_THREAD * (p.len - p.l3));
	counters(skel, &c);
	CHECK_EQ_U64(c.packets, 2 * PER_THREAD);
	CHECK_EQ_U64(c.flows_created, 1);
	wirefisher_bpf__destroy(skel);
}

static void test_two_cpus_one_flow(void)
{
	two_cpus(1);
}

/* The same on the real clock, so windows roll while both CPUs add. */
static void test_two_cpus_real_clock(void)
{
	two_cpus(0);
}

const struct t_case tc_cases[] = {
	{ "packet_table", test_packet_table },
	{ "unknown_interface", test_unknown_interface },
	{ "interface_cache_slots", test_interface_cache_slots },
	{ "window_rates", test_window_rates },
	{ "two_cpus_one_flow", test_two_cpus_one_flow },
	{ "two_cpus_real_clock", test_two_cpus_real_clock },
	{ 0 }
};
