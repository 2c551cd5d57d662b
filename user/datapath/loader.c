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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader_int.h"
#include "log.h"
#include "pin.h"
#include "policy.h"
#include "wirefisher.skel.h"
#include "wirefisher_nokf.skel.h"

/*
 * WIREFISHER_TC=legacy: netlink clsact filters even where the kernel has
 * tcx, the path every kernel before 6.6 takes - so that it can be tested
 * (and used beside tools that expect clsact filters) on newer ones.
 */
static bool tc_legacy_wanted(void)
{
	const char *v = getenv("WIREFISHER_TC");
	static bool said;

	if (!v || strcmp(v, "legacy"))
		return false;
	if (!said)
		log_info("WIREFISHER_TC=legacy: tc hooks are netlink clsact "
			 "filters, not tcx links");
	said = true;
	return true;
}

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
		hook_init(&s->xdp);
	}
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

/*
 * Rules placed at netfilter on a kernel without its links: one line, and
 * tc enforces them - on the configured interfaces, so without any there
 * is nothing that would.
 */
static int nf_fallback(const struct wf_config *cfg)
{
	__u64 rules = hook_nf_supported() ? 0 : policy_nf_fallback(cfg);
	char names[256] = "";
	size_t n = 0;

	if (!rules)
		return 0;
	for (int i = 0; i < cfg->n_rules && n < sizeof(names); i++)
		if (rules >> i & 1)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s%s", n ? ", " : "",
					      cfg->rules[i].name);
	if (!cfg->n_ifaces) {
		log_error("this kernel has no BPF netfilter links with IP defrag "
			  "(6.6+) and no interfaces are listed for tc: rules %s "
			  "would not be enforced; list interfaces",
			  names);
		return -1;
	}
	log_warn("this kernel has no BPF netfilter links with IP defrag (6.6+): "
		 "rules %s enforced at tc instead",
		 names);
	return 0;
}

/* ---- prepare: a loaded skeleton with the whole policy, no hooks ---- */

/*
 * The skeleton, opened on the object built for this kernel: where there
 * are no netfilter links, the one whose netfilter programs name no kfunc
 * (bpf/lib/nf.bpf.h says why; the Makefile checks that both objects fit
 * this one skeleton).
 */
static struct wirefisher_bpf *skel_open(void)
{
	struct wirefisher_bpf *skel = calloc(1, sizeof(*skel));
	struct bpf_object_skeleton *s;
	int err;

	if (!skel)
		return NULL;
	err = wirefisher_bpf__create_skeleton(skel);
	s = skel->skeleton;
	if (!err && !hook_nf_supported()) {
		log_debug("no netfilter links: the object without kfuncs");
		s->data = (void *)wirefisher_nokf_bpf__elf_bytes(&s->data_sz);
	}
	if (!err)
		err = bpf_object__open_skeleton(s, NULL);
	if (err) {
		wirefisher_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

bool cg_wanted(const struct wf_config *cfg, int k)
{
	switch (k) {
	case CG_INGRESS:
	case CG_EGRESS:
		return cgroup_rules(cfg) != 0;
	case CG_SOCK_CREATE:
		return has_process_rules(cfg);
	default: /* sockops: tcp_congestion, and pacing for socket rules */
		return cc_rules(cfg) != 0 || cgroup_rules(cfg) != 0;
	}
}

bool loader_nf_supported(void)
{
	return hook_nf_supported();
}

/* PRE_ROUTING for rules on ingress, LOCAL_OUT and FORWARD for egress. */
bool nf_wanted(const struct wirefisher_bpf *skel, const struct wf_config *cfg,
	       int k)
{
	__u64 rules = skel->rodata->wf_nf_rules;
	unsigned dirs = 0;

	for (int i = 0; i < cfg->n_rules; i++)
		if (rules >> i & 1)
			dirs |= cfg->rules[i].dirs;
	if (k == NF_V4_PRE || k == NF_V6_PRE)
		return dirs & WF_DIRS_INGRESS;
	return dirs & WF_DIRS_EGRESS;
}

/* XDP on this interface: a rule placed there can match what it receives. */
bool xdp_wanted(const struct loader *l, const struct slot *s)
{
	__u64 rules = l->skel->rodata->wf_xdp_rules;

	if (!(s->dirs & WF_DIRS_INGRESS))
		return false;
	for (int i = 0; i < l->cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &l->cfg->rules[i];

		if ((rules >> i & 1) &&
		    (!r->iface[0] || !strcmp(r->iface, s->name)))
			return true;
	}
	return false;
}

struct bpf_program *cg_prog(struct wirefisher_bpf *skel, int k)
{
	struct bpf_program *p[N_CG] = { skel->progs.wf_cg_ingress,
					skel->progs.wf_cg_egress,
					skel->progs.wf_sock_create,
					skel->progs.wf_sockops };

	return p[k];
}

/*
 * The depth from which a bucket may be charged at the tick clock
 * (wf_tick_burst_ns, bpf/lib/police.bpf.h): 32 ticks, the tick being the
 * resolution of CLOCK_MONOTONIC_COARSE (4 ms at HZ=250). None if unknown.
 */
static __u64 tick_burst_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) ||
	    (!res.tv_sec && !res.tv_nsec) || res.tv_sec > 1)
		return ~0ULL;
	return 32 * ((__u64)res.tv_sec * 1000000000ULL + (__u64)res.tv_nsec);
}

void loader_options(struct wirefisher_bpf *skel, const struct wf_config *cfg)
{
	bool nf = hook_nf_supported();

	skel->rodata->wf_window_ns = cfg->window_ns;
	skel->rodata->wf_police = cfg->n_rules > 0;
	skel->rodata->wf_ecn = cfg->n_rules > 0 && cfg->ecn;
	skel->rodata->wf_tick_burst_ns = tick_burst_ns();
	skel->rodata->wf_cg_rules = policy_rules_at(cfg, WF_PLACE_SOCKET, nf);
	skel->rodata->wf_nf_rules =
		policy_rules_at(cfg, WF_PLACE_NETFILTER, nf);
	skel->rodata->wf_xdp_rules = policy_rules_at(cfg, WF_PLACE_XDP, nf);
	skel->rodata->wf_cc_rules = cc_rules(cfg);
	skel->rodata->wf_rule_ids = cfg->n_rules >= WF_MAX_RULES ?
					    ~0ULL :
					    (1ULL << cfg->n_rules) - 1;
	skel->rodata->wf_src_prefixed = policy_prefixed(cfg, 1);
	skel->rodata->wf_dst_prefixed = policy_prefixed(cfg, 0);
	for (int k = 0; k < N_CG; k++)
		if (!cg_wanted(cfg, k))
			bpf_program__set_autoload(cg_prog(skel, k), false);
	bpf_program__set_type(skel->progs.wf_nf_hook,
			      (enum bpf_prog_type)WF_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_type(skel->progs.wf_nf_entry,
			      (enum bpf_prog_type)WF_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(skel->progs.wf_nf_hook,
					      (enum bpf_attach_type)
						      WF_BPF_NETFILTER);
	bpf_program__set_expected_attach_type(skel->progs.wf_nf_entry,
					      (enum bpf_attach_type)
						      WF_BPF_NETFILTER);
	if (!skel->rodata->wf_nf_rules) {
		bpf_program__set_autoload(skel->progs.wf_nf_hook, false);
		bpf_program__set_autoload(skel->progs.wf_nf_entry, false);
	}
	if (!skel->rodata->wf_xdp_rules)
		bpf_program__set_autoload(skel->progs.wf_xdp_ingress, false);
	bpf_map__set_max_entries(skel->maps.wf_flows, cfg->max_flows);
	bpf_map__set_max_entries(skel->maps.wf_keyed, cfg->max_keys);
	skel->rodata->wf_steer = cfg->steer.n_routes > 0;
	skel->rodata->wf_probe_mark = cfg->steer.probe.mark;
	bpf_map__set_max_entries(skel->maps.wf_steer_flows,
				 cfg->steer.max_flows);
	bpf_map__set_max_entries(skel->maps.wf_dedup, cfg->steer.max_flows);
	for (int r = 0; r < cfg->steer.n_routes; r++)
		if (cfg->steer.routes[r].n_dup)
			skel->rodata->wf_dup_on = 1;
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
	for (int k = 0; k < N_NF; k++) {
		hook_init(&l->nf[k]);
		snprintf(l->nf[k].pin, sizeof(l->nf[k].pin), "link_nf_%s",
			 hook_nf_names[k]);
	}
	l->nf_old_prog = -1;
	init_slots(l);
	if (nf_fallback(cfg))
		goto fail;
	if (prev) {
		l->no_tcx = prev->no_tcx;
	} else {
		l->no_tcx = tc_legacy_wanted();
		inspect_pins(l);
	}
	l->skel = skel_open();
	if (!l->skel) {
		log_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	if (probe_hooks(l))
		goto fail;
	loader_options(l->skel, cfg);
	if (take_state(l, prev))
		goto fail;
	err = wirefisher_bpf__load(l->skel);
	if (err) {
		log_error("cannot load the BPF programs: %s (run with -v for "
			  "the verifier's log)",
			  strerror(-err));
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
		info.started_ns =
			(__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
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
		err = err	      ? err :
		      l->cfg->persist ? hook_pin(&l->cg[k], dir) :
					(hook_unpin(&l->cg[k], dir), 0);
	for (int k = 0; k < N_NF; k++)
		err = err	      ? err :
		      l->cfg->persist ? hook_pin(&l->nf[k], dir) :
					(hook_unpin(&l->nf[k], dir), 0);
	for (int i = 0; i < l->n_slots; i++)
		for (int d = 0; d < 3; d++) {
			struct hook *h =
				d < 2 ? &l->slots[i].tc[d] : &l->slots[i].xdp;

			if (h->fd < 0)
				continue;
			err = err	      ? err :
			      l->cfg->persist ? hook_pin(h, dir) :
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
	bpf_object__for_each_map(map, l->skel->obj)
	{
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
	for (int k = 0; k < N_NF; k++)
		hook_release(&l->nf[k], l->committed ? l->cfg->pin_dir : NULL,
			     keep);
	if (l->nf_old_owned && l->nf_old_prog >= 0)
		close(l->nf_old_prog);
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
			 "are gone",
			 n, dir);
	else
		log_info("nothing of wirefisher's in %s", dir);
	return 0;
}

struct wirefisher_bpf *loader_skel(struct loader *l)
{
	return l->skel;
}

bool loader_adopted(const struct loader *l)
{
	return l->adopt;
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
