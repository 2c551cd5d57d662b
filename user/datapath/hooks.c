// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "hooks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pin.h"

/* UAPI values newer than the headers libbpf 1.1 ships against. */
#define WF_BPF_TCX_INGRESS 46
#define WF_BPF_TCX_EGRESS 47

#define TC_HANDLE 0x5746	/* "WF": our filters in legacy clsact */
#define TC_PRIORITY 0x5746

const char *const hook_dir_names[2] = { "ingress", "egress" };
const char *const hook_cg_names[N_CG] = { "cg_ingress", "cg_egress",
					  "sock_create", "sockops" };

static const enum bpf_attach_type cg_types[N_CG] = {
	BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS,
	BPF_CGROUP_INET_SOCK_CREATE, BPF_CGROUP_SOCK_OPS,
};

void hook_init(struct hook *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
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

int hook_tc_attach(struct hook *h, int prog_fd, int ifindex, int dir,
		   bool *no_tcx)
{
	int fd, err;

	h->ifindex = ifindex;
	h->dir = dir;
	if (!*no_tcx) {
		fd = bpf_link_create(prog_fd, ifindex, dir == HOOK_INGRESS ?
				     WF_BPF_TCX_INGRESS : WF_BPF_TCX_EGRESS, NULL);
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
	return 0;
}

int hook_adopt(struct hook *h, const char *dir)
{
	int fd = pin_open(dir, h->pin);

	if (fd < 0)
		return 0;
	h->fd = fd;
	h->from = HOOK_PINNED;
	return 1;
}

/* The program a link runs now, as a new fd; -1 if it cannot be told. */
static int link_prog(int link_fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -1;
	return bpf_prog_get_fd_by_id(info.prog_id);
}

int hook_update(struct hook *h, int prog_fd)
{
	int err;

	if (h->legacy)
		return tc_legacy(h->ifindex, h->dir, prog_fd);
	if (h->old_prog < 0)
		h->old_prog = link_prog(h->fd);
	err = bpf_link_update(h->fd, prog_fd, NULL);
	return err ? -errno : 0;
}

void hook_undo(struct hook *h)
{
	if (h->fd >= 0 && h->old_prog >= 0)
		bpf_link_update(h->fd, h->old_prog, NULL);
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
	h->fd = h->old_prog = -1;
	h->legacy = false;
	h->from = HOOK_NEW;
}

void hook_move(struct hook *dst, struct hook *src)
{
	*dst = *src;
	dst->from = HOOK_PREV;
	src->fd = src->old_prog = -1;
	src->legacy = false;
}
