/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pin.h - the pin directory in bpffs: mount bpffs if needed, own the
 * directory with a lock (one daemon per directory), clear what a crashed
 * run left, and remove it all on the way out.
 */
#ifndef WF_PIN_H
#define WF_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * Make `dir` (mode 0700) and take its lock. Returns the lock fd, or -1 after
 * printing why (another instance holds it: its pid when known).
 */
int pin_dir_acquire(const char *dir);

/* Remove every pin left in `dir`; returns how many. */
int pin_dir_clear(const char *dir);

/*
 * Does a running daemon hold dir (pin_dir_acquire)? wf_info.pid alone does
 * not say: a killed daemon leaves its pid there, and the pid may be
 * another process's by now.
 */
bool pin_dir_held(const char *dir);

/* Remove the directory if it is empty, and drop the lock. */
void pin_dir_release(const char *dir, int lock_fd);

/* dir + "/" + name into buf; -1 if it does not fit. */
int pin_path(char *buf, size_t n, const char *dir, const char *name);

/*
 * Pin fd as dir/name, replacing what was pinned there in one step (pin
 * beside it, rename over it): readers never find the name missing.
 * 0 or -errno.
 */
int pin_replace(int fd, const char *dir, const char *name);

/* The wf_info entry pinned in dir; -1 if there is none to read. */
struct wf_info;
int pin_read_info(const char *dir, struct wf_info *info);

/*
 * Open the object pinned as dir/name (bpf_obj_get); -1 with errno set. A
 * wirefisher map of another shape than this build's (type, key and value
 * size: another layout, or not ours) is refused with EPROTO, since a
 * lookup would copy its value into a struct of this layout.
 */
int pin_open(const char *dir, const char *name);

/*
 * For readers of a running daemon (stats, paths): read its wf_info into
 * *info, refusing another layout version, then open the pinned maps
 * names[i] into *fds[i]. On failure: logged (no daemon there, or another
 * version), nothing left open, -1.
 */
struct wf_info;
int pin_open_daemon(const char *dir, const char *const *names, int *const *fds,
		    int n, struct wf_info *info);

/* Close what pin_open_daemon() opened. */
void pin_close_all(int *const *fds, int n);

#endif /* WF_PIN_H */
