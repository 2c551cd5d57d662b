// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void prom_family(FILE *o, const char *name, const char *type, const char *help)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static size_t put_escaped(char *buf, size_t size, size_t at, const char *v)
{
	for (; *v && at + 3 < size; v++) {
		if (*v == '\\' || *v == '"') {
			buf[at++] = '\\';
			buf[at++] = *v;
		} else if (*v == '\n') {
			buf[at++] = '\\';
			buf[at++] = 'n';
		} else {
			buf[at++] = *v;
		}
	}
	buf[at] = '\0';
	return at;
}

const char *prom_labels(char *buf, size_t size, int n, ...)
{
	size_t at = 0;
	va_list ap;

	buf[0] = '\0';
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *k = va_arg(ap, const char *);
		const char *v = va_arg(ap, const char *);
		int w = snprintf(buf + at, size - at, "%s%s=\"", i ? "," : "",
				 k);

		if (w < 0 || (size_t)w >= size - at)
			break;
		at = put_escaped(buf, size, at + (size_t)w, v);
		if (at + 2 >= size)
			break;
		buf[at++] = '"';
		buf[at] = '\0';
	}
	va_end(ap);
	return buf;
}

static void sample_name(FILE *o, const char *name, const char *labels)
{
	if (labels && *labels)
		fprintf(o, "%s{%s} ", name, labels);
	else
		fprintf(o, "%s ", name);
}

void prom_u64(FILE *o, const char *name, const char *labels, uint64_t v)
{
	sample_name(o, name, labels);
	fprintf(o, "%llu\n", (unsigned long long)v);
}

void prom_f64(FILE *o, const char *name, const char *labels, double v)
{
	sample_name(o, name, labels);
	if (isnan(v))
		fputs("NaN\n", o);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", o);
	else
		fprintf(o, "%.9g\n", v);
}
