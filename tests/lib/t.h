/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * t.h - the smallest test harness that does the job.
 *
 * A test is a function registered in a table; CHECK() records a failure with
 * file:line and the message, and the test goes on, so one run shows every
 * broken expectation. Each test prints one line, "PASS name" or "FAIL name"
 * (or "SKIP name: why"), which tests/run.sh counts across all layers.
 */
#ifndef WF_T_H
#define WF_T_H

#include <stdio.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

extern int t_failed_checks;
/* Set by T_SKIP(): why this machine cannot run the test (each main.c
 * defines it). A skipped test prints "SKIP name: why", counted neither
 * way, unless a check failed too. */
extern char t_skip_why[160];

#define T_SKIP(...) snprintf(t_skip_why, sizeof(t_skip_why), __VA_ARGS__)

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			t_failed_checks++;                               \
			fprintf(stderr,                                  \
				"  %s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                        \
			fprintf(stderr, __VA_ARGS__);                    \
			fputc('\n', stderr);                             \
		}                                                        \
	} while (0)

/* Each operand evaluated once: it may send a packet. */
#define CHECK_EQ_U64(a, b)                                                \
	do {                                                              \
		unsigned long long t_a_ = (unsigned long long)(a);        \
		unsigned long long t_b_ = (unsigned long long)(b);        \
		CHECK(t_a_ == t_b_, "%s = %llu, expected %llu", #a, t_a_, \
		      t_b_);                                              \
	} while (0)

/* Run the tests whose name contains `filter` (all if NULL). */
static inline int t_run(const char *suite, const struct t_case *cases,
			const char *filter)
{
	int failed = 0;

	for (; cases->name; cases++) {
		int before = t_failed_checks;
		char full[128];

		snprintf(full, sizeof(full), "%s/%s", suite, cases->name);
		if (filter && !strstr(full, filter))
			continue;
		t_skip_why[0] = 0;
		cases->fn();
		if (t_skip_why[0] && t_failed_checks == before)
			printf("SKIP %s/%s: %s\n", suite, cases->name,
			       t_skip_why);
		else
			printf("%s %s/%s\n",
			       t_failed_checks == before ? "PASS" : "FAIL",
			       suite, cases->name);
		fflush(stdout);
		failed += t_failed_checks != before;
	}
	return failed ? 1 : 0;
}

#endif /* WF_T_H */
