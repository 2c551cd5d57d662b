// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * topology.c - the mesh topology file -> struct wf_topology (topology.h),
 * with the reader the daemon's config uses: unknown and duplicate keys,
 * wrong types and values out of range are errors at FILE:LINE:COL, all of
 * them reported in one run. What needs the whole mesh (who reaches whom,
 * interface names, paths per node) is the plan's (policy/mesh.c).
 */
#include "topology.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define TOPOLOGY_MAX_BYTES (1U << 20)
#define INTERVAL_MIN_NS	   10000000ULL /* as steering.probe.interval */
#define INTERVAL_MAX_NS	   10000000000ULL
#define HOLD_MAX_NS	   3600000000000ULL

/* Lower-case letters, digits and _, a letter first; "hub" is taken. */
static void get_name(struct ctx *c, yaml_node_t *n, const char *path, char *out)
{
	const char *s = cfg_scalar(c, n, path);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (!len || len > WF_MESH_NAME_MAX || s[0] < 'a' || s[0] > 'z' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != len) {
		cfg_report(c, n, path,
			   "\"%s\" is not a node name: 1 to %d lower-case "
			   "letters, digits or _, a letter first (it names "
			   "interfaces NODE-PEER, at most 15 characters)",
			   s, WF_MESH_NAME_MAX);
		return;
	}
	if (!strcmp(s, "hub")) {
		cfg_report(c, n, path,
			   "\"hub\" is taken: a relay's shared interface is "
			   "RELAY-hub; name the node otherwise");
		return;
	}
	memcpy(out, s, len + 1);
}

/* An IPv4 or IPv6 address or a DNS name; never a port. */
static void get_endpoint(struct ctx *c, yaml_node_t *n, const char *path,
			 struct wf_mesh_node *node)
{
	const char *s = cfg_scalar(c, n, path);
	uint8_t buf[16];
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	node->endpoint_where = cfg_where(n);
	if (inet_pton(AF_INET6, s, buf) == 1) {
		node->endpoint_v6 = true;
	} else if (inet_pton(AF_INET, s, buf) != 1) {
		const char *colon = strrchr(s, ':');

		if (colon &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
			cfg_report(c, n, path,
				   "\"%s\": write the address alone; the "
				   "ports are the plan's (port + the peer's "
				   "index)",
				   s);
			return;
		}
		if (!len || len > WF_MESH_HOST_MAX || s[0] == '.' ||
		    s[0] == '-' || strstr(s, "..") ||
		    strspn(s,
			   "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len) {
			cfg_report(c, n, path,
				   "\"%s\" is not an address or a host name; "
				   "write e.g. 198.51.100.7, 2001:db8::7 or "
				   "vpn.example.org",
				   s);
			return;
		}
	}
	if (len > WF_MESH_HOST_MAX) {
		cfg_report(c, n, path, "longer than %d characters",
			   WF_MESH_HOST_MAX);
		return;
	}
	memcpy(node->endpoint, s, len + 1);
}

static void parse_node(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_mesh_node *node)
{
	static const char *const keys[] = { "name", "endpoint", "nat", "relay",
					    NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	bool named = false;
	int i = 0, k;

	node->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE,
			     "a mapping with name: (and endpoint:, nat:, "
			     "relay:)"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			named = true;
			get_name(c, val, sub, node->name);
			break;
		case 1:
			get_endpoint(c, val, sub, node);
			break;
		case 2:
			cfg_get_bool(c, val, sub, &node->nat);
			break;
		case 3:
			cfg_get_bool(c, val, sub, &node->relay);
			break;
		}
	}
	if (!named)
		cfg_report(c, n, path,
			   "missing key \"name\"; write name: alice");
	else if (node->relay && !node->endpoint[0] && node->name[0])
		cfg_report(c, n, path,
			   "relay %s has no endpoint: every node must be "
			   "able to reach a relay; give it endpoint: ADDRESS",
			   node->name);
}

static void parse_nodes(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_topology *t)
{
	char sub[PATH_MAXLEN];
	yaml_node_t *item;

	t->nodes_where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE, "a list of nodes"))
		return;
	while ((item = cfg_item(c, n, path, t->n_nodes, WF_MESH_MAX_NODES,
				"nodes", sub, sizeof(sub)))) {
		struct wf_mesh_node *node = &t->nodes[t->n_nodes];

		parse_node(c, item, sub, node);
		for (int j = 0; j < t->n_nodes && node->name[0]; j++)
			if (!strcmp(t->nodes[j].name, node->name))
				cfg_report(c, item, sub,
					   "node \"%s\" is already %s[%d]",
					   node->name, path, j);
		t->n_nodes++;
	}
	if (t->n_nodes < 2 && c->errors == 0)
		cfg_report(c, n, path,
			   "a mesh needs at least two nodes; list them as "
			   "- { name: alice, endpoint: 198.51.100.1 }");
}

/* The index of the node named by scalar n, or -1 (reported). */
static int node_ref(struct ctx *c, yaml_node_t *n, const char *path,
		    const struct wf_topology *t)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return -1;
	for (int i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, s))
			return i;
	cfg_report(c, n, path, "no node is named \"%s\"", s);
	return -1;
}

static void parse_pair(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_topology *t)
{
	struct wf_mesh_pair *p = &t->direct[t->n_direct];
	const struct wf_mesh_node *na, *nb;
	char sub[PATH_MAXLEN];
	yaml_node_t *ia, *ib;

	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top - n->data.sequence.items.start != 2) {
		cfg_report(c, n, path,
			   "expected a pair of node names, e.g. [alice, bob]");
		return;
	}
	ia = cfg_item(c, n, path, 0, 2, "names", sub, sizeof(sub));
	p->a = node_ref(c, ia, sub, t);
	ib = cfg_item(c, n, path, 1, 2, "names", sub, sizeof(sub));
	p->b = node_ref(c, ib, sub, t);
	if (p->a < 0 || p->b < 0)
		return;
	p->where = cfg_where(n);
	na = &t->nodes[p->a];
	nb = &t->nodes[p->b];
	if (p->a == p->b) {
		cfg_report(c, n, path, "%s is paired with itself", na->name);
		return;
	}
	for (int i = 0; i < 2; i++) {
		const struct wf_mesh_node *r = i ? nb : na;

		if (r->relay) {
			cfg_report(c, n, path,
				   "%s is a relay: every node reaches it "
				   "through its hub already (and relays reach "
				   "each other directly); remove this pair",
				   r->name);
			return;
		}
	}
	for (int i = 0; i < t->n_direct; i++) {
		const struct wf_mesh_pair *q = &t->direct[i];

		if ((q->a == p->a && q->b == p->b) ||
		    (q->a == p->b && q->b == p->a)) {
			cfg_report(c, n, path,
				   "[%s, %s] is listed twice (first at line "
				   "%d)",
				   na->name, nb->name, q->where.line);
			return;
		}
	}
	if (!na->endpoint[0] && !nb->endpoint[0]) {
		cfg_report(c, n, path,
			   "neither %s nor %s has an endpoint, so neither "
			   "can dial the other; give one an endpoint (a "
			   "public address, or its NAT's with the ports "
			   "forwarded), or remove the pair",
			   na->name, nb->name);
		return;
	}
	t->n_direct++;
}

static void parse_direct(struct ctx *c, yaml_node_t *n, const char *path,
			 struct wf_topology *t)
{
	char sub[PATH_MAXLEN];
	yaml_node_t *item;
	int i = 0;

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE,
			     "a list of pairs, e.g. [[alice, bob]]"))
		return;
	while ((item = cfg_item(c, n, path, i++, WF_MESH_MAX_PAIRS, "pairs",
				sub, sizeof(sub))))
		parse_pair(c, item, sub, t);
}

/* An IPv4 prefix of at most max_len bits (IPv6 is not planned yet). */
static bool get_net(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_prefix *out, unsigned max_len, const char *why)
{
	struct wf_prefix p = { 0 };
	int before = c->errors;

	cfg_get_prefix(c, n, path, &p);
	if (c->errors != before)
		return false;
	if (p.family != 4) {
		cfg_report(c, n, path,
			   "the plan is IPv4 for now; write e.g. "
			   "10.90.0.0/24");
		return false;
	}
	if (p.len > max_len) {
		cfg_report(c, n, path, "/%u is too small: %s", p.len, why);
		return false;
	}
	*out = p;
	return true;
}

static void parse_addresses(struct ctx *c, yaml_node_t *n, const char *path,
			    struct wf_topology *t)
{
	static const char *const keys[] = { "nodes", "links", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val, *vn = NULL, *vl = NULL;
	int i = 0, k;
	bool ok_n = false, ok_l = false;

	t->addresses_where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE,
			     "a mapping: { nodes: PREFIX, links: PREFIX }"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0) {
			vn = val;
			ok_n = get_net(c, val, sub, &t->node_net, 30,
				       "write at least a /30");
		} else {
			vl = val;
			ok_l = get_net(c, val, sub, &t->link_net, 16,
				       "the links take a /16 (a /30 per "
				       "direct pair, a /24 per relay)");
		}
	}
	if (!vn)
		cfg_report(c, n, path,
			   "missing key \"nodes\": the prefix of the nodes' "
			   "steering addresses, e.g. nodes: 10.90.0.0/24");
	if (!vl)
		cfg_report(c, n, path,
			   "missing key \"links\": the /16 of the tunnel "
			   "addresses, e.g. links: 10.91.0.0/16");
	if (ok_n && ok_l &&
	    (prefix_contains(&t->node_net, &t->link_net) ||
	     prefix_contains(&t->link_net, &t->node_net)))
		cfg_report(c, vl, path,
			   "links and nodes overlap; give them separate "
			   "prefixes");
}

static void parse_probe(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_topology *t)
{
	static const char *const keys[] = { "interval", "hold", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE,
			     "a mapping: { interval: 200ms, hold: 5s }"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0) {
			cfg_get_duration(c, val, sub, &t->interval_ns,
					 INTERVAL_MIN_NS, INTERVAL_MAX_NS);
		} else {
			int before = c->errors;

			cfg_get_duration(c, val, sub, &t->hold_ns, 0,
					 HOLD_MAX_NS);
			t->has_hold = c->errors == before;
		}
	}
}

/* As the daemon's pin_dir, with -NODE appended per node. */
static void parse_pin_dir(struct ctx *c, yaml_node_t *n, const char *path,
			  struct wf_topology *t)
{
	static const char bpffs[] = "/sys/fs/bpf/";
	const char *s = cfg_scalar(c, n, path), *rel;

	if (!s)
		return;
	rel = s + sizeof(bpffs) - 1;
	if (strncmp(s, bpffs, sizeof(bpffs) - 1) || !*rel ||
	    strlen(s) + WF_MESH_NAME_MAX + 2 > sizeof(t->pin_dir) ||
	    strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-") != strlen(rel)) {
		cfg_report(c, n, path,
			   "\"%s\" is not a directory right below %s named "
			   "with letters, digits, - and _ (each node's daemon "
			   "pins in it with -NODE appended)",
			   s, bpffs);
		return;
	}
	snprintf(t->pin_dir, sizeof(t->pin_dir), "%s", s);
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct wf_topology *t)
{
	static const char *const keys[] = { "nodes",   "direct", "addresses",
					    "port",    "mode",	 "probe",
					    "pin_dir", NULL };
	static const char *const modes[] = { "failover", "spread", NULL };
	char sub[PATH_MAXLEN], subs[7][PATH_MAXLEN];
	yaml_node_t *val, *vals[7] = { 0 };
	uint32_t port = 51820;
	int i = 0, k;

	if (!cfg_expect_kind(c, root, "", YAML_MAPPING_NODE,
			     "a mapping (nodes:, direct:, addresses:, ...)"))
		return;
	while ((k = cfg_pair_next(c, root, "", keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		vals[k] = val;
		snprintf(subs[k], sizeof(subs[k]), "%s", sub);
	}
	/* Nodes first: direct: names them, wherever it stands. */
	if (vals[0])
		parse_nodes(c, vals[0], subs[0], t);
	else
		cfg_report(c, root, "nodes",
			   "missing section; list the nodes, e.g. nodes: [ "
			   "{ name: alice, endpoint: 198.51.100.1 } ]");
	if (vals[1])
		parse_direct(c, vals[1], subs[1], t);
	if (vals[2])
		parse_addresses(c, vals[2], subs[2], t);
	else
		cfg_report(c, root, "addresses",
			   "missing section; give the address plan, e.g. "
			   "addresses: { nodes: 10.90.0.0/24, links: "
			   "10.91.0.0/16 }");
	if (vals[3]) {
		int before = c->errors;

		cfg_get_u32(c, vals[3], subs[3], &port, 1, 65535);
		if (c->errors == before && t->n_nodes &&
		    port + (uint32_t)t->n_nodes - 1 > 65535)
			cfg_report(c, vals[3], subs[3],
				   "%u + %d nodes runs past 65535 (node i's "
				   "tunnel to node j listens on port + j)",
				   port, t->n_nodes);
	}
	t->port = (uint16_t)port;
	if (vals[4])
		cfg_get_enum(c, vals[4], subs[4], modes, &t->mode);
	if (vals[5])
		parse_probe(c, vals[5], subs[5], t);
	if (vals[6])
		parse_pin_dir(c, vals[6], subs[6], t);
	if (t->n_nodes && t->node_net.family &&
	    (uint64_t)t->n_nodes + 2 > (1ULL << (32 - t->node_net.len)))
		cfg_report(c, vals[2], "addresses.nodes",
			   "/%u holds %llu addresses, too few for %d nodes "
			   "(node i takes the (i+1)th)",
			   t->node_net.len,
			   (unsigned long long)(1ULL << (32 - t->node_net.len)),
			   t->n_nodes);
}

int topology_parse(const char *name, const char *text, size_t len,
		   struct wf_topology *t, FILE *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ctx c = { .file = name, .doc = &doc, .err = err };
	yaml_node_t *root;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", name);
	t->port = 51820;
	if (!yaml_parser_initialize(&parser)) {
		fprintf(err, "%s: cannot start the YAML parser\n", name);
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_report_syntax(&c, &parser);
		yaml_parser_delete(&parser);
		return c.errors;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fprintf(err,
			"%s:1:1: the file is empty; start from "
			"config/mesh/lab.yaml\n",
			name);
		c.errors++;
	} else {
		t->where = cfg_where(root);
		parse_root(&c, root, t);
		if (!yaml_parser_load(&parser, &extra)) {
			cfg_report_syntax(&c, &parser);
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);

			if (r2)
				cfg_report(&c, r2, "",
					   "a second YAML document; "
					   "put everything in one");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return c.errors;
}

int topology_load(const char *path, struct wf_topology *t, FILE *err)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int errors;

	if (!f) {
		fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	text = malloc(TOPOLOGY_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		fprintf(err, "%s: out of memory\n", path);
		return 1;
	}
	len = fread(text, 1, TOPOLOGY_MAX_BYTES + 1, f);
	if (ferror(f) || len > TOPOLOGY_MAX_BYTES) {
		fprintf(err, "%s: %s\n", path,
			ferror(f) ?
				strerror(errno) :
				"larger than 1 MiB; is this the right file?");
		fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	errors = topology_parse(path, text, len, t, err);
	free(text);
	return errors;
}
