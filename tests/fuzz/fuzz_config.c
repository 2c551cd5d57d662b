// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness over the YAML -> config pipeline: any bytes through
 * config_parse(); what parses is also printed, checked for shadowed rules
 * and turned into the datapath's rule and trie entries, the way the daemon
 * would. Built with ASan + UBSan (make fuzz); the seed corpus is every
 * fixture and shipped config. A crash found becomes a fixture.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wf_config cfg;
	static struct policy_lpm lpm[POLICY_LPM_MAX];
	static FILE *null;
	struct wf_rule rule;

	if (!null)
		null = fopen("/dev/null", "w");
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
