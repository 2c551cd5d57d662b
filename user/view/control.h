/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * control.h - asking a running daemon to change, through its pins: move a
 * steering route (`switch`, POST /paths/switch), reload the config
 * (`reload`). The daemon stays the only writer of what it runs: switch
 * writes a request into wf_route_ctl and waits for the daemon to apply it;
 * reload signals it and waits for wf_info to say how it went.
 *
 * Both are quiet: a CONTROL_* and a sentence in why (what was done, or what
 * is wrong); the caller says it. Both wait, so never call them from the
 * daemon's own loop.
 */
#ifndef WF_CONTROL_H
#define WF_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

enum control_rc {
	CONTROL_OK,
	CONTROL_BAD,	   /* the request makes no sense */
	CONTROL_NOT_FOUND, /* no such route, or not a path of it */
	CONTROL_FAILED,	   /* the daemon refused or did not answer */
	CONTROL_NO_DAEMON, /* nothing pinned there (already logged) */
};

/* How long a switch waits for the daemon's loop to apply it. */
#define CONTROL_SWITCH_WAIT_MS 2000

/*
 * Pin the steering route holding `prefix` (an address or a prefix) to the
 * path `via` (a path's name or device), or with via NULL hand it back to
 * the prober. Waits up to CONTROL_SWITCH_WAIT_MS for the daemon's loop to
 * apply it.
 */
enum control_rc control_switch(const char *pin_dir, const char *prefix,
			       const char *via, char *why, size_t n_why);

/* A switch request written and not yet seen applied. */
struct control_pending {
	int routes_fd; /* wf_routes, to watch; -1: none */
	unsigned route;
	int path;	/* -1: back to the prober */
	char done[128]; /* what to say once applied */
};

/*
 * control_switch() without the wait, for a caller that must not block (the
 * HTTP endpoint's thread): check and write the request. CONTROL_OK with p
 * to poll with control_switch_applied() and close; else why says.
 */
enum control_rc control_switch_send(const char *pin_dir, const char *prefix,
				    const char *via, struct control_pending *p,
				    char *why, size_t n_why);
bool control_switch_applied(const struct control_pending *p);
void control_pending_close(struct control_pending *p);

/*
 * Send SIGHUP to the daemon pinned in pin_dir and wait (at most timeout_ms)
 * until it has tried its config: CONTROL_OK if it runs the new one.
 */
enum control_rc control_reload(const char *pin_dir, long timeout_ms, char *why,
			       size_t n_why);

#endif /* WF_CONTROL_H */
