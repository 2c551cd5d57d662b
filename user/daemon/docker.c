// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "docker.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

#define MAX_ROOTS      8
#define MAX_CONTAINERS 10000	 /* looked at per root, per lookup */
#define MAX_CONFIG     (1 << 20) /* a config.v2.json is a few kB */

struct roots {
	char path[MAX_ROOTS][PATH_MAX];
	int n;
};

static void roots_add(struct roots *r, const char *p)
{
	char real[PATH_MAX];

	if (!realpath(p, real))
		return;
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->path[i], real))
			return;
	if (r->n < MAX_ROOTS)
		snprintf(r->path[r->n++], PATH_MAX, "%s", real);
}

/*
 * Each running process of root's whose comm is `comm`: fn(its command line,
 * NUL-separated; its length; arg).
 */
static void each_root_process(const char *comm,
			      void (*fn)(const char *, size_t, void *),
			      void *arg)
{
	char path[PATH_MAX], buf[8192], want[32];
	struct dirent *e;
	DIR *d = opendir("/proc");

	snprintf(want, sizeof(want), "%s\n", comm);
	while (d && (e = readdir(d))) {
		struct stat st;
		ssize_t len;
		FILE *f;
		int fd;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f) || strcmp(buf, want)) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s", e->d_name);
		if (stat(path, &st) || st.st_uid != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		fn(buf, (size_t)len, arg);
	}
	if (d)
		closedir(d);
}

/* The value of option short/long in a NUL-separated command line. */
static const char *cmdline_opt(const char *buf, size_t len, const char *shrt,
			       const char *lng)
{
	const char *a = buf, *end = buf + len;
	size_t ll = strlen(lng);

	while (a < end) {
		const char *next = a + strlen(a) + 1;

		if (!strncmp(a, lng, ll) && a[ll] == '=')
			return a + ll + 1;
		if ((!strcmp(a, shrt) || !strcmp(a, lng)) && next < end)
			return next;
		a = next;
	}
	return NULL;
}

/* A dockerd's data root: --data-root, or the old --graph / -g. */
static void add_dockerd_root(const char *cmdline, size_t len, void *arg)
{
	const char *root =
		cmdline_opt(cmdline, len, "--data-root", "--data-root");

	if (!root)
		root = cmdline_opt(cmdline, len, "-g", "--graph");
	roots_add(arg, root ? root : "/var/lib/docker");
}

static bool is_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

struct by_name {
	const char *name;
	char first[PATH_MAX]; /* the first id found */
	char second[PATH_MAX];
	int found;
	int conmons; /* podman containers running */
};

static void note_found(struct by_name *b, const char *id)
{
	if (b->found && !strcmp(b->first, id))
		return;
	snprintf(b->found ? b->second : b->first, PATH_MAX, "%s", id);
	b->found++;
}

/*
 * A podman container runs under a conmon of its own, started with its id
 * (-c) and name (-n): rootful podman has no daemon, and its database is
 * not a format to parse here. A running container is what traffic comes
 * from; a stopped one is found once it runs again (looked up every second).
 */
static void conmon_name(const char *cmdline, size_t len, void *arg)
{
	struct by_name *b = arg;
	const char *id = cmdline_opt(cmdline, len, "-c", "--cid");
	const char *name = cmdline_opt(cmdline, len, "-n", "--name");

	b->conmons++;
	if (id && name && is_id(id) && !strcmp(name, b->name))
		note_found(b, id);
}

/* Does root/containers/id/config.v2.json (root's) carry this name? */
static int has_name(const char *root, const char *id, const char *needle)
{
	char path[2 * PATH_MAX], *buf;
	struct stat st;
	int fd, found = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root,
		 id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || st.st_uid != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_CONFIG ||
	    !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return 0;
	}
	len = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (len > 0) {
		buf[len] = 0;
		found = strstr(buf, needle) != NULL;
	}
	free(buf);
	return found;
}

int container_find_name(const char *name, char *id, size_t idn, char *why,
			size_t n)
{
	char needle[128], dir[PATH_MAX + 16];
	struct by_name b = { .name = name };
	struct roots r = { .n = 0 };

	/* encoding/json writes it so: no spaces, the name after a slash. */
	snprintf(needle, sizeof(needle), "\"Name\":\"/%s\"", name);
	each_root_process("dockerd", add_dockerd_root, &r);
	roots_add(&r, "/var/lib/docker");
	for (int i = 0; i < r.n && b.found < 2; i++) {
		struct dirent *e;
		int seen = 0;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/containers", r.path[i]);
		d = opendir(dir);
		while (d && (e = readdir(d)) && seen++ < MAX_CONTAINERS &&
		       b.found < 2)
			if (is_id(e->d_name) &&
			    has_name(r.path[i], e->d_name, needle))
				note_found(&b, e->d_name);
		if (d)
			closedir(d);
	}
	each_root_process("conmon", conmon_name, &b);
	if (b.found > 1) {
		snprintf(why, n,
			 "container name \"%s\" is ambiguous: %.12s and "
			 "%.12s (two engines); give its id",
			 name, b.first, b.second);
		return CGROUP_AMBIGUOUS;
	}
	if (!b.found) {
		snprintf(why, n,
			 "no container named \"%s\" (looked in %d docker "
			 "data root%s - running dockerd's and /var/lib/docker "
			 "- and %d running podman container%s)",
			 name, r.n, r.n == 1 ? "" : "s", b.conmons,
			 b.conmons == 1 ? "" : "s");
		return -1;
	}
	snprintf(id, idn, "%s", b.first);
	return 0;
}
