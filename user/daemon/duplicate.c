// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * duplicate.c - what the duplicator (bpf/lib/dedup.bpf.h) needs of each
 * route with duplicate: selectors: the selectors, and the route's two best
 * usable paths - the active one (the route's own choice, with its
 * hysteresis) as the first, the best-scored other usable path of the best
 * priority as the second - written as one wf_dups value when they change.
 */
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "steering_int.h"
#include "wirefisher.skel.h"

static void prefix_mask(const struct wf_prefix *p, __u32 *net, __u32 *mask)
{
	unsigned bits = p->family ? p->len : 0, i;
	uint8_t m[16] = { 0 }, a[16] = { 0 };

	for (i = 0; i < 16 && bits; i++) {
		m[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		bits -= bits >= 8 ? 8 : bits;
	}
	memcpy(a, p->addr, p->family == 4 ? 4 : p->family == 6 ? 16 : 0);
	for (i = 0; i < 16; i++)
		a[i] &= m[i];
	memcpy(net, a, 16);
	memcpy(mask, m, 16);
}

static void fill_sel(struct wf_dup_sel *v, const struct wf_cfg_dup *d)
{
	prefix_mask(&d->src, v->src, v->src_mask);
	prefix_mask(&d->dst, v->dst, v->dst_mask);
	v->family = (__u8)(d->src.family ? d->src.family : d->dst.family);
	v->proto = d->proto < 0 ? 0 : (__u8)d->proto;
	v->sport_lo = d->has_sport ? d->sport_lo : 0;
	v->sport_hi = d->has_sport ? d->sport_hi : 0xffff;
	v->dport_lo = d->has_dport ? d->dport_lo : 0;
	v->dport_hi = d->has_dport ? d->dport_hi : 0xffff;
}

/* The route's second path: the best usable one but first, or -1. */
static int second_path(const struct steering *s, int r, int first)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	double best_score = 0;
	uint32_t best_prio = 0;
	int best = -1;

	for (int j = 0; j < rc->n_paths; j++) {
		int p = rc->paths[j];
		double sc = steer_score(&s->paths[p], &s->st->probe);
		uint32_t prio = s->st->paths[p].priority;

		if (j == first || !s->ifindex[p] ||
		    !steer_usable(&s->paths[p], &s->st->probe))
			continue;
		if (best < 0 || prio < best_prio ||
		    (prio == best_prio && sc < best_score)) {
			best = j;
			best_score = sc;
			best_prio = prio;
		}
	}
	return best;
}

void dup_publish(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	const struct steer_route *sr = &s->routes[r];
	struct wf_dup v = { 0 };
	__u32 key = (__u32)r;
	int a, b, err;

	if (!rc->n_dup)
		return;
	a = sr->active;
	if (sr->pinned < 0 &&
	    (a < 0 || !steer_usable(&s->paths[rc->paths[a]], &s->st->probe)))
		a = second_path(s, r, -1);
	b = sr->pinned >= 0 ? -1 : second_path(s, r, a);
	if (a >= 0 && s->ifindex[rc->paths[a]]) {
		v.ifindex[0] = (__u32)s->ifindex[rc->paths[a]];
		v.path[0] = (__u8)rc->paths[a];
	}
	if (a >= 0 && b >= 0) {
		v.ifindex[1] = (__u32)s->ifindex[rc->paths[b]];
		v.path[1] = (__u8)rc->paths[b];
	}
	v.n_sel = (__u8)rc->n_dup;
	v.window_ms = (__u32)(rc->dup_window_ns / 1000000);
	for (int i = 0; i < rc->n_dup; i++)
		fill_sel(&v.sel[i], &rc->dup[i]);
	if (s->dup_have[r] && !memcmp(&v, &s->dup_written[r], sizeof(v)))
		return;
	/* One update swaps the whole value, as for wf_routes. */
	err = bpf_map__update_elem(s->skel->maps.wf_dups, &key, sizeof(key), &v,
				   sizeof(v), BPF_ANY);
	if (err) {
		log_warn("cannot write the duplicate selectors of route %d: %s",
			 r, strerror(-err));
		return;
	}
	s->dup_written[r] = v;
	s->dup_have[r] = true;
}
