// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http_switch.c - POST /paths/switch: the body, and the wait for the
 * daemon's loop to apply the request without holding the endpoint's thread.
 *
 * The request is checked and written at once (control_switch_send()), its
 * connection suspended, and a waiter thread polls every pending request
 * each WAIT_STEP_MS: applied (200) or past CONTROL_SWITCH_WAIT_MS (504), it
 * resumes the connection and MHD calls the handler again to answer. So a
 * switch never delays a scrape, and at most PENDING_MAX wait at once.
 *
 * A body must be JSON (Content-Type: application/json), or absent with the
 * request in the query. Forms and text are refused: a web page can send
 * those to any address without a CORS preflight.
 */
#include "http_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control.h"
#include "log.h"

#define BODY_MAX     1024 /* a switch request is a few words */
#define FIELD_MAX    64
#define PENDING_MAX  16
#define WAIT_STEP_MS 10

enum post_state { POST_BODY, POST_WAITING, POST_DONE };

/* One switch request, from its headers to its answer. */
struct post {
	struct MHD_Connection *c;
	enum post_state state;
	char body[BODY_MAX + 1];
	size_t len;
	bool json;	       /* Content-Type: application/json came */
	bool too_big, untyped; /* a body too long, or one not JSON */
	char prefix[FIELD_MAX], via[FIELD_MAX];
	bool automatic, bad;
	struct control_pending pend;
	struct timespec deadline;
	unsigned status; /* once POST_DONE */
	char why[256];
};

struct http_waiter {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct post *slot[PENDING_MAX];
};

/* ---- the body ---- */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/*
 * A JSON string at s into out (n bytes); what follows it, or NULL if it is
 * not one or does not fit. Escapes: \" \\ \/ only (addresses and names
 * need no others).
 */
static const char *json_string(const char *s, char *out, size_t n)
{
	size_t len = 0;

	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if (!*s || (unsigned char)*s < 0x20 || len + 1 >= n)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s != '"' && *s != '\\' && *s != '/')
				return NULL;
		}
		out[len++] = *s;
	}
	out[len] = '\0';
	return s + 1;
}

/* One member's value at s into p; what follows, or NULL. */
static const char *json_member(struct post *p, const char *key, const char *s)
{
	if (!strcmp(key, "prefix"))
		return json_string(s, p->prefix, sizeof(p->prefix));
	if (!strcmp(key, "via"))
		return json_string(s, p->via, sizeof(p->via));
	if (strcmp(key, "auto"))
		return NULL;
	p->automatic = !strncmp(s, "true", 4);
	if (p->automatic || !strncmp(s, "false", 5))
		return s + (p->automatic ? 4 : 5);
	return NULL;
}

/* {"prefix": "P", "via": "PATH"} or {"prefix": "P", "auto": true}. */
static bool parse_json(struct post *p)
{
	const char *s = skip_ws(p->body);
	char key[16];

	if (*s++ != '{')
		return false;
	s = skip_ws(s);
	if (*s == '}')
		return !*skip_ws(s + 1);
	for (;;) {
		s = json_string(skip_ws(s), key, sizeof(key));
		if (!s || *(s = skip_ws(s)) != ':')
			return false;
		s = json_member(p, key, skip_ws(s + 1));
		if (!s)
			return false;
		s = skip_ws(s);
		if (*s == '}')
			return !*skip_ws(s + 1);
		if (*s++ != ',')
			return false;
	}
}

/* Query arguments: ?prefix=P&via=PATH or ?prefix=P&auto=1. */
static enum MHD_Result query_field(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct post *p = cls;
	char *dst = !strcmp(key, "prefix") ? p->prefix :
		    !strcmp(key, "via")	   ? p->via :
					     NULL;

	(void)kind;
	if (!value)
		value = "";
	if (!strcmp(key, "auto"))
		p->automatic = strcmp(value, "0") != 0;
	else if (!dst || strlen(value) >= FIELD_MAX)
		p->bad = true;
	else
		snprintf(dst, FIELD_MAX, "%s", value);
	return MHD_YES;
}

/* application/json, with or without parameters (charset=utf-8). */
static bool json_type(const char *type)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return !strncasecmp(type, want, n) &&
	       (!type[n] || type[n] == ';' || type[n] == ' ');
}

/* ---- the waiter ---- */

static bool past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Under w->lock: answer p with status and why, wake its connection. */
static void finish(struct http_waiter *w, int i, unsigned status,
		   const char *why)
{
	struct post *p = w->slot[i];

	w->slot[i] = NULL;
	p->status = status;
	snprintf(p->why, sizeof(p->why), "%s", why);
	p->state = POST_DONE;
	MHD_resume_connection(p->c);
}

static void poll_pending(struct http_waiter *w)
{
	char why[128];

	for (int i = 0; i < PENDING_MAX; i++) {
		struct post *p = w->slot[i];

		if (!p)
			continue;
		if (control_switch_applied(&p->pend)) {
			finish(w, i, MHD_HTTP_OK, p->pend.done);
		} else if (past(&p->deadline)) {
			snprintf(why, sizeof(why),
				 "the daemon did not apply "
				 "the request within %d s",
				 CONTROL_SWITCH_WAIT_MS / 1000);
			finish(w, i, MHD_HTTP_GATEWAY_TIMEOUT, why);
		}
	}
}

static int pending(const struct http_waiter *w)
{
	int n = 0;

	for (int i = 0; i < PENDING_MAX; i++)
		n += w->slot[i] != NULL;
	return n;
}

static void *waiter_main(void *arg)
{
	struct http_waiter *w = arg;
	struct timespec t;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!pending(w)) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += WAIT_STEP_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cond, &w->lock, &t);
		poll_pending(w);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int http_switch_start(struct http *h)
{
	struct http_waiter *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int err;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&w->thread, NULL, waiter_main, w);
	if (err) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -err;
	}
	h->waiter = w;
	return 0;
}

void http_switch_stop(struct http *h)
{
	struct http_waiter *w = h->waiter;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* MHD must not stop with a connection still suspended. */
	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < PENDING_MAX; i++)
		if (w->slot[i])
			finish(w, i, MHD_HTTP_SERVICE_UNAVAILABLE,
			       "the endpoint is stopping");
	pthread_mutex_unlock(&w->lock);
}

void http_switch_free(struct http *h)
{
	struct http_waiter *w = h->waiter;

	if (!w)
		return;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	h->waiter = NULL;
}

/*
 * Suspend p's connection and hand p to the waiter; false if it is stopping
 * (p is then not suspended). Both under the lock, so the waiter never
 * resumes a connection not yet suspended.
 */
static bool waiter_add(struct http_waiter *w, struct post *p)
{
	bool added = false;

	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < PENDING_MAX && !added && !w->stop; i++) {
		if (w->slot[i])
			continue;
		MHD_suspend_connection(p->c);
		w->slot[i] = p;
		added = true;
	}
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return added;
}

/* Can a switch wait now? Only this thread adds, so room stays. */
static bool waiter_room(struct http_waiter *w)
{
	bool room;

	pthread_mutex_lock(&w->lock);
	room = !w->stop && pending(w) < PENDING_MAX;
	pthread_mutex_unlock(&w->lock);
	return room;
}

/* ---- the request ---- */

/* The body is in: parse it, write the request, suspend until it applies. */
static enum MHD_Result switch_send(struct http *h, struct post *p)
{
	static const unsigned status[] = {
		[CONTROL_BAD] = MHD_HTTP_BAD_REQUEST,
		[CONTROL_NOT_FOUND] = MHD_HTTP_NOT_FOUND,
		[CONTROL_FAILED] = MHD_HTTP_INTERNAL_SERVER_ERROR,
		[CONTROL_NO_DAEMON] = MHD_HTTP_SERVICE_UNAVAILABLE,
	};
	enum control_rc rc;
	char why[256];

	if (p->too_big)
		return http_error(p->c, MHD_HTTP_CONTENT_TOO_LARGE,
				  "a switch request is a few words");
	MHD_get_connection_values(p->c, MHD_GET_ARGUMENT_KIND, query_field, p);
	if (p->len && !parse_json(p))
		p->bad = true;
	if (p->bad || !p->prefix[0] || !p->via[0] == !p->automatic)
		return http_error(p->c, MHD_HTTP_BAD_REQUEST,
				  "write {\"prefix\": "
				  "P, \"via\": PATH} or {\"prefix\": P, \"auto\": "
				  "true}, or ?prefix=P&via=PATH with no body");
	/* Checked before writing: a refused request must change nothing. */
	if (!waiter_room(h->waiter))
		return http_error(p->c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "too many "
				  "switches waiting, or stopping; try again");
	rc = control_switch_send(h->pin_dir, p->prefix,
				 p->automatic ? NULL : p->via, &p->pend, why,
				 sizeof(why));
	if (rc != CONTROL_OK)
		return http_error(p->c, status[rc], why);
	clock_gettime(CLOCK_MONOTONIC, &p->deadline);
	p->deadline.tv_sec += CONTROL_SWITCH_WAIT_MS / 1000;
	p->state = POST_WAITING;
	if (!waiter_add(h->waiter, p))
		return http_error(p->c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "the "
				  "endpoint is stopping; the request was written");
	return MHD_YES;
}

/* The first call: the headers are in. NULL to read on, or the refusal. */
static enum MHD_Result switch_begin(struct http *h, struct MHD_Connection *c,
				    void **state)
{
	const char *type =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	struct post *p;

	if (!http_authorized(h, c))
		return http_error(
			c, MHD_HTTP_FORBIDDEN,
			h->token[0] ?
				"switching a route needs Authorization: Bearer "
				"and the token the daemon wrote (root only; "
				"see the log)" :
				"switching over HTTP is off "
				"(no token file; see the log)");
	if (type && !json_type(type))
		return http_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				  "send JSON "
				  "(Content-Type: application/json), or the "
				  "query with no body; forms and text are refused");
	p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	p->c = c;
	p->pend.routes_fd = -1;
	/* No Content-Type: only an empty body (the query) is taken. */
	p->json = type != NULL;
	*state = p;
	return MHD_YES;
}

enum MHD_Result http_switch(struct http *h, struct MHD_Connection *c,
			    const char *upload, size_t *upload_size,
			    void **state)
{
	struct post *p = *state;

	if (!p)
		return switch_begin(h, c, state);
	if (p->state == POST_DONE)
		return p->status == MHD_HTTP_OK ?
			       http_ok(c, p->status, p->why) :
			       http_error(c, p->status, p->why);
	/* MHD takes an answer only once the body is in: note, answer then. */
	if (*upload_size) {
		if (!p->json)
			p->untyped = true;
		else if (p->too_big || p->len + *upload_size > BODY_MAX ||
			 memchr(upload, 0, *upload_size))
			p->too_big = true;
		else
			memcpy(p->body + p->len, upload, *upload_size);
		p->len += p->too_big ? 0 : *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (p->untyped)
		return http_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				  "a body "
				  "needs Content-Type: application/json");
	return switch_send(h, p);
}

void http_switch_done(void **state)
{
	struct post *p = *state;

	if (!p)
		return;
	control_pending_close(&p->pend);
	free(p);
	*state = NULL;
}
