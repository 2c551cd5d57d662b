/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * parse.bpf.h - turn the bytes of an IP packet into a hook-neutral packet
 * description (struct wf_pkt). Works on a linear [data, data_end) window that
 * starts at the IP header, so tc, XDP and cgroup_skb entries can all use it.
 */
#ifndef WF_PARSE_BPF_H
#define WF_PARSE_BPF_H

#include "compat.bpf.h"
#include "../wf_shared.h"

/*
 * IPv6 extension headers walked in the linear window; a longer chain is
 * walked again off the skb (skb.bpf.h).
 */
#define WF_IPV6_EXT_MAX 6

/* SCTP's common header: ports, verification tag, checksum (RFC 9260). */
#define WF_SCTP_HLEN 12

enum wf_parse {
	WF_PARSE_OK = 0,
	WF_PARSE_MALFORMED, /* a header field is impossible */
	WF_PARSE_TRUNCATED, /* the packet ends inside a header */
	WF_PARSE_NOT_IP,    /* the hook says it is not IP (skb.bpf.h) */
};

/*
 * What key.port_src/port_dst say to a rule with ports (match.bpf.h). Only
 * TCP, UDP and SCTP have ports; ICMP keeps its type and code there for
 * accounting, which no port rule may mistake for ports.
 */
enum wf_l4 {
	WF_L4_NONE = 0, /* no ports: another protocol, or a packet that
			 * really ends before them (the receiver drops it) */
	WF_L4_PORTS,	/* read from the packet, or from its first fragment */
	WF_L4_ANY,	/* could be any: a later fragment whose first was not
			 * seen; fail closed (frag.bpf.h) */
	WF_L4_UNKNOWN,	/* the protocol too: an IPv6 header chain longer
			 * than we walk; fail closed (skb.bpf.h) */
};

enum wf_frag_kind {
	WF_FRAG_NONE = 0,
	WF_FRAG_FIRST, /* offset 0, more to come: carries the ports */
	WF_FRAG_LATER, /* offset > 0: no L4 header */
};

/* What every library function needs to know about one packet. */
struct wf_pkt {
	struct wf_flow_key key;
	__u32 len;     /* IP bytes of this skb, from the IP header on */
	__u32 hdr_len; /* IP + L4 header bytes, repeated in every GSO segment */
	__u32 segs;    /* wire packets this skb stands for (GSO), at least 1 */
	__u8 l4;       /* enum wf_l4 */
	__u8 frag;     /* enum wf_frag_kind */
	__u8 fate;     /* WF_FRAG_* of the datagram, for a later fragment */
	__u8 pad;
	__u16 l4_off; /* L4 header offset from the IP header, 0: not reached */
	__u16 dgram_len; /* first UDP fragment: the whole datagram's UDP length */
	__u32 frag_id;	 /* the datagram's identification (IPv4: 16 bits) */
	__u32 charge;	 /* bytes the buckets charge, if not pkt_bytes() */
	/* The socket's cgroup and its ancestors by level (cgroup hooks only). */
	__u64 cg[WF_CG_LEVELS];
	/* The socket's maker, if wf_sock_create saw it (cgroup hooks only). */
	__u32 pid;
	__u32 exe_dev;
	__u64 comm[WF_COMM_LEN / 8];
	__u64 exe_ino;
};

static __always_inline int l4_has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

/*
 * The rest of a header that starts with the ports is cut short. A first
 * fragment may end there legitimately (RFC 1858's tiny fragment: its TCP
 * header goes on in the next one) and the receiver reassembles it, so it is
 * a whole packet; anything else really is truncated.
 */
static __always_inline int l4_cut(const struct wf_pkt *pkt)
{
	return pkt->frag == WF_FRAG_FIRST ? WF_PARSE_OK : WF_PARSE_TRUNCATED;
}

static __always_inline int parse_l4(void *l4, void *data_end, __u8 proto,
				    struct wf_pkt *pkt)
{
	/* TCP, UDP and SCTP all open with source and destination port. */
	if (l4_has_ports(proto)) {
		__be16 *ports = l4;

		if ((void *)(ports + 2) > data_end)
			return WF_PARSE_TRUNCATED;
		pkt->key.port_src = bpf_ntohs(ports[0]);
		pkt->key.port_dst = bpf_ntohs(ports[1]);
		pkt->l4 = WF_L4_PORTS;
	}
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return l4_cut(pkt);
		if (th->doff < 5)
			return WF_PARSE_MALFORMED;
		/* A header longer than the packet: GSO would be charged per
		 * segment for bytes no segment has (found by the fuzzer). */
		if (pkt->hdr_len + th->doff * 4 > pkt->len)
			return l4_cut(pkt);
		pkt->hdr_len += th->doff * 4;
		return WF_PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return l4_cut(pkt);
		pkt->hdr_len += sizeof(struct udphdr);
		pkt->dgram_len = bpf_ntohs(uh->len);
		return WF_PARSE_OK;
	}
	case IPPROTO_SCTP:
		/* Common header: ports, verification tag, checksum. */
		if (l4 + WF_SCTP_HLEN > data_end)
			return l4_cut(pkt);
		pkt->hdr_len += WF_SCTP_HLEN;
		return WF_PARSE_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *tc = l4; /* type, code: the same place in both */

		if ((void *)(tc + 2) > data_end)
			return WF_PARSE_TRUNCATED;
		pkt->key.port_src = tc[0];
		pkt->key.port_dst = tc[1];
		return WF_PARSE_OK;
	}
	}
	return WF_PARSE_OK;
}

/*
 * tot_len 0 is how the kernel marks an IPv4 GSO packet larger than 64 KB
 * (BIG TCP, commit b1a78b9b9886): valid on a GSO skb, malformed elsewhere.
 */
static __always_inline int ipv4_len_ok(const struct iphdr *iph, __u32 ihl,
				       const struct wf_pkt *pkt)
{
	__u16 tot = bpf_ntohs(iph->tot_len);

	return tot >= ihl || (tot == 0 && pkt->segs > 1);
}

static __always_inline int parse_ipv4(void *data, void *data_end,
				      struct wf_pkt *pkt)
{
	struct iphdr *iph = data;
	__u16 frag;
	__u32 ihl;

	if ((void *)(iph + 1) > data_end)
		return WF_PARSE_TRUNCATED;
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph) ||
	    !ipv4_len_ok(iph, ihl, pkt))
		return WF_PARSE_MALFORMED;
	if (data + ihl > data_end)
		return WF_PARSE_TRUNCATED;

	pkt->key.family = WF_FAMILY_IPV4;
	pkt->key.proto = iph->protocol;
	pkt->key.addr_src[0] = iph->saddr;
	pkt->key.addr_dst[0] = iph->daddr;
	pkt->hdr_len = ihl;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & (IP_OFFSET | IP_MF))
		pkt->frag_id = bpf_ntohs(iph->id);
	/* Only the first fragment carries the L4 header. */
	if (frag & IP_OFFSET) {
		pkt->frag = WF_FRAG_LATER;
		return WF_PARSE_OK;
	}
	if (frag & IP_MF)
		pkt->frag = WF_FRAG_FIRST;
	pkt->l4_off = ihl;
	return parse_l4(data + ihl, data_end, iph->protocol, pkt);
}

/*
 * Note an IPv6 fragment header (RFC 8200 4.5: offset in 8-byte units in the
 * top 13 bits, M in the lowest, then a 32-bit identification).
 */
static __always_inline int ipv6_frag(const __u8 *ext, struct wf_pkt *pkt)
{
	__u16 off_m = (ext[2] << 8) | ext[3];

	/* Offset 0 and no more: an atomic fragment (RFC 6946), whole. */
	if (!(off_m & 0xFFF9))
		return WF_FRAG_NONE;
	pkt->frag_id = bpf_ntohl(*(__be32 *)(ext + 4));
	pkt->frag = off_m & 0xFFF8 ? WF_FRAG_LATER : WF_FRAG_FIRST;
	return pkt->frag;
}

static __always_inline int parse_ipv6(void *data, void *data_end,
				      struct wf_pkt *pkt)
{
	struct ipv6hdr *ip6 = data;
	__u32 off = sizeof(*ip6);
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return WF_PARSE_TRUNCATED;
	if (ip6->version != 6)
		return WF_PARSE_MALFORMED;

	pkt->key.family = WF_FAMILY_IPV6;
	__builtin_memcpy(pkt->key.addr_src, &ip6->saddr, 16);
	__builtin_memcpy(pkt->key.addr_dst, &ip6->daddr, 16);
	next = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < WF_IPV6_EXT_MAX; i++) {
		__u8 *ext = data + off;

		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT &&
		    next != IPPROTO_AH)
			break;
		if ((void *)(ext + 8) > data_end)
			return WF_PARSE_TRUNCATED;
		if (next == IPPROTO_FRAGMENT) {
			/* A non-first fragment has no L4 header. */
			if (ipv6_frag(ext, pkt) == WF_FRAG_LATER) {
				pkt->key.proto = ext[0];
				pkt->hdr_len = off + 8;
				return WF_PARSE_OK;
			}
			off += 8;
		} else if (next == IPPROTO_AH) {
			off += (ext[1] + 2) * 4;
		} else {
			off += (ext[1] + 1) * 8;
		}
		next = ext[0];
	}
	pkt->key.proto = next;
	pkt->hdr_len = off;
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	    next == IPPROTO_DSTOPTS || next == IPPROTO_FRAGMENT ||
	    next == IPPROTO_AH)
		return WF_PARSE_MALFORMED; /* longer chain than we walk */
	pkt->l4_off = off;
	if (data + off > data_end)
		return WF_PARSE_TRUNCATED;
	return parse_l4(data + off, data_end, next, pkt);
}

/*
 * Fill pkt->key's addresses, protocol and ports and pkt->hdr_len from the IP
 * packet at data. family comes from the hook (skb->protocol); a header whose
 * version disagrees is malformed. pkt->key must be zeroed by the caller.
 */
static __always_inline int pkt_parse(void *data, void *data_end, __u8 family,
				     struct wf_pkt *pkt)
{
	if (family == WF_FAMILY_IPV4)
		return parse_ipv4(data, data_end, pkt);
	return parse_ipv6(data, data_end, pkt);
}

#endif /* WF_PARSE_BPF_H */
