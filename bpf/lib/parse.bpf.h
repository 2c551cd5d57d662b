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

/* More IPv6 extension headers than this and the packet is left unparsed. */
#define WF_IPV6_EXT_MAX 6

enum wf_parse {
	WF_PARSE_OK = 0,
	WF_PARSE_MALFORMED,	/* a header field is impossible */
	WF_PARSE_TRUNCATED,	/* the packet ends inside a header */
	WF_PARSE_NOT_IP,	/* the hook says it is not IP (skb.bpf.h) */
};

/* What every library function needs to know about one packet. */
struct wf_pkt {
	struct wf_flow_key key;
	__u32 len;	/* IP bytes of this skb, from the IP header on */
	__u32 hdr_len;	/* IP + L4 header bytes, repeated in every GSO segment */
	__u32 segs;	/* wire packets this skb stands for (GSO), at least 1 */
	__u32 pad;
	/* The socket's cgroup and its ancestors by level (cgroup hooks only). */
	__u64 cg[WF_CG_LEVELS];
	/* The socket's maker, if wf_sock_create saw it (cgroup hooks only). */
	__u32 pid;
	__u32 exe_dev;
	__u64 comm[WF_COMM_LEN / 8];
	__u64 exe_ino;
};

static __always_inline int parse_l4(void *l4, void *data_end, __u8 proto,
				    struct wf_pkt *pkt)
{
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return WF_PARSE_TRUNCATED;
		if (th->doff < 5)
			return WF_PARSE_MALFORMED;
		pkt->key.port_src = bpf_ntohs(th->source);
		pkt->key.port_dst = bpf_ntohs(th->dest);
		pkt->hdr_len += th->doff * 4;
		return WF_PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return WF_PARSE_TRUNCATED;
		pkt->key.port_src = bpf_ntohs(uh->source);
		pkt->key.port_dst = bpf_ntohs(uh->dest);
		pkt->hdr_len += sizeof(*uh);
		return WF_PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *tc = l4;	/* type, code: the same place in both */

		if ((void *)(tc + 2) > data_end)
			return WF_PARSE_TRUNCATED;
		pkt->key.port_src = tc[0];
		pkt->key.port_dst = tc[1];
		return WF_PARSE_OK;
	}
	}
	return WF_PARSE_OK;
}

static __always_inline int parse_ipv4(void *data, void *data_end,
				      struct wf_pkt *pkt)
{
	struct iphdr *iph = data;
	__u32 ihl;

	if ((void *)(iph + 1) > data_end)
		return WF_PARSE_TRUNCATED;
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph) ||
	    bpf_ntohs(iph->tot_len) < ihl)
		return WF_PARSE_MALFORMED;
	if (data + ihl > data_end)
		return WF_PARSE_TRUNCATED;

	pkt->key.family = WF_FAMILY_IPV4;
	pkt->key.proto = iph->protocol;
	pkt->key.addr_src[0] = iph->saddr;
	pkt->key.addr_dst[0] = iph->daddr;
	pkt->hdr_len = ihl;
	/* Only the first fragment carries the L4 header. */
	if (bpf_ntohs(iph->frag_off) & IP_OFFSET)
		return WF_PARSE_OK;
	return parse_l4(data + ihl, data_end, iph->protocol, pkt);
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
			if (((ext[2] << 8) | ext[3]) & 0xFFF8) {
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
		return WF_PARSE_MALFORMED;	/* longer chain than we walk */
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
