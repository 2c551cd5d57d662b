/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cgroup.h - find cgroup v2 directories and their ids. */
#ifndef WF_CGROUP_H
#define WF_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * The cgroup2 mount point: /sys/fs/cgroup on the unified layout,
 * /sys/fs/cgroup/unified on the hybrid one (read from /proc/mounts).
 * Returns 0, or -1 if cgroup2 is not mounted.
 */
int cgroup_mount(char path[PATH_MAX]);

/*
 * Resolve `rel` (a path below the cgroup2 mount) to its cgroup id (the
 * directory's inode number, which is what bpf_skb_cgroup_id() returns) and
 * its depth below the root. Symlinks are followed, but the result must stay
 * below the mount. Returns 0, or -1 with the reason in `why`.
 */
int cgroup_resolve(const char *rel, __u64 *id, __u32 *level, char *why,
		   size_t n);

#endif /* WF_CGROUP_H */
