// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Policing maths and tables, on the host: the token-bucket step shared
 * with the datapath, rules in their ABI form, the prefix-trie rule sets,
 * sizes and the shadowed-rule warning.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "units.h"
#include "unit.h"

#define SEC 1000000000ULL

static int parse(const char *yaml, struct wf_config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);
	int n = config_parse("t.yaml", yaml, strlen(yaml), cfg, err);

	fclose(err);
	CHECK(n == 0, "%s", out);
	free(out);
	return n;
}

static void test_tb_next(void)
{
	const __u64 now = 100 * SEC, burst = 10 * 1000000; /* 10 ms */

	/* Idle (tat in the past): the packet fits, debt = its cost. */
	CHECK_EQ_U64(wf_tb_next(0, now, 1000000, burst), now + 1000000);
	CHECK_EQ_U64(wf_tb_next(now - SEC, now, 1000000, burst), now + 1000000);
	/* Exactly the burst fits; one ns more does not. */
	CHECK_EQ_U64(wf_tb_next(now + 9000000, now, 1000000, burst),
		     now + burst);
	CHECK_EQ_U64(wf_tb_next(now + 9000001, now, 1000000, burst), 0);
	/* A packet bigger than the burst never fits. */
	CHECK_EQ_U64(wf_tb_next(0, now, burst + 1, burst), 0);
	/* Years idle: no refill maths, so nothing to overflow. */
	CHECK_EQ_U64(wf_tb_next(1, now + 100ULL * 365 * 86400 * SEC, 5, burst),
		     now + 100ULL * 365 * 86400 * SEC + 5);
	/* The clock steps back: the debt looks larger, never smaller. */
	CHECK_EQ_U64(wf_tb_next(now + 5000000, now - SEC, 1000000, burst), 0);
}

static void test_tb_cost(void)
{
	struct wf_config cfg;
	struct wf_rule r;

	if (parse("interfaces: [lo]\nrules:\n  - name: a\n    rate: 8mbit\n"
		  "    burst: 10kB\n  - name: b\n    rate: 10gbit\n"
		  "  - name: c\n    rate: 8kbit\n",
		  &cfg))
		return;
	policy_rule(&cfg.rules[0], &r);
	/* 1 MB/s: 1000 ns a byte, a 10 kB bucket is 10 ms deep. */
	CHECK_EQ_U64(r.ns_per_byte, 1000ULL << WF_TB_SHIFT);
	CHECK_EQ_U64(r.burst_ns, 10000000);
	CHECK_EQ_U64(wf_tb_cost(1500, r.ns_per_byte), 1500000);
	policy_rule(&cfg.rules[1], &r);
	/* 1.25 GB/s: 0.8 ns a byte; 1500 B cost 1200 ns less the truncation. */
	CHECK_EQ_U64(wf_tb_cost(1500, r.ns_per_byte), 1199);
	/* Default burst: 1/4 s of the rate. */
	CHECK_EQ_U64(cfg.rules[1].burst_bytes, 312500000);
	CHECK(cfg.rules[1].burst_default, "default burst flag");
	policy_rule(&cfg.rules[2], &r);
	/* The slowest rate and the largest packet stay inside 64 bits. */
	CHECK_EQ_U64(wf_tb_cost(WF_TB_MAX_LEN, r.ns_per_byte),
		     (__u64)WF_TB_MAX_LEN * 1000000);
	/* ... and the 64 KiB floor of the default burst. */
	CHECK_EQ_U64(cfg.rules[2].burst_bytes, 65536);
}

static void test_rule_abi(void)
{
	struct wf_config cfg;
	struct wf_rule r;

	if (parse("interfaces: [lo]\nrules:\n  - name: web\n    match: { proto: "
		  "tcp, sport: 1024-2047, dport: 443, interface: lo, direction: "
		  "egress }\n    rate: 1mbit\n    per: flow\n",
		  &cfg))
		return;
	policy_rule(&cfg.rules[0], &r);
	CHECK_EQ_U64(r.flags, WF_RULE_PROTO | WF_RULE_SPORT | WF_RULE_DPORT |
				      WF_RULE_IFINDEX);
	CHECK(r.proto == 6 && r.sport_lo == 1024 && r.sport_hi == 2047 &&
		      r.dport_lo == 443 && r.dport_hi == 443,
	      "match fields");
	CHECK(r.dirs == 2 && r.per == WF_PER_FLOW && r.active, "dirs/per");
	CHECK(!strcmp(r.name, "web"), "name %s", r.name);
}

static void test_lpm_sets(void)
{
	struct wf_config cfg;
	struct policy_lpm e[POLICY_LPM_MAX];
	int n, i, seen = 0;

	if (parse("interfaces: [lo]\nrules:\n"
		  "  - name: a\n    match: { src: 10.0.0.0/8 }\n    rate: 1mbit\n"
		  "  - name: b\n    match: { src: 10.1.0.0/16 }\n    rate: 1mbit\n"
		  "  - name: c\n    rate: 1mbit\n"
		  "  - name: d\n    match: { src: 'fd00::/16' }\n    rate: 1mbit\n",
		  &cfg))
		return;
	n = policy_lpm(&cfg, 4, 1, e);
	CHECK(n == 3, "%d v4 entries", n);
	for (i = 0; i < n; i++) {
		/* 0/0: c; 10/8: a, c; 10.1/16: a, b, c. */
		static const __u64 want[] = { [0] = 0x4, [8] = 0x5, [16] = 0x7 };

		CHECK(e[i].prefix.len <= 16 &&
			      e[i].rules == want[e[i].prefix.len],
		      "/%u has set %#llx", e[i].prefix.len,
		      (unsigned long long)e[i].rules);
		seen |= 1 << (e[i].prefix.len / 8);
	}
	CHECK(seen == 7, "entries seen %d", seen);
	n = policy_lpm(&cfg, 6, 1, e);
	CHECK(n == 2 && e[0].rules == 0x4 && e[1].rules == 0xc,
	      "v6: %d entries", n);
	/* No rule names a destination: 0/0 carries them all. */
	n = policy_lpm(&cfg, 4, 0, e);
	CHECK(n == 1 && e[0].rules == 0xf, "dst v4: %d entries", n);
	CHECK_EQ_U64(policy_prefixed(&cfg, 1), 0xb);
	CHECK_EQ_U64(policy_prefixed(&cfg, 0), 0);
}

/* The port prefilter skips a rule only on ports its range leaves out. */
static void test_dport_skip(void)
{
	static uint64_t skip[WF_PORTS];
	struct wf_config cfg;

	if (parse("interfaces: [lo]\nrules:\n"
		  "  - name: a\n    match: { proto: udp, dport: 53 }\n"
		  "    rate: 1mbit\n"
		  "  - name: b\n    match: { dport: 1000-2000 }\n    rate: 1mbit\n"
		  "  - name: c\n    match: { sport: 53 }\n    rate: 1mbit\n"
		  "  - name: d\n    rate: 1mbit\n"
		  "  - name: e\n    match: { dport: 65535 }\n    rate: 1mbit\n",
		  &cfg))
		return;
	policy_dport_skip(&cfg, skip);
	/* Never c (source port only) nor d (no ports). */
	CHECK_EQ_U64(skip[0], 0x13);
	CHECK_EQ_U64(skip[53], 0x12);
	CHECK_EQ_U64(skip[999], 0x13);
	CHECK_EQ_U64(skip[1000], 0x11);
	CHECK_EQ_U64(skip[2000], 0x11);
	CHECK_EQ_U64(skip[2001], 0x13);
	CHECK_EQ_U64(skip[65535], 0x03);
}

static void test_size(void)
{
	char why[UNITS_WHY_MAX];
	uint64_t v = 0;

	CHECK(units_size("64kB", &v, why, sizeof(why)) == 0 && v == 64000,
	      "64kB");
	CHECK(units_size("64KiB", &v, why, sizeof(why)) == 0 && v == 65536,
	      "KiB");
	CHECK(units_size("1500B", &v, why, sizeof(why)) == 0 && v == 1500, "B");
	CHECK(units_size("1500", &v, why, sizeof(why)) == -1 &&
		      strstr(why, "has no unit"),
	      "%s", why);
	CHECK(units_size("64kb", &v, why, sizeof(why)) == -1 &&
		      strstr(why, "unknown size unit"),
	      "%s", why);
}

static void test_shadowed(void)
{
	struct wf_config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *o;
	int n;

	if (parse("interfaces: [lo]\nrules:\n"
		  "  - name: wide\n    match: { dst: 10.0.0.0/8 }\n    rate: 1mbit\n"
		  "  - name: narrow-but-looser\n    match: { dst: 10.1.0.0/16, "
		  "proto: udp }\n    rate: 2mbit\n"
		  "  - name: narrow-and-stricter\n    match: { dst: 10.2.0.0/16 }\n"
		  "    rate: 500kbit\n",
		  &cfg))
		return;
	o = open_memstream(&out, &len);
	n = config_warn_shadowed(&cfg, o);
	fclose(o);
	CHECK(n == 1, "%d warnings:\n%s", n, out);
	CHECK(strstr(out, "t.yaml:6:5: warning: rules[1] (narrow-but-looser) "
			  "never limits anything: every packet it matches also "
			  "matches rules[0] (wide), whose limit is as strict"),
	      "%s", out);
	free(out);
}

/* A burst below one TSO/GRO packet is a warning on rules TCP can meet. */
static void test_small_burst(void)
{
	struct wf_config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *o;
	int n;

	if (parse("interfaces: [lo]\nrules:\n"
		  "  - name: tiny\n    match: { dport: 80 }\n    rate: 8mbit\n"
		  "    burst: 16kB\n"
		  "  - name: udp-tiny\n    match: { proto: udp }\n    rate: 8mbit\n"
		  "    burst: 16kB\n"
		  "  - name: deep\n    match: { proto: tcp }\n    rate: 9mbit\n"
		  "    burst: 64KiB\n",
		  &cfg))
		return;
	o = open_memstream(&out, &len);
	n = config_warn(&cfg, o);
	fclose(o);
	CHECK(n == 1, "%d warnings:\n%s", n, out);
	CHECK(strstr(out, "t.yaml:3:5: warning: rules[0] (tiny): burst 16000 "
			  "bytes is below one TSO/GRO packet"),
	      "%s", out);
	free(out);
}

/* rules: NAMES is a space-separated list of rule names, in config order. */
static int rules_named(const char *names, struct wf_config *cfg)
{
	char yaml[8192] = "interfaces: [lo]\nrules:\n", *list = strdup(names);
	char *save = NULL;

	for (char *n = strtok_r(list, " ", &save); n;
	     n = strtok_r(NULL, " ", &save))
		snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml),
			 "  - name: %s\n    rate: 1mbit\n", n);
	free(list);
	return parse(yaml, cfg);
}

/* Rule state follows names across reloads; new rules never take a slot
 * the running rules still hold. */
static void test_slots(void)
{
	static char held[WF_RULE_SLOTS][WF_RULE_NAME];
	static struct wf_config cfg;
	int slot[WF_CFG_MAX_RULES];
	bool fresh[WF_CFG_MAX_RULES];

	memset(held, 0, sizeof(held));
	if (rules_named("a b c", &cfg))
		return;
	CHECK(policy_slots(&cfg, held, slot, fresh) == 0, "first");
	CHECK(slot[0] == 0 && slot[1] == 1 && slot[2] == 2, "in order");
	CHECK(fresh[0] && fresh[1] && fresh[2], "all fresh");
	/* Reordered, one removed, one added: kept ones keep their slot. */
	if (rules_named("c new a", &cfg))
		return;
	CHECK(policy_slots(&cfg, held, slot, fresh) == 0, "second");
	CHECK(slot[0] == 2 && !fresh[0], "c keeps 2: %d", slot[0]);
	CHECK(slot[2] == 0 && !fresh[2], "a keeps 0: %d", slot[2]);
	CHECK(slot[1] == 3 && fresh[1], "new takes 3, not b's 1: %d", slot[1]);
	CHECK(!held[1][0] && !strcmp(held[3], "new"), "held rewritten");
	/* Next reload: b's old slot is free again. */
	if (rules_named("a c new other", &cfg))
		return;
	CHECK(policy_slots(&cfg, held, slot, fresh) == 0, "third");
	CHECK(slot[3] == 1 && fresh[3], "other takes the freed 1: %d", slot[3]);
}

/* A full set replaced by another full set still finds slots. */
static void test_slots_full(void)
{
	static char held[WF_RULE_SLOTS][WF_RULE_NAME];
	static struct wf_config cfg;
	int slot[WF_CFG_MAX_RULES];
	bool fresh[WF_CFG_MAX_RULES];
	char names[WF_CFG_MAX_RULES * 8] = "";

	memset(held, 0, sizeof(held));
	for (int round = 0; round < 3; round++) {
		names[0] = '\0';
		for (int i = 0; i < WF_CFG_MAX_RULES; i++)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "r%d_%d ",
				 round, i);
		if (rules_named(names, &cfg))
			return;
		CHECK(cfg.n_rules == WF_CFG_MAX_RULES, "%d rules", cfg.n_rules);
		CHECK(policy_slots(&cfg, held, slot, fresh) == 0, "round %d",
		      round);
		for (int i = 1; i < WF_CFG_MAX_RULES; i++)
			CHECK(slot[i] != slot[0] && fresh[i],
			      "round %d rule %d", round, i);
	}
}

/* A reload that changes the rate keeps the bytes owed, within the burst. */
static void test_rescale(void)
{
	struct wf_rule slow = { .ns_per_byte = 8000ULL << WF_TB_SHIFT,
				.burst_ns = 80ULL * 1000000000ULL };
	struct wf_rule fast = { .ns_per_byte = 80ULL << WF_TB_SHIFT,
				.burst_ns = 800000000ULL };
	uint64_t now = 1000ULL * 1000000000ULL;

	/* 1 Mbit/s (8000 ns/B), 10 MB drained: 80 s ahead. At 100 Mbit/s the
	 * 10 MB owed are 0.8 s: exactly the new burst. */
	CHECK_EQ_U64(policy_rescale_tat(now + slow.burst_ns, now, &slow, &fast),
		     now + 800000000ULL);
	/* Half the bucket owed stays half. */
	CHECK_EQ_U64(policy_rescale_tat(now + 40ULL * 1000000000ULL, now, &slow,
					&fast),
		     now + 400000000ULL);
	/* A smaller burst caps what is owed. */
	fast.burst_ns = 100000000ULL;
	CHECK_EQ_U64(policy_rescale_tat(now + slow.burst_ns, now, &slow, &fast),
		     now + 100000000ULL);
	/* Lowering the rate makes the same bytes take longer, within burst. */
	CHECK_EQ_U64(policy_rescale_tat(now + 1000000ULL, now, &fast, &slow),
		     now + 100000000ULL);
	/* A full bucket (tat in the past) stays full. */
	CHECK_EQ_U64(policy_rescale_tat(now - 5, now, &slow, &fast), now - 5);
}

const struct t_case policy_cases[] = { { "rescale", test_rescale },
				       { "slots", test_slots },
				       { "slots_full", test_slots_full },
				       { "tb_next", test_tb_next },
				       { "tb_cost", test_tb_cost },
				       { "rule_abi", test_rule_abi },
				       { "lpm_sets", test_lpm_sets },
				       { "dport_skip", test_dport_skip },
				       { "size", test_size },
				       { "shadowed", test_shadowed },
				       { "small_burst", test_small_burst },
				       { 0 } };
