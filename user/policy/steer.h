/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * steer.h - path health and route choice, as pure functions of probe
 * results and time (no sockets, no maps: tests/unit drives them).
 *
 * A path is probed in rounds, one every probe.interval: a round sends one
 * echo to each of the path's targets and is answered if any target answers
 * before the round's timeout. From the rounds:
 *   - RTT and jitter are EWMAs (jitter of |rtt - previous rtt|, RFC 3550);
 *   - loss is the share of lost rounds among the last probe.window;
 *   - the path goes down after down_after lost rounds in a row, up after
 *     up_after answered rounds in a row (its first answer at start-up);
 *   - score = w_rtt min(rtt/100ms, 10) + w_loss loss + w_jitter
 *     min(jitter/10ms, 5): lower is better; usable = up and fewer than
 *     unusable_loss x window of the last window rounds lost (a window not
 *     yet full counts its missing rounds as answered).
 * A route's active path: the best-scored usable path of the best (lowest)
 * priority that has a usable path. It moves at once when the active path
 * stops being usable. It leaves a usable active path only for a reason
 * that has lasted the hold time: a usable path of better priority, or one
 * of the same priority whose score is better by the switch factor (and by
 * at least STEER_MIN_GAIN). So a path that keeps flapping never wins back
 * its routes, and scores that differ by noise never move them.
 */
#ifndef WF_STEER_H
#define WF_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define STEER_WINDOW_MAX 1000
/* Score differences below this (0.5 ms of RTT) are noise, never a reason. */
#define STEER_MIN_GAIN 0.005

struct steer_path {
	int state; /* WF_PATH_* */
	bool have_rtt;
	double rtt_ns, jitter_ns, last_rtt_ns;
	uint8_t hist[STEER_WINDOW_MAX]; /* 1 = lost, ring of rounds */
	uint32_t hist_n, hist_pos, hist_lost;
	uint32_t lost_run, good_run;
	uint64_t rounds, lost;
	uint64_t changed_ns; /* when state last changed (monotonic) */
	bool stale;	     /* WireGuard handshake too old: not usable */
	/* Silence (steer_suspect): a burst of probes is out; all lost: down */
	bool suspect;
	uint32_t burst_lost;
	uint64_t suspected, silence_downs; /* how often, for readers */
};

struct steer_route {
	int active;    /* index into the route's paths, -1: none */
	int pinned;    /* index pinned by hand, -1: the prober decides */
	int candidate; /* equal-priority path seen better ... */
	uint64_t better_since; /* ... since then (0: none) */
	uint64_t changed_ns;
};

void steer_path_init(struct steer_path *p, uint64_t now);

/*
 * Feed one round's outcome. Returns true if the path's state changed
 * (the caller logs it and runs the hook).
 */
bool steer_round(struct steer_path *p, const struct wf_cfg_probe *pc,
		 bool answered, uint64_t rtt_ns, uint64_t now);

/*
 * A round declared lost was answered after all: the RTT grew past the
 * timeout. Take the sample, take the loss back and count it as an answer,
 * so that a slower path is re-timed instead of going down. Returns true if
 * the state changed.
 */
bool steer_late(struct steer_path *p, const struct wf_cfg_probe *pc,
		uint64_t rtt_ns, uint64_t now);

/* The device went away (or came back): state ABSENT (or DOWN, needing
 * up_after answers). Returns true if the state changed. */
bool steer_set_absent(struct steer_path *p, bool absent, uint64_t now);

double steer_loss(const struct steer_path *p);
double steer_score(const struct steer_path *p, const struct wf_cfg_probe *pc);
bool steer_usable(const struct steer_path *p, const struct wf_cfg_probe *pc);

/* The probe timeout for the next round: configured, or 2 RTT + 4 jitter. */
uint64_t steer_timeout(const struct steer_path *p,
		       const struct wf_cfg_probe *pc);

/* The longest steer_timeout() can be under pc: what rounds_size() needs. */
uint64_t steer_timeout_max(const struct wf_cfg_probe *pc);

/*
 * Failure noticed from traffic. A path that has sent since it last heard
 * anything, and has heard nothing for steer_silence_limit(), is suspected:
 * the caller sends STEER_BURST probe rounds at once (steer_burst_gap()
 * apart, each lost after steer_burst_timeout()) and feeds their outcomes to
 * steer_burst(); if every one is lost the path is down then, not after
 * down_after rounds of the normal cadence. Any answer clears it.
 *
 * The auto limit is interval + timeout: on a healthy path the answer to
 * the next probe round comes within that of the last packet heard, even
 * if no other traffic comes back (a one-way stream).
 */
#define STEER_BURST 3

/* The silence limit under pc, or 0 when silence detection is off. */
uint64_t steer_silence_limit(const struct steer_path *p,
			     const struct wf_cfg_probe *pc);

/*
 * The path sent at tx_ago ns ago and last heard rx_ago ns ago (UINT64_MAX:
 * never). Returns true if it becomes suspect now: up, not suspect already,
 * sent since it last heard, silent for longer than limit.
 */
bool steer_suspect(struct steer_path *p, uint64_t tx_ago, uint64_t rx_ago,
		   uint64_t limit);

/* The suspect path received something (not only a probe's answer): it is
 * not silent any more; the burst's outcome no longer matters. */
void steer_heard(struct steer_path *p);

/* The spacing of the burst's rounds: half the timeout, at least an
 * eighth of the interval (and 2 ms). */
uint64_t steer_burst_gap(const struct steer_path *p,
			 const struct wf_cfg_probe *pc);

/* How long a burst round waits for its answer: the timeout, at least half
 * an interval when the timeout is auto (a suspect path's queue is full). */
uint64_t steer_burst_timeout(const struct steer_path *p,
			     const struct wf_cfg_probe *pc);

/* One burst round's outcome (late: answered after its deadline). Returns
 * true if the state changed. */
bool steer_burst(struct steer_path *p, const struct wf_cfg_probe *pc,
		 bool answered, bool late, uint64_t rtt_ns, uint64_t now);

void steer_route_init(struct steer_route *r);

/*
 * Re-decide route r (config rc) given all paths' state. Returns true if
 * r->active changed.
 */
bool steer_decide(struct steer_route *r, const struct wf_cfg_route *rc,
		  const struct wf_cfg_steering *st,
		  const struct steer_path *paths, uint64_t now);

/* Which of the route's paths the datapath may give flows to now. */
bool steer_route_usable(const struct steer_route *r,
			const struct wf_cfg_route *rc,
			const struct wf_cfg_steering *st,
			const struct steer_path *paths, int idx);

/*
 * The flowlet gap of spread route rc now, in ns (0: off): configured, or
 * auto: the spread of its usable paths' RTTs, plus 4 x their largest
 * jitter, plus STEER_FLOWLET_MARGIN (two ticks of the datapath's clock and
 * some). A flow idle that long has nothing left in flight on its path that
 * a packet on another could overtake. Off with fewer than two usable paths.
 */
#define STEER_FLOWLET_MARGIN 10000000ULL /* 10 ms */
#define STEER_FLOWLET_MAX    1000000000ULL
uint64_t steer_flowlet_gap(const struct steer_route *r,
			   const struct wf_cfg_route *rc,
			   const struct wf_cfg_steering *st,
			   const struct steer_path *paths);

const char *steer_state_name(int state);

#endif /* WF_STEER_H */
