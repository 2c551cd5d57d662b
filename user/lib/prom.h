/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * prom.h - the Prometheus text exposition format (version 0.0.4), written
 * to a FILE: one "# HELP" and "# TYPE" per family, then its samples. Pure;
 * the metric names and what they mean live with the code that has the
 * numbers (stats.c, paths.c, http.c).
 */
#ifndef WF_PROM_H
#define WF_PROM_H

#include <stdint.h>
#include <stdio.h>

#define PROM_LABELS_MAX 512

/* "# HELP name help" and "# TYPE name type" (counter, gauge). */
void prom_family(FILE *o, const char *name, const char *type, const char *help);

/*
 * Labels as `k="v",k2="v2"` into buf from n key/value string pairs, values
 * escaped (backslash, double quote, newline). Returns buf.
 */
const char *prom_labels(char *buf, size_t size, int n, ...);

/* One sample: name{labels} value. labels may be NULL or "". */
void prom_u64(FILE *o, const char *name, const char *labels, uint64_t v);
void prom_f64(FILE *o, const char *name, const char *labels, double v);

#endif /* WF_PROM_H */
