// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "policy.h"

#include <stdio.h>
#include <string.h>

void policy_rule(const struct wf_cfg_rule *r, struct wf_rule *out)
{
	uint64_t rate_Bps = r->rate_bps / 8; /* >= 1000: config bounds */

	memset(out, 0, sizeof(*out));
	out->active = 1;
	/* Slots are the caller's (policy_slots); until then, the ids. */
	out->group = (uint32_t)r->bucket;
	out->bucket = (uint32_t)r->bucket;
	out->dirs = (uint8_t)r->dirs;
	out->per = (uint8_t)r->per;
	if (r->proto >= 0) {
		out->flags |= WF_RULE_PROTO;
		out->proto = (uint8_t)r->proto;
	}
	if (r->has_sport) {
		out->flags |= WF_RULE_SPORT;
		out->sport_lo = r->sport_lo;
		out->sport_hi = r->sport_hi;
	}
	if (r->has_dport) {
		out->flags |= WF_RULE_DPORT;
		out->dport_lo = r->dport_lo;
		out->dport_hi = r->dport_hi;
	}
	if (r->iface[0])
		out->flags |= WF_RULE_IFINDEX;
	if (wf_rule_has_cgroup(r))
		out->flags |= WF_RULE_CGROUP; /* id and level: the loader's */
	if (r->pid) {
		out->flags |= WF_RULE_PID;
		out->pid = r->pid;
	}
	if (r->exe[0])
		out->flags |= WF_RULE_EXE; /* inode and device: the loader's */
	if (r->process[0]) {
		out->flags |= WF_RULE_COMM;
		memcpy(out->comm, r->process, sizeof(r->process));
	}
	/* 1e9 << 24 < 2^54: no overflow; >= 2^24 / 1.25e11 at 1 Tbit/s. */
	out->ns_per_byte = (WF_NSEC_PER_SEC << WF_TB_SHIFT) / rate_Bps;
	out->burst_ns = (uint64_t)((unsigned __int128)r->burst_bytes *
				   WF_NSEC_PER_SEC / rate_Bps);
	out->rate_bps = r->rate_bps;
	out->burst_bytes = r->burst_bytes;
	snprintf(out->name, sizeof(out->name), "%s", r->name);
	memcpy(out->cc, r->cc, sizeof(out->cc));
}

static int add_prefix(struct policy_lpm *out, int n, const struct wf_prefix *p)
{
	int i;

	for (i = 0; i < n; i++)
		if (out[i].prefix.len == p->len &&
		    !memcmp(out[i].prefix.addr, p->addr, sizeof(p->addr)))
			return n;
	out[n].prefix = *p;
	out[n].rules = 0;
	return n + 1;
}

int policy_lpm(const struct wf_config *cfg, int family, int src,
	       struct policy_lpm out[POLICY_LPM_MAX])
{
	struct wf_prefix any = { .family = family };
	int n = 0, i, r;

	n = add_prefix(out, n, &any);
	for (r = 0; r < cfg->n_rules; r++) {
		const struct wf_prefix *p =
			src ? &cfg->rules[r].src : &cfg->rules[r].dst;

		if (p->family == family)
			n = add_prefix(out, n, p);
	}
	for (i = 0; i < n; i++)
		for (r = 0; r < cfg->n_rules; r++) {
			const struct wf_prefix *p =
				src ? &cfg->rules[r].src : &cfg->rules[r].dst;

			if (prefix_contains(p, &out[i].prefix))
				out[i].rules |= 1ULL << r;
		}
	return n;
}

int policy_slots(const struct wf_config *cfg,
		 char held[WF_RULE_SLOTS][WF_RULE_NAME], int slot[],
		 bool fresh[])
{
	char next[WF_RULE_SLOTS][WF_RULE_NAME] = { { 0 } };
	int i, s;

	for (i = 0; i < cfg->n_rules; i++) {
		slot[i] = -1;
		for (s = 0; s < WF_RULE_SLOTS && slot[i] < 0; s++)
			if (!strncmp(held[s], cfg->rules[i].name, WF_RULE_NAME))
				slot[i] = s;
		fresh[i] = slot[i] < 0;
		if (slot[i] >= 0)
			memcpy(next[slot[i]], held[slot[i]], WF_RULE_NAME);
	}
	for (i = 0; i < cfg->n_rules; i++) {
		/* Not held by the old rules nor taken by a new one. */
		for (s = 0; s < WF_RULE_SLOTS && slot[i] < 0; s++)
			if (!held[s][0] && !next[s][0])
				slot[i] = s;
		if (slot[i] < 0)
			return -1;
		snprintf(next[slot[i]], WF_RULE_NAME, "%s", cfg->rules[i].name);
	}
	memcpy(held, next, sizeof(next));
	return 0;
}

uint64_t policy_rescale_tat(uint64_t tat, uint64_t now,
			    const struct wf_rule *old,
			    const struct wf_rule *now_rule)
{
	unsigned __int128 debt;

	if (tat <= now || !old->ns_per_byte)
		return tat; /* full: nothing owed */
	debt = (unsigned __int128)(tat - now) * now_rule->ns_per_byte /
	       old->ns_per_byte;
	if (debt > now_rule->burst_ns)
		debt = now_rule->burst_ns;
	return now + (uint64_t)debt;
}

const char *const policy_place_names[WF_N_PLACES] = { "tc", "cgroup_skb",
						      "netfilter", "xdp" };

enum wf_place policy_place(const struct wf_cfg_rule *r, bool have_nf)
{
	if (wf_rule_at_socket(r))
		return WF_PLACE_SOCKET;
	switch (r->at) {
	case WF_ATC_TC:
		return WF_PLACE_TC;
	case WF_ATC_XDP:
		return WF_PLACE_XDP;
	default: /* auto, netfilter */
		return have_nf ? WF_PLACE_NETFILTER : WF_PLACE_TC;
	}
}

uint64_t policy_rules_at(const struct wf_config *cfg, enum wf_place at,
			 bool have_nf)
{
	uint64_t mask = 0;

	for (int i = 0; i < cfg->n_rules; i++)
		if (policy_place(&cfg->rules[i], have_nf) == at)
			mask |= 1ULL << i;
	return mask;
}

uint64_t policy_nf_fallback(const struct wf_config *cfg)
{
	return policy_rules_at(cfg, WF_PLACE_NETFILTER, true) &
	       policy_rules_at(cfg, WF_PLACE_TC, false);
}

void policy_dport_skip(const struct wf_config *cfg, uint64_t *out)
{
	uint64_t named = 0;
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].has_dport)
			named |= 1ULL << i;
	for (i = 0; i < WF_PORTS; i++)
		out[i] = named;
	for (i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];

		if (!r->has_dport)
			continue;
		for (uint32_t p = r->dport_lo; p <= r->dport_hi; p++)
			out[p] &= ~(1ULL << i);
	}
}

uint64_t policy_prefixed(const struct wf_config *cfg, int src)
{
	uint64_t mask = 0;

	for (int r = 0; r < cfg->n_rules; r++) {
		const struct wf_prefix *p =
			src ? &cfg->rules[r].src : &cfg->rules[r].dst;

		if (p->family)
			mask |= 1ULL << r;
	}
	return mask;
}
