// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * main.c - wirefisher's command line: the table of commands.
 *
 * argp has no subcommands, so the first word picks a command (cmd/), each
 * with its own argp parser. An option first means `run`, so `wirefisher -c
 * FILE` is `wirefisher run -c FILE`; any other first word is a mistake, and
 * says so rather than run the daemon.
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
	{ "run", cmd_run },	  { "check", cmd_check },
	{ "stats", cmd_stats },	  { "paths", cmd_paths },
	{ "switch", cmd_switch }, { "reload", cmd_reload },
	{ "down", cmd_down },	  { "mesh", cmd_mesh },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Edit distance of a and b (short words only: commands and typos). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32], diag, up;

	if (la >= 32 || lb >= 32)
		return 32;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The command nearest to word, if it is near enough to be a typo. */
static const char *nearest(const char *word)
{
	const char *best = NULL;
	size_t best_d = 3; /* at most two edits */

	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t d = distance(word, commands[i].name);

		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	return best;
}

static int unknown(const char *word)
{
	const char *near = nearest(word);

	fprintf(stderr, "wirefisher: unknown command '%s'", word);
	if (near)
		fprintf(stderr, "; did you mean '%s'?\n", near);
	else
		fprintf(stderr, "; commands: run, check, stats, paths, switch, "
				"reload, down, mesh (wirefisher --help)\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	loader_log_libbpf();
	if (argc < 2 || argv[1][0] == '-')
		return cmd_run(argc, argv);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name)) {
			/* argp names the program in --help from argv[0]. */
			static char name[64];

			snprintf(name, sizeof(name), "wirefisher %s",
				 commands[i].name);
			argv[1] = name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	return unknown(argv[1]);
}
