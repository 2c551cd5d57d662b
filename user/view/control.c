// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* control.c - see control.h. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "../../bpf/wf_shared.h"
#include "paths.h"
#include "pin.h"

#define WAIT_STEP_MS 10

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Is path `path` one of route r's paths? */
static bool route_has_path(const struct wf_route *r, int path)
{
	for (int j = 0; path >= 0 && j < r->n_paths && j < WF_ROUTE_PATHS; j++)
		if (r->paths[j].path == path)
			return true;
	return false;
}

/* The index of the path named (or on the device) via; -1 if none. */
static int find_path(const struct paths_view *v, const char *via)
{
	int path = -1;

	for (int i = 0; via && i < v->n; i++)
		if (!strcmp(v->st[i].name, via) ||
		    !strcmp(v->st[i].device, via))
			path = i;
	return path;
}

/* Has the daemon applied the request (pin to path, or unpin)? */
static bool switch_applied(int routes_fd, __u32 route, int path)
{
	struct wf_route r;
	bool pinned;

	if (bpf_map_lookup_elem(routes_fd, &route, &r))
		return false;
	pinned = r.flags & WF_ROUTE_PINNED;
	if (path < 0)
		return !pinned;
	return pinned && r.active < WF_ROUTE_PATHS &&
	       r.paths[r.active].path == path;
}

/* Write the request for route: pin it to path, or (path < 0) unpin it. */
static enum control_rc switch_write(const struct paths_view *v, __u32 route,
				    int path, char *why, size_t n_why)
{
	int ctl_fd = v->pins.fd[PIN_ROUTE_CTL];
	struct wf_route_ctl ctl = { 0 };

	bpf_map_lookup_elem(ctl_fd, &route, &ctl);
	ctl.pin = path >= 0 ? (__u32)path + 1 : 0;
	ctl.seq++;
	if (bpf_map_update_elem(ctl_fd, &route, &ctl, BPF_ANY)) {
		snprintf(why, n_why, "cannot write the request: %s",
			 strerror(errno));
		return CONTROL_FAILED;
	}
	return CONTROL_OK;
}

/* Keep what switch_applied() needs once the view is closed. */
static enum control_rc pending_fill(struct control_pending *p,
				    const struct paths_view *v, __u32 route,
				    int path, char *why, size_t n_why)
{
	p->routes_fd = fcntl(v->pins.fd[PIN_ROUTES], F_DUPFD_CLOEXEC, 0);
	if (p->routes_fd < 0) {
		snprintf(why, n_why, "cannot keep the routes map open: %s",
			 strerror(errno));
		return CONTROL_FAILED;
	}
	p->route = route;
	p->path = path;
	snprintf(p->done, sizeof(p->done), "route %s: %s", v->routes[route].to,
		 path >= 0 ? "pinned by hand" : "back to the prober's choice");
	return CONTROL_OK;
}

enum control_rc control_switch_send(const char *pin_dir, const char *prefix,
				    const char *via, struct control_pending *p,
				    char *why, size_t n_why)
{
	struct paths_view v;
	enum control_rc rc = CONTROL_NOT_FOUND;
	int route, path;

	p->routes_fd = -1;
	if (paths_open(&v, pin_dir)) {
		snprintf(why, n_why, "no running wirefisher at %s", pin_dir);
		return CONTROL_NO_DAEMON;
	}
	paths_read(&v);
	route = paths_find_route(&v, prefix);
	path = find_path(&v, via);
	if (route < 0) {
		snprintf(why, n_why,
			 route == -2 ?
				 "\"%s\" is not an address or "
				 "prefix" :
				 "no steering route holds %s (see wirefisher "
				 "paths)",
			 prefix);
		rc = route == -2 ? CONTROL_BAD : CONTROL_NOT_FOUND;
	} else if (via && !route_has_path(&v.routes[route].r, path)) {
		snprintf(why, n_why, "%s is not a path of the route holding %s",
			 via, prefix);
	} else {
		rc = pending_fill(p, &v, (__u32)route, path, why, n_why);
		if (rc == CONTROL_OK)
			rc = switch_write(&v, (__u32)route, path, why, n_why);
		if (rc != CONTROL_OK)
			control_pending_close(p);
	}
	paths_close(&v);
	return rc;
}

bool control_switch_applied(const struct control_pending *p)
{
	return switch_applied(p->routes_fd, p->route, p->path);
}

void control_pending_close(struct control_pending *p)
{
	if (p->routes_fd >= 0)
		close(p->routes_fd);
	p->routes_fd = -1;
}

enum control_rc control_switch(const char *pin_dir, const char *prefix,
			       const char *via, char *why, size_t n_why)
{
	struct control_pending p;
	enum control_rc rc;

	rc = control_switch_send(pin_dir, prefix, via, &p, why, n_why);
	if (rc != CONTROL_OK)
		return rc;
	/* The daemon applies it within one probe interval. */
	rc = CONTROL_FAILED;
	for (int ms = 0; ms < CONTROL_SWITCH_WAIT_MS; ms += WAIT_STEP_MS) {
		sleep_ms(WAIT_STEP_MS);
		if (control_switch_applied(&p)) {
			rc = CONTROL_OK;
			break;
		}
	}
	if (rc == CONTROL_OK)
		snprintf(why, n_why, "%s", p.done);
	else
		snprintf(why, n_why,
			 "the daemon did not apply the request "
			 "within %d s; is it running?",
			 CONTROL_SWITCH_WAIT_MS / 1000);
	control_pending_close(&p);
	return rc;
}

/*
 * Signal the daemon holding pin_dir, and no other process: by a pidfd, taken
 * while the directory's lock says the daemon (whose pid wf_info has) runs,
 * so the pid cannot have passed to another process in between.
 */
static int signal_daemon(const char *pin_dir, __u32 pid, int sig)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0), err;

	if (fd < 0)
		return -1;
	if (!pin_dir_held(pin_dir)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	err = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	close(fd);
	return err;
}

/* Wait for the daemon to count the reload after seq; its wf_info then. */
static int reload_wait(const char *pin_dir, __u32 seq, long wait_ms,
		       struct wf_info *info)
{
	for (long ms = 0; ms < wait_ms; ms += WAIT_STEP_MS * 2) {
		if (pin_read_info(pin_dir, info) || info->reload_seq != seq)
			break;
		sleep_ms(WAIT_STEP_MS * 2);
	}
	return info->reload_seq == seq ? -1 : 0;
}

enum control_rc control_reload(const char *pin_dir, long timeout_ms, char *why,
			       size_t n_why)
{
	struct view_pins p;
	struct wf_info *info = &p.info;

	if (view_pins_open(&p, pin_dir, 0)) {
		snprintf(why, n_why, "no running wirefisher at %s", pin_dir);
		return CONTROL_NO_DAEMON;
	}
	if (!info->pid) {
		snprintf(why, n_why,
			 "no wirefisher is running on %s (what it "
			 "pinned remains); start one to apply a config",
			 pin_dir);
		return CONTROL_FAILED;
	}
	if (signal_daemon(pin_dir, info->pid, SIGHUP)) {
		snprintf(why, n_why, "cannot signal wirefisher (pid %u): %s",
			 info->pid, strerror(errno));
		return CONTROL_FAILED;
	}
	if (reload_wait(pin_dir, info->reload_seq, timeout_ms, info)) {
		snprintf(why, n_why,
			 "wirefisher (pid %u) did not answer within %.3g s "
			 "(--timeout); the reload may still complete",
			 info->pid, timeout_ms / 1000.0);
		return CONTROL_FAILED;
	}
	if (info->reload_failed) {
		snprintf(why, n_why,
			 "wirefisher (pid %u) refused the config and "
			 "keeps the one it had; its log says why",
			 info->pid);
		return CONTROL_FAILED;
	}
	snprintf(why, n_why, "wirefisher (pid %u) reloaded its config",
		 info->pid);
	return CONTROL_OK;
}
