/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * host.h - what only the running system can say about a config, as data.
 *
 * The interface behind `auto`, each interface's ifindex and link-layer
 * length, each rule's interface, cgroup and executable, the cgroup2 mount:
 * the daemon finds these (daemon/host.c) before anything is loaded, and
 * again every second; the loader only writes them into maps and hooks. So
 * the datapath stage reads no cgroupfs, netlink or /proc of its own.
 */
#ifndef WF_HOST_H
#define WF_HOST_H

#include <limits.h>
#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "config.h"

struct wf_host_iface {
	char name[IF_NAMESIZE]; /* as configured, `auto` resolved */
	int ifindex;		/* 0: not in this namespace now */
	int l2_len;		/* 14 Ethernet, 0 layer 3; -errno: unusable */
};

struct wf_host_rule {
	__u32 ifindex;	 /* match.interface, 0: any (or not here) */
	__u64 cgroup_id; /* 0: no cgroup match, or it is not there */
	__u32 cgroup_level;
	__u64 exe_ino;
	__u32 exe_dev; /* the kernel's dev_t (major << 20 | minor) */
	/* Not empty: the rule's cgroup or process is not there, and why. */
	char missing[192];
};

struct wf_host {
	struct wf_host_iface ifaces[WF_MAX_IFACES];  /* as cfg->ifaces */
	struct wf_host_rule rules[WF_CFG_MAX_RULES]; /* as cfg->rules */
	char cgroup_root[PATH_MAX];		     /* "": no cgroup2 mount */
	/* As cfg->steer.routes: the kernel routes one of its prefixes
	 * through none of its paths (preflight warned about it). */
	bool unanchored[WF_CFG_MAX_ROUTES];
};

#endif /* WF_HOST_H */
