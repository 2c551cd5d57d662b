/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * watch.h - the loop behind `stats --watch` and `paths --watch`: show,
 * sleep, show again until Ctrl-C, each frame drawn over the last.
 */
#ifndef WF_VIEW_WATCH_H
#define WF_VIEW_WATCH_H

#include <stdint.h>
#include <stdio.h>

/*
 * Call show(arg) once, or (interval_ns > 0) every interval_ns until SIGINT
 * or SIGTERM. Stops at the first non-zero return of show and returns it.
 */
int view_watch(uint64_t interval_ns, int (*show)(void *arg), void *arg);

/*
 * render(arg, out) into memory, then drawn to stdout over the previous
 * frame in one write (clearing the screen first would flicker).
 */
void view_frame(void (*render)(void *arg, FILE *out), void *arg);

#endif /* WF_VIEW_WATCH_H */
