/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * cmd.h - wirefisher's commands, one file each (run.c, check.c, ...): the
 * arguments, one library call, an exit code. main.c maps the first word of
 * the command line to one of them; common.c holds what they share.
 *
 * Exit codes: 0 done, 1 refused or failed (logged), 64 (EX_USAGE, argp's)
 * for a command line that makes no sense.
 */
#ifndef WF_CMD_H
#define WF_CMD_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define DEFAULT_CONFIG "/etc/wirefisher/config.yaml"
#define EXIT_USAGE     64

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_paths(int argc, char **argv);
int cmd_switch(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_mesh(int argc, char **argv);

/* The keys of the long options with no short form. */
enum {
	OPT_PERSIST = 0x100,
	OPT_JSON,
	OPT_WATCH,
	OPT_SORT,
	OPT_TOP,
	OPT_PIN_DIR,
	OPT_VIA,
	OPT_AUTO,
	OPT_TIMEOUT
};

/* The option lines several commands take, for their argp_option tables. */
#define CMD_OPT_CONFIG                                                       \
	{                                                                    \
		"config", 'c', "FILE", 0,                                    \
			"Configuration file (default " DEFAULT_CONFIG ")", 0 \
	}
#define CMD_OPT_VERBOSE                                     \
	{                                                   \
		"verbose", 'v', NULL, 0,                    \
			"More output: libbpf and verifier " \
			"messages",                         \
			0                                   \
	}
#define CMD_OPT_PIN_DIR                                     \
	{                                                   \
		"pin-dir", OPT_PIN_DIR, "DIR", 0,           \
			"Pin directory of the daemon "      \
			"(default " WF_DEFAULT_PIN_DIR ")", \
			0                                   \
	}
#define CMD_OPT_PIN_CONFIG                                  \
	{                                                   \
		"config", 'c', "FILE", 0,                   \
			"Take the pin directory from this " \
			"config",                           \
			0                                   \
	}
/* -c for the commands that act on a running daemon (cmd_pins_options). */
#define CMD_OPT_PIN_CONFIG_CHECKED                                        \
	{                                                                 \
		"config", 'c', "FILE", 0,                                 \
			"Take the pin directory from this config (which " \
			"is checked first)",                              \
			0                                                 \
	}
#define CMD_OPT_JSON                                              \
	{                                                         \
		"json", OPT_JSON, NULL, 0,                        \
			"One JSON document instead of a table", 0 \
	}
#define CMD_OPT_WATCH                                                        \
	{                                                                    \
		"watch", OPT_WATCH, "INTERVAL", OPTION_ARG_OPTIONAL,         \
			"Redraw every INTERVAL (default 1s) until Ctrl-C", 0 \
	}

/* -c FILE and -v, for the commands that read a config (run, check). */
struct cmd_common {
	const char *config;
	int verbose;
	bool persist;
};

error_t cmd_parse_common(int key, char *arg, struct argp_state *state);

/*
 * Read the config at path; print every error. NULL if it is not valid.
 * Applies its log level (unless verbose) and format. Free the result.
 */
struct wf_config *cmd_load_config(const char *path, int verbose);

/* --watch[=INTERVAL]: 1 s by default, at least 100 ms. */
uint64_t cmd_parse_watch(const char *arg, struct argp_state *state);

/* --pin-dir DIR and -c FILE, for the commands that talk to a daemon. */
struct cmd_pins {
	const char *pin_dir;
	const char *config;
	struct wf_config *cfg; /* read from config, freed by cmd_pins_done */
};

/*
 * Parse --pin-dir and -c into p and refuse an argument: the tail of the
 * parser of a command that talks to a daemon.
 */
error_t cmd_parse_pins(struct cmd_pins *p, int key, char *arg,
		       struct argp_state *state);

/*
 * Parse the command line into input (which holds pins), find the pin
 * directory - -c FILE's (the config is checked first), else --pin-dir,
 * else the default - and return fn(input, pin_dir); 1 if the config is
 * not valid (logged).
 */
int cmd_with_pins(const struct argp *argp, int argc, char **argv, void *input,
		  struct cmd_pins *pins,
		  int (*fn)(void *input, const char *pin_dir));

/*
 * Say how a control_*() request went (why: its sentence) - on stdout if
 * stdout, else as a log line - and return the exit code.
 */
int cmd_control_done(int rc, const char *why, bool to_stdout);

/* The options and parser of reload and down: --pin-dir and -c only. */
extern const struct argp_option cmd_pins_options[];
error_t cmd_parse_pins_only(int key, char *arg, struct argp_state *state);

#endif /* WF_CMD_H */
