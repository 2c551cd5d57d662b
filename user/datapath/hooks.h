/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hooks.h - every attachment of wirefisher as one BPF link: tcx ingress and
 * egress per interface, cgroup_skb ingress/egress, cgroup sock_create and
 * sockops on the cgroup2 root.
 *
 * A link can be handed over: its program is replaced in one step
 * (BPF_LINK_UPDATE), so a reload or a restarted daemon never detaches a
 * hook and no packet passes unhooked. A pinned link outlives the daemon
 * (persist: true); an unpinned one goes with its last fd.
 *
 * Kernels without tcx (< 6.6), or WIREFISHER_TC=legacy, get netlink
 * clsact filters instead (handle and priority 0x5746), which outlive the
 * process whatever we do: those are replaced in place (NLM_F_REPLACE, one
 * step as well), deleted by hand on a stop without persist and by
 * `wirefisher down`, and a restart takes over the ones a killed or
 * persistent run left (found by query, not by pin).
 */
#ifndef WF_HOOKS_H
#define WF_HOOKS_H

#include <stdbool.h>

/* libbpf 1.1 knows no netfilter programs (SEC("netfilter")): their type
 * and attach type by number, from the UAPI. */
#define WF_BPF_PROG_TYPE_NETFILTER 32
#define WF_BPF_NETFILTER	   45

/* Where a hook came from, to give it back if a hand-over fails. */
enum hook_from { HOOK_NEW, HOOK_PREV, HOOK_PINNED };

struct hook {
	int fd; /* link fd, -1: none */
	enum hook_from from;
	int prog;     /* the program it runs, if we loaded it (not
				 * owned: the skeleton's), else -1 */
	int old_prog; /* before hook_update(): its program, for undo */
	int was;      /* ... and its `prog` then */
	bool legacy;  /* a netlink tc filter, not a link */
	int ifindex;  /* tc: the device */
	int dir;      /* tc: HOOK_INGRESS or HOOK_EGRESS */
	char pin[48]; /* name of its pin in the pin directory */
};

enum { HOOK_INGRESS, HOOK_EGRESS };

/* The cgroup hooks, in the order of hook_cg_names. */
enum { CG_INGRESS, CG_EGRESS, CG_SOCK_CREATE, CG_SOCKOPS, N_CG };

/*
 * The netfilter hooks, in the order of hook_nf_names: IPv4 then IPv6, each
 * PRE_ROUTING (ingress), LOCAL_OUT and FORWARD (egress).
 */
enum { NF_V4_PRE, NF_V4_OUT, NF_V4_FWD, NF_V6_PRE, NF_V6_OUT, NF_V6_FWD, N_NF };

/*
 * Priority of wirefisher's netfilter links: after IP defrag (-400, which
 * BPF_F_NETFILTER_IP_DEFRAG requires us to follow) and before raw (-300),
 * conntrack (-200) and every table iptables or nftables makes by name, so
 * a dropped packet costs no conntrack entry. Odd on purpose: the kernel
 * refuses a second BPF netfilter link on the same family, hook and
 * priority, and round numbers are what other tools pick. wirefisher's own
 * take-over never makes a second link: it keeps the link and changes the
 * program it tail-calls (wf_nf_progs). The probe uses the next priority.
 */
#define WF_NF_PRIORITY (-387)

/* Does this kernel have BPF netfilter links with IP defrag (>= 6.6)?
 * Probed once (a throw-away program and link). */
bool hook_nf_supported(void);

/* Netfilter hook `which` (NF_*) running prog_fd, host-wide. */
int hook_nf_attach(struct hook *h, int prog_fd, int which);

/* XDP on ifindex: native mode, or generic where the driver has none
 * (*generic set). */
int hook_xdp_attach(struct hook *h, int prog_fd, int ifindex, bool *generic);

void hook_init(struct hook *h);

/* tc on ifindex: a tcx link, or a netlink filter if *no_tcx (set when the
 * kernel refuses tcx). Returns 0 or -errno. */
int hook_tc_attach(struct hook *h, int prog_fd, int ifindex, int dir,
		   bool *no_tcx);

/* Cgroup hook `which` (CG_*) on the cgroup2 directory cg_fd. */
int hook_cg_attach(struct hook *h, int prog_fd, int cg_fd, int which);

/*
 * Take the link pinned as dir/h->pin, if there is one, or (tc, h->ifindex
 * and h->dir set) our netlink filter left on that device: 1 taken, 0 none.
 */
int hook_adopt(struct hook *h, const char *dir);

/*
 * Run prog_fd instead, in one step; hook_undo() puts the old one back, or
 * says (-errno) that it could not: a hook taken over from pins whose
 * program can be found only by id, without CAP_SYS_ADMIN.
 */
int hook_update(struct hook *h, int prog_fd);
int hook_undo(struct hook *h);
/* The update stands: let the old program go. */
void hook_settle(struct hook *h);

/* Pin the link as dir/h->pin (replacing an old pin), or remove its pin. */
int hook_pin(struct hook *h, const char *dir);
void hook_unpin(const struct hook *h, const char *dir);

/*
 * Let go of the hook: detach it (remove its pin from dir if dir is given,
 * close the link, delete the filter), or with `keep` only close our fd,
 * leaving a pinned link or a filter in place. The name stays.
 */
void hook_release(struct hook *h, const char *dir, bool keep);

/* Move a hook to another holder (src keeps its name, nothing else). */
void hook_move(struct hook *dst, struct hook *src);

/* Delete our netlink filters on ifindex, if any (wirefisher down), or
 * only the one of direction dir (HOOK_*). */
void hook_tc_legacy_remove(int ifindex);
void hook_tc_legacy_remove_dir(int ifindex, int dir);

extern const char *const hook_dir_names[2];
extern const char *const hook_cg_names[N_CG];
extern const char *const hook_nf_names[N_NF];

#endif /* WF_HOOKS_H */
