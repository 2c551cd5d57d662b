/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* netif.h - facts about network interfaces in this network namespace. */
#ifndef WF_NETIF_H
#define WF_NETIF_H

#include <stdint.h>
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

/* Bytes the interface has sent, from /proc/net/dev (this namespace). */
int netif_tx_bytes(const char *name, uint64_t *bytes);

/*
 * Seconds since the newest WireGuard handshake of any peer on `name`, read
 * from wireguard-go's UAPI socket (/var/run/wireguard/NAME.sock). -1 if
 * not readable (kernel WireGuard, plain TUN), -2 if no handshake yet.
 */
long long netif_wg_handshake_age(const char *name);

#endif /* WF_NETIF_H */
