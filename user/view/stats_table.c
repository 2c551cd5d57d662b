// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats_table.c - a flow snapshot as text tables: a header line, the
 * rules, the flows. Under 120 columns a narrower layout fits 80.
 */
#include "stats.h"

#include <arpa/inet.h>

#include "format.h"
#include "screen.h"
#include "units.h"

static const char *dir_short(const struct wf_flow_key *k)
{
	return k->dir == WF_DIR_INGRESS ? "in" : "out";
}

/* Rules in 80 columns: name, limit, passed rate now and smoothed, counts. */
static void rules_narrow(FILE *o, const struct stats_view *v)
{
	char limit[16], inst[16], smooth[16], name[20];

	if (!v->n_rules)
		return;
	fprintf(o, "%-16s %-6s %11s %11s %11s %8s %8s\n", "RULE", "PER",
		"LIMIT", "RATE", "SMOOTHED", "PASSED", "DROPPED");
	for (size_t i = 0; i < v->n_rules; i++) {
		const struct stats_rule *r = &v->rules[i];

		units_fmt_rate(r->rule.rate_bps / 8, limit, sizeof(limit));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		units_fmt_rate(r->rates.smooth, smooth, sizeof(smooth));
		fprintf(o, "%-16s %-6s %11s %11s %11s %8llu %8llu\n",
			screen_fit(r->rule.name, 16, name, sizeof(name)),
			stats_per_name(&r->rule), limit, inst, smooth,
			(unsigned long long)r->count.passed,
			(unsigned long long)r->count.dropped);
	}
	fputc('\n', o);
}

static void rules_wide(FILE *o, const struct stats_view *v)
{
	char limit[16], inst[16], smooth[16], pb[16], db[16];

	if (!v->n_rules)
		return;
	fprintf(o, "%-20s %-6s %12s %10s %9s %10s %9s %12s %12s\n", "RULE",
		"PER", "LIMIT", "PASSED", "BYTES", "DROPPED", "BYTES", "RATE",
		"SMOOTHED");
	for (size_t i = 0; i < v->n_rules; i++) {
		const struct stats_rule *r = &v->rules[i];

		units_fmt_rate(r->rule.rate_bps / 8, limit, sizeof(limit));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		units_fmt_rate(r->rates.smooth, smooth, sizeof(smooth));
		units_fmt_bytes(r->count.passed_bytes, pb, sizeof(pb));
		units_fmt_bytes(r->count.dropped_bytes, db, sizeof(db));
		fprintf(o,
			"%-20.20s %-6s %12s %10llu %9s %10llu %9s %12s %12s\n",
			r->rule.name, stats_per_name(&r->rule), limit,
			(unsigned long long)r->count.passed, pb,
			(unsigned long long)r->count.dropped, db, inst, smooth);
	}
	fputc('\n', o);
}

/* Flows in 80 columns: endpoints cut in the middle if they must be. */
static void flows_narrow(FILE *o, const struct stats_view *v, size_t shown)
{
	char src[64], dst[64], fs[24], fd[24], inst[16], pb[8];

	fprintf(o, "%-5s %-3s %-5s %-21s %-21s %7s %11s\n", "IF", "DIR",
		"PROTO", "SOURCE", "DESTINATION", "PACKETS", "RATE");
	for (size_t i = 0; i < shown; i++) {
		const struct stats_flow *f = &v->flows[i];
		const struct wf_flow_key *k = &f->key;

		view_endpoint(k, k->addr_src, k->port_src, src, sizeof(src));
		view_endpoint(k, k->addr_dst, k->port_dst, dst, sizeof(dst));
		units_fmt_rate(f->rates.inst, inst, sizeof(inst));
		fprintf(o, "%-5.5s %-3s %-5s %-21s %-21s %7llu %11s\n",
			f->ifname, dir_short(k),
			view_proto_name(k->proto, pb, sizeof(pb)),
			screen_fit(src, 21, fs, sizeof(fs)),
			screen_fit(dst, 21, fd, sizeof(fd)),
			(unsigned long long)f->flow.packets, inst);
	}
}

static void flows_wide(FILE *o, const struct stats_view *v, size_t shown)
{
	char src[64], dst[64], bytes[16], inst[16], smooth[16], peak[16], pb[8];

	fprintf(o, "%-8s %-3s %-5s %-22s %-22s %9s %9s %12s %12s %12s\n",
		"IFACE", "DIR", "PROTO", "SOURCE", "DESTINATION", "PACKETS",
		"BYTES", "RATE", "SMOOTHED", "PEAK");
	for (size_t i = 0; i < shown; i++) {
		const struct stats_flow *f = &v->flows[i];
		const struct wf_flow_key *k = &f->key;

		view_endpoint(k, k->addr_src, k->port_src, src, sizeof(src));
		view_endpoint(k, k->addr_dst, k->port_dst, dst, sizeof(dst));
		units_fmt_bytes(f->flow.bytes, bytes, sizeof(bytes));
		units_fmt_rate(f->rates.inst, inst, sizeof(inst));
		units_fmt_rate(f->rates.smooth, smooth, sizeof(smooth));
		units_fmt_rate(f->rates.peak, peak, sizeof(peak));
		fprintf(o,
			"%-8.8s %-3s %-5s %-22s %-22s %9llu %9s %12s %12s %12s\n",
			f->ifname, dir_short(k),
			view_proto_name(k->proto, pb, sizeof(pb)), src, dst,
			(unsigned long long)f->flow.packets, bytes, inst,
			smooth, peak);
	}
}

static void header(FILE *o, const struct stats_view *v, bool narrow)
{
	const struct wf_counters *t = &v->total;

	if (v->pins.info.pid)
		fprintf(o, "wirefisher pid %u: ", v->pins.info.pid);
	else
		fputs("wirefisher not running (what it pinned remains): ", o);
	fprintf(o,
		narrow ?
			"%zu flows, %llu evicted, %llu packets\n" :
			"%zu flows, %llu evicted, %llu packets "
			"(%llu not IP, %llu malformed, %llu truncated); window %llu ms\n",
		v->live, (unsigned long long)stats_evicted(v),
		(unsigned long long)t->packets, (unsigned long long)t->non_ip,
		(unsigned long long)t->malformed,
		(unsigned long long)t->truncated,
		(unsigned long long)(v->pins.info.window_ns / 1000000));
	if (t->dropped || t->ecn_marked || t->frags)
		fprintf(o,
			"policing: %llu packets dropped, %llu marked CE (ECN), "
			"%llu fragments (%llu before their first)\n",
			(unsigned long long)t->dropped,
			(unsigned long long)t->ecn_marked,
			(unsigned long long)t->frags,
			(unsigned long long)t->frags_no_first);
	if (t->steer_flows || t->steer_no_path)
		fprintf(o,
			"steering: %llu packets moved to another path, %llu "
			"flows given a path, %llu packets with no usable path "
			"(see wirefisher paths)\n",
			(unsigned long long)t->steered,
			(unsigned long long)t->steer_flows,
			(unsigned long long)t->steer_no_path);
}

void stats_print_table(FILE *o, const struct stats_view *v, size_t shown,
		       int width)
{
	bool narrow = width > 0 && width < 120;

	header(o, v, narrow);
	if (narrow) {
		rules_narrow(o, v);
		flows_narrow(o, v, shown);
	} else {
		rules_wide(o, v);
		flows_wide(o, v, shown);
	}
}
