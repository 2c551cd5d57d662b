// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Rates and durations: every accepted spelling, every refusal's message. */
#include <stdint.h>

#include "units.h"
#include "unit.h"

struct good {
	const char *in;
	uint64_t want;
};

struct bad {
	const char *in;
	const char *why; /* a part of the message */
};

static void test_rate_accepts(void)
{
	static const struct good cases[] = {
		{ "8mbit", 8000000 },
		{ "8Mbit/s", 8000000 },
		{ "8mbit/s", 8000000 },
		{ "100kbit", 100000 },
		{ "100Kbit", 100000 },
		{ "1gbit", 1000000000 },
		{ "10Gbit/s", 10000000000ULL },
		{ "1tbit", 1000000000000ULL },
		{ "1.5mbit", 1500000 },
		{ "0.25kbit", 250 },
		{ "2Mibit", 2097152 },
		{ "1kibit", 1024 },
		{ "1bit", 1 },
		{ "64bits/s", 64 },
		{ "8 mbit", 8000000 },
		{ "1MB/s", 8000000 },
		{ "1MiB/s", 8388608 },
		{ "125kB/s", 1000000 },
		{ "1KiB/s", 8192 },
		{ "3B/s", 24 },
		{ "1.5GB/s", 12000000000ULL },
	};
	char why[UNITS_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		int rc = units_rate(cases[i].in, &v, why, sizeof(why));

		CHECK(rc == 0, "\"%s\" refused: %s", cases[i].in, why);
		CHECK(v == cases[i].want, "\"%s\" = %llu, want %llu",
		      cases[i].in, (unsigned long long)v,
		      (unsigned long long)cases[i].want);
	}
}

static void test_rate_refuses(void)
{
	static const struct bad cases[] = {
		{ "8mbps", "is ambiguous (tc reads \"bps\" as bytes/s" },
		{ "8Mbps", "is ambiguous" },
		{ "8MBps", "is ambiguous" },
		{ "100kbps", "is ambiguous" },
		{ "8000", "has no unit; write e.g. 8mbit" },
		{ "8Mb/s", "is ambiguous (bits or bytes? per second?)" },
		{ "8MB", "is ambiguous" },
		{ "0.5bit", "is not a whole number of bits per second" },
		{ "0.1B/s", "is not a whole number of bytes per second" },
		{ "-8mbit", "a sign is not allowed" },
		{ "8furlongs", "unknown rate unit \"furlongs\"" },
		{ "99999999999999999999tbit", "is too large" },
		{ "3000000000000000000B/s", "is too large" },
		{ "1.0000000001mbit", "more than 9 decimals" },
		{ "mbit", "is not a number with a unit" },
		{ "", "is not a number with a unit" },
	};
	char why[UNITS_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;

		why[0] = '\0';
		CHECK(units_rate(cases[i].in, &v, why, sizeof(why)) == -1,
		      "\"%s\" accepted as %llu", cases[i].in,
		      (unsigned long long)v);
		CHECK(strstr(why, cases[i].why),
		      "\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, why,
		      cases[i].why);
	}
}

static void test_duration_accepts(void)
{
	static const struct good cases[] = {
		{ "500ms", 500000000 },	    { "1s", 1000000000 },
		{ "1.5s", 1500000000 },	    { "2m", 120000000000ULL },
		{ "1h", 3600000000000ULL }, { "250us", 250000 },
		{ "100ns", 100 },	    { "0.5ms", 500000 },
		{ "10 s", 10000000000ULL },
	};
	char why[UNITS_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;

		CHECK(units_duration(cases[i].in, &v, why, sizeof(why)) == 0,
		      "\"%s\" refused: %s", cases[i].in, why);
		CHECK(v == cases[i].want, "\"%s\" = %llu ns, want %llu",
		      cases[i].in, (unsigned long long)v,
		      (unsigned long long)cases[i].want);
	}
}

static void test_duration_refuses(void)
{
	static const struct bad cases[] = {
		{ "500", "has no unit; write e.g. 500ms, 1s or 2m" },
		{ "1sec", "unknown duration unit \"sec\"" },
		{ "0.5ns", "is not a whole number of nanoseconds" },
		{ "-1s", "a sign is not allowed" },
		{ "ms", "is not a number with a unit" },
	};
	char why[UNITS_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;

		why[0] = '\0';
		CHECK(units_duration(cases[i].in, &v, why, sizeof(why)) == -1,
		      "\"%s\" accepted as %llu", cases[i].in,
		      (unsigned long long)v);
		CHECK(strstr(why, cases[i].why),
		      "\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, why,
		      cases[i].why);
	}
}

static void test_format(void)
{
	char buf[32];

	units_fmt_rate(1000000, buf, sizeof(buf));
	CHECK(!strcmp(buf, "8.00 Mbit/s"), "1 MB/s shown as \"%s\"", buf);
	units_fmt_rate(12, buf, sizeof(buf));
	CHECK(!strcmp(buf, "96 bit/s"), "12 B/s shown as \"%s\"", buf);
	units_fmt_rate(125000000, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1.00 Gbit/s"), "125 MB/s shown as \"%s\"", buf);
	units_fmt_bytes(1500, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1.50 kB"), "1500 B shown as \"%s\"", buf);
	units_fmt_bytes(999, buf, sizeof(buf));
	CHECK(!strcmp(buf, "999 B"), "999 B shown as \"%s\"", buf);
}

const struct t_case units_cases[] = {
	{ "rate_accepts", test_rate_accepts },
	{ "rate_refuses", test_rate_refuses },
	{ "duration_accepts", test_duration_accepts },
	{ "duration_refuses", test_duration_refuses },
	{ "format", test_format },
	{ 0 }
};
