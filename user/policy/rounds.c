// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* rounds.c - see rounds.h. */
#include "rounds.h"

#include <stdlib.h>

uint32_t rounds_size(uint64_t interval_ns, uint64_t max_timeout_ns)
{
	uint64_t open, want;
	uint32_t size = 2;

	if (!interval_ns)
		return ROUNDS_MAX;
	/*
	 * Open at once: timeout / interval, one more for the round sent at
	 * the deadline's instant, and one for the cadence, which may send a
	 * round early by up to one interval after a late wake-up.
	 */
	open = (max_timeout_ns + interval_ns - 1) / interval_ns + 2;
	want = 2 * open;
	while (size < want && size < ROUNDS_MAX)
		size *= 2;
	return size;
}

int rounds_init(struct probe_rounds *w, uint32_t size, uint16_t first_seq)
{
	w->slot = calloc(size, sizeof(*w->slot));
	if (!w->slot)
		return -1;
	w->size = size;
	w->next_seq = first_seq;
	w->oldest = first_seq;
	return 0;
}

void rounds_free(struct probe_rounds *w)
{
	free(w->slot);
	w->slot = NULL;
	w->size = 0;
}

void rounds_reset(struct probe_rounds *w)
{
	for (uint32_t i = 0; i < w->size; i++)
		w->slot[i].state = ROUND_FREE;
	w->oldest = w->next_seq;
}

static struct probe_round *slot_of(const struct probe_rounds *w, uint16_t seq)
{
	/* size divides 65536: the ring and the u16 sequence wrap together. */
	return &w->slot[seq & (w->size - 1)];
}

uint16_t rounds_open(struct probe_rounds *w, uint64_t now, uint64_t timeout_ns,
		     uint64_t nonce, bool *overwritten,
		     struct round_result *lost)
{
	uint16_t seq = w->next_seq++;
	struct probe_round *r = slot_of(w, seq);

	*overwritten = r->state == ROUND_OPEN;
	if (*overwritten) {
		lost->answered = false;
		lost->late = false;
		lost->burst = r->burst;
		lost->rtt_ns = 0;
	}
	/* The ring holds the last `size` rounds: older ones are gone. */
	if ((uint16_t)(seq - w->oldest) >= w->size)
		w->oldest = (uint16_t)(seq - w->size + 1);
	r->seq = seq;
	r->nonce = nonce;
	r->state = ROUND_OPEN;
	r->burst = false;
	r->sent_ns = now;
	r->deadline_ns = now + timeout_ns;
	return seq;
}

void rounds_mark_burst(struct probe_rounds *w, uint16_t seq)
{
	struct probe_round *r = slot_of(w, seq);

	if (r->seq == seq && r->state == ROUND_OPEN)
		r->burst = true;
}

int rounds_answer(struct probe_rounds *w, uint16_t seq, uint64_t nonce,
		  uint64_t arrived, uint64_t now, struct round_result *out)
{
	struct probe_round *r = slot_of(w, seq);

	if (r->state == ROUND_FREE || r->seq != seq || r->nonce != nonce)
		return 0;
	out->answered = true;
	out->late = r->state == ROUND_EXPIRED;
	out->burst = r->burst;
	/*
	 * Arrived before it was sent: the wall clock stepped forward between
	 * the arrival and the read (rounds_arrival); the read's time then.
	 * A clock read before the send (the caller's `now`) is no RTT < 0.
	 */
	if (arrived < r->sent_ns)
		arrived = now;
	out->rtt_ns = arrived > r->sent_ns ? arrived - r->sent_ns : 0;
	r->state = ROUND_FREE;
	return 1;
}

/*
 * The stamp says how long ago the answer arrived; the monotonic clock is
 * what rounds are timed on (the wall clock steps). A stamp in the future
 * or older than any stall worth correcting is a clock step between the
 * arrival and the read: the read's time is then the best there is.
 */
#define ARRIVAL_MAX_AGE_NS (60ULL * 1000000000ULL)

uint64_t rounds_arrival(uint64_t mono_now, uint64_t real_now, uint64_t rx_real)
{
	uint64_t age;

	if (!rx_real || rx_real > real_now)
		return mono_now;
	age = real_now - rx_real;
	if (age > ARRIVAL_MAX_AGE_NS || age > mono_now)
		return mono_now;
	return mono_now - age;
}

/* Move oldest past rounds that are no longer open. */
static void advance_oldest(struct probe_rounds *w)
{
	while (w->oldest != w->next_seq &&
	       (slot_of(w, w->oldest)->state != ROUND_OPEN ||
		slot_of(w, w->oldest)->seq != w->oldest))
		w->oldest++;
}

int rounds_expire(struct probe_rounds *w, uint64_t now,
		  struct round_result *out, int max)
{
	int got = 0;

	advance_oldest(w);
	/* Deadlines need not grow with seq (timeout: auto): scan them all. */
	for (uint16_t s = w->oldest; s != w->next_seq && got < max; s++) {
		struct probe_round *r = slot_of(w, s);

		if (r->state != ROUND_OPEN || r->seq != s ||
		    r->deadline_ns > now)
			continue;
		r->state = ROUND_EXPIRED;
		out[got].answered = false;
		out[got].late = false;
		out[got].burst = r->burst;
		out[got].rtt_ns = 0;
		got++;
	}
	return got;
}

uint64_t rounds_next_deadline(const struct probe_rounds *w)
{
	uint64_t t = UINT64_MAX;

	for (uint16_t s = w->oldest; s != w->next_seq; s++) {
		const struct probe_round *r = slot_of(w, s);

		if (r->state == ROUND_OPEN && r->seq == s && r->deadline_ns < t)
			t = r->deadline_ns;
	}
	return t;
}
