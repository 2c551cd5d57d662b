// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "docker.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

/* The data root in a dockerd command line (NUL-separated), or NULL. */
static const char *cmdline_root(const char *buf, size_t len)
{
	static const char *const flags[] = { "--data-root", "--graph", "-g" };
	const char *a = buf, *end = buf + len;

	while (a < end) {
		const char *next = a + strlen(a) + 1;

		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			size_t fl = strlen(flags[i]);

			if (!strncmp(a, flags[i], fl) && a[fl] == '=')
				return a + fl + 1;
			if (!strcmp(a, flags[i]) && next < end)
				return next;
		}
		a = next;
	}
	return NULL;
}

/* Every running dockerd owned by root: its data root. */
static void roots_of_dockerd(struct roots *r)
{
	char path[PATH_MAX], buf[8192];
	struct dirent *e;
	DIR *d = opendir("/proc");

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
		if (!fgets(buf, sizeof(buf), f) || strcmp(buf, "dockerd\n")) {
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
		const char *root = cmdline_root(buf, (size_t)len);

		roots_add(r, root ? root : "/var/lib/docker");
	}
	if (d)
		closedir(d);
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

int docker_find_name(const char *name, char *id, size_t idn, char *why,
		     size_t n)
{
	char needle[128], dir[PATH_MAX + 16], first[PATH_MAX] = "";
	struct roots r = { .n = 0 };
	int found = 0;

	/* encoding/json writes it so: no spaces, the name after a slash. */
	snprintf(needle, sizeof(needle), "\"Name\":\"/%s\"", name);
	roots_of_dockerd(&r);
	roots_add(&r, "/var/lib/docker");
	for (int i = 0; i < r.n && found < 2; i++) {
		struct dirent *e;
		int seen = 0;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/containers", r.path[i]);
		d = opendir(dir);
		while (d && (e = readdir(d)) && seen++ < MAX_CONTAINERS) {
			if (strlen(e->d_name) != 64 ||
			    strspn(e->d_name, "0123456789abcdef") != 64 ||
			    !has_name(r.path[i], e->d_name, needle))
				continue;
			if (found++) {
				snprintf(why, n,
					 "docker container name \"%s\" is "
					 "ambiguous: %.12s and %.12s (two "
					 "engines); give its id",
					 name, first, e->d_name);
				break;
			}
			snprintf(first, sizeof(first), "%s", e->d_name);
		}
		if (d)
			closedir(d);
	}
	if (found > 1)
		return CGROUP_AMBIGUOUS;
	if (!found) {
		snprintf(why, n,
			 "no docker container named \"%s\" (looked in "
			 "%d data root%s: running dockerd's and /var/lib/docker)",
			 name, r.n, r.n == 1 ? "" : "s");
		return -1;
	}
	snprintf(id, idn, "%s", first);
	return 0;
}
