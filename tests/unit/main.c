// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Host unit tests: no root, no kernel. Units, rate maths and the config
 * parser against tests/unit/fixtures. Usage: unit-tests [FILTER]
 */
#include "t.h"
#include "unit.h"

int t_failed_checks;
char t_skip_why[160];

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int rc = 0;

	rc |= t_run("units", units_cases, filter);
	rc |= t_run("rates", rates_cases, filter);
	rc |= t_run("config", config_cases, filter);
	rc |= t_run("policy", policy_cases, filter);
	rc |= t_run("steer", steer_cases, filter);
	rc |= t_run("prom", prom_cases, filter);
	rc |= t_run("trust", trust_cases, filter);
	rc |= t_run("mesh", mesh_cases, filter);
	return rc;
}
