/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * screen.h - the live views (stats --watch, paths --watch): how wide the
 * terminal is, and drawing a whole frame in place without flicker.
 */
#ifndef WF_SCREEN_H
#define WF_SCREEN_H

#include <stddef.h>
#include <stdio.h>

/* Columns of the terminal out writes to; 0 if it is not a terminal. */
int screen_width(FILE *out);

/* Rows of that terminal; 0 if it is not one. */
int screen_rows(FILE *out);

/*
 * Draw frame (text, lines ending in \n) over the previous one: cursor home,
 * each line then clear-to-end-of-line, clear below, in one write. Clearing
 * the screen first would show a blank screen between frames (flicker).
 */
void screen_draw(FILE *out, const char *frame, size_t len);

/* s cut to at most width columns, the middle replaced by "..". */
const char *screen_fit(const char *s, int width, char *buf, size_t n);

#endif /* WF_SCREEN_H */
