// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mesh.c - the plan of a mesh (mesh.h has the numbering): interfaces, peers,
 * addresses, ports, paths and routes per node, from a topology. Pure: the
 * same topology always gives the same plan, and a node appended to the
 * list changes no other node's addresses or ports.
 */
#include "mesh.h"

#include <string.h>

#define HUB_BLOCK 64 /* relay r's /24 is the (64 + r)th of the links' /16 */

/* The address base + off (IPv4), with length len. */
static struct wf_prefix v4(const struct wf_prefix *base, uint32_t off,
			   unsigned len)
{
	struct wf_prefix p = { .family = 4, .len = len };
	uint32_t a = ((uint32_t)base->addr[0] << 24) |
		     ((uint32_t)base->addr[1] << 16) |
		     ((uint32_t)base->addr[2] << 8) | base->addr[3];

	a += off;
	p.addr[0] = (uint8_t)(a >> 24);
	p.addr[1] = (uint8_t)(a >> 16);
	p.addr[2] = (uint8_t)(a >> 8);
	p.addr[3] = (uint8_t)a;
	return p;
}

static struct wf_prefix direct_addr(const struct wf_topology *t, int self,
				    int other, unsigned len)
{
	int lo = self < other ? self : other, hi = self < other ? other : self;

	return v4(&t->link_net,
		  ((uint32_t)lo << 8) + 4 * (uint32_t)hi + (self == lo ? 1 : 2),
		  len);
}

static struct wf_prefix hub_addr(const struct wf_topology *t, int relay,
				 int node, unsigned len)
{
	return v4(&t->link_net,
		  ((uint32_t)(HUB_BLOCK + relay) << 8) + (uint32_t)node + 1,
		  len);
}

static struct wf_prefix net_of(struct wf_prefix p)
{
	for (unsigned i = p.len; i < 32; i++)
		p.addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	return p;
}

struct wf_prefix mesh_peer_addr(const struct mesh_plan *p,
				const struct mesh_iface *ifc, int node)
{
	(void)p;
	/* A /30: ours is .1 or .2 of it, the peer's the other. */
	if (ifc->kind == MESH_DIRECT)
		return v4(&ifc->net, (ifc->addr.addr[3] & 3) == 1 ? 2 : 1, 32);
	/* RELAY and HUB: the hub's /24, host byte = node + 1. */
	return v4(&ifc->net, (uint32_t)node + 1, 32);
}

/* Add interface NAME-PEER (or NAME-hub) to node n; NULL if full. */
static struct mesh_iface *add_iface(const struct wf_topology *t,
				    struct mesh_node_plan *np, int n,
				    const char *peer, FILE *err, int *errors)
{
	const struct wf_mesh_node *node = &t->nodes[n];
	struct mesh_iface *ifc;

	if (np->n_ifaces >= MESH_MAX_IFACES) {
		/* Counted on past the end, to report it once. */
		if (np->n_ifaces++ == MESH_MAX_IFACES) {
			fprintf(err,
				"%s:%d:%d: nodes[%d]: %s would have more "
				"than %d tunnels (direct pairs and relays); "
				"wirefisher steers at most %d paths per node\n",
				t->path, node->where.line, node->where.col, n,
				node->name, MESH_MAX_IFACES, MESH_MAX_IFACES);
			(*errors)++;
		}
		return NULL;
	}
	ifc = &np->ifaces[np->n_ifaces++];
	memset(ifc, 0, sizeof(*ifc));
	/* Both names are at most 14 characters: check the sum. */
	if (strlen(node->name) + 1 + strlen(peer) > IF_NAMESIZE - 1) {
		fprintf(err,
			"%s:%d:%d: nodes[%d]: interface \"%s-%s\" would be "
			"%zu characters, more than Linux's %d; shorten %s "
			"or %s\n",
			t->path, node->where.line, node->where.col, n,
			node->name, peer, strlen(node->name) + 1 + strlen(peer),
			IF_NAMESIZE - 1, node->name, peer);
		(*errors)++;
	}
	/* Cut short when too long (reported above; nothing is written). */
	{
		char full[2 * WF_MESH_NAME_MAX + 2];

		snprintf(full, sizeof(full), "%s-%s", node->name, peer);
		memcpy(ifc->name, full, IF_NAMESIZE - 1);
		ifc->name[IF_NAMESIZE - 1] = '\0';
	}
	ifc->far = -1;
	return ifc;
}

static bool paired(const struct wf_topology *t, int a, int b)
{
	if (t->nodes[a].relay && t->nodes[b].relay)
		return true; /* relays reach each other directly */
	for (int i = 0; i < t->n_direct; i++)
		if ((t->direct[i].a == a && t->direct[i].b == b) ||
		    (t->direct[i].a == b && t->direct[i].b == a))
			return true;
	return false;
}

static void plan_ifaces(const struct wf_topology *t, struct mesh_plan *p, int n,
			FILE *err, int *errors)
{
	struct mesh_node_plan *np = &p->nodes[n];
	const struct wf_mesh_node *node = &t->nodes[n];
	struct mesh_iface *ifc;

	np->addr = v4(&t->node_net, (uint32_t)n + 1, 32);
	/* Direct pairs (relays with each other included), in node order. */
	for (int j = 0; j < t->n_nodes; j++) {
		if (j == n || !paired(t, n, j))
			continue;
		ifc = add_iface(t, np, n, t->nodes[j].name, err, errors);
		if (!ifc)
			continue;
		ifc->kind = MESH_DIRECT;
		ifc->far = j;
		ifc->port = (uint16_t)(t->port + j);
		ifc->addr = direct_addr(t, n, j, 30);
		ifc->net = net_of(ifc->addr);
		ifc->priority = 0;
		ifc->targets[ifc->n_targets++] = direct_addr(t, j, n, 32);
		ifc->peers[ifc->n_peers++] =
			(struct mesh_peer){ .node = j,
					    .port = (uint16_t)(t->port + n) };
	}
	if (node->relay) {
		/* The hub: every other non-relay node is a peer. */
		ifc = add_iface(t, np, n, "hub", err, errors);
		if (!ifc)
			return;
		ifc->kind = MESH_HUB;
		ifc->port = (uint16_t)(t->port + n);
		ifc->addr = hub_addr(t, n, n, 24);
		ifc->net = net_of(ifc->addr);
		ifc->priority = 1;
		for (int j = 0; j < t->n_nodes; j++) {
			if (t->nodes[j].relay)
				continue;
			ifc->peers[ifc->n_peers++] = (struct mesh_peer){
				.node = j, .port = (uint16_t)(t->port + n)
			};
			if (ifc->n_targets < WF_CFG_MAX_TARGETS)
				ifc->targets[ifc->n_targets++] =
					hub_addr(t, n, j, 32);
		}
		return;
	}
	for (int r = 0; r < t->n_nodes; r++) {
		if (!t->nodes[r].relay)
			continue;
		ifc = add_iface(t, np, n, t->nodes[r].name, err, errors);
		if (!ifc)
			continue;
		ifc->kind = MESH_RELAY;
		ifc->far = r;
		ifc->port = (uint16_t)(t->port + r);
		ifc->addr = hub_addr(t, r, n, 24);
		ifc->net = net_of(ifc->addr);
		ifc->priority = 1;
		ifc->targets[ifc->n_targets++] = hub_addr(t, r, r, 32);
		ifc->peers[ifc->n_peers++] =
			(struct mesh_peer){ .node = r,
					    .port = (uint16_t)(t->port + r) };
	}
}

/* Does interface ifc of node n carry traffic to node d? */
static bool carries(const struct wf_topology *t, const struct mesh_iface *ifc,
		    int d)
{
	switch (ifc->kind) {
	case MESH_DIRECT:
		return ifc->far == d;
	case MESH_RELAY: /* the relay itself, and the nodes of its hub */
		return ifc->far == d || !t->nodes[d].relay;
	case MESH_HUB:
		return !t->nodes[d].relay;
	}
	return false;
}

static void plan_routes(const struct wf_topology *t, struct mesh_plan *p, int n,
			FILE *err, int *errors)
{
	struct mesh_node_plan *np = &p->nodes[n];
	int nif =
		np->n_ifaces < MESH_MAX_IFACES ? np->n_ifaces : MESH_MAX_IFACES;

	for (int d = 0; d < t->n_nodes; d++) {
		struct mesh_route *r;

		if (d == n)
			continue;
		r = &np->routes[np->n_routes];
		memset(r, 0, sizeof(*r));
		r->dst = d;
		r->anchor = -1;
		/* Priority order: the direct path, then the relays. */
		for (int pass = 0; pass < 2; pass++)
			for (int k = 0; k < nif; k++) {
				const struct mesh_iface *ifc = &np->ifaces[k];

				if ((int)ifc->priority != pass ||
				    !carries(t, ifc, d))
					continue;
				if (r->n_paths < WF_CFG_ROUTE_PATHS)
					r->paths[r->n_paths++] = k;
				if (pass == 1 && r->anchor < 0)
					r->anchor = k;
			}
		if (!r->n_paths) {
			/* Report each unreachable pair once, at the later. */
			const struct wf_mesh_node *a = &t->nodes[n],
						  *b = &t->nodes[d];

			if (d < n) {
				fprintf(err,
					"%s:%d:%d: nodes[%d]: %s and %s cannot "
					"reach each other: no direct pair and no "
					"relay; add [%s, %s] to direct: or a node "
					"with relay: true\n",
					t->path, a->where.line, a->where.col, n,
					b->name, a->name, b->name, a->name);
				(*errors)++;
			}
			continue;
		}
		if (r->anchor < 0)
			r->anchor = r->paths[0];
		np->n_routes++;
	}
}

int mesh_plan(const struct wf_topology *t, struct mesh_plan *p, FILE *err)
{
	int errors = 0;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->n_nodes = t->n_nodes;
	for (int n = 0; n < t->n_nodes; n++)
		plan_ifaces(t, p, n, err, &errors);
	for (int n = 0; n < t->n_nodes; n++) {
		plan_routes(t, p, n, err, &errors);
		if (p->nodes[n].n_ifaces > MESH_MAX_IFACES)
			p->nodes[n].n_ifaces = MESH_MAX_IFACES;
	}
	return errors;
}
