// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* steer.c - see steer.h. */
#include "steer.h"

#include <math.h>
#include <string.h>

#include "../../bpf/wf_shared.h"

#define AUTO_TIMEOUT_MIN_NS 25000000.0	 /* 25 ms */
#define AUTO_TIMEOUT_MAX_NS 1000000000.0 /* 1 s */

const char *steer_state_name(int state)
{
	switch (state) {
	case WF_PATH_UP:
		return "up";
	case WF_PATH_DOWN:
		return "down";
	case WF_PATH_ABSENT:
		return "absent";
	default:
		return "probing";
	}
}

void steer_path_init(struct steer_path *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->state = WF_PATH_PROBING;
	p->changed_ns = now;
}

static bool set_state(struct steer_path *p, int state, uint64_t now)
{
	if (p->state == state)
		return false;
	p->state = state;
	p->changed_ns = now;
	return true;
}

static uint32_t window_size(const struct wf_cfg_probe *pc)
{
	return pc->window < STEER_WINDOW_MAX ? pc->window : STEER_WINDOW_MAX;
}

static void window_push(struct steer_path *p, const struct wf_cfg_probe *pc,
			bool lost)
{
	uint32_t w = window_size(pc);

	if (p->hist_pos >= w)
		p->hist_pos = 0;
	if (p->hist_n == w)
		p->hist_lost -= p->hist[p->hist_pos];
	else
		p->hist_n++;
	p->hist[p->hist_pos] = lost;
	p->hist_lost += lost;
	p->hist_pos = (p->hist_pos + 1) % w;
}

static void rtt_sample(struct steer_path *p, const struct wf_cfg_probe *pc,
		       double rtt)
{
	if (!p->have_rtt) {
		p->rtt_ns = rtt;
		p->jitter_ns = 0;
		p->have_rtt = true;
	} else {
		p->jitter_ns += pc->jitter_gain *
				(fabs(rtt - p->last_rtt_ns) - p->jitter_ns);
		p->rtt_ns += pc->rtt_gain * (rtt - p->rtt_ns);
	}
	p->last_rtt_ns = rtt;
}

static bool round_answered(struct steer_path *p, const struct wf_cfg_probe *pc,
			   uint64_t rtt_ns, uint64_t now)
{
	p->good_run++;
	p->lost_run = 0;
	p->suspect = false; /* heard: whatever burst is out is moot */
	rtt_sample(p, pc, (double)rtt_ns);
	/* At start-up nothing has failed yet: the first answer will do. */
	if (p->state == WF_PATH_PROBING ||
	    (p->state == WF_PATH_DOWN && p->good_run >= pc->up_after))
		return set_state(p, WF_PATH_UP, now);
	return false;
}

bool steer_round(struct steer_path *p, const struct wf_cfg_probe *pc,
		 bool answered, uint64_t rtt_ns, uint64_t now)
{
	p->rounds++;
	window_push(p, pc, !answered);
	if (!answered) {
		p->lost++;
		p->lost_run++;
		p->good_run = 0;
		if (p->state == WF_PATH_ABSENT)
			return false;
		if (p->lost_run >= pc->down_after)
			return set_state(p, WF_PATH_DOWN, now);
		return false;
	}
	return round_answered(p, pc, rtt_ns, now);
}

/* Flip the newest lost round in the window to answered. */
static void window_unlose(struct steer_path *p, const struct wf_cfg_probe *pc)
{
	uint32_t w = window_size(pc);
	uint32_t pos = p->hist_pos;

	for (uint32_t i = 0; i < p->hist_n; i++) {
		pos = (pos + w - 1) % w;
		if (p->hist[pos]) {
			p->hist[pos] = 0;
			p->hist_lost--;
			return;
		}
	}
}

/*
 * A late answer says the path delivers; how long it took is believed only
 * in part. After an outage heals, wireguard-go sends the packets it held
 * during it, and their answers come back late by the outage's length (~800
 * ms seen): taken as RTT samples, one of them held the auto timeout at its
 * 1 s cap for ~10 s, so a second failure then was noticed late. So: no
 * sample while the path is down or suspect (the answer is a leftover of the
 * outage, as Karn's rule ignores retransmitted segments), and otherwise at
 * most 4 x the timeout, which still doubles the timeout with each late
 * answer of a path that really became slower.
 */
#define LATE_SAMPLE_MAX 4.0

static bool late_answered(struct steer_path *p, const struct wf_cfg_probe *pc,
			  uint64_t rtt_ns, uint64_t now)
{
	double rtt = (double)rtt_ns;

	p->good_run++;
	p->lost_run = 0;
	if (p->state != WF_PATH_DOWN && !p->suspect)
		rtt_sample(p, pc,
			   fmin(rtt, LATE_SAMPLE_MAX *
					     (double)steer_timeout(p, pc)));
	if (p->state == WF_PATH_PROBING ||
	    (p->state == WF_PATH_DOWN && p->good_run >= pc->up_after))
		return set_state(p, WF_PATH_UP, now);
	return false;
}

bool steer_late(struct steer_path *p, const struct wf_cfg_probe *pc,
		uint64_t rtt_ns, uint64_t now)
{
	window_unlose(p, pc);
	if (p->lost)
		p->lost--;
	return late_answered(p, pc, rtt_ns, now);
}

uint64_t steer_silence_limit(const struct steer_path *p,
			     const struct wf_cfg_probe *pc)
{
	if (pc->silence_ns == WF_CFG_OFF)
		return 0;
	if (pc->silence_ns != WF_CFG_AUTO)
		return pc->silence_ns;
	return pc->interval_ns + steer_timeout(p, pc);
}

bool steer_suspect(struct steer_path *p, uint64_t tx_ago, uint64_t rx_ago,
		   uint64_t limit)
{
	if (!limit || p->state != WF_PATH_UP || p->suspect)
		return false;
	/* Sent nothing since it last heard: an idle path, the rounds judge. */
	if (tx_ago >= rx_ago || rx_ago <= limit)
		return false;
	p->suspect = true;
	p->burst_lost = 0;
	p->suspected++;
	return true;
}

void steer_heard(struct steer_path *p)
{
	p->suspect = false;
}

uint64_t steer_burst_gap(const struct steer_path *p,
			 const struct wf_cfg_probe *pc)
{
	uint64_t gap = steer_timeout(p, pc) / 2, floor = pc->interval_ns / 8;

	/* Spread over an eighth of the interval at least: a stall of a few
	 * tens of ms (a busy host) must not lose all three. */
	if (floor < 2000000ULL)
		floor = 2000000ULL;
	return gap < floor ? floor : gap;
}

uint64_t steer_burst_timeout(const struct steer_path *p,
			     const struct wf_cfg_probe *pc)
{
	uint64_t t = steer_timeout(p, pc), cap = steer_timeout_max(pc);

	/* A timeout set in the config is the user's: as it is. */
	if (pc->timeout_ns)
		return t;
	/* The auto timeout was learned while the path was idle (25 ms on a
	 * 1 ms link); the burst goes out behind the queue of the very traffic
	 * that made the path suspect, and a full 8 Mbit/s link holds 100 ms
	 * of it. Half an interval at least: with the gaps, 150 ms of queue
	 * at the defaults, and the silence still noticed within
	 * limit + 2 gaps + interval / 2 (375 ms), under 2 x interval. */
	if (t < pc->interval_ns / 2)
		t = pc->interval_ns / 2;
	return t < cap ? t : cap;
}

bool steer_burst(struct steer_path *p, const struct wf_cfg_probe *pc,
		 bool answered, bool late, uint64_t rtt_ns, uint64_t now)
{
	bool changed;

	if (late) {
		/* Late, yet the path delivers: no longer suspect (after the
		 * RTT is skipped as a suspect path's). */
		changed = late_answered(p, pc, rtt_ns, now);
		p->suspect = false;
		return changed;
	}
	if (answered) {
		p->suspect = false;
		rtt_sample(p, pc, (double)rtt_ns);
		return false;
	}
	if (!p->suspect || ++p->burst_lost < STEER_BURST)
		return false;
	p->suspect = false;
	if (p->state != WF_PATH_UP)
		return false;
	p->silence_downs++;
	p->good_run = 0;
	if (p->lost_run < pc->down_after)
		p->lost_run = pc->down_after;
	return set_state(p, WF_PATH_DOWN, now);
}

bool steer_set_absent(struct steer_path *p, bool absent, uint64_t now)
{
	p->suspect = false;
	if (absent)
		return set_state(p, WF_PATH_ABSENT, now);
	if (p->state != WF_PATH_ABSENT)
		return false;
	p->good_run = 0;
	p->lost_run = 0;
	return set_state(p, WF_PATH_DOWN, now);
}

double steer_loss(const struct steer_path *p)
{
	return p->hist_n ? (double)p->hist_lost / p->hist_n : 0;
}

double steer_score(const struct steer_path *p, const struct wf_cfg_probe *pc)
{
	double rtt, jit;

	if (!p->have_rtt)
		return INFINITY;
	rtt = fmin(p->rtt_ns / (double)pc->rtt_ref_ns, pc->rtt_cap);
	jit = fmin(p->jitter_ns / (double)pc->jitter_ref_ns, pc->jitter_cap);
	return pc->w_rtt * rtt + pc->w_loss * steer_loss(p) +
	       pc->w_jitter * jit;
}

/*
 * Lossy: unusable_loss of a whole window lost, the rounds the window has not
 * seen yet counted as answered. Two rounds into a path's life one probe
 * stuck behind a filling queue is not 50 % loss, and judging it so moved
 * every busy flow off the path, to stay where it went (sticky). A dead path
 * is left by down_after lost rounds in a row, not by this.
 */
static bool steer_lossy(const struct steer_path *p,
			const struct wf_cfg_probe *pc)
{
	return p->hist_lost >= pc->unusable_loss * window_size(pc) - 1e-9;
}

bool steer_usable(const struct steer_path *p, const struct wf_cfg_probe *pc)
{
	return p->state == WF_PATH_UP && !p->stale && !steer_lossy(p, pc);
}

uint64_t steer_timeout(const struct steer_path *p,
		       const struct wf_cfg_probe *pc)
{
	double t;

	if (pc->timeout_ns)
		return pc->timeout_ns;
	if (!p->have_rtt)
		return (uint64_t)AUTO_TIMEOUT_MAX_NS;
	t = 2 * p->rtt_ns + 4 * p->jitter_ns;
	return (uint64_t)fmin(fmax(t, AUTO_TIMEOUT_MIN_NS),
			      AUTO_TIMEOUT_MAX_NS);
}

uint64_t steer_timeout_max(const struct wf_cfg_probe *pc)
{
	return pc->timeout_ns ? pc->timeout_ns : (uint64_t)AUTO_TIMEOUT_MAX_NS;
}

void steer_route_init(struct steer_route *r)
{
	memset(r, 0, sizeof(*r));
	r->active = -1;
	r->pinned = -1;
	r->candidate = -1;
}

/* The lowest priority among the route's usable paths, or UINT32_MAX. */
static uint32_t best_tier(const struct wf_cfg_route *rc,
			  const struct wf_cfg_steering *st,
			  const struct steer_path *paths)
{
	uint32_t tier = UINT32_MAX;

	for (int i = 0; i < rc->n_paths; i++) {
		int p = rc->paths[i];

		if (steer_usable(&paths[p], &st->probe) &&
		    st->paths[p].priority < tier)
			tier = st->paths[p].priority;
	}
	return tier;
}

/* Best-scored usable path of the tier; ties go to config order. */
static int best_in_tier(const struct wf_cfg_route *rc,
			const struct wf_cfg_steering *st,
			const struct steer_path *paths, uint32_t tier)
{
	double best_score = INFINITY;
	int best = -1;

	for (int i = 0; i < rc->n_paths; i++) {
		int p = rc->paths[i];
		double s;

		if (st->paths[p].priority != tier ||
		    !steer_usable(&paths[p], &st->probe))
			continue;
		s = steer_score(&paths[p], &st->probe);
		if (best < 0 || s < best_score) {
			best = i;
			best_score = s;
		}
	}
	return best;
}

static bool move_to(struct steer_route *r, int idx, uint64_t now)
{
	r->candidate = -1;
	r->better_since = 0;
	if (r->active == idx)
		return false;
	r->active = idx;
	r->changed_ns = now;
	return true;
}

/* Is path idx (same tier as the usable active path cur, or better) a
 * reason to move: a better priority, or a score better by the factor? */
static bool worth_moving(const struct wf_cfg_route *rc,
			 const struct wf_cfg_steering *st,
			 const struct steer_path *paths, int cur, int idx)
{
	const struct wf_cfg_probe *pc = &st->probe;
	int a = rc->paths[cur], b = rc->paths[idx];
	double s_cur, s_new;

	if (idx == cur)
		return false;
	if (st->paths[b].priority < st->paths[a].priority)
		return true;
	s_cur = steer_score(&paths[a], pc);
	s_new = steer_score(&paths[b], pc);
	return s_cur >= s_new * pc->factor && s_cur - s_new >= STEER_MIN_GAIN;
}

bool steer_decide(struct steer_route *r, const struct wf_cfg_route *rc,
		  const struct wf_cfg_steering *st,
		  const struct steer_path *paths, uint64_t now)
{
	uint32_t tier;
	int best, cur = r->active;

	if (r->pinned >= 0)
		return move_to(r, r->pinned, now);
	tier = best_tier(rc, st, paths);
	if (tier == UINT32_MAX) /* nothing usable: keep the last choice */
		return false;
	best = best_in_tier(rc, st, paths, tier);
	if (cur < 0 || !steer_usable(&paths[rc->paths[cur]], &st->probe))
		return move_to(r, best, now);
	/* Leaving a usable path: only for a reason that lasts the hold. */
	if (!worth_moving(rc, st, paths, cur, best)) {
		r->candidate = -1;
		r->better_since = 0;
		return false;
	}
	if (r->candidate != best) {
		r->candidate = best;
		r->better_since = now;
	}
	if (now - r->better_since < st->probe.hold_ns)
		return false;
	return move_to(r, best, now);
}

uint64_t steer_flowlet_gap(const struct steer_route *r,
			   const struct wf_cfg_route *rc,
			   const struct wf_cfg_steering *st,
			   const struct steer_path *paths)
{
	double lo = INFINITY, hi = 0, jit = 0, gap;
	int usable = 0;

	if (rc->mode != WF_STEER_SPREAD || rc->flowlet_ns == WF_CFG_OFF)
		return 0;
	if (rc->flowlet_ns != WF_CFG_AUTO)
		return rc->flowlet_ns;
	for (int j = 0; j < rc->n_paths; j++) {
		const struct steer_path *p = &paths[rc->paths[j]];

		if (!steer_route_usable(r, rc, st, paths, j) || !p->have_rtt)
			continue;
		usable++;
		lo = fmin(lo, p->rtt_ns);
		hi = fmax(hi, p->rtt_ns);
		jit = fmax(jit, p->jitter_ns);
	}
	if (usable < 2)
		return 0;
	gap = hi - lo + 4 * jit + (double)STEER_FLOWLET_MARGIN;
	return gap > (double)STEER_FLOWLET_MAX ? STEER_FLOWLET_MAX :
						 (uint64_t)gap;
}

bool steer_route_usable(const struct steer_route *r,
			const struct wf_cfg_route *rc,
			const struct wf_cfg_steering *st,
			const struct steer_path *paths, int idx)
{
	int p = rc->paths[idx];

	if (idx == r->pinned)
		return true; /* by hand: the user's call, even if down */
	if (!steer_usable(&paths[p], &st->probe))
		return false;
	/* Spread and aggregate fill the best tier; lower tiers wait as
	 * failover would. */
	if (rc->mode == WF_STEER_SPREAD || rc->mode == WF_STEER_AGGREGATE)
		return st->paths[p].priority == best_tier(rc, st, paths);
	return true;
}
