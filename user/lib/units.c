// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * units.c - rates and durations, parsed exactly in integer arithmetic.
 *
 * "1.5mbit" is 1 500 000 bit/s, not 1.4999999; "500ms" is 500 000 000 ns,
 * not 0 (the original parsed durations in whole seconds). A value that is
 * not a whole number of the base unit is refused rather than rounded.
 */
#include "units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define RATE_HINT "write e.g. 8mbit (bits/s) or 1MB/s (bytes/s)"

struct number {
	unsigned __int128 mant; /* digits without the point */
	unsigned frac;		/* digits after the point */
	const char *unit;	/* first character after the number */
};

/* Parse "123" or "1.25" (optionally followed by spaces). */
static int parse_number(const char *s, struct number *num, char *why, size_t n)
{
	const char *p = s;
	int digits = 0;

	memset(num, 0, sizeof(*num));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+') {
		snprintf(why, n, "\"%s\": a sign is not allowed here", s);
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++, digits++) {
		num->mant = num->mant * 10 + (unsigned)(*p - '0');
		if (digits > 20)
			goto too_large;
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, digits++) {
			num->mant = num->mant * 10 + (unsigned)(*p - '0');
			if (++num->frac > 9 || digits > 20) {
				snprintf(why, n, "\"%s\": more than 9 decimals",
					 s);
				return -1;
			}
		}
	}
	if (digits == 0) {
		snprintf(why, n, "\"%s\" is not a number with a unit", s);
		return -1;
	}
	while (isspace((unsigned char)*p))
		p++;
	num->unit = p;
	return 0;
too_large:
	snprintf(why, n, "\"%s\" is too large", s);
	return -1;
}

/* value = num * mult, exactly; -1 when not whole or beyond 64 bits. */
static int scale(const char *s, const struct number *num, uint64_t mult,
		 const char *base, uint64_t *out, char *why, size_t n)
{
	unsigned __int128 div = 1, v;
	unsigned i;

	for (i = 0; i < num->frac; i++)
		div *= 10;
	v = num->mant * mult;
	if (mult && v / mult != num->mant) {
		snprintf(why, n, "\"%s\" is too large", s);
		return -1;
	}
	if (v % div) {
		snprintf(why, n, "\"%s\" is not a whole number of %s", s, base);
		return -1;
	}
	v /= div;
	if (v > UINT64_MAX) {
		snprintf(why, n, "\"%s\" is too large", s);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/*
 * Read an SI or IEC prefix at *p; advance past it. Returns the multiplier,
 * 1 for no prefix, 0 if the text there is not a prefix we know.
 */
static uint64_t parse_prefix(const char **p)
{
	static const char si[] = "kmgt";
	const char *q = *p;
	const char *hit =
		q[0] ? strchr(si, tolower((unsigned char)q[0])) : NULL;
	uint64_t m = 1, base = 1000;
	int i, pow;

	if (!hit)
		return 1;
	pow = (int)(hit - si) + 1;
	if (q[1] == 'i' || q[1] == 'I') {
		base = 1024;
		q++;
	}
	for (i = 0; i < pow; i++)
		m *= base;
	*p = q + 1;
	return m;
}

int units_rate(const char *s, uint64_t *bits_per_s, char *why, size_t n)
{
	struct number num;
	const char *u;
	uint64_t mult, bytes;

	if (parse_number(s, &num, why, n))
		return -1;
	u = num.unit;
	if (!*u) {
		snprintf(why, n, "\"%s\" has no unit; " RATE_HINT, s);
		return -1;
	}
	/* tc reads "mbps" as megaBYTES per second; most readers as megabits. */
	if (strcasestr(u, "bps")) {
		snprintf(why, n,
			 "\"%s\" is ambiguous (tc reads \"bps\" as bytes/s, "
			 "most people as bits/s); " RATE_HINT,
			 s);
		return -1;
	}
	mult = parse_prefix(&u);
	if (!strcmp(u, "bit") || !strcmp(u, "bit/s") || !strcmp(u, "bits") ||
	    !strcmp(u, "bits/s"))
		return scale(s, &num, mult, "bits per second", bits_per_s, why,
			     n);
	if (!strcmp(u, "B/s")) {
		if (scale(s, &num, mult, "bytes per second", &bytes, why, n))
			return -1;
		if (bytes > UINT64_MAX / 8) {
			snprintf(why, n, "\"%s\" is too large", s);
			return -1;
		}
		*bits_per_s = bytes * 8;
		return 0;
	}
	if (!strcmp(u, "b/s") || !strcmp(u, "b") || !strcmp(u, "B")) {
		snprintf(why, n,
			 "\"%s\" is ambiguous (bits or bytes? per second?); " RATE_HINT,
			 s);
		return -1;
	}
	snprintf(why, n, "\"%s\": unknown rate unit \"%s\"; " RATE_HINT, s,
		 num.unit);
	return -1;
}

int units_size(const char *s, uint64_t *bytes, char *why, size_t n)
{
	struct number num;
	const char *u;
	uint64_t mult;

	if (parse_number(s, &num, why, n))
		return -1;
	u = num.unit;
	if (!*u) {
		snprintf(why, n,
			 "\"%s\" has no unit; write e.g. 1500B, 64kB or 1MiB",
			 s);
		return -1;
	}
	mult = parse_prefix(&u);
	if (!strcmp(u, "B"))
		return scale(s, &num, mult, "bytes", bytes, why, n);
	snprintf(why, n,
		 "\"%s\": unknown size unit \"%s\"; write e.g. 1500B, "
		 "64kB or 1MiB (B is bytes)",
		 s, num.unit);
	return -1;
}

int units_duration(const char *s, uint64_t *ns, char *why, size_t n)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ULL },		 { "us", 1000ULL },
		{ "ms", 1000000ULL },	 { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	struct number num;
	size_t i;

	if (parse_number(s, &num, why, n))
		return -1;
	if (!*num.unit) {
		snprintf(why, n,
			 "\"%s\" has no unit; write e.g. 500ms, 1s or 2m", s);
		return -1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(num.unit, units[i].name))
			return scale(s, &num, units[i].ns, "nanoseconds", ns,
				     why, n);
	snprintf(why, n,
		 "\"%s\": unknown duration unit \"%s\"; "
		 "write ns, us, ms, s, m or h (e.g. 500ms)",
		 s, num.unit);
	return -1;
}

/* "value unit" with three significant digits, the unit chosen by size. */
static void fmt_scaled(double v, const char *const *names, double step,
		       char *buf, size_t n)
{
	int i = 0;

	while (v >= step && names[i + 1]) {
		v /= step;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%.0f %s", v, names[i]);
	else
		snprintf(buf, n, "%.*f %s",
			 v < 10	 ? 2 :
			 v < 100 ? 1 :
				   0,
			 v, names[i]);
}

void units_fmt_rate(uint64_t bytes_per_s, char *buf, size_t n)
{
	static const char *const names[] = { "bit/s",  "kbit/s", "Mbit/s",
					     "Gbit/s", "Tbit/s", NULL };

	fmt_scaled((double)bytes_per_s * 8, names, 1000, buf, n);
}

void units_fmt_bytes(uint64_t bytes, char *buf, size_t n)
{
	static const char *const names[] = { "B",  "kB", "MB", "GB",
					     "TB", "PB", NULL };

	fmt_scaled((double)bytes, names, 1000, buf, n);
}
