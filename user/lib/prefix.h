/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * prefix.h - IPv4/IPv6 address prefixes as the config, the policy and the
 * readers of the pins all write and compare them.
 */
#ifndef WF_PREFIX_H
#define WF_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An address prefix; family 0 means "any address". */
struct wf_prefix {
	int family;	  /* 0, 4 or 6 */
	unsigned len;	  /* prefix length in bits */
	uint8_t addr[16]; /* network byte order, host bits zero */
};

enum { PREFIX_OK, PREFIX_BAD, PREFIX_HOST_BITS };

/*
 * "10.0.0.0/8", "192.0.2.7" (a /32), "fd00::/64" -> *out. PREFIX_BAD if it is
 * not one; PREFIX_HOST_BITS if bits past the length are set (then *out
 * still holds the address and length as written).
 */
int prefix_parse(const char *s, struct wf_prefix *out);

/* Does prefix a contain prefix b (family 0 contains everything)? */
bool prefix_contains(const struct wf_prefix *a, const struct wf_prefix *b);

/* The address of p as text ("10.0.0.0", "fd00::"), into buf. */
const char *prefix_addr_str(const struct wf_prefix *p, char *buf, size_t n);

#endif /* WF_PREFIX_H */
