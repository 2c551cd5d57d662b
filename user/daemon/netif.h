/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* netif.h - facts about network interfaces in this network namespace. */
#ifndef WF_NETIF_H
#define WF_NETIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <net/if.h>

/*
 * Name of the interface that carries the IPv4 default route (else the IPv6
 * one). Returns 0, or -1 when this namespace has no default route.
 */
int netif_default_route(char name[IF_NAMESIZE]);

/*
 * Link-layer header length the tc hooks see on `name`: 14 for Ethernet and
 * loopback, 0 for layer-3 devices (TUN, WireGuard, IP tunnels). -1 with
 * errno set if the interface is absent or of a kind we cannot parse.
 */
int netif_l2_len(const char *name);

/*
 * A netlink socket that becomes readable whenever a link appears, changes or
 * goes away; netif_drain() empties it. -1 on failure.
 */
int netif_watch_open(void);
void netif_drain(int fd);

/*
 * The ifindex the kernel's routing would send a packet to `addr` (family
 * 4 or 6, network byte order) out of, from this namespace. -1 if none.
 */
int netif_route_oif(int family, const void *addr);

/*
 * Append attribute `type` (len bytes of data) to the netlink request nh,
 * which has room for it: rtnetlink's rtattr and generic netlink's nlattr
 * have the same header (netif.c, wgnl.c).
 */
struct nlmsghdr;
void nl_put(struct nlmsghdr *nh, int type, const void *data, size_t len);

/*
 * The most segments a GSO packet handed to interface `name` may hold
 * (IFLA_GSO_MAX_SEGS, this namespace); -1 if it cannot be read.
 */
int netif_gso_max_segs(const char *name);

/* Bytes the interface has sent, from /proc/net/dev (this namespace). */
int netif_tx_bytes(const char *name, uint64_t *bytes);

/*
 * Seconds since the newest WireGuard handshake of any peer on a device,
 * read from wireguard-go's UAPI socket (/var/run/wireguard/NAME.sock)
 * without ever blocking: a stopped wireguard-go (SIGSTOP, a debugger, a
 * full accept queue) must not stop the daemon's loop. Start a query, poll
 * q->fd for POLLIN, read when it is readable; the caller gives up on a
 * query whose deadline passed (netif_wg_query_close).
 */
struct wg_query {
	int fd;		      /* -1: no query in flight */
	uint64_t deadline_ns; /* the caller's clock */
	size_t got;
	char buf[8192];
};

void netif_wg_query_init(struct wg_query *q);

/* Connect and send the request. 0, or -1: no wireguard-go answers there
 * (no socket: kernel WireGuard, plain TUN; or it accepts no more). */
int netif_wg_query_start(struct wg_query *q, const char *name,
			 uint64_t deadline_ns);

/*
 * Read what has come. 1: the answer is complete and closed, *age is the
 * handshake age in seconds (-2: no handshake yet, -1: an error answer);
 * 0: not complete yet; -1: the connection failed (closed).
 */
int netif_wg_query_read(struct wg_query *q, long long *age);

void netif_wg_query_close(struct wg_query *q);

/* Has the device a wireguard-go control socket? */
bool netif_is_wireguard_go(const char *name);

/*
 * A kernel WireGuard device's handshake age (wgnl.c), asked through
 * WireGuard's generic netlink family: 0 and *age in seconds (-2: no
 * handshake yet), or -1: no such family (module not loaded) or the device
 * is no kernel WireGuard one.
 */
int netif_wg_kernel_age(const char *name, long long *age);

#endif /* WF_NETIF_H */
