// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats.c - read the maps a running daemon pinned and show them, as a table
 * (optionally redrawn, like top) or as one JSON document.
 *
 * It needs only the pins: no config, no daemon socket. The ABI version in
 * wf_info guards against reading a daemon of another layout.
 */
#include "stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "json.h"
#include "log.h"
#include "pin.h"
#include "prom.h"
#include "screen.h"
#include "units.h"

struct pins {
	int flows, stats, ifaces;
	int rules, rule_stats, rule_acct;
	struct wf_info meta;
};

struct rule_row {
	__u32 id;
	struct wf_rule rule;
	struct wf_rule_counters count;
	struct flow_rates rates;
};

struct row {
	struct wf_flow_key key;
	struct wf_flow flow;
	struct flow_rates rates;
	char ifname[WF_IFNAMSIZ];
};

struct snapshot {
	struct row *rows;
	size_t n, cap;
	struct rule_row rules[WF_MAX_RULES];
	size_t n_rules;
	struct wf_counters total;
	uint64_t now_ns;
};

static volatile sig_atomic_t stats_stop;

static void on_stop(int sig)
{
	(void)sig;
	stats_stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *const pin_names[] = { "wf_flows", "wf_stats", "wf_ifaces",
					 "wf_rules", "wf_rule_stats",
					 "wf_rule_acct" };
#define N_PINS (sizeof(pin_names) / sizeof(pin_names[0]))

static void pin_fds(struct pins *p, int *fds[N_PINS])
{
	int *all[N_PINS] = { &p->flows, &p->stats, &p->ifaces, &p->rules,
			     &p->rule_stats, &p->rule_acct };

	memcpy(fds, all, sizeof(all));
}

static int open_pins(const char *dir, struct pins *p)
{
	int *fds[N_PINS];

	pin_fds(p, fds);
	return pin_open_daemon(dir, pin_names, fds, N_PINS, &p->meta);
}

static void close_pins(struct pins *p)
{
	int *fds[N_PINS];

	pin_fds(p, fds);
	pin_close_all(fds, N_PINS);
}

/*
 * Sum the per-CPU copies of a value made only of __u64 counters, field by
 * field, so a counter added to the struct is summed without a line here.
 */
static void sum_percpu(int fd, __u32 key, void *out, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	size_t n = size / sizeof(__u64), j;
	__u64 *per, *sum = out;

	memset(out, 0, size);
	if (ncpu <= 0)
		return;
	per = calloc((size_t)ncpu, size);
	if (!per || bpf_map_lookup_elem(fd, &key, per)) {
		free(per);
		return;
	}
	for (i = 0; i < ncpu; i++)
		for (j = 0; j < n; j++)
			sum[j] += per[(size_t)i * n + j];
	free(per);
}

_Static_assert(sizeof(struct wf_counters) % sizeof(__u64) == 0,
	       "wf_counters must be __u64 counters only");
_Static_assert(sizeof(struct wf_rule_counters) % sizeof(__u64) == 0,
	       "wf_rule_counters must be __u64 counters only");

void stats_read_counters(int fd, struct wf_counters *total)
{
	sum_percpu(fd, 0, total, sizeof(*total));
}

void stats_read_rule_counters(int fd, __u32 id, struct wf_rule_counters *sum)
{
	sum_percpu(fd, id, sum, sizeof(*sum));
}

static void read_rules(struct pins *p, struct snapshot *s)
{
	struct wf_flow acct;
	__u32 id;

	s->n_rules = 0;
	for (id = 0; id < WF_MAX_RULES; id++) {
		struct rule_row *r = &s->rules[s->n_rules];

		if (bpf_map_lookup_elem(p->rules, &id, &r->rule) ||
		    !r->rule.active)
			continue;
		r->id = id;
		r->rule.name[sizeof(r->rule.name) - 1] = '\0';
		/* A rule's counters are in its slot (see WF_RULE_SLOTS). */
		stats_read_rule_counters(p->rule_stats, r->rule.slot, &r->count);
		memset(&acct, 0, sizeof(acct));
		bpf_map_lookup_elem(p->rule_acct, &r->rule.slot, &acct);
		flow_rates_at(&acct, s->now_ns, p->meta.window_ns, &r->rates);
		s->n_rules++;
	}
}

static void row_ifname(struct pins *p, struct row *r)
{
	struct wf_iface ifc;
	__u32 idx = r->key.ifindex;

	if (bpf_map_lookup_elem(p->ifaces, &idx, &ifc) == 0)
		memcpy(r->ifname, ifc.name, sizeof(r->ifname));
	else
		snprintf(r->ifname, sizeof(r->ifname), "if%u", idx);
	r->ifname[sizeof(r->ifname) - 1] = '\0';
}

static int add_row(struct snapshot *s, const struct wf_flow_key *k,
		   const struct wf_flow *f)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct row *rows = realloc(s->rows, cap * sizeof(*rows));

		if (!rows)
			return -1;
		s->rows = rows;
		s->cap = cap;
	}
	s->rows[s->n].key = *k;
	s->rows[s->n].flow = *f;
	s->n++;
	return 0;
}

#define BATCH 256

/*
 * Every flow once, in batches (kernel >= 5.6). A walk by next key would
 * restart from the first key whenever the one it stands on is evicted, and
 * list flows twice (or walk for long) while a flood churns the table.
 * Returns 0, -1 out of memory, 1 if batches are not supported.
 */
static int read_flows_batched(struct pins *p, struct snapshot *s)
{
	struct wf_flow_key *keys = calloc(BATCH, sizeof(*keys));
	struct wf_flow *vals = calloc(BATCH, sizeof(*vals));
	__u64 in = 0, out = 0;
	void *from = NULL;
	int err = 0, rc = 0;

	if (!keys || !vals)
		rc = -1;
	while (!rc && err != -ENOENT) {
		__u32 n = BATCH;

		err = bpf_map_lookup_batch(p->flows, from, &out, keys, vals, &n,
					   NULL);
		if (err && err != -ENOENT) {
			rc = s->n ? 0 : 1;	/* partial: keep what we have */
			break;
		}
		for (__u32 i = 0; i < n && !rc; i++)
			rc = add_row(s, &keys[i], &vals[i]);
		in = out;
		from = &in;
	}
	free(keys);
	free(vals);
	return rc;
}

/* The same by next key, bounded, for kernels without batch lookups. */
static int read_flows_walk(struct pins *p, struct snapshot *s)
{
	struct wf_flow_key key, next;
	struct wf_flow f;
	void *prev = NULL;
	long budget = 4L * (p->meta.max_flows ? p->meta.max_flows : 65536);

	while (budget-- > 0 && bpf_map_get_next_key(p->flows, prev, &next) == 0) {
		key = next;
		prev = &key;
		/* Evicted between the two calls: skip it. */
		if (bpf_map_lookup_elem(p->flows, &key, &f))
			continue;
		if (add_row(s, &key, &f))
			return -1;
	}
	return 0;
}

static int take_snapshot(struct pins *p, struct snapshot *s)
{
	size_t i;
	int rc;

	s->n = 0;
	stats_read_counters(p->stats, &s->total);
	rc = read_flows_batched(p, s);
	if (rc > 0)
		rc = read_flows_walk(p, s);
	if (rc)
		return -1;
	s->now_ns = mono_ns();
	for (i = 0; i < s->n; i++) {
		flow_rates_at(&s->rows[i].flow, s->now_ns, p->meta.window_ns,
				 &s->rows[i].rates);
		row_ifname(p, &s->rows[i]);
	}
	read_rules(p, s);
	return 0;
}

static enum stats_sort sort_by;

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t vx, vy;

	switch (sort_by) {
	case SORT_BYTES:
		vx = x->flow.bytes;
		vy = y->flow.bytes;
		break;
	case SORT_PACKETS:
		vx = x->flow.packets;
		vy = y->flow.packets;
		break;
	default:
		vx = x->rates.inst;
		vy = y->rates.inst;
		break;
	}
	if (vx != vy)
		return vx < vy ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static const char *proto_name(__u8 proto, char *buf, size_t n)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmp6";
	}
	snprintf(buf, n, "%u", proto);
	return buf;
}

static void addr_str(const struct wf_flow_key *k, const __u32 *a, char *buf,
		     size_t n)
{
	inet_ntop(k->family == WF_FAMILY_IPV4 ? AF_INET : AF_INET6, a, buf,
		  (socklen_t)n);
}


static uint64_t evicted(const struct snapshot *s)
{
	return s->total.flows_created > s->n ? s->total.flows_created - s->n : 0;
}

static void print_json_flow(FILE *o, const struct row *r)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pb[8];

	addr_str(&r->key, r->key.addr_src, src, sizeof(src));
	addr_str(&r->key, r->key.addr_dst, dst, sizeof(dst));
	fputs("{\"ifname\":", o);
	json_str(o, r->ifname);
	fprintf(o, ",\"ifindex\":%u,\"dir\":\"%s\",\"family\":%u,"
		"\"proto\":\"%s\",\"proto_num\":%u,"
		"\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
		"\"packets\":%llu,\"bytes\":%llu,\"first_ns\":%llu,"
		"\"last_ns\":%llu,\"windows\":%llu,"
		"\"rate_bytes_per_s\":{\"avg\":%llu,\"inst\":%llu,"
		"\"peak\":%llu,\"smooth\":%llu}}",
		r->key.ifindex, r->key.dir == WF_DIR_INGRESS ? "ingress" : "egress",
		r->key.family, proto_name(r->key.proto, pb, sizeof(pb)),
		r->key.proto, src, r->key.port_src, dst, r->key.port_dst,
		(unsigned long long)r->flow.packets,
		(unsigned long long)r->flow.bytes,
		(unsigned long long)r->flow.first_ns,
		(unsigned long long)r->flow.last_ns,
		(unsigned long long)r->flow.windows,
		(unsigned long long)r->rates.avg,
		(unsigned long long)r->rates.inst,
		(unsigned long long)r->rates.peak,
		(unsigned long long)r->rates.smooth);
}

static const char *const per_names[] = { "rule", "src_ip", "dst_ip", "flow" };

static void print_json_rules(FILE *o, const struct snapshot *s)
{
	size_t i;

	fputs("\"rules\":[", o);
	for (i = 0; i < s->n_rules; i++) {
		const struct rule_row *r = &s->rules[i];

		fprintf(o, "%s{\"id\":%u,\"name\":", i ? "," : "", r->id);
		json_str(o, r->rule.name);
		fprintf(o, ",\"rate_bits_per_s\":%llu,\"burst_bytes\":%llu,"
			"\"per\":\"%s\",\"passed\":%llu,\"passed_bytes\":%llu,"
			"\"dropped\":%llu,\"dropped_bytes\":%llu,"
			"\"rate_bytes_per_s\":{\"avg\":%llu,\"inst\":%llu,"
			"\"peak\":%llu,\"smooth\":%llu}}",
			(unsigned long long)r->rule.rate_bps,
			(unsigned long long)r->rule.burst_bytes,
			per_names[r->rule.per & 3],
			(unsigned long long)r->count.passed,
			(unsigned long long)r->count.passed_bytes,
			(unsigned long long)r->count.dropped,
			(unsigned long long)r->count.dropped_bytes,
			(unsigned long long)r->rates.avg,
			(unsigned long long)r->rates.inst,
			(unsigned long long)r->rates.peak,
			(unsigned long long)r->rates.smooth);
	}
	fputs("],", o);
}

static void print_json(FILE *o, const struct pins *p, const struct snapshot *s,
		       size_t shown)
{
	const struct wf_counters *t = &s->total;
	size_t i;

	fprintf(o, "{\"abi_version\":%u,\"pid\":%u,\"window_ns\":%llu,"
		"\"now_ns\":%llu,\"max_flows\":%u,\"counters\":{"
		"\"packets\":%llu,\"bytes\":%llu,\"non_ip\":%llu,"
		"\"malformed\":%llu,\"truncated\":%llu,\"flows_created\":%llu,"
		"\"flow_errors\":%llu,\"flows_live\":%zu,\"flows_evicted\":%llu,"
		"\"dropped\":%llu,\"dropped_bytes\":%llu,\"bucket_errors\":%llu,"
		"\"steered\":%llu,\"steer_flows\":%llu,\"steer_no_path\":%llu},",
		p->meta.abi_version, p->meta.pid,
		(unsigned long long)p->meta.window_ns,
		(unsigned long long)s->now_ns, p->meta.max_flows,
		(unsigned long long)t->packets, (unsigned long long)t->bytes,
		(unsigned long long)t->non_ip, (unsigned long long)t->malformed,
		(unsigned long long)t->truncated,
		(unsigned long long)t->flows_created,
		(unsigned long long)t->flow_errors, s->n,
		(unsigned long long)evicted(s), (unsigned long long)t->dropped,
		(unsigned long long)t->dropped_bytes,
		(unsigned long long)t->bucket_errors,
		(unsigned long long)t->steered, (unsigned long long)t->steer_flows,
		(unsigned long long)t->steer_no_path);
	print_json_rules(o, s);
	fputs("\"flows\":[", o);
	for (i = 0; i < shown; i++) {
		if (i)
			fputc(',', o);
		print_json_flow(o, &s->rows[i]);
	}
	fputs("]}\n", o);
}

static void endpoint(const struct wf_flow_key *k, const __u32 *a, __u16 port,
		     char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	addr_str(k, a, ip, sizeof(ip));
	if (k->proto != 6 && k->proto != 17)
		snprintf(buf, n, "%s", ip);
	else if (k->family == WF_FAMILY_IPV6)
		snprintf(buf, n, "[%s]:%u", ip, port);
	else
		snprintf(buf, n, "%s:%u", ip, port);
}

/* Rules in 80 columns: name, limit, passed rate now and smoothed, counts. */
static void print_rules_narrow(FILE *o, const struct snapshot *s)
{
	char limit[16], inst[16], smooth[16], name[20];

	if (!s->n_rules)
		return;
	fprintf(o, "%-16s %-6s %11s %11s %11s %8s %8s\n", "RULE", "PER", "LIMIT",
		"RATE", "SMOOTHED", "PASSED", "DROPPED");
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule_row *r = &s->rules[i];

		units_fmt_rate(r->rule.rate_bps / 8, limit, sizeof(limit));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		units_fmt_rate(r->rates.smooth, smooth, sizeof(smooth));
		fprintf(o, "%-16s %-6s %11s %11s %11s %8llu %8llu\n",
			screen_fit(r->rule.name, 16, name, sizeof(name)),
			per_names[r->rule.per & 3], limit, inst, smooth,
			(unsigned long long)r->count.passed,
			(unsigned long long)r->count.dropped);
	}
	fputc('\n', o);
}

static void print_rules_table(FILE *o, const struct snapshot *s)
{
	char limit[16], inst[16], smooth[16], pb[16], db[16];
	size_t i;

	if (!s->n_rules)
		return;
	fprintf(o, "%-20s %-6s %12s %10s %9s %10s %9s %12s %12s\n", "RULE", "PER",
		"LIMIT", "PASSED", "BYTES", "DROPPED", "BYTES", "RATE",
		"SMOOTHED");
	for (i = 0; i < s->n_rules; i++) {
		const struct rule_row *r = &s->rules[i];

		units_fmt_rate(r->rule.rate_bps / 8, limit, sizeof(limit));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		units_fmt_rate(r->rates.smooth, smooth, sizeof(smooth));
		units_fmt_bytes(r->count.passed_bytes, pb, sizeof(pb));
		units_fmt_bytes(r->count.dropped_bytes, db, sizeof(db));
		fprintf(o, "%-20.20s %-6s %12s %10llu %9s %10llu %9s %12s %12s\n",
			r->rule.name, per_names[r->rule.per & 3], limit,
			(unsigned long long)r->count.passed, pb,
			(unsigned long long)r->count.dropped, db, inst, smooth);
	}
	fputc('\n', o);
}

/* Flows in 80 columns: endpoints cut in the middle if they must be. */
static void print_flows_narrow(FILE *o, const struct snapshot *s, size_t shown)
{
	char src[64], dst[64], fs[24], fd[24], inst[16], pb[8];

	fprintf(o, "%-5s %-3s %-5s %-21s %-21s %7s %11s\n", "IF", "DIR", "PROTO",
		"SOURCE", "DESTINATION", "PACKETS", "RATE");
	for (size_t i = 0; i < shown; i++) {
		const struct row *r = &s->rows[i];

		endpoint(&r->key, r->key.addr_src, r->key.port_src, src, sizeof(src));
		endpoint(&r->key, r->key.addr_dst, r->key.port_dst, dst, sizeof(dst));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		fprintf(o, "%-5.5s %-3s %-5s %-21s %-21s %7llu %11s\n", r->ifname,
			r->key.dir == WF_DIR_INGRESS ? "in" : "out",
			proto_name(r->key.proto, pb, sizeof(pb)),
			screen_fit(src, 21, fs, sizeof(fs)),
			screen_fit(dst, 21, fd, sizeof(fd)),
			(unsigned long long)r->flow.packets, inst);
	}
}

static void print_table(FILE *o, const struct pins *p, const struct snapshot *s,
			size_t shown, int width)
{
	char src[64], dst[64], bytes[16], inst[16], smooth[16], peak[16], pb[8];
	bool narrow = width > 0 && width < 120;
	size_t i;

	if (p->meta.pid)
		fprintf(o, "wirefisher pid %u: ", p->meta.pid);
	else
		fputs("wirefisher not running (persist kept its hooks): ", o);
	fprintf(o, narrow ? "%zu flows, %llu evicted, %llu packets\n" :
		"%zu flows, %llu evicted, %llu packets "
		"(%llu not IP, %llu malformed, %llu truncated); window %llu ms\n",
		s->n, (unsigned long long)evicted(s),
		(unsigned long long)s->total.packets,
		(unsigned long long)s->total.non_ip,
		(unsigned long long)s->total.malformed,
		(unsigned long long)s->total.truncated,
		(unsigned long long)(p->meta.window_ns / 1000000));
	if (s->total.steer_flows || s->total.steer_no_path)
		fprintf(o, "steering: %llu packets moved to another path, %llu "
			"flows given a path, %llu packets with no usable path "
			"(see wirefisher paths)\n",
			(unsigned long long)s->total.steered,
			(unsigned long long)s->total.steer_flows,
			(unsigned long long)s->total.steer_no_path);
	if (narrow) {
		print_rules_narrow(o, s);
		print_flows_narrow(o, s, shown);
		return;
	}
	print_rules_table(o, s);
	fprintf(o, "%-8s %-3s %-5s %-22s %-22s %9s %9s %12s %12s %12s\n", "IFACE",
		"DIR", "PROTO", "SOURCE", "DESTINATION", "PACKETS", "BYTES",
		"RATE", "SMOOTHED", "PEAK");
	for (i = 0; i < shown; i++) {
		const struct row *r = &s->rows[i];

		endpoint(&r->key, r->key.addr_src, r->key.port_src, src, sizeof(src));
		endpoint(&r->key, r->key.addr_dst, r->key.port_dst, dst, sizeof(dst));
		units_fmt_bytes(r->flow.bytes, bytes, sizeof(bytes));
		units_fmt_rate(r->rates.inst, inst, sizeof(inst));
		units_fmt_rate(r->rates.smooth, smooth, sizeof(smooth));
		units_fmt_rate(r->rates.peak, peak, sizeof(peak));
		fprintf(o, "%-8.8s %-3s %-5s %-22s %-22s %9llu %9s %12s %12s %12s\n",
			r->ifname, r->key.dir == WF_DIR_INGRESS ? "in" : "out",
			proto_name(r->key.proto, pb, sizeof(pb)), src, dst,
			(unsigned long long)r->flow.packets, bytes, inst, smooth,
			peak);
	}
}

/*
 * Print one snapshot to out. width: the terminal's columns (0: not a
 * terminal, print every column); rows: its lines in a live view (the flows
 * that fit are shown), 0 for all.
 */
static void print_once(const struct stats_opts *o, struct pins *p,
		       struct snapshot *s, FILE *out, int width, int rows)
{
	size_t shown = s->n, fit;

	sort_by = o->sort;
	qsort(s->rows, s->n, sizeof(*s->rows), cmp_rows);
	if (o->top && o->top < shown)
		shown = o->top;
	/* Header, rules and their header, a blank line, the flows' header. */
	fit = rows > 0 && (size_t)rows > s->n_rules + 6 ?
	      (size_t)rows - s->n_rules - 6 : 0;
	if (rows > 0 && fit < shown)
		shown = fit;
	if (o->no_flows)
		shown = 0;
	if (o->json)
		print_json(out, p, s, shown);
	else
		print_table(out, p, s, shown, width);
	fflush(out);
}

/* A live view's frame: drawn over the last one, never a blank screen. */
static void print_frame(const struct stats_opts *o, struct pins *p,
			struct snapshot *s)
{
	char *frame = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&frame, &len);

	if (!f)
		return;
	print_once(o, p, s, f, screen_width(stdout), screen_rows(stdout));
	fclose(f);
	screen_draw(stdout, frame, len);
	free(frame);
}

/* ---- Prometheus metrics ---- */

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

static void metrics_totals(FILE *o, const struct pins *p,
			   const struct snapshot *s)
{
	const struct wf_counters *t = &s->total;
	static const char *const why[] = { "non_ip", "malformed", "truncated" };
	const __u64 un[] = { t->non_ip, t->malformed, t->truncated };
	char l[PROM_LABELS_MAX];

	prom_family(o, "wirefisher_packets_total", "counter",
		    "IP packets accounted (GSO segments counted one by one).");
	prom_u64(o, "wirefisher_packets_total", NULL, t->packets);
	prom_family(o, "wirefisher_bytes_total", "counter",
		    "IP bytes accounted.");
	prom_u64(o, "wirefisher_bytes_total", NULL, t->bytes);
	prom_family(o, "wirefisher_unaccounted_packets_total", "counter",
		    "Packets passed without accounting, by reason.");
	for (int i = 0; i < 3; i++)
		prom_u64(o, "wirefisher_unaccounted_packets_total",
			 prom_labels(l, sizeof(l), 1, "reason", why[i]), un[i]);
	prom_family(o, "wirefisher_dropped_packets_total", "counter",
		    "Packets a policing rule dropped.");
	prom_u64(o, "wirefisher_dropped_packets_total", NULL, t->dropped);
	prom_family(o, "wirefisher_dropped_bytes_total", "counter",
		    "IP bytes of the packets a policing rule dropped.");
	prom_u64(o, "wirefisher_dropped_bytes_total", NULL, t->dropped_bytes);
	prom_family(o, "wirefisher_flows", "gauge", "Flows in the flow table.");
	prom_u64(o, "wirefisher_flows", NULL, s->n);
	prom_family(o, "wirefisher_flows_created_total", "counter",
		    "Flows added to the flow table.");
	prom_u64(o, "wirefisher_flows_created_total", NULL, t->flows_created);
	prom_family(o, "wirefisher_flows_evicted_total", "counter",
		    "Flows the full table forgot (least recently seen first).");
	prom_u64(o, "wirefisher_flows_evicted_total", NULL, evicted(s));
	prom_family(o, "wirefisher_flow_errors_total", "counter",
		    "Packets whose flow could neither be found nor added.");
	prom_u64(o, "wirefisher_flow_errors_total", NULL, t->flow_errors);
	prom_family(o, "wirefisher_steered_packets_total", "counter",
		    "Packets moved to another steering path's device.");
	prom_u64(o, "wirefisher_steered_packets_total", NULL, t->steered);
	prom_family(o, "wirefisher_steer_no_path_packets_total", "counter",
		    "Packets to a steered prefix that had no usable path.");
	prom_u64(o, "wirefisher_steer_no_path_packets_total", NULL,
		 t->steer_no_path);
	prom_family(o, "wirefisher_map_entries", "gauge",
		    "Entries in a table that can fill up.");
	prom_u64(o, "wirefisher_map_entries",
		 prom_labels(l, sizeof(l), 1, "map", "wf_flows"), s->n);
	prom_family(o, "wirefisher_map_max_entries", "gauge",
		    "Size of a table that can fill up.");
	prom_u64(o, "wirefisher_map_max_entries",
		 prom_labels(l, sizeof(l), 1, "map", "wf_flows"),
		 p->meta.max_flows);
}

/* One family over every rule: value(i) of rule i. */
static void metrics_rule_family(FILE *o, const struct snapshot *s,
				const char *name, const char *type,
				const char *help, size_t field)
{
	char l[PROM_LABELS_MAX];

	prom_family(o, name, type, help);
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule_row *r = &s->rules[i];
		uint64_t v;

		memcpy(&v, (const char *)r + field, sizeof(v));
		prom_u64(o, name, prom_labels(l, sizeof(l), 2, "rule", r->rule.name,
					      "match", rule_match(&r->rule)), v);
	}
}

#define RULE_FIELD(f) offsetof(struct rule_row, f)

static void metrics_rules(FILE *o, const struct snapshot *s)
{
	char l[PROM_LABELS_MAX];

	metrics_rule_family(o, s, "wirefisher_rule_passed_packets_total",
			    "counter", "Packets a rule matched and passed.",
			    RULE_FIELD(count.passed));
	metrics_rule_family(o, s, "wirefisher_rule_passed_bytes_total",
			    "counter", "IP bytes a rule matched and passed.",
			    RULE_FIELD(count.passed_bytes));
	metrics_rule_family(o, s, "wirefisher_rule_dropped_packets_total",
			    "counter", "Packets a rule matched and dropped.",
			    RULE_FIELD(count.dropped));
	metrics_rule_family(o, s, "wirefisher_rule_dropped_bytes_total",
			    "counter", "IP bytes a rule matched and dropped.",
			    RULE_FIELD(count.dropped_bytes));
	metrics_rule_family(o, s, "wirefisher_rule_rate_bytes_per_second",
			    "gauge", "Passed rate over the last full window.",
			    RULE_FIELD(rates.inst));
	metrics_rule_family(o, s, "wirefisher_rule_smoothed_rate_bytes_per_second",
			    "gauge", "Passed rate, smoothed: s - s/8 + rate/8 "
			    "per window.", RULE_FIELD(rates.smooth));
	prom_family(o, "wirefisher_rule_limit_bytes_per_second", "gauge",
		    "The rule's limit.");
	for (size_t i = 0; i < s->n_rules; i++)
		prom_u64(o, "wirefisher_rule_limit_bytes_per_second",
			 prom_labels(l, sizeof(l), 2, "rule", s->rules[i].rule.name,
				     "match", rule_match(&s->rules[i].rule)),
			 s->rules[i].rule.rate_bps / 8);
}

/* Top flows by rate: rank labels, never one series per flow. */
static void metrics_flows(FILE *o, const struct snapshot *s, unsigned top)
{
	static const char *const names[2] = {
		"wirefisher_top_flow_rate_bytes_per_second",
		"wirefisher_top_flow_bytes" };
	static const char *const help[2] = {
		"The fastest flows (rank 1 is the fastest), rate over the last "
		"window.",
		"Bytes so far of the flow at that rank." };
	char l[PROM_LABELS_MAX], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char rank[16], sp[8], dp[8], pb[8];
	size_t n = s->n < top ? s->n : top;

	for (int m = 0; m < 2; m++) {
		prom_family(o, names[m], "gauge", help[m]);
		for (size_t i = 0; i < n; i++) {
			const struct row *r = &s->rows[i];

			addr_str(&r->key, r->key.addr_src, src, sizeof(src));
			addr_str(&r->key, r->key.addr_dst, dst, sizeof(dst));
			snprintf(rank, sizeof(rank), "%zu", i + 1);
			snprintf(sp, sizeof(sp), "%u", r->key.port_src);
			snprintf(dp, sizeof(dp), "%u", r->key.port_dst);
			prom_labels(l, sizeof(l), 8, "rank", rank, "iface", r->ifname,
				    "dir", r->key.dir == WF_DIR_INGRESS ? "ingress" :
				    "egress", "proto",
				    proto_name(r->key.proto, pb, sizeof(pb)), "src", src,
				    "sport", sp, "dst", dst, "dport", dp);
			prom_u64(o, names[m], l, m ? r->flow.bytes : r->rates.inst);
		}
	}
}

static int one_snapshot(const char *pin_dir, struct pins *p, struct snapshot *s)
{
	*p = (struct pins){ -1, -1, -1, -1, -1, -1, { 0 } };
	memset(s, 0, sizeof(*s));
	if (open_pins(pin_dir, p))
		return -1;
	if (take_snapshot(p, s)) {
		log_error("out of memory reading %zu flows", s->n);
		close_pins(p);
		free(s->rows);
		return -1;
	}
	return 0;
}

int stats_write(const struct stats_opts *o, FILE *out)
{
	struct pins p;
	struct snapshot s;

	if (one_snapshot(o->pin_dir, &p, &s))
		return 1;
	print_once(o, &p, &s, out, 0, 0);
	free(s.rows);
	close_pins(&p);
	return 0;
}

int stats_write_metrics(const char *pin_dir, unsigned top, FILE *out)
{
	struct pins p;
	struct snapshot s;

	if (one_snapshot(pin_dir, &p, &s))
		return 1;
	sort_by = SORT_RATE;
	qsort(s.rows, s.n, sizeof(*s.rows), cmp_rows);
	metrics_totals(out, &p, &s);
	metrics_rules(out, &s);
	metrics_flows(out, &s, top);
	free(s.rows);
	close_pins(&p);
	return 0;
}

int stats_main(const struct stats_opts *o)
{
	struct pins p = { -1, -1, -1, -1, -1, -1, { 0 } };
	struct snapshot s = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	int rc = 1;

	if (open_pins(o->pin_dir, &p))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	do {
		if (take_snapshot(&p, &s)) {
			log_error("out of memory reading %zu flows", s.n);
			goto out;
		}
		if (o->watch_ns && !o->json && screen_width(stdout))
			print_frame(o, &p, &s);
		else
			print_once(o, &p, &s, stdout, screen_width(stdout), 0);
		if (o->watch_ns) {
			struct timespec ts = { (time_t)(o->watch_ns / 1000000000ULL),
					       (long)(o->watch_ns % 1000000000ULL) };

			nanosleep(&ts, NULL);
		}
	} while (o->watch_ns && !stats_stop);
	rc = 0;
out:
	free(s.rows);
	close_pins(&p);
	return rc;
}
