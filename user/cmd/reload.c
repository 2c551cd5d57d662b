// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* reload.c - `wirefisher reload`: make the daemon re-read its config. */
#include "cmd.h"

#include <errno.h>

#include "control.h"
#include "units.h"

/* The default holds a load on most machines; the most is longer than any
 * load seen (6.1's verifier under qemu: ~150 s). */
#define TIMEOUT_DEFAULT_MS 30000L
#define TIMEOUT_MAX_MS	   3600000L

struct args {
	struct cmd_pins pins;
	long timeout_ms;
};

static const struct argp_option options[] = {
	{ "timeout", OPT_TIMEOUT, "DURATION", 0,
	  "Wait this long for the outcome (default 30s, at most 1h; e.g. 90s "
	  "or 2m): the verifier of a slow machine may need more",
	  0 },
	CMD_OPT_PIN_DIR,
	CMD_OPT_PIN_CONFIG_CHECKED,
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char why[UNITS_WHY_MAX];
	uint64_t ns;

	if (key != OPT_TIMEOUT)
		return cmd_parse_pins(&a->pins, key, arg, state);
	/* The same durations as --watch and the config (units.h). */
	if (units_duration(arg, &ns, why, sizeof(why))) {
		argp_error(state, "--timeout: %s", why);
		return EINVAL;
	}
	if (ns < 1000000000ULL || ns / 1000000 > TIMEOUT_MAX_MS) {
		argp_error(state, "--timeout: \"%s\" is not within 1s to 1h",
			   arg);
		return EINVAL;
	}
	a->timeout_ms = (long)(ns / 1000000);
	return 0;
}

static int reload(void *input, const char *pin_dir)
{
	const struct args *a = input;
	char why[256];
	int rc = control_reload(pin_dir, a->timeout_ms, why, sizeof(why));

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
	struct args a = { .timeout_ms = TIMEOUT_DEFAULT_MS };

	return cmd_with_pins(&argp, argc, argv, &a, &a.pins, reload);
}
