/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * loader.h - struct wf_config -> BPF objects in the kernel.
 *
 * Knows libbpf and the skeleton, not YAML. Start-up, reload and taking over
 * from an earlier run are one path: prepare a new set, then commit it (see
 * loader.c). Everything made is undone by loader_free(), unless the config
 * says persist: true, when the hooks and pins stay for the next run (or
 * for `wirefisher down`).
 */
#ifndef WF_LOADER_H
#define WF_LOADER_H

#include <stdbool.h>

#include "config.h"
#include "host.h"

struct loader;
struct wirefisher_bpf;
struct bpf_object;

/*
 * Open and load a skeleton for cfg with its whole policy written, keeping
 * the state (flows, buckets, counters, sticky flows) of prev - the running
 * set - or, with prev NULL, of an earlier run's pins in cfg->pin_dir, which
 * the caller has acquired (pin_dir_acquire). Attaches nothing; on error
 * (logged) nothing has changed. host holds what the daemon found of the
 * running system for cfg (datapath/host.h); cfg and host must outlive the
 * loader.
 */
struct loader *loader_prepare(const struct wf_config *cfg,
			      const struct wf_host *host, struct loader *prev);

/*
 * Move every hook onto l's programs, each in one step, attach the new ones,
 * detach those cfg dropped; then prev (if any) is freed. On error (logged)
 * every hook is back as it was and prev still runs; free l.
 */
int loader_commit(struct loader *l, struct loader *prev);

/*
 * Bring every interface and rule in line with the host as it is now (the
 * daemon refreshes the loader's host first): detach from interfaces that
 * went away or were replaced, attach to ones that appeared, follow a
 * rule's cgroup. Logs once per change.
 */
void loader_sync(struct loader *l);

/* Publish wf_info, pin the maps (and, with persist, the hooks). */
int loader_pin(struct loader *l);

/* Count a reload attempt in wf_info, for `wirefisher reload`. */
void loader_note_reload(struct loader *l, bool failed);

/* Detach everything and remove the pins - or, committed with persist,
 * leave them - and free the objects. NULL is fine. */
void loader_free(struct loader *l);

/* `wirefisher down`: remove what a stopped persistent daemon left in dir. */
int loader_down(const char *dir);

/*
 * Write the rules and prefix tries of cfg, on host, into a loaded skeleton,
 * rule ids as slots (tests call it directly).
 */
int loader_write_policy(struct wirefisher_bpf *skel,
			const struct wf_config *cfg,
			const struct wf_host *host);

/*
 * The load-time constants, map sizes and programs of cfg, on an opened
 * skeleton (between open and load). The BPF fixtures load with it too.
 */
void loader_options(struct wirefisher_bpf *skel, const struct wf_config *cfg);

/*
 * Does this kernel have BPF netfilter links with IP defrag (>= 6.6)? If
 * not, rules placed at netfilter are enforced at tc (policy_place()).
 */
bool loader_nf_supported(void);

/* libbpf's own messages (verifier logs) only at -v. */
void loader_log_libbpf(void);

/*
 * Tell the datapath how to parse interface ifindex (wf_ifaces and its
 * cache, wf_ifcache), and forget it again - from the cache only, with
 * keep_info (the info outlives this skeleton: persist).
 */
struct wf_iface;
int iface_publish(struct wirefisher_bpf *skel, __u32 ifindex,
		  const struct wf_iface *info);
void iface_unpublish(struct wirefisher_bpf *skel, __u32 ifindex,
		     bool keep_info);

/*
 * Let the opened skeleton obj use the state maps (flows, buckets, counters,
 * the aggregate scheduler's queues and note...) of prev, a loaded object,
 * or with prev NULL those pinned in pin_dir: what outlives a reload or a
 * restart (datapath/state.c). 0, or -1 (logged). The fixtures hand over
 * with it too.
 */
int state_take(struct bpf_object *obj, const struct bpf_object *prev,
	       const char *pin_dir);

/* The loaded skeleton, for the steering loop's maps. */
struct wirefisher_bpf *loader_skel(struct loader *l);

/* Did this set take over hooks and maps an earlier run pinned? */
bool loader_adopted(const struct loader *l);

#endif /* WF_LOADER_H */
