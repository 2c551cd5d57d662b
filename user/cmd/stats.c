// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* stats.c - `wirefisher stats`: the flows and counters of a daemon. */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct args {
	struct stats_opts o;
	struct cmd_pins pins;
};

static const struct argp_option options[] = {
	CMD_OPT_JSON,
	CMD_OPT_WATCH,
	{ "sort", OPT_SORT, "KEY", 0, "rate (default), bytes or packets", 0 },
	{ "top", OPT_TOP, "N", 0, "Show only the first N flows", 0 },
	CMD_OPT_PIN_DIR,
	CMD_OPT_PIN_CONFIG,
	{ 0 }
};

static void parse_sort(const char *arg, struct args *a,
		       struct argp_state *state)
{
	if (!strcmp(arg, "rate"))
		a->o.sort = SORT_RATE;
	else if (!strcmp(arg, "bytes"))
		a->o.sort = SORT_BYTES;
	else if (!strcmp(arg, "packets"))
		a->o.sort = SORT_PACKETS;
	else
		argp_error(state,
			   "--sort: \"%s\"; write rate, bytes or packets", arg);
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;

	switch (key) {
	case OPT_JSON:
		a->o.json = true;
		return 0;
	case OPT_WATCH:
		a->o.watch_ns = cmd_parse_watch(arg, state);
		return 0;
	case OPT_SORT:
		parse_sort(arg, a, state);
		return 0;
	case OPT_TOP:
		a->o.top = (unsigned)strtoul(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || a->o.top == 0)
			argp_error(state,
				   "--top: \"%s\" is not a count above 0", arg);
		return 0;
	}
	return cmd_parse_pins(&a->pins, key, arg, state);
}

static int show(void *input, const char *pin_dir)
{
	struct args *a = input;

	a->o.pin_dir = pin_dir;
	return stats_show(&a->o);
}

int cmd_stats(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		parse,
		NULL,
		"Show the flows and counters of a running wirefisher, read from "
		"its pinned maps. Rates are per second over the accounting "
		"window; RATE is the last full window, SMOOTHED its 1/8 EWMA.",
		NULL,
		NULL,
		NULL
	};
	struct args a = { 0 };

	return cmd_with_pins(&argp, argc, argv, &a, &a.pins, show);
}
