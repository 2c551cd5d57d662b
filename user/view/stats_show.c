// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stats_show.c - the flow model and its renderers put together: `wirefisher
 * stats` (once, or a live view) and the documents the HTTP endpoint serves.
 */
#include "stats.h"

#include "screen.h"
#include "watch.h"

/* Flows to show: --top, the terminal's rows in a live view, --no-flows. */
static size_t flows_shown(const struct stats_opts *o,
			  const struct stats_view *v, int rows)
{
	size_t shown = v->n, fit;

	if (o->top && o->top < shown)
		shown = o->top;
	/* Header, rules and their header, a blank line, the flows' header. */
	fit = rows > 0 && (size_t)rows > v->n_rules + 6 ?
		      (size_t)rows - v->n_rules - 6 :
		      0;
	if (rows > 0 && fit < shown)
		shown = fit;
	return o->no_flows ? 0 : shown;
}

/*
 * Print one snapshot to out. width: the terminal's columns (0: not a
 * terminal, print every column); rows: its lines in a live view (the flows
 * that fit are shown), 0 for all.
 */
static void print_once(const struct stats_opts *o, struct stats_view *v,
		       FILE *out, int width, int rows)
{
	size_t shown;

	stats_sort(v, o->sort);
	shown = flows_shown(o, v, rows);
	if (o->json)
		stats_print_json(out, v, shown);
	else
		stats_print_table(out, v, shown, width);
	fflush(out);
}

/* The flows a snapshot for o must keep: never more than it shows. */
static size_t flows_kept(const struct stats_opts *o)
{
	if (o->no_flows)
		return 0;
	return o->top ? o->top : STATS_ALL;
}

struct show {
	const struct stats_opts *o;
	struct stats_view v;
};

static void render_frame(void *arg, FILE *out)
{
	struct show *s = arg;

	print_once(s->o, &s->v, out, screen_width(stdout), screen_rows(stdout));
}

static int show_once(void *arg)
{
	struct show *s = arg;

	if (stats_read_top(&s->v, s->o->sort, flows_kept(s->o)))
		return 1;
	if (s->o->watch_ns && !s->o->json && screen_width(stdout))
		view_frame(render_frame, s);
	else
		print_once(s->o, &s->v, stdout, screen_width(stdout), 0);
	return 0;
}

int stats_show(const struct stats_opts *o)
{
	struct show s = { .o = o };
	int rc;

	if (stats_open(&s.v, o->pin_dir))
		return 1;
	rc = view_watch(o->watch_ns, show_once, &s);
	stats_close(&s.v);
	return rc;
}

int stats_write(const struct stats_opts *o, FILE *out)
{
	struct stats_view v;
	int rc;

	if (stats_open(&v, o->pin_dir))
		return 1;
	rc = stats_read_top(&v, o->sort, flows_kept(o));
	if (!rc)
		print_once(o, &v, out, 0, 0);
	stats_close(&v);
	return rc;
}

int stats_write_metrics(const char *pin_dir, unsigned top, FILE *out)
{
	struct stats_view v;
	int rc;

	if (stats_open(&v, pin_dir))
		return 1;
	rc = stats_read_top(&v, SORT_RATE, top);
	if (!rc) {
		stats_sort(&v, SORT_RATE);
		stats_print_metrics(out, &v, top);
	}
	stats_close(&v);
	return rc;
}
