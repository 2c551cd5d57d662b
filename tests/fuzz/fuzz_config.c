// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness over the YAML -> config pipeline: any bytes through
 * config_parse(); what parses is also printed, checked for shadowed rules
 * and turned into the datapath's rule and trie entries, the way the daemon
 * would. The same bytes go through the mesh topology reader; what reads
 * is planned and every node's files are rendered, and each node's
 * wirefisher config must parse. Built with ASan + UBSan (make fuzz); the
 * seed corpus is every fixture and shipped config (topologies included).
 * A crash found becomes a fixture.
 */
#include <stdint.h>
#include <stdio.h>

#include <stdlib.h>

#include "config.h"
#include "mesh.h"
#include "policy.h"
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A topology that reads and plans renders files the daemon accepts. */
static void fuzz_mesh(const uint8_t *data, size_t size, FILE *null)
{
	static struct wf_topology t;
	static struct mesh_plan p;
	static struct wf_config cfg;
	struct mesh_keys keys = { .priv = "K" };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (topology_parse("fuzz.yaml", (const char *)data, size, &t, null) ||
	    mesh_plan(&t, &p, null))
		return;
	for (int n = 0; n < t.n_nodes; n++)
		keys.pub[n] = "P";
	mesh_write_summary(&p, null);
	for (int n = 0; n < p.n_nodes; n++) {
		for (int k = 0; k < p.nodes[n].n_ifaces; k++)
			mesh_write_wg(&p, n, k, &keys, "fuzz.yaml", null);
		mesh_write_host(&p, n, "fuzz.yaml", null);
		f = open_memstream(&text, &len);
		if (!f)
			return;
		mesh_write_wirefisher(&p, n, "fuzz.yaml", f);
		fclose(f);
		if (config_parse("node.yaml", text, len, &cfg, null))
			abort(); /* the generator made a config the daemon refuses */
		free(text);
		text = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wf_config cfg;
	static struct policy_lpm lpm[POLICY_LPM_MAX];
	static FILE *null;
	struct wf_rule rule;

	if (!null)
		null = fopen("/dev/null", "w");
	fuzz_mesh(data, size, null);
	if (config_parse("fuzz.yaml", (const char *)data, size, &cfg, null))
		return 0;
	config_print(&cfg, null);
	config_warn_shadowed(&cfg, null);
	for (int i = 0; i < cfg.n_rules; i++)
		policy_rule(&cfg.rules[i], &rule);
	for (int family = 4; family <= 6; family += 2) {
		policy_lpm(&cfg, family, 0, lpm);
		policy_lpm(&cfg, family, 1, lpm);
	}
	return 0;
}
