/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* log.h - one line per event on stderr, with a level. */
#ifndef WF_LOG_H
#define WF_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* One JSON object per line ({"ts","level","msg"}) instead of text. */
void log_set_json(bool on);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* WF_LOG_H */
