// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "../../bpf/wf_shared.h"
#include "log.h"

#define BPFFS "/sys/fs/bpf"

int pin_path(char *buf, size_t n, const char *dir, const char *name)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* A fresh machine has no bpffs at /sys/fs/bpf; pins need one. */
static bool bpffs_here(void)
{
	struct statfs st;

	return statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* The mount namespace of process pid ("self"), as an inode; 0 unknown. */
static ino_t mnt_ns(const char *pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	return stat(path, &st) ? 0 : st.st_ino;
}

/*
 * `ip netns exec` runs its command in a mount namespace of its own with a
 * fresh /sys, which hides the host's bpffs: pins made there would be seen
 * by no other command (nor outlive the process, persist or not). Told by
 * no bpffs at /sys/fs/bpf in a mount namespace other than our parent's
 * (or init's: a service manager starts us in one of our own, where its
 * bpffs stays visible).
 */
static bool bpffs_hidden(void)
{
	char ppid[16];
	ino_t self = mnt_ns("self"), other;

	snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
	other = mnt_ns(ppid);
	if (!other)
		other = mnt_ns("1");
	return !bpffs_here() && self && other && self != other;
}

#define NSENTER_HINT                                                    \
	"/sys/fs/bpf is not the host's bpffs in this mount "            \
	"namespace (ip netns exec remounts /sys); run wirefisher with " \
	"nsenter --net=/run/netns/NAME instead"

static int bpffs_ensure(void)
{
	if (bpffs_here())
		return 0;
	if (bpffs_hidden()) {
		log_error(NSENTER_HINT);
		return -1;
	}
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		log_error("cannot mount bpffs on %s: %s", BPFFS,
			  strerror(errno));
		return -1;
	}
	log_info("mounted bpffs on %s", BPFFS);
	return 0;
}

/* wf_info as this layout has it: one array slot of struct wf_info. */
static int open_info(const char *dir)
{
	return pin_open(dir, "wf_info");
}

int pin_read_info(const char *dir, struct wf_info *info)
{
	int fd = open_info(dir), err;
	__u32 zero = 0;

	if (fd < 0)
		return -1;
	err = bpf_map_lookup_elem(fd, &zero, info);
	close(fd);
	return err ? -1 : 0;
}

/* The pid recorded by the instance that holds `dir`, or 0. */
static unsigned holder_pid(const char *dir)
{
	struct wf_info info;

	return pin_read_info(dir, &info) ? 0 : info.pid;
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
		log_error("cannot open pin directory %s: %s", dir,
			  strerror(errno));
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
				  "first, or give this one another pin_dir",
				  dir);
		close(fd);
		return -1;
	}
	return fd;
}

bool pin_dir_held(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool held;

	if (fd < 0)
		return false;
	/* A shared lock is refused only while a daemon holds its own. */
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
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
		/* Only our own: maps, links, and a pin_replace() cut short. */
		if (strncmp(e->d_name, "wf_", 3) &&
		    strncmp(e->d_name, "link_", 5) &&
		    strncmp(e->d_name, "new_wf_", 7) &&
		    strncmp(e->d_name, "new_link_", 9))
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
	/* Not empty: hooks kept for the next run (persist), or an earlier
	 * run's that a failed start left as they were. */
	if (rmdir(dir) && errno != ENOENT && errno != ENOTEMPTY)
		log_warn("cannot remove %s: %s", dir, strerror(errno));
	close(lock_fd);
}

int pin_replace(int fd, const char *dir, const char *name)
{
	char path[512], tmp[512];

	/* bpffs refuses dots in names: the temporary one gets a prefix. */
	if (pin_path(path, sizeof(path), dir, name) ||
	    snprintf(tmp, sizeof(tmp), "%s/new_%s", dir, name) >=
		    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return -errno;
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

/*
 * The shape of every map a reader looks values up in: a lookup copies
 * value_size bytes into the caller's struct, so a pin of another shape -
 * another layout, another program's, a hostile one - must never be read.
 */
static const struct pin_shape {
	const char *name;
	__u32 type, key_size, value_size;
} shapes[] = {
#define SHAPE(n, t, k, v)                                  \
	{                                                  \
#n, BPF_MAP_TYPE_##t, sizeof(k), sizeof(v) \
	}
	SHAPE(wf_info, ARRAY, __u32, struct wf_info),
	SHAPE(wf_flows, LRU_HASH, struct wf_flow_key, struct wf_flow),
	SHAPE(wf_stats, PERCPU_ARRAY, __u32, struct wf_counters),
	SHAPE(wf_ifaces, HASH, __u32, struct wf_iface),
	SHAPE(wf_rules, ARRAY, __u32, struct wf_rule),
	SHAPE(wf_rule_buckets, ARRAY, __u32, struct wf_bucket),
	SHAPE(wf_keyed, LRU_HASH, struct wf_bucket_key, struct wf_bucket),
	SHAPE(wf_rule_stats, PERCPU_ARRAY, __u32, struct wf_rule_counters),
	SHAPE(wf_rule_acct, ARRAY, __u32, struct wf_flow),
	SHAPE(wf_routes, HASH, __u32, struct wf_route),
	SHAPE(wf_steer_flows, LRU_HASH, struct wf_flow_key,
	      struct wf_steer_flow),
	SHAPE(wf_path_flows, ARRAY, __u32, __u64),
	SHAPE(wf_path_retired, ARRAY, __u32, __u64),
	SHAPE(wf_path_status, ARRAY, __u32, struct wf_path_status),
	SHAPE(wf_route_ctl, ARRAY, __u32, struct wf_route_ctl),
	SHAPE(wf_frags, LRU_HASH, struct wf_frag_key, struct wf_frag),
	SHAPE(wf_agg_paths, ARRAY, __u32, struct wf_agg_path),
	SHAPE(wf_agg_queue, ARRAY, __u32, __u64),
	SHAPE(wf_agg_hop, PERCPU_ARRAY, __u32, __u64),
	SHAPE(wf_dups, HASH, __u32, struct wf_dup),
	SHAPE(wf_dup_stats, PERCPU_ARRAY, __u32, struct wf_dup_counters),
	SHAPE(wf_agg_stats, PERCPU_ARRAY, __u32, struct wf_agg_counters),
	SHAPE(wf_dedup, LRU_HASH, struct wf_dedup_key, __u64),
	SHAPE(wf_path_seen, HASH, __u32, struct wf_path_seen),
	SHAPE(wf_path_left, ARRAY, __u32, __u64),
	SHAPE(wf_flowlet, ARRAY, __u32, __u64),
#undef SHAPE
};

static const struct pin_shape *shape_of(const char *name)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (!strcmp(shapes[i].name, name))
			return &shapes[i];
	return NULL;
}

static bool shape_ok(int fd, const struct pin_shape *s)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       info.type == s->type && info.key_size == s->key_size &&
	       info.value_size == s->value_size;
}

int pin_open(const char *dir, const char *name)
{
	const struct pin_shape *s = shape_of(name);
	char path[512];
	int fd;

	if (pin_path(path, sizeof(path), dir, name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = bpf_obj_get(path);
	if (fd >= 0 && s && !shape_ok(fd, s)) {
		close(fd);
		errno = EPROTO;
		return -1;
	}
	return fd;
}

void pin_close_all(int *const *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

int pin_open_daemon(const char *dir, const char *const *names, int *const *fds,
		    int n, struct wf_info *info)
{
	int info_fd = open_info(dir), err = 0;
	__u32 zero = 0;

	for (int i = 0; i < n; i++)
		*fds[i] = -1;
	if (info_fd < 0 && errno == EPROTO) {
		log_error("the maps in %s have another layout than this wirefisher "
			  "reads (wf_info is not struct wf_info of layout %u): use "
			  "the binary that pinned them",
			  dir, WF_ABI_VERSION);
		return -1;
	}
	for (int i = 0; i < n && info_fd >= 0 && !err; i++)
		err = (*fds[i] = pin_open(dir, names[i])) < 0;
	if ((info_fd < 0 || err) && bpffs_hidden()) {
		log_error("no running wirefisher found at %s: " NSENTER_HINT,
			  dir);
		goto fail;
	}
	if (info_fd < 0 || err) {
		log_error("no running wirefisher found at %s (%s); start one with "
			  "sudo wirefisher -c FILE, or name its pin directory with "
			  "--pin-dir",
			  dir, strerror(errno));
		goto fail;
	}
	if (bpf_map_lookup_elem(info_fd, &zero, info) ||
	    info->abi_version != WF_ABI_VERSION) {
		log_error("the maps in %s have layout version %u; this wirefisher "
			  "reads version %u: use the binary that pinned them",
			  dir, info->abi_version, WF_ABI_VERSION);
		goto fail;
	}
	close(info_fd);
	return 0;
fail:
	if (info_fd >= 0)
		close(info_fd);
	pin_close_all(fds, n);
	return -1;
}
