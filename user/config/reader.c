// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * reader.c - reading one YAML node at a time (libyaml's document API), each
 * problem reported as FILE:LINE:COL: key.path: message. Shared by the
 * section parsers of config/ (reader.h).
 */
#include "reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "units.h"

/* Bounds of a rate, with the reason for each. */
#define RATE_MIN_BPS 8000ULL	      /* 1000 B/s: fixed-point floor */
#define RATE_MAX_BPS 1000000000000ULL /* 1 Tbit/s */

void __attribute__((format(printf, 4, 5)))
cfg_report(struct ctx *c, const yaml_node_t *n, const char *path,
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

bool cfg_expect_kind(struct ctx *c, const yaml_node_t *n, const char *path,
		     yaml_node_type_t type, const char *want)
{
	if (n->type == type)
		return true;
	cfg_report(c, n, path, "expected %s, found %s", want, kind_name(n));
	return false;
}

/* The text of a scalar node, or NULL (reported) if it is not a scalar. */
const char *cfg_scalar(struct ctx *c, const yaml_node_t *n, const char *path)
{
	if (!cfg_expect_kind(c, n, path, YAML_SCALAR_NODE, "a value"))
		return NULL;
	if (n->data.scalar.length == 0 &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		cfg_report(c, n, path, "missing value");
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		cfg_report(c, n, path, "value contains a NUL byte");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/*
 * Step through a mapping's pairs. Keys that are not plain strings, unknown
 * keys and duplicates are reported and skipped. Returns the index of the key
 * in `keys`, with *val and `sub` (the key's full path) set; -1 at the end.
 */
int cfg_pair_next(struct ctx *c, yaml_node_t *map, const char *path,
		  const char *const *keys, int *i, yaml_node_t **val, char *sub,
		  size_t subn)
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
			cfg_report(c, k, path, "a key must be a plain name");
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (q = start; q < p; q++) {
			yaml_node_t *kq =
				yaml_document_get_node(c->doc, q->key);

			if (kq->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)kq->data.scalar.value, name))
				dup = true;
		}
		snprintf(sub, subn, "%s%s%s", path, *path ? "." : "", name);
		if (dup) {
			cfg_report(c, k, sub,
				   "duplicate key (first given above)");
			continue;
		}
		for (idx = 0; keys[idx]; idx++)
			if (!strcmp(keys[idx], name))
				break;
		if (!keys[idx]) {
			char list[256] = "";
			int j;

			for (j = 0; keys[j]; j++) {
				strncat(list, j ? ", " : "",
					sizeof(list) - strlen(list) - 1);
				strncat(list, keys[j],
					sizeof(list) - strlen(list) - 1);
			}
			cfg_report(c, k, sub,
				   "unknown key; expected one of: %s", list);
			continue;
		}
		*val = yaml_document_get_node(c->doc, p->value);
		(*i)++;
		return idx;
	}
	return -1;
}

yaml_node_t *cfg_item(struct ctx *c, yaml_node_t *n, const char *path, int i,
		      int max, const char *what, char *sub, size_t subn)
{
	yaml_node_item_t *it = n->data.sequence.items.start + i;
	yaml_node_t *item;

	if (it >= n->data.sequence.items.top)
		return NULL;
	item = yaml_document_get_node(c->doc, *it);
	snprintf(sub, subn, "%s[%d]", path, i);
	if (i < max)
		return item;
	cfg_report(c, item, sub, "more than %d %s", max, what);
	return NULL;
}

bool cfg_plain(struct ctx *c, const yaml_node_t *n, const char *path,
	       const char *what)
{
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return true;
	cfg_report(c, n, path, "expected %s, found a quoted string", what);
	return false;
}

void cfg_get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s || !cfg_plain(c, n, path, "true or false"))
		return;
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else
		cfg_report(c, n, path,
			   "\"%s\" is not a boolean; write true or false", s);
}

void cfg_get_u32(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out,
		 uint32_t min, uint32_t max)
{
	const char *s = cfg_scalar(c, n, path);
	unsigned long long v;
	char *end;

	if (!s || !cfg_plain(c, n, path, "a whole number"))
		return;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno) {
		cfg_report(c, n, path, "\"%s\" is not a whole number", s);
		return;
	}
	if (v < min || v > max) {
		cfg_report(c, n, path, "%llu is out of range; write %u to %u",
			   v, min, max);
		return;
	}
	*out = (uint32_t)v;
}

/*
 * A value with a unit, read by one of the units.h parsers. Returns its text
 * (for range messages) and sets *v, or NULL after reporting.
 */
static const char *
cfg_get_units(struct ctx *c, yaml_node_t *n, const char *path,
	      int (*parse)(const char *, uint64_t *, char *, size_t),
	      uint64_t *v)
{
	const char *s = cfg_scalar(c, n, path);
	char why[UNITS_WHY_MAX];

	if (!s)
		return NULL;
	if (parse(s, v, why, sizeof(why))) {
		cfg_report(c, n, path, "%s", why);
		return NULL;
	}
	return s;
}

void cfg_get_duration(struct ctx *c, yaml_node_t *n, const char *path,
		      uint64_t *out, uint64_t min, uint64_t max)
{
	uint64_t v;
	const char *s = cfg_get_units(c, n, path, units_duration, &v);

	if (!s)
		return;
	if (v < min || v > max) {
		cfg_report(c, n, path,
			   "%s is out of range; write %llu ms to %llu ms", s,
			   (unsigned long long)(min / 1000000),
			   (unsigned long long)(max / 1000000));
		return;
	}
	*out = v;
}

/* One of `words`; *out gets its index. */
void cfg_get_enum(struct ctx *c, yaml_node_t *n, const char *path,
		  const char *const *words, int *out)
{
	const char *s = cfg_scalar(c, n, path);
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
	cfg_report(c, n, path, "\"%s\" is not one of: %s", s, list);
}

void cfg_get_ifname(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_cfg_iface *ifc)
{
	const char *s = cfg_scalar(c, n, path);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (len >= IF_NAMESIZE || strpbrk(s, "/ \t:") || !strcmp(s, ".") ||
	    !strcmp(s, "..")) {
		cfg_report(c, n, path,
			   "\"%s\" is not a valid interface name "
			   "(at most %d characters, no '/', ':' or spaces)",
			   s, IF_NAMESIZE - 1);
		return;
	}
	memcpy(ifc->name, s, len + 1);
}

/* "10.0.0.0/8", "fd00::/64" or a lone address (a /32 or /128). */
void cfg_get_prefix(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_prefix *out)
{
	const char *s = cfg_scalar(c, n, path);
	struct wf_prefix p;

	if (!s)
		return;
	switch (prefix_parse(s, &p)) {
	case PREFIX_OK:
		*out = p;
		break;
	case PREFIX_HOST_BITS:
		cfg_report(c, n, path,
			   "\"%s\" has host bits set past /%u; "
			   "write the network address",
			   s, p.len);
		break;
	default:
		cfg_report(c, n, path,
			   "\"%s\" is not an address or prefix; "
			   "write e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/64",
			   s);
	}
}

void cfg_get_rate(struct ctx *c, yaml_node_t *n, const char *path,
		  uint64_t *out)
{
	uint64_t v;
	const char *s = cfg_get_units(c, n, path, units_rate, &v);

	if (!s)
		return;
	if (v < RATE_MIN_BPS || v > RATE_MAX_BPS) {
		cfg_report(c, n, path,
			   "%s is out of range; write 8kbit to 1tbit", s);
		return;
	}
	*out = v;
}

static void log_at(enum log_level lvl, const struct wf_config *cfg,
		   struct wf_where w, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(lvl, "%s:%d:%d: %s", cfg->path, w.line, w.col, msg);
}

void config_error_at(const struct wf_config *cfg, struct wf_where w,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_ERROR, cfg, w, fmt, ap);
	va_end(ap);
}

void config_warn_at(const struct wf_config *cfg, struct wf_where w,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_WARN, cfg, w, fmt, ap);
	va_end(ap);
}
