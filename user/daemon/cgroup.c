// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cgroup_mount(char path[PATH_MAX])
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *m;
	int rc = -1;

	if (!f)
		return -1;
	while (rc && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2") &&
		    strlen(m->mnt_dir) < PATH_MAX) {
			strcpy(path, m->mnt_dir);
			rc = 0;
		}
	endmntent(f);
	return rc;
}

int cgroup_resolve(const char *rel, __u64 *id, __u32 *level, char *why,
		   size_t n)
{
	char mount[PATH_MAX], joined[2 * PATH_MAX], real[PATH_MAX];
	struct stat st;
	size_t mlen;
	const char *p;

	if (cgroup_mount(mount)) {
		snprintf(why, n, "cgroup v2 is not mounted on this host");
		return -1;
	}
	snprintf(joined, sizeof(joined), "%s/%s", mount, rel);
	if (!realpath(joined, real) || stat(real, &st)) {
		snprintf(why, n, "no cgroup \"%s\" under %s (%s)", rel, mount,
			 strerror(errno));
		return -1;
	}
	mlen = strlen(mount);
	if (strncmp(real, mount, mlen) || (real[mlen] && real[mlen] != '/')) {
		snprintf(why, n,
			 "\"%s\" leads to %s, outside the cgroup2 mount %s",
			 rel, real, mount);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, n, "%s is not a cgroup directory", real);
		return -1;
	}
	*id = (__u64)st.st_ino;
	*level = 0;
	for (p = real + mlen; *p; p++)
		if (*p == '/' && p[1])
			(*level)++;
	return 0;
}

/* A walk of the cgroup tree, bounded in depth and in directories visited. */
#define FIND_DEPTH 10
#define FIND_DIRS  100000

struct find {
	int (*match)(const char *name, const char *parent, const char *want);
	const char *want;
	char first[PATH_MAX];  /* relative path of the first match */
	char second[PATH_MAX]; /* ... of another, if any */
	int found;
	int visited;
};

/*
 * Only root makes the cgroups of services and containers. A subtree
 * delegated to a user (user@UID.service, rootless containers) is theirs to
 * fill: a directory named like a unit or container there is a decoy that
 * would make the rule ambiguous, or match the user's own processes.
 */
static bool made_by_root(const char *mount, const char *rel)
{
	char path[2 * PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", mount, rel);
	return stat(path, &st) == 0 && st.st_uid == 0;
}

static void find_walk(struct find *f, const char *mount, const char *rel,
		      int depth)
{
	char dir[2 * PATH_MAX], sub[PATH_MAX];
	const char *parent = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", mount, rel);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && f->visited < FIND_DIRS && f->found < 2) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		f->visited++;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 e->d_name);
		if (f->match(e->d_name, parent, f->want) &&
		    made_by_root(mount, sub))
			snprintf(f->found++ ? f->second : f->first, PATH_MAX,
				 "%s", sub);
		if (depth < FIND_DEPTH)
			find_walk(f, mount, sub, depth + 1);
	}
	closedir(d);
}

static int find_one(struct find *f, const char *what, char *rel, size_t reln,
		    char *why, size_t n)
{
	char mount[PATH_MAX];

	if (cgroup_mount(mount)) {
		snprintf(why, n, "cgroup v2 is not mounted on this host");
		return -1;
	}
	find_walk(f, mount, "", 0);
	if (f->found == 1) {
		snprintf(rel, reln, "%s", f->first);
		return 0;
	}
	if (f->found) {
		snprintf(why, n,
			 "%s \"%s\" is ambiguous: %s and %s (at least); "
			 "give more of it",
			 what, f->want, f->first, f->second);
		return CGROUP_AMBIGUOUS;
	}
	snprintf(why, n, "no cgroup for %s \"%s\" under %s", what, f->want,
		 mount);
	return -1;
}

static int match_unit(const char *name, const char *parent, const char *want)
{
	(void)parent;
	return !strcmp(name, want);
}

/* name, less a known prefix and suffix, starts with the wanted id. */
static int match_container(const char *name, const char *parent,
			   const char *want)
{
	static const char *const prefixes[] = { "docker-", "libpod-",
						"cri-containerd-", "crio-" };
	size_t i, wl = strlen(want);

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (!strncmp(name, prefixes[i], pl) &&
		    !strncmp(name + pl, want, wl))
			return 1;
	}
	/* cgroupfs driver: a directory named by the id under "docker". */
	return !strcmp(parent, "docker") && !strncmp(name, want, wl);
}

int cgroup_find_unit(const char *unit, char *rel, size_t reln, char *why,
		     size_t n)
{
	struct find f = { .match = match_unit, .want = unit };

	return find_one(&f, "unit", rel, reln, why, n);
}

int cgroup_find_container(const char *id, char *rel, size_t reln, char *why,
			  size_t n)
{
	struct find f = { .match = match_container, .want = id };

	return find_one(&f, "container", rel, reln, why, n);
}
