// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * loader.c - open, configure, load, attach and pin the wirefisher skeleton,
 * and hand a running one over to its successor.
 *
 * Two steps, so that nothing a packet meets is ever half-made:
 *   loader_prepare() loads a new skeleton whose state maps (flows,
 *     buckets, counters, sticky flows...) are the running one's - or those
 *     pinned by a daemon that was stopped or killed in persist mode - and
 *     writes the whole policy into its fresh policy maps (rules, tries,
 *     routes). Nothing attached yet: a failure here changes nothing.
 *   loader_commit() then points every hook at the new programs, each in
 *     one step (BPF_LINK_UPDATE, see hooks.h), attaches what is new,
 *     detaches what the config no longer names, and re-pins the maps. If a
 *     hook fails, those already moved are moved back.
 * Reload, restart and adoption after kill -9 are all this one path.
 */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/wf_shared.h"
#include "hooks.h"
#include "host.h"
#include "log.h"
#include "pin.h"
#include "policy.h"
#include "wirefisher.skel.h"

struct slot {
	char name[IF_NAMESIZE];
	unsigned dirs;
	bool steer;		/* a steering path device */
	int ifindex;		/* 0: not attached */
	struct hook tc[2];	/* HOOK_INGRESS, HOOK_EGRESS */
};

struct loader {
	const struct wf_config *cfg;
	const struct wf_host *host;	/* refreshed by the daemon */
	struct wirefisher_bpf *skel;
	struct slot slots[WF_MAX_IFACES];
	int n_slots;
	bool no_tcx;		/* kernel refused tcx once: use netlink */
	bool no_tc;		/* kernel lacks tc BPF and the config said skip */
	bool adopt;		/* take over the hooks pinned by an earlier run */
	bool committed;		/* hooks and pins are ours */
	struct hook cg[N_CG];	/* on the cgroup2 root */
	/* Rule state slots: held[s] is the rule name in slot s. */
	char held[WF_RULE_SLOTS][WF_RULE_NAME];
	int rule_slot[WF_CFG_MAX_RULES];
	bool rule_fresh[WF_CFG_MAX_RULES];
	__u64 cg_ids[WF_MAX_RULES];	/* cgroup id each rule last matched */
};

/*
 * Maps whose contents outlive a reload or a restart; the others (rules,
 * tries, routes) are policy, written whole into a new skeleton each time.
 */
static const char *const state_maps[] = {
	"wf_flows", "wf_stats", "wf_ifaces", "wf_info", "wf_rule_buckets",
	"wf_keyed", "wf_rule_stats", "wf_rule_acct", "wf_sk_owner",
	"wf_steer_flows", "wf_path_flows", "wf_path_retired", "wf_path_status",
	"wf_route_ctl",
};

#define N_STATE_MAPS (sizeof(state_maps) / sizeof(state_maps[0]))

static void init_slots(struct loader *l)
{
	l->n_slots = l->cfg->n_ifaces;
	for (int i = 0; i < l->n_slots; i++) {
		struct slot *s = &l->slots[i];

		s->dirs = l->cfg->ifaces[i].dirs;
		s->steer = l->cfg->ifaces[i].steer;
		memcpy(s->name, l->host->ifaces[i].name, sizeof(s->name));
		hook_init(&s->tc[HOOK_INGRESS]);
		hook_init(&s->tc[HOOK_EGRESS]);
	}
}

/* The ABI form of rules[i], with what only the host can say (host.h). */
static void rule_form(const struct wf_config *cfg, const struct wf_host *host,
		      const int *slots, int i, struct wf_rule *r)
{
	const struct wf_cfg_rule *cr = &cfg->rules[i];
	const struct wf_host_rule *hr = &host->rules[i];

	policy_rule(cr, r);
	r->slot = (__u32)slots[i];
	r->bucket = (__u32)slots[cr->bucket];
	r->ifindex = hr->ifindex;
	r->cgroup_id = hr->cgroup_id;
	r->cgroup_level = hr->cgroup_level;
	r->exe_ino = hr->exe_ino;
	r->exe_dev = hr->exe_dev;
}

static int write_rule(struct wirefisher_bpf *skel, int i, const struct wf_rule *r)
{
	__u32 id = (__u32)i;
	int err = bpf_map__update_elem(skel->maps.wf_rules, &id, sizeof(id), r,
				       sizeof(*r), BPF_ANY);

	if (err)
		log_error("cannot write rules[%d] (%s): %s", i, r->name,
			  strerror(-err));
	return err;
}

static int write_rules(struct wirefisher_bpf *skel, const struct wf_config *cfg,
		       const struct wf_host *host, const int *slots)
{
	for (int i = 0; i < cfg->n_rules; i++) {
		struct wf_rule r;

		rule_form(cfg, host, slots, i, &r);
		if (write_rule(skel, i, &r))
			return -1;
	}
	return 0;
}

/*
 * A rule's cgroup removed while running: the rule stops matching (id 0)
 * and waits; made again at the same path (a new id): the rule follows.
 * One log line per change. Called every second from loader_sync(), with
 * `all` when interfaces changed and every rule's ifindex may be stale.
 */
static void follow_rules(struct loader *l, bool all)
{
	const struct wf_config *cfg = l->cfg;

	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_host_rule *hr = &l->host->rules[i];
		struct wf_rule r;

		if (!all && !wf_rule_has_cgroup(&cfg->rules[i]))
			continue;
		rule_form(cfg, l->host, l->rule_slot, i, &r);
		if (r.cgroup_id == l->cg_ids[i]) {
			if (all)
				write_rule(l->skel, i, &r);
			continue;
		}
		if (hr->missing[0])
			log_warn("rules[%d] (%s): %s; the rule waits for it", i,
				 cfg->rules[i].name, hr->missing);
		else
			log_info("rules[%d] (%s): cgroup is there again (id %llu)",
				 i, cfg->rules[i].name,
				 (unsigned long long)r.cgroup_id);
		if (write_rule(l->skel, i, &r) == 0)
			l->cg_ids[i] = r.cgroup_id;
	}
}

static void remember_cgroups(struct loader *l)
{
	for (int i = 0; i < l->cfg->n_rules; i++)
		l->cg_ids[i] = l->host->rules[i].cgroup_id;
}

static int write_trie(struct bpf_map *map, const struct wf_config *cfg,
		      int family, int src)
{
	struct policy_lpm e[POLICY_LPM_MAX];
	int n = policy_lpm(cfg, family, src, e), i, err = 0;

	for (i = 0; i < n && !err; i++) {
		if (family == 4) {
			struct wf_lpm4 k = { .prefixlen = e[i].prefix.len };

			memcpy(&k.addr, e[i].prefix.addr, 4);
			err = bpf_map__update_elem(map, &k, sizeof(k), &e[i].rules,
						   sizeof(e[i].rules), BPF_ANY);
		} else {
			struct wf_lpm6 k = { .prefixlen = e[i].prefix.len };

			memcpy(k.addr, e[i].prefix.addr, 16);
			err = bpf_map__update_elem(map, &k, sizeof(k), &e[i].rules,
						   sizeof(e[i].rules), BPF_ANY);
		}
	}
	if (err)
		log_error("cannot write %s: %s", bpf_map__name(map), strerror(-err));
	return err ? -1 : 0;
}

static int write_tries(struct wirefisher_bpf *skel, const struct wf_config *cfg)
{
	if (!cfg->n_rules)
		return 0;
	return write_trie(skel->maps.wf_src4, cfg, 4, 1) ||
	       write_trie(skel->maps.wf_dst4, cfg, 4, 0) ||
	       write_trie(skel->maps.wf_src6, cfg, 6, 1) ||
	       write_trie(skel->maps.wf_dst6, cfg, 6, 0) ? -1 : 0;
}

static int write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg,
			const struct wf_host *host, const int *slots)
{
	return write_tries(skel, cfg) || write_rules(skel, cfg, host, slots) ?
	       -1 : 0;
}

int loader_write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg,
			const struct wf_host *host)
{
	static char held[WF_RULE_SLOTS][WF_RULE_NAME];
	int slots[WF_CFG_MAX_RULES];
	bool fresh[WF_CFG_MAX_RULES];

	memset(held, 0, sizeof(held));
	if (policy_slots(cfg, held, slots, fresh))
		return -1;
	return write_policy(skel, cfg, host, slots);
}

/* The rules that set a TCP congestion control. */
static __u64 cc_rules(const struct wf_config *cfg)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].cc[0])
			mask |= 1ULL << i;
	return mask;
}

/* The rules that match a cgroup: enforced by cgroup_skb, not by tc. */
static __u64 cgroup_rules(const struct wf_config *cfg)
{
	__u64 mask = 0;
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (wf_rule_at_socket(&cfg->rules[i]))
			mask |= 1ULL << i;
	return mask;
}

static bool has_process_rules(const struct wf_config *cfg)
{
	int i;

	for (i = 0; i < cfg->n_rules; i++)
		if (wf_rule_has_process(&cfg->rules[i]))
			return true;
	return false;
}

/* A hook type the kernel lacks: refuse, or skip it, as the config says. */
static int probe_hooks(struct loader *l)
{
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) == 1)
		return 0;
	if (l->cfg->missing_hook == WF_MISSING_FAIL) {
		log_error("this kernel cannot run tc BPF programs (sched_cls); "
			  "refusing to start (missing_hook: fail)");
		return -1;
	}
	log_warn("this kernel cannot run tc BPF programs (sched_cls); tc hooks "
		 "skipped (missing_hook: skip)");
	bpf_program__set_autoload(l->skel->progs.wf_tc_ingress, false);
	bpf_program__set_autoload(l->skel->progs.wf_tc_egress, false);
	l->no_tc = true;
	return 0;
}

/* ---- state maps: the running set's, or the pinned ones ---- */

/*
 * Let the new skeleton use map fd instead of making its own. 1 (and not
 * used) if the config changed its size: it starts empty, said once.
 */
static int reuse_map(struct bpf_map *map, int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != bpf_map__type(map) ||
	    info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map) ||
	    info.max_entries != bpf_map__max_entries(map) ||
	    info.map_flags != bpf_map__map_flags(map))
		return 1;
	return bpf_map__reuse_fd(map, fd);
}

static int take_state(struct loader *l, const struct loader *prev)
{
	size_t i;

	if (!prev && !l->adopt)
		return 0;
	for (i = 0; i < N_STATE_MAPS; i++) {
		const char *name = state_maps[i];
		struct bpf_map *map = bpf_object__find_map_by_name(l->skel->obj,
								    name);
		int fd = prev ? bpf_map__fd(bpf_object__find_map_by_name(
					prev->skel->obj, name)) :
				pin_open(l->cfg->pin_dir, name);
		int r;

		if (!map || fd < 0)
			continue;	/* not pinned: it starts empty */
		r = reuse_map(map, fd);
		if (!prev)
			close(fd);
		if (r < 0) {
			log_error("cannot take over %s: %s", name, strerror(-r));
			return -1;
		}
		if (r > 0)
			log_warn("%s: its size changed with the config; it starts "
				 "empty", name);
	}
	return 0;
}

/* Rule slots of an earlier run, from its pinned wf_rules. */
static void held_from_pins(struct loader *l)
{
	int fd = pin_open(l->cfg->pin_dir, "wf_rules");
	struct wf_rule r;
	__u32 id;

	if (fd < 0)
		return;
	for (id = 0; id < WF_MAX_RULES; id++)
		if (bpf_map_lookup_elem(fd, &id, &r) == 0 && r.active &&
		    r.slot < WF_RULE_SLOTS)
			memcpy(l->held[r.slot], r.name, WF_RULE_NAME);
	close(fd);
}

/* Per-key buckets of the given slots, found by walking wf_keyed. */
static void clear_keyed(struct loader *l, const bool *slots)
{
	int fd = bpf_map__fd(l->skel->maps.wf_keyed);
	struct wf_bucket_key key, next;
	void *prev = NULL;
	long budget = 4L * bpf_map__max_entries(l->skel->maps.wf_keyed);

	while (budget-- > 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		if (key.rule < WF_RULE_SLOTS && slots[key.rule] &&
		    bpf_map_delete_elem(fd, &key) == 0)
			continue;	/* deleted: the walk goes on from prev */
		prev = &key;
	}
}

/*
 * A slot given to a new rule may still hold the state of a rule removed by
 * an earlier reload: start it empty.
 */
static void clear_fresh_slots(struct loader *l)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t sz = sizeof(struct wf_rule_counters) * (size_t)(ncpu > 0 ? ncpu : 1);
	struct wf_rule_counters *zc = calloc(1, sz);
	struct wf_bucket zb = { 0 };
	struct wf_flow zf = { 0 };
	bool slots[WF_RULE_SLOTS] = { false }, any = false;

	for (int i = 0; i < l->cfg->n_rules; i++) {
		__u32 s = (__u32)l->rule_slot[i];

		if (!l->rule_fresh[i])
			continue;
		slots[s] = any = true;
		bpf_map__update_elem(l->skel->maps.wf_rule_buckets, &s, sizeof(s),
				     &zb, sizeof(zb), BPF_ANY);
		bpf_map__update_elem(l->skel->maps.wf_rule_acct, &s, sizeof(s),
				     &zf, sizeof(zf), BPF_ANY);
		if (zc)
			bpf_map__update_elem(l->skel->maps.wf_rule_stats, &s,
					     sizeof(s), zc, sz, BPF_ANY);
	}
	free(zc);
	if (any)
		clear_keyed(l, slots);
}

static int assign_slots(struct loader *l, const struct loader *prev)
{
	if (prev)
		memcpy(l->held, prev->held, sizeof(l->held));
	else if (l->adopt)
		held_from_pins(l);
	if (policy_slots(l->cfg, l->held, l->rule_slot, l->rule_fresh)) {
		log_error("no free rule slot (a bug: there are twice the rules)");
		return -1;
	}
	if (prev || l->adopt)
		clear_fresh_slots(l);
	return 0;
}

/* ---- what an earlier run left in the pin directory ---- */

static bool has_link_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d)))
		found = !strncmp(e->d_name, "link_", 5);
	if (d)
		closedir(d);
	return found;
}

/*
 * We hold the directory's lock, so whoever pinned there is gone. Hooks it
 * left pinned (persist: true) with this layout: take them over. Pins of
 * another layout, or maps without hooks (a crash without persist): remove.
 */
static void inspect_pins(struct loader *l)
{
	const char *dir = l->cfg->pin_dir;
	struct wf_info info;
	bool have = pin_read_info(dir, &info) == 0;
	int n;

	if (have && info.abi_version == WF_ABI_VERSION && has_link_pins(dir)) {
		l->adopt = true;
		log_info("taking over the hooks and maps pinned in %s by an "
			 "earlier run", dir);
		return;
	}
	n = pin_dir_clear(dir);
	if (n && have && info.abi_version != WF_ABI_VERSION)
		log_warn("removed %d pins of layout version %u (this is %u) left "
			 "in %s by another wirefisher; its hooks went with them",
			 n, info.abi_version, WF_ABI_VERSION, dir);
	else if (n)
		log_warn("removed %d stale pins left in %s by an earlier run", n,
			 dir);
}

/* ---- prepare: a loaded skeleton with the whole policy, no hooks ---- */

static bool cg_wanted(const struct wf_config *cfg, int k)
{
	switch (k) {
	case CG_INGRESS:
	case CG_EGRESS:
		return cgroup_rules(cfg) != 0;
	case CG_SOCK_CREATE:
		return has_process_rules(cfg);
	default:
		return cc_rules(cfg) != 0;
	}
}

static struct bpf_program *cg_prog(struct wirefisher_bpf *skel, int k)
{
	struct bpf_program *p[N_CG] = { skel->progs.wf_cg_ingress,
					skel->progs.wf_cg_egress,
					skel->progs.wf_sock_create,
					skel->progs.wf_sockops };

	return p[k];
}

static void set_load_options(struct loader *l)
{
	const struct wf_config *cfg = l->cfg;
	struct wirefisher_bpf *skel = l->skel;

	skel->rodata->wf_window_ns = cfg->window_ns;
	skel->rodata->wf_police = cfg->n_rules > 0;
	skel->rodata->wf_cg_rules = cgroup_rules(cfg);
	skel->rodata->wf_cc_rules = cc_rules(cfg);
	for (int k = 0; k < N_CG; k++)
		if (!cg_wanted(cfg, k))
			bpf_program__set_autoload(cg_prog(skel, k), false);
	bpf_map__set_max_entries(skel->maps.wf_flows, cfg->max_flows);
	bpf_map__set_max_entries(skel->maps.wf_keyed, cfg->max_keys);
	skel->rodata->wf_steer = cfg->steer.n_routes > 0;
	skel->rodata->wf_probe_mark = cfg->steer.probe.mark;
	bpf_map__set_max_entries(skel->maps.wf_steer_flows, cfg->steer.max_flows);
}

struct loader *loader_prepare(const struct wf_config *cfg,
			      const struct wf_host *host, struct loader *prev)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->cfg = cfg;
	l->host = host;
	for (int k = 0; k < N_CG; k++) {
		hook_init(&l->cg[k]);
		snprintf(l->cg[k].pin, sizeof(l->cg[k].pin), "link_%s",
			 hook_cg_names[k]);
	}
	init_slots(l);
	if (prev)
		l->no_tcx = prev->no_tcx;
	else
		inspect_pins(l);
	l->skel = wirefisher_bpf__open();
	if (!l->skel) {
		log_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	if (probe_hooks(l))
		goto fail;
	set_load_options(l);
	if (take_state(l, prev))
		goto fail;
	err = wirefisher_bpf__load(l->skel);
	if (err) {
		log_error("cannot load the BPF programs: %s (run with -v for "
			  "the verifier's log)", strerror(-err));
		goto fail;
	}
	if (assign_slots(l, prev) ||
	    write_policy(l->skel, cfg, host, l->rule_slot))
		goto fail;
	remember_cgroups(l);
	return l;
fail:
	loader_free(l);
	return NULL;
}

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
		return 1;	/* the caller attaches */
	return hook_update(h, prog_fd);
}

/* Put a hook back where it came from (the hand-over failed). */
static void give_back(struct hook *h, struct hook *to)
{
	if (h->fd < 0 && !h->legacy)
		return;
	hook_undo(h);
	if (h->from == HOOK_PREV && to)
		hook_move(to, h);
	else
		hook_release(h, NULL, h->from != HOOK_NEW);
}

static const char *const cg_attached[N_CG] = {
	"attached to cgroup %s (cgroup_skb ingress)",
	"attached to cgroup %s (cgroup_skb egress)",
	"attached to cgroup %s (sock_create, for process rules)",
	"attached sockops to cgroup %s (tcp_congestion)",
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
				fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

static struct slot *prev_slot(struct loader *prev, const struct slot *s,
			      int ifindex)
{
	for (int j = 0; prev && j < prev->n_slots; j++)
		if (prev->slots[j].ifindex == ifindex &&
		    !strcmp(prev->slots[j].name, s->name))
			return &prev->slots[j];
	return NULL;
}

/* Tell the datapath how to parse this interface before hooking it. */
static int publish_iface(struct loader *l, struct slot *s, int l2_len)
{
	struct wf_iface info = { .l2_len = (__u32)l2_len,
				 .flags = s->steer ? WF_IFACE_STEER : 0 };
	__u32 key = (__u32)s->ifindex;

	memcpy(info.name, s->name, sizeof(s->name));
	return bpf_map__update_elem(l->skel->maps.wf_ifaces, &key, sizeof(key),
				    &info, sizeof(info), BPF_ANY);
}

static void slot_release(struct loader *l, struct slot *s, bool keep)
{
	__u32 key = (__u32)s->ifindex;

	if (!s->ifindex)
		return;
	for (int d = 0; d < 2; d++)
		hook_release(&s->tc[d], l->cfg->pin_dir, keep);
	if (!keep && l->skel)
		bpf_map__delete_elem(l->skel->maps.wf_ifaces, &key, sizeof(key), 0);
	s->ifindex = 0;
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
		return 1;	/* skipped, as configured; said once at load */
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
		prog = bpf_program__fd(d == HOOK_INGRESS ? l->skel->progs.wf_tc_ingress :
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
	if (ps)
		return 1;	/* a reload: the reload's line says it */
	log_info("%s %s (ifindex %d, %s)", s->tc[0].from == HOOK_PINNED ||
		 s->tc[1].from == HOOK_PINNED ? "took over the hooks on" :
		 "attached to", s->name, ifindex,
		 s->dirs == WF_DIRS_BOTH ? "ingress+egress" :
		 hook_dir_names[s->dirs == WF_DIRS_EGRESS]);
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
				 "when it appears", i, l->slots[i].name);
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
		s->ifindex = 0;
	}
	for (int k = 0; k < N_CG; k++)
		give_back(&l->cg[k], prev ? &prev->cg[k] : NULL);
}

static bool owns_pin(const struct loader *l, const char *name)
{
	for (int k = 0; k < N_CG; k++)
		if (l->cg[k].fd >= 0 && !strcmp(l->cg[k].pin, name))
			return true;
	for (int i = 0; i < l->n_slots; i++)
		for (int d = 0; d < 2; d++)
			if (l->slots[i].tc[d].fd >= 0 &&
			    !strcmp(l->slots[i].tc[d].pin, name))
				return true;
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
		if (!strncmp(e->d_name, "link_", 5) && !owns_pin(l, e->d_name) &&
		    pin_path(path, sizeof(path), l->cfg->pin_dir, e->d_name) == 0)
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
		if (s->ifindex && !kept)
			bpf_map__delete_elem(l->skel->maps.wf_ifaces, &key,
					     sizeof(key), 0);
		s->ifindex = 0;
	}
	for (int k = 0; k < N_CG; k++)
		hook_release(&prev->cg[k], l->cfg->pin_dir, false);
	prev->committed = false;	/* its pins are ours now */
	loader_free(prev);
}

int loader_commit(struct loader *l, struct loader *prev)
{
	if (take_cg_hooks(l, prev) || take_tc_hooks(l, prev)) {
		give_back_all(l, prev);
		return -1;
	}
	for (int k = 0; k < N_CG; k++)
		hook_settle(&l->cg[k]);
	for (int i = 0; i < l->n_slots; i++)
		for (int d = 0; d < 2; d++)
			hook_settle(&l->slots[i].tc[d]);
	l->committed = true;
	if (l->adopt)
		drop_other_link_pins(l);
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
				 "it. Waiting for it to return", s->name, s->ifindex);
			slot_release(l, s, false);
			changed = true;
		}
		if (!s->ifindex && now) {
			changed = true;
			if (slot_attach(l, NULL, i) < 0) {
				for (int d = 0; d < 2; d++)
					hook_release(&s->tc[d], l->cfg->pin_dir,
						     false);
				s->ifindex = 0;
				log_warn("%s is back but could not be attached; "
					 "will retry when it changes", s->name);
			} else if (l->cfg->persist) {
				for (int d = 0; d < 2; d++)
					hook_pin(&s->tc[d], l->cfg->pin_dir);
			}
		}
	}
	/* Rules naming an interface follow its new ifindex. */
	if (l->cfg->n_rules)
		follow_rules(l, changed);
}

static int write_info(struct loader *l)
{
	struct wf_info info = { 0 };
	struct timespec ts;
	__u32 zero = 0;

	/* Counters of reloads and the start time survive a reload. */
	bpf_map__lookup_elem(l->skel->maps.wf_info, &zero, sizeof(zero), &info,
			     sizeof(info), 0);
	if (info.abi_version != WF_ABI_VERSION || info.pid != (__u32)getpid()) {
		memset(&info, 0, sizeof(info));
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		info.started_ns = (__u64)ts.tv_sec * 1000000000ULL +
				  (__u64)ts.tv_nsec;
		info.adopted = l->adopt;
	}
	info.abi_version = WF_ABI_VERSION;
	info.pid = (__u32)getpid();
	info.window_ns = l->cfg->window_ns;
	info.max_flows = l->cfg->max_flows;
	info.persist = l->cfg->persist;
	return bpf_map__update_elem(l->skel->maps.wf_info, &zero, sizeof(zero),
				    &info, sizeof(info), BPF_ANY);
}

void loader_note_reload(struct loader *l, bool failed)
{
	struct wf_info info;
	__u32 zero = 0;

	if (bpf_map__lookup_elem(l->skel->maps.wf_info, &zero, sizeof(zero),
				 &info, sizeof(info), 0))
		return;
	info.reload_seq++;
	info.reload_failed = failed;
	info.reload_failures += failed;
	bpf_map__update_elem(l->skel->maps.wf_info, &zero, sizeof(zero), &info,
			     sizeof(info), BPF_ANY);
}

/* Hooks pinned with persist: true, unpinned (gone with us) without. */
static int pin_links(struct loader *l)
{
	const char *dir = l->cfg->pin_dir;
	int err = 0;

	for (int k = 0; k < N_CG; k++)
		err = err ? err : l->cfg->persist ? hook_pin(&l->cg[k], dir) :
			(hook_unpin(&l->cg[k], dir), 0);
	for (int i = 0; i < l->n_slots; i++)
		for (int d = 0; d < 2; d++) {
			struct hook *h = &l->slots[i].tc[d];

			if (h->fd < 0)
				continue;
			err = err ? err : l->cfg->persist ? hook_pin(h, dir) :
				(hook_unpin(h, dir), 0);
		}
	return err;
}

int loader_pin(struct loader *l)
{
	struct bpf_map *map;
	int err = write_info(l);

	if (err) {
		log_error("cannot write wf_info: %s", strerror(-err));
		return -1;
	}
	bpf_object__for_each_map(map, l->skel->obj) {
		/* .rodata/.bss are internal; readers need only the wf_ maps. */
		if (strncmp(bpf_map__name(map), "wf_", 3))
			continue;
		err = pin_replace(bpf_map__fd(map), l->cfg->pin_dir,
				  bpf_map__name(map));
		if (err) {
			log_error("cannot pin %s in %s: %s", bpf_map__name(map),
				  l->cfg->pin_dir, strerror(-err));
			return -1;
		}
	}
	err = pin_links(l);
	if (err) {
		log_error("cannot pin the hooks in %s: %s", l->cfg->pin_dir,
			  strerror(-err));
		return -1;
	}
	return 0;
}

/* A stopped persistent daemon: readers must not think it runs. */
static void mark_stopped(struct loader *l)
{
	struct wf_info info;
	__u32 zero = 0;

	if (bpf_map__lookup_elem(l->skel->maps.wf_info, &zero, sizeof(zero),
				 &info, sizeof(info), 0) == 0) {
		info.pid = 0;
		bpf_map__update_elem(l->skel->maps.wf_info, &zero, sizeof(zero),
				     &info, sizeof(info), BPF_ANY);
	}
}

void loader_free(struct loader *l)
{
	bool keep;

	if (!l)
		return;
	keep = l->committed && l->cfg->persist;
	if (keep && l->skel)
		mark_stopped(l);
	for (int i = 0; i < l->n_slots; i++)
		slot_release(l, &l->slots[i], keep);
	for (int k = 0; k < N_CG; k++)
		hook_release(&l->cg[k], l->committed ? l->cfg->pin_dir : NULL,
			     keep);
	if (l->committed && !keep)
		pin_dir_clear(l->cfg->pin_dir);
	wirefisher_bpf__destroy(l->skel);
	free(l);
}

int loader_down(const char *dir)
{
	int lock = pin_dir_acquire(dir), fd, n;
	__u32 key, next;
	void *prev = NULL;

	if (lock < 0)
		return -1;
	/* Netlink filters (kernels without tcx) are not pins: delete them. */
	fd = pin_open(dir, "wf_ifaces");
	while (fd >= 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		hook_tc_legacy_remove((int)key);
	}
	if (fd >= 0)
		close(fd);
	n = pin_dir_clear(dir);
	pin_dir_release(dir, lock);
	if (n)
		log_info("removed %d pins from %s: wirefisher's hooks and maps "
			 "are gone", n, dir);
	else
		log_info("nothing of wirefisher's in %s", dir);
	return 0;
}

struct wirefisher_bpf *loader_skel(struct loader *l)
{
	return l->skel;
}

/*
 * libbpf prints its own errors (verifier logs, "failed to ...") at WARN.
 * They are noise to a user who gets our one-line message for the same
 * failure, so they show only with -v (debug).
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	if (log_get_level() < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void loader_log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
