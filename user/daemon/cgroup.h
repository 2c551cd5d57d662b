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

/*
 * Find the one cgroup below the mount whose directory is named for a
 * systemd unit ("nginx.service") or a container id or unambiguous prefix of
 * one, the way the common cgroup drivers name them: docker-ID.scope (docker,
 * systemd driver), docker/ID (cgroupfs driver), libpod-ID.scope and
 * libpod-ID (podman), cri-containerd-ID.scope, crio-ID.scope. On success
 * writes the path relative to the mount into rel. -1 with `why` when there
 * is none, CGROUP_AMBIGUOUS when there is more than one. Only directories
 * root made count: a user's delegated subtree holds no services.
 */
#define CGROUP_AMBIGUOUS (-2)

int cgroup_find_unit(const char *unit, char *rel, size_t reln, char *why,
		     size_t n);
int cgroup_find_container(const char *id, char *rel, size_t reln, char *why,
			  size_t n);

#endif /* WF_CGROUP_H */
