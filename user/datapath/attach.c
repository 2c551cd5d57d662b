// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attach.c - loader_commit() and loader_sync(): every hook moved onto the
 * new programs in one step each (BPF_LINK_UPDATE, hooks.h), new ones
 * attached, dropped ones detached - and, if one fails, the ones moved
 * given back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader_int.h"
#include "log.h"
#include "pin.h"
#include "wirefisher.skel.h"

/* ---- commit: every hook onto the new programs ---- */

/*
 * Give h its program: take the link over (from prev's hook, or the one
 * pinned as h->pin) and update it. 1 if there is none: the caller attaches.
 */
static int take_hook(struct hook *h, struct hook *from, const char *dir,
		     bool adopt, int prog_fd)
{
	if (from && (from->fd >= 0 || from->legacy))
		hook_move(h, from);
	else if (adopt)
		hook_adopt(h, dir);
	if (h->fd < 0 && !h->legacy)
		return 1; /* the caller attaches */
	return hook_update(h, prog_fd);
}

/* Put a hook back where it came from (the hand-over failed). */
static void give_back(struct hook *h, struct hook *to)
{
	if (h->fd < 0 && !h->legacy)
		return;
	if (h->from != HOOK_NEW && hook_undo(h))
		log_error("cannot put the previous program back on %s: it runs "
			  "the refused set's until the next reload or stop",
			  h->pin);
	if (h->from == HOOK_PREV && to)
		hook_move(to, h);
	else
		hook_release(h, NULL, h->from != HOOK_NEW);
}

static const char *const cg_attached[N_CG] = {
	"attached to cgroup %s (cgroup_skb ingress)",
	"attached to cgroup %s (cgroup_skb egress)",
	"attached to cgroup %s (sock_create, for process rules)",
	"attached sockops to cgroup %s (tcp_congestion, pacing)",
};

static int take_cg_hooks(struct loader *l, struct loader *prev)
{
	const char *mount = l->host->cgroup_root;
	int k, r, fd = -1;

	for (k = 0; k < N_CG; k++) {
		struct hook *h = &l->cg[k];
		int prog = bpf_program__fd(cg_prog(l->skel, k));

		if (!cg_wanted(l->cfg, k))
			continue;
		r = take_hook(h, prev ? &prev->cg[k] : NULL, l->cfg->pin_dir,
			      l->adopt, prog);
		if (r > 0) {
			if (fd < 0 && mount[0])
				fd = open(mount,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = fd < 0 ? -errno : hook_cg_attach(h, prog, fd, k);
			if (!r)
				log_info(cg_attached[k], mount);
		}
		if (r) {
			log_error("attach %s on the cgroup2 root: %s",
				  hook_cg_names[k], strerror(-r));
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	return k < N_CG ? -1 : 0;
}

/*
 * Netfilter: every link runs wf_nf_entry, which tail-calls wf_nf_progs[0].
 * So the hand-over is one map update (first: a new link must never find
 * the slot empty or stale), then the links are taken - from prev, from
 * pins - or made; none is ever updated.
 */
static void nf_keep_old(struct loader *l, struct loader *prev, int map)
{
	__u32 zero = 0, id = 0;

	if (prev && prev->skel->rodata->wf_nf_rules) {
		l->nf_old_prog = bpf_program__fd(prev->skel->progs.wf_nf_hook);
		return;
	}
	/* From pins: by id, which needs CAP_SYS_ADMIN (else no undo). */
	if (l->adopt && bpf_map_lookup_elem(map, &zero, &id) == 0) {
		l->nf_old_prog = bpf_prog_get_fd_by_id(id);
		l->nf_old_owned = l->nf_old_prog >= 0;
	}
}

static int take_nf_hooks(struct loader *l, struct loader *prev)
{
	int map = bpf_map__fd(l->skel->maps.wf_nf_progs);
	int prog = bpf_program__fd(l->skel->progs.wf_nf_hook);
	int entry = bpf_program__fd(l->skel->progs.wf_nf_entry);
	bool made = false, taken = false;
	__u32 zero = 0;
	int k, r = 0;

	if (!l->skel->rodata->wf_nf_rules)
		return 0;
	nf_keep_old(l, prev, map);
	if (bpf_map_update_elem(map, &zero, &prog, BPF_ANY)) {
		log_error("netfilter: cannot point wf_nf_progs at the new "
			  "program: %s",
			  strerror(errno));
		return -1;
	}
	for (k = 0; k < N_NF && !r; k++) {
		struct hook *h = &l->nf[k];
		struct hook *from = prev ? &prev->nf[k] : NULL;

		if (!nf_wanted(l->skel, l->cfg, k))
			continue;
		if (from && from->fd >= 0)
			hook_move(h, from);
		else if (l->adopt)
			hook_adopt(h, l->cfg->pin_dir);
		if (h->fd >= 0) {
			taken |= h->from == HOOK_PINNED;
			continue;
		}
		r = hook_nf_attach(h, entry, k);
		made |= !r;
	}
	if (r) {
		log_error("attach netfilter %s (priority %d): %s%s",
			  hook_nf_names[k - 1], WF_NF_PRIORITY, strerror(-r),
			  r == -EEXIST || r == -EBUSY ?
				  " - another BPF program holds that priority "
				  "(another wirefisher with another pin_dir?)" :
				  "");
		return -1;
	}
	if (made && !prev)
		log_info("%s netfilter hooks (IPv4 and IPv6, priority %d, IP "
			 "defrag): host-wide",
			 taken ? "took over the" : "attached to the",
			 WF_NF_PRIORITY);
	else if (taken && !prev)
		log_info("took over the netfilter hooks (priority %d)",
			 WF_NF_PRIORITY);
	return 0;
}

/* Undo take_nf_hooks(): the old program back in the slot, links back. */
static void give_back_nf(struct loader *l, struct loader *prev)
{
	int map = bpf_map__fd(l->skel->maps.wf_nf_progs);
	__u32 zero = 0;

	if (l->nf_old_prog >= 0)
		bpf_map_update_elem(map, &zero, &l->nf_old_prog, BPF_ANY);
	else if (l->skel->rodata->wf_nf_rules && l->adopt)
		log_error(
			"cannot put the previous program back on the "
			"netfilter hooks: they run the refused set's until the "
			"next reload or stop");
	else
		bpf_map_delete_elem(map, &zero);
	for (int k = 0; k < N_NF; k++) {
		struct hook *h = &l->nf[k];

		if (h->fd < 0)
			continue;
		if (h->from == HOOK_PREV && prev)
			hook_move(&prev->nf[k], h);
		else
			hook_release(h, NULL, h->from != HOOK_NEW);
	}
}

static struct slot *prev_slot(struct loader *prev, const struct slot *s,
			      int ifindex)
{
	for (int j = 0; prev && j < prev->n_slots; j++)
		if (prev->slots[j].ifindex == ifindex &&
		    !strcmp(prev->slots[j].name, s->name))
			return &prev->slots[j];
	return NULL;
}

int iface_publish(struct wirefisher_bpf *skel, __u32 ifindex,
		  const struct wf_iface *info)
{
	struct wf_ifcache fast = { .ifindex = ifindex,
				   .l2_len = info->l2_len,
				   .flags = info->flags };
	__u32 slot = ifindex % WF_IFCACHE_SLOTS;
	int err = bpf_map__update_elem(skel->maps.wf_ifaces, &ifindex,
				       sizeof(ifindex), info, sizeof(*info),
				       BPF_ANY);

	/*
	 * The last interface published in a slot holds it; one it displaced
	 * is answered by wf_ifaces, as any miss is.
	 */
	if (!err)
		err = bpf_map__update_elem(skel->maps.wf_ifcache, &slot,
					   sizeof(slot), &fast, sizeof(fast),
					   BPF_ANY);
	return err;
}

void iface_unpublish(struct wirefisher_bpf *skel, __u32 ifindex, bool keep_info)
{
	__u32 slot = ifindex % WF_IFCACHE_SLOTS;
	struct wf_ifcache fast, none = {};

	if (!bpf_map__lookup_elem(skel->maps.wf_ifcache, &slot, sizeof(slot),
				  &fast, sizeof(fast), 0) &&
	    fast.ifindex == ifindex)
		bpf_map__update_elem(skel->maps.wf_ifcache, &slot, sizeof(slot),
				     &none, sizeof(none), BPF_ANY);
	if (!keep_info)
		bpf_map__delete_elem(skel->maps.wf_ifaces, &ifindex,
				     sizeof(ifindex), 0);
}

/* Tell the datapath how to parse this interface before hooking it. */
static int publish_iface(struct loader *l, struct slot *s, int l2_len)
{
	struct wf_iface info = { .l2_len = (__u32)l2_len,
				 .flags = s->steer ? WF_IFACE_STEER : 0 };

	memcpy(info.name, s->name, sizeof(s->name));
	return iface_publish(l->skel, (__u32)s->ifindex, &info);
}

void slot_release(struct loader *l, struct slot *s, bool keep)
{
	__u32 key = (__u32)s->ifindex;

	if (!s->ifindex)
		return;
	for (int d = 0; d < 2; d++)
		hook_release(&s->tc[d], l->cfg->pin_dir, keep);
	hook_release(&s->xdp, l->cfg->pin_dir, keep);
	if (!keep && l->skel)
		iface_unpublish(l->skel, key, false);
	s->ifindex = 0;
}

/*
 * XDP on slot s's ingress, if a rule is placed there: taken over like tc's
 * links (BPF_LINK_UPDATE works on XDP links), or made. Ethernet only.
 */
static int slot_attach_xdp(struct loader *l, struct slot *s, struct slot *ps,
			   int i, int l2)
{
	struct hook *h = &s->xdp;
	int prog, r;
	bool generic = false;

	snprintf(h->pin, sizeof(h->pin), "link_xdp_%d", s->ifindex);
	if (!xdp_wanted(l, s))
		return 0;
	if (l2 != 14) {
		log_error("interfaces[%d]: %s is a layer-3 device: XDP needs "
			  "Ethernet; place its rules at tc or netfilter",
			  i, s->name);
		return -1;
	}
	prog = bpf_program__fd(l->skel->progs.wf_xdp_ingress);
	r = take_hook(h, ps ? &ps->xdp : NULL, l->cfg->pin_dir, l->adopt, prog);
	if (r > 0) {
		r = hook_xdp_attach(h, prog, s->ifindex, &generic);
		if (!r)
			log_info("attached XDP to %s (%s mode)", s->name,
				 generic ? "generic: the driver has no native "
					   "XDP" :
					   "native");
	}
	if (r) {
		log_error("attach XDP on %s: %s (interfaces[%d])", s->name,
			  strerror(-r), i);
		return -1;
	}
	return 0;
}

/*
 * Hook slot i's interface, if it is here: take over its links (from prev,
 * or pinned), or attach new ones. 1 attached, 0 absent, -1 error (logged;
 * the slot's own new hooks removed, taken ones left for the caller).
 */
static int slot_attach(struct loader *l, struct loader *prev, int i)
{
	struct slot *s = &l->slots[i];
	int ifindex = l->host->ifaces[i].ifindex;
	int l2 = l->host->ifaces[i].l2_len;
	struct slot *ps = prev_slot(prev, s, ifindex);
	int d, r, prog;

	if (l->no_tc)
		return 1; /* skipped, as configured; said once at load */
	if (s->ifindex || !ifindex)
		return 0;
	if (l2 < 0) {
		log_error("interfaces[%d]: %s: %s", i, s->name,
			  l2 == -EPROTONOSUPPORT ?
				  "unsupported link type (Ethernet, loopback and layer-3 "
				  "devices such as WireGuard are supported)" :
				  strerror(-l2));
		return -1;
	}
	s->ifindex = ifindex;
	r = publish_iface(l, s, l2);
	for (d = 0; d < 2 && !r; d++) {
		struct hook *h = &s->tc[d];

		snprintf(h->pin, sizeof(h->pin), "link_tc_%d_%s", ifindex,
			 hook_dir_names[d]);
		if (!(s->dirs & (1u << d)))
			continue;
		h->ifindex = ifindex;
		h->dir = d;
		prog = bpf_program__fd(d == HOOK_INGRESS ?
					       l->skel->progs.wf_tc_ingress :
					       l->skel->progs.wf_tc_egress);
		r = take_hook(h, ps ? &ps->tc[d] : NULL, l->cfg->pin_dir,
			      l->adopt, prog);
		if (r > 0)
			r = hook_tc_attach(h, prog, ifindex, d, &l->no_tcx);
	}
	if (r) {
		log_error("attach tc %s on %s: %s (interfaces[%d])",
			  hook_dir_names[d - 1], s->name, strerror(-r), i);
		return -1;
	}
	if (slot_attach_xdp(l, s, ps, i, l2) < 0)
		return -1;
	if (ps)
		return 1; /* a reload: the reload's line says it */
	/* Which tc path, said here: tests and users need not guess it from
	 * the kernel's version. */
	log_info("%s %s (ifindex %d, %s, %s)",
		 s->tc[0].from == HOOK_PINNED || s->tc[1].from == HOOK_PINNED ?
			 "took over the hooks on" :
			 "attached to",
		 s->name, ifindex,
		 s->dirs == WF_DIRS_BOTH ?
			 "ingress+egress" :
			 hook_dir_names[s->dirs == WF_DIRS_EGRESS],
		 s->tc[0].legacy || s->tc[1].legacy ? "clsact filters" :
						      "tcx links");
	return 1;
}

static int take_tc_hooks(struct loader *l, struct loader *prev)
{
	for (int i = 0; i < l->n_slots; i++) {
		int r = slot_attach(l, prev, i);

		if (r < 0)
			return -1;
		if (r == 0 && !l->no_tc)
			log_warn("interfaces[%d]: %s is not here yet; attaching "
				 "when it appears",
				 i, l->slots[i].name);
	}
	return 0;
}

/* Undo take_*_hooks(): every hook back to prev, to its pin, or gone. */
static void give_back_all(struct loader *l, struct loader *prev)
{
	for (int i = 0; i < l->n_slots; i++) {
		struct slot *s = &l->slots[i];
		struct slot *ps = prev_slot(prev, s, s->ifindex);

		for (int d = 0; d < 2; d++)
			give_back(&s->tc[d], ps ? &ps->tc[d] : NULL);
		give_back(&s->xdp, ps ? &ps->xdp : NULL);
		s->ifindex = 0;
	}
	for (int k = 0; k < N_CG; k++)
		give_back(&l->cg[k], prev ? &prev->cg[k] : NULL);
	give_back_nf(l, prev);
}

static bool owns_pin(const struct loader *l, const char *name)
{
	for (int k = 0; k < N_CG; k++)
		if (l->cg[k].fd >= 0 && !strcmp(l->cg[k].pin, name))
			return true;
	for (int k = 0; k < N_NF; k++)
		if (l->nf[k].fd >= 0 && !strcmp(l->nf[k].pin, name))
			return true;
	for (int i = 0; i < l->n_slots; i++) {
		for (int d = 0; d < 2; d++)
			if (l->slots[i].tc[d].fd >= 0 &&
			    !strcmp(l->slots[i].tc[d].pin, name))
				return true;
		if (l->slots[i].xdp.fd >= 0 &&
		    !strcmp(l->slots[i].xdp.pin, name))
			return true;
	}
	return false;
}

/*
 * Links pinned by an earlier run that this config does not hook any more
 * (an interface it dropped, one that was re-created): unpinned, so they go.
 */
static void drop_other_link_pins(struct loader *l)
{
	DIR *d = opendir(l->cfg->pin_dir);
	struct dirent *e;
	char path[PATH_MAX];

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "link_", 5) &&
		    !owns_pin(l, e->d_name) &&
		    pin_path(path, sizeof(path), l->cfg->pin_dir, e->d_name) ==
			    0)
			unlink(path);
	if (d)
		closedir(d);
}

/* What prev still holds after the hand-over: detached, and prev freed. */
static void retire(struct loader *l, struct loader *prev)
{
	for (int i = 0; i < prev->n_slots; i++) {
		struct slot *s = &prev->slots[i];
		__u32 key = (__u32)s->ifindex;
		bool kept = false;

		for (int j = 0; j < l->n_slots; j++)
			kept |= l->slots[j].ifindex == s->ifindex;
		for (int d = 0; d < 2; d++)
			hook_release(&s->tc[d], l->cfg->pin_dir, false);
		hook_release(&s->xdp, l->cfg->pin_dir, false);
		if (s->ifindex && !kept)
			iface_unpublish(l->skel, key, false);
		s->ifindex = 0;
	}
	for (int k = 0; k < N_CG; k++)
		hook_release(&prev->cg[k], l->cfg->pin_dir, false);
	for (int k = 0; k < N_NF; k++)
		hook_release(&prev->nf[k], l->cfg->pin_dir, false);
	prev->committed = false; /* its pins are ours now */
	loader_free(prev);
}

/* Does this set hook (ifindex, dir) with a netlink filter? */
static bool hooks_legacy(const struct loader *l, int ifindex, int dir)
{
	for (int i = 0; i < l->n_slots; i++)
		if (l->slots[i].ifindex == ifindex &&
		    l->slots[i].tc[dir].legacy)
			return true;
	return false;
}

/*
 * Netlink filters of an earlier run (killed, or stopped with persist) on
 * devices or directions this run does not hook: nothing else would ever
 * remove them, since they need no pin to stay.
 */
void drop_left_filters(struct loader *l)
{
	for (int i = 0; i < l->n_left_tc; i++)
		for (int d = 0; d < 2; d++)
			if (!hooks_legacy(l, l->left_tc[i], d))
				hook_tc_legacy_remove_dir(l->left_tc[i], d);
	l->n_left_tc = 0;
}

int loader_commit(struct loader *l, struct loader *prev)
{
	__u32 zero = 0;

	if (take_cg_hooks(l, prev) || take_nf_hooks(l, prev) ||
	    take_tc_hooks(l, prev)) {
		give_back_all(l, prev);
		return -1;
	}
	for (int k = 0; k < N_CG; k++)
		hook_settle(&l->cg[k]);
	for (int i = 0; i < l->n_slots; i++) {
		for (int d = 0; d < 2; d++)
			hook_settle(&l->slots[i].tc[d]);
		hook_settle(&l->slots[i].xdp);
	}
	/* No netfilter rule now: the slot lets the old program go. */
	if (!l->skel->rodata->wf_nf_rules)
		bpf_map_delete_elem(bpf_map__fd(l->skel->maps.wf_nf_progs),
				    &zero);
	l->committed = true;
	if (prev || l->adopt)
		rescale_buckets(l, prev);
	if (l->adopt)
		drop_other_link_pins(l);
	drop_left_filters(l);
	if (prev)
		retire(l, prev);
	return 0;
}

/* ---- running ---- */

void loader_sync(struct loader *l)
{
	bool changed = false;
	int i;

	for (i = 0; i < l->n_slots; i++) {
		struct slot *s = &l->slots[i];
		int now = l->host->ifaces[i].ifindex;

		if (s->ifindex && now != s->ifindex) {
			log_warn("%s went away (ifindex %d); its hooks went with "
				 "it. Waiting for it to return",
				 s->name, s->ifindex);
			slot_release(l, s, false);
			changed = true;
		}
		if (!s->ifindex && now) {
			changed = true;
			if (slot_attach(l, NULL, i) < 0) {
				for (int d = 0; d < 2; d++)
					hook_release(&s->tc[d], l->cfg->pin_dir,
						     false);
				hook_release(&s->xdp, l->cfg->pin_dir, false);
				s->ifindex = 0;
				log_warn("%s is back but could not be attached; "
					 "will retry when it changes",
					 s->name);
			} else if (l->cfg->persist) {
				for (int d = 0; d < 2; d++)
					hook_pin(&s->tc[d], l->cfg->pin_dir);
				hook_pin(&s->xdp, l->cfg->pin_dir);
			}
		}
	}
	/* Rules naming an interface follow its new ifindex. */
	if (l->cfg->n_rules)
		follow_rules(l, changed);
}
