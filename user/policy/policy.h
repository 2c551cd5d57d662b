/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy.h - turn configured rules into what the datapath reads: struct
 * wf_rule entries (rates as fixed-point costs) and prefix-trie entries with
 * rule sets. Pure functions: no libbpf, no kernel, unit-tested.
 */
#ifndef WF_POLICY_H
#define WF_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "../../bpf/wf_shared.h"
#include "config.h"

/* At most one entry per rule prefix, plus 0/0. */
#define POLICY_LPM_MAX (WF_CFG_MAX_RULES + 1)

struct policy_lpm {
	struct wf_prefix prefix;
	uint64_t rules; /* bit i: rules[i] covers this prefix */
};

/* The ABI form of rule r (id i); ifindex resolved by the caller. */
void policy_rule(const struct wf_cfg_rule *r, struct wf_rule *out);

/*
 * State slots that follow rule names across reloads. held[s] names the rule
 * whose state is in slot s ("" if free). Each rule of cfg keeps the slot of
 * its name, else takes the lowest slot that held leaves free and no other
 * rule took (fresh[i] set: its state must be cleared before use). held
 * becomes the new assignment. -1 only if the slots ran out, which
 * WF_RULE_SLOTS = 2 * WF_MAX_RULES rules out.
 */
int policy_slots(const struct wf_config *cfg,
		 char held[WF_RULE_SLOTS][WF_RULE_NAME], int slot[],
		 bool fresh[]);

/*
 * Trie entries for one family (4 or 6) and one side (src = 1, dst = 0):
 * 0/0 and every prefix a rule names, each with the set of rules whose
 * prefix on that side contains it (a rule with no prefix contains all).
 * Returns the number of entries written to out.
 */
int policy_lpm(const struct wf_config *cfg, int family, int src,
	       struct policy_lpm out[POLICY_LPM_MAX]);

/*
 * The rules that name a source (src = 1) or destination (0) prefix: the
 * datapath skips a trie whose answer could remove none of its candidates.
 */
uint64_t policy_prefixed(const struct wf_config *cfg, int src);

/*
 * The datapath's port prefilter (wf_dport_skip): out[port] has bit i set
 * when rules[i] names destination ports and `port` is not among them, so
 * no packet whose ports were read can match it there. out holds
 * WF_PORTS entries; ports no rule names stay 0 (filter nothing).
 */
void policy_dport_skip(const struct wf_config *cfg, uint64_t *out);

/*
 * A bucket's state (tat_ns, bpf_ktime_get_ns time) kept across a reload
 * that changed its rule's rate or burst: the bytes it owed at the old rate
 * are owed at the new one, but never more than the new bucket holds. (The
 * debt as time at the old rate could otherwise outlast any sane burst: a
 * drained 10 MB bucket at 1 Mbit/s stays 80 s ahead after a raise to 100.)
 */
uint64_t policy_rescale_tat(uint64_t tat, uint64_t now,
			    const struct wf_rule *old,
			    const struct wf_rule *now_rule);

/*
 * Where a rule is enforced on a kernel that has (have_nf) or lacks BPF
 * netfilter links with IP defrag: one point per rule. Rules on a cgroup
 * or process: the socket hooks. at: auto is netfilter where it can be
 * (README, "Where wirefisher hooks": the cheapest drop for what this host
 * sends, whole datagrams, no interface list), and at: netfilter falls
 * back to tc where it cannot.
 */
enum wf_place {
	WF_PLACE_TC,
	WF_PLACE_SOCKET,
	WF_PLACE_NETFILTER,
	WF_PLACE_XDP,
	WF_N_PLACES,
};

enum wf_place policy_place(const struct wf_cfg_rule *r, bool have_nf);

/* The rules (bit i: rules[i]) enforced at `at`. */
uint64_t policy_rules_at(const struct wf_config *cfg, enum wf_place at,
			 bool have_nf);

/* The rules that asked for netfilter (or auto) but get tc without it. */
uint64_t policy_nf_fallback(const struct wf_config *cfg);

extern const char *const policy_place_names[WF_N_PLACES];

#endif /* WF_POLICY_H */
