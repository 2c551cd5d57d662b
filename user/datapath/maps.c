// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * maps.c - the one writer of the policy maps: rules (in ABI form, with
 * what the host resolved), the prefix tries of rules and of steering
 * routes. Written whole into a new program set before any hook meets it.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader_int.h"
#include "log.h"
#include "policy.h"
#include "wirefisher.skel.h"

/* The ABI form of rules[i], with what only the host can say (host.h). */
static void rule_form(const struct wf_config *cfg, const struct wf_host *host,
		      const int *slots, int i, struct wf_rule *r)
{
	const struct wf_cfg_rule *cr = &cfg->rules[i];
	const struct wf_host_rule *hr = &host->rules[i];

	policy_rule(cr, r);
	r->slot = (__u32)slots[i];
	r->bucket = (__u32)slots[cr->bucket];
	r->ifindex = hr->ifindex;
	r->cgroup_id = hr->cgroup_id;
	r->cgroup_level = hr->cgroup_level;
	r->exe_ino = hr->exe_ino;
	r->exe_dev = hr->exe_dev;
}

static int write_rule(struct wirefisher_bpf *skel, int i,
		      const struct wf_rule *r)
{
	__u32 id = (__u32)i;
	int err = bpf_map__update_elem(skel->maps.wf_rules, &id, sizeof(id), r,
				       sizeof(*r), BPF_ANY);

	if (err)
		log_error("cannot write rules[%d] (%s): %s", i, r->name,
			  strerror(-err));
	return err;
}

static int write_rules(struct wirefisher_bpf *skel, const struct wf_config *cfg,
		       const struct wf_host *host, const int *slots)
{
	for (int i = 0; i < cfg->n_rules; i++) {
		struct wf_rule r;

		rule_form(cfg, host, slots, i, &r);
		if (write_rule(skel, i, &r))
			return -1;
	}
	return 0;
}

/*
 * A rule's cgroup removed while running: the rule stops matching (id 0)
 * and waits; made again at the same path (a new id): the rule follows.
 * One log line per change. Called every second from loader_sync(), with
 * `all` when interfaces changed and every rule's ifindex may be stale.
 */
void follow_rules(struct loader *l, bool all)
{
	const struct wf_config *cfg = l->cfg;

	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_host_rule *hr = &l->host->rules[i];
		struct wf_rule r;

		if (!all && !wf_rule_has_cgroup(&cfg->rules[i]))
			continue;
		rule_form(cfg, l->host, l->rule_slot, i, &r);
		if (r.cgroup_id == l->cg_ids[i]) {
			if (all)
				write_rule(l->skel, i, &r);
			continue;
		}
		if (hr->missing[0])
			log_warn("rules[%d] (%s): %s; the rule waits for it", i,
				 cfg->rules[i].name, hr->missing);
		else
			log_info("rules[%d] (%s): cgroup is there again (id %llu)",
				 i, cfg->rules[i].name,
				 (unsigned long long)r.cgroup_id);
		if (write_rule(l->skel, i, &r) == 0)
			l->cg_ids[i] = r.cgroup_id;
	}
}

void remember_cgroups(struct loader *l)
{
	for (int i = 0; i < l->cfg->n_rules; i++)
		l->cg_ids[i] = l->host->rules[i].cgroup_id;
}

/* One prefix into an IPv4 or IPv6 LPM trie (the ABI's wf_lpm4/wf_lpm6). */
static int lpm_put(struct bpf_map *map, const struct wf_prefix *p,
		   const uint64_t *value)
{
	struct wf_lpm4 k4 = { .prefixlen = p->len };
	struct wf_lpm6 k6 = { .prefixlen = p->len };

	if (p->family == 4) {
		memcpy(&k4.addr, p->addr, 4);
		return bpf_map__update_elem(map, &k4, sizeof(k4), value,
					    sizeof(*value), BPF_ANY);
	}
	memcpy(k6.addr, p->addr, 16);
	return bpf_map__update_elem(map, &k6, sizeof(k6), value, sizeof(*value),
				    BPF_ANY);
}

static int write_trie(struct bpf_map *map, const struct wf_config *cfg,
		      int family, int src)
{
	struct policy_lpm e[POLICY_LPM_MAX];
	int n = policy_lpm(cfg, family, src, e), i, err = 0;

	for (i = 0; i < n && !err; i++)
		err = lpm_put(map, &e[i].prefix, &e[i].rules);
	if (err)
		log_error("cannot write %s: %s", bpf_map__name(map),
			  strerror(-err));
	return err ? -1 : 0;
}

/* The port prefilter, in one batch (65536 single updates take ~50 ms). */
static int write_dport_skip(struct wirefisher_bpf *skel,
			    const struct wf_config *cfg)
{
	static uint64_t skip[WF_PORTS];
	static __u32 keys[WF_PORTS];
	__u32 n = WF_PORTS;
	int err;

	policy_dport_skip(cfg, skip);
	for (__u32 i = 0; i < WF_PORTS; i++)
		keys[i] = i;
	err = bpf_map_update_batch(bpf_map__fd(skel->maps.wf_dport_skip), keys,
				   skip, &n, NULL);
	if (err)
		log_error("cannot write wf_dport_skip: %s", strerror(errno));
	return err ? -1 : 0;
}

static int write_tries(struct wirefisher_bpf *skel, const struct wf_config *cfg)
{
	if (!cfg->n_rules)
		return 0;
	return write_dport_skip(skel, cfg) ||
			       write_trie(skel->maps.wf_src4, cfg, 4, 1) ||
			       write_trie(skel->maps.wf_dst4, cfg, 4, 0) ||
			       write_trie(skel->maps.wf_src6, cfg, 6, 1) ||
			       write_trie(skel->maps.wf_dst6, cfg, 6, 0) ?
		       -1 :
		       0;
}

/* Steering: each route's prefixes -> the route's index. */
static int write_routes(struct wirefisher_bpf *skel,
			const struct wf_config *cfg)
{
	for (int r = 0; r < cfg->steer.n_routes; r++) {
		const struct wf_cfg_route *rc = &cfg->steer.routes[r];
		uint64_t id = (uint64_t)r;

		for (int j = 0; j < rc->n_to; j++) {
			int err = lpm_put(rc->to[j].family == 4 ?
						  skel->maps.wf_steer4 :
						  skel->maps.wf_steer6,
					  &rc->to[j], &id);

			if (err) {
				log_error("cannot write steering route %d: %s",
					  r, strerror(-err));
				return -1;
			}
		}
	}
	return 0;
}

int write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg,
		 const struct wf_host *host, const int *slots)
{
	return write_tries(skel, cfg) || write_routes(skel, cfg) ||
			       write_rules(skel, cfg, host, slots) ?
		       -1 :
		       0;
}

int loader_write_policy(struct wirefisher_bpf *skel,
			const struct wf_config *cfg, const struct wf_host *host)
{
	static char held[WF_RULE_SLOTS][WF_RULE_NAME];
	int slots[WF_CFG_MAX_RULES];
	bool fresh[WF_CFG_MAX_RULES];

	memset(held, 0, sizeof(held));
	if (policy_slots(cfg, held, slots, fresh))
		return -1;
	return write_policy(skel, cfg, host, slots);
}

/* The rules that set a TCP congestion control. */
__u64 cc_rules(const struct wf_config *cfg)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].cc[0])
			mask |= 1ULL << i;
	return mask;
}

/* The rules that match a cgroup: enforced by cgroup_skb, not by tc. */
__u64 cgroup_rules(const struct wf_config *cfg)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (wf_rule_at_socket(&cfg->rules[i]))
			mask |= 1ULL << i;
	return mask;
}

bool has_process_rules(const struct wf_config *cfg)
{
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (wf_rule_has_process(&cfg->rules[i]))
			return true;
	return false;
}
