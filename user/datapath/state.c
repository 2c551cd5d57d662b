// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * state.c - what a new program set takes over: the state maps of the
 * running set, or those an earlier run pinned (persist, or a crash), and
 * the rule slots that say whose bucket and counters are whose.
 */
#include <dirent.h>
#include <errno.h>
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

/*
 * Maps whose contents outlive a reload or a restart; the others (rules,
 * tries, routes) are policy, written whole into a new skeleton each time.
 */
static const char *const state_maps[] = {
	"wf_flows",
	"wf_stats",
	"wf_ifaces",
	"wf_info",
	"wf_rule_buckets",
	"wf_keyed",
	"wf_rule_stats",
	"wf_rule_acct",
	"wf_sk_owner",
	"wf_steer_flows",
	"wf_path_flows",
	"wf_path_retired",
	"wf_path_status",
	"wf_route_ctl",
	"wf_frags",
	"wf_path_seen",
	"wf_agg_stats",
	"wf_agg_queue",
	/*
	 * The note of a packet just moved to another path device: a hand-over
	 * swaps the devices' hooks one at a time, and a packet the old program
	 * moved meets the new one at the other device - without the note it
	 * is scheduled again (counted twice; moved back and forth until the
	 * kernel's recursion limit drops it: 12009 scheduled, 1 lost of 12000
	 * across a restart in CI).
	 */
	"wf_agg_hop",
	"wf_dedup",
	"wf_dup_stats",
	"wf_path_left",
	"wf_sk_pace",
	/* The netfilter links' tail-call slot: the links reference it. */
	"wf_nf_progs",
};

/* ---- state maps: the running set's, or the pinned ones ---- */

#define N_STATE_MAPS (sizeof(state_maps) / sizeof(state_maps[0]))

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

int state_take(struct bpf_object *obj, const struct bpf_object *prev,
	       const char *pin_dir)
{
	size_t i;

	for (i = 0; i < N_STATE_MAPS; i++) {
		const char *name = state_maps[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
		int fd =
			prev ? bpf_map__fd(bpf_object__find_map_by_name(prev,
									name)) :
			       pin_open(pin_dir, name);
		int r;

		if (!map || fd < 0)
			continue; /* not pinned: it starts empty */
		r = reuse_map(map, fd);
		if (!prev)
			close(fd);
		if (r < 0) {
			log_error("cannot take over %s: %s", name,
				  strerror(-r));
			return -1;
		}
		if (r > 0)
			log_warn("%s: its size changed with the config; it starts "
				 "empty",
				 name);
	}
	return 0;
}

int take_state(struct loader *l, const struct loader *prev)
{
	if (!prev && !l->adopt)
		return 0;
	return state_take(l->skel->obj, prev ? prev->skel->obj : NULL,
			  l->cfg->pin_dir);
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
			continue; /* deleted: the walk goes on from prev */
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
	size_t sz =
		sizeof(struct wf_rule_counters) * (size_t)(ncpu > 0 ? ncpu : 1);
	struct wf_rule_counters *zc = calloc(1, sz);
	struct wf_bucket zb = { 0 };
	struct wf_flow zf = { 0 };
	bool slots[WF_RULE_SLOTS] = { false }, any = false;

	for (int i = 0; i < l->cfg->n_rules; i++) {
		__u32 s = (__u32)l->rule_slot[i];

		if (!l->rule_fresh[i])
			continue;
		slots[s] = any = true;
		bpf_map__update_elem(l->skel->maps.wf_rule_buckets, &s,
				     sizeof(s), &zb, sizeof(zb), BPF_ANY);
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

int assign_slots(struct loader *l, const struct loader *prev)
{
	if (prev)
		memcpy(l->held, prev->held, sizeof(l->held));
	else if (l->adopt)
		held_from_pins(l);
	if (policy_slots(l->cfg, l->held, l->rule_slot, l->rule_fresh)) {
		log_error(
			"no free rule slot (a bug: there are twice the rules)");
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

/* The devices the earlier run hooked, from its pinned wf_ifaces. */
static void left_devices(struct loader *l)
{
	int fd = pin_open(l->cfg->pin_dir, "wf_ifaces");
	__u32 key, next;
	void *prev = NULL;
	int max = (int)(sizeof(l->left_tc) / sizeof(l->left_tc[0]));

	while (fd >= 0 && l->n_left_tc < max &&
	       bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		l->left_tc[l->n_left_tc++] = (int)key;
	}
	if (fd >= 0)
		close(fd);
}

/*
 * We hold the directory's lock, so whoever pinned there is gone. Hooks it
 * kept (persist: true) with this layout: take them over - pinned links,
 * or on a kernel without tcx its netlink filters, which stay attached
 * with no pin (told by wf_info's persist). Pins of another layout, or
 * maps without hooks (a crash without persist): remove. Either way the
 * filters it left on devices this run does not hook go once it runs.
 */
void inspect_pins(struct loader *l)
{
	const char *dir = l->cfg->pin_dir;
	struct wf_info info;
	bool have = pin_read_info(dir, &info) == 0;
	int n;

	if (have && info.abi_version == WF_ABI_VERSION)
		left_devices(l);
	if (have && info.abi_version == WF_ABI_VERSION &&
	    (info.persist || has_link_pins(dir))) {
		l->adopt = true;
		log_info("taking over the hooks and maps pinned in %s by an "
			 "earlier run",
			 dir);
		return;
	}
	n = pin_dir_clear(dir);
	if (n && have && info.abi_version != WF_ABI_VERSION)
		log_warn("removed %d pins of layout version %u (this is %u) left "
			 "in %s by another wirefisher; its hooks went with them",
			 n, info.abi_version, WF_ABI_VERSION, dir);
	else if (n)
		log_warn("removed %d stale pins left in %s by an earlier run",
			 n, dir);
}

/* The rules of a set by slot: want[s] the active rule in slot s, if any. */
static void rules_by_slot(int fd, struct wf_rule *want, bool *have)
{
	struct wf_rule r;

	for (__u32 id = 0; fd >= 0 && id < WF_MAX_RULES; id++)
		if (bpf_map_lookup_elem(fd, &id, &r) == 0 && r.active &&
		    r.slot < WF_RULE_SLOTS) {
			want[r.slot] = r;
			have[r.slot] = true;
		}
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns() */
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void rescale_one(int fd, const void *key, const struct wf_rule *o,
			const struct wf_rule *n, __u64 now)
{
	struct wf_bucket b;

	if (bpf_map_lookup_elem(fd, key, &b) == 0) {
		b.tat_ns = policy_rescale_tat(b.tat_ns, now, o, n);
		bpf_map_update_elem(fd, key, &b, BPF_EXIST);
	}
}

/* Per-key buckets of the changed slots, by a bounded walk of wf_keyed. */
static void rescale_keyed(struct loader *l, const struct wf_rule *old,
			  const struct wf_rule *now_rules, const bool *changed,
			  __u64 now)
{
	int fd = bpf_map__fd(l->skel->maps.wf_keyed);
	struct wf_bucket_key key, next;
	void *prev = NULL;
	long budget = bpf_map__max_entries(l->skel->maps.wf_keyed);

	while (budget-- > 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.rule < WF_RULE_SLOTS && changed[key.rule])
			rescale_one(fd, &key, &old[key.rule],
				    &now_rules[key.rule], now);
	}
}

void rescale_buckets(struct loader *l, const struct loader *prev)
{
	static struct wf_rule old[WF_RULE_SLOTS], cur[WF_RULE_SLOTS];
	bool had[WF_RULE_SLOTS] = { false }, has[WF_RULE_SLOTS] = { false };
	bool changed[WF_RULE_SLOTS] = { false }, any = false;
	int fd = prev	  ? bpf_map__fd(prev->skel->maps.wf_rules) :
		 l->adopt ? pin_open(l->cfg->pin_dir, "wf_rules") :
			    -1;
	__u64 now = mono_ns();

	rules_by_slot(fd, old, had);
	if (!prev && fd >= 0)
		close(fd);
	rules_by_slot(bpf_map__fd(l->skel->maps.wf_rules), cur, has);
	for (__u32 s = 0; s < WF_RULE_SLOTS; s++) {
		if (!had[s] || !has[s] ||
		    (old[s].ns_per_byte == cur[s].ns_per_byte &&
		     old[s].burst_ns == cur[s].burst_ns))
			continue;
		changed[s] = any = true;
		if (cur[s].per == WF_PER_RULE && cur[s].bucket == s)
			rescale_one(bpf_map__fd(l->skel->maps.wf_rule_buckets),
				    &s, &old[s], &cur[s], now);
	}
	if (any)
		rescale_keyed(l, old, cur, changed, now);
}
