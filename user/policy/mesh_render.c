// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mesh_render.c - the text of the files `wirefisher mesh generate` writes
 * for a node, from its plan (mesh.c): wg-quick configs (one interface per
 * path), the wirefisher config, the host settings script; and the summary
 * `mesh check` prints. Each file starts with a line naming its source, so
 * that a re-run can tell its own files from the user's.
 */
#include "mesh.h"

#include <string.h>

#define HEADER "# wirefisher mesh: generated from "

static const char *addr_str(const struct wf_prefix *p, char *buf, size_t n)
{
	size_t len;

	prefix_addr_str(p, buf, n);
	len = strlen(buf);
	snprintf(buf + len, n - len, "/%u", p->len);
	return buf;
}

static const char *ip_str(const struct wf_prefix *p, char *buf, size_t n)
{
	return prefix_addr_str(p, buf, n);
}

static const char *kind_words(const struct mesh_iface *ifc)
{
	switch (ifc->kind) {
	case MESH_DIRECT:
		return "direct path to";
	case MESH_RELAY:
		return "path through relay";
	case MESH_HUB:
		return "relay hub";
	}
	return "";
}

/* The AllowedIPs of peer `peer` of interface ifc on node n. */
static void allowed_ips(const struct mesh_plan *p, int n,
			const struct mesh_iface *ifc, int peer, FILE *out)
{
	const struct wf_topology *t = p->t;
	struct wf_prefix a;
	char buf[64];

	fprintf(out, "AllowedIPs = %s",
		addr_str(&p->nodes[peer].addr, buf, sizeof(buf)));
	switch (ifc->kind) {
	case MESH_DIRECT:
	case MESH_HUB:
		a = mesh_peer_addr(p, ifc, peer);
		fprintf(out, ", %s", addr_str(&a, buf, sizeof(buf)));
		break;
	case MESH_RELAY:
		/* The relay's hub, and every node it forwards to. */
		fprintf(out, ", %s", addr_str(&ifc->net, buf, sizeof(buf)));
		for (int x = 0; x < t->n_nodes; x++)
			if (x != n && !t->nodes[x].relay)
				fprintf(out, ", %s",
					addr_str(&p->nodes[x].addr, buf,
						 sizeof(buf)));
		break;
	}
	fputc('\n', out);
}

void mesh_write_wg(const struct mesh_plan *p, int n, int k,
		   const struct mesh_keys *keys, const char *source, FILE *out)
{
	const struct wf_topology *t = p->t;
	const struct mesh_iface *ifc = &p->nodes[n].ifaces[k];
	const struct wf_mesh_node *node = &t->nodes[n];
	char buf[64];

	fprintf(out, HEADER "%s\n", source);
	fprintf(out,
		"# Node %s: %s %s. Edit the topology and run `wirefisher "
		"mesh\n# generate` again rather than this file.\n",
		node->name, kind_words(ifc),
		ifc->far >= 0 ? t->nodes[ifc->far].name :
				"(forwards between "
				"its peers)");
	fprintf(out, "[Interface]\nPrivateKey = %s\nListenPort = %u\n",
		keys->priv, ifc->port);
	fprintf(out, "Address = %s\n", addr_str(&ifc->addr, buf, sizeof(buf)));
	fprintf(out, "# No routes from wg-quick: several interfaces reach the "
		     "same nodes;\n# the anchor routes are in host.sh and "
		     "wirefisher chooses the path.\nTable = off\n");
	for (int i = 0; i < ifc->n_peers; i++) {
		const struct mesh_peer *pe = &ifc->peers[i];
		const struct wf_mesh_node *pn = &t->nodes[pe->node];

		fprintf(out, "\n[Peer]\n# %s\nPublicKey = %s\n", pn->name,
			keys->pub[pe->node]);
		allowed_ips(p, n, ifc, pe->node, out);
		if (pn->endpoint[0])
			fprintf(out,
				pn->endpoint_v6 ? "Endpoint = [%s]:%u\n" :
						  "Endpoint = %s:%u\n",
				pn->endpoint, pe->port);
		/* Behind NAT: keep the mapping (and the relay's idea of
		 * where we are) alive. */
		if (node->nat)
			fprintf(out, "PersistentKeepalive = %d\n",
				MESH_KEEPALIVE_S);
	}
}

/* A duration wirefisher's config reads exactly. */
static void duration(uint64_t ns, FILE *out)
{
	if (ns % 1000000000 == 0)
		fprintf(out, "%llus", (unsigned long long)(ns / 1000000000));
	else if (ns % 1000000 == 0)
		fprintf(out, "%llums", (unsigned long long)(ns / 1000000));
	else if (ns % 1000 == 0)
		fprintf(out, "%lluus", (unsigned long long)(ns / 1000));
	else
		fprintf(out, "%lluns", (unsigned long long)ns);
}

void mesh_write_wirefisher(const struct mesh_plan *p, int n, const char *source,
			   FILE *out)
{
	const struct wf_topology *t = p->t;
	const struct mesh_node_plan *np = &p->nodes[n];
	char buf[64];

	fprintf(out, HEADER "%s\n", source);
	fprintf(out,
		"# wirefisher on node %s: one path per tunnel, a route to "
		"every other\n# node's steering address. Run it with "
		"`wirefisher -c THIS_FILE`\n# after host.sh.\n",
		t->nodes[n].name);
	if (t->pin_dir[0])
		fprintf(out, "pin_dir: %s-%s\n", t->pin_dir, t->nodes[n].name);
	fprintf(out, "steering:\n");
	if (t->interval_ns || t->has_hold) {
		fprintf(out, "  probe: {");
		if (t->interval_ns) {
			fprintf(out, " interval: ");
			duration(t->interval_ns, out);
		}
		if (t->has_hold) {
			fprintf(out, "%s hold: ", t->interval_ns ? "," : "");
			duration(t->hold_ns, out);
		}
		fprintf(out, " }\n");
	}
	fprintf(out, "  paths:\n");
	for (int k = 0; k < np->n_ifaces; k++) {
		const struct mesh_iface *ifc = &np->ifaces[k];

		fprintf(out, "    - { name: %s, device: %s, targets: [",
			ifc->name, ifc->name);
		for (int i = 0; i < ifc->n_targets; i++)
			fprintf(out, "%s%s", i ? ", " : "",
				ip_str(&ifc->targets[i], buf, sizeof(buf)));
		fprintf(out, "], priority: %u }\n", ifc->priority);
	}
	fprintf(out, "  routes:\n");
	for (int r = 0; r < np->n_routes; r++) {
		const struct mesh_route *rt = &np->routes[r];

		fprintf(out, "    - { to: %s, via: [",
			addr_str(&p->nodes[rt->dst].addr, buf, sizeof(buf)));
		for (int i = 0; i < rt->n_paths; i++)
			fprintf(out, "%s%s", i ? ", " : "",
				np->ifaces[rt->paths[i]].name);
		fprintf(out, "], mode: %s }   # %s\n",
			t->mode == WF_STEER_SPREAD ? "spread" : "failover",
			t->nodes[rt->dst].name);
	}
}

/* "51821, 51822": the listen ports of node n, which its NAT forwards. */
static void ports(const struct mesh_node_plan *np, FILE *out)
{
	for (int k = 0; k < np->n_ifaces; k++)
		fprintf(out, "%s%u", k ? ", " : "", np->ifaces[k].port);
}

void mesh_write_host(const struct mesh_plan *p, int n, const char *source,
		     FILE *out)
{
	const struct wf_topology *t = p->t;
	const struct mesh_node_plan *np = &p->nodes[n];
	char buf[64], src[64];

	fprintf(out, "#!/bin/sh\n" HEADER "%s\n", source);
	fprintf(out,
		"# Host settings of node %s. Run as root once its tunnels are "
		"up\n# (wg-quick up ./%s-*.conf), then start wirefisher with "
		"wirefisher.yaml.\nset -e\n\n",
		t->nodes[n].name, t->nodes[n].name);
	fprintf(out, "# Loose reverse-path filtering: wirefisher moves replies "
		     "to another tunnel\n# than the route names; strict "
		     "rp_filter (1) would drop them there.\n"
		     "sysctl -qw net.ipv4.conf.all.rp_filter=2 "
		     "net.ipv4.conf.default.rp_filter=2\n");
	for (int k = 0; k < np->n_ifaces; k++)
		fprintf(out, "sysctl -qw net.ipv4.conf.%s.rp_filter=2\n",
			np->ifaces[k].name);
	if (t->nodes[n].relay)
		fprintf(out, "# A relay forwards between the nodes of its "
			     "hub.\nsysctl -qw net.ipv4.ip_forward=1\n");
	ip_str(&np->addr, src, sizeof(src));
	fprintf(out,
		"\n# The steering address: one for every path, so a steered "
		"packet's source\n# is allowed by the peer of every path "
		"at the far end.\nip link set lo up\n"
		"ip addr replace %s/32 dev lo\n",
		src);
	fprintf(out,
		"\n# Anchor routes: the kernel's route to each node, on the "
		"path that reaches\n# it without steering (a relay's, when "
		"there is one); wirefisher moves each\n# flow to the best "
		"path at that device's egress.\n");
	for (int r = 0; r < np->n_routes; r++) {
		const struct mesh_route *rt = &np->routes[r];

		fprintf(out, "ip route replace %s dev %s src %s	# %s\n",
			addr_str(&p->nodes[rt->dst].addr, buf, sizeof(buf)),
			np->ifaces[rt->anchor].name, src,
			t->nodes[rt->dst].name);
	}
}

void mesh_write_summary(const struct mesh_plan *p, FILE *out)
{
	const struct wf_topology *t = p->t;
	char buf[64], tg[64];

	for (int n = 0; n < p->n_nodes; n++) {
		const struct wf_mesh_node *node = &t->nodes[n];
		const struct mesh_node_plan *np = &p->nodes[n];

		fprintf(out, "%s %s%s%s%s%s\n", node->name,
			ip_str(&np->addr, buf, sizeof(buf)),
			node->relay ? ", relay" : "", node->nat ? ", nat" : "",
			node->endpoint[0] ? ", endpoint " : ", no endpoint",
			node->endpoint);
		if (node->nat && node->endpoint[0]) {
			fprintf(out, "  its NAT at %s forwards UDP ",
				node->endpoint);
			ports(np, out);
			fprintf(out, " to it\n");
		}
		for (int k = 0; k < np->n_ifaces; k++) {
			const struct mesh_iface *ifc = &np->ifaces[k];

			fprintf(out,
				"  %-15s %-7s port %-5u %-18s probes %s, "
				"priority %u\n",
				ifc->name,
				ifc->kind == MESH_DIRECT ? "direct" :
				ifc->kind == MESH_RELAY	 ? "relay" :
							   "hub",
				ifc->port,
				addr_str(&ifc->addr, buf, sizeof(buf)),
				ip_str(&ifc->targets[0], tg, sizeof(tg)),
				ifc->priority);
		}
		for (int r = 0; r < np->n_routes; r++) {
			const struct mesh_route *rt = &np->routes[r];

			fprintf(out, "  to %-12s via", t->nodes[rt->dst].name);
			for (int i = 0; i < rt->n_paths; i++)
				fprintf(out, "%s %s", i ? "," : "",
					np->ifaces[rt->paths[i]].name);
			fprintf(out, " (anchor %s)\n",
				np->ifaces[rt->anchor].name);
		}
	}
}
