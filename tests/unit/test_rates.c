// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The rate maths of bpf/wf_shared.h (the same code the datapath runs) and
 * the stats reader's closing of an idle window.
 */
#include "flowrate.h"
#include "unit.h"

#define SEC 1000000000ULL

static void test_rate(void)
{
	CHECK_EQ_U64(wf_rate(1000, SEC), 1000);
	CHECK_EQ_U64(wf_rate(1000, SEC / 2), 2000);
	CHECK_EQ_U64(wf_rate(0, SEC), 0);
	CHECK_EQ_U64(wf_rate(1000, 0), 0);
	/* 100 GB over 10 s: past the point where bytes * 1e9 overflows. */
	CHECK_EQ_U64(wf_rate(100000000000ULL, 10 * SEC), 10000000000ULL);
	/* A day at 10 Gbit/s. */
	CHECK_EQ_U64(wf_rate(108000000000000ULL, 86400 * SEC), 1250000000ULL);
}

static void test_smooth(void)
{
	uint64_t s;

	/* The first window seeds the value. */
	CHECK_EQ_U64(wf_smooth(0, 800, 1, 0), 800);
	/* s - s/8 + x/8 */
	CHECK_EQ_U64(wf_smooth(800, 0, 1, 1), 700);
	CHECK_EQ_U64(wf_smooth(800, 1600, 1, 1), 900);
	CHECK_EQ_U64(wf_smooth(800, 0, 2, 1), 613);
	/* Unseeded over 3 windows: seed, then two steps. */
	CHECK_EQ_U64(wf_smooth(0, 800, 3, 0), 800);
	/* Long idle: decays to (near) zero, in bounded steps. */
	s = wf_smooth(1000000000ULL, 0, 1000000, 1);
	CHECK(s < 1000000000ULL / 100000, "after a long idle s = %llu",
	      (unsigned long long)s);
	/* Converges on a steady sample. */
	s = wf_smooth(0, 8000000, 96, 1);
	CHECK(s > 7990000 && s <= 8000000, "steady 8e6 -> %llu",
	      (unsigned long long)s);
}

static void test_reader_closes_idle_window(void)
{
	struct wf_flow f = {
		.bytes = 3000,
		.packets = 3,
		.first_ns = 0,
		.last_ns = 2 * SEC,
		.win_start_ns = 2 * SEC,
		.win_base = 2000,
		.windows = 2,
		.rate_inst = 1000,
		.rate_peak = 1000,
		.rate_smooth = 1000,
	};
	struct flow_rates r;

	/* Inside the open window: what the datapath last computed. */
	flow_rates_at(&f, 2 * SEC + SEC / 2, SEC, &r);
	CHECK_EQ_U64(r.inst, 1000);
	CHECK_EQ_U64(r.smooth, 1000);
	CHECK_EQ_U64(r.avg, 1500);
	/* Four seconds on, no packet: 1000 bytes over 4 s, 4 windows of it. */
	flow_rates_at(&f, 6 * SEC, SEC, &r);
	CHECK_EQ_U64(r.inst, 250);
	CHECK_EQ_U64(r.smooth, wf_smooth(1000, 250, 4, 1));
	CHECK_EQ_U64(r.peak, 1000);
	CHECK_EQ_U64(r.avg, 1500);
}

const struct t_case rates_cases[] = { { "rate", test_rate },
				      { "smooth", test_smooth },
				      { "reader_closes_idle_window",
					test_reader_closes_idle_window },
				      { 0 } };
