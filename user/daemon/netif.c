// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "netif.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* /proc/net follows the reading process's network namespace. */
static int default_route_v4(char name[IF_NAMESIZE])
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[256], ifn[64];
	unsigned long dst, mask;
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lx %*x %*x %*u %*u %*u %lx", ifn, &dst,
			   &mask) == 3 &&
		    dst == 0 && mask == 0 && strlen(ifn) < IF_NAMESIZE) {
			strcpy(name, ifn);
			found = 0;
		}
	fclose(f);
	return found;
}

static int default_route_v6(char name[IF_NAMESIZE])
{
	FILE *f = fopen("/proc/net/ipv6_route", "re");
	char line[512], dst[33], ifn[64];
	unsigned plen;
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%32s %x %*s %*s %*s %*s %*s %*s %*s %63s",
			   dst, &plen, ifn) == 3 &&
		    plen == 0 &&
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
	case ARPHRD_NONE: /* TUN, WireGuard */
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

void nl_put(struct nlmsghdr *nh, int type, const void *data, size_t len)
{
	struct rtattr *a =
		(struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/*
 * Send one rtnetlink request and receive its answer into buf: the answer's
 * header if it is of type `want` and whole, else NULL (an error, a NLMSG_ERROR).
 */
static struct nlmsghdr *nl_ask(struct nlmsghdr *req, char *buf, size_t size,
			       int want)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int fd, len = -1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return NULL;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) >= 0)
		len = (int)recv(fd, buf, size, 0);
	close(fd);
	if (len <= 0 || !NLMSG_OK(nh, (unsigned)len) || nh->nlmsg_type != want)
		return NULL;
	return nh;
}

int netif_route_oif(int family, const void *addr)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[64];
	} req = { 0 };
	char buf[4096];
	size_t alen = family == 4 ? 4 : 16;
	struct rtattr *a;
	struct nlmsghdr *nh;
	int len, oif = -1;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = family == 4 ? AF_INET : AF_INET6;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	nl_put(&req.nh, RTA_DST, addr, alen);
	nh = nl_ask(&req.nh, buf, sizeof(buf), RTM_NEWROUTE);
	if (!nh)
		return -1;
	len = (int)RTM_PAYLOAD(nh);
	for (a = RTM_RTA(NLMSG_DATA(nh)); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int))
			oif = *(int *)RTA_DATA(a);
	return oif;
}

int netif_gso_max_segs(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IF_NAMESIZE)];
	} req = { 0 };
	char buf[16384];
	struct nlmsghdr *nh;
	struct rtattr *a;
	size_t n = strlen(name) + 1;
	int len, segs = -1;

	if (n > IF_NAMESIZE)
		return -1;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	nl_put(&req.nh, IFLA_IFNAME, name, n);
	nh = nl_ask(&req.nh, buf, sizeof(buf), RTM_NEWLINK);
	if (!nh)
		return -1;
	len = (int)IFLA_PAYLOAD(nh);
	for (a = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_GSO_MAX_SEGS &&
		    RTA_PAYLOAD(a) >= sizeof(__u32))
			segs = (int)*(__u32 *)RTA_DATA(a);
	return segs;
}

int netif_tx_bytes(const char *name, uint64_t *bytes)
{
	/*
	 * /proc/net is the reading task's namespace (unlike /sys under
	 * nsenter). Not getifaddrs(): it gives devices without a link-layer
	 * address - TUN, WireGuard - no entry with counters.
	 */
	FILE *f = fopen("/proc/net/dev", "re");
	char line[512], dev[IF_NAMESIZE + 1];
	unsigned long long v[9];
	int rc = -1;

	if (!f)
		return -1;
	while (rc && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		size_t n;

		if (!colon)
			continue;
		*colon = '\0';
		n = strspn(line, " ");
		snprintf(dev, sizeof(dev), "%s", line + n);
		/* rx: bytes packets errs drop fifo frame compressed multicast;
		 * then tx bytes. */
		if (!strcmp(dev, name) &&
		    sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8]) == 9) {
			*bytes = v[8];
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static void wg_sock_path(struct sockaddr_un *sa, const char *name)
{
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path),
		 "/var/run/wireguard/%s.sock", name);
}

bool netif_is_wireguard_go(const char *name)
{
	struct sockaddr_un sa;
	struct stat st;

	wg_sock_path(&sa, name);
	return stat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode);
}

void netif_wg_query_init(struct wg_query *q)
{
	q->fd = -1;
	q->got = 0;
}

void netif_wg_query_close(struct wg_query *q)
{
	if (q->fd >= 0)
		close(q->fd);
	netif_wg_query_init(q);
}

int netif_wg_query_start(struct wg_query *q, const char *name,
			 uint64_t deadline_ns)
{
	struct sockaddr_un sa;

	netif_wg_query_close(q);
	wg_sock_path(&sa, name);
	/*
	 * Non-blocking: an AF_UNIX connect then never waits for a listener
	 * that does not accept (EAGAIN once its backlog is full), and the
	 * request, a few bytes into an empty socket buffer, always fits.
	 * MSG_NOSIGNAL: a wireguard-go that just closed is an error, not a
	 * SIGPIPE.
	 */
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q->fd < 0)
		return -1;
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(q->fd, "get=1\n\n", 7, MSG_NOSIGNAL) != 7) {
		netif_wg_query_close(q);
		return -1;
	}
	q->deadline_ns = deadline_ns;
	return 0;
}

/* The newest last_handshake_time_sec of an answer ending in errno=0. */
static long long wg_age_of(char *buf)
{
	long long newest = 0, sec;
	char *line, *save;

	if (!strstr(buf, "errno=0"))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "last_handshake_time_sec=%lld", &sec) == 1 &&
		    sec > newest)
			newest = sec;
	if (!newest)
		return -2;
	return (long long)time(NULL) - newest;
}

int netif_wg_query_read(struct wg_query *q, long long *age)
{
	ssize_t n = 0;

	if (q->fd < 0)
		return -1;
	while (q->got < sizeof(q->buf) - 1 &&
	       (n = recv(q->fd, q->buf + q->got, sizeof(q->buf) - 1 - q->got,
			 MSG_DONTWAIT)) > 0)
		q->got += (size_t)n;
	q->buf[q->got] = '\0';
	/* The answer ends with an empty line (after errno=0). */
	if (!strstr(q->buf, "\n\n") && q->got < sizeof(q->buf) - 1) {
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		netif_wg_query_close(q); /* closed early, or an error */
		return -1;
	}
	*age = wg_age_of(q->buf);
	netif_wg_query_close(q);
	return 1;
}
