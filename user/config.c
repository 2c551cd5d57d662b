// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * config.c - YAML (libyaml document API) -> struct wf_config.
 *
 * Strict on purpose: an unknown key, a duplicate key, a wrong type, a value
 * out of range or a unit that could be read two ways is an error, never a
 * silent default. Every error names FILE:LINE:COL and the key path, and we
 * keep going after one so that a user sees all of them in one run.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "log.h"
#include "units.h"

/*
 * Key paths ("interfaces[3].name") include keys the user typed; a very long
 * one is cut short in the message, which is what we want.
 */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#define PATH_MAXLEN 128

/* Bounds, with the reason for each. */
#define WINDOW_MIN_NS 1000000000ULL	/* rates over < 1 s are noise */
#define WINDOW_MAX_NS 60000000000ULL	/* a minute: beyond that, use avg */
#define FLOWS_MIN 256			/* LRU keeps per-CPU free lists */
#define FLOWS_MAX (4U << 20)		/* 4 Mi entries ~ 700 MiB of kernel memory */
#define FLOWS_DEFAULT 65536

struct ctx {
	const char *file;
	yaml_document_t *doc;
	FILE *err;
	int errors;
};

static void __attribute__((format(printf, 4, 5)))
report(struct ctx *c, const yaml_node_t *n, const char *path,
       const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%zu:%zu: ", c->file, n ? n->start_mark.line + 1 : 1,
		n ? n->start_mark.column + 1 : 1);
	if (path && *path)
		fprintf(c->err, "%s: ", path);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->errors++;
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a value";
	}
}

static bool expect_kind(struct ctx *c, const yaml_node_t *n, const char *path,
			yaml_node_type_t type, const char *want)
{
	if (n->type == type)
		return true;
	report(c, n, path, "expected %s, found %s", want, kind_name(n));
	return false;
}

/* The text of a scalar node, or NULL (reported) if it is not a scalar. */
static const char *scalar(struct ctx *c, const yaml_node_t *n,
			  const char *path)
{
	if (!expect_kind(c, n, path, YAML_SCALAR_NODE, "a value"))
		return NULL;
	if (n->data.scalar.length == 0 &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		report(c, n, path, "missing value");
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		report(c, n, path, "value contains a NUL byte");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/*
 * Step through a mapping's pairs. Keys that are not plain strings, unknown
 * keys and duplicates are reported and skipped. Returns the index of the key
 * in `keys`, with *val and `sub` (the key's full path) set; -1 at the end.
 */
static int pair_next(struct ctx *c, yaml_node_t *map, const char *path,
		     const char *const *keys, int *i, yaml_node_t **val,
		     char *sub, size_t subn)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	yaml_node_pair_t *top = map->data.mapping.pairs.top;

	for (; start + *i < top; (*i)++) {
		yaml_node_pair_t *p = start + *i, *q;
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const char *name;
		bool dup = false;
		int idx;

		if (k->type != YAML_SCALAR_NODE) {
			report(c, k, path, "a key must be a plain name");
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (q = start; q < p; q++) {
			yaml_node_t *kq = yaml_document_get_node(c->doc, q->key);

			if (kq->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)kq->data.scalar.value, name))
				dup = true;
		}
		snprintf(sub, subn, "%s%s%s", path, *path ? "." : "", name);
		if (dup) {
			report(c, k, sub, "duplicate key (first given above)");
			continue;
		}
		for (idx = 0; keys[idx]; idx++)
			if (!strcmp(keys[idx], name))
				break;
		if (!keys[idx]) {
			char list[256] = "";
			int j;

			for (j = 0; keys[j]; j++) {
				strncat(list, j ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, keys[j], sizeof(list) - strlen(list) - 1);
			}
			report(c, k, sub, "unknown key; expected one of: %s", list);
			continue;
		}
		*val = yaml_document_get_node(c->doc, p->value);
		(*i)++;
		return idx;
	}
	return -1;
}

static bool plain(struct ctx *c, const yaml_node_t *n, const char *path,
		  const char *what)
{
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return true;
	report(c, n, path, "expected %s, found a quoted string", what);
	return false;
}

static void get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out)
{
	const char *s = scalar(c, n, path);

	if (!s || !plain(c, n, path, "true or false"))
		return;
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else
		report(c, n, path, "\"%s\" is not a boolean; write true or false", s);
}

static void get_u32(struct ctx *c, yaml_node_t *n, const char *path,
		    uint32_t *out, uint32_t min, uint32_t max)
{
	const char *s = scalar(c, n, path);
	unsigned long long v;
	char *end;

	if (!s || !plain(c, n, path, "a whole number"))
		return;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno) {
		report(c, n, path, "\"%s\" is not a whole number", s);
		return;
	}
	if (v < min || v > max) {
		report(c, n, path, "%llu is out of range; write %u to %u", v, min,
		       max);
		return;
	}
	*out = (uint32_t)v;
}

static void get_duration(struct ctx *c, yaml_node_t *n, const char *path,
			 uint64_t *out, uint64_t min, uint64_t max)
{
	const char *s = scalar(c, n, path);
	char why[UNITS_WHY_MAX];
	uint64_t v;

	if (!s)
		return;
	if (units_duration(s, &v, why, sizeof(why))) {
		report(c, n, path, "%s", why);
		return;
	}
	if (v < min || v > max) {
		report(c, n, path, "%s is out of range; write %llu ms to %llu ms",
		       s, (unsigned long long)(min / 1000000),
		       (unsigned long long)(max / 1000000));
		return;
	}
	*out = v;
}

/* One of `words`; *out gets its index. */
static void get_enum(struct ctx *c, yaml_node_t *n, const char *path,
		     const char *const *words, int *out)
{
	const char *s = scalar(c, n, path);
	char list[128] = "";
	int i;

	if (!s)
		return;
	for (i = 0; words[i]; i++) {
		if (!strcmp(s, words[i])) {
			*out = i;
			return;
		}
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, words[i], sizeof(list) - strlen(list) - 1);
	}
	report(c, n, path, "\"%s\" is not one of: %s", s, list);
}

static void get_ifname(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_iface *ifc)
{
	const char *s = scalar(c, n, path);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (len >= IF_NAMESIZE || strpbrk(s, "/ \t:") || !strcmp(s, ".") ||
	    !strcmp(s, "..")) {
		report(c, n, path, "\"%s\" is not a valid interface name "
		       "(at most %d characters, no '/', ':' or spaces)", s,
		       IF_NAMESIZE - 1);
		return;
	}
	memcpy(ifc->name, s, len + 1);
}

static void parse_iface(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_iface *ifc)
{
	static const char *const keys[] = { "name", "direction", "optional",
					     NULL };
	static const char *const dirs[] = { "ingress", "egress", "both", NULL };
	static const unsigned dir_bits[] = { WF_DIRS_INGRESS, WF_DIRS_EGRESS,
					     WF_DIRS_BOTH };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	bool named = false;
	int i = 0, k, dir = 2;

	ifc->where.line = (int)n->start_mark.line + 1;
	ifc->where.col = (int)n->start_mark.column + 1;
	ifc->dirs = WF_DIRS_BOTH;
	/* "- eth0" is short for "- name: eth0". */
	if (n->type == YAML_SCALAR_NODE) {
		get_ifname(c, n, path, ifc);
		return;
	}
	if (!expect_kind(c, n, path, YAML_MAPPING_NODE,
			 "an interface name or a mapping with name:"))
		return;
	while ((k = pair_next(c, n, path, keys, &i, &val, sub, sizeof(sub))) >= 0) {
		if (k == 0) {
			named = true;
			get_ifname(c, val, sub, ifc);
		} else if (k == 1)
			get_enum(c, val, sub, dirs, &dir);
		else
			get_bool(c, val, sub, &ifc->optional);
	}
	ifc->dirs = dir_bits[dir];
	if (!named)
		report(c, n, path, "missing key \"name\"; write name: eth0 (or auto)");
}

static void parse_ifaces(struct ctx *c, yaml_node_t *n, const char *path,
			 struct wf_config *cfg)
{
	yaml_node_item_t *it;
	char sub[PATH_MAXLEN];
	int i, j;

	if (!expect_kind(c, n, path, YAML_SEQUENCE_NODE, "a list of interfaces"))
		return;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		snprintf(sub, sizeof(sub), "%s[%d]", path, cfg->n_ifaces);
		if (cfg->n_ifaces == WF_MAX_IFACES) {
			report(c, item, sub, "more than %d interfaces",
			       WF_MAX_IFACES);
			return;
		}
		parse_iface(c, item, sub, &cfg->ifaces[cfg->n_ifaces]);
		i = cfg->n_ifaces++;
		for (j = 0; j < i && cfg->ifaces[i].name[0]; j++)
			if (!strcmp(cfg->ifaces[i].name, cfg->ifaces[j].name))
				report(c, item, sub, "interface \"%s\" is already "
				       "listed as %s[%d]; list each once and use "
				       "direction: both", cfg->ifaces[i].name,
				       path, j);
	}
	if (cfg->n_ifaces == 0)
		report(c, n, path, "empty list; name at least one interface "
		       "(or auto for the default route's)");
}

static void parse_accounting(struct ctx *c, yaml_node_t *n, const char *path,
			     struct wf_config *cfg)
{
	static const char *const keys[] = { "window", "max_flows", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0, k;

	if (!expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = pair_next(c, n, path, keys, &i, &val, sub, sizeof(sub))) >= 0) {
		if (k == 0)
			get_duration(c, val, sub, &cfg->window_ns, WINDOW_MIN_NS,
				     WINDOW_MAX_NS);
		else
			get_u32(c, val, sub, &cfg->max_flows, FLOWS_MIN, FLOWS_MAX);
	}
}

static void parse_log(struct ctx *c, yaml_node_t *n, const char *path,
		      struct wf_config *cfg)
{
	static const char *const keys[] = { "level", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug",
					      NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	int i = 0;

	if (!expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while (pair_next(c, n, path, keys, &i, &val, sub, sizeof(sub)) >= 0)
		get_enum(c, val, sub, levels, &cfg->log_level);
}

static void parse_pin_dir(struct ctx *c, yaml_node_t *n, const char *path,
			  struct wf_config *cfg)
{
	static const char bpffs[] = "/sys/fs/bpf/";
	const char *s = scalar(c, n, path);

	if (!s)
		return;
	if (strncmp(s, bpffs, sizeof(bpffs) - 1) || !s[sizeof(bpffs) - 1] ||
	    strstr(s, "/..") || strlen(s) >= sizeof(cfg->pin_dir) - 32) {
		report(c, n, path, "\"%s\" must be a directory below %s "
		       "(e.g. %s)", s, bpffs, WF_DEFAULT_PIN_DIR);
		return;
	}
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", s);
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct wf_config *cfg)
{
	static const char *const keys[] = { "interfaces", "accounting", "log",
					     "pin_dir", "missing_hook", NULL };
	static const char *const missing[] = { "fail", "skip", NULL };
	char sub[PATH_MAXLEN];
	yaml_node_t *val;
	bool have_ifaces = false;
	int i = 0, k, how = WF_MISSING_FAIL;

	if (!expect_kind(c, root, "", YAML_MAPPING_NODE,
			 "a mapping of sections (interfaces:, accounting:, ...)"))
		return;
	while ((k = pair_next(c, root, "", keys, &i, &val, sub, sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			have_ifaces = true;
			parse_ifaces(c, val, sub, cfg);
			break;
		case 1:
			parse_accounting(c, val, sub, cfg);
			break;
		case 2:
			parse_log(c, val, sub, cfg);
			break;
		case 3:
			parse_pin_dir(c, val, sub, cfg);
			break;
		case 4:
			get_enum(c, val, sub, missing, &how);
			break;
		}
	}
	cfg->missing_hook = how;
	if (!have_ifaces)
		report(c, root, "interfaces", "missing section; list the "
		       "interfaces to account, e.g. interfaces: [auto]");
}

static void config_defaults(struct wf_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", WF_DEFAULT_PIN_DIR);
	cfg->window_ns = WINDOW_MIN_NS;
	cfg->max_flows = FLOWS_DEFAULT;
	cfg->log_level = LOG_INFO;
}

/* Report a libyaml scanner/parser error at its mark. */
static void report_syntax(struct ctx *c, yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR) {
		fprintf(c->err, "%s: out of memory reading YAML\n", c->file);
	} else {
		fprintf(c->err, "%s:%zu:%zu: YAML syntax: %s", c->file,
			m.line + 1, m.column + 1,
			p->problem ? p->problem : "error");
		if (p->context)
			fprintf(c->err, " (%s at line %zu)", p->context,
				p->context_mark.line + 1);
		fputc('\n', c->err);
	}
	c->errors++;
}

int config_parse(const char *name, const char *text, size_t len,
		 struct wf_config *cfg, FILE *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ctx c = { .file = name, .doc = &doc, .err = err };
	yaml_node_t *root;

	config_defaults(cfg, name);
	if (!yaml_parser_initialize(&parser)) {
		fprintf(err, "%s: cannot start the YAML parser\n", name);
		return 1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		report_syntax(&c, &parser);
		yaml_parser_delete(&parser);
		return c.errors;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fprintf(err, "%s:1:1: the file is empty; start from "
			"config/config.yaml\n", name);
		c.errors++;
	} else {
		parse_root(&c, root, cfg);
		/* A second document would be silently ignored: refuse it. */
		if (!yaml_parser_load(&parser, &extra)) {
			report_syntax(&c, &parser);
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);

			if (r2)
				report(&c, r2, "", "a second YAML document; "
				       "put everything in one");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return c.errors;
}

int config_load(const char *path, struct wf_config *cfg, FILE *err)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0, got;
	int errors;

	if (!f) {
		fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
		config_defaults(cfg, path);
		return 1;
	}
	do {
		if (len + 4096 > cap) {
			char *bigger = realloc(text, cap = cap * 2 + 4096);

			if (!bigger) {
				free(text);
				fclose(f);
				fprintf(err, "%s: out of memory\n", path);
				return 1;
			}
			text = bigger;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < (1U << 20));
	if (ferror(f) || len >= (1U << 20)) {
		fprintf(err, "%s: %s\n", path, ferror(f) ? strerror(errno) :
			"larger than 1 MiB; is this the right file?");
		free(text);
		fclose(f);
		config_defaults(cfg, path);
		return 1;
	}
	fclose(f);
	errors = config_parse(path, text ? text : "", len, cfg, err);
	free(text);
	return errors;
}

void config_print(const struct wf_config *cfg, FILE *out)
{
	static const char *const dirs[] = { "", "ingress", "egress",
					    "ingress+egress" };
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	int i;

	fprintf(out, "%-24s %s\n", "pin_dir", cfg->pin_dir);
	fprintf(out, "%-24s %s\n", "missing_hook",
		cfg->missing_hook == WF_MISSING_FAIL ? "fail (refuse to start)" :
		"skip (warn and go on)");
	for (i = 0; i < cfg->n_ifaces; i++) {
		char key[32];
		const struct wf_cfg_iface *ifc = &cfg->ifaces[i];

		snprintf(key, sizeof(key), "interfaces[%d]", i);
		fprintf(out, "%-24s %s%s, %s, %s\n", key, ifc->name,
			strcmp(ifc->name, WF_IFACE_AUTO) ? "" :
			" (the default route's interface)",
			dirs[ifc->dirs & 3],
			ifc->optional ? "optional" : "required");
	}
	fprintf(out, "%-24s %llu ms\n", "accounting.window",
		(unsigned long long)(cfg->window_ns / 1000000));
	fprintf(out, "%-24s %u entries\n", "accounting.max_flows",
		cfg->max_flows);
	fprintf(out, "%-24s %s\n", "log.level", levels[cfg->log_level & 3]);
}
