/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * mesh.h - the plan of a mesh (pure): from a topology, who peers with whom
 * over which interface, the addresses, ports, steering paths and routes of
 * every node; and the text of every file `wirefisher mesh generate`
 * writes. Keys come in as base64 strings: no crypto here.
 *
 * The plan, for nodes i and j (indices in the topology):
 *   steering address of i   nodes-prefix + i + 1, /32, on lo
 *   direct pair i < j       interface "I-J" on i, "J-I" on j; tunnel
 *                           addresses links + (i << 8) + 4j + 1 (i's), + 2
 *                           (j's), a /30; priority 0
 *   relay r                 interface "R-hub" on r with every other
 *                           non-relay node as a peer, "N-R" on each of
 *                           them; addresses links + ((64 + r) << 8) +
 *                           node + 1, a /24; priority 1
 *   relays r < s            a direct pair, made without being listed
 *   ports                   i's interface toward j (or toward relay j)
 *                           listens on port + j; a relay's hub on port + r
 *   routes                  to every other node's steering address, over
 *                           the direct path (if any) and every relay path
 *   anchor route            the kernel's route to that address (what
 *                           wirefisher starts from) is on a relay path
 *                           when there is one: it reaches every node
 *                           without steering, and is used by most routes
 */
#ifndef WF_POLICY_MESH_H
#define WF_POLICY_MESH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "topology.h"

#define MESH_MAX_IFACES	 WF_CFG_MAX_PATHS /* one path each */
#define MESH_KEEPALIVE_S 25 /* keeps a NAT's mapping; wg(8)'s advice */

enum mesh_kind {
	MESH_DIRECT, /* one peer: the node at the other end */
	MESH_RELAY,  /* one peer: a relay, which forwards to the others */
	MESH_HUB,    /* a relay's: every non-relay node is a peer */
};

struct mesh_peer {
	int node;
	uint16_t port; /* its interface's listen port toward us */
};

struct mesh_iface {
	char name[IF_NAMESIZE];
	enum mesh_kind kind;
	int far;	       /* the peer node (DIRECT, RELAY); -1 for HUB */
	uint16_t port;	       /* ListenPort */
	struct wf_prefix addr; /* ours, with the subnet's length */
	struct wf_prefix net;  /* the subnet */
	uint32_t priority;     /* 0 direct, 1 through a relay */
	struct wf_prefix targets[WF_CFG_MAX_TARGETS];
	int n_targets;
	struct mesh_peer peers[WF_MESH_MAX_NODES];
	int n_peers;
};

struct mesh_route {
	int dst;
	int paths[MESH_MAX_IFACES]; /* interface indices, priority order */
	int n_paths;
	int anchor; /* the interface the kernel's route names */
};

struct mesh_node_plan {
	struct wf_prefix addr; /* steering address, /32 */
	struct mesh_iface ifaces[MESH_MAX_IFACES];
	int n_ifaces;
	struct mesh_route routes[WF_MESH_MAX_NODES];
	int n_routes;
};

struct mesh_plan {
	const struct wf_topology *t;
	struct mesh_node_plan nodes[WF_MESH_MAX_NODES];
	int n_nodes;
};

/*
 * Plan t into *plan (which keeps a pointer to t). What the whole mesh
 * makes impossible is reported to err as FILE:LINE:COL: key: message;
 * returns the number of problems (0: the plan is complete).
 */
int mesh_plan(const struct wf_topology *t, struct mesh_plan *plan, FILE *err);

/* The address of interface `ifc`'s peer node `node` in its subnet. */
struct wf_prefix mesh_peer_addr(const struct mesh_plan *p,
				const struct mesh_iface *ifc, int node);

/* The keys the files carry: base64, as wg(8) writes them. */
struct mesh_keys {
	const char *priv;		    /* this node's */
	const char *pub[WF_MESH_MAX_NODES]; /* every node's */
};

/* wg-quick's file for interface k of node n. */
void mesh_write_wg(const struct mesh_plan *p, int n, int k,
		   const struct mesh_keys *keys, const char *source, FILE *out);
/* The wirefisher config of node n. */
void mesh_write_wirefisher(const struct mesh_plan *p, int n, const char *source,
			   FILE *out);
/* The host settings of node n: sysctls, its address, anchor routes. */
void mesh_write_host(const struct mesh_plan *p, int n, const char *source,
		     FILE *out);
/* One line per node and interface, for `mesh check`. */
void mesh_write_summary(const struct mesh_plan *p, FILE *out);

#endif /* WF_POLICY_MESH_H */
