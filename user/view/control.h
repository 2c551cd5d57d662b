/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* control.h - `wirefisher reload`: ask a running daemon to reload. */
#ifndef WF_CONTROL_H
#define WF_CONTROL_H

/*
 * Send SIGHUP to the daemon pinned in pin_dir and wait (at most 30 s) until
 * it has tried the config. 0 if it runs the new config, 1 if it refused it
 * (and kept the old one) or no daemon is there.
 */
int control_reload(const char *pin_dir);

#endif /* WF_CONTROL_H */
