// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * BPF_PROG_TEST_RUN fixtures against the real programs of the skeleton.
 * Needs root (BPF), no network. Usage: bpf-tests [FILTER]
 */
#include "fixture.h"

int t_failed_checks;
char t_skip_why[160];

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int rc = 0;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	rc |= t_run("bpf", tc_cases, filter);
	rc |= t_run("bpf", police_cases, filter);
	rc |= t_run("bpf", steer_cases, filter);
	rc |= t_run("bpf", cgroup_cases, filter);
	rc |= t_run("bpf", hooks_cases, filter);
	rc |= t_run("bpf", bypass_cases, filter);
	rc |= t_run("bpf", nf_cases, filter);
	rc |= t_run("bpf", agg_cases, filter);
	rc |= t_run("bpf", dedup_cases, filter);
	return rc;
}
