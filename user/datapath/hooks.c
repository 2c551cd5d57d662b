// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pin.h"

/* UAPI values newer than the headers libbpf 1.1 ships against. */
#define WF_BPF_TCX_INGRESS   46
#define WF_BPF_TCX_EGRESS    47
#define WF_BPF_LINK_TYPE_TCX 11

#define TC_HANDLE   0x5746 /* "WF": our filters in legacy clsact */
#define TC_PRIORITY 0x5746

const char *const hook_dir_names[2] = { "ingress", "egress" };
const char *const hook_cg_names[N_CG] = { "cg_ingress", "cg_egress",
					  "sock_create", "sockops" };

static const enum bpf_attach_type cg_types[N_CG] = {
	BPF_CGROUP_INET_INGRESS,
	BPF_CGROUP_INET_EGRESS,
	BPF_CGROUP_INET_SOCK_CREATE,
	BPF_CGROUP_SOCK_OPS,
};

void hook_init(struct hook *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->prog = h->was = -1;
	h->old_prog = -1;
}

static int tc_legacy(int ifindex, int dir, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == HOOK_INGRESS ? BPF_TC_INGRESS :
							  BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_legacy_detach(int ifindex, int dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == HOOK_INGRESS ? BPF_TC_INGRESS :
							  BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY);

	/* Fails harmlessly if the device (and its qdisc) is gone. */
	bpf_tc_detach(&hook, &opts);
}

void hook_tc_legacy_remove(int ifindex)
{
	tc_legacy_detach(ifindex, HOOK_INGRESS);
	tc_legacy_detach(ifindex, HOOK_EGRESS);
}

void hook_tc_legacy_remove_dir(int ifindex, int dir)
{
	tc_legacy_detach(ifindex, dir);
}

int hook_tc_attach(struct hook *h, int prog_fd, int ifindex, int dir,
		   bool *no_tcx)
{
	int fd, err;

	h->ifindex = ifindex;
	h->dir = dir;
	h->prog = prog_fd;
	if (!*no_tcx) {
		fd = bpf_link_create(prog_fd, ifindex,
				     dir == HOOK_INGRESS ? WF_BPF_TCX_INGRESS :
							   WF_BPF_TCX_EGRESS,
				     NULL);
		if (fd >= 0) {
			h->fd = fd;
			return 0;
		}
		if (fd != -EINVAL && fd != -EOPNOTSUPP)
			return fd;
		*no_tcx = true;
	}
	err = tc_legacy(ifindex, dir, prog_fd);
	h->legacy = !err;
	return err;
}

int hook_cg_attach(struct hook *h, int prog_fd, int cg_fd, int which)
{
	int fd = bpf_link_create(prog_fd, cg_fd, cg_types[which], NULL);

	if (fd < 0)
		return fd;
	h->fd = fd;
	h->prog = prog_fd;
	return 0;
}

/* A pinned link of the kind this hook is: tcx for tc, cgroup otherwise. */
static bool link_kind_ok(int fd, const char *pin)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	__u32 want = strncmp(pin, "link_tc_", 8) ? BPF_LINK_TYPE_CGROUP :
						   WF_BPF_LINK_TYPE_TCX;

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       info.type == want;
}

/* The program id of our netlink filter on (ifindex, dir); 0 if none. */
static __u32 tc_legacy_prog_id(int ifindex, int dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = dir == HOOK_INGRESS ? BPF_TC_INGRESS :
							  BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

int hook_adopt(struct hook *h, const char *dir)
{
	int fd = pin_open(dir, h->pin);

	/* No link pinned: on a kernel without tcx the hook an earlier run
	 * kept is its netlink filter, which needs no pin to stay. */
	if (fd < 0 && h->ifindex > 0 && tc_legacy_prog_id(h->ifindex, h->dir)) {
		h->legacy = true;
		h->from = HOOK_PINNED;
		return 1;
	}
	if (fd < 0)
		return 0;
	if (!link_kind_ok(fd, h->pin)) {
		close(fd); /* not ours to update: attach anew */
		return 0;
	}
	h->fd = fd;
	h->from = HOOK_PINNED;
	return 1;
}

/*
 * The program a link runs now, as a new fd; -1 if it cannot be told. By id,
 * which needs CAP_SYS_ADMIN: only for a link taken over from pins, whose
 * program no one of ours loaded.
 */
static int link_prog(int link_fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -1;
	return bpf_prog_get_fd_by_id(info.prog_id);
}

/* What the hook runs now, as a new fd of ours; -1 if it cannot be told. */
static int current_prog(const struct hook *h)
{
	if (h->prog >= 0)
		return fcntl(h->prog, F_DUPFD_CLOEXEC, 0);
	if (h->fd >= 0)
		return link_prog(h->fd);
	if (h->legacy) /* a filter taken over: by id, as link_prog() */
		return bpf_prog_get_fd_by_id(
			tc_legacy_prog_id(h->ifindex, h->dir));
	return -1;
}

int hook_update(struct hook *h, int prog_fd)
{
	int err;

	/* Keep what it runs now, for hook_undo(): a program we loaded (the
	 * running set's) by a reference of our own, else by the link's id. */
	if (h->old_prog < 0) {
		h->old_prog = current_prog(h);
		h->was = h->prog;
	}
	if (h->legacy)
		err = tc_legacy(h->ifindex, h->dir, prog_fd);
	else
		err = bpf_link_update(h->fd, prog_fd, NULL) ? -errno : 0;
	if (!err)
		h->prog = prog_fd;
	return err;
}

int hook_undo(struct hook *h)
{
	int err = 0;

	if (h->old_prog < 0)
		return h->fd >= 0 || h->legacy ? -ENOENT : 0;
	if (h->legacy)
		err = tc_legacy(h->ifindex, h->dir, h->old_prog);
	else if (h->fd >= 0 && bpf_link_update(h->fd, h->old_prog, NULL))
		err = -errno;
	if (!err)
		h->prog = h->was;
	return err;
}

void hook_settle(struct hook *h)
{
	/* Our reference kept the old program alive for hook_undo(). */
	if (h->old_prog >= 0)
		close(h->old_prog);
	h->old_prog = -1;
}

int hook_pin(struct hook *h, const char *dir)
{
	return h->fd < 0 ? 0 : pin_replace(h->fd, dir, h->pin);
}

void hook_unpin(const struct hook *h, const char *dir)
{
	char path[512];

	if (h->pin[0] && pin_path(path, sizeof(path), dir, h->pin) == 0)
		unlink(path);
}

void hook_release(struct hook *h, const char *dir, bool keep)
{
	if (h->fd < 0 && !h->legacy)
		return;
	if (!keep && dir)
		hook_unpin(h, dir);
	if (h->fd >= 0)
		close(h->fd);
	if (h->legacy && !keep)
		tc_legacy_detach(h->ifindex, h->dir);
	if (h->old_prog >= 0)
		close(h->old_prog);
	h->fd = h->old_prog = h->prog = -1;
	h->legacy = false;
	h->from = HOOK_NEW;
}

void hook_move(struct hook *dst, struct hook *src)
{
	*dst = *src;
	dst->from = HOOK_PREV;
	src->fd = src->old_prog = src->prog = -1;
	src->legacy = false;
}
