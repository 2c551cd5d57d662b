/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * nf.bpf.h - one bpf_nf_ctx -> struct wf_pkt adapter, for the netfilter
 * hooks. A netfilter program has no packet pointers: the headers are read
 * off the skb through a dynptr (bpf_dynptr_read) into stack buffers, and
 * parse.bpf.h's functions run on those buffers - the same parse, so the
 * same description and the same verdict as on tc.
 */
#ifndef WF_NF_BPF_H
#define WF_NF_BPF_H

#include <bpf/bpf_core_read.h>

#include "compat.bpf.h"
#include "parse.bpf.h"

/*
 * Kernel functions (kfuncs), which kernels with netfilter links (6.4+)
 * all have. WF_NO_KFUNCS builds the object for the others, where the
 * netfilter programs are never loaded (the loader falls back to tc): no
 * extern there at all, since libbpf 1.1 looks a kfunc that vmlinux lacks
 * up in the modules' BTF, which needs CAP_SYS_ADMIN - the daemon under
 * its unit's capabilities would not load even with the extern weak.
 */
#ifdef WF_NO_KFUNCS
static __always_inline int
bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr)
{
	return -1;
}

static __always_inline void *bpf_rdonly_cast(const void *obj, __u32 btf_id)
{
	return NULL;
}
#else
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#endif

/*
 * wf_nf_describe is a global function where netfilter programs load, and
 * inlined into the never-loaded wf_nf_hook elsewhere: libbpf 1.1 applies
 * the CO-RE relocations of every global function, called or not, and one
 * of a type that vmlinux lacks (struct bpf_nf_ctx before 6.4) sends it to
 * the modules' BTF - CAP_SYS_ADMIN again (e2e/privilege on 6.1: "target
 * candidate search failed for struct bpf_nf_ctx", the daemon refused).
 */
#ifdef WF_NO_KFUNCS
#define WF_NF_GLOBAL static __always_inline
#else
#define WF_NF_GLOBAL __noinline
#endif

/* IPv4: the largest header (60 B) and a TCP header behind it. */
#define WF_NF_V4_WINDOW 80
/* An L4 header: TCP without options is the longest parse_l4 reads. */
#define WF_NF_L4_WINDOW 20

/*
 * Where the IP header is, from skb->data: 0 at every real IP hook; a
 * test run (BPF_PROG_TEST_RUN) of an output hook leaves the Ethernet
 * header in front of it.
 */
struct nf_win {
	struct bpf_dynptr dp;
	__u32 ip; /* offset of the IP header in the dynptr */
};

/* Copy up to `max` bytes at off (from the IP header) into buf; the bytes
 * copied (0: none). len: the packet's IP bytes. */
static __always_inline __u32 nf_read(struct nf_win *w, __u32 len, __u32 off,
				     void *buf, __u32 max)
{
	__u32 n;

	if (off >= len)
		return 0;
	n = len - off;
	if (n > max)
		n = max;
	/* n is in [1, max]: say so to the verifier, whatever clang did. */
	n &= 0xff;
	if (n == 0 || n > max)
		return 0;
	return bpf_dynptr_read(buf, n, &w->dp, w->ip + off, 0) ? 0 : n;
}

static __always_inline int nf_parse_ipv4(struct nf_win *w, struct wf_pkt *pkt)
{
	__u8 buf[WF_NF_V4_WINDOW] = {};
	__u32 n = nf_read(w, pkt->len, 0, buf, sizeof(buf));

	return parse_ipv4(buf, buf + n, pkt);
}

/*
 * IPv6: parse_ipv6()'s walk, with each extension header read at its
 * offset (a chain may be longer than any stack window). Same outcomes.
 */
static __always_inline int nf_parse_ipv6(struct nf_win *w, struct wf_pkt *pkt)
{
	struct ipv6hdr ip6;
	__u8 l4[WF_NF_L4_WINDOW] = {};
	__u32 off = sizeof(ip6), n;
	__u8 next, ext[8];
	int i;

	if (nf_read(w, pkt->len, 0, &ip6, sizeof(ip6)) != sizeof(ip6))
		return WF_PARSE_TRUNCATED;
	if (ip6.version != 6)
		return WF_PARSE_MALFORMED;
	pkt->key.family = WF_FAMILY_IPV6;
	__builtin_memcpy(pkt->key.addr_src, &ip6.saddr, 16);
	__builtin_memcpy(pkt->key.addr_dst, &ip6.daddr, 16);
	next = ip6.nexthdr;
	for (i = 0; i < WF_IPV6_EXT_MAX; i++) {
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_DSTOPTS && next != IPPROTO_FRAGMENT &&
		    next != IPPROTO_AH)
			break;
		if (nf_read(w, pkt->len, off, ext, sizeof(ext)) != 8)
			return WF_PARSE_TRUNCATED;
		if (next == IPPROTO_FRAGMENT) {
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
	if (off > pkt->len)
		return WF_PARSE_TRUNCATED;
	n = nf_read(w, pkt->len, off, l4, sizeof(l4));
	return parse_l4(l4, l4 + n, next, pkt);
}

/*
 * Parse at w->ip = 0, where every real IP hook has the IP header. A test
 * run (BPF_PROG_TEST_RUN) of an output hook leaves the Ethernet header in
 * front of it: a version that does not fit, behind the right EtherType,
 * is looked for again 14 bytes on. (A real packet with a wrong version
 * never reaches netfilter: ip_rcv and ipv6_rcv drop it.)
 */
static __noinline int nf_parse(struct nf_win *w, __u8 pf, struct wf_pkt *pkt)
{
	__be16 proto = 0;
	int parse;

	if (!w || !pkt)
		return WF_PARSE_MALFORMED;
	parse = pf == NFPROTO_IPV4 ? nf_parse_ipv4(w, pkt) :
				     nf_parse_ipv6(w, pkt);
	if (parse != WF_PARSE_MALFORMED || pkt->key.family ||
	    pkt->len <= ETH_HLEN ||
	    bpf_dynptr_read(&proto, sizeof(proto), &w->dp, 12, 0) ||
	    proto != bpf_htons(pf == NFPROTO_IPV4 ? ETH_P_IP : ETH_P_IPV6))
		return parse;
	w->ip = ETH_HLEN;
	pkt->len -= ETH_HLEN;
	return pf == NFPROTO_IPV4 ? nf_parse_ipv4(w, pkt) :
				    nf_parse_ipv6(w, pkt);
}

/*
 * Wire packets a GSO skb stands for: skb_shinfo(skb)->gso_segs, which
 * lies past the skb's data (head + end). Read through bpf_rdonly_cast
 * (6.2+; netfilter programs need 6.4): a load the JIT emits in place,
 * guarded by an exception-table entry, where bpf_probe_read_kernel is a
 * call and a copy.
 */
static __always_inline __u32 nf_gso_segs(struct sk_buff *skb)
{
	struct skb_shared_info *shi;
	__u16 segs;

	shi = bpf_rdonly_cast((void *)(skb->head + skb->end),
			      bpf_core_type_id_kernel(struct skb_shared_info));
	segs = shi->gso_segs;
	return segs ? segs : 1;
}

/*
 * Describe the packet of a netfilter hook. The direction follows the hook:
 * PRE_ROUTING and LOCAL_IN see it arrive (the interface is `in`),
 * LOCAL_OUT, FORWARD and POST_ROUTING see it leave (`out`). Returns a
 * WF_PARSE_*. A global function (WF_NF_GLOBAL), for the reason
 * wf_skb_describe (lib/skb.bpf.h) is one.
 */
WF_NF_GLOBAL int wf_nf_describe(struct bpf_nf_ctx *ctx, struct wf_pkt *pkt)
{
	const struct nf_hook_state *st = ctx->state;
	struct sk_buff *skb = ctx->skb;
	struct net_device *dev;
	struct nf_win w;
	__u8 hook, pf;

	if (!pkt)
		return WF_PARSE_MALFORMED;
	hook = st->hook;
	pf = st->pf;
	if (pf != NFPROTO_IPV4 && pf != NFPROTO_IPV6)
		return WF_PARSE_NOT_IP;
	if (hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_IN) {
		pkt->key.dir = WF_DIR_INGRESS;
		dev = st->in;
	} else {
		pkt->key.dir = WF_DIR_EGRESS;
		dev = st->out;
	}
	pkt->key.ifindex = dev ? dev->ifindex : 0;
	w.ip = 0;
	pkt->len = skb->len;
	pkt->segs = nf_gso_segs(skb);
	if (bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &w.dp))
		return WF_PARSE_TRUNCATED;
	return nf_parse(&w, pf, pkt);
}

#endif /* WF_NF_BPF_H */
