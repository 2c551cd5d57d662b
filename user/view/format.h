/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * format.h - text the renderers of view/ share: addresses as the maps hold
 * them, endpoints, protocol names, ages.
 */
#ifndef WF_VIEW_FORMAT_H
#define WF_VIEW_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "../../bpf/wf_shared.h"

/*
 * An address as a map holds it (network byte order; a flow key's __u32[4],
 * an LPM key's bytes), family WF_FAMILY_IPV4 or _IPV6, into buf (at least
 * INET6_ADDRSTRLEN). Returns buf. For a struct wf_prefix: prefix_addr_str.
 */
const char *view_addr_str(unsigned family, const void *addr, char *buf,
			  size_t n);

/* "10.0.0.1:80", "[fd00::1]:80", or the address alone if not TCP/UDP. */
const char *view_endpoint(const struct wf_flow_key *k, const __u32 *addr,
			  __u16 port, char *buf, size_t n);

/* "tcp", "udp", "icmp", "icmp6", or the number, into buf. */
const char *view_proto_name(__u8 proto, char *buf, size_t n);

/* "ingress" / "egress" of a flow key. */
const char *view_dir_name(const struct wf_flow_key *k);

/* "12:03:04 (5s ago)" of a CLOCK_REALTIME time in ns. */
void view_fmt_ago(uint64_t unix_ns, char *buf, size_t n);

/* "12s", "3m", "5h", "2d": how long ago, in at most 4 characters. */
void view_fmt_since(uint64_t unix_ns, char *buf, size_t n);

#endif /* WF_VIEW_FORMAT_H */
