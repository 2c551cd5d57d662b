// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "log.h"

#include "json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level cur_level = LOG_INFO;
static bool json_lines;

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_set_json(bool on)
{
	json_lines = on;
}

/* {"ts":"...Z","level":"info","msg":"..."}: for journald, Loki and jq. */
static void log_json(enum log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":", when,
		ts.tv_nsec / 1000000, names[level]);
	json_str(stderr, msg);
	fputs("}\n", stderr);
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "", "debug" };
	char msg[1024];
	size_t n;

	if (level > cur_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (json_lines) {
		log_json(level, msg);
		return;
	}
	if (level != LOG_INFO)
		fprintf(stderr, "wirefisher: %s: %s\n", names[level], msg);
	else
		fprintf(stderr, "wirefisher: %s\n", msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
