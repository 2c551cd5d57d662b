// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats.c - the flow model (see stats.h): one snapshot of the counters,
 * the rules and the flow table of a running daemon.
 */
#include "stats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Sum the per-CPU copies of a value made only of __u64 counters, field by
 * field, so a counter added to the struct is summed without a line here.
 */
void stats_sum_percpu(int fd, __u32 key, void *out, size_t size)
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
	stats_sum_percpu(fd, 0, total, sizeof(*total));
}

void stats_read_rule_counters(int fd, __u32 id, struct wf_rule_counters *sum)
{
	stats_sum_percpu(fd, id, sum, sizeof(*sum));
}

static void read_rules(struct stats_view *v)
{
	const int *fd = v->pins.fd;
	struct wf_flow acct;
	__u32 id;

	v->n_rules = 0;
	for (id = 0; id < WF_MAX_RULES; id++) {
		struct stats_rule *r = &v->rules[v->n_rules];

		if (bpf_map_lookup_elem(fd[PIN_RULES], &id, &r->rule) ||
		    !r->rule.active)
			continue;
		r->id = id;
		r->rule.name[sizeof(r->rule.name) - 1] = '\0';
		/* A rule's counters are in its slot (see WF_RULE_SLOTS). */
		stats_read_rule_counters(fd[PIN_RULE_STATS], r->rule.slot,
					 &r->count);
		memset(&acct, 0, sizeof(acct));
		bpf_map_lookup_elem(fd[PIN_RULE_ACCT], &r->rule.slot, &acct);
		flow_rates_at(&acct, v->now_ns, v->pins.info.window_ns,
			      &r->rates);
		v->n_rules++;
	}
}

static void flow_ifname(const struct stats_view *v, struct stats_flow *f)
{
	struct wf_iface ifc;
	__u32 idx = f->key.ifindex;

	if (bpf_map_lookup_elem(v->pins.fd[PIN_IFACES], &idx, &ifc) == 0)
		memcpy(f->ifname, ifc.name, sizeof(f->ifname));
	else
		snprintf(f->ifname, sizeof(f->ifname), "if%u", idx);
	f->ifname[sizeof(f->ifname) - 1] = '\0';
}

static uint64_t sort_value(const struct stats_flow *f, enum stats_sort by)
{
	switch (by) {
	case SORT_BYTES:
		return f->flow.bytes;
	case SORT_PACKETS:
		return f->flow.packets;
	default:
		return f->rates.inst;
	}
}

/* Does x come before y in `by` order (largest first, then by key)? */
static bool flow_before(const struct stats_flow *x, const struct stats_flow *y,
			enum stats_sort by)
{
	uint64_t vx = sort_value(x, by), vy = sort_value(y, by);

	if (vx != vy)
		return vx > vy;
	return memcmp(&x->key, &y->key, sizeof(x->key)) < 0;
}

/*
 * The kept flows as a heap whose root is the one that comes last, so a
 * newcomer replaces it or goes (O(log keep) a flow, keep flows of memory:
 * /metrics on a table of 4 M flows holds 10, not 4 M).
 */
static void heap_down(struct stats_view *v, size_t i)
{
	struct stats_flow *h = v->flows, t;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < v->n && flow_before(&h[m], &h[l], v->by))
			m = l;
		if (l + 1 < v->n && flow_before(&h[m], &h[l + 1], v->by))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int grow(struct stats_view *v)
{
	size_t cap = v->cap ? v->cap * 2 : 256;
	struct stats_flow *flows;

	if (cap > v->keep)
		cap = v->keep;
	flows = realloc(v->flows, cap * sizeof(*flows));
	if (!flows)
		return -1;
	v->flows = flows;
	v->cap = cap;
	return 0;
}

static int add_flow(struct stats_view *v, const struct wf_flow_key *k,
		    const struct wf_flow *f)
{
	struct stats_flow c = { .key = *k, .flow = *f };

	v->live++;
	if (!v->keep)
		return 0;
	/* Selection by rate at the walk's start; rates are redone after. */
	flow_rates_at(f, v->now_ns, v->pins.info.window_ns, &c.rates);
	if (v->n < v->keep) {
		if (v->n == v->cap && grow(v))
			return -1;
		v->flows[v->n++] = c;
		if (v->n == v->keep && v->keep != STATS_ALL)
			for (size_t i = v->n / 2; i-- > 0;)
				heap_down(v, i);
		return 0;
	}
	if (flow_before(&c, &v->flows[0], v->by)) {
		v->flows[0] = c;
		heap_down(v, 0);
	}
	return 0;
}

#define BATCH 256

/*
 * Every flow once, in batches (kernel >= 5.6). A walk by next key would
 * restart from the first key whenever the one it stands on is evicted, and
 * list flows twice (or walk for long) while a flood churns the table.
 * Returns 0, -1 out of memory, 1 if batches are not supported.
 */
static int read_flows_batched(struct stats_view *v)
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

		err = bpf_map_lookup_batch(v->pins.fd[PIN_FLOWS], from, &out,
					   keys, vals, &n, NULL);
		if (err && err != -ENOENT) {
			rc = v->live ? 0 : 1; /* partial: keep what we have */
			break;
		}
		for (__u32 i = 0; i < n && !rc; i++)
			rc = add_flow(v, &keys[i], &vals[i]);
		in = out;
		from = &in;
	}
	free(keys);
	free(vals);
	return rc;
}

/* The same by next key, bounded, for kernels without batch lookups. */
static int read_flows_walk(struct stats_view *v)
{
	int fd = v->pins.fd[PIN_FLOWS];
	__u32 max = v->pins.info.max_flows;
	long budget = 4L * (max ? max : 65536);
	struct wf_flow_key key, next;
	struct wf_flow f;
	void *prev = NULL;

	while (budget-- > 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		/* Evicted between the two calls: skip it. */
		if (bpf_map_lookup_elem(fd, &key, &f))
			continue;
		if (add_flow(v, &key, &f))
			return -1;
	}
	return 0;
}

int stats_open(struct stats_view *v, const char *dir)
{
	memset(v, 0, sizeof(*v));
	return view_pins_open(&v->pins, dir, VIEW_FLOW_PINS) ? 1 : 0;
}

int stats_read_top(struct stats_view *v, enum stats_sort by, size_t keep)
{
	int rc;

	v->n = v->live = 0;
	v->by = by;
	v->keep = keep;
	v->now_ns = mono_ns();
	stats_read_counters(v->pins.fd[PIN_STATS], &v->total);
	rc = read_flows_batched(v);
	if (rc > 0)
		rc = read_flows_walk(v);
	if (rc) {
		log_error("out of memory reading %zu flows", v->live);
		return 1;
	}
	v->now_ns = mono_ns();
	for (size_t i = 0; i < v->n; i++) {
		flow_rates_at(&v->flows[i].flow, v->now_ns,
			      v->pins.info.window_ns, &v->flows[i].rates);
		flow_ifname(v, &v->flows[i]);
	}
	read_rules(v);
	return 0;
}

void stats_close(struct stats_view *v)
{
	free(v->flows);
	v->flows = NULL;
	v->n = v->cap = v->live = 0;
	view_pins_close(&v->pins);
}

static int cmp_flows(const void *a, const void *b, void *arg)
{
	enum stats_sort by = *(const enum stats_sort *)arg;

	if (flow_before(a, b, by))
		return -1;
	return flow_before(b, a, by) ? 1 : 0;
}

void stats_sort(struct stats_view *v, enum stats_sort by)
{
	qsort_r(v->flows, v->n, sizeof(*v->flows), cmp_flows, &by);
}

uint64_t stats_evicted(const struct stats_view *v)
{
	return v->total.flows_created > v->live ?
		       v->total.flows_created - v->live :
		       0;
}

const char *stats_per_name(const struct wf_rule *r)
{
	static const char *const names[] = { "rule", "src_ip", "dst_ip",
					     "flow" };

	return names[r->per & 3];
}
