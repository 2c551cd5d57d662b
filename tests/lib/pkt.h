/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pkt.h - build Ethernet frames for BPF_PROG_TEST_RUN (tests and benches).
 *
 * pkt_build() lays out Ethernet + IPv4/IPv6 (+ optional extension bytes)
 * + TCP/UDP/ICMP + payload; the fields a test wants to break can be edited
 * in the returned buffer afterwards.
 */
#ifndef WF_PKT_H
#define WF_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>

#define PKT_MAX 3500 /* test_run takes about a page */

struct pkt_spec {
	int family;	       /* 4 or 6 */
	uint8_t proto;	       /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, other */
	const char *src, *dst; /* addresses as text */
	uint16_t sport, dport; /* ports, or ICMP type/code */
	uint16_t payload;      /* bytes after the L4 header */
	uint8_t v4_opt_words;  /* IPv4 options, in 4-byte words */
	uint8_t v6_hopopts;    /* 1: put an 8-byte hop-by-hop header first */
};

/*
 * buf sits 2 bytes past a 4-byte boundary, as the kernel's NET_IP_ALIGN
 * places a frame, so that the IP and L4 headers after the 14-byte Ethernet
 * header are aligned for the struct casts below (UBSan builds check them).
 */
struct pkt {
	uint8_t align_pad[2];
	uint8_t buf[PKT_MAX];
	uint32_t len; /* whole frame */
	uint32_t l3;  /* offset of the IP header */
	uint32_t l4;  /* offset of the L4 header */
} __attribute__((aligned(4)));

static inline uint32_t pkt_l4_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

static inline void pkt_l4(struct pkt *p, const struct pkt_spec *s)
{
	uint8_t *l4 = p->buf + p->l4;

	if (s->proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons(s->sport);
		th->dest = htons(s->dport);
		th->doff = 5;
		th->ack = 1;
	} else if (s->proto == IPPROTO_UDP) {
		struct udphdr *uh = (struct udphdr *)l4;

		uh->source = htons(s->sport);
		uh->dest = htons(s->dport);
		uh->len = htons((uint16_t)(sizeof(*uh) + s->payload));
	} else if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
		l4[0] = (uint8_t)s->sport; /* type */
		l4[1] = (uint8_t)s->dport; /* code */
	}
}

/* Returns 0, or -1 if the spec does not fit a frame. */
static inline int pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	struct ethhdr *eth = (struct ethhdr *)p->buf;
	uint32_t l4len = pkt_l4_len(s->proto), iplen;

	memset(p, 0, sizeof(*p));
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	p->l3 = sizeof(*eth);
	if (s->family == 4) {
		struct iphdr *ip = (struct iphdr *)(p->buf + p->l3);
		uint32_t ihl = sizeof(*ip) + 4u * s->v4_opt_words;

		eth->h_proto = htons(ETH_P_IP);
		p->l4 = p->l3 + ihl;
		iplen = ihl + l4len + s->payload;
		if (p->l3 + iplen > PKT_MAX)
			return -1;
		ip->version = 4;
		ip->ihl = (uint8_t)(ihl / 4);
		ip->ttl = 64;
		ip->protocol = s->proto;
		ip->tot_len = htons((uint16_t)iplen);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(p->buf + p->l3);
		uint32_t ext = s->v6_hopopts ? 8 : 0;

		eth->h_proto = htons(ETH_P_IPV6);
		p->l4 = p->l3 + sizeof(*ip6) + ext;
		iplen = sizeof(*ip6) + ext + l4len + s->payload;
		if (p->l3 + iplen > PKT_MAX)
			return -1;
		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->payload_len = htons((uint16_t)(iplen - sizeof(*ip6)));
		ip6->nexthdr = ext ? 0 /* hop-by-hop */ : s->proto;
		if (ext)
			p->buf[p->l3 + sizeof(*ip6)] = s->proto;
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
	}
	p->len = p->l3 + iplen;
	pkt_l4(p, s);
	return 0;
}

#endif /* WF_PKT_H */
