// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * config_steer.c - the steering: section (paths, routes, probing, scoring).
 *
 *   steering:
 *     probe: { interval: 200ms, timeout: auto, window: 20, ... }
 *     paths:
 *       - { name: direct, device: wg0, targets: [10.96.1.1], priority: 0 }
 *     routes:
 *       - { to: [10.99.0.0/24], via: [direct, relay], mode: failover }
 *
 * What can be checked from the text alone is checked here (names, overlaps,
 * ranges); devices and routing are checked by the daemon at start-up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define INTERVAL_MIN_NS	   10000000ULL /* 10 ms: below, probes are load */
#define INTERVAL_MAX_NS	   10000000000ULL
#define STEER_FLOWS_MIN	   256
#define STEER_FLOWS_MAX	   (1U << 22)
#define STEER_PREFIXES_MAX 128 /* wf_steer4/6 hold 2*64+1 */

void cfg_steering_defaults(struct wf_config *cfg)
{
	struct wf_cfg_probe *p = &cfg->steer.probe;

	/* 3 probes 200 ms apart: a dead path is left within ~0.7 s. */
	p->interval_ns = 200000000ULL;
	p->timeout_ns = 0;
	p->window = 20;
	p->rtt_gain = 0.125;	 /* RFC 6298's alpha */
	p->jitter_gain = 0.0625; /* RFC 3550's 1/16 */
	p->mark = 0x77660000;
	p->w_rtt = 1.0;
	p->w_loss = 2.0;
	p->w_jitter = 0.5;
	p->rtt_ref_ns = 100000000ULL;
	p->jitter_ref_ns = 10000000ULL;
	p->rtt_cap = 10;
	p->jitter_cap = 5;
	p->unusable_loss = 0.5;
	p->factor = 1.5;
	p->hold_ns = 5000000000ULL;
	p->down_after = 3;
	p->up_after = 3;
	p->silence_ns = WF_CFG_AUTO;
	cfg->steer.max_flows = 65536;
}

/* A plain number in [min, max], or a percentage of 1 ("50%") if pct. */
static void get_number(struct ctx *c, yaml_node_t *n, const char *path,
		       double *out, double min, double max, bool pct)
{
	const char *s = cfg_scalar(c, n, path);
	double v;
	char *end;

	if (!s || !cfg_plain(c, n, path, "a number"))
		return;
	errno = 0;
	v = strtod(s, &end);
	if (pct && *end == '%' && !end[1]) {
		v /= 100;
		end++;
	}
	if (end == s || *end || errno || !isfinite(v)) {
		cfg_report(c, n, path, "\"%s\" is not a number%s", s,
			   pct ? " (write e.g. 0.5 or 50%)" : "");
		return;
	}
	if (v < min || v > max) {
		cfg_report(c, n, path, "%s is out of range; write %g to %g", s,
			   min, max);
		return;
	}
	*out = v;
}

static void get_name(struct ctx *c, yaml_node_t *n, const char *path, char *out,
		     size_t size)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	if (strlen(s) >= size || strpbrk(s, "\"\\ \t/")) {
		cfg_report(c, n, path,
			   "\"%s\": a name is at most %zu characters, "
			   "without spaces, quotes, slashes or backslashes",
			   s, size - 1);
		return;
	}
	strcpy(out, s);
}

/* A duration, or auto (0): 2 RTT + 4 jitter, within bounds. */
static void get_timeout(struct ctx *c, yaml_node_t *n, const char *path,
			uint64_t *out)
{
	const char *s = cfg_scalar(c, n, path);

	if (s && !strcmp(s, "auto"))
		*out = 0;
	else if (s)
		cfg_get_duration(c, n, path, out, 1000000ULL, INTERVAL_MAX_NS);
}

/* A duration in [min, max], or auto (WF_CFG_AUTO) or off (WF_CFG_OFF). */
static void get_auto_off(struct ctx *c, yaml_node_t *n, const char *path,
			 uint64_t *out, uint64_t min, uint64_t max)
{
	const char *s = cfg_scalar(c, n, path);

	if (s && !strcmp(s, "auto"))
		*out = WF_CFG_AUTO;
	else if (s && !strcmp(s, "off"))
		*out = WF_CFG_OFF;
	else if (s && (*s < '0' || *s > '9'))
		cfg_report(c, n, path,
			   "\"%s\": write a duration (e.g. 300ms), auto or off",
			   s);
	else if (s)
		cfg_get_duration(c, n, path, out, min, max);
}

/* An SO_MARK: 1 to 0xffffffff, decimal or 0x hex. */
static void get_mark(struct ctx *c, yaml_node_t *n, const char *path,
		     uint32_t *out)
{
	const char *s = cfg_scalar(c, n, path);
	unsigned long m;
	char *end;

	if (!s)
		return;
	errno = 0;
	m = strtoul(s, &end, 0);
	if (*s == '-' || *end || errno || !m || m > 0xffffffffUL)
		cfg_report(c, n, path,
			   "\"%s\" is not a mark; write a number 1 "
			   "to 0xffffffff",
			   s);
	else
		*out = (uint32_t)m;
}

static void parse_probe(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_probe *p)
{
	static const char *const keys[] = { "interval",	     "timeout",
					    "window",	     "rtt_gain",
					    "jitter_gain",   "mark",
					    "rtt_weight",    "loss_weight",
					    "jitter_weight", "unusable_loss",
					    "switch_factor", "hold",
					    "down_after",    "up_after",
					    "silence",	     NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			cfg_get_duration(c, val, sub, &p->interval_ns,
					 INTERVAL_MIN_NS, INTERVAL_MAX_NS);
			break;
		case 1:
			get_timeout(c, val, sub, &p->timeout_ns);
			break;
		case 2:
			cfg_get_u32(c, val, sub, &p->window, 2, 1000);
			break;
		case 3:
			get_number(c, val, sub, &p->rtt_gain, 0.001, 1, false);
			break;
		case 4:
			get_number(c, val, sub, &p->jitter_gain, 0.001, 1,
				   false);
			break;
		case 5:
			get_mark(c, val, sub, &p->mark);
			break;
		case 6:
			get_number(c, val, sub, &p->w_rtt, 0, 100, false);
			break;
		case 7:
			get_number(c, val, sub, &p->w_loss, 0, 100, false);
			break;
		case 8:
			get_number(c, val, sub, &p->w_jitter, 0, 100, false);
			break;
		case 9:
			get_number(c, val, sub, &p->unusable_loss, 0.01, 1,
				   true);
			break;
		case 10:
			get_number(c, val, sub, &p->factor, 1, 100, false);
			break;
		case 11:
			cfg_get_duration(c, val, sub, &p->hold_ns, 0,
					 3600000000000ULL);
			break;
		case 12:
			cfg_get_u32(c, val, sub, &p->down_after, 1, 100);
			break;
		case 13:
			cfg_get_u32(c, val, sub, &p->up_after, 1, 100);
			break;
		case 14:
			get_auto_off(c, val, sub, &p->silence_ns,
				     INTERVAL_MIN_NS, INTERVAL_MAX_NS);
			break;
		}
	}
}

/* A prefix; with want_host, one address (a /32 or /128) only. */
static bool get_one(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_prefix *out, bool want_host)
{
	struct wf_prefix p = { 0 };

	cfg_get_prefix(c, n, path, &p);
	if (!p.family)
		return false;
	if (want_host && p.len != (p.family == 4 ? 32u : 128u)) {
		cfg_report(c, n, path,
			   "a probe target is one address, not a "
			   "prefix");
		return false;
	}
	*out = p;
	return true;
}

/* One prefix, or a list of them. Returns how many were read. */
static int get_prefixes(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_prefix *out, int max, bool want_host)
{
	yaml_node_item_t *it;
	char sub[PATH_MAXLEN];
	int count = 0, i = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return get_one(c, n, path, &out[0], want_host) ? 1 : 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		if (count == max) {
			cfg_report(c, item, sub, "more than %d entries", max);
			return count;
		}
		count += get_one(c, item, sub, &out[count], want_host);
	}
	if (i == 0)
		cfg_report(c, n, path, "empty list");
	return count;
}

static void parse_path(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_path *p)
{
	static const char *const keys[] = { "name",	"device", "targets",
					    "priority", "weight", "capacity",
					    NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;
	struct wf_cfg_iface dev = { 0 };
	bool have_targets = false;

	p->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			get_name(c, val, sub, p->name, sizeof(p->name));
			break;
		case 1:
			cfg_get_ifname(c, val, sub, &dev);
			strcpy(p->device, dev.name);
			break;
		case 2:
			have_targets = true;
			p->n_targets = get_prefixes(c, val, sub, p->targets,
						    WF_CFG_MAX_TARGETS, true);
			break;
		case 3:
			cfg_get_u32(c, val, sub, &p->priority, 0, 1000);
			break;
		case 4:
			cfg_get_u32(c, val, sub, &p->weight, 1, 1000000);
			break;
		case 5:
			cfg_get_rate(c, val, sub, &p->capacity_bps);
			break;
		}
	}
	if (!p->name[0])
		cfg_report(c, n, path, "missing key \"name\"");
	if (!p->device[0])
		cfg_report(c, n, path,
			   "missing key \"device\"; name the "
			   "WireGuard interface, e.g. device: wg0");
	if (!have_targets)
		cfg_report(c, n, path,
			   "missing key \"targets\"; give the "
			   "address(es) to ping through the tunnel, e.g. its "
			   "peer's tunnel address");
}

static void parse_paths(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_steering *st)
{
	yaml_node_t *item;
	char sub[PATH_MAXLEN];

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE, "a list of paths"))
		return;
	while ((item = cfg_item(c, n, path, st->n_paths, WF_CFG_MAX_PATHS,
				"paths", sub, sizeof(sub)))) {
		struct wf_cfg_path *p = &st->paths[st->n_paths];

		parse_path(c, item, sub, p);
		for (int j = 0; j < st->n_paths; j++) {
			if (p->name[0] && !strcmp(st->paths[j].name, p->name))
				cfg_report(c, item, sub,
					   "name \"%s\" is already "
					   "used by %s[%d]",
					   p->name, path, j);
			if (p->device[0] &&
			    !strcmp(st->paths[j].device, p->device))
				cfg_report(c, item, sub,
					   "device %s is already "
					   "%s[%d]'s; one path per device",
					   p->device, path, j);
		}
		st->n_paths++;
	}
}

static int find_path(const struct wf_cfg_steering *st, const char *name)
{
	for (int i = 0; i < st->n_paths; i++)
		if (!strcmp(st->paths[i].name, name))
			return i;
	return -1;
}

static void get_via(struct ctx *c, yaml_node_t *n, const char *path,
		    const struct wf_cfg_steering *st, struct wf_cfg_route *r)
{
	yaml_node_item_t *it;
	char sub[PATH_MAXLEN];
	int i = 0;

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE,
			     "a list of path names, e.g. via: [direct, relay]"))
		return;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);
		const char *s;
		int p;

		snprintf(sub, sizeof(sub), "%s[%d]", path, i);
		s = cfg_scalar(c, item, sub);
		if (!s)
			continue;
		p = find_path(st, s);
		if (p < 0) {
			cfg_report(c, item, sub,
				   "no path named \"%s\" in "
				   "steering.paths (paths come before routes)",
				   s);
			continue;
		}
		for (int j = 0; j < r->n_paths; j++)
			if (r->paths[j] == p)
				cfg_report(c, item, sub,
					   "path \"%s\" is named "
					   "twice",
					   s),
					p = -1;
		if (p < 0)
			continue;
		if (r->n_paths == WF_CFG_ROUTE_PATHS) {
			cfg_report(c, item, sub,
				   "more than %d paths in one route",
				   WF_CFG_ROUTE_PATHS);
			return;
		}
		r->paths[r->n_paths++] = p;
	}
}

/*
 * Spread shares follow weights, or else declared capacities; a route whose
 * default-weighted paths mix declared and undeclared capacity would compare
 * kbit/s with 1: refuse it.
 */
static void check_shares(struct ctx *c, yaml_node_t *n, const char *path,
			 const struct wf_cfg_steering *st,
			 const struct wf_cfg_route *r)
{
	int with = 0, without = 0;

	if (r->mode == WF_STEER_AGGREGATE) {
		for (int j = 0; j < r->n_paths; j++)
			if (!st->paths[r->paths[j]].capacity_bps)
				cfg_report(c, n, path,
					   "mode aggregate sends each packet by the "
					   "path where it arrives first, which needs "
					   "every path's rate: give path \"%s\" a "
					   "capacity (e.g. capacity: 8mbit)",
					   st->paths[r->paths[j]].name);
		return;
	}
	if (r->mode != WF_STEER_SPREAD)
		return;
	for (int j = 0; j < r->n_paths; j++) {
		const struct wf_cfg_path *p = &st->paths[r->paths[j]];

		if (!p->weight)
			p->capacity_bps ? with++ : without++;
	}
	if (with && without)
		cfg_report(c, n, path,
			   "spread shares: give every path without a "
			   "weight a capacity, or none of them");
}

/* One duplicate: selector: src, dst, proto, sport, dport, as rules match. */
static void parse_dup(struct ctx *c, yaml_node_t *n, const char *path,
		      struct wf_cfg_dup *d)
{
	static const char *const keys[] = { "src",   "dst",   "proto",
					    "sport", "dport", NULL };
	yaml_node_t *val, *port_node = NULL;
	char sub[PATH_MAXLEN];
	int i = 0, k;

	d->proto = -1;
	d->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE,
			     "a mapping, e.g. { proto: udp, dport: 5060 }"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0)
			cfg_get_prefix(c, val, sub, &d->src);
		else if (k == 1)
			cfg_get_prefix(c, val, sub, &d->dst);
		else if (k == 2)
			cfg_get_proto(c, val, sub, &d->proto);
		else if (k == 3)
			port_node = val,
			d->has_sport = cfg_get_ports(c, val, sub, &d->sport_lo,
						     &d->sport_hi);
		else
			port_node = val,
			d->has_dport = cfg_get_ports(c, val, sub, &d->dport_lo,
						     &d->dport_hi);
	}
	if (d->src.family && d->dst.family && d->src.family != d->dst.family)
		cfg_report(c, n, path,
			   "src is IPv%d but dst is IPv%d; no packet is both",
			   d->src.family, d->dst.family);
	if (port_node && d->proto != -1 && d->proto != 6 && d->proto != 17)
		cfg_report(c, port_node, path,
			   "ports need proto tcp or udp (or no proto: then "
			   "tcp and udp)");
}

/* duplicate: one selector, or a list of up to WF_CFG_DUP_SELS. */
static void parse_dups(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_route *r)
{
	char sub[PATH_MAXLEN];
	yaml_node_t *item;

	if (n->type != YAML_SEQUENCE_NODE) {
		parse_dup(c, n, path, &r->dup[0]);
		r->n_dup = 1;
		return;
	}
	while ((item = cfg_item(c, n, path, r->n_dup, WF_CFG_DUP_SELS,
				"selectors", sub, sizeof(sub))))
		parse_dup(c, item, sub, &r->dup[r->n_dup++]);
	if (!r->n_dup)
		cfg_report(c, n, path, "empty list");
}

/*
 * duplicate_window: at least the paths' delay difference (a later second
 * copy passes as new); at most what a state word's millisecond clock and
 * a repeat's memory sensibly hold.
 */
#define DUP_WINDOW_MIN_NS (10 * 1000000ULL)
#define DUP_WINDOW_MAX_NS (10 * 1000000000ULL)

static void parse_route(struct ctx *c, yaml_node_t *n, const char *path,
			const struct wf_cfg_steering *st,
			struct wf_cfg_route *r)
{
	static const char *const keys[] = { "to",      "via",
					    "mode",    "duplicate",
					    "flowlet", "duplicate_window",
					    NULL };
	yaml_node_t *dup_node = NULL;
	static const char *const modes[] = { "failover", "spread", "aggregate",
					     NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k, mode = WF_STEER_FAILOVER;
	bool have_via = false, have_to = false;
	yaml_node_t *flowlet = NULL, *window = NULL;
	char fsub[PATH_MAXLEN] = "", wsub[PATH_MAXLEN] = "";

	r->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		if (k == 0) {
			have_to = true;
			r->n_to = get_prefixes(c, val, sub, r->to,
					       WF_CFG_ROUTE_TO, false);
		} else if (k == 1) {
			have_via = true;
			get_via(c, val, sub, st, r);
		} else if (k == 2) {
			cfg_get_enum(c, val, sub, modes, &mode);
		} else if (k == 3) {
			dup_node = val;
			parse_dups(c, val, sub, r);
		} else if (k == 4) {
			flowlet = val;
			snprintf(fsub, sizeof(fsub), "%s", sub);
		} else {
			window = val;
			snprintf(wsub, sizeof(wsub), "%s", sub);
			cfg_get_duration(c, val, sub, &r->dup_window_ns,
					 DUP_WINDOW_MIN_NS, DUP_WINDOW_MAX_NS);
		}
	}
	r->mode = (enum wf_steer_mode)mode;
	r->flowlet_ns = WF_CFG_AUTO;
	if (!window)
		r->dup_window_ns = WF_CFG_DUP_WINDOW_NS;
	if (flowlet && r->mode != WF_STEER_SPREAD)
		cfg_report(c, flowlet, fsub,
			   "only a spread route moves running flows; "
			   "drop flowlet: or write mode: spread");
	else if (flowlet)
		get_auto_off(c, flowlet, fsub, &r->flowlet_ns, 1000000ULL,
			     INTERVAL_MAX_NS);
	check_shares(c, n, path, st, r);
	if (!have_to)
		cfg_report(c, n, path,
			   "missing key \"to\"; give the destination "
			   "prefixes, e.g. to: [10.99.0.0/24]");
	if (!have_via)
		cfg_report(c, n, path,
			   "missing key \"via\"; a route needs at "
			   "least one path, e.g. via: [direct, relay]");
	else if (!r->n_paths)
		cfg_report(c, n, path,
			   "a route with no paths; name at least one "
			   "in via:");
	else if (window && !dup_node)
		cfg_report(c, window, wsub,
			   "duplicate_window is how long the receiving end "
			   "remembers a duplicated packet; add duplicate: or "
			   "drop it");
	else if (dup_node && r->n_paths < 2)
		cfg_report(c, dup_node, path,
			   "duplicate sends each selected packet by two paths "
			   "at once; name at least two in via:");
	else if (r->mode == WF_STEER_AGGREGATE && r->n_paths < 2)
		cfg_report(c, n, path,
			   "mode aggregate spreads each flow over several "
			   "paths; name at least two in via: (or use failover)");
}

static bool prefixes_overlap(const struct wf_prefix *a,
			     const struct wf_prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

/* A destination belongs to one route: any overlap is ambiguous. */
static void check_overlaps(struct ctx *c, yaml_node_t *item, const char *sub,
			   const struct wf_cfg_steering *st, int ri)
{
	const struct wf_cfg_route *r = &st->routes[ri];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	for (int i = 0; i < r->n_to; i++)
		for (int rj = 0; rj <= ri; rj++)
			for (int j = 0;
			     j < (rj == ri ? i : st->routes[rj].n_to); j++) {
				const struct wf_prefix *p = &r->to[i];
				const struct wf_prefix *q =
					&st->routes[rj].to[j];

				if (!prefixes_overlap(p, q))
					continue;
				inet_ntop(p->family == 4 ? AF_INET : AF_INET6,
					  p->addr, a, sizeof(a));
				inet_ntop(q->family == 4 ? AF_INET : AF_INET6,
					  q->addr, b, sizeof(b));
				cfg_report(c, item, sub,
					   "to[%d] %s/%u overlaps "
					   "steering.routes[%d].to[%d] %s/%u; a "
					   "destination must belong to one route",
					   i, a, p->len, rj, j, b, q->len);
			}
}

static void parse_routes(struct ctx *c, yaml_node_t *n, const char *path,
			 struct wf_cfg_steering *st)
{
	yaml_node_t *item;
	char sub[PATH_MAXLEN];
	int prefixes = 0;

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE,
			     "a list of routes"))
		return;
	while ((item = cfg_item(c, n, path, st->n_routes, WF_CFG_MAX_ROUTES,
				"routes", sub, sizeof(sub)))) {
		struct wf_cfg_route *r = &st->routes[st->n_routes];

		parse_route(c, item, sub, st, r);
		check_overlaps(c, item, sub, st, st->n_routes);
		prefixes += r->n_to;
		if (prefixes > STEER_PREFIXES_MAX)
			cfg_report(c, item, sub,
				   "more than %d prefixes over all "
				   "routes",
				   STEER_PREFIXES_MAX);
		st->n_routes++;
	}
}

void cfg_parse_steering(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_config *cfg)
{
	static const char *const keys[] = { "probe",	 "paths",     "routes",
					    "on_change", "max_flows", NULL };
	struct wf_cfg_steering *st = &cfg->steer;
	char sub[PATH_MAXLEN];
	yaml_node_t *val, *routes = NULL;
	const char *s;
	int i = 0, k;

	st->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	char rsub[PATH_MAXLEN] = "";

	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			parse_probe(c, val, sub, &st->probe);
			break;
		case 1:
			parse_paths(c, val, sub, st);
			break;
		case 2: /* after paths, wherever it stands in the file */
			routes = val;
			snprintf(rsub, sizeof(rsub), "%s", sub);
			break;
		case 3:
			s = cfg_scalar(c, val, sub);
			if (s && s[0] != '/')
				cfg_report(c, val, sub,
					   "\"%s\": give the hook's "
					   "absolute path",
					   s);
			else if (s && strlen(s) < sizeof(st->on_change))
				strcpy(st->on_change, s);
			break;
		case 4:
			cfg_get_u32(c, val, sub, &st->max_flows,
				    STEER_FLOWS_MIN, STEER_FLOWS_MAX);
			break;
		}
	}
	if (routes)
		parse_routes(c, routes, rsub, st);
	if (!st->n_paths)
		cfg_report(c, n, path,
			   "no paths; list at least one under "
			   "steering.paths");
	else if (!routes)
		cfg_report(c, n, path,
			   "no routes; say which destinations use "
			   "the paths under steering.routes");
}
