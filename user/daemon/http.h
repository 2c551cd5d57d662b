/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * http.h - the daemon's HTTP endpoint, on libmicrohttpd: Prometheus
 * /metrics and a small JSON API (/health, /status, /paths, POST
 * /paths/switch, /flows?top=N).
 *
 * It serves from its own thread and reads only what any reader can: the
 * maps pinned in the pin directory, opened per request. So it shares no
 * memory with the daemon's loop, and a reload (which swaps the maps under
 * the pins) needs nothing from it.
 */
#ifndef WF_HTTP_H
#define WF_HTTP_H

#include "config.h"

struct http;

/* Listen as cfg->http says. NULL if disabled or on error (logged: *err). */
struct http *http_start(const struct wf_config *cfg, int *err);
void http_stop(struct http *h);

/* Does a reload from old to new need the endpoint restarted? */
bool http_changed(const struct wf_config *old, const struct wf_config *new);

#endif /* WF_HTTP_H */
