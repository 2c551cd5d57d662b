// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The Prometheus text writer: families, samples, label escaping, numbers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "unit.h"

/* Run fn into a memory buffer; returns the text (free it). */
static char *render(void (*fn)(FILE *))
{
	char *out = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);

	fn(o);
	fclose(o);
	return out;
}

static void one_family(FILE *o)
{
	char l[PROM_LABELS_MAX];

	prom_family(o, "wf_x_total", "counter", "Things.");
	prom_u64(o, "wf_x_total", NULL, 18446744073709551615ULL);
	prom_u64(o, "wf_x_total",
		 prom_labels(l, sizeof(l), 2, "a", "1", "b", "two"), 7);
}

static void test_family(void)
{
	char *t = render(one_family);

	CHECK(!strcmp(t,
		      "# HELP wf_x_total Things.\n# TYPE wf_x_total counter\n"
		      "wf_x_total 18446744073709551615\n"
		      "wf_x_total{a=\"1\",b=\"two\"} 7\n"),
	      "%s", t);
	free(t);
}

static void test_escape(void)
{
	char l[PROM_LABELS_MAX];

	prom_labels(l, sizeof(l), 1, "rule", "a\"b\\c\nd");
	CHECK(!strcmp(l, "rule=\"a\\\"b\\\\c\\nd\""), "%s", l);
	/* Too long for the buffer: cut, but still NUL-terminated and short. */
	char small[16];

	prom_labels(small, sizeof(small), 1, "rule",
		    "aaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(strlen(small) < sizeof(small), "%zu", strlen(small));
}

static void floats(FILE *o)
{
	prom_f64(o, "g", NULL, 0.0005);
	prom_f64(o, "g", NULL, INFINITY);
	prom_f64(o, "g", NULL, NAN);
	prom_f64(o, "g", "", 12345678.5);
}

static void test_floats(void)
{
	char *t = render(floats);

	CHECK(!strcmp(t, "g 0.0005\ng +Inf\ng NaN\ng 12345678.5\n"), "%s", t);
	free(t);
}

const struct t_case prom_cases[] = { { "family", test_family },
				     { "escape", test_escape },
				     { "floats", test_floats },
				     { 0 } };
