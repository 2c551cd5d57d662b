// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* switch.c - `wirefisher switch`: move a steering route by hand. */
#include "cmd.h"

#include "control.h"

struct args {
	struct cmd_pins pins;
	const char *prefix, *via;
	bool automatic;
};

static const struct argp_option options[] = {
	{ "via", OPT_VIA, "PATH", 0,
	  "Pin the route to this path (name or device)", 0 },
	{ "auto", OPT_AUTO, NULL, 0, "Hand the route back to the prober", 0 },
	CMD_OPT_PIN_DIR,
	CMD_OPT_PIN_CONFIG,
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_VIA:
		a->via = arg;
		return 0;
	case OPT_AUTO:
		a->automatic = true;
		return 0;
	case ARGP_KEY_ARG:
		if (!a->prefix) {
			a->prefix = arg;
			return 0;
		}
		break;
	case ARGP_KEY_END:
		if (!a->prefix || !a->via == !a->automatic)
			argp_error(state, "write: switch PREFIX --via PATH, or "
					  "switch PREFIX --auto");
		return 0;
	}
	return cmd_parse_pins(&a->pins, key, arg, state);
}

static int request(void *input, const char *pin_dir)
{
	const struct args *a = input;
	char why[256];
	int rc = control_switch(pin_dir, a->prefix, a->via, why, sizeof(why));

	return cmd_control_done(rc, why, true);
}

int cmd_switch(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		parse,
		"PREFIX",
		"Pin the steering route holding PREFIX to one path by hand "
		"(--via), or hand it back to the prober (--auto). The pin lasts "
		"until --auto or the daemon's restart.",
		NULL,
		NULL,
		NULL
	};
	struct args a = { 0 };

	return cmd_with_pins(&argp, argc, argv, &a, &a.pins, request);
}
