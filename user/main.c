// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * main.c - wirefisher's command line.
 *
 * argp has no subcommands, so a small table maps the first word to a
 * command, each with its own argp parser. No known word means `run`, so
 * `wirefisher -c FILE` is `wirefisher run -c FILE`.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control.h"
#include "loader.h"
#include "log.h"
#include "paths.h"
#include "run.h"
#include "stats.h"
#include "units.h"
#include "version.h"


#define DEFAULT_CONFIG "/etc/wirefisher/config.yaml"

const char *argp_program_version = "wirefisher " WF_VERSION;
const char *argp_program_bug_address = "the project's issue tracker";

struct common {
	const char *config;
	int verbose;
	bool persist;
};

static const struct argp_option common_options[] = {
	{ "config", 'c', "FILE", 0, "Configuration file (default "
	  DEFAULT_CONFIG ")", 0 },
	{ "verbose", 'v', NULL, 0, "More output: libbpf and verifier messages",
	  0 },
	{ 0 }
};

enum { OPT_PERSIST = 0x200 };

static const struct argp_option run_options[] = {
	{ "config", 'c', "FILE", 0, "Configuration file (default "
	  DEFAULT_CONFIG ")", 0 },
	{ "verbose", 'v', NULL, 0, "More output: libbpf and verifier messages",
	  0 },
	{ "persist", OPT_PERSIST, NULL, 0, "Leave the hooks and maps in place "
	  "when stopping (as persist: true in the config); `wirefisher down` "
	  "removes them", 0 },
	{ 0 }
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct common *c = state->input;

	switch (key) {
	case 'c':
		c->config = arg;
		return 0;
	case 'v':
		c->verbose++;
		return 0;
	case OPT_PERSIST:
		c->persist = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

/* Read the config; print every error. NULL if it is not valid. */
static struct wf_config *load_config(const struct common *c)
{
	struct wf_config *cfg = malloc(sizeof(*cfg));
	int errors;

	if (!cfg) {
		log_error("out of memory");
		return NULL;
	}
	errors = config_load(c->config, cfg, stderr);
	if (errors) {
		fprintf(stderr, "wirefisher: %s: %d error%s; nothing was changed\n",
			c->config, errors, errors == 1 ? "" : "s");
		free(cfg);
		return NULL;
	}
	if (!c->verbose)
		log_set_level((enum log_level)cfg->log_level);
	log_set_json(cfg->log_format == WF_LOG_JSON);
	return cfg;
}

static int cmd_run(int argc, char **argv)
{
	static const struct argp argp = {
		run_options, parse_common, NULL,
		"Run the traffic engine in the foreground until SIGINT or SIGTERM, "
		"then remove every hook and pin it made (unless persist). SIGHUP "
		"reloads the config.\v"
		"Commands: run (default), check, reload, down, stats, paths, "
		"switch. `wirefisher COMMAND --help` describes each.", NULL,
		NULL, NULL
	};
	struct common c = { .config = DEFAULT_CONFIG };
	struct run_opts o = { 0 };
	struct wf_config *cfg;

	argp_parse(&argp, argc, argv, 0, NULL, &c);
	if (c.verbose)
		log_set_level(LOG_DEBUG);
	cfg = load_config(&c);
	if (!cfg)
		return 1;
	config_warn(cfg, stderr);
	o.verbose = c.verbose > 0;
	o.persist = c.persist;
	return run_daemon(cfg, &o);
}

static int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		common_options, parse_common, NULL,
		"Validate a configuration without touching the kernel and print "
		"how every value was understood. Exit 0 if valid, 1 if not.",
		NULL, NULL, NULL
	};
	struct common c = { .config = DEFAULT_CONFIG };
	struct wf_config *cfg;

	argp_parse(&argp, argc, argv, 0, NULL, &c);
	cfg = load_config(&c);
	if (!cfg)
		return 1;
	printf("%s: valid\n", c.config);
	config_print(cfg, stdout);
	config_warn(cfg, stdout);
	free(cfg);
	return 0;
}

enum { OPT_JSON = 0x100, OPT_WATCH, OPT_SORT, OPT_TOP, OPT_PIN_DIR, OPT_VIA,
       OPT_AUTO };

struct stats_args {
	struct stats_opts o;
	const char *config;
};

static const struct argp_option stats_options[] = {
	{ "json", OPT_JSON, NULL, 0, "One JSON document instead of a table", 0 },
	{ "watch", OPT_WATCH, "INTERVAL", OPTION_ARG_OPTIONAL,
	  "Redraw every INTERVAL (default 1s) until Ctrl-C", 0 },
	{ "sort", OPT_SORT, "KEY", 0, "rate (default), bytes or packets", 0 },
	{ "top", OPT_TOP, "N", 0, "Show only the first N flows", 0 },
	{ "pin-dir", OPT_PIN_DIR, "DIR", 0,
	  "Pin directory of the daemon (default " WF_DEFAULT_PIN_DIR ")", 0 },
	{ "config", 'c', "FILE", 0, "Take the pin directory from this config", 0 },
	{ 0 }
};

/* --watch[=INTERVAL]: 1 s by default, at least 100 ms. */
static uint64_t parse_watch(const char *arg, struct argp_state *state)
{
	char why[UNITS_WHY_MAX];
	uint64_t ns = 1000000000ULL;

	if (arg && (units_duration(arg, &ns, why, sizeof(why)) ||
		    ns < 100000000ULL))
		argp_error(state, "--watch: %s", ns < 100000000ULL ?
			   "write at least 100ms" : why);
	return ns;
}

static error_t parse_stats(int key, char *arg, struct argp_state *state)
{
	struct stats_args *a = state->input;
	char *end;

	switch (key) {
	case OPT_JSON:
		a->o.json = true;
		return 0;
	case OPT_WATCH:
		a->o.watch_ns = parse_watch(arg, state);
		return 0;
	case OPT_SORT:
		if (!strcmp(arg, "rate"))
			a->o.sort = SORT_RATE;
		else if (!strcmp(arg, "bytes"))
			a->o.sort = SORT_BYTES;
		else if (!strcmp(arg, "packets"))
			a->o.sort = SORT_PACKETS;
		else
			argp_error(state, "--sort: \"%s\"; write rate, bytes or "
				   "packets", arg);
		return 0;
	case OPT_TOP:
		a->o.top = (unsigned)strtoul(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || a->o.top == 0)
			argp_error(state, "--top: \"%s\" is not a count above 0", arg);
		return 0;
	case OPT_PIN_DIR:
		a->o.pin_dir = arg;
		return 0;
	case 'c':
		a->config = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct argp argp = {
		stats_options, parse_stats, NULL,
		"Show the flows and counters of a running wirefisher, read from "
		"its pinned maps. Rates are per second over the accounting "
		"window; RATE is the last full window, SMOOTHED its 1/8 EWMA.",
		NULL, NULL, NULL
	};
	struct stats_args a = { .o = { .pin_dir = WF_DEFAULT_PIN_DIR } };
	struct wf_config *cfg = NULL;
	int rc;

	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (a.config) {
		struct common c = { .config = a.config };

		cfg = load_config(&c);
		if (!cfg)
			return 1;
		a.o.pin_dir = cfg->pin_dir;
	}
	rc = stats_main(&a.o);
	free(cfg);
	return rc;
}

struct paths_args {
	struct paths_opts o;
	const char *config;
	const char *prefix, *via;
	bool automatic;
	bool is_switch;
};

static const struct argp_option paths_options[] = {
	{ "json", OPT_JSON, NULL, 0, "One JSON document instead of a table", 0 },
	{ "watch", OPT_WATCH, "INTERVAL", OPTION_ARG_OPTIONAL,
	  "Redraw every INTERVAL (default 1s) until Ctrl-C", 0 },
	{ "pin-dir", OPT_PIN_DIR, "DIR", 0,
	  "Pin directory of the daemon (default " WF_DEFAULT_PIN_DIR ")", 0 },
	{ "config", 'c', "FILE", 0, "Take the pin directory from this config", 0 },
	{ 0 }
};

static const struct argp_option switch_options[] = {
	{ "via", OPT_VIA, "PATH", 0, "Pin the route to this path (name or device)",
	  0 },
	{ "auto", OPT_AUTO, NULL, 0, "Hand the route back to the prober", 0 },
	{ "pin-dir", OPT_PIN_DIR, "DIR", 0,
	  "Pin directory of the daemon (default " WF_DEFAULT_PIN_DIR ")", 0 },
	{ "config", 'c', "FILE", 0, "Take the pin directory from this config", 0 },
	{ 0 }
};

static error_t parse_paths(int key, char *arg, struct argp_state *state)
{
	struct paths_args *a = state->input;

	switch (key) {
	case OPT_JSON:
		a->o.json = true;
		return 0;
	case OPT_WATCH:
		a->o.watch_ns = parse_watch(arg, state);
		return 0;
	case OPT_VIA:
		a->via = arg;
		return 0;
	case OPT_AUTO:
		a->automatic = true;
		return 0;
	case OPT_PIN_DIR:
		a->o.pin_dir = arg;
		return 0;
	case 'c':
		a->config = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->is_switch && !a->prefix) {
			a->prefix = arg;
			return 0;
		}
		argp_error(state, "unexpected argument \"%s\"", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (a->is_switch && (!a->prefix || !a->via == !a->automatic))
			argp_error(state, "write: switch PREFIX --via PATH, or "
				   "switch PREFIX --auto");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/* The pin directory from -c FILE, when given. */
static int paths_pin_dir(struct paths_args *a, struct wf_config **cfg)
{
	struct common c = { .config = a->config };

	if (!a->config)
		return 0;
	*cfg = load_config(&c);
	if (!*cfg)
		return -1;
	a->o.pin_dir = (*cfg)->pin_dir;
	return 0;
}

/* Parse the options, find the pin directory (--pin-dir, or -c), run fn. */
static int with_pin_dir(const struct argp *argp, int argc, char **argv,
			struct paths_args *a, int (*fn)(const struct paths_args *))
{
	struct wf_config *cfg = NULL;
	int rc = 1;

	argp_parse(argp, argc, argv, 0, NULL, a);
	if (!paths_pin_dir(a, &cfg))
		rc = fn(a);
	free(cfg);
	return rc;
}

static int do_paths(const struct paths_args *a)
{
	return paths_main(&a->o);
}

static int do_switch(const struct paths_args *a)
{
	return switch_main(a->o.pin_dir, a->prefix, a->via);
}

static int do_reload(const struct paths_args *a)
{
	return control_reload(a->o.pin_dir);
}

static int do_down(const struct paths_args *a)
{
	return loader_down(a->o.pin_dir) ? 1 : 0;
}

static int cmd_paths(int argc, char **argv)
{
	static const struct argp argp = {
		paths_options, parse_paths, NULL,
		"Show the steering paths of a running wirefisher (state, RTT, "
		"jitter, loss, score, flows, rate, last change) and which path "
		"each route uses.", NULL, NULL, NULL
	};
	struct paths_args a = { .o = { .pin_dir = WF_DEFAULT_PIN_DIR } };
	return with_pin_dir(&argp, argc, argv, &a, do_paths);
}

static int cmd_switch(int argc, char **argv)
{
	static const struct argp argp = {
		switch_options, parse_paths, "PREFIX",
		"Pin the steering route holding PREFIX to one path by hand "
		"(--via), or hand it back to the prober (--auto). The pin lasts "
		"until --auto or the daemon's restart.", NULL, NULL, NULL
	};
	struct paths_args a = { .o = { .pin_dir = WF_DEFAULT_PIN_DIR },
				.is_switch = true };
	return with_pin_dir(&argp, argc, argv, &a, do_switch);
}

static const struct argp_option pin_options[] = {
	{ "pin-dir", OPT_PIN_DIR, "DIR", 0,
	  "Pin directory of the daemon (default " WF_DEFAULT_PIN_DIR ")", 0 },
	{ "config", 'c', "FILE", 0, "Take the pin directory from this config "
	  "(which is checked first)", 0 },
	{ 0 }
};

static int cmd_reload(int argc, char **argv)
{
	static const struct argp argp = {
		pin_options, parse_paths, NULL,
		"Make the running daemon re-read its config file (the one it was "
		"started with; as SIGHUP does) and wait for the outcome. Changed rules, limits, interfaces and "
		"paths apply without detaching a hook; flows, buckets and path "
		"state are kept. A config with errors changes nothing. Exit 0 if "
		"the new config runs.", NULL, NULL, NULL
	};
	struct paths_args a = { .o = { .pin_dir = WF_DEFAULT_PIN_DIR } };
	return with_pin_dir(&argp, argc, argv, &a, do_reload);
}

static int cmd_down(int argc, char **argv)
{
	static const struct argp argp = {
		pin_options, parse_paths, NULL,
		"Remove every hook and map a stopped wirefisher left in place "
		"(persist: true). Refuses while a daemon runs on the directory: "
		"stop it first.", NULL, NULL, NULL
	};
	struct paths_args a = { .o = { .pin_dir = WF_DEFAULT_PIN_DIR } };
	return with_pin_dir(&argp, argc, argv, &a, do_down);
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "check", cmd_check },
	{ "stats", cmd_stats },
	{ "paths", cmd_paths },
	{ "switch", cmd_switch },
	{ "reload", cmd_reload },
	{ "down", cmd_down },
};

int main(int argc, char **argv)
{
	size_t i;

	loader_log_libbpf();
	if (argc > 1)
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[1], commands[i].name)) {
				/* argp names the program in --help from argv[0]. */
				static char name[64];

				snprintf(name, sizeof(name), "wirefisher %s",
					 commands[i].name);
				argv[1] = name;
				return commands[i].fn(argc - 1, argv + 1);
			}
	return cmd_run(argc, argv);
}
