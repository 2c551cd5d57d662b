/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * rounds.h - the bookkeeping of probe rounds in flight, as pure functions
 * of (state, now): no sockets, so tests/unit drives it on a made-up clock.
 * daemon/prober.c does the I/O around it.
 *
 * A round is opened every probe interval and stays open until its first
 * answer or its deadline (sent + timeout). Rounds live in a ring indexed
 * by sequence number; the ring is sized from timeout / interval so that a
 * round is never reused while it can still be open (a fixed 32-slot ring
 * let a 1 s timeout at a 20 ms interval overwrite every round before its
 * deadline: nothing ever expired and a dead path stayed up). Should a round
 * still be open when its slot comes round again all the same, it is
 * reported lost, never dropped silently.
 *
 * An answer closes a round only if it carries the round's sequence number
 * and its nonce, a random token drawn for that round alone: an echo reply
 * made up by someone who did not see the request does not count.
 */
#ifndef WF_ROUNDS_H
#define WF_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>

/* Largest ring: twice 10 s / 10 ms (the config's bounds), rounded up. */
#define ROUNDS_MAX 4096

enum { ROUND_FREE, ROUND_OPEN, ROUND_EXPIRED };

struct probe_round {
	uint64_t nonce;
	uint64_t sent_ns, deadline_ns;
	uint16_t seq;
	uint8_t state; /* ROUND_* */
	bool burst;    /* sent by a silence burst (steer_suspect) */
};

struct probe_rounds {
	uint32_t size; /* slots, a power of two <= ROUNDS_MAX */
	uint16_t next_seq;
	uint16_t oldest; /* no round older than this is open */
	struct probe_round *slot;
};

/* Outcome of one round, for steer_round() / steer_late(). */
struct round_result {
	bool answered;
	bool late;  /* the answer to a round already declared lost */
	bool burst; /* the round was one of a silence burst */
	uint64_t rtt_ns;
};

/*
 * Slots for rounds every interval_ns that stay open up to max_timeout_ns:
 * every round that can be open, plus as many again so that an expired
 * round is still known when its late answer comes.
 */
uint32_t rounds_size(uint64_t interval_ns, uint64_t max_timeout_ns);

/* 0, or -1 (ENOMEM). size: rounds_size(), a power of two. */
int rounds_init(struct probe_rounds *w, uint32_t size, uint16_t first_seq);
void rounds_free(struct probe_rounds *w);

/* Forget every round (the socket was closed). */
void rounds_reset(struct probe_rounds *w);

/*
 * Open the next round, to be answered by now + timeout_ns with nonce.
 * Returns its sequence number. If its slot still held an open round, that
 * round is lost: *lost is filled and true returned in *overwritten.
 */
uint16_t rounds_open(struct probe_rounds *w, uint64_t now, uint64_t timeout_ns,
		     uint64_t nonce, bool *overwritten,
		     struct round_result *lost);

/* Mark round seq (just opened) as one of a silence burst. */
void rounds_mark_burst(struct probe_rounds *w, uint16_t seq);

/*
 * An answer (seq, nonce) that arrived at arrived, read at now. Returns 1
 * with *out filled if it closes a round (in time, or late), 0 if it is no
 * answer to an open or expired round (a second target's answer, a
 * duplicate, a forgery).
 */
int rounds_answer(struct probe_rounds *w, uint16_t seq, uint64_t nonce,
		  uint64_t arrived, uint64_t now, struct round_result *out);

/*
 * When a datagram the kernel stamped at rx_real (CLOCK_REALTIME, as
 * SO_TIMESTAMPNS gives it; 0: none) arrived, on the rounds' monotonic clock,
 * from both clocks read together now. Without a usable stamp: mono_now.
 */
uint64_t rounds_arrival(uint64_t mono_now, uint64_t real_now, uint64_t rx_real);

/* Rounds whose deadline passed: lost. Returns how many (in out, <= max). */
int rounds_expire(struct probe_rounds *w, uint64_t now,
		  struct round_result *out, int max);

/* The earliest deadline of an open round, or UINT64_MAX. */
uint64_t rounds_next_deadline(const struct probe_rounds *w);

#endif /* WF_ROUNDS_H */
