/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* run.h - the daemon (`wirefisher run`). */
#ifndef WF_RUN_H
#define WF_RUN_H

#include "config.h"

/* Run in the foreground until SIGINT/SIGTERM. Returns the exit code. */
int run_daemon(const struct wf_config *cfg);

#endif /* WF_RUN_H */
