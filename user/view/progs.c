// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * progs.c - see progs.h. A program is ours if it uses a map pinned in our
 * directory: another wirefisher's programs have the same names.
 */
#include "progs.h"

#include <dirent.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pin.h"
#include "pins.h"
#include "prom.h"

#define MAX_MAPS    64
#define MAX_PROGS   16
#define PROG_PREFIX "wf_" /* every program of ours is named so */

struct prog_sum {
	char name[16];
	__u64 cnt, ns;
};

/* Ids of the maps pinned in dir. */
static int our_map_ids(const char *dir, __u32 *ids, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (strncmp(e->d_name, VIEW_PIN_PREFIX,
			    strlen(VIEW_PIN_PREFIX)))
			continue;
		fd = pin_open(dir, e->d_name);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[n++] = info.id;
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

static bool uses_ours(int prog_fd, const __u32 *ours, int n_ours)
{
	__u32 maps[MAX_MAPS], len;
	struct bpf_prog_info info;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = MAX_MAPS;
	info.map_ids = (__u64)(unsigned long)maps;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	for (__u32 i = 0; i < info.nr_map_ids && i < MAX_MAPS; i++)
		for (int j = 0; j < n_ours; j++)
			if (maps[i] == ours[j])
				return true;
	return false;
}

/* Add one program's counts to its name's sum; n: names so far. */
static int add_prog(struct prog_sum *progs, int n,
		    const struct bpf_prog_info *info)
{
	int k;

	for (k = 0; k < n && strcmp(progs[k].name, info->name); k++)
		;
	if (k == n) {
		if (n == MAX_PROGS)
			return n;
		memset(&progs[n], 0, sizeof(progs[n]));
		snprintf(progs[n++].name, sizeof(progs[k].name), "%s",
			 info->name);
	}
	progs[k].cnt += info->run_cnt;
	progs[k].ns += info->run_time_ns;
	return n;
}

/* Our programs' counts, summed by name; returns how many names. */
static int collect(const char *dir, struct prog_sum *progs)
{
	__u32 ours[MAX_MAPS], id = 0;
	int n_ours = our_map_ids(dir, ours, MAX_MAPS), budget = 100000, n = 0;

	while (budget-- && n < MAX_PROGS && !bpf_prog_get_next_id(id, &id)) {
		int fd = bpf_prog_get_fd_by_id(id);
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, PROG_PREFIX, strlen(PROG_PREFIX)) &&
		    uses_ours(fd, ours, n_ours))
			n = add_prog(progs, n, &info);
		close(fd);
	}
	return n;
}

void progs_print_metrics(FILE *o, const char *pin_dir)
{
	struct prog_sum progs[MAX_PROGS];
	int n = collect(pin_dir, progs);
	char l[PROM_LABELS_MAX];

	prom_family(o, "wirefisher_program_runs_total", "counter",
		    "Runs of a "
		    "BPF program (counted only while kernel.bpf_stats_enabled "
		    "is 1).");
	for (int k = 0; k < n; k++)
		prom_u64(o, "wirefisher_program_runs_total",
			 prom_labels(l, sizeof(l), 1, "program", progs[k].name),
			 progs[k].cnt);
	prom_family(o, "wirefisher_program_run_seconds_total", "counter",
		    "Time spent in a BPF program (same condition).");
	for (int k = 0; k < n; k++)
		prom_f64(o, "wirefisher_program_run_seconds_total",
			 prom_labels(l, sizeof(l), 1, "program", progs[k].name),
			 progs[k].ns / 1e9);
}
