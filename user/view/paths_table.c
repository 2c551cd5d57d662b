// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * paths_table.c - the path model as a table (`wirefisher paths`, once or
 * as a live view) and as one JSON document (`paths --json`, /paths).
 */
#include "paths.h"

#include "format.h"
#include "json.h"
#include "screen.h"
#include "steer.h"
#include "units.h"
#include "watch.h"

#define NO_SCORE 0xffffffffu /* before the first answer */

static void fmt_score(const struct wf_path_status *s, char *buf, size_t n)
{
	if (s->score_milli == NO_SCORE)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f", s->score_milli / 1e3);
}

/* Under 120 columns the last change is an age ("12s"): a row fits 80. */
static void path_narrow(FILE *o, const struct wf_path_status *s)
{
	char rate[32], ago[40], score[16], name[16], dev[16];

	units_fmt_rate(s->rate_bps / 8, rate, sizeof(rate));
	fmt_score(s, score, sizeof(score));
	view_fmt_since(s->changed_unix_ns, ago, sizeof(ago));
	fprintf(o,
		"%-10s %-8s %-7s %4.1f ms %4.1f ms %4.1f%% %5s %5llu %11s "
		"%5s\n",
		screen_fit(s->name, 10, name, sizeof(name)),
		screen_fit(s->device, 8, dev, sizeof(dev)),
		steer_state_name(s->state), s->rtt_ns / 1e6, s->jitter_ns / 1e6,
		s->loss_ppm / 1e4, score, (unsigned long long)s->flows, rate,
		ago);
}

static void path_wide(FILE *o, const struct wf_path_status *s)
{
	char rate[32], ago[40], score[16];

	units_fmt_rate(s->rate_bps / 8, rate, sizeof(rate));
	fmt_score(s, score, sizeof(score));
	view_fmt_ago(s->changed_unix_ns, ago, sizeof(ago));
	fprintf(o,
		"%-12s %-12s %-7s %5.1f ms %5.1f ms %5.1f%% %6s %5llu "
		"%13s  %s\n",
		s->name, s->device, steer_state_name(s->state), s->rtt_ns / 1e6,
		s->jitter_ns / 1e6, s->loss_ppm / 1e4, score,
		(unsigned long long)s->flows, rate, ago);
}

/* The usable paths of route r, by name, sep between; "-" if none. */
static void usable_list(FILE *o, const struct paths_view *v, int r,
			const char *sep)
{
	const struct route_view *rv = &v->routes[r];
	int n = 0;

	for (int j = 0; j < rv->r.n_paths && j < WF_ROUTE_PATHS; j++) {
		const struct wf_route_path *p = &rv->r.paths[j];

		if (p->usable && p->path < v->n)
			fprintf(o, "%s%s", n++ ? sep : "", v->st[p->path].name);
	}
	if (!n)
		fputc('-', o);
}

void paths_print_table(FILE *o, const struct paths_view *v, int width)
{
	bool narrow = width > 0 && width < 120;

	if (narrow)
		fprintf(o, "%-10s %-8s %-7s %7s %7s %5s %5s %5s %11s %5s\n",
			"PATH", "DEVICE", "STATE", "RTT", "JITTER", "LOSS",
			"SCORE", "FLOWS", "RATE", "SINCE");
	else
		fprintf(o, "%-12s %-12s %-7s %8s %8s %6s %6s %5s %13s  %s\n",
			"PATH", "DEVICE", "STATE", "RTT", "JITTER", "LOSS",
			"SCORE", "FLOWS", "RATE", "LAST CHANGE");
	for (int i = 0; i < v->n; i++)
		(narrow ? path_narrow : path_wide)(o, &v->st[i]);
	fprintf(o, "\n%-32s %-9s %s\n", "ROUTE", "MODE", "VIA");
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		const struct route_view *rv = &v->routes[r];

		if (!rv->used)
			continue;
		fprintf(o, "%-32s %-9s ", rv->to, paths_mode(v, r));
		if (rv->have_r && rv->r.mode == WF_MODE_AGGREGATE &&
		    !paths_pinned(v, r))
			usable_list(o, v, r, "+");
		else
			fprintf(o, "%s%s", paths_active(v, r),
				paths_pinned(v, r) ? " (pinned by hand)" : "");
		fputc('\n', o);
	}
}

static void path_json(FILE *o, const struct paths_view *v, int i)
{
	const struct wf_path_status *s = &v->st[i];
	const struct wf_agg_counters *agg = &v->agg[i];
	const struct wf_agg_path *ap = &v->agg_path[i];

	fputs("{\"name\":", o);
	json_str(o, s->name);
	fputs(",\"device\":", o);
	json_str(o, s->device);
	fprintf(o,
		",\"state\":\"%s\",\"rtt_ms\":%.3f,\"jitter_ms\":%.3f,"
		"\"loss\":%.4f,\"score\":%.3f,\"flows\":%llu,\"rate_bps\":%llu,"
		"\"probes_sent\":%llu,\"probes_lost\":%llu,"
		"\"last_change_unix\":%.3f,\"handshake_age_s\":%lld,"
		"\"quiet_ms\":%.1f,\"suspected\":%llu,\"silence_downs\":%llu,"
		"\"flowlet_moves\":%llu",
		steer_state_name(s->state), s->rtt_ns / 1e6, s->jitter_ns / 1e6,
		s->loss_ppm / 1e6,
		s->score_milli == NO_SCORE ? -1.0 : s->score_milli / 1e3,
		(unsigned long long)s->flows, (unsigned long long)s->rate_bps,
		(unsigned long long)s->probes_sent,
		(unsigned long long)s->probes_lost, s->changed_unix_ns / 1e9,
		(long long)s->handshake_age_s, s->quiet_ns / 1e6,
		(unsigned long long)s->suspected,
		(unsigned long long)s->silence_downs,
		(unsigned long long)s->flowlet_moves);
	/* The capacity back from ns per byte: exact to a few bit/s. */
	fprintf(o,
		",\"aggregate\":{\"capacity_bps\":%.0f,\"delay_ms\":%.3f,"
		"\"queue_ms\":%.3f,\"packets\":%llu,\"bytes\":%llu}",
		ap->ns_per_byte ? 8e9 * (double)(1ULL << WF_TB_SHIFT) /
					  (double)ap->ns_per_byte :
				  0.0,
		ap->delay_ns / 1e6, v->agg_queue_ns[i] / 1e6,
		(unsigned long long)agg->packets,
		(unsigned long long)agg->bytes);
	fprintf(o,
		",\"duplicate\":{\"copies\":%llu,\"passed\":%llu,"
		"\"dropped\":%llu}",
		(unsigned long long)v->dup[i].copies,
		(unsigned long long)v->dup[i].passed,
		(unsigned long long)v->dup[i].dropped);
	fputc('}', o);
}

/* "duplicate":[first, second] - the paths selected packets leave by. */
static void dup_json(FILE *o, const struct paths_view *v, int r)
{
	const struct route_view *rv = &v->routes[r];

	fputs("\"duplicate\":[", o);
	for (int k = 0; rv->have_d && rv->d.n_sel && k < 2; k++) {
		if (!rv->d.ifindex[k] || rv->d.path[k] >= v->n)
			continue;
		if (k && rv->d.ifindex[0])
			fputc(',', o);
		json_str(o, v->st[rv->d.path[k]].name);
	}
	fputc(']', o);
	/* The receiving end's window (duplicate_window), 0: no selectors */
	fprintf(o, ",\"duplicate_window_ms\":%u",
		rv->have_d && rv->d.n_sel ?
			(rv->d.window_ms ? rv->d.window_ms : WF_DUP_WINDOW_MS) :
			0);
}

static void route_json(FILE *o, const struct paths_view *v, int r)
{
	const struct route_view *rv = &v->routes[r];
	bool first = true;

	fprintf(o, "{\"id\":%d,\"to\":", r);
	json_str(o, rv->to);
	fprintf(o, ",\"mode\":\"%s\",\"via\":", paths_mode(v, r));
	json_str(o, paths_active(v, r));
	fprintf(o, ",\"pinned\":%s,\"flowlet_ms\":%.1f,",
		paths_pinned(v, r) ? "true" : "false", rv->flowlet_ns / 1e6);
	dup_json(o, v, r);
	fputs(",\"usable\":[", o);
	for (int j = 0; rv->have_r && j < rv->r.n_paths && j < WF_ROUTE_PATHS;
	     j++) {
		const struct wf_route_path *p = &rv->r.paths[j];

		if (!p->usable || p->path >= v->n)
			continue;
		if (!first)
			fputc(',', o);
		json_str(o, v->st[p->path].name);
		first = false;
	}
	fputs("]}", o);
}

void paths_print_json(FILE *o, const struct paths_view *v)
{
	bool first = true;

	fputs("{\"paths\":[", o);
	for (int i = 0; i < v->n; i++) {
		if (i)
			fputc(',', o);
		path_json(o, v, i);
	}
	fputs("],\"routes\":[", o);
	for (int r = 0; r < WF_MAX_ROUTES; r++) {
		if (!v->routes[r].used)
			continue;
		if (!first)
			fputc(',', o);
		route_json(o, v, r);
		first = false;
	}
	fputs("]}\n", o);
}

struct show {
	const struct paths_opts *o;
	struct paths_view v;
};

static void render_frame(void *arg, FILE *out)
{
	struct show *s = arg;

	paths_print_table(out, &s->v, screen_width(stdout));
}

static int show_once(void *arg)
{
	struct show *s = arg;

	paths_read(&s->v);
	if (s->o->json)
		paths_print_json(stdout, &s->v);
	else if (s->v.n == 0)
		printf("this wirefisher steers nothing: its config has no "
		       "steering: section\n");
	else if (s->o->watch_ns && screen_width(stdout))
		view_frame(render_frame, s);
	else
		paths_print_table(stdout, &s->v, screen_width(stdout));
	fflush(stdout);
	return 0;
}

int paths_show(const struct paths_opts *o)
{
	struct show s = { .o = o };

	if (paths_open(&s.v, o->pin_dir))
		return 1;
	view_watch(o->watch_ns, show_once, &s);
	paths_close(&s.v);
	return 0;
}

int paths_write(const char *pin_dir, FILE *out,
		void (*print)(FILE *o, const struct paths_view *v))
{
	struct paths_view v;

	if (paths_open(&v, pin_dir))
		return 1;
	paths_read(&v);
	print(out, &v);
	paths_close(&v);
	return 0;
}
