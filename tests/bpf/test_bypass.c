// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Packets that used to walk past a policing rule (issue 13, items 1-3):
 * later fragments, headers the parser could not finish, and ports read
 * where a protocol has none. Each row says which rules must count it.
 */
#include "fixture.h"

#define V4(s, d) .family = 4, .src = s, .dst = d
#define V6(s, d) .family = 6, .src = s, .dst = d

/* Bit i set: rule i counted the packet (passed or dropped). */
static __u64 counted_by(struct wirefisher_bpf *skel, int nrules,
			const struct pkt *p, __u32 gso_segs)
{
	struct wf_rule_counters before[16], after;
	__u64 set = 0;
	int r;

	for (r = 0; r < nrules; r++)
		rule_counters(skel, (__u32)r, &before[r]);
	run(skel, 0, p, gso_segs, 1);
	for (r = 0; r < nrules; r++) {
		rule_counters(skel, (__u32)r, &after);
		if (after.passed + after.dropped >
		    before[r].passed + before[r].dropped)
			set |= 1ULL << r;
	}
	return set;
}

/* ---- fragments (item 1) ----------------------------------------------- */

/*
 * A fragment of a UDP datagram to 10.0.0.2 (fd00::2), 1000 IP bytes:
 * `off` in 8-byte units; a first fragment (off 0) says the datagram's UDP
 * length, udp_len (0: just this fragment's).
 */
static void frag4(struct pkt *p, const char *src, __u32 id, __u16 off,
		  __u16 dport, __u16 udp_len)
{
	struct pkt_spec s = { V4(src, "10.0.0.2"), .proto = IPPROTO_UDP,
			      .sport = 4000, .dport = dport,
			      .payload = 1000 - 28 };
	struct iphdr *ip;

	pkt_build(p, &s);
	ip = (struct iphdr *)(p->buf + p->l3);
	ip->id = htons((__u16)id);
	ip->frag_off = htons((__u16)(0x2000 | off)); /* MF */
	if (off) /* payload, not a header: ports that must not count */
		memset(p->buf + p->l4, 0x11, 8);
	else if (udp_len)
		((struct udphdr *)(p->buf + p->l4))->len = htons(udp_len);
}

/* The same over IPv6: the 8-byte hop-by-hop turned into a fragment header. */
static void frag6(struct pkt *p, const char *src, __u32 id, __u16 off,
		  __u16 dport, __u16 udp_len)
{
	struct pkt_spec s = { V6(src, "fd00::2"),   .proto = IPPROTO_UDP,
			      .sport = 4000,	    .dport = dport,
			      .payload = 1000 - 56, .v6_hopopts = 1 };
	__u8 *ext;

	pkt_build(p, &s);
	ext = p->buf + p->l3 + sizeof(struct ipv6hdr);
	((struct ipv6hdr *)(p->buf + p->l3))->nexthdr = 44;
	ext[0] = IPPROTO_UDP;
	ext[2] = (__u8)((off << 3) >> 8);
	ext[3] = (__u8)((off << 3) | 1); /* M */
	id = htonl(id);
	memcpy(ext + 4, &id, 4);
	if (off)
		memset(p->buf + p->l4, 0x11, 8);
	else if (udp_len)
		((struct udphdr *)(p->buf + p->l4))->len = htons(udp_len);
}

#define FRAG_RULES                                 \
	"rules:\n"                                 \
	"  - name: dport-9000\n"                   \
	"    match: { proto: udp, dport: 9000 }\n" \
	"    rate: 8mbit\n    burst: 10kB\n"       \
	"  - name: dport-9001\n"                   \
	"    match: { dport: 9001 }\n"             \
	"    rate: 1gbit\n"

typedef void (*frag_fn)(struct pkt *p, const char *src, __u32 id, __u16 off,
			__u16 dport, __u16 udp_len);

/* n fragments of datagram id at the current time; how many passed. */
static int datagram(struct wirefisher_bpf *skel, frag_fn make, const char *src,
		    __u32 id, int n, __u16 udp_len)
{
	struct pkt p;
	int i, passed = 0;

	for (i = 0; i < n; i++) {
		make(&p, src, id, (__u16)(i * 125), 9000, udp_len);
		passed += run(skel, 0, &p, 0, 1) == 0;
	}
	return passed;
}

/*
 * Datagrams of six 1000-byte fragments (6000 IP bytes) against a 10 kB
 * bucket: the first fragment pays for the whole datagram, so one passes
 * whole and the next is dropped whole - no tokens spent on half a
 * datagram. A first fragment that under-states its length buys only that
 * much. Then out of order: later fragments before their first are charged
 * to both port rules (fail closed), and a fragment of another source never
 * borrows the entry.
 */
static void frags(frag_fn make, const char *src, const char *other,
		  __u16 per) /* UDP bytes in one fragment */
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_rules(FRAG_RULES, 1, &cfg);
	struct wf_rule_counters rc;
	struct wf_counters c;
	struct pkt p;

	if (!skel)
		return;
	skel->bss->wf_clock_ns = 100 * SEC;
	CHECK_EQ_U64(datagram(skel, make, src, 7, 6, 6 * per), 6);
	CHECK_EQ_U64(datagram(skel, make, src, 8, 6, 6 * per), 0);
	rule_counters(skel, 0, &rc);
	CHECK(rc.passed + rc.dropped == 12,
	      "the rule counted %llu of 12 "
	      "fragments",
	      (unsigned long long)(rc.passed + rc.dropped));
	CHECK_EQ_U64(rc.passed_bytes, 6000);

	/* Says 2 fragments, sends 6: 2000 B paid, 4 x 1000 charged after. */
	skel->bss->wf_clock_ns = 101 * SEC;
	CHECK_EQ_U64(datagram(skel, make, src, 9, 6, 2 * per), 6);
	/* 4000 B left: four more 1000-byte packets (lone first fragments). */
	CHECK_EQ_U64(datagram(skel, make, src, 10, 1, 0) +
			     datagram(skel, make, src, 11, 1, 0) +
			     datagram(skel, make, src, 12, 1, 0) +
			     datagram(skel, make, src, 13, 1, 0) +
			     datagram(skel, make, src, 14, 1, 0),
		     4);

	/* Out of order, a new datagram a second later: full bucket. */
	skel->bss->wf_clock_ns = 102 * SEC;
	make(&p, src, 20, 250, 9000, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x3);
	make(&p, src, 20, 0, 9000, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x1);
	make(&p, src, 20, 125, 9000, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x1);
	/* Same id, another source: not this datagram's entry. */
	make(&p, other, 20, 125, 9000, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x3);
	/* A datagram to 9001: its later fragments go to that rule alone. */
	make(&p, src, 21, 0, 9001, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x2);
	make(&p, src, 21, 125, 9001, 0);
	CHECK_EQ_U64(counted_by(skel, 2, &p, 0), 0x2);
	counters(skel, &c);
	CHECK_EQ_U64(c.frags, 6 + 6 + 6 + 5 + 6);
	CHECK_EQ_U64(c.frags_no_first, 2);
	wirefisher_bpf__destroy(skel);
}

static void test_frags_v4(void)
{
	frags(frag4, "10.0.0.1", "10.0.0.3", 980);
}
static void test_frags_v6(void)
{
	frags(frag6, "fd00::1", "fd00::3", 952);
}

/* ---- headers the parser did not finish (item 2) ------------------------ */

#define SHAPE_RULES                              \
	"rules:\n"                               \
	"  - name: prefix\n"                     \
	"    match: { dst: 10.0.0.2 }\n"         \
	"    rate: 1gbit\n"                      \
	"  - name: prefix6\n"                    \
	"    match: { dst: fd00::2 }\n"          \
	"    rate: 1gbit\n"                      \
	"  - name: tcp-80\n"                     \
	"    match: { proto: tcp, dport: 80 }\n" \
	"    rate: 1gbit\n"                      \
	"  - name: udp-53\n"                     \
	"    match: { proto: udp, dport: 53 }\n" \
	"    rate: 1gbit\n"

/* IPv6 UDP to port 53 behind seven 8-byte destination-options headers. */
static void seven_ext(struct pkt *p)
{
	struct pkt_spec s = { V6("fd00::1", "fd00::2"), .proto = IPPROTO_UDP,
			      .sport = 1, .dport = 53, .payload = 100 };
	struct ipv6hdr *ip6;
	__u8 *l3;
	int i;

	pkt_build(p, &s);
	l3 = p->buf + p->l3;
	memmove(l3 + 40 + 56, l3 + 40, p->len - p->l3 - 40);
	memset(l3 + 40, 0, 56);
	for (i = 0; i < 7; i++)
		l3[40 + 8 * i] = i < 6 ? 60 : IPPROTO_UDP;
	ip6 = (struct ipv6hdr *)l3;
	ip6->nexthdr = 60;
	ip6->payload_len = htons((__u16)(ntohs(ip6->payload_len) + 56));
	p->len += 56;
	p->l4 += 56;
}

/* IPv4 TCP to port 80, GSO of 3, tot_len 0 as BIG TCP writes it. */
static void big_tcp(struct pkt *p)
{
	struct pkt_spec s = { V4("10.0.0.1", "10.0.0.2"), .proto = IPPROTO_TCP,
			      .sport = 1, .dport = 80, .payload = 3000 };

	pkt_build(p, &s);
	((struct iphdr *)(p->buf + p->l3))->tot_len = 0;
}

/* An IPv4 first fragment with 8 bytes of TCP: ports, no whole header. */
static void tiny_first(struct pkt *p)
{
	struct pkt_spec s = { V4("10.0.0.1", "10.0.0.2"), .proto = IPPROTO_TCP,
			      .sport = 1, .dport = 80 };
	struct iphdr *ip;

	pkt_build(p, &s);
	ip = (struct iphdr *)(p->buf + p->l3);
	ip->frag_off = htons(0x2000);
	ip->id = htons(77);
	ip->tot_len = htons(28);
	p->len = p->l4 + 8;
}

static void test_unparsed_shapes(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_rules(SHAPE_RULES, 1, &cfg);
	struct pkt p;

	if (!skel)
		return;
	skel->bss->wf_clock_ns = 100 * SEC;
	/*
	 * Past the headers we walk, protocol and ports are unknown: every
	 * rule its addresses match counts it, port rules too (fail closed).
	 */
	seven_ext(&p);
	CHECK_EQ_U64(counted_by(skel, 4, &p, 0), 0xE);
	big_tcp(&p);
	CHECK_EQ_U64(counted_by(skel, 4, &p, 3), 0x5);
	tiny_first(&p);
	CHECK_EQ_U64(counted_by(skel, 4, &p, 0), 0x5);
	/* ... and its later fragment, charged as the datagram's. */
	tiny_first(&p);
	((struct iphdr *)(p.buf + p.l3))->frag_off = htons(1);
	CHECK_EQ_U64(counted_by(skel, 4, &p, 0), 0x5);
	wirefisher_bpf__destroy(skel);
}

/* ---- ports mean TCP and UDP, or SCTP when asked (item 3) -------------- */

#define PORT_RULES                                  \
	"rules:\n"                                  \
	"  - name: any-sport-0-100\n"               \
	"    match: { sport: 0-100 }\n"             \
	"    rate: 1gbit\n"                         \
	"  - name: sctp-5000\n"                     \
	"    match: { proto: sctp, dport: 5000 }\n" \
	"    rate: 1gbit\n"                         \
	"  - name: any-dport-5000\n"                \
	"    match: { dport: 5000 }\n"              \
	"    rate: 1gbit\n"

struct port_row {
	const char *name;
	struct pkt_spec spec;
	__u64 want;
};

static const struct port_row port_table[] = {
	{ "icmp echo (type 8 is no port)",
	  { V4("10.0.0.1", "10.0.0.2"), .proto = IPPROTO_ICMP, .sport = 8,
	    .payload = 56 },
	  0 },
	{ "icmp6 echo",
	  { V6("fd00::1", "fd00::2"), .proto = IPPROTO_ICMPV6, .sport = 128,
	    .payload = 56 },
	  0 },
	{ "gre", { V4("10.0.0.1", "10.0.0.2"), .proto = 47, .payload = 40 }, 0 },
	{ "esp", { V4("10.0.0.1", "10.0.0.2"), .proto = 50, .payload = 40 }, 0 },
	{ "udp sport 7 (any-sport)",
	  { V4("10.0.0.1", "10.0.0.2"), .proto = IPPROTO_UDP, .sport = 7,
	    .dport = 9, .payload = 10 },
	  0x1 },
	{ "tcp to 5000 (any-dport)",
	  { V4("10.0.0.1", "10.0.0.2"), .proto = IPPROTO_TCP, .sport = 1000,
	    .dport = 5000, .payload = 10 },
	  0x4 },
};

/* SCTP to port 5000 from port 1000 (pkt.h writes no SCTP header). */
static void sctp5000(struct pkt *p, int family)
{
	struct pkt_spec s = { .family = family,
			      .proto = IPPROTO_SCTP,
			      .src = family == 4 ? "10.0.0.1" : "fd00::1",
			      .dst = family == 4 ? "10.0.0.2" : "fd00::2",
			      .payload = 28 };
	__u16 ports[2] = { htons(1000), htons(5000) };

	pkt_build(p, &s);
	memcpy(p->buf + p->l4, ports, 4);
}

static void test_ports_need_a_port_protocol(void)
{
	struct wf_config cfg;
	struct wirefisher_bpf *skel = load_rules(PORT_RULES, 1, &cfg);
	size_t i;
	struct pkt p;

	if (!skel)
		return;
	skel->bss->wf_clock_ns = 100 * SEC;
	for (i = 0; i < sizeof(port_table) / sizeof(port_table[0]); i++) {
		__u64 got;

		pkt_build(&p, &port_table[i].spec);
		got = counted_by(skel, 3, &p, 0);
		CHECK(got == port_table[i].want,
		      "%s: counted by 0x%llx, want "
		      "0x%llx",
		      port_table[i].name, (unsigned long long)got,
		      (unsigned long long)port_table[i].want);
	}
	sctp5000(&p, 4);
	CHECK_EQ_U64(counted_by(skel, 3, &p, 0), 0x2);
	sctp5000(&p, 6);
	CHECK_EQ_U64(counted_by(skel, 3, &p, 0), 0x2);
	wirefisher_bpf__destroy(skel);
}

const struct t_case bypass_cases[] = { { "bypass_frags_v4", test_frags_v4 },
				       { "bypass_frags_v6", test_frags_v6 },
				       { "bypass_unparsed_shapes",
					 test_unparsed_shapes },
				       { "bypass_ports_need_a_port_protocol",
					 test_ports_need_a_port_protocol },
				       { 0 } };
