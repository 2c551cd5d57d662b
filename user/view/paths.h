/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * paths.h - `wirefisher paths` and `wirefisher switch`: read (and for
 * switch, request a change of) a running daemon's steering through its
 * pinned maps. The daemon stays the only writer of wf_routes: switch writes
 * a request into wf_route_ctl and waits for the daemon to apply it.
 */
#ifndef WF_PATHS_H
#define WF_PATHS_H

#include <stdbool.h>
#include <stdint.h>

struct paths_opts {
	const char *pin_dir;
	bool json;
	uint64_t watch_ns;	/* 0: print once */
};

int paths_main(const struct paths_opts *o);

/* via: a path's name or device; NULL to hand the route back (--auto). */
int switch_main(const char *pin_dir, const char *prefix, const char *via);

#include <stddef.h>
#include <stdio.h>

enum { SWITCH_OK, SWITCH_BAD, SWITCH_NOT_FOUND, SWITCH_TIMEOUT,
       SWITCH_NO_DAEMON };

/*
 * What switch_main does, quietly: one SWITCH_* and a sentence in why (what
 * was done, or what is wrong). Waits up to 2 s for the daemon's loop, so
 * never call it from that loop.
 */
int paths_switch(const char *pin_dir, const char *prefix, const char *via,
		 char *why, size_t n_why);

/* `paths --json` to out; 1 (logged) if no daemon is pinned there. */
int paths_write_json(const char *pin_dir, FILE *out);

/* The steering metrics, Prometheus text, to out. */
int paths_write_metrics(const char *pin_dir, FILE *out);

#endif /* WF_PATHS_H */
