// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "cgroup.h"

#include <errno.h>
#include <mntent.h>
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
		snprintf(why, n, "\"%s\" leads to %s, outside the cgroup2 mount %s",
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
