// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * checks.c - what is valid rule by rule but surely not meant: rules that
 * can never limit anything, bursts that starve TCP (warnings, printed by
 * `check` and at start-up).
 */
#include "config.h"

#include <string.h>

static bool ports_contain(bool has_a, uint16_t alo, uint16_t ahi, bool has_b,
			  uint16_t blo, uint16_t bhi)
{
	if (!has_a)
		return true;
	return has_b && alo <= blo && bhi <= ahi;
}

/* Does every packet rule b matches also match rule a? */
static bool rule_covers(const struct wf_cfg_rule *a,
			const struct wf_cfg_rule *b)
{
	if (a->proto != -1 && a->proto != b->proto)
		return false;
	/* Ports without a proto match tcp and udp only. */
	if (a->proto == -1 && b->proto == -1 &&
	    (a->has_sport || a->has_dport) && !(b->has_sport || b->has_dport))
		return false;
	if (a->iface[0] && strcmp(a->iface, b->iface))
		return false;
	/* Descendant cgroups are not worked out here: equal, or a has none. */
	if (strcmp(a->cgroup, b->cgroup) && a->cgroup[0])
		return false;
	if ((a->unit[0] || a->container[0]) &&
	    (strcmp(a->unit, b->unit) || strcmp(a->container, b->container)))
		return false;
	if ((a->pid && a->pid != b->pid) ||
	    (a->process[0] && strcmp(a->process, b->process)) ||
	    (a->exe[0] && strcmp(a->exe, b->exe)))
		return false;
	return (a->dirs & b->dirs) == b->dirs &&
	       prefix_contains(&a->src, &b->src) &&
	       prefix_contains(&a->dst, &b->dst) &&
	       ports_contain(a->has_sport, a->sport_lo, a->sport_hi,
			     b->has_sport, b->sport_lo, b->sport_hi) &&
	       ports_contain(a->has_dport, a->dport_lo, a->dport_hi,
			     b->has_dport, b->dport_lo, b->dport_hi);
}

int config_warn_shadowed(const struct wf_config *cfg, FILE *out)
{
	int i, j, n = 0;

	for (j = 0; j < cfg->n_rules; j++)
		for (i = 0; i < cfg->n_rules; i++) {
			const struct wf_cfg_rule *a = &cfg->rules[i];
			const struct wf_cfg_rule *b = &cfg->rules[j];

			/* Of two identical rules, warn about the later one. */
			if (i == j || a->per != b->per || !rule_covers(a, b) ||
			    (a->group[0] && !strcmp(a->group, b->group)) ||
			    a->rate_bps > b->rate_bps ||
			    a->burst_bytes > b->burst_bytes ||
			    (rule_covers(b, a) && a->rate_bps == b->rate_bps &&
			     a->burst_bytes == b->burst_bytes && i > j))
				continue;
			fprintf(out,
				"%s:%d:%d: warning: rules[%d] (%s) never limits "
				"anything: every packet it matches also matches "
				"rules[%d] (%s), whose limit is as strict\n",
				cfg->path, b->where.line, b->where.col, j,
				b->name, i, a->name);
			n++;
			break;
		}
	return n;
}

/*
 * tc sees a TSO or GRO packet whole, up to 64 KiB: a bucket shallower than
 * that can never pass it, and the TCP flow behind it stalls for good.
 */
#define GSO_MAX_BYTES (64ULL << 10)

static int warn_small_bursts(const struct wf_config *cfg, FILE *out)
{
	int n = 0;

	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];

		if (r->burst_bytes >= GSO_MAX_BYTES ||
		    (r->proto != -1 && r->proto != 6))
			continue;
		fprintf(out,
			"%s:%d:%d: warning: rules[%d] (%s): burst %llu bytes "
			"is below one TSO/GRO packet (up to 64 KiB), which never "
			"fits: TCP through this rule may stall; leave burst out "
			"or give at least 64kB\n",
			cfg->path, r->where.line, r->where.col, i, r->name,
			(unsigned long long)r->burst_bytes);
		n++;
	}
	return n;
}

int config_warn(const struct wf_config *cfg, FILE *out)
{
	return config_warn_shadowed(cfg, out) + warn_small_bursts(cfg, out);
}
