// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* reload.c - `wirefisher reload`: make the daemon re-read its config. */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>

#include "control.h"

/* Seconds. The default holds a load on most machines; the most is longer
 * than any load seen (6.1's verifier under qemu: ~150 s). */
#define TIMEOUT_DEFAULT 30
#define TIMEOUT_MAX	3600

struct args {
	struct cmd_pins pins;
	unsigned timeout; /* seconds */
};

static const struct argp_option options[] = {
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0,
	  "Wait this long for the outcome (default 30, at most 3600): the "
	  "verifier of a slow machine may need more",
	  0 },
	CMD_OPT_PIN_DIR,
	CMD_OPT_PIN_CONFIG_CHECKED,
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;
	unsigned long v;

	if (key != OPT_TIMEOUT)
		return cmd_parse_pins(&a->pins, key, arg, state);
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < 1 ||
	    v > TIMEOUT_MAX)
		argp_error(state,
			   "--timeout: '%s' is not a whole number of seconds "
			   "from 1 to %d",
			   arg, TIMEOUT_MAX);
	a->timeout = (unsigned)v;
	return 0;
}

static int reload(void *input, const char *pin_dir)
{
	const struct args *a = input;
	char why[256];
	int rc = control_reload(pin_dir, a->timeout, why, sizeof(why));

	return cmd_control_done(rc, why, false);
}

int cmd_reload(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		parse,
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
	struct args a = { .timeout = TIMEOUT_DEFAULT };

	return cmd_with_pins(&argp, argc, argv, &a, &a.pins, reload);
}
