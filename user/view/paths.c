// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * paths.c - the path model (see paths.h): the status the prober publishes
 * and the routes read back from the prefix tries.
 */
#include "paths.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "format.h"
#include "stats.h"

int paths_open(struct paths_view *v, const char *dir)
{
	memset(v, 0, sizeof(*v));
	return view_pins_open(&v->pins, dir, VIEW_PATH_PINS) ? 1 : 0;
}

void paths_close(struct paths_view *v)
{
	view_pins_close(&v->pins);
}

static void append_prefix(struct route_view *rv, unsigned family,
			  const void *addr, unsigned len)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = strlen(rv->to);

	snprintf(rv->to + used, sizeof(rv->to) - used, "%s%s/%u",
		 used ? "," : "", view_addr_str(family, addr, a, sizeof(a)),
		 len);
	rv->used = true;
}

/* Walk both prefix tries: route id -> its prefixes. */
static void read_routes(struct paths_view *v)
{
	int lpm4 = v->pins.fd[PIN_STEER4], lpm6 = v->pins.fd[PIN_STEER6];
	struct wf_lpm4 k4, *prev4 = NULL;
	struct wf_lpm6 k6, *prev6 = NULL;
	int budget = 4 * WF_MAX_ROUTES;
	__u64 id;

	memset(v->routes, 0, sizeof(v->routes));
	while (budget-- && bpf_map_get_next_key(lpm4, prev4, &k4) == 0) {
		prev4 = &k4;
		if (!bpf_map_lookup_elem(lpm4, &k4, &id) && id < WF_MAX_ROUTES)
			append_prefix(&v->routes[id], WF_FAMILY_IPV4, &k4.addr,
				      k4.prefixlen);
	}
	budget = 4 * WF_MAX_ROUTES;
	while (budget-- && bpf_map_get_next_key(lpm6, prev6, &k6) == 0) {
		prev6 = &k6;
		if (!bpf_map_lookup_elem(lpm6, &k6, &id) && id < WF_MAX_ROUTES)
			append_prefix(&v->routes[id], WF_FAMILY_IPV6, k6.addr,
				      k6.prefixlen);
	}
	for (__u32 r = 0; r < WF_MAX_ROUTES; r++) {
		v->routes[r].have_r =
			v->routes[r].used &&
			!bpf_map_lookup_elem(v->pins.fd[PIN_ROUTES], &r,
					     &v->routes[r].r);
		v->routes[r].have_d = v->routes[r].used &&
				      !bpf_map_lookup_elem(v->pins.fd[PIN_DUPS],
							   &r, &v->routes[r].d);
		if (v->routes[r].used &&
		    bpf_map_lookup_elem(v->pins.fd[PIN_FLOWLET], &r,
					&v->routes[r].flowlet_ns))
			v->routes[r].flowlet_ns = 0;
	}
}

/* CLOCK_MONOTONIC: the clock of bpf_ktime_get_ns(). */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void read_agg(struct paths_view *v, __u32 i, uint64_t now)
{
	__u64 end = 0;

	stats_sum_percpu(v->pins.fd[PIN_AGG_STATS], i, &v->agg[i],
			 sizeof(v->agg[i]));
	if (bpf_map_lookup_elem(v->pins.fd[PIN_AGG_PATHS], &i, &v->agg_path[i]))
		memset(&v->agg_path[i], 0, sizeof(v->agg_path[i]));
	if (bpf_map_lookup_elem(v->pins.fd[PIN_AGG_QUEUE], &i, &end))
		end = 0;
	v->agg_queue_ns[i] = end > now ? end - now : 0;
	stats_sum_percpu(v->pins.fd[PIN_DUP_STATS], i, &v->dup[i],
			 sizeof(v->dup[i]));
}

static void read_status(struct paths_view *v)
{
	uint64_t now = mono_ns();

	v->n = 0;
	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		if (bpf_map_lookup_elem(v->pins.fd[PIN_PATH_STATUS], &i,
					&v->st[i]) ||
		    !v->st[i].configured)
			break;
		read_agg(v, i, now);
		v->n++;
	}
}

_Static_assert(sizeof(struct wf_agg_counters) % sizeof(__u64) == 0,
	       "wf_agg_counters must be __u64 counters only");
_Static_assert(sizeof(struct wf_dup_counters) % sizeof(__u64) == 0,
	       "wf_dup_counters must be __u64 counters only");

void paths_read(struct paths_view *v)
{
	read_status(v);
	read_routes(v);
}

const char *paths_active(const struct paths_view *v, int r)
{
	const struct route_view *rv = &v->routes[r];
	const struct wf_route *route = &rv->r;

	if (!rv->have_r || route->active >= route->n_paths ||
	    route->active >= WF_ROUTE_PATHS ||
	    route->paths[route->active].path >= v->n)
		return "-";
	return v->st[route->paths[route->active].path].name;
}

const char *paths_mode(const struct paths_view *v, int r)
{
	const struct route_view *rv = &v->routes[r];

	if (!rv->have_r)
		return "failover";
	return rv->r.mode == WF_MODE_AGGREGATE ? "aggregate" :
	       rv->r.mode == WF_MODE_SPREAD    ? "spread" :
						 "failover";
}

bool paths_pinned(const struct paths_view *v, int r)
{
	const struct route_view *rv = &v->routes[r];

	return rv->have_r && (rv->r.flags & WF_ROUTE_PINNED);
}

/*
 * addr[/len] as an LPM key of its family's trie: WF_FAMILY_IPV4 (*k4) or
 * WF_FAMILY_IPV6 (*k6), or -1 if not an address or prefix.
 */
static int lpm_key(const char *prefix, struct wf_lpm4 *k4, struct wf_lpm6 *k6)
{
	char addr[INET6_ADDRSTRLEN + 1], *slash, *end;
	unsigned long len, max;
	int family;

	snprintf(addr, sizeof(addr), "%s", prefix);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, addr, &k4->addr) == 1)
		family = WF_FAMILY_IPV4, max = 32;
	else if (inet_pton(AF_INET6, addr, k6->addr) == 1)
		family = WF_FAMILY_IPV6, max = 128;
	else
		return -1;
	len = slash ? strtoul(slash + 1, &end, 10) : max;
	if ((slash && *end) || len > max)
		return -1;
	k4->prefixlen = k6->prefixlen = (__u32)len;
	return family;
}

int paths_find_route(const struct paths_view *v, const char *prefix)
{
	struct wf_lpm6 k6 = { 0 };
	struct wf_lpm4 k4 = { 0 };
	int family = lpm_key(prefix, &k4, &k6), err;
	__u64 id;

	if (family < 0)
		return -2;
	if (family == WF_FAMILY_IPV4)
		err = bpf_map_lookup_elem(v->pins.fd[PIN_STEER4], &k4, &id);
	else
		err = bpf_map_lookup_elem(v->pins.fd[PIN_STEER6], &k6, &id);
	return err || id >= WF_MAX_ROUTES ? -1 : (int)id;
}
