// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http.c - see http.h. The documents come from view/ (the same models and
 * renderers as stats and paths); here is only the HTTP: routing, limits,
 * status codes. Who may ask: http_guard.c; the switch: http_switch.c.
 */
#include "http.h"
#include "http_int.h"

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

#define FLOWS_DEFAULT 10
#define FLOWS_MAX     10000

/*
 * Connections: an idle one costs a slot until the timeout, so slots are
 * many and cheap (16 KiB each), one address holds few of them, and a silent
 * client goes after 5 s. A local user can still take slots from several
 * 127.x addresses, but only for seconds and only 256 of them.
 */
#define CONN_MAX       256u
#define CONN_PER_IP    16u
#define CONN_TIMEOUT_S 5u
#define CONN_MEMORY    (16u * 1024)

bool http_changed(const struct wf_config *old, const struct wf_config *new)
{
	return old->http.enabled != new->http.enabled ||
	       strcmp(old->http.listen, new->http.listen) ||
	       old->http.top_flows != new->http.top_flows;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body,
						MHD_RESPMEM_MUST_FREE);
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

enum MHD_Result http_error(struct MHD_Connection *c, unsigned status,
			   const char *why)
{
	return respond_message(c, status, "{\"error\":", why);
}

enum MHD_Result http_ok(struct MHD_Connection *c, unsigned status,
			const char *text)
{
	return respond_message(c, status, "{\"ok\":true,\"message\":", text);
}

/* ---- /metrics ---- */

static void metrics_daemon(FILE *o, const struct http *h,
			   const struct wf_info *info)
{
	char l[PROM_LABELS_MAX], abi[16];

	snprintf(abi, sizeof(abi), "%u", WF_ABI_VERSION);
	prom_family(o, "wirefisher_build_info", "gauge",
		    "Always 1; the labels "
		    "say which wirefisher runs.");
	prom_u64(o, "wirefisher_build_info",
		 prom_labels(l, sizeof(l), 2, "version", WF_VERSION, "abi",
			     abi),
		 1);
	prom_family(o, "wirefisher_start_time_seconds", "gauge",
		    "When the "
		    "daemon started, in seconds since the epoch.");
	prom_u64(o, "wirefisher_start_time_seconds", NULL,
		 (uint64_t)h->started);
	prom_family(o, "wirefisher_reloads_total", "counter",
		    "Reload attempts "
		    "(SIGHUP, wirefisher reload).");
	prom_u64(o, "wirefisher_reloads_total", NULL, info->reload_seq);
	prom_family(o, "wirefisher_reload_failures_total", "counter",
		    "Reloads "
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
		return http_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
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
	fprintf(o,
		"{\"status\":\"%s\",\"pid\":%u,\"uptime_seconds\":%lld,"
		"\"version\":\"%s\",\"reloads\":%u,\"last_reload_failed\":%s}\n",
		ok ? "ok" : "no maps", (unsigned)getpid(),
		(long long)(time(NULL) - h->started), WF_VERSION,
		ok ? info.reload_seq : 0,
		ok && info.reload_failed ? "true" : "false");
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
	struct stats_opts so = { .pin_dir = h->pin_dir,
				 .json = true,
				 .sort = SORT_RATE,
				 .top = FLOWS_DEFAULT,
				 .no_flows = !flows };
	const char *top =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "top");
	char *end;

	if (top) {
		unsigned long n = strtoul(top, &end, 10);

		if (!*top || *end || n == 0 || n > FLOWS_MAX)
			return http_error(c, MHD_HTTP_BAD_REQUEST,
					  "top: write a "
					  "count from 1 to 10000");
		so.top = (unsigned)n;
	}
	return respond_with(c, "application/json", write_stats, &so);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	http_switch_done(state);
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
	if (!*state) {
		const char *refused = http_guard_request(h, c);

		if (refused)
			return http_error(c, MHD_HTTP_FORBIDDEN, refused);
	}
	if (!strcmp(url, "/paths/switch")) {
		if (strcmp(method, MHD_HTTP_METHOD_POST))
			return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					  "POST {\"prefix\": P, \"via\": PATH}");
		return http_switch(h, c, upload, upload_size, state);
	}
	if (!get)
		return http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!strcmp(url, "/metrics"))
		return respond_with(c,
				    "text/plain; version=0.0.4; charset=utf-8",
				    write_metrics, h);
	if (!strcmp(url, "/health"))
		return get_health(c, h);
	if (!strcmp(url, "/status"))
		return get_stats(c, h, false);
	if (!strcmp(url, "/flows"))
		return get_stats(c, h, true);
	if (!strcmp(url, "/paths"))
		return respond_with(c, "application/json", write_paths, h);
	return http_error(c, MHD_HTTP_NOT_FOUND,
			  "no such endpoint: see "
			  "/metrics, /health, /status, /paths, /flows?top=N, "
			  "POST /paths/switch");
}

/* Listen on sa; MHD's daemon, or NULL with errno. */
static struct MHD_Daemon *listen_on(struct http *h, const struct sockaddr *sa,
				    bool v6)
{
	/* Suspend/resume: a switch waits off the thread (http_switch.c). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0);

	return MHD_start_daemon(flags, h->port, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, sa,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_CONNECTION_LIMIT, CONN_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, CONN_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)CONN_MEMORY, MHD_OPTION_END);
}

static void log_listen_error(const struct wf_config *cfg, int err)
{
	const struct wf_cfg_http *hc = &cfg->http;
	char where[PATH_MAX + 32] = "";

	if (hc->where.line)
		snprintf(where, sizeof(where), "%s:%d:%d: ", cfg->path,
			 hc->where.line, hc->where.col);
	log_error("%shttp.listen: cannot listen on %s: %s (another "
		  "wirefisher? choose another port, or http: { enabled: "
		  "false })",
		  where, hc->listen, strerror(err));
}

struct http *http_start(const struct wf_config *cfg, int *err)
{
	const struct wf_cfg_http *hc = &cfg->http;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	const struct sockaddr *sa = (const struct sockaddr *)&a4;
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
	http_guard_init(h, hc, cfg->pin_dir);
	if (hc->family == 6) {
		memcpy(&a6.sin6_addr, hc->addr, 16);
		a6.sin6_port = htons(hc->port);
		sa = (const struct sockaddr *)&a6;
	} else {
		memcpy(&a4.sin_addr, hc->addr, 4);
		a4.sin_port = htons(hc->port);
	}
	*err = http_switch_start(h);
	errno = 0;
	if (!*err) {
		h->d = listen_on(h, sa, hc->family == 6);
		if (!h->d)
			*err = errno ? -errno : -EINVAL;
	}
	if (*err) {
		log_listen_error(cfg, -*err);
		http_switch_stop(h);
		http_switch_free(h);
		free(h);
		return NULL;
	}
	/* Only once listening: a second daemon's token must not replace it. */
	http_token_create(h);
	log_info("serving /metrics and the JSON API on http://%s", hc->listen);
	return h;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	http_switch_stop(h);
	MHD_stop_daemon(h->d);
	http_switch_free(h);
	http_token_remove(h);
	free(h);
}
