// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* prefix.c - see prefix.h. */
#include "prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int prefix_parse(const char *s, struct wf_prefix *out)
{
	char addr[INET6_ADDRSTRLEN + 1], *slash, *end;
	struct wf_prefix p = { 0 };
	unsigned long len;
	unsigned i, max;

	snprintf(addr, sizeof(addr), "%s", s);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, addr, p.addr) == 1)
		p.family = 4;
	else if (inet_pton(AF_INET6, addr, p.addr) == 1)
		p.family = 6;
	else
		return PREFIX_BAD;
	max = p.family == 4 ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len > max)
			return PREFIX_BAD;
	}
	p.len = (unsigned)len;
	*out = p;
	for (i = p.len; i < max; i++)
		if (p.addr[i / 8] & (0x80 >> (i % 8)))
			return PREFIX_HOST_BITS;
	return PREFIX_OK;
}

bool prefix_contains(const struct wf_prefix *a, const struct wf_prefix *b)
{
	unsigned i;

	if (!a->family)
		return true;
	if (a->family != b->family || a->len > b->len)
		return false;
	for (i = 0; i < a->len; i++) {
		unsigned bit = 0x80 >> (i % 8);

		if ((a->addr[i / 8] & bit) != (b->addr[i / 8] & bit))
			return false;
	}
	return true;
}

const char *prefix_addr_str(const struct wf_prefix *p, char *buf, size_t n)
{
	if (!inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, buf,
		       (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}
