// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * detect.c - failure noticed from traffic, and the flowlet gap of spread
 * routes.
 *
 * Silence: the tc programs stamp when each path device last sent a packet
 * that was not a probe and last received anything (wf_path_seen,
 * bpf/lib/pathrx.bpf.h). Each wake-up of the loop reads the stamps; a path
 * that has sent since it last heard, and has heard nothing for longer than
 * its silence limit (steer.h), gets STEER_BURST probe rounds at once; if
 * all of them are lost it is down then (probe.c feeds their outcomes to
 * steer_burst()). The loop wakes when a limit runs out (silence_next_ns).
 *
 * Flowlets: each spread route's gap (steer_flowlet_gap()) is written to
 * wf_flowlet for the datapath (bpf/lib/flowlet.bpf.h) when it changes.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "steering_int.h"
#include "wirefisher.skel.h"

/* The datapath's clock (bpf_ktime_get_coarse_ns). */
static uint64_t coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

static uint64_t ago(uint64_t now, uint64_t stamp)
{
	if (!stamp)
		return UINT64_MAX;
	return now > stamp ? now - stamp : 0;
}

/*
 * Path i's device has ifindex s->ifindex[i] now: make its stamp entry (a
 * reload or restart keeps the one it finds) and drop the old device's.
 */
void seen_follow(struct steering *s, int i)
{
	int fd = bpf_map__fd(s->skel->maps.wf_path_seen);
	__u32 old = (__u32)s->seen_ifindex[i], now = (__u32)s->ifindex[i];
	struct wf_path_seen zero = { 0 };

	if (old == now && s->seen_made[i])
		return;
	if (old && old != now)
		bpf_map_delete_elem(fd, &old);
	s->seen_ifindex[i] = (int)now;
	s->seen_made[i] = false;
	if (!now)
		return;
	if (bpf_map_update_elem(fd, &now, &zero, BPF_NOEXIST) &&
	    errno != EEXIST)
		log_warn("path %s: cannot watch its traffic (wf_path_seen): %s",
			 s->st->paths[i].name, strerror(errno));
	else
		s->seen_made[i] = true;
}

/*
 * A take-over of an earlier run's pins (kill -9, or a stop with persist):
 * no one probed the paths while no daemon ran, so a path whose traffic
 * goes one way heard nothing back meanwhile - the restart's silence, not
 * the path's (every such path was suspected at once). It counts from now.
 */
void seen_resume(struct steering *s)
{
	s->heard_from = coarse_now();
}

/* Read every path's stamps; suspect the silent ones and start bursts. */
void silence_check(struct steering *s, uint64_t now)
{
	int fd = bpf_map__fd(s->skel->maps.wf_path_seen);
	uint64_t cnow = coarse_now();

	for (int i = 0; i < s->st->n_paths; i++) {
		struct steer_path *p = &s->paths[i];
		uint64_t limit = steer_silence_limit(p, &s->st->probe);
		__u32 key = (__u32)s->ifindex[i];
		struct wf_path_seen v;
		uint64_t rx_ago, tx_ago;

		s->silence_at[i] = 0;
		if (!key || bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (v.rx_ns < s->heard_from)
			v.rx_ns = s->heard_from;
		rx_ago = ago(cnow, v.rx_ns);
		tx_ago = ago(cnow, v.tx_ns);
		s->quiet_ns[i] = rx_ago == UINT64_MAX ? 0 : rx_ago;
		/* Heard since it was suspected: no longer silent. */
		if (p->suspect && rx_ago < s->suspect_rx_ago[i]) {
			steer_heard(p);
			s->burst_left[i] = 0;
		}
		if (steer_suspect(p, tx_ago, rx_ago, limit)) {
			log_info("path %s (%s): sent %llu ms ago, heard nothing "
				 "for %llu ms (limit %llu ms): probing it now",
				 s->st->paths[i].name, s->st->paths[i].device,
				 (unsigned long long)(tx_ago / 1000000),
				 (unsigned long long)(rx_ago / 1000000),
				 (unsigned long long)(limit / 1000000));
			s->burst_left[i] = STEER_BURST;
			s->burst_next[i] = now;
			s->suspect_rx_ago[i] = rx_ago;
			continue;
		}
		/* Wake when the limit runs out, if it can. */
		if (limit && p->state == WF_PATH_UP && !p->suspect &&
		    tx_ago < rx_ago && rx_ago <= limit)
			s->silence_at[i] = now + (limit - rx_ago) + 1000000ULL;
	}
}

/* Send the burst rounds that are due. */
void burst_send(struct steering *s, uint64_t now)
{
	struct round_result lost;

	for (int i = 0; i < s->st->n_paths; i++) {
		struct prober *pr = &s->probes[i];
		const struct steer_path *p = &s->paths[i];

		if (!s->burst_left[i] || now < s->burst_next[i])
			continue;
		if (!p->suspect || (pr->fd4 < 0 && pr->fd6 < 0)) {
			s->burst_left[i] = 0; /* answered meanwhile, or gone */
			continue;
		}
		s->burst_left[i]--;
		s->burst_next[i] = now + steer_burst_gap(p, &s->st->probe);
		if (prober_send_burst(pr, now,
				      steer_burst_timeout(p, &s->st->probe),
				      &lost))
			feed(s, i, &lost, 1, now);
	}
}

/* The earliest silence limit or burst round to come, or UINT64_MAX. */
uint64_t silence_next_ns(const struct steering *s)
{
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < s->st->n_paths; i++) {
		if (s->silence_at[i] && s->silence_at[i] < next)
			next = s->silence_at[i];
		if (s->burst_left[i] && s->burst_next[i] < next)
			next = s->burst_next[i];
	}
	return next;
}

void publish_flowlet(struct steering *s, int r)
{
	__u64 gap = steer_flowlet_gap(&s->routes[r], &s->st->routes[r], s->st,
				      s->paths);
	__u32 key = (__u32)r;
	char name[64];

	if (s->flowlet_made[r] && gap == s->flowlet_gap[r])
		return;
	if (bpf_map__update_elem(s->skel->maps.wf_flowlet, &key, sizeof(key),
				 &gap, sizeof(gap), BPF_ANY)) {
		log_warn("cannot write the flowlet gap of route %d", r);
		return;
	}
	/* Changes of a millisecond or so are noise: only log on/off. */
	if (!s->flowlet_made[r] || !gap != !s->flowlet_gap[r])
		log_debug("route %s: flowlet gap %s%.1f ms",
			  route_str(&s->st->routes[r], name, sizeof(name)),
			  gap ? "" : "off, ", gap / 1e6);
	s->flowlet_gap[r] = gap;
	s->flowlet_made[r] = true;
}
