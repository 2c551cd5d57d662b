/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * compat.bpf.h - vmlinux.h, libbpf's BPF headers and the UAPI constants that
 * vmlinux.h cannot carry (they are #defines, not BTF types). Every .bpf.c
 * includes this first, and no UAPI header.
 */
#ifndef WF_COMPAT_BPF_H
#define WF_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

#define NF_DROP	  0
#define NF_ACCEPT 1

#define ETH_HLEN   14
#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/* IPv6 next-header values live in linux/in6.h as #defines. */
#define IPPROTO_HOPOPTS	 0
#define IPPROTO_ROUTING	 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_ICMPV6	 58
#define IPPROTO_DSTOPTS	 60

#define IP_MF	  0x2000
#define IP_OFFSET 0x1FFF

#define NSEC_PER_SEC 1000000000ULL

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* WF_COMPAT_BPF_H */
