// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * run.c - the daemon: start up all-or-nothing, follow interfaces as they
 * come and go, and on SIGINT/SIGTERM remove everything it made.
 *
 * Signals stay blocked except inside ppoll(), so a stop request during
 * start-up is seen at the next step boundary (sigpending) and unwinds the
 * steps done so far, and one during the main loop wakes it at once.
 */
#include "run.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "loader.h"
#include "log.h"
#include "netif.h"
#include "pin.h"
#include "steering.h"

#define SYNC_NS 1000000000ULL

#define CAP_BPF_NR 39	/* linux >= 5.8; not in older headers */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* root, or CAP_BPF (or CAP_SYS_ADMIN) together with CAP_NET_ADMIN. */
static int check_privileges(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d) == 0 && has_cap(d, CAP_NET_ADMIN) &&
	    (has_cap(d, CAP_BPF_NR) || has_cap(d, CAP_SYS_ADMIN)))
		return 0;
	log_error("needs root (or CAP_BPF and CAP_NET_ADMIN) to load BPF "
		  "programs; try: sudo wirefisher ...");
	return -1;
}

static bool stop_requested(void)
{
	sigset_t pending;

	if (stop_signal)
		return true;
	sigpending(&pending);
	return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM);
}

static int attach_all(struct loader *l, const struct wf_config *cfg)
{
	int i, r;

	for (i = 0; i < cfg->n_ifaces && !stop_requested(); i++) {
		const struct wf_cfg_iface *ci = &cfg->ifaces[i];

		r = loader_attach(l, i);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (!ci->optional) {
			log_error("%s:%d:%d: interfaces[%d].name: no interface "
				  "\"%s\" in this network namespace (see ip link), "
				  "or mark it optional: true", cfg->path,
				  ci->where.line, ci->where.col, i,
				  loader_ifname(l, i));
			return -1;
		}
		log_warn("interfaces[%d]: %s is not here yet; attaching when it "
			 "appears", i, loader_ifname(l, i));
	}
	return 0;
}

/* Poll the link watch and the probe sockets; wake at the prober's times. */
static void main_loop(struct loader *l, struct steering *st,
		      const sigset_t *waitmask)
{
	int nl = netif_watch_open();
	struct pollfd pfd[1 + 2 * WF_CFG_MAX_PATHS];
	uint64_t next_sync = 0;

	if (nl < 0)
		log_warn("cannot watch links over netlink (%s); checking every "
			 "second instead", strerror(errno));
	pfd[0].fd = nl;
	pfd[0].events = POLLIN;
	while (!stop_signal) {
		int nst = st ? steering_fds(st, pfd + 1, 2 * WF_CFG_MAX_PATHS) : 0;
		/* Also re-check links every second, should netlink drop one. */
		uint64_t wait = st ? steering_wait_ns(st) : SYNC_NS;
		struct timespec ts;
		int n;

		if (wait > SYNC_NS)
			wait = SYNC_NS;
		ts.tv_sec = (time_t)(wait / SYNC_NS);
		ts.tv_nsec = (long)(wait % SYNC_NS);
		pfd[0].revents = 0;
		n = ppoll(nl >= 0 ? pfd : pfd + 1, (nfds_t)(nst + (nl >= 0)),
			  &ts, waitmask);
		if (n < 0 && errno != EINTR) {
			log_error("ppoll: %s", strerror(errno));
			break;
		}
		if (nl >= 0 && (pfd[0].revents & POLLIN)) {
			netif_drain(nl);
			next_sync = 0;
		}
		if (steer_now_ns() >= next_sync) {
			loader_sync(l);
			next_sync = steer_now_ns() + SYNC_NS;
		}
		if (st)
			steering_run(st, pfd + 1, nst);
	}
	if (nl >= 0)
		close(nl);
}

int run_daemon(const struct wf_config *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct loader *l = NULL;
	struct steering *st = NULL;
	int lock = -1, rc = 1;

	if (check_privileges())
		return 1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	lock = pin_dir_acquire(cfg->pin_dir);
	if (lock < 0)
		goto out;
	if (stop_requested())
		goto interrupted;
	if (steering_check(cfg))
		goto out;
	l = loader_open(cfg);
	if (!l)
		goto out;
	if (cfg->steer.n_routes && !(st = steering_open(cfg, loader_skel(l))))
		goto out;
	if (stop_requested())
		goto interrupted;
	if (attach_all(l, cfg))
		goto out;
	if (stop_requested())
		goto interrupted;
	if (loader_pin(l))
		goto out;
	log_info("running: maps pinned in %s; stop with Ctrl-C or SIGTERM",
		 cfg->pin_dir);
	main_loop(l, st, &waitmask);
	log_info("stopping on %s: removing hooks and pins",
		 strsignal(stop_signal ? stop_signal : SIGTERM));
	rc = 0;
	goto out;
interrupted:
	log_info("interrupted during start-up; nothing was left attached");
	rc = 0;
out:
	steering_free(st);
	loader_free(l);
	pin_dir_release(cfg->pin_dir, lock);
	return rc;
}
