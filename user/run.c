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

static void main_loop(struct loader *l, const sigset_t *waitmask)
{
	int nl = netif_watch_open();
	struct pollfd pfd = { .fd = nl, .events = POLLIN };
	/* Also re-check every second, should netlink drop a message. */
	struct timespec tick = { .tv_sec = 1 };

	if (nl < 0)
		log_warn("cannot watch links over netlink (%s); checking every "
			 "second instead", strerror(errno));
	while (!stop_signal) {
		int n = ppoll(&pfd, nl >= 0 ? 1 : 0, &tick, waitmask);

		if (n < 0 && errno != EINTR) {
			log_error("ppoll: %s", strerror(errno));
			break;
		}
		if (n > 0)
			netif_drain(nl);
		loader_sync(l);
	}
	if (nl >= 0)
		close(nl);
}

int run_daemon(const struct wf_config *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct loader *l = NULL;
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
	l = loader_open(cfg);
	if (!l)
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
	main_loop(l, &waitmask);
	log_info("stopping on %s: removing hooks and pins",
		 strsignal(stop_signal ? stop_signal : SIGTERM));
	rc = 0;
	goto out;
interrupted:
	log_info("interrupted during start-up; nothing was left attached");
	rc = 0;
out:
	loader_free(l);
	pin_dir_release(cfg->pin_dir, lock);
	return rc;
}
