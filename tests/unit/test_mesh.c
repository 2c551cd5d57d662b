// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The mesh topology reader (config/topology.c) and the plan
 * (policy/mesh.c, mesh_render.c): each file in fixtures/mesh-bad/ carries
 * the messages it must produce ("# expect: ...", "# errors: N" when more
 * than one) from reading and planning; each in fixtures/mesh-good/ and
 * config/mesh/ plans cleanly. The worked example's plan is checked number
 * by number, and every node's generated wirefisher config must be one the
 * daemon's parser takes, with the priorities and routes the plan says.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mesh.h"
#include "topology.h"
#include "unit.h"

#define FIXTURES "tests/unit/fixtures"
#define LAB	 "config/mesh/lab.yaml"

static struct wf_topology topo;
static struct mesh_plan plan;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 16);
	*len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	return buf;
}

/* Read and plan path (named by its basename); messages into *out. */
static int plan_file(const char *path, char **out)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = 0, outlen = 0;
	char *text = slurp(path, &len);
	FILE *err = open_memstream(out, &outlen);
	int n;

	n = topology_parse(base, text ? text : "", len, &topo, err);
	if (!n)
		n = mesh_plan(&topo, &plan, err);
	fclose(err);
	free(text);
	return n;
}

static void check_bad(const char *path)
{
	size_t len = 0;
	char *text = slurp(path, &len), *line, *save = NULL, *out = NULL;
	int want = 1, got, expects = 0;

	got = plan_file(path, &out);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# errors: ", 10))
			want = atoi(line + 10);
		if (strncmp(line, "# expect: ", 10))
			continue;
		expects++;
		CHECK(strstr(out, line + 10), "%s: no \"%s\" in:\n%s", path,
		      line + 10, out);
	}
	CHECK(expects > 0, "%s has no # expect: line", path);
	CHECK(got == want, "%s: %d errors, want %d:\n%s", path, got, want, out);
	free(text);
	free(out);
}

static void check_good(const char *path)
{
	char *out = NULL;
	int n = plan_file(path, &out);

	CHECK(n == 0, "%s: %d errors:\n%s", path, n, out);
	free(out);
}

static void for_each_yaml(const char *dir, void (*fn)(const char *path))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n = 0;

	CHECK(d, "cannot open %s (run from the repository root)", dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path);
		n++;
	}
	closedir(d);
	CHECK(n > 0, "no fixtures in %s", dir);
}

static void test_bad_fixtures(void)
{
	for_each_yaml(FIXTURES "/mesh-bad", check_bad);
}

static void test_good_fixtures(void)
{
	for_each_yaml(FIXTURES "/mesh-good", check_good);
	for_each_yaml("config/mesh", check_good);
}

static const char *addr(const struct wf_prefix *p)
{
	static char buf[4][64];
	static int i;
	char *b = buf[i++ % 4];
	size_t n;

	prefix_addr_str(p, b, 64);
	n = strlen(b);
	snprintf(b + n, 64 - n, "/%u", p->len);
	return b;
}

static const struct mesh_iface *iface(int n, const char *name)
{
	for (int k = 0; k < plan.nodes[n].n_ifaces; k++)
		if (!strcmp(plan.nodes[n].ifaces[k].name, name))
			return &plan.nodes[n].ifaces[k];
	return NULL;
}

/* The worked example, number by number (mesh.h has the plan's rules). */
static void test_lab_plan(void)
{
	const struct mesh_iface *ab, *ba, *ar, *hub;
	char *out = NULL;

	CHECK(plan_file(LAB, &out) == 0, "%s", out);
	free(out);
	CHECK_EQ_U64(plan.n_nodes, 4);
	/* alice 0, bob 1, pub 2, relay 3 */
	CHECK(!strcmp(addr(&plan.nodes[0].addr), "10.90.0.1/32"), "%s",
	      addr(&plan.nodes[0].addr));
	CHECK(!strcmp(addr(&plan.nodes[3].addr), "10.90.0.4/32"), "%s",
	      addr(&plan.nodes[3].addr));
	CHECK_EQ_U64(plan.nodes[0].n_ifaces, 3);
	CHECK_EQ_U64(plan.nodes[3].n_ifaces, 1);
	ab = iface(0, "alice-bob");
	ba = iface(1, "bob-alice");
	ar = iface(0, "alice-relay");
	hub = iface(3, "relay-hub");
	CHECK(ab && ba && ar && hub, "interfaces");
	if (!ab || !ba || !ar || !hub)
		return;
	/* The pair's /30: .1 the lower index's, .2 the other's. */
	CHECK(!strcmp(addr(&ab->addr), "10.91.0.5/30"), "%s", addr(&ab->addr));
	CHECK(!strcmp(addr(&ba->addr), "10.91.0.6/30"), "%s", addr(&ba->addr));
	CHECK(!strcmp(addr(&ab->targets[0]), "10.91.0.6/32"), "target %s",
	      addr(&ab->targets[0]));
	/* i's interface toward j listens on port + j. */
	CHECK_EQ_U64(ab->port, 51821);
	CHECK_EQ_U64(ba->port, 51820);
	CHECK_EQ_U64(ab->peers[0].port, 51820);
	CHECK_EQ_U64(ab->priority, 0);
	/* Relay 3's hub: the 67th /24, host byte = node + 1. */
	CHECK(!strcmp(addr(&ar->addr), "10.91.67.1/24"), "%s", addr(&ar->addr));
	CHECK(!strcmp(addr(&hub->addr), "10.91.67.4/24"), "%s",
	      addr(&hub->addr));
	CHECK(!strcmp(addr(&ar->targets[0]), "10.91.67.4/32"), "%s",
	      addr(&ar->targets[0]));
	CHECK_EQ_U64(ar->priority, 1);
	CHECK_EQ_U64(ar->port, 51823);
	CHECK_EQ_U64(hub->port, 51823);
	CHECK_EQ_U64(hub->n_peers, 3);
	CHECK_EQ_U64(hub->n_targets, 3);
	/* alice: a route to each of the three others; to bob direct
	 * first, then the relay, anchored on the relay's interface. */
	CHECK_EQ_U64(plan.nodes[0].n_routes, 3);
	CHECK_EQ_U64(plan.nodes[0].routes[0].dst, 1);
	CHECK_EQ_U64(plan.nodes[0].routes[0].n_paths, 2);
	CHECK(plan.nodes[0].ifaces[plan.nodes[0].routes[0].paths[0]].kind ==
		      MESH_DIRECT,
	      "direct first");
	CHECK(&plan.nodes[0].ifaces[plan.nodes[0].routes[0].anchor] == ar,
	      "anchor on the relay path");
	/* to the relay: its hub link only */
	CHECK_EQ_U64(plan.nodes[0].routes[2].n_paths, 1);
}

static char *render(void (*fn)(const struct mesh_plan *, int, const char *,
			       FILE *),
		    int n, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	fn(&plan, n, "lab.yaml", f);
	fclose(f);
	return text;
}

/* Every node's wirefisher config is one the daemon takes, as planned. */
static void test_lab_configs(void)
{
	static struct wf_config cfg;
	char *out = NULL;

	CHECK(plan_file(LAB, &out) == 0, "%s", out);
	free(out);
	for (int n = 0; n < plan.n_nodes; n++) {
		const struct mesh_node_plan *np = &plan.nodes[n];
		size_t len;
		char *text = render(mesh_write_wirefisher, n, &len);

		CHECK(config_parse("wirefisher.yaml", text, len, &cfg,
				   stderr) == 0,
		      "node %d:\n%s", n, text);
		CHECK_EQ_U64(cfg.steer.n_paths, np->n_ifaces);
		CHECK_EQ_U64(cfg.steer.n_routes, plan.n_nodes - 1);
		for (int k = 0; k < cfg.steer.n_paths; k++)
			CHECK_EQ_U64(cfg.steer.paths[k].priority,
				     np->ifaces[k].kind == MESH_DIRECT ? 0 : 1);
		CHECK_EQ_U64(cfg.steer.probe.interval_ns, 200000000ULL);
		CHECK_EQ_U64(cfg.steer.probe.hold_ns, 2000000000ULL);
		free(text);
	}
}

/* The wg-quick file: keys, port, AllowedIPs, endpoint, keepalive. */
static void test_lab_wg(void)
{
	struct mesh_keys keys = { .priv = "PRIV" };
	char *out = NULL, *text = NULL;
	size_t len;
	FILE *f;

	CHECK(plan_file(LAB, &out) == 0, "%s", out);
	free(out);
	keys.pub[0] = "PUBA";
	keys.pub[1] = "PUBB";
	keys.pub[2] = "PUBP";
	keys.pub[3] = "PUBR";
	f = open_memstream(&text, &len);
	mesh_write_wg(&plan, 0, 0, &keys, "lab.yaml", f); /* alice-bob */
	fclose(f);
	CHECK(strstr(text, "PrivateKey = PRIV\nListenPort = 51821\n"
			   "Address = 10.91.0.5/30\n"),
	      "%s", text);
	CHECK(strstr(text, "Table = off\n"), "%s", text);
	CHECK(strstr(text, "PublicKey = PUBB\n"
			   "AllowedIPs = 10.90.0.2/32, 10.91.0.6/32\n"
			   "Endpoint = 198.51.100.2:51820\n"
			   "PersistentKeepalive = 25\n"),
	      "%s", text);
	free(text);
	/* The relay's hub: one peer per node, each allowed its steering
	 * address and its hub address; pub is not behind NAT. */
	f = open_memstream(&text, &len);
	mesh_write_wg(&plan, 3, 0, &keys, "lab.yaml", f);
	fclose(f);
	CHECK(strstr(text, "PublicKey = PUBP\n"
			   "AllowedIPs = 10.90.0.3/32, 10.91.67.3/32\n"
			   "Endpoint = 198.51.100.3:51823\n"),
	      "%s", text);
	CHECK(!strstr(text, "PersistentKeepalive"), "%s", text);
	free(text);
	/* alice's relay path allows every node the relay forwards from. */
	f = open_memstream(&text, &len);
	mesh_write_wg(&plan, 0, 2, &keys, "lab.yaml", f);
	fclose(f);
	CHECK(strstr(text, "AllowedIPs = 10.90.0.4/32, 10.91.67.0/24, "
			   "10.90.0.2/32, 10.90.0.3/32\n"),
	      "%s", text);
	free(text);
}

static void test_lab_host(void)
{
	char *out = NULL, *text;
	size_t len;

	CHECK(plan_file(LAB, &out) == 0, "%s", out);
	free(out);
	text = render(mesh_write_host, 0, &len);
	CHECK(strstr(text, "net.ipv4.conf.all.rp_filter=2"), "%s", text);
	CHECK(strstr(text, "net.ipv4.conf.alice-bob.rp_filter=2"), "%s", text);
	CHECK(strstr(text, "ip addr replace 10.90.0.1/32 dev lo\n"), "%s",
	      text);
	CHECK(strstr(text, "ip route replace 10.90.0.2/32 dev alice-relay src "
			   "10.90.0.1"),
	      "%s", text);
	CHECK(!strstr(text, "ip_forward"), "a client forwards nothing");
	free(text);
	text = render(mesh_write_host, 3, &len);
	CHECK(strstr(text, "net.ipv4.ip_forward=1"), "%s", text);
	free(text);
}

/* Appending a node changes no address or port of the others. */
static void test_append_stable(void)
{
	static const char base[] =
		"addresses: { nodes: 10.90.0.0/24, links: 10.91.0.0/16 }\n"
		"nodes:\n"
		"  - { name: a, endpoint: 192.0.2.1 }\n"
		"  - { name: b, endpoint: 192.0.2.2 }\n"
		"  - { name: r, endpoint: 192.0.2.3, relay: true }\n"
		"direct: [[a, b]]\n";
	static const char more[] = "  - { name: c, nat: true }\n";
	static struct mesh_plan before;
	char text[1024];

	CHECK(topology_parse("t.yaml", base, strlen(base), &topo, stderr) == 0,
	      "base");
	CHECK(mesh_plan(&topo, &before, stderr) == 0, "plan");
	snprintf(text, sizeof(text), "%.*s%s%s",
		 (int)(strstr(base, "direct:") - base), base, more,
		 strstr(base, "direct:"));
	CHECK(topology_parse("t.yaml", text, strlen(text), &topo, stderr) == 0,
	      "appended");
	CHECK(mesh_plan(&topo, &plan, stderr) == 0, "plan");
	for (int n = 0; n < 3; n++)
		for (int k = 0; k < before.nodes[n].n_ifaces; k++) {
			const struct mesh_iface *x = &before.nodes[n].ifaces[k],
						*y = &plan.nodes[n].ifaces[k];

			CHECK(!strcmp(x->name, y->name) && x->port == y->port &&
				      !memcmp(&x->addr, &y->addr,
					      sizeof(x->addr)),
			      "node %d interface %s changed", n, x->name);
		}
	/* c reaches a and b only through r. */
	CHECK_EQ_U64(plan.nodes[3].n_ifaces, 1);
	CHECK_EQ_U64(plan.nodes[3].n_routes, 3);
}

const struct t_case mesh_cases[] = {
	{ "bad_fixtures", test_bad_fixtures },
	{ "good_fixtures", test_good_fixtures },
	{ "lab_plan", test_lab_plan },
	{ "lab_configs", test_lab_configs },
	{ "lab_wg", test_lab_wg },
	{ "lab_host", test_lab_host },
	{ "append_stable", test_append_stable },
	{ NULL, NULL },
};
