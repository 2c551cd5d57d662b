/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * prober.h - ICMP echo rounds through one path device.
 *
 * Each path has a raw ICMP (and ICMPv6) socket bound to its device with
 * SO_BINDTODEVICE, so a probe leaves by that device whatever the routes
 * say, and marked with SO_MARK so that the steering programs leave it
 * there. A round sends one echo to every target; the first answer
 * completes it, its deadline passing unanswered loses it. An answer that
 * comes after the deadline is reported as late: the path is slower than
 * the timeout thought, not dead (see steer_late()).
 */
#ifndef WF_PROBER_H
#define WF_PROBER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define PROBER_ROUNDS 32	/* rounds in flight: timeout / interval */

struct prober_round {
	uint16_t seq;
	bool open;
	bool expired;	/* declared lost; an answer now is a late one */
	uint64_t sent_ns, deadline_ns;
};

struct prober {
	int fd4, fd6;		/* -1 when the path has no such target */
	uint16_t id;		/* ICMP identifier of this path's echoes */
	uint16_t next_seq;
	struct prober_round rounds[PROBER_ROUNDS];
};

/* Outcome of one round, for steer_round(). */
struct prober_result {
	bool answered;
	bool late;	/* the answer to a round already declared lost */
	uint64_t rtt_ns;
};

void prober_init(struct prober *p, uint16_t id);

/* Open the sockets on `device`. -1 with errno on failure (logged by caller). */
int prober_open(struct prober *p, const struct wf_cfg_path *cp,
		const char *device, uint32_t mark);
void prober_close(struct prober *p);

/* Send a round to every target; it is lost if unanswered by now + timeout. */
void prober_send(struct prober *p, const struct wf_cfg_path *cp, uint64_t now,
		 uint64_t timeout_ns);

/* Read what fd holds; fill up to max results. Returns how many. */
int prober_read(struct prober *p, int fd, uint64_t now,
		struct prober_result *out, int max);

/* Rounds whose deadline passed: lost. Returns how many (in out). */
int prober_expire(struct prober *p, uint64_t now, struct prober_result *out,
		  int max);

/* The earliest open deadline, or UINT64_MAX. */
uint64_t prober_next_deadline(const struct prober *p);

#endif /* WF_PROBER_H */
