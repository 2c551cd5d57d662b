// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* down.c - `wirefisher down`: remove what a persistent daemon left. */
#include "cmd.h"

#include "loader.h"

static int down(void *input, const char *pin_dir)
{
	(void)input;
	return loader_down(pin_dir) ? 1 : 0;
}

int cmd_down(int argc, char **argv)
{
	static const struct argp argp = {
		cmd_pins_options,
		cmd_parse_pins_only,
		NULL,
		"Remove every hook and map a stopped wirefisher left in place "
		"(persist: true). Refuses while a daemon runs on the directory: "
		"stop it first.",
		NULL,
		NULL,
		NULL
	};
	struct cmd_pins p = { 0 };

	return cmd_with_pins(&argp, argc, argv, &p, &p, down);
}
