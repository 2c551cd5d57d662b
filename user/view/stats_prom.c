// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats_prom.c - a flow snapshot as Prometheus metrics (the endpoint's
 * /metrics): totals, per rule, and the fastest flows by rank.
 */
#include "stats.h"

#include <arpa/inet.h>
#include <string.h>

#include "format.h"
#include "prom.h"

static const char *rule_match(const struct wf_rule *r)
{
	if (r->flags & WF_RULE_CGROUP)
		return "cgroup";
	if (r->flags & WF_RULE_PID)
		return "pid";
	if (r->flags & WF_RULE_COMM)
		return "process";
	if (r->flags & WF_RULE_EXE)
		return "exe";
	return "prefix";
}

/* One family of one unlabelled sample. */
static void single(FILE *o, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	prom_family(o, name, type, help);
	prom_u64(o, name, NULL, v);
}

static void totals(FILE *o, const struct stats_view *v)
{
	const struct wf_counters *t = &v->total;
	static const char *const why[] = { "non_ip", "malformed", "truncated" };
	const __u64 un[] = { t->non_ip, t->malformed, t->truncated };
	char l[PROM_LABELS_MAX];

	single(o, "wirefisher_packets_total", "counter",
	       "IP packets accounted "
	       "(GSO segments counted one by one).",
	       t->packets);
	single(o, "wirefisher_bytes_total", "counter", "IP bytes accounted.",
	       t->bytes);
	prom_family(o, "wirefisher_unaccounted_packets_total", "counter",
		    "Packets passed without accounting, by reason.");
	for (int i = 0; i < 3; i++)
		prom_u64(o, "wirefisher_unaccounted_packets_total",
			 prom_labels(l, sizeof(l), 1, "reason", why[i]), un[i]);
	single(o, "wirefisher_dropped_packets_total", "counter",
	       "Packets a policing rule dropped.", t->dropped);
	single(o, "wirefisher_dropped_bytes_total", "counter",
	       "IP bytes of the "
	       "packets a policing rule dropped.",
	       t->dropped_bytes);
	single(o, "wirefisher_flows", "gauge", "Flows in the flow table.",
	       v->live);
	single(o, "wirefisher_flows_created_total", "counter",
	       "Flows added to the flow table.", t->flows_created);
	single(o, "wirefisher_flows_evicted_total", "counter",
	       "Flows the full "
	       "table forgot (least recently seen first).",
	       stats_evicted(v));
	single(o, "wirefisher_flow_errors_total", "counter",
	       "Packets whose flow "
	       "could neither be found nor added.",
	       t->flow_errors);
	single(o, "wirefisher_fragments_total", "counter",
	       "IP fragments "
	       "policed (each charged with its datagram's first).",
	       t->frags);
	single(o, "wirefisher_fragments_without_first_total", "counter",
	       "Later fragments whose first was not seen: charged to every "
	       "port rule their addresses match.",
	       t->frags_no_first);
	single(o, "wirefisher_ecn_marked_packets_total", "counter",
	       "ECN-capable packets marked CE (tc, XDP): they passed a bucket "
	       "running low (policing.ecn).",
	       t->ecn_marked);
	single(o, "wirefisher_steered_packets_total", "counter",
	       "Packets moved "
	       "to another steering path's device.",
	       t->steered);
	single(o, "wirefisher_steer_no_path_packets_total", "counter",
	       "Packets "
	       "to a steered prefix that had no usable path.",
	       t->steer_no_path);
	prom_family(o, "wirefisher_map_entries", "gauge",
		    "Entries in a table that can fill up.");
	prom_u64(o, "wirefisher_map_entries",
		 prom_labels(l, sizeof(l), 1, "map", view_pin_names[PIN_FLOWS]),
		 v->live);
	prom_family(o, "wirefisher_map_max_entries", "gauge",
		    "Size of a table that can fill up.");
	prom_u64(o, "wirefisher_map_max_entries",
		 prom_labels(l, sizeof(l), 1, "map", view_pin_names[PIN_FLOWS]),
		 v->pins.info.max_flows);
}

/* One family over every rule: the __u64 at `field` of each stats_rule. */
static void rule_family(FILE *o, const struct stats_view *v, const char *name,
			const char *type, const char *help, size_t field)
{
	char l[PROM_LABELS_MAX];

	prom_family(o, name, type, help);
	for (size_t i = 0; i < v->n_rules; i++) {
		const struct stats_rule *r = &v->rules[i];
		uint64_t val;

		memcpy(&val, (const char *)r + field, sizeof(val));
		prom_u64(o, name,
			 prom_labels(l, sizeof(l), 2, "rule", r->rule.name,
				     "match", rule_match(&r->rule)),
			 val);
	}
}

#define RULE_FIELD(f) offsetof(struct stats_rule, f)

static void rules(FILE *o, const struct stats_view *v)
{
	char l[PROM_LABELS_MAX];

	rule_family(o, v, "wirefisher_rule_passed_packets_total", "counter",
		    "Packets a rule matched and passed.",
		    RULE_FIELD(count.passed));
	rule_family(o, v, "wirefisher_rule_passed_bytes_total", "counter",
		    "IP bytes a rule matched and passed.",
		    RULE_FIELD(count.passed_bytes));
	rule_family(o, v, "wirefisher_rule_dropped_packets_total", "counter",
		    "Packets a rule matched and dropped.",
		    RULE_FIELD(count.dropped));
	rule_family(o, v, "wirefisher_rule_dropped_bytes_total", "counter",
		    "IP bytes a rule matched and dropped.",
		    RULE_FIELD(count.dropped_bytes));
	rule_family(o, v, "wirefisher_rule_rate_bytes_per_second", "gauge",
		    "Passed rate over the last full window.",
		    RULE_FIELD(rates.inst));
	rule_family(o, v, "wirefisher_rule_smoothed_rate_bytes_per_second",
		    "gauge",
		    "Passed rate, smoothed: s - s/8 + rate/8 per window.",
		    RULE_FIELD(rates.smooth));
	prom_family(o, "wirefisher_rule_limit_bytes_per_second", "gauge",
		    "The rule's limit.");
	for (size_t i = 0; i < v->n_rules; i++)
		prom_u64(o, "wirefisher_rule_limit_bytes_per_second",
			 prom_labels(l, sizeof(l), 2, "rule",
				     v->rules[i].rule.name, "match",
				     rule_match(&v->rules[i].rule)),
			 v->rules[i].rule.rate_bps / 8);
}

/* The labels of the flow at rank i + 1. */
static const char *flow_labels(char *l, size_t n, const struct stats_flow *f,
			       size_t i)
{
	const struct wf_flow_key *k = &f->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char rank[16], sp[8], dp[8], pb[8];

	snprintf(rank, sizeof(rank), "%zu", i + 1);
	snprintf(sp, sizeof(sp), "%u", k->port_src);
	snprintf(dp, sizeof(dp), "%u", k->port_dst);
	return prom_labels(l, n, 8, "rank", rank, "iface", f->ifname, "dir",
			   view_dir_name(k), "proto",
			   view_proto_name(k->proto, pb, sizeof(pb)), "src",
			   view_addr_str(k->family, k->addr_src, src,
					 sizeof(src)),
			   "sport", sp, "dst",
			   view_addr_str(k->family, k->addr_dst, dst,
					 sizeof(dst)),
			   "dport", dp);
}

/* Top flows by rate: rank labels, never one series per flow. */
static void flows(FILE *o, const struct stats_view *v, unsigned top)
{
	static const char *const names[2] = {
		"wirefisher_top_flow_rate_bytes_per_second",
		"wirefisher_top_flow_bytes"
	};
	static const char *const help[2] = {
		"The fastest flows (rank 1 is the fastest), rate over the last "
		"window.",
		"Bytes so far of the flow at that rank."
	};
	char l[PROM_LABELS_MAX];
	size_t n = v->n < top ? v->n : top;

	for (int m = 0; m < 2; m++) {
		prom_family(o, names[m], "gauge", help[m]);
		for (size_t i = 0; i < n; i++) {
			const struct stats_flow *f = &v->flows[i];

			prom_u64(o, names[m], flow_labels(l, sizeof(l), f, i),
				 m ? f->flow.bytes : f->rates.inst);
		}
	}
}

void stats_print_metrics(FILE *o, const struct stats_view *v, unsigned top)
{
	totals(o, v);
	rules(o, v);
	flows(o, v, top);
}
