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

#include <stddef.h>

enum control_rc {
	CONTROL_OK,
	CONTROL_BAD,		/* the request makes no sense */
	CONTROL_NOT_FOUND,	/* no such route, or not a path of it */
	CONTROL_FAILED,		/* the daemon refused or did not answer */
	CONTROL_NO_DAEMON,	/* nothing pinned there (already logged) */
};

/*
 * Pin the steering route holding `prefix` (an address or a prefix) to the
 * path `via` (a path's name or device), or with via NULL hand it back to
 * the prober. Waits up to 2 s for the daemon's loop to apply it.
 */
enum control_rc control_switch(const char *pin_dir, const char *prefix,
			       const char *via, char *why, size_t n_why);

/*
 * Send SIGHUP to the daemon pinned in pin_dir and wait (at most 30 s) until
 * it has tried its config: CONTROL_OK if it runs the new one.
 */
enum control_rc control_reload(const char *pin_dir, char *why, size_t n_why);

#endif /* WF_CONTROL_H */
