// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats_json.c - a flow snapshot as one JSON document (`stats --json`,
 * /status and /flows of the HTTP endpoint).
 */
#include "stats.h"

#include <arpa/inet.h>

#include "format.h"
#include "json.h"

static void rates_json(FILE *o, const struct flow_rates *r)
{
	fprintf(o,
		"\"rate_bytes_per_s\":{\"avg\":%llu,\"inst\":%llu,"
		"\"peak\":%llu,\"smooth\":%llu}",
		(unsigned long long)r->avg, (unsigned long long)r->inst,
		(unsigned long long)r->peak, (unsigned long long)r->smooth);
}

static void flow_json(FILE *o, const struct stats_flow *f)
{
	const struct wf_flow_key *k = &f->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pb[8];

	fputs("{\"ifname\":", o);
	json_str(o, f->ifname);
	fprintf(o,
		",\"ifindex\":%u,\"dir\":\"%s\",\"family\":%u,"
		"\"proto\":\"%s\",\"proto_num\":%u,"
		"\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
		"\"packets\":%llu,\"bytes\":%llu,\"first_ns\":%llu,"
		"\"last_ns\":%llu,\"windows\":%llu,",
		k->ifindex, view_dir_name(k), k->family,
		view_proto_name(k->proto, pb, sizeof(pb)), k->proto,
		view_addr_str(k->family, k->addr_src, src, sizeof(src)),
		k->port_src,
		view_addr_str(k->family, k->addr_dst, dst, sizeof(dst)),
		k->port_dst, (unsigned long long)f->flow.packets,
		(unsigned long long)f->flow.bytes,
		(unsigned long long)f->flow.first_ns,
		(unsigned long long)f->flow.last_ns,
		(unsigned long long)f->flow.windows);
	rates_json(o, &f->rates);
	fputc('}', o);
}

static void rules_json(FILE *o, const struct stats_view *v)
{
	fputs("\"rules\":[", o);
	for (size_t i = 0; i < v->n_rules; i++) {
		const struct stats_rule *r = &v->rules[i];

		fprintf(o, "%s{\"id\":%u,\"name\":", i ? "," : "", r->id);
		json_str(o, r->rule.name);
		fprintf(o,
			",\"rate_bits_per_s\":%llu,\"burst_bytes\":%llu,"
			"\"per\":\"%s\",\"passed\":%llu,\"passed_bytes\":%llu,"
			"\"dropped\":%llu,\"dropped_bytes\":%llu,",
			(unsigned long long)r->rule.rate_bps,
			(unsigned long long)r->rule.burst_bytes,
			stats_per_name(&r->rule),
			(unsigned long long)r->count.passed,
			(unsigned long long)r->count.passed_bytes,
			(unsigned long long)r->count.dropped,
			(unsigned long long)r->count.dropped_bytes);
		rates_json(o, &r->rates);
		fputc('}', o);
	}
	fputs("],", o);
}

static void counters_json(FILE *o, const struct stats_view *v)
{
	const struct wf_counters *t = &v->total;

	fprintf(o,
		"\"counters\":{"
		"\"packets\":%llu,\"bytes\":%llu,\"non_ip\":%llu,"
		"\"malformed\":%llu,\"truncated\":%llu,\"flows_created\":%llu,"
		"\"flow_errors\":%llu,\"flows_live\":%zu,\"flows_evicted\":%llu,"
		"\"dropped\":%llu,\"dropped_bytes\":%llu,\"bucket_errors\":%llu,"
		"\"steered\":%llu,\"steer_flows\":%llu,\"steer_no_path\":%llu,"
		"\"frags\":%llu,\"frags_no_first\":%llu,\"ecn_marked\":%llu},",
		(unsigned long long)t->packets, (unsigned long long)t->bytes,
		(unsigned long long)t->non_ip, (unsigned long long)t->malformed,
		(unsigned long long)t->truncated,
		(unsigned long long)t->flows_created,
		(unsigned long long)t->flow_errors, v->live,
		(unsigned long long)stats_evicted(v),
		(unsigned long long)t->dropped,
		(unsigned long long)t->dropped_bytes,
		(unsigned long long)t->bucket_errors,
		(unsigned long long)t->steered,
		(unsigned long long)t->steer_flows,
		(unsigned long long)t->steer_no_path,
		(unsigned long long)t->frags,
		(unsigned long long)t->frags_no_first,
		(unsigned long long)t->ecn_marked);
}

void stats_print_json(FILE *o, const struct stats_view *v, size_t shown)
{
	const struct wf_info *info = &v->pins.info;

	fprintf(o,
		"{\"abi_version\":%u,\"pid\":%u,\"window_ns\":%llu,"
		"\"now_ns\":%llu,\"max_flows\":%u,",
		info->abi_version, info->pid,
		(unsigned long long)info->window_ns,
		(unsigned long long)v->now_ns, info->max_flows);
	counters_json(o, v);
	rules_json(o, v);
	fputs("\"flows\":[", o);
	for (size_t i = 0; i < shown; i++) {
		if (i)
			fputc(',', o);
		flow_json(o, &v->flows[i]);
	}
	fputs("]}\n", o);
}
