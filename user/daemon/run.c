// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * run.c - the daemon: start up all-or-nothing, follow interfaces as they
 * come and go, reload on SIGHUP, and on SIGINT/SIGTERM remove everything it
 * made (or, with persist: true, leave the hooks working for the next run).
 *
 * Signals stay blocked except inside ppoll(), so a stop request during
 * start-up is seen at the next step boundary (sigpending) and unwinds the
 * steps done so far, and one during the main loop wakes it at once.
 */
#include "run.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "http.h"
#include "loader.h"
#include "log.h"
#include "netif.h"
#include "pin.h"
#include "preflight.h"
#include "steering.h"

#define SYNC_NS 1000000000ULL

#define CAP_BPF_NR 39 /* linux >= 5.8; not in older headers */

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
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

/*
 * A reload's program set loads beside the main loop (load_set() in a
 * thread): the verifier takes ~0.5 s here and tens of seconds on an
 * emulated 6.1, and the prober must not pause meanwhile - a path dying
 * during a reload would be noticed that much later. The thread reads the
 * running loader (its maps' fds, its slots), so the loop leaves that and
 * the host facts alone (no sync) until the load has ended.
 */
struct pending {
	pthread_t thread;
	int done; /* eventfd: readable once the load has ended */
	struct wf_config *cfg;
	struct wf_host *host;
	struct loader *prev;
	struct loader *n; /* the loaded set; NULL if it failed */
};

struct daemon {
	struct wf_config *cfg;
	struct wf_host *host; /* cfg on this host, for the loader */
	const struct run_opts *opts;
	struct loader *l;
	struct steering *st;
	struct http *http;
	bool loading; /* a reload's set is loading: pending */
	struct pending pending;
};

/*
 * apply()'s second half: steering on the loaded set n, every hook moved
 * onto it. Takes host and n; on error frees them and nothing running has
 * changed.
 */
static int commit(struct daemon *d, const struct wf_config *cfg,
		  struct wf_host *host, struct loader *n)
{
	struct steering *st = NULL;

	if (cfg->steer.n_routes &&
	    !(st = steering_open(cfg, host, loader_skel(n), d->st)))
		goto fail;
	if (loader_commit(n, d->l))
		goto fail;
	steering_free(d->st);
	free(d->host);
	d->l = n;
	d->st = st;
	d->host = host;
	return 0;
fail:
	steering_free(st);
	loader_free(n);
	free(host);
	return -1;
}

/* cfg on this host, and a program set loaded for it; NULL on error. */
static struct loader *prepare(const struct wf_config *cfg, struct wf_host *host,
			      struct loader *prev)
{
	if (preflight_run(cfg, host))
		return NULL;
	return loader_prepare(cfg, host, prev);
}

/*
 * Make cfg the running config: a new program set with its whole policy
 * and the state of the running one (or of an earlier run's pins), then
 * every hook moved onto it. On error nothing running has changed.
 */
static int apply(struct daemon *d, const struct wf_config *cfg)
{
	struct wf_host *host = malloc(sizeof(*host));
	struct loader *n = host ? prepare(cfg, host, d->l) : NULL;

	if (!n) {
		free(host);
		return -1;
	}
	return commit(d, cfg, host, n);
}

static void *load_set(void *arg)
{
	struct pending *p = arg;
	uint64_t one = 1;

	p->n = prepare(p->cfg, p->host, p->prev);
	/* An eventfd write of 1 fails only past 2^64 - 2: never. */
	if (write(p->done, &one, sizeof(one)) < 0)
		log_error("reload: cannot wake the main loop: %s",
			  strerror(errno));
	return NULL;
}

/* config_load(), each error a log line (JSON logs stay JSON). */
static int load_logged(const char *path, struct wf_config *cfg)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&text, &len);
	int errors;

	if (!err)
		return 1;
	errors = config_load(path, cfg, err);
	fclose(err);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		log_error("%s", line);
	free(text);
	return errors;
}

/* The endpoint follows a reload that changed its settings. */
static void reload_http(struct daemon *d, const struct wf_config *old)
{
	int err;

	if (!http_changed(old, d->cfg))
		return;
	http_stop(d->http);
	d->http = http_start(d->cfg, &err);
	if (!d->http && err)
		log_warn(
			"running without the HTTP endpoint until the next reload");
}

static void reload_refused(struct daemon *d, struct wf_config *cfg)
{
	log_error("reload refused: still running the previous config");
	free(cfg);
	loader_note_reload(d->l, true);
}

/* SIGHUP: read the file again and, if it is good, load its set. */
static void reload_start(struct daemon *d)
{
	struct pending *p = &d->pending;
	struct wf_config *cfg = malloc(sizeof(*cfg));
	int errors;

	log_info("reloading %s", d->cfg->path);
	errors = cfg ? load_logged(d->cfg->path, cfg) : 1;
	if (!errors && strcmp(cfg->pin_dir, d->cfg->pin_dir)) {
		log_error("%s: pin_dir cannot change while running (%s, was %s); "
			  "restart instead",
			  d->cfg->path, cfg->pin_dir, d->cfg->pin_dir);
		errors = 1;
	}
	if (errors) {
		reload_refused(d, cfg);
		return;
	}
	cfg->persist |= d->opts->persist;
	*p = (struct pending){ .done = p->done, .cfg = cfg, .prev = d->l };
	p->host = malloc(sizeof(*p->host));
	errno = ENOMEM;
	if (!p->host ||
	    (errno = pthread_create(&p->thread, NULL, load_set, p))) {
		log_error("reload: cannot start loading: %s", strerror(errno));
		free(p->host);
		reload_refused(d, cfg);
		return;
	}
	d->loading = true;
}

/* Wait for the loading thread (the verifier cannot be interrupted). */
static void reload_join(struct daemon *d)
{
	uint64_t v;

	pthread_join(d->pending.thread, NULL);
	if (read(d->pending.done, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("reload: %s", strerror(errno));
	d->loading = false;
}

/* The set has loaded, or failed to: hooks onto it, or keep the old one. */
static void reload_finish(struct daemon *d)
{
	struct pending *p = &d->pending;
	struct wf_config *old = d->cfg;

	reload_join(d);
	if (!p->n) {
		free(p->host);
		reload_refused(d, p->cfg);
		return;
	}
	/* Interfaces may have come and gone while it loaded. */
	preflight_refresh(p->cfg, p->host);
	if (commit(d, p->cfg, p->host, p->n)) {
		reload_refused(d, p->cfg);
		return;
	}
	d->cfg = p->cfg;
	reload_http(d, old);
	free(old);
	if (!d->opts->verbose)
		log_set_level((enum log_level)d->cfg->log_level);
	log_set_json(d->cfg->log_format == WF_LOG_JSON);
	if (loader_pin(d->l))
		log_warn("the pins in %s may be out of date", d->cfg->pin_dir);
	log_info("reloaded: %d interfaces, %d rules, %d routes",
		 d->cfg->n_ifaces, d->cfg->n_rules, d->cfg->steer.n_routes);
	loader_note_reload(d->l, false);
}

/* Stopping while a set loads: wait for it, then drop it unused. */
static void reload_abandon(struct daemon *d)
{
	if (!d->loading)
		return;
	log_info("waiting for the reload's programs to finish loading, to "
		 "drop them");
	reload_join(d);
	loader_free(d->pending.n);
	free(d->pending.host);
	free(d->pending.cfg);
}

/*
 * Poll the link watch, the probe sockets and a loading reload; wake at the
 * prober's times.
 */
static void main_loop(struct daemon *d, const sigset_t *waitmask)
{
	int nl = netif_watch_open();
	struct pollfd pfd[2 + STEERING_FDS];
	uint64_t next_sync = 0;

	if (nl < 0)
		log_warn("cannot watch links over netlink (%s); checking every "
			 "second instead",
			 strerror(errno));
	while (!stop_signal) {
		int nfd = 0, at_nl = -1, at_done = -1, nst;
		/* Also re-check links every second, should netlink drop one. */
		uint64_t wait = d->st ? steering_wait_ns(d->st) : SYNC_NS;
		struct timespec ts;
		bool renewed = false;

		if (nl >= 0) {
			at_nl = nfd;
			pfd[nfd++] =
				(struct pollfd){ .fd = nl, .events = POLLIN };
		}
		if (d->loading) {
			at_done = nfd;
			pfd[nfd++] = (struct pollfd){ .fd = d->pending.done,
						      .events = POLLIN };
		}
		nst = d->st ? steering_fds(d->st, pfd + nfd, STEERING_FDS) : 0;
		if (wait > SYNC_NS)
			wait = SYNC_NS;
		ts.tv_sec = (time_t)(wait / SYNC_NS);
		ts.tv_nsec = (long)(wait % SYNC_NS);
		if (ppoll(pfd, (nfds_t)(nfd + nst), &ts, waitmask) < 0 &&
		    errno != EINTR) {
			log_error("ppoll: %s", strerror(errno));
			break;
		}
		/* Stopping as the load ends: drop the set (reload_abandon). */
		if (stop_signal)
			break;
		if (at_done >= 0 && (pfd[at_done].revents & POLLIN)) {
			reload_finish(d);
			renewed = true;
		}
		if (reload_signal && !stop_signal && !d->loading) {
			reload_signal = 0;
			reload_start(d);
		}
		if (renewed)
			continue; /* the probe fds changed */
		if (at_nl >= 0 && (pfd[at_nl].revents & POLLIN)) {
			netif_drain(nl);
			next_sync = 0;
		}
		if (!d->loading && steer_now_ns() >= next_sync) {
			preflight_refresh(d->cfg, d->host);
			loader_sync(d->l);
			next_sync = steer_now_ns() + SYNC_NS;
		}
		if (d->st)
			steering_run(d->st, pfd + nfd, nst);
	}
	reload_abandon(d);
	if (nl >= 0)
		close(nl);
}

static void block_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t block;

	/*
	 * A write to a closed pipe or socket is an error to handle, never a
	 * reason to die: stderr piped into `head` or a journal that went
	 * away, a wireguard-go restarting under our UAPI query, an HTTP
	 * client that hung up.
	 */
	sigaction(SIGPIPE, &ign, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int run_daemon(struct wf_config *cfg, const struct run_opts *o)
{
	struct daemon d = { .cfg = cfg, .opts = o };
	sigset_t waitmask;
	int lock = -1, rc = 1, err;

	cfg->persist |= o->persist;
	d.pending.done = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d.pending.done < 0) {
		log_error("eventfd: %s", strerror(errno));
		goto out;
	}
	if (check_privileges())
		goto out;
	block_signals(&waitmask);
	lock = pin_dir_acquire(cfg->pin_dir);
	if (lock < 0)
		goto out;
	if (stop_requested())
		goto interrupted;
	/* Before any hook: a port in use refuses the start with nothing done. */
	d.http = http_start(cfg, &err);
	if (err)
		goto out;
	if (apply(&d, cfg))
		goto out;
	if (stop_requested())
		goto interrupted;
	if (loader_pin(d.l))
		goto out;
	log_info("running: maps pinned in %s; reload with SIGHUP, stop with "
		 "Ctrl-C or SIGTERM",
		 cfg->pin_dir);
	main_loop(&d, &waitmask);
	if (d.cfg->persist)
		log_info("stopping on %s: hooks and pins stay (persist: true); "
			 "wirefisher down removes them",
			 strsignal(stop_signal ? stop_signal : SIGTERM));
	else
		log_info("stopping on %s: removing hooks and pins",
			 strsignal(stop_signal ? stop_signal : SIGTERM));
	rc = 0;
	goto out;
interrupted:
	rc = 0;
	if (d.l && loader_adopted(d.l)) {
		/*
		 * The hooks were an earlier run's, kept for the next one:
		 * undoing the take-over leaves them so (now running our
		 * programs on the same state maps, pinned as a stop would).
		 */
		d.cfg->persist = true;
		if (loader_pin(d.l))
			log_warn("the pins in %s may be out of date",
				 d.cfg->pin_dir);
		log_info("interrupted during start-up; the hooks taken over "
			 "from %s stay, as the earlier run left them (wirefisher "
			 "down removes them)",
			 d.cfg->pin_dir);
		goto out;
	}
	log_info("interrupted during start-up; nothing was left attached");
	if (d.l)
		d.cfg->persist = false; /* never half-started and kept */
out:
	if (d.pending.done >= 0)
		close(d.pending.done);
	http_stop(d.http);
	steering_free(d.st);
	loader_free(d.l);
	free(d.host);
	pin_dir_release(d.cfg->pin_dir, lock);
	free(d.cfg);
	return rc;
}
