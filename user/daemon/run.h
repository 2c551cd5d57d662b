/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* run.h - the daemon (`wirefisher run`). */
#ifndef WF_RUN_H
#define WF_RUN_H

#include <stdbool.h>

#include "config.h"

struct run_opts {
	bool verbose; /* -v: the config's log level does not apply */
	bool persist; /* --persist: as if the config said persist: true */
};

/*
 * Run in the foreground until SIGINT/SIGTERM; SIGHUP reloads cfg->path.
 * Takes cfg (malloc'd; freed here). Returns the exit code.
 */
int run_daemon(struct wf_config *cfg, const struct run_opts *o);

#endif /* WF_RUN_H */
