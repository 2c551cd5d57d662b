// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * check.c - `wirefisher check`: validate a config and print how every
 * value was understood.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>

static const struct argp_option options[] = {
	CMD_OPT_CONFIG,
	CMD_OPT_VERBOSE,
	{ 0 }
};

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		options, cmd_parse_common, NULL,
		"Validate a configuration without touching the kernel and print "
		"how every value was understood. Exit 0 if valid, 1 if not.",
		NULL, NULL, NULL
	};
	struct cmd_common c = { .config = DEFAULT_CONFIG };
	struct wf_config *cfg;

	argp_parse(&argp, argc, argv, 0, NULL, &c);
	cfg = cmd_load_config(c.config, c.verbose);
	if (!cfg)
		return 1;
	printf("%s: valid\n", c.config);
	config_print(cfg, stdout);
	config_warn_shadowed(cfg, stdout);
	free(cfg);
	return 0;
}
