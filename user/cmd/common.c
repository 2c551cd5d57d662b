// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * common.c - what the commands share: -c and -v, reading a config for a
 * command, --watch, and finding the pin directory of a daemon.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>

#include "control.h"
#include "log.h"
#include "units.h"

error_t cmd_parse_common(int key, char *arg, struct argp_state *state)
{
	struct cmd_common *c = state->input;

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

struct wf_config *cmd_load_config(const char *path, int verbose)
{
	struct wf_config *cfg = malloc(sizeof(*cfg));
	int errors;

	if (!cfg) {
		log_error("out of memory");
		return NULL;
	}
	errors = config_load(path, cfg, stderr);
	if (errors) {
		fprintf(stderr,
			"wirefisher: %s: %d error%s; nothing was changed\n",
			path, errors, errors == 1 ? "" : "s");
		free(cfg);
		return NULL;
	}
	if (!verbose)
		log_set_level((enum log_level)cfg->log_level);
	log_set_json(cfg->log_format == WF_LOG_JSON);
	return cfg;
}

uint64_t cmd_parse_watch(const char *arg, struct argp_state *state)
{
	char why[UNITS_WHY_MAX];
	uint64_t ns = 1000000000ULL;

	if (arg &&
	    (units_duration(arg, &ns, why, sizeof(why)) || ns < 100000000ULL))
		argp_error(state, "--watch: %s",
			   ns < 100000000ULL ? "write at least 100ms" : why);
	return ns;
}

error_t cmd_parse_pins(struct cmd_pins *p, int key, char *arg,
		       struct argp_state *state)
{
	switch (key) {
	case OPT_PIN_DIR:
		p->pin_dir = arg;
		return 0;
	case 'c':
		p->config = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

int cmd_with_pins(const struct argp *argp, int argc, char **argv, void *input,
		  struct cmd_pins *pins,
		  int (*fn)(void *input, const char *pin_dir))
{
	int rc = 1;

	argp_parse(argp, argc, argv, 0, NULL, input);
	if (!pins->config) {
		rc = fn(input,
			pins->pin_dir ? pins->pin_dir : WF_DEFAULT_PIN_DIR);
	} else {
		struct wf_config *cfg = cmd_load_config(pins->config, 0);

		if (cfg)
			rc = fn(input, cfg->pin_dir);
		free(cfg);
	}
	return rc;
}

const struct argp_option cmd_pins_options[] = { CMD_OPT_PIN_DIR,
						CMD_OPT_PIN_CONFIG_CHECKED,
						{ 0 } };

error_t cmd_parse_pins_only(int key, char *arg, struct argp_state *state)
{
	return cmd_parse_pins(state->input, key, arg, state);
}

int cmd_control_done(int rc, const char *why, bool to_stdout)
{
	if (rc == CONTROL_OK && to_stdout)
		printf("%s\n", why);
	else if (rc == CONTROL_OK)
		log_info("%s", why);
	else if (rc != CONTROL_NO_DAEMON) /* that one is logged */
		log_error("%s", why);
	return rc == CONTROL_OK ? 0 : 1;
}
