/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * topology.h - the mesh topology file (`wirefisher mesh`) as a plain C
 * struct: the nodes, which pairs may connect directly, the address plan.
 * Read strictly, as the daemon's config is (FILE:LINE:COL: key: message);
 * what follows from the whole (who reaches whom, names, ports) is checked
 * by the plan (policy/mesh.c).
 *
 *   addresses: { nodes: 10.90.0.0/24, links: 10.91.0.0/16 }
 *   port: 51820
 *   nodes:
 *     - { name: alice, nat: true, endpoint: 198.51.100.1 }
 *     - { name: relay, endpoint: 198.51.100.4, relay: true }
 *   direct: [ [alice, bob] ]
 */
#ifndef WF_CONFIG_TOPOLOGY_H
#define WF_CONFIG_TOPOLOGY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "prefix.h"

/*
 * 64 nodes: the link plan gives node i's tunnel to node j the address
 * byte 4j + 1 or 2 (a /30 each), which must stay below 256; and a node
 * steers to every other one, at most WF_CFG_MAX_ROUTES routes.
 */
#define WF_MESH_MAX_NODES 64
#define WF_MESH_MAX_PAIRS (WF_MESH_MAX_NODES * (WF_MESH_MAX_NODES - 1) / 2)
/* Interface names are NODE-PEER: with the dash, two names fit in 15. */
#define WF_MESH_NAME_MAX 14
#define WF_MESH_HOST_MAX 63 /* a DNS name's label, or an address */

struct wf_mesh_node {
	char name[WF_MESH_NAME_MAX + 1];
	bool relay; /* forwards between the other nodes */
	bool nat;   /* behind NAT: keepalives keep its mapping */
	char endpoint[WF_MESH_HOST_MAX + 1]; /* "": others cannot dial it */
	bool endpoint_v6;		     /* an IPv6 literal: [ ] in wg */
	struct wf_where where;
	struct wf_where endpoint_where;
};

struct wf_mesh_pair {
	int a, b; /* node indices, a != b */
	struct wf_where where;
};

struct wf_topology {
	char path[PATH_MAX];
	struct wf_mesh_node nodes[WF_MESH_MAX_NODES];
	int n_nodes;
	struct wf_mesh_pair direct[WF_MESH_MAX_PAIRS];
	int n_direct;
	struct wf_prefix node_net; /* steering addresses: one per node */
	struct wf_prefix link_net; /* tunnel addresses: a /16 */
	uint16_t port;		   /* node i's tunnel to j: port + j */
	int mode;		   /* enum wf_steer_mode */
	uint64_t interval_ns;	   /* 0: wirefisher's default */
	uint64_t hold_ns;
	bool has_hold;		     /* else wirefisher's default */
	char pin_dir[PATH_MAX - 32]; /* "": the default; else PIN_DIR-NODE */
	struct wf_where where, nodes_where, addresses_where;
};

/*
 * Read and check the topology at path (or in text, named name). Every
 * problem goes to err as FILE:LINE:COL: key: message; returns their
 * number (0: *t is complete).
 */
int topology_load(const char *path, struct wf_topology *t, FILE *err);
int topology_parse(const char *name, const char *text, size_t len,
		   struct wf_topology *t, FILE *err);

#endif /* WF_CONFIG_TOPOLOGY_H */
