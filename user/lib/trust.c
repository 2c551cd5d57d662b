// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* trust.c - see trust.h. */
#include "trust.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static bool owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* One component: owned by us or root, writable by no one else. */
static int check_one(const char *p, const struct stat *st, bool dir, char *why,
		     size_t n)
{
	if (!owner_ok(st)) {
		snprintf(why, n, "%s belongs to uid %u, not root", p,
			 (unsigned)st->st_uid);
		return -1;
	}
	/* Others may add to a sticky directory, never replace its entries. */
	if (dir && (st->st_mode & S_ISVTX) && st->st_uid == 0)
		return 0;
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, n,
			 "%s is writable by %s (mode %04o); chmod go-w %s", p,
			 st->st_mode & S_IWOTH ? "other users" : "its group",
			 (unsigned)(st->st_mode & 07777), p);
		return -1;
	}
	return 0;
}

int trust_path(const char *path, char *why, size_t n)
{
	char real[PATH_MAX], *slash;
	struct stat st;

	if (lstat(path, &st)) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, n, "%s is a symlink; name the file itself", path);
		return -1;
	}
	if (!realpath(path, real)) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (check_one(real, &st, false, why, n))
		return -1;
	/* Every directory above it, up to /. */
	while ((slash = strrchr(real, '/'))) {
		slash[slash == real] = '\0';
		if (stat(real, &st) || check_one(real, &st, true, why, n))
			return -1;
		if (slash == real)
			break;
	}
	return 0;
}
