/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * reader.h - the YAML reading helpers the parsers of config/ share (one
 * file per large section). Not for use outside config/.
 *
 * Each cfg_get_* reads one node, reports what is wrong as
 * FILE:LINE:COL: key.path: message and leaves *out alone on error.
 */
#ifndef WF_CONFIG_READER_H
#define WF_CONFIG_READER_H

#include <yaml.h>

#include "config.h"

/*
 * Key paths ("interfaces[3].name") include keys the user typed; a very long
 * one is cut short in the message, which is what we want.
 */
#ifndef __clang__ /* clang has no such warning (the fuzzer builds with it) */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#define PATH_MAXLEN 128

struct ctx {
	const char *file;
	yaml_document_t *doc;
	FILE *err;
	int errors;
};

/* Where node n starts in the file. */
static inline struct wf_where cfg_where(const yaml_node_t *n)
{
	return (struct wf_where){ .line = (int)n->start_mark.line + 1,
				  .col = (int)n->start_mark.column + 1 };
}

void __attribute__((format(printf, 4, 5)))
cfg_report(struct ctx *c, const yaml_node_t *n, const char *path,
	   const char *fmt, ...);
/* A libyaml scanner or parser error, at its mark. */
void cfg_report_syntax(struct ctx *c, yaml_parser_t *p);
bool cfg_expect_kind(struct ctx *c, const yaml_node_t *n, const char *path,
		     yaml_node_type_t type, const char *want);
const char *cfg_scalar(struct ctx *c, const yaml_node_t *n, const char *path);
int cfg_pair_next(struct ctx *c, yaml_node_t *map, const char *path,
		  const char *const *keys, int *i, yaml_node_t **val, char *sub,
		  size_t subn);
/*
 * Item i of sequence n, with sub set to "path[i]"; NULL past the end, and
 * NULL after reporting "more than max what" at item max.
 */
yaml_node_t *cfg_item(struct ctx *c, yaml_node_t *n, const char *path, int i,
		      int max, const char *what, char *sub, size_t subn);
bool cfg_plain(struct ctx *c, const yaml_node_t *n, const char *path,
	       const char *what);
void cfg_get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out);
void cfg_get_u32(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out,
		 uint32_t min, uint32_t max);
void cfg_get_duration(struct ctx *c, yaml_node_t *n, const char *path,
		      uint64_t *out, uint64_t min, uint64_t max);
void cfg_get_enum(struct ctx *c, yaml_node_t *n, const char *path,
		  const char *const *words, int *out);
void cfg_get_prefix(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_prefix *out);
void cfg_get_ifname(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_cfg_iface *ifc);
void cfg_get_rate(struct ctx *c, yaml_node_t *n, const char *path,
		  uint64_t *out);
/* A port or "low-high" (false: reported); a protocol name or number. */
bool cfg_get_ports(struct ctx *c, yaml_node_t *n, const char *path,
		   uint16_t *lo, uint16_t *hi);
void cfg_get_proto(struct ctx *c, yaml_node_t *n, const char *path, int *out);

/* rules[] (rules.c); the interfaces rules name must be listed, and a
 * group's rules must all be enforced at one hook (after placement). */
void cfg_parse_rules(struct ctx *c, yaml_node_t *n, const char *path,
		     struct wf_config *cfg);
void cfg_check_rule_ifaces(struct ctx *c, const struct wf_config *cfg);
void cfg_check_groups(struct ctx *c, const struct wf_config *cfg);

/* steering (steering.c; printed by print.c) */
void cfg_parse_steering(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_config *cfg);
void cfg_steering_defaults(struct wf_config *cfg);
void cfg_print_steering(const struct wf_config *cfg, FILE *out);

#endif /* WF_CONFIG_READER_H */
