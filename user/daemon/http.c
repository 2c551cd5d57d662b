// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http.c - see http.h. The documents come from view/ (the same models and
 * renderers as stats and paths); here is only the HTTP: routing, the
 * query and form arguments, status codes.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "../../bpf/wf_shared.h"
#include "control.h"
#include "json.h"
#include "log.h"
#include "paths.h"
#include "pin.h"
#include "progs.h"
#include "prom.h"
#include "stats.h"
#include "version.h"

#define POST_MAX 1024		/* a switch request is a few words */
#define FLOWS_DEFAULT 10
#define FLOWS_MAX 10000

struct http {
	struct MHD_Daemon *d;
	char pin_dir[PATH_MAX];
	unsigned top;		/* flows in /metrics */
	time_t started;
};

/* A POST body being received: the form fields of a switch request. */
struct post {
	struct MHD_PostProcessor *pp;
	char prefix[64], via[64];
	bool automatic, too_big;
	size_t seen;
};

bool http_changed(const struct wf_config *old, const struct wf_config *new)
{
	return old->http.enabled != new->http.enabled ||
	       strcmp(old->http.listen, new->http.listen) ||
	       old->http.top_flows != new->http.top_flows;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* head (`{"error":` or `{"ok":true,"message":`), text as a string, `}`. */
static enum MHD_Result respond_message(struct MHD_Connection *c,
				       unsigned status, const char *head,
				       const char *text)
{
	char *body = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&body, &len);

	if (!o)
		return MHD_NO;
	fputs(head, o);
	json_str(o, text);
	fputs("}\n", o);
	fclose(o);
	return respond(c, status, "application/json", body, len);
}

/* A JSON object {"error": why} with status. */
static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status,
				     const char *why)
{
	return respond_message(c, status, "{\"error\":", why);
}

/* ---- /metrics ---- */

static void metrics_daemon(FILE *o, const struct http *h,
			   const struct wf_info *info)
{
	char l[PROM_LABELS_MAX], abi[16];

	snprintf(abi, sizeof(abi), "%u", WF_ABI_VERSION);
	prom_family(o, "wirefisher_build_info", "gauge", "Always 1; the labels "
		    "say which wirefisher runs.");
	prom_u64(o, "wirefisher_build_info", prom_labels(l, sizeof(l), 2,
		 "version", WF_VERSION, "abi", abi), 1);
	prom_family(o, "wirefisher_start_time_seconds", "gauge", "When the "
		    "daemon started, in seconds since the epoch.");
	prom_u64(o, "wirefisher_start_time_seconds", NULL, (uint64_t)h->started);
	prom_family(o, "wirefisher_reloads_total", "counter", "Reload attempts "
		    "(SIGHUP, wirefisher reload).");
	prom_u64(o, "wirefisher_reloads_total", NULL, info->reload_seq);
	prom_family(o, "wirefisher_reload_failures_total", "counter", "Reloads "
		    "refused (the running config stayed).");
	prom_u64(o, "wirefisher_reload_failures_total", NULL,
		 info->reload_failures);
}

/* The whole scrape; 1 if the daemon's maps cannot be read. */
static int write_metrics(const void *arg, FILE *o)
{
	const struct http *h = arg;
	struct wf_info info;

	if (pin_read_info(h->pin_dir, &info))
		return 1;
	metrics_daemon(o, h, &info);
	stats_write_metrics(h->pin_dir, h->top, o);
	paths_write(h->pin_dir, o, paths_print_metrics);
	progs_print_metrics(o, h->pin_dir);
	return 0;
}

/* 200 with what fn writes, or 503 if fn fails (no daemon's maps). */
static enum MHD_Result respond_with(struct MHD_Connection *c, const char *type,
				    int (*fn)(const void *arg, FILE *o),
				    const void *arg)
{
	char *body = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&body, &len);
	int rc;

	if (!o)
		return MHD_NO;
	rc = fn(arg, o);
	fclose(o);
	if (rc) {
		free(body);
		return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "the daemon's maps cannot be read");
	}
	return respond(c, MHD_HTTP_OK, type, body, len);
}

/* ---- JSON ---- */

static enum MHD_Result get_health(struct MHD_Connection *c, struct http *h)
{
	struct wf_info info;
	char *body = NULL;
	size_t len = 0;
	FILE *o;
	bool ok = pin_read_info(h->pin_dir, &info) == 0;

	o = open_memstream(&body, &len);
	if (!o)
		return MHD_NO;
	fprintf(o, "{\"status\":\"%s\",\"pid\":%u,\"uptime_seconds\":%lld,"
		"\"version\":\"%s\",\"reloads\":%u,\"last_reload_failed\":%s}\n",
		ok ? "ok" : "no maps", (unsigned)getpid(),
		(long long)(time(NULL) - h->started), WF_VERSION,
		ok ? info.reload_seq : 0, ok && info.reload_failed ? "true" :
		"false");
	fclose(o);
	return respond(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
		       "application/json", body, len);
}

static int write_stats(const void *arg, FILE *o)
{
	return stats_write(arg, o);
}

static int write_paths(const void *arg, FILE *o)
{
	const struct http *h = arg;

	return paths_write(h->pin_dir, o, paths_print_json);
}

/* /status and /flows: `wirefisher stats --json`, with or without flows. */
static enum MHD_Result get_stats(struct MHD_Connection *c, struct http *h,
				 bool flows)
{
	struct stats_opts so = { .pin_dir = h->pin_dir, .json = true,
				 .sort = SORT_RATE, .top = FLOWS_DEFAULT,
				 .no_flows = !flows };
	const char *top = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
						      "top");
	char *end;

	if (top) {
		unsigned long n = strtoul(top, &end, 10);

		if (!*top || *end || n == 0 || n > FLOWS_MAX)
			return respond_error(c, MHD_HTTP_BAD_REQUEST, "top: write a "
					     "count from 1 to 10000");
		so.top = (unsigned)n;
	}
	return respond_with(c, "application/json", write_stats, &so);
}

/* ---- POST /paths/switch: prefix=P&via=PATH, or prefix=P&auto=1 ---- */

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *filename,
				  const char *type, const char *encoding,
				  const char *data, uint64_t off, size_t size)
{
	struct post *p = cls;
	char *dst = !strcmp(key, "prefix") ? p->prefix :
		    !strcmp(key, "via") ? p->via : NULL;

	(void)kind; (void)filename; (void)type; (void)encoding;
	if (!strcmp(key, "auto"))
		p->automatic = size == 0 || strncmp(data, "0", size);
	if (dst && off + size < 64) {
		memcpy(dst + off, data, size);
		dst[off + size] = '\0';
	} else if (dst) {
		p->too_big = true;
	}
	return MHD_YES;
}

/* Query arguments count as form fields too (curl -X POST '...?prefix=..'). */
static enum MHD_Result query_field(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	return post_field(cls, kind, key, NULL, NULL, NULL, value ? value : "",
			  0, value ? strlen(value) : 0);
}

static enum MHD_Result post_switch(struct MHD_Connection *c, struct http *h,
				   struct post *p)
{
	static const unsigned status[] = {
		[CONTROL_OK] = MHD_HTTP_OK,
		[CONTROL_BAD] = MHD_HTTP_BAD_REQUEST,
		[CONTROL_NOT_FOUND] = MHD_HTTP_NOT_FOUND,
		[CONTROL_FAILED] = MHD_HTTP_GATEWAY_TIMEOUT,
		[CONTROL_NO_DAEMON] = MHD_HTTP_SERVICE_UNAVAILABLE,
	};
	enum control_rc rc;
	char why[256];

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_field, p);
	if (p->too_big || !p->prefix[0] || !p->via[0] == !p->automatic)
		return respond_error(c, MHD_HTTP_BAD_REQUEST, "write prefix=P and "
				     "via=PATH, or prefix=P and auto=1");
	rc = control_switch(h->pin_dir, p->prefix, p->automatic ? NULL : p->via,
			  why, sizeof(why));
	if (rc != CONTROL_OK)
		return respond_error(c, status[rc], why);
	return respond_message(c, MHD_HTTP_OK, "{\"ok\":true,\"message\":", why);
}

static enum MHD_Result on_post(struct MHD_Connection *c, struct http *h,
			       const char *upload, size_t *upload_size,
			       void **state)
{
	struct post *p = *state;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		/* NULL for other content types: then only query arguments. */
		p->pp = MHD_create_post_processor(c, POST_MAX, post_field, p);
		*state = p;
		return MHD_YES;
	}
	if (*upload_size) {
		p->seen += *upload_size;
		if (p->seen > POST_MAX)
			p->too_big = true;
		else if (p->pp)
			MHD_post_process(p->pp, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return post_switch(c, h, p);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode why)
{
	struct post *p = *state;

	(void)cls; (void)c; (void)why;
	if (!p)
		return;
	if (p->pp)
		MHD_destroy_post_processor(p->pp);
	free(p);
	*state = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct http *h = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) ||
		   !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void)version;
	if (!strcmp(url, "/paths/switch")) {
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					     "POST prefix=P&via=PATH (or auto=1)");
		return on_post(c, h, upload, upload_size, state);
	}
	if (!get)
		return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!strcmp(url, "/metrics"))
		return respond_with(c, "text/plain; version=0.0.4; charset=utf-8",
				    write_metrics, h);
	if (!strcmp(url, "/health"))
		return get_health(c, h);
	if (!strcmp(url, "/status"))
		return get_stats(c, h, false);
	if (!strcmp(url, "/flows"))
		return get_stats(c, h, true);
	if (!strcmp(url, "/paths"))
		return respond_with(c, "application/json", write_paths, h);
	return respond_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint: see "
			     "/metrics, /health, /status, /paths, /flows?top=N, "
			     "POST /paths/switch");
}

struct http *http_start(const struct wf_config *cfg, int *err)
{
	const struct wf_cfg_http *hc = &cfg->http;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	const struct sockaddr *sa = (const struct sockaddr *)&a4;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct http *h;

	*err = 0;
	if (!hc->enabled)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(h->pin_dir, sizeof(h->pin_dir), "%s", cfg->pin_dir);
	h->top = hc->top_flows;
	h->started = time(NULL);
	if (hc->family == 6) {
		memcpy(&a6.sin6_addr, hc->addr, 16);
		a6.sin6_port = htons(hc->port);
		sa = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		memcpy(&a4.sin_addr, hc->addr, 4);
		a4.sin_port = htons(hc->port);
	}
	errno = 0;
	h->d = MHD_start_daemon(flags, hc->port, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_CONNECTION_LIMIT, 32u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				MHD_OPTION_END);
	if (!h->d) {
		char where[PATH_MAX + 32] = "";

		*err = errno ? -errno : -EINVAL;
		if (hc->where.line)
			snprintf(where, sizeof(where), "%s:%d:%d: ", cfg->path,
				 hc->where.line, hc->where.col);
		log_error("%shttp.listen: cannot listen on %s: %s (another "
			  "wirefisher? choose another port, or http: { enabled: "
			  "false })", where, hc->listen, strerror(-*err));
		free(h);
		return NULL;
	}
	log_info("serving /metrics and the JSON API on http://%s", hc->listen);
	return h;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
