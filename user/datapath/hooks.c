// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "pin.h"

/* UAPI values newer than the headers libbpf 1.1 ships against. */
#define WF_BPF_TCX_INGRESS   46
#define WF_BPF_TCX_EGRESS    47
#define WF_BPF_LINK_TYPE_TCX 11
/* libbpf 1.1 knows no netfilter links (the program types: hooks.h). */
#define WF_BPF_LINK_TYPE_NETFILTER   10
#define WF_BPF_F_NETFILTER_IP_DEFRAG 1U
#define WF_NFPROTO_IPV4		     2
#define WF_NFPROTO_IPV6		     10
#define WF_NF_INET_PRE_ROUTING	     0
#define WF_NF_INET_FORWARD	     2
#define WF_NF_INET_LOCAL_OUT	     3
#define WF_XDP_FLAGS_SKB_MODE	     (1U << 1)
#define WF_XDP_FLAGS_DRV_MODE	     (1U << 2)

#define TC_HANDLE   0x5746 /* "WF": our filters in legacy clsact */
#define TC_PRIORITY 0x5746

const char *const hook_dir_names[2] = { "ingress", "egress" };
const char *const hook_cg_names[N_CG] = { "cg_ingress", "cg_egress",
					  "sock_create", "sockops" };
const char *const hook_nf_names[N_NF] = {
	"ipv4_prerouting", "ipv4_output", "ipv4_forward",
	"ipv6_prerouting", "ipv6_output", "ipv6_forward",
};

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

/* Does process `pid` hold an fd of BPF program `prog_id` (its fdinfo)? */
static bool holds_prog(const char *pid, __u32 prog_id)
{
	char path[PATH_MAX], line[128];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid,
			     e->d_name) >= (int)sizeof(path))
			continue;
		f = fopen(path, "re");
		while (f && !found && fgets(line, sizeof(line), f))
			found = !strncmp(line, "prog_id:", 8) &&
				strtoul(line + 8, NULL, 10) == prog_id;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Another live process that holds the program of the filter at our handle
 * on (ifindex, dir) - another wirefisher, with its own pin_dir - or 0.
 * Without tcx a device has one filter at our handle: replacing it would
 * silently unhook that daemon. A filter no process holds (a killed run's)
 * is left for us to replace, as before.
 */
static int tc_legacy_holder(int ifindex, int dir)
{
	__u32 id = tc_legacy_prog_id(ifindex, dir);
	DIR *d = id ? opendir("/proc") : NULL;
	struct dirent *e;
	int holder = 0;

	while (d && !holder && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    atoi(e->d_name) != getpid() && holds_prog(e->d_name, id))
			holder = atoi(e->d_name);
	if (d)
		closedir(d);
	return holder;
}

int hook_tc_attach(struct hook *h, int prog_fd, int ifindex, int dir,
		   bool *no_tcx)
{
	int fd, err, holder;

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
	holder = tc_legacy_holder(ifindex, dir);
	if (holder) {
		char name[IF_NAMESIZE] = "?";

		if_indextoname((unsigned)ifindex, name);
		log_error("%s: the clsact filter wirefisher uses (handle 0x%x) "
			  "runs a program of process %d, another wirefisher "
			  "with its own pin_dir? Without tcx (kernel < 6.6) two "
			  "cannot hook one device",
			  name, TC_HANDLE, holder);
		return -EBUSY;
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

/*
 * BPF_LINK_CREATE for a netfilter link, with the netfilter part of union
 * bpf_attr laid out by hand (libbpf 1.1's headers predate it): pf,
 * hooknum, priority, flags right after link_create's first four fields.
 */
static int nf_link_create(int prog_fd, int pf, int hooknum, int priority)
{
	union bpf_attr attr;
	__u32 *nf = &attr.link_create.target_btf_id;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (__u32)prog_fd;
	attr.link_create.attach_type = WF_BPF_NETFILTER;
	nf[0] = (__u32)pf;
	nf[1] = (__u32)hooknum;
	nf[2] = (__u32)priority;
	nf[3] = WF_BPF_F_NETFILTER_IP_DEFRAG;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

bool hook_nf_supported(void)
{
	static int known = -1;
	/* r0 = NF_ACCEPT; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = WF_BPF_NETFILTER);
	int prog, link;

	if (known >= 0)
		return known;
	prog = bpf_prog_load((enum bpf_prog_type)WF_BPF_PROG_TYPE_NETFILTER,
			     "wf_nf_probe", "GPL", insns, 2, &opts);
	if (prog < 0) {
		known = 0; /* no netfilter programs: < 6.4 */
		return known;
	}
	link = nf_link_create(prog, WF_NFPROTO_IPV4, WF_NF_INET_LOCAL_OUT,
			      WF_NF_PRIORITY + 1);
	/* Taken by another wirefisher's probe at this instant: it exists. */
	known = link >= 0 || link == -EEXIST || link == -EBUSY;
	if (link >= 0)
		close(link);
	close(prog);
	return known;
}

static const struct {
	int pf, hooknum;
} nf_points[N_NF] = {
	{ WF_NFPROTO_IPV4, WF_NF_INET_PRE_ROUTING },
	{ WF_NFPROTO_IPV4, WF_NF_INET_LOCAL_OUT },
	{ WF_NFPROTO_IPV4, WF_NF_INET_FORWARD },
	{ WF_NFPROTO_IPV6, WF_NF_INET_PRE_ROUTING },
	{ WF_NFPROTO_IPV6, WF_NF_INET_LOCAL_OUT },
	{ WF_NFPROTO_IPV6, WF_NF_INET_FORWARD },
};

int hook_nf_attach(struct hook *h, int prog_fd, int which)
{
	int fd = nf_link_create(prog_fd, nf_points[which].pf,
				nf_points[which].hooknum, WF_NF_PRIORITY);

	if (fd < 0)
		return fd;
	h->fd = fd;
	h->prog = prog_fd;
	return 0;
}

int hook_xdp_attach(struct hook *h, int prog_fd, int ifindex, bool *generic)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = WF_XDP_FLAGS_DRV_MODE);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	*generic = false;
	if (fd == -EOPNOTSUPP || fd == -EINVAL) {
		opts.flags = WF_XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
		*generic = fd >= 0;
	}
	if (fd < 0)
		return fd;
	h->fd = fd;
	h->prog = prog_fd;
	h->ifindex = ifindex;
	return 0;
}

/* A pinned link of the kind this hook is, told by its pin's name. */
static bool link_kind_ok(int fd, const char *pin)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	__u32 want = !strncmp(pin, "link_tc_", 8) ? WF_BPF_LINK_TYPE_TCX :
		     !strncmp(pin, "link_nf_", 8) ? WF_BPF_LINK_TYPE_NETFILTER :
		     !strncmp(pin, "link_xdp_", 9) ? BPF_LINK_TYPE_XDP :
						     BPF_LINK_TYPE_CGROUP;

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       info.type == want;
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
