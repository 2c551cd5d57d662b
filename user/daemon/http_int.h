/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * http_int.h - what the HTTP endpoint's files share: the server's state,
 * the answers, the guard (http_guard.c) and the switch (http_switch.c).
 *
 * Threads: libmicrohttpd's one polling thread runs every handler; the
 * switch waiter (http_switch.c) only polls pending requests and resumes
 * their connections, under its own lock.
 */
#ifndef WF_HTTP_INT_H
#define WF_HTTP_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <microhttpd.h>

#include "config.h"

#define HTTP_TOKEN_HEX 64 /* 32 random bytes */

struct http_waiter;

struct http {
	struct MHD_Daemon *d;
	char pin_dir[PATH_MAX];
	unsigned top; /* flows in /metrics */
	time_t started;
	/* the guard: what a Host header may say, the switch token */
	int family; /* of the listen address: 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	bool wildcard; /* listening on 0.0.0.0 or :: */
	bool loopback;
	char token[HTTP_TOKEN_HEX + 1]; /* "" if no token file was made */
	char token_path[PATH_MAX];
	struct http_waiter *waiter;
};

/* ---- http.c ---- */

/* A JSON object {"error": why} with status. */
enum MHD_Result http_error(struct MHD_Connection *c, unsigned status,
			   const char *why);
/* {"ok":true,"message": text} with status. */
enum MHD_Result http_ok(struct MHD_Connection *c, unsigned status,
			const char *text);

/* ---- http_guard.c ---- */

/* Fill the guard's fields of h from the config (no I/O). */
void http_guard_init(struct http *h, const struct wf_cfg_http *hc,
		     const char *pin_dir);
/*
 * Make the token file (0600 root, in /run/wirefisher). On failure the
 * switch stays off (logged): the endpoint still serves what it reads.
 */
void http_token_create(struct http *h);
void http_token_remove(struct http *h);

/*
 * Every request, before anything else: NULL to go on, or the reason it is
 * refused (403): an Origin header, a Host that is not the listen address.
 */
const char *http_guard_request(const struct http *h, struct MHD_Connection *c);

/* Does the request carry `Authorization: Bearer <token>`? */
bool http_authorized(const struct http *h, struct MHD_Connection *c);

/* ---- http_switch.c ---- */

int http_switch_start(struct http *h);
/* Stop the waiter and answer what is pending (503); then stop MHD. */
void http_switch_stop(struct http *h);
/* After MHD stopped: free what the waiter had. */
void http_switch_free(struct http *h);

/* POST /paths/switch, every call MHD makes for it. */
enum MHD_Result http_switch(struct http *h, struct MHD_Connection *c,
			    const char *upload, size_t *upload_size,
			    void **state);
/* MHD_OPTION_NOTIFY_COMPLETED for a switch's state. */
void http_switch_done(void **state);

#endif /* WF_HTTP_INT_H */
