// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* run.c - `wirefisher run` (the default command): the daemon. */
#include "cmd.h"

#include "log.h"
#include "run.h"

static const struct argp_option options[] = {
	CMD_OPT_CONFIG,
	CMD_OPT_VERBOSE,
	{ "persist", OPT_PERSIST, NULL, 0,
	  "Leave the hooks and maps in place "
	  "when stopping (as persist: true in the config); `wirefisher down` "
	  "removes them",
	  0 },
	{ 0 }
};

int cmd_run(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		cmd_parse_common,
		NULL,
		"Run the traffic engine in the foreground until SIGINT or SIGTERM, "
		"then remove every hook and pin it made (unless persist). SIGHUP "
		"reloads the config.\v"
		"Commands: run (default), check, reload, down, stats, paths, "
		"switch, mesh. `wirefisher COMMAND --help` describes each.",
		NULL,
		NULL,
		NULL
	};
	struct cmd_common c = { .config = DEFAULT_CONFIG };
	struct run_opts o = { 0 };
	struct wf_config *cfg;

	argp_parse(&argp, argc, argv, 0, NULL, &c);
	if (c.verbose)
		log_set_level(LOG_DEBUG);
	cfg = cmd_load_config(c.config, c.verbose);
	if (!cfg)
		return 1;
	config_warn(cfg, stderr);
	o.verbose = c.verbose > 0;
	o.persist = c.persist;
	return run_daemon(cfg, &o);
}
