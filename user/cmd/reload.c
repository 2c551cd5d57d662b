// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* reload.c - `wirefisher reload`: make the daemon re-read its config. */
#include "cmd.h"

#include "control.h"

static int reload(void *input, const char *pin_dir)
{
	char why[256];
	int rc = control_reload(pin_dir, why, sizeof(why));

	(void)input;
	return cmd_control_done(rc, why, false);
}

int cmd_reload(int argc, char **argv)
{
	static const struct argp argp = {
		cmd_pins_options,
		cmd_parse_pins_only,
		NULL,
		"Make the running daemon re-read its config file (the one it was "
		"started with; as SIGHUP does) and wait for the outcome. Changed "
		"rules, limits, interfaces and paths apply without detaching a "
		"hook; flows, buckets and path state are kept. A config with "
		"errors changes nothing. Exit 0 if the new config runs.",
		NULL,
		NULL,
		NULL
	};
	struct cmd_pins p = { 0 };

	return cmd_with_pins(&argp, argc, argv, &p, &p, reload);
}
