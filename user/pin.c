// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "../bpf/wf_shared.h"
#include "log.h"

#define BPFFS "/sys/fs/bpf"

int pin_path(char *buf, size_t n, const char *dir, const char *name)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* A fresh machine has no bpffs at /sys/fs/bpf; pins need one. */
static int bpffs_ensure(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		log_error("cannot mount bpffs on %s: %s", BPFFS, strerror(errno));
		return -1;
	}
	log_info("mounted bpffs on %s", BPFFS);
	return 0;
}

/* The pid recorded by the instance that holds `dir`, or 0. */
static unsigned holder_pid(const char *dir)
{
	char path[512];
	struct wf_info info = { 0 };
	__u32 zero = 0;
	int fd;

	if (pin_path(path, sizeof(path), dir, "wf_info"))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &info))
		info.pid = 0;
	close(fd);
	return info.pid;
}

int pin_dir_acquire(const char *dir)
{
	int fd;

	if (bpffs_ensure())
		return -1;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		log_error("cannot create pin directory %s: %s", dir,
			  strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open pin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		unsigned pid = holder_pid(dir);

		if (pid)
			log_error("another wirefisher (pid %u) is running on %s; "
				  "stop it first, or give this one another pin_dir",
				  pid, dir);
		else
			log_error("another wirefisher is running on %s; stop it "
				  "first, or give this one another pin_dir", dir);
		close(fd);
		return -1;
	}
	return fd;
}

int pin_dir_clear(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (pin_path(path, sizeof(path), dir, e->d_name) == 0 &&
		    unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

void pin_dir_release(const char *dir, int lock_fd)
{
	if (lock_fd < 0)
		return;
	pin_dir_clear(dir);
	if (rmdir(dir) && errno != ENOENT)
		log_warn("cannot remove %s: %s", dir, strerror(errno));
	close(lock_fd);
}

int pin_open(const char *dir, const char *name)
{
	char path[512];

	if (pin_path(path, sizeof(path), dir, name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return bpf_obj_get(path);
}
