/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * loader.h - struct wf_config -> BPF objects in the kernel.
 *
 * Knows libbpf and the skeleton, not YAML. Everything it makes is undone by
 * loader_free(): links closed (tcx) or filters deleted (netlink tc), pins
 * removed, maps and programs released. A failure half-way through a call
 * leaves nothing behind that loader_free() would not remove.
 */
#ifndef WF_LOADER_H
#define WF_LOADER_H

#include <stdbool.h>

#include "config.h"

struct loader;

/* Open the skeleton, apply the config (window, map sizes) and load it. */
struct loader *loader_open(const struct wf_config *cfg);

/*
 * Attach to configured interface `slot` (index into cfg->ifaces) if it is
 * present and not yet attached. Returns 1 if it attached, 0 if there was
 * nothing to do (absent, or already attached), -1 on error (printed).
 */
int loader_attach(struct loader *l, int slot);

/*
 * Bring every slot in line with the interfaces present now: detach from
 * interfaces that went away or were replaced, attach to ones that appeared.
 * Logs once per change.
 */
void loader_sync(struct loader *l);

/*
 * Publish wf_info and pin the maps under cfg->pin_dir, which the caller has
 * acquired (pin_dir_acquire) and holds until after loader_free().
 */
int loader_pin(struct loader *l);

/* Detach everything, remove the pins, free the objects. NULL is fine. */
void loader_free(struct loader *l);

/*
 * Write the rules and prefix tries of cfg into a loaded skeleton (the
 * loader does this before attaching; tests call it directly).
 */
struct wirefisher_bpf;
int loader_write_policy(struct wirefisher_bpf *skel, const struct wf_config *cfg);

/* The loaded skeleton, for the steering loop's maps. */
struct wirefisher_bpf *loader_skel(struct loader *l);

/* The interface name behind a slot ("auto" resolved). */
const char *loader_ifname(const struct loader *l, int slot);

#endif /* WF_LOADER_H */
