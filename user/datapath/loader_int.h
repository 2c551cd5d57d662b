/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * loader_int.h - the loader's state, shared by its files and no one else:
 * loader.c (prepare, pin, free), maps.c (policy maps), state.c (state
 * maps and rule slots taken over), attach.c (hooks moved, attached, given
 * back).
 */
#ifndef WF_LOADER_INT_H
#define WF_LOADER_INT_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "../../bpf/wf_shared.h"
#include "hooks.h"
#include "loader.h"

struct slot {
	char name[IF_NAMESIZE];
	unsigned dirs;
	bool steer;	   /* a steering path device */
	int ifindex;	   /* 0: not attached */
	struct hook tc[2]; /* HOOK_INGRESS, HOOK_EGRESS */
};

struct loader {
	const struct wf_config *cfg;
	const struct wf_host *host; /* refreshed by the daemon */
	struct wirefisher_bpf *skel;
	struct slot slots[WF_MAX_IFACES];
	int n_slots;
	bool no_tcx;	      /* kernel refused tcx once: use netlink */
	bool no_tc;	      /* kernel lacks tc BPF and the config said skip */
	bool adopt;	      /* take over the hooks pinned by an earlier run */
	bool committed;	      /* hooks and pins are ours */
	struct hook cg[N_CG]; /* on the cgroup2 root */
	/* Rule state slots: held[s] is the rule name in slot s. */
	char held[WF_RULE_SLOTS][WF_RULE_NAME];
	int rule_slot[WF_CFG_MAX_RULES];
	bool rule_fresh[WF_CFG_MAX_RULES];
	__u64 cg_ids[WF_MAX_RULES]; /* cgroup id each rule last matched */
	/* Devices an earlier run hooked (its pinned wf_ifaces): netlink
	 * filters it left there that this run does not replace are deleted
	 * once it is committed. */
	int left_tc[256];
	int n_left_tc;
};

/* loader.c */
bool cg_wanted(const struct wf_config *cfg, int k);
struct bpf_program *cg_prog(struct wirefisher_bpf *skel, int k);

/* maps.c: the policy maps of a new set; rules following the host. */
__u64 cc_rules(const struct wf_config *cfg);
__u64 cgroup_rules(const struct wf_config *cfg);
bool has_process_rules(const struct wf_config *cfg);
int write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg,
		 const struct wf_host *host, const int *slots);
void follow_rules(struct loader *l, bool all);
void remember_cgroups(struct loader *l);

/* state.c: what the running set, or an earlier run's pins, hand over. */
void inspect_pins(struct loader *l);
int take_state(struct loader *l, const struct loader *prev);
int assign_slots(struct loader *l, const struct loader *prev);
/* After a hand-over: buckets of rules whose rate or burst changed. */
void rescale_buckets(struct loader *l, const struct loader *prev);

/* attach.c */
void slot_release(struct loader *l, struct slot *s, bool keep);
void drop_left_filters(struct loader *l);

#endif /* WF_LOADER_INT_H */
