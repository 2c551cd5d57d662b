// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * loader.c - open, configure, load, attach and pin the wirefisher skeleton.
 *
 * tc attachments are tcx links (kernel >= 6.6): they vanish with their fd,
 * so a crashed daemon leaves no hook behind. libbpf 1.1 has no tcx API, but
 * its generic bpf_link_create() passes (prog, ifindex, BPF_TCX_*) straight
 * to BPF_LINK_CREATE, which is all tcx needs. On older kernels we fall back
 * to netlink clsact filters, which outlive the process: those we delete
 * ourselves on every exit path.
 */
#include "loader.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/wf_shared.h"
#include "log.h"
#include "netif.h"
#include "pin.h"
#include "policy.h"
#include "cgroup.h"
#include "wirefisher.skel.h"

/* UAPI values newer than the headers libbpf 1.1 ships against. */
#define WF_BPF_TCX_INGRESS 46
#define WF_BPF_TCX_EGRESS 47

#define TC_HANDLE 0x5746	/* "WF": our filters in legacy clsact */
#define TC_PRIORITY 0x5746

enum { DIR_IN, DIR_EGR, N_DIRS };

struct slot {
	char name[IF_NAMESIZE];
	unsigned dirs;
	bool steer;		/* a steering path device */
	int ifindex;		/* 0: not attached */
	int link_fd[N_DIRS];	/* tcx links, -1 if none */
	bool legacy[N_DIRS];	/* netlink filter we must delete */
};

struct loader {
	const struct wf_config *cfg;
	struct wirefisher_bpf *skel;
	struct slot slots[WF_MAX_IFACES];
	int n_slots;
	bool no_tcx;		/* kernel refused tcx once: use netlink */
	bool no_tc;		/* kernel lacks tc BPF and the config said skip */
	bool pinned;
	struct bpf_link *cg_links[3];	/* cgroup_skb x 2, sock_create */
	__u64 cg_ids[WF_MAX_RULES];	/* cgroup id each rule last matched */
	struct bpf_link *cc_link;	/* sockops, for tcp_congestion */
};

static const char *const dir_names[N_DIRS] = { "ingress", "egress" };

const char *loader_ifname(const struct loader *l, int slot)
{
	return l->slots[slot].name;
}

/*
 * auto may name an interface the config also lists: hooking it twice would
 * count every packet twice.
 */
static int check_unique(struct loader *l)
{
	int i, j;

	l->n_slots = l->cfg->n_ifaces;
	for (i = 0; i < l->n_slots; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(l->slots[i].name, l->slots[j].name)) {
				log_error("%s:%d:%d: interfaces[%d]: %s is also "
					  "interfaces[%d] (auto is the default "
					  "route's interface); list it once",
					  l->cfg->path, l->cfg->ifaces[i].where.line,
					  l->cfg->ifaces[i].where.col, i,
					  l->slots[i].name, j);
				return -1;
			}
	return 0;
}

static int resolve_slots(struct loader *l)
{
	int i;

	for (i = 0; i < l->cfg->n_ifaces; i++) {
		const struct wf_cfg_iface *ci = &l->cfg->ifaces[i];
		struct slot *s = &l->slots[i];

		s->dirs = ci->dirs;
		s->steer = ci->steer;
		s->link_fd[DIR_IN] = s->link_fd[DIR_EGR] = -1;
		if (strcmp(ci->name, WF_IFACE_AUTO)) {
			strcpy(s->name, ci->name);
			continue;
		}
		if (netif_default_route(s->name)) {
			log_error("%s:%d:%d: interfaces[%d]: auto: this network "
				  "namespace has no default route; name the "
				  "interface instead", l->cfg->path, ci->where.line,
				  ci->where.col, i);
			return -1;
		}
		log_info("interfaces[%d]: auto is %s (default route)", i, s->name);
	}
	return check_unique(l);
}

/*
 * Rules go in before any hook is attached, so the first packet already
 * meets the whole policy. A rule's interface that is absent gets ifindex 0,
 * which no packet has; write_rules() runs again when interfaces change.
 */
/* The cgroup a rule names, by path, systemd unit or container id. */
static int rule_cgroup(const struct wf_cfg_rule *cr, __u64 *id, __u32 *level,
		       char *why, size_t n)
{
	char rel[PATH_MAX];

	if (cr->unit[0] && cgroup_find_unit(cr->unit, rel, sizeof(rel), why, n))
		return -1;
	if (cr->container[0] &&
	    cgroup_find_container(cr->container, rel, sizeof(rel), why, n))
		return -1;
	if (cr->cgroup[0])
		snprintf(rel, sizeof(rel), "%s", cr->cgroup);
	return cgroup_resolve(rel, id, level, why, n);
}

/*
 * The ABI form of rules[i], with what only this host can say: ifindex,
 * cgroup id and level. Returns 0; -1 with `why` if the rule's cgroup or
 * process cannot be found (r then names cgroup id 0, which no socket has).
 */
static int rule_resolve(const struct wf_config *cfg, int i, struct wf_rule *r,
			char *why, size_t n)
{
	const struct wf_cfg_rule *cr = &cfg->rules[i];

	policy_rule(cr, r);
	if (cr->iface[0])
		r->ifindex = if_nametoindex(cr->iface);
	if (wf_rule_has_cgroup(cr)) {
		if (rule_cgroup(cr, &r->cgroup_id, &r->cgroup_level, why, n)) {
			r->cgroup_id = 0;
			return -1;
		}
		if (r->cgroup_level >= WF_CG_LEVELS) {
			snprintf(why, n, "%u levels deep; wirefisher follows %d",
				 r->cgroup_level, WF_CG_LEVELS - 1);
			r->cgroup_id = 0;
			return -1;
		}
	}
	if (cr->pid && kill((pid_t)cr->pid, 0) && errno == ESRCH) {
		snprintf(why, n, "no process %u", cr->pid);
		return -1;
	}
	if (cr->exe[0]) {
		struct stat st;

		errno = 0;
		if (stat(cr->exe, &st) || !S_ISREG(st.st_mode)) {
			snprintf(why, n, "%s: %s", cr->exe, errno ? strerror(errno) :
				 "not a regular file");
			return -1;
		}
		r->exe_ino = st.st_ino;
		/* The kernel's dev_t: major in the high 12 bits of 32. */
		r->exe_dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
	}
	return 0;
}

static const char *match_key(const struct wf_cfg_rule *cr)
{
	return cr->pid ? "pid" : cr->exe[0] ? "exe" : cr->unit[0] ? "unit" :
	       cr->container[0] ? "container" : "cgroup";
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

static int write_rules(struct wirefisher_bpf *skel, const struct wf_config *cfg)
{
	char why[256];
	int i;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *cr = &cfg->rules[i];
		struct wf_rule r;

		if (rule_resolve(cfg, i, &r, why, sizeof(why))) {
			log_error("%s:%d:%d: rules[%d].match.%s: %s", cfg->path,
				  cr->where.line, cr->where.col, i, match_key(cr),
				  why);
			return -1;
		}
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
	char why[256];
	int i;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *cr = &cfg->rules[i];
		struct wf_rule r;
		int gone;

		if (!all && !wf_rule_has_cgroup(cr))
			continue;
		gone = rule_resolve(cfg, i, &r, why, sizeof(why)) != 0;
		if (r.cgroup_id == l->cg_ids[i]) {
			if (all)
				write_rule(l->skel, i, &r);
			continue;
		}
		if (gone)
			log_warn("rules[%d] (%s): %s; the rule waits for it", i,
				 cr->name, why);
		else
			log_info("rules[%d] (%s): cgroup is there again (id %llu)",
				 i, cr->name, (unsigned long long)r.cgroup_id);
		if (write_rule(l->skel, i, &r) == 0)
			l->cg_ids[i] = r.cgroup_id;
	}
}

static void remember_cgroups(struct loader *l)
{
	char why[256];
	struct wf_rule r;
	int i;

	for (i = 0; i < l->cfg->n_rules; i++)
		if (rule_resolve(l->cfg, i, &r, why, sizeof(why)) == 0)
			l->cg_ids[i] = r.cgroup_id;
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

int loader_write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg)
{
	return write_tries(skel, cfg) || write_rules(skel, cfg) ? -1 : 0;
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

/* Is `name` in tcp_available_congestion_control? */
static bool cc_available(const char *name)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control",
			"r");
	char word[32];
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%31s", word) == 1)
		found = !strcmp(word, name);
	fclose(f);
	return found;
}

/* sockops on the cgroup2 root, for the tcp_congestion rules. */
static int attach_sockops(struct loader *l)
{
	const struct wf_config *cfg = l->cfg;
	char mount[PATH_MAX];
	int fd, i;

	if (!cc_rules(cfg))
		return 0;
	for (i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].cc[0] && !cc_available(cfg->rules[i].cc)) {
			log_error("%s:%d:%d: rules[%d].tcp_congestion: \"%s\" is not "
				  "available here (see /proc/sys/net/ipv4/"
				  "tcp_available_congestion_control)", cfg->path,
				  cfg->rules[i].where.line, cfg->rules[i].where.col,
				  i, cfg->rules[i].cc);
			return -1;
		}
	if (cgroup_mount(mount)) {
		log_error("tcp_congestion rules need cgroup v2, not mounted here");
		return -1;
	}
	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	l->cc_link = bpf_program__attach_cgroup(l->skel->progs.wf_sockops, fd);
	close(fd);
	if (!l->cc_link) {
		log_error("attach sockops on %s: %s", mount, strerror(errno));
		return -1;
	}
	log_info("attached sockops to cgroup %s (tcp_congestion)", mount);
	return 0;
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

/*
 * cgroup_skb ingress and egress (and, for process rules, sock_create) on
 * the cgroup2 root, as links: every socket of every cgroup passes them, and
 * they go away with the daemon. Sockets made before sock_create was
 * attached have no owner recorded: process rules do not see them.
 */
static int attach_cgroups(struct loader *l)
{
	struct bpf_program *progs[3] = { l->skel->progs.wf_cg_ingress,
					 l->skel->progs.wf_cg_egress,
					 l->skel->progs.wf_sock_create };
	static const char *const names[3] = { "cgroup_skb ingress",
					      "cgroup_skb egress",
					      "cgroup/sock_create" };
	char mount[PATH_MAX];
	int fd, i, n = has_process_rules(l->cfg) ? 3 : 2;

	if (!cgroup_rules(l->cfg))
		return 0;
	if (cgroup_mount(mount)) {
		log_error("cgroup rules need cgroup v2, which is not mounted here");
		return -1;
	}
	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open %s: %s", mount, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		l->cg_links[i] = bpf_program__attach_cgroup(progs[i], fd);
		if (!l->cg_links[i]) {
			log_error("attach %s on %s: %s", names[i], mount,
				  strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	log_info("attached to cgroup %s (cgroup_skb ingress+egress)", mount);
	return 0;
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

struct loader *loader_open(const struct wf_config *cfg)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->cfg = cfg;
	if (resolve_slots(l))
		goto fail;
	l->skel = wirefisher_bpf__open();
	if (!l->skel) {
		log_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	if (probe_hooks(l))
		goto fail;
	l->skel->rodata->wf_window_ns = cfg->window_ns;
	l->skel->rodata->wf_police = cfg->n_rules > 0;
	l->skel->rodata->wf_cg_rules = cgroup_rules(cfg);
	if (!cgroup_rules(cfg)) {
		bpf_program__set_autoload(l->skel->progs.wf_cg_ingress, false);
		bpf_program__set_autoload(l->skel->progs.wf_cg_egress, false);
	}
	if (!has_process_rules(cfg))
		bpf_program__set_autoload(l->skel->progs.wf_sock_create, false);
	l->skel->rodata->wf_cc_rules = cc_rules(cfg);
	if (!cc_rules(cfg))
		bpf_program__set_autoload(l->skel->progs.wf_sockops, false);
	bpf_map__set_max_entries(l->skel->maps.wf_flows, cfg->max_flows);
	bpf_map__set_max_entries(l->skel->maps.wf_keyed, cfg->max_keys);
	l->skel->rodata->wf_steer = cfg->steer.n_routes > 0;
	l->skel->rodata->wf_probe_mark = cfg->steer.probe.mark;
	bpf_map__set_max_entries(l->skel->maps.wf_steer_flows,
				 cfg->steer.max_flows);
	err = wirefisher_bpf__load(l->skel);
	if (err) {
		log_error("cannot load the BPF programs: %s (run with -v for "
			  "the verifier's log)", strerror(-err));
		goto fail;
	}
	if (loader_write_policy(l->skel, cfg) || attach_cgroups(l) ||
	    attach_sockops(l))
		goto fail;
	remember_cgroups(l);
	return l;
fail:
	loader_free(l);
	return NULL;
}

static int tc_prog_fd(struct loader *l, int dir)
{
	return bpf_program__fd(dir == DIR_IN ? l->skel->progs.wf_tc_ingress :
				       l->skel->progs.wf_tc_egress);
}

static int attach_legacy(struct loader *l, struct slot *s, int dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s->ifindex,
		    .attach_point = dir == DIR_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY, .prog_fd = tc_prog_fd(l, dir),
		    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (!err)
		s->legacy[dir] = true;
	return err;
}

static void detach_dir(struct slot *s, int dir)
{
	if (s->link_fd[dir] >= 0) {
		close(s->link_fd[dir]);
		s->link_fd[dir] = -1;
	}
	if (s->legacy[dir]) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = s->ifindex,
			    .attach_point = dir == DIR_IN ? BPF_TC_INGRESS :
							   BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
			    .priority = TC_PRIORITY);

		/* Fails harmlessly if the device (and its qdisc) is gone. */
		bpf_tc_detach(&hook, &opts);
		s->legacy[dir] = false;
	}
}

static int attach_dir(struct loader *l, struct slot *s, int dir)
{
	int fd;

	if (!l->no_tcx) {
		fd = bpf_link_create(tc_prog_fd(l, dir), s->ifindex,
				     dir == DIR_IN ? WF_BPF_TCX_INGRESS :
						     WF_BPF_TCX_EGRESS, NULL);
		if (fd >= 0) {
			s->link_fd[dir] = fd;
			return 0;
		}
		if (fd != -EINVAL && fd != -EOPNOTSUPP)
			return fd;
		log_warn("this kernel has no tcx links (< 6.6): using netlink tc "
			 "filters, which wirefisher removes on exit");
		l->no_tcx = true;
	}
	return attach_legacy(l, s, dir);
}

static void slot_detach(struct loader *l, struct slot *s)
{
	__u32 key = (__u32)s->ifindex;
	int dir;

	if (!s->ifindex)
		return;
	for (dir = 0; dir < N_DIRS; dir++)
		detach_dir(s, dir);
	if (l->skel)
		bpf_map__delete_elem(l->skel->maps.wf_ifaces, &key, sizeof(key), 0);
	s->ifindex = 0;
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

int loader_attach(struct loader *l, int slot)
{
	struct slot *s = &l->slots[slot];
	int ifindex = (int)if_nametoindex(s->name);
	int l2, dir, err;

	if (l->no_tc)
		return 1;	/* skipped, as configured; said once at load */
	if (s->ifindex || !ifindex)
		return 0;
	l2 = netif_l2_len(s->name);
	if (l2 < 0) {
		log_error("interfaces[%d]: %s: %s", slot, s->name,
			  errno == EPROTONOSUPPORT ?
			  "unsupported link type (Ethernet, loopback and layer-3 "
			  "devices such as WireGuard are supported)" :
			  strerror(errno));
		return -1;
	}
	s->ifindex = ifindex;
	err = publish_iface(l, s, l2);
	if (err) {
		log_error("cannot record %s in wf_ifaces: %s", s->name,
			  strerror(-err));
		slot_detach(l, s);
		return -1;
	}
	for (dir = 0; dir < N_DIRS; dir++) {
		if (!(s->dirs & (1u << dir)))
			continue;
		err = attach_dir(l, s, dir);
		if (err) {
			log_error("attach tc %s on %s: %s (interfaces[%d])",
				  dir_names[dir], s->name, strerror(-err), slot);
			slot_detach(l, s);
			return -1;
		}
	}
	log_info("attached to %s (ifindex %d, %s)", s->name, ifindex,
		 s->dirs == WF_DIRS_BOTH ? "ingress+egress" :
		 dir_names[s->dirs == WF_DIRS_EGRESS]);
	return 1;
}

void loader_sync(struct loader *l)
{
	bool changed = false;
	int i;

	for (i = 0; i < l->n_slots; i++) {
		struct slot *s = &l->slots[i];
		int now = (int)if_nametoindex(s->name);

		if (s->ifindex && now != s->ifindex) {
			log_warn("%s went away (ifindex %d); its hooks went with "
				 "it. Waiting for it to return", s->name, s->ifindex);
			slot_detach(l, s);
			changed = true;
		}
		if (!s->ifindex && now) {
			changed = true;
			if (loader_attach(l, i) < 0)
				log_warn("%s is back but could not be attached; "
					 "will retry when it changes", s->name);
		}
	}
	/* Rules naming an interface follow its new ifindex. */
	if (l->cfg->n_rules)
		follow_rules(l, changed);
}

static int write_info(struct loader *l)
{
	struct wf_info info = {
		.abi_version = WF_ABI_VERSION,
		.pid = (__u32)getpid(),
		.window_ns = l->cfg->window_ns,
		.max_flows = l->cfg->max_flows,
	};
	struct timespec ts;
	__u32 zero = 0;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	info.started_ns = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	return bpf_map__update_elem(l->skel->maps.wf_info, &zero, sizeof(zero),
				    &info, sizeof(info), BPF_ANY);
}

int loader_pin(struct loader *l)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err, stale;

	stale = pin_dir_clear(l->cfg->pin_dir);
	if (stale)
		log_warn("removed %d stale pins left in %s by an earlier run",
			 stale, l->cfg->pin_dir);
	err = write_info(l);
	if (err) {
		log_error("cannot write wf_info: %s", strerror(-err));
		return -1;
	}
	l->pinned = true;
	bpf_object__for_each_map(map, l->skel->obj) {
		/* .rodata/.bss are internal; readers need only the wf_ maps. */
		if (strncmp(bpf_map__name(map), "wf_", 3))
			continue;
		if (pin_path(path, sizeof(path), l->cfg->pin_dir,
			     bpf_map__name(map)))
			return -1;
		err = bpf_map__pin(map, path);
		if (err) {
			log_error("cannot pin %s: %s", path, strerror(-err));
			return -1;
		}
	}
	return 0;
}

void loader_free(struct loader *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n_slots; i++)
		slot_detach(l, &l->slots[i]);
	for (i = 0; i < 3; i++)
		bpf_link__destroy(l->cg_links[i]);
	bpf_link__destroy(l->cc_link);
	if (l->pinned)
		pin_dir_clear(l->cfg->pin_dir);
	wirefisher_bpf__destroy(l->skel);
	free(l);
}

struct wirefisher_bpf *loader_skel(struct loader *l)
{
	return l->skel;
}
