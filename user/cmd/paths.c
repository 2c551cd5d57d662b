// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* paths.c - `wirefisher paths`: the steering paths of a daemon. */
#include "cmd.h"

#include "paths.h"

struct args {
	struct paths_opts o;
	struct cmd_pins pins;
};

static const struct argp_option options[] = {
	CMD_OPT_JSON, CMD_OPT_WATCH, CMD_OPT_PIN_DIR, CMD_OPT_PIN_CONFIG, { 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case OPT_JSON:
		a->o.json = true;
		return 0;
	case OPT_WATCH:
		a->o.watch_ns = cmd_parse_watch(arg, state);
		return 0;
	}
	return cmd_parse_pins(&a->pins, key, arg, state);
}

static int show(void *input, const char *pin_dir)
{
	struct args *a = input;

	a->o.pin_dir = pin_dir;
	return paths_show(&a->o);
}

int cmd_paths(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		parse,
		NULL,
		"Show the steering paths of a running wirefisher (state, RTT, "
		"jitter, loss, score, flows, rate, last change) and which path "
		"each route uses.",
		NULL,
		NULL,
		NULL
	};
	struct args a = { 0 };

	return cmd_with_pins(&argp, argc, argv, &a, &a.pins, show);
}
