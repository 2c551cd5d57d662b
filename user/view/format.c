// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* format.c - see format.h. */
#include "format.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <time.h>

const char *view_addr_str(unsigned family, const void *addr, char *buf,
			  size_t n)
{
	if (!inet_ntop(family == WF_FAMILY_IPV4 ? AF_INET : AF_INET6, addr, buf,
		       (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

const char *view_endpoint(const struct wf_flow_key *k, const __u32 *addr,
			  __u16 port, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	view_addr_str(k->family, addr, ip, sizeof(ip));
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		snprintf(buf, n, "%s", ip);
	else if (k->family == WF_FAMILY_IPV6)
		snprintf(buf, n, "[%s]:%u", ip, port);
	else
		snprintf(buf, n, "%s:%u", ip, port);
	return buf;
}

const char *view_proto_name(__u8 proto, char *buf, size_t n)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	}
	snprintf(buf, n, "%u", proto);
	return buf;
}

const char *view_dir_name(const struct wf_flow_key *k)
{
	return k->dir == WF_DIR_INGRESS ? "ingress" : "egress";
}

void view_fmt_ago(uint64_t unix_ns, char *buf, size_t n)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	long long ago = (long long)time(NULL) - (long long)t;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, n, "%02d:%02d:%02d (%llds ago)", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, ago < 0 ? 0 : ago);
}

void view_fmt_since(uint64_t unix_ns, char *buf, size_t n)
{
	long long ago =
		(long long)time(NULL) - (long long)(unix_ns / 1000000000ULL);

	if (ago < 0)
		ago = 0;
	if (ago < 100)
		snprintf(buf, n, "%llds", ago);
	else if (ago < 6000)
		snprintf(buf, n, "%lldm", ago / 60);
	else if (ago < 360000)
		snprintf(buf, n, "%lldh", ago / 3600);
	else
		snprintf(buf, n, "%lldd", ago / 86400);
}
