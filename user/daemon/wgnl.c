// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wgnl.c - the handshake age of a kernel WireGuard device, through
 * WireGuard's generic netlink family ("wireguard", WG_CMD_GET_DEVICE): the
 * newest WGPEER_A_LAST_HANDSHAKE_TIME of its peers. wireguard-go has no
 * such family; it answers on its UAPI socket (netif.c).
 *
 * The kernel builds a dump's messages while we read them: there is no
 * other process to wait for, so this is asked synchronously, with a
 * receive time-out as a bound all the same.
 */
#include "netif.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#define NL_BUF 32768
/* A dump of a device with many peers spans messages; bound the reads. */
#define MAX_READS 256

struct nl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static int nl_open(void)
{
	struct timeval tv = { 0, 200000 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Each attribute a in [p, p + len), as far as they are well-formed. */
#define for_each_attr(a, p, len)                              \
	for (struct nlattr *a = (struct nlattr *)(p);         \
	     (char *)a + NLA_HDRLEN <= (char *)(p) + (len) && \
	     a->nla_len >= NLA_HDRLEN &&                      \
	     (char *)a + a->nla_len <= (char *)(p) + (len);   \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

#define ATTR_DATA(a) ((char *)(a) + NLA_HDRLEN)
#define ATTR_LEN(a)  ((int)(a)->nla_len - NLA_HDRLEN)
#define ATTR_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)

/* The family id of "wireguard"; 0 if the kernel has none (no module). */
static int wg_family(int fd)
{
	struct nl_req r = { 0 };
	char buf[4096];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;

	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = GENL_ID_CTRL;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.nh.nlmsg_seq = 1;
	r.gh.cmd = CTRL_CMD_GETFAMILY;
	r.gh.version = 1;
	nl_put(&r.nh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME,
	       sizeof(WG_GENL_NAME));
	if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) || !NLMSG_OK(nh, n) ||
	    nh->nlmsg_type == NLMSG_ERROR)
		return 0;
	for_each_attr(
		a, (char *)NLMSG_DATA(nh) + GENL_HDRLEN,
		nh->nlmsg_len -
			NLMSG_LENGTH(
				GENL_HDRLEN)) if (ATTR_TYPE(a) ==
							  CTRL_ATTR_FAMILY_ID &&
						  ATTR_LEN(a) >=
							  2) return *(unsigned short
									      *)
		ATTR_DATA(a);
	return 0;
}

/* The newest handshake (unix seconds) among a WGDEVICE_A_PEERS nest. */
static void newest_of_peers(const struct nlattr *peers, int64_t *newest)
{
	for_each_attr(peer, ATTR_DATA(peers), ATTR_LEN(peers))
		for_each_attr(a, ATTR_DATA(peer), ATTR_LEN(peer)) if (
			ATTR_TYPE(a) == WGPEER_A_LAST_HANDSHAKE_TIME &&
			ATTR_LEN(a) >= (int)sizeof(int64_t))
	{
		int64_t sec;

		memcpy(&sec, ATTR_DATA(a), sizeof(sec));
		if (sec > *newest)
			*newest = sec;
	}
}

/* One read of the dump: 1 more to come, 0 done, -1 an error. */
static int read_dump(int fd, char *buf, int family, int64_t *newest)
{
	ssize_t n = recv(fd, buf, NL_BUF, 0);

	if (n <= 0)
		return -1;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
	     nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type != family ||
		    nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			return -1;
		for_each_attr(a, (char *)NLMSG_DATA(nh) + GENL_HDRLEN,
			      nh->nlmsg_len -
				      NLMSG_LENGTH(
					      GENL_HDRLEN)) if (ATTR_TYPE(a) ==
								WGDEVICE_A_PEERS)
			newest_of_peers(a, newest);
	}
	return 1;
}

int netif_wg_kernel_age(const char *name, long long *age)
{
	static char buf[NL_BUF];
	struct nl_req r = { 0 };
	int64_t newest = 0;
	int fd = nl_open(), family, rc = 1;

	if (fd < 0)
		return -1;
	family = wg_family(fd);
	if (!family || strlen(name) >= IFNAMSIZ) {
		close(fd);
		return -1;
	}
	r.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r.nh.nlmsg_type = (unsigned short)family;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.nh.nlmsg_seq = 2;
	r.gh.cmd = WG_CMD_GET_DEVICE;
	r.gh.version = WG_GENL_VERSION;
	nl_put(&r.nh, WGDEVICE_A_IFNAME, name, strlen(name) + 1);
	if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
		rc = -1;
	for (int i = 0; rc == 1 && i < MAX_READS; i++)
		rc = read_dump(fd, buf, family, &newest);
	close(fd);
	if (rc)
		return -1; /* not a WireGuard device, or cut short */
	*age = newest ? (long long)time(NULL) - newest : -2;
	return 0;
}
