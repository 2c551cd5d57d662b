/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * prober.h - ICMP echo rounds through one path device: the socket I/O
 * around the round bookkeeping of policy/rounds.h.
 *
 * Each path has a raw ICMP (and ICMPv6) socket bound to its device with
 * SO_BINDTODEVICE, so a probe leaves by that device whatever the routes
 * say, and marked with SO_MARK so that the steering programs leave it
 * there. A round sends one echo to every target; the first answer
 * completes it, its deadline passing unanswered loses it. An answer that
 * comes after the deadline is reported as late: the path is slower than
 * the timeout thought, not dead (see steer_late()).
 *
 * Raw sockets see every echo reply on the device, so an answer counts only
 * if it comes from one of the path's targets and carries this prober's
 * random identifier, the round's sequence number and the round's random
 * nonce. A socket is read at most PROBER_READS times per wake-up: a flood
 * of echo replies costs the main loop that much and no more.
 */
#ifndef WF_PROBER_H
#define WF_PROBER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "rounds.h"

#define PROBER_READS 64 /* datagrams per socket per wake-up */

struct prober {
	int fd4, fd6; /* -1 when the path has no such target */
	uint16_t id;  /* ICMP identifier, random per prober */
	int n_targets;
	struct wf_prefix targets[WF_CFG_MAX_TARGETS];
	struct probe_rounds rounds;
};

/* A prober with room for `rounds` rounds in flight (rounds_size()). No
 * socket yet. -1 (ENOMEM) on failure. */
int prober_init(struct prober *p, uint32_t rounds);
void prober_free(struct prober *p);

/* Open the sockets on `device`. -1 with errno on failure (logged by caller). */
int prober_open(struct prober *p, const struct wf_cfg_path *cp,
		const char *device, uint32_t mark);
/* Close the sockets; rounds in flight are forgotten. */
void prober_close(struct prober *p);

/*
 * Send a round to every target; it is lost if unanswered by now + timeout.
 * Returns 1 with *lost filled if this overwrote a round still open (that
 * round is lost), else 0.
 */
int prober_send(struct prober *p, uint64_t now, uint64_t timeout_ns,
		struct round_result *lost);

/* The same for one round of a silence burst (its results say burst). */
int prober_send_burst(struct prober *p, uint64_t now, uint64_t timeout_ns,
		      struct round_result *lost);

/* Read (at most PROBER_READS datagrams of) what fd holds; fill up to max
 * results, each answer timed by its arrival. Returns how many. */
int prober_read(struct prober *p, int fd, struct round_result *out, int max);

/* Rounds whose deadline passed: lost. Returns how many (in out). */
int prober_expire(struct prober *p, uint64_t now, struct round_result *out,
		  int max);

/* The earliest open deadline, or UINT64_MAX. */
uint64_t prober_next_deadline(const struct prober *p);

#endif /* WF_PROBER_H */
