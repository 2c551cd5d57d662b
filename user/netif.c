// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "netif.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* /proc/net follows the reading process's network namespace. */
static int default_route_v4(char name[IF_NAMESIZE])
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifn[64];
	unsigned long dst, mask;
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lx %*x %*x %*u %*u %*u %lx", ifn, &dst,
			   &mask) == 3 && dst == 0 && mask == 0 &&
		    strlen(ifn) < IF_NAMESIZE) {
			strcpy(name, ifn);
			found = 0;
		}
	fclose(f);
	return found;
}

static int default_route_v6(char name[IF_NAMESIZE])
{
	FILE *f = fopen("/proc/net/ipv6_route", "r");
	char line[512], dst[33], ifn[64];
	unsigned plen;
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%32s %x %*s %*s %*s %*s %*s %*s %*s %63s", dst,
			   &plen, ifn) == 3 && plen == 0 &&
		    !strcmp(dst, "00000000000000000000000000000000") &&
		    strcmp(ifn, "lo") && strlen(ifn) < IF_NAMESIZE) {
			strcpy(name, ifn);
			found = 0;
		}
	fclose(f);
	return found;
}

int netif_default_route(char name[IF_NAMESIZE])
{
	if (default_route_v4(name) == 0)
		return 0;
	return default_route_v6(name);
}

int netif_l2_len(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd, err;

	if (strlen(name) >= IF_NAMESIZE) {
		errno = ENODEV;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, name);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (err)
		return -1;
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return 14;
	case ARPHRD_NONE:	/* TUN, WireGuard */
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_IPGRE:
	case ARPHRD_SIT:
		return 0;
	}
	errno = EPROTONOSUPPORT;
	return -1;
}

int netif_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

void netif_drain(int fd)
{
	char buf[8192];

	/* We re-read every interface by name; the messages are only a wake-up. */
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
}
