// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * main.c - wirefisher's command line: the table of commands.
 *
 * argp has no subcommands, so the first word picks a command (cmd/), each
 * with its own argp parser. No known word means `run`, so `wirefisher -c
 * FILE` is `wirefisher run -c FILE`.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "loader.h"
#include "version.h"

const char *argp_program_version = "wirefisher " WF_VERSION;
const char *argp_program_bug_address = "the project's issue tracker";

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

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv)
{
	loader_log_libbpf();
	for (size_t i = 0; argc > 1 && i < N_COMMANDS; i++)
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
