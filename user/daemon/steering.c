// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* steering.c - see steering.h. */
#include "steering.h"

#include <arpa/inet.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "../../bpf/wf_shared.h"
#include "log.h"
#include "netif.h"
#include "preflight.h"
#include "prober.h"
#include "steer.h"
#include "wirefisher.skel.h"

extern char **environ;

#define SECOND 1000000000ULL
#define FLOW_IDLE_NS (10 * SECOND)	/* a flow counts on its path this long */
/* A WireGuard session's keys expire after 180 s (REJECT_AFTER_TIME). */
#define HANDSHAKE_STALE_S 180

struct steering {
	const struct wf_config *cfg;
	const struct wf_cfg_steering *st;
	struct wirefisher_bpf *skel;
	struct steer_path paths[WF_CFG_MAX_PATHS];
	struct prober probes[WF_CFG_MAX_PATHS];
	int ifindex[WF_CFG_MAX_PATHS];
	uint64_t next_round[WF_CFG_MAX_PATHS];
	uint64_t changed_unix[WF_CFG_MAX_PATHS];
	uint64_t flows[WF_CFG_MAX_PATHS];
	uint64_t rate_bps[WF_CFG_MAX_PATHS];
	uint64_t tx_last[WF_CFG_MAX_PATHS];
	long long hs_age[WF_CFG_MAX_PATHS];
	struct steer_route routes[WF_CFG_MAX_ROUTES];
	struct wf_route written[WF_CFG_MAX_ROUTES];
	uint32_t ctl_seq[WF_CFG_MAX_ROUTES];
	bool unanchored[WF_CFG_MAX_ROUTES];	/* warned: no kernel route */
	uint32_t gen;
	bool renumbered;	/* forget sticky flows on the first run */
	uint64_t next_second, last_second;
	uint64_t settle_ns;	/* first decisions wait for every first answer */
	int fd_path[2 * WF_CFG_MAX_PATHS];	/* steering_fds: pfd -> path */
};

uint64_t steer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

static uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
}

static const char *addr_str(const struct wf_prefix *p, char *buf, size_t n)
{
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, buf, (socklen_t)n);
	return buf;
}

/* "10.99.0.0/24" (and " +N" more prefixes) for log lines. */
static const char *route_str(const struct wf_cfg_route *rc, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s/%u%s", addr_str(&rc->to[0], a, sizeof(a)),
		 rc->to[0].len, rc->n_to > 1 ? " (+more)" : "");
	return buf;
}

static void publish_route(struct steering *s, int r);

static void open_probe(struct steering *s, int i)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];

	prober_close(&s->probes[i]);
	if (prober_open(&s->probes[i], cp, cp->device, s->st->probe.mark))
		log_warn("path %s: cannot open probe socket on %s: %s", cp->name,
			 cp->device, strerror(errno));
}

/* The path of prev probing the same targets over the same device, or -1. */
static int same_path(const struct steering *prev, const struct wf_cfg_path *cp)
{
	for (int j = 0; prev && j < prev->st->n_paths; j++) {
		const struct wf_cfg_path *pp = &prev->st->paths[j];

		if (!strcmp(pp->name, cp->name) && !strcmp(pp->device, cp->device) &&
		    pp->n_targets == cp->n_targets &&
		    !memcmp(pp->targets, cp->targets, sizeof(pp->targets)))
			return j;
	}
	return -1;
}

/* The route of prev to the same prefixes over the same paths, or -1. */
static int same_route(const struct steering *prev, const struct steering *s,
		      int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];

	for (int j = 0; prev && j < prev->st->n_routes; j++) {
		const struct wf_cfg_route *pr = &prev->st->routes[j];
		bool same = pr->n_to == rc->n_to && pr->mode == rc->mode &&
			    pr->n_paths == rc->n_paths &&
			    !memcmp(pr->to, rc->to, sizeof(pr->to));

		for (int k = 0; same && k < rc->n_paths; k++)
			same = !strcmp(prev->st->paths[pr->paths[k]].name,
				       s->st->paths[rc->paths[k]].name);
		if (same)
			return j;
	}
	return -1;
}

/*
 * A reload keeps what the prober learnt of a path it still probes the same
 * way, and a route's decision (active path, hand pin, hold timer).
 */
static void carry_over(struct steering *s, const struct steering *prev)
{
	bool same_window = prev && prev->st->probe.window == s->st->probe.window;

	for (int i = 0; same_window && i < s->st->n_paths; i++) {
		int j = same_path(prev, &s->st->paths[i]);

		if (j < 0)
			continue;
		s->paths[i] = prev->paths[j];
		s->changed_unix[i] = prev->changed_unix[j];
		s->flows[i] = prev->flows[j];
		s->rate_bps[i] = prev->rate_bps[j];
		s->tx_last[i] = prev->tx_last[j];
		s->hs_age[i] = prev->hs_age[j];
		s->next_round[i] = prev->next_round[j];
	}
	for (int r = 0; prev && r < s->st->n_routes; r++) {
		int j = same_route(prev, s, r);

		if (j >= 0)
			s->routes[r] = prev->routes[j];
	}
	if (prev)
		s->gen = prev->gen;
}

/*
 * Sticky flows name paths by index. If this config numbers them otherwise
 * than the one before (wf_path_status, kept across reloads and restarts,
 * says), those flows must choose again: forget them once hooked.
 */
static bool renumbered(const struct steering *s)
{
	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		struct wf_path_status v;

		if (bpf_map__lookup_elem(s->skel->maps.wf_path_status, &i, sizeof(i),
					 &v, sizeof(v), 0) || !v.configured)
			continue;
		v.name[sizeof(v.name) - 1] = '\0';
		if ((int)i >= s->st->n_paths || strcmp(v.name, s->st->paths[i].name))
			return true;
	}
	return false;
}

static void forget_flows(struct steering *s)
{
	int fd = bpf_map__fd(s->skel->maps.wf_steer_flows);
	struct wf_flow_key key;
	struct wf_path_status none = { 0 };
	__u64 zero = 0;
	int budget = 1 << 20;

	while (budget-- && bpf_map_get_next_key(fd, NULL, &key) == 0)
		bpf_map_delete_elem(fd, &key);
	for (__u32 i = 0; i < WF_MAX_PATHS; i++) {
		bpf_map__update_elem(s->skel->maps.wf_path_flows, &i, sizeof(i),
				     &zero, sizeof(zero), BPF_ANY);
		bpf_map__update_elem(s->skel->maps.wf_path_retired, &i, sizeof(i),
				     &zero, sizeof(zero), BPF_ANY);
		if ((int)i >= s->st->n_paths)
			bpf_map__update_elem(s->skel->maps.wf_path_status, &i,
					     sizeof(i), &none, sizeof(none), BPF_ANY);
	}
	log_info("steering paths were renumbered: steered flows choose their "
		 "path again");
}

struct steering *steering_open(const struct wf_config *cfg,
			       struct wirefisher_bpf *skel,
			       const struct steering *prev)
{
	struct steering *s = calloc(1, sizeof(*s));
	uint64_t now = steer_now_ns();

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->st = &cfg->steer;
	s->skel = skel;
	for (int i = 0; i < s->st->n_paths; i++) {
		const struct wf_cfg_path *cp = &s->st->paths[i];

		steer_path_init(&s->paths[i], now);
		/* Distinct per daemon and path: raw sockets see every echo. */
		prober_init(&s->probes[i], (uint16_t)(getpid() * 16 + i));
		s->ifindex[i] = (int)if_nametoindex(cp->device);
		s->changed_unix[i] = unix_ns();
		s->hs_age[i] = -1;
		netif_tx_bytes(cp->device, &s->tx_last[i]);
		open_probe(s, i);
		if (s->probes[i].fd4 < 0 && s->probes[i].fd6 < 0) {
			steering_free(s);
			return NULL;
		}
		s->next_round[i] = now;
		if (!prev)
			log_info("path %s: %s, probing %d target(s) every %llu ms%s",
				 cp->name, cp->device, cp->n_targets,
				 (unsigned long long)(s->st->probe.interval_ns /
						      1000000),
				 netif_wg_handshake_age(cp->device) == -1 ?
				 " (not wireguard-go: no handshake age)" : "");
	}
	for (int r = 0; r < s->st->n_routes; r++) {
		__u32 key = (__u32)r;
		struct wf_route_ctl ctl = { 0 };

		steer_route_init(&s->routes[r]);
		/* Hand pins are requests to the daemon that ran then. */
		bpf_map__lookup_elem(skel->maps.wf_route_ctl, &key, sizeof(key),
				     &ctl, sizeof(ctl), 0);
		s->ctl_seq[r] = ctl.seq;
	}
	carry_over(s, prev);
	s->renumbered = renumbered(s);
	s->next_second = now + SECOND;
	s->last_second = now;
	s->settle_ns = now + s->st->probe.interval_ns;
	/* The new routes map is empty: fill it before any packet meets it. */
	for (int r = 0; r < s->st->n_routes; r++)
		publish_route(s, r);
	return s;
}

void steering_free(struct steering *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->st->n_paths; i++)
		prober_close(&s->probes[i]);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	free(s);
}

int steering_fds(struct steering *s, struct pollfd *pfd, int max)
{
	int n = 0;

	for (int i = 0; i < s->st->n_paths; i++) {
		int fds[2] = { s->probes[i].fd4, s->probes[i].fd6 };

		for (int j = 0; j < 2; j++) {
			if (fds[j] < 0 || n == max)
				continue;
			pfd[n].fd = fds[j];
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			s->fd_path[n++] = i;
		}
	}
	return n;
}

uint64_t steering_wait_ns(const struct steering *s)
{
	uint64_t now = steer_now_ns(), next = s->next_second;

	for (int i = 0; i < s->st->n_paths; i++) {
		uint64_t d = prober_next_deadline(&s->probes[i]);

		if (s->next_round[i] < next)
			next = s->next_round[i];
		if (d < next)
			next = d;
	}
	return next > now ? next - now : 0;
}

/* on_change: run the hook with the event in its environment; not waited. */
static void run_hook(struct steering *s, int i, int old, int new)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];
	char e[4][64 + IF_NAMESIZE];
	char *argv[] = { (char *)s->st->on_change, NULL };
	char *envp[8];
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int n = 0;

	if (!s->st->on_change[0])
		return;
	snprintf(e[0], sizeof(e[0]), "WF_PATH=%s", cp->name);
	snprintf(e[1], sizeof(e[1]), "WF_DEVICE=%s", cp->device);
	snprintf(e[2], sizeof(e[2]), "WF_OLD_STATE=%s", steer_state_name(old));
	snprintf(e[3], sizeof(e[3]), "WF_NEW_STATE=%s", steer_state_name(new));
	for (; n < 4; n++)
		envp[n] = e[n];
	envp[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n] = NULL;
	/* The daemon blocks SIGINT/SIGTERM; the hook must not inherit that. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (posix_spawn(&pid, argv[0], NULL, &attr, argv, envp))
		log_warn("on_change: cannot run %s: %s", argv[0], strerror(errno));
	posix_spawnattr_destroy(&attr);
}

static void path_changed(struct steering *s, int i, int old)
{
	const struct steer_path *p = &s->paths[i];

	s->changed_unix[i] = unix_ns();
	log_info("path %s (%s): %s -> %s (rtt %.1f ms, loss %.0f%%, %llu "
		 "lost in a row)%s", s->st->paths[i].name, s->st->paths[i].device,
		 steer_state_name(old), steer_state_name(p->state),
		 p->rtt_ns / 1e6, steer_loss(p) * 100,
		 (unsigned long long)p->lost_run,
		 p->state == WF_PATH_UP && !steer_usable(p, &s->st->probe) ?
		 "; not used until its loss falls below the limit" : "");
	run_hook(s, i, old, p->state);
}

static void feed(struct steering *s, int i, const struct prober_result *r,
		 int n, uint64_t now)
{
	for (int k = 0; k < n; k++) {
		int old = s->paths[i].state;
		bool changed = r[k].late ?
			steer_late(&s->paths[i], &s->st->probe, r[k].rtt_ns, now) :
			steer_round(&s->paths[i], &s->st->probe, r[k].answered,
				    r[k].rtt_ns, now);

		if (changed)
			path_changed(s, i, old);
	}
}

/* A device that went away or came back (with a new ifindex). */
static void follow_device(struct steering *s, int i, uint64_t now)
{
	int ifindex = (int)if_nametoindex(s->st->paths[i].device);
	int old = s->paths[i].state;

	if (ifindex == s->ifindex[i])
		return;
	s->ifindex[i] = ifindex;
	prober_close(&s->probes[i]);
	if (ifindex)
		open_probe(s, i);
	if (steer_set_absent(&s->paths[i], !ifindex, now))
		path_changed(s, i, old);
}

static void probe_paths(struct steering *s, uint64_t now)
{
	struct prober_result res[PROBER_ROUNDS];

	for (int i = 0; i < s->st->n_paths; i++) {
		struct prober *pr = &s->probes[i];

		feed(s, i, res, prober_expire(pr, now, res, PROBER_ROUNDS), now);
		if (now < s->next_round[i])
			continue;
		/* Keep the cadence; after a stall, start again from now. */
		s->next_round[i] += s->st->probe.interval_ns;
		if (s->next_round[i] <= now)
			s->next_round[i] = now + s->st->probe.interval_ns;
		if (pr->fd4 >= 0 || pr->fd6 >= 0)
			prober_send(pr, &s->st->paths[i], now,
				    steer_timeout(&s->paths[i], &s->st->probe));
	}
}

/* `wirefisher switch`: a pin (path id + 1) or 0, with a new seq. */
static void apply_ctl(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	struct wf_route_ctl ctl;
	__u32 key = (__u32)r;
	char name[64];

	if (bpf_map__lookup_elem(s->skel->maps.wf_route_ctl, &key, sizeof(key),
				 &ctl, sizeof(ctl), 0) || ctl.seq == s->ctl_seq[r])
		return;
	s->ctl_seq[r] = ctl.seq;
	s->routes[r].pinned = -1;
	for (int j = 0; j < rc->n_paths && ctl.pin; j++)
		if (rc->paths[j] == (int)ctl.pin - 1)
			s->routes[r].pinned = j;
	if (s->routes[r].pinned >= 0)
		log_info("route %s: pinned to %s by hand", route_str(rc, name,
			 sizeof(name)), s->st->paths[ctl.pin - 1].name);
	else
		log_info("route %s: back to the prober's choice",
			 route_str(rc, name, sizeof(name)));
}

/*
 * Until one interval has passed, a route waits while any of its paths has
 * not answered yet, so that start-up does not pick the first path to answer
 * and move off it a moment later.
 */
static bool settling(const struct steering *s, int r, uint64_t now)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];

	if (now >= s->settle_ns)
		return false;
	for (int j = 0; j < rc->n_paths; j++)
		if (s->paths[rc->paths[j]].state == WF_PATH_PROBING)
			return true;
	return false;
}

static void decide(struct steering *s, int r, uint64_t now)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	struct steer_route *sr = &s->routes[r];
	int old = sr->active;
	char name[64];

	if (settling(s, r, now))
		return;
	if (!steer_decide(sr, rc, s->st, s->paths, now))
		return;
	log_info("route %s: via %s%s%s", route_str(rc, name, sizeof(name)),
		 s->st->paths[rc->paths[sr->active]].name,
		 old >= 0 ? ", was " : "",
		 old >= 0 ? s->st->paths[rc->paths[old]].name : "");
}

static void publish_route(struct steering *s, int r)
{
	const struct wf_cfg_route *rc = &s->st->routes[r];
	const struct steer_route *sr = &s->routes[r];
	struct wf_route v = { 0 };
	__u32 key = (__u32)r;
	int err;

	v.mode = rc->mode == WF_STEER_SPREAD ? WF_MODE_SPREAD : WF_MODE_FAILOVER;
	v.n_paths = (__u8)rc->n_paths;
	v.active = sr->active < 0 ? WF_NO_PATH : (__u8)sr->active;
	v.flags = sr->pinned >= 0 ? WF_ROUTE_PINNED : 0;
	for (int j = 0; j < rc->n_paths; j++) {
		int p = rc->paths[j];
		const struct wf_cfg_path *cp = &s->st->paths[p];
		struct wf_route_path *vp = &v.paths[j];

		vp->ifindex = (__u32)s->ifindex[p];
		vp->path = (__u8)p;
		vp->usable = vp->ifindex &&
			     steer_route_usable(sr, rc, s->st, s->paths, j);
		vp->weight = wf_path_weight(cp);
		vp->util = cp->capacity_bps ? (__u32)(s->rate_bps[p] * 1000 /
						      cp->capacity_bps) : 0;
	}
	v.gen = s->written[r].gen;
	if (!memcmp(&v, &s->written[r], sizeof(v)))
		return;
	v.gen = ++s->gen;
	/* One update swaps the whole value (see struct wf_route). */
	err = bpf_map__update_elem(s->skel->maps.wf_routes, &key, sizeof(key),
				   &v, sizeof(v), BPF_ANY);
	if (err)
		log_warn("cannot write route %d: %s", r, strerror(-err));
	else
		s->written[r] = v;
}

/*
 * Live flows per path from wf_steer_flows. The datapath counts assignments
 * in wf_path_flows; we read those before the scan and publish as retired
 * the ones the scan did not find live, so an assignment made during the
 * scan is never lost (at worst counted twice until the next second).
 */
static void count_flows(struct steering *s)
{
	int fd = bpf_map__fd(s->skel->maps.wf_steer_flows);
	struct wf_flow_key key, next;
	struct wf_steer_flow fl;
	uint64_t counts[WF_CFG_MAX_PATHS] = { 0 }, assigned[WF_CFG_MAX_PATHS];
	struct timespec ts;
	uint64_t now;
	void *prev = NULL;
	int budget = 1 << 20;	/* never loop forever on a churning map */

	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++)
		if (bpf_map__lookup_elem(s->skel->maps.wf_path_flows, &i,
					 sizeof(i), &assigned[i],
					 sizeof(assigned[i]), 0))
			assigned[i] = 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (uint64_t)ts.tv_sec * SECOND + (uint64_t)ts.tv_nsec;
	while (budget-- && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &fl))
			continue;
		if (fl.path < WF_CFG_MAX_PATHS && fl.last_ns + FLOW_IDLE_NS >= now)
			counts[fl.path]++;
	}
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		__u64 retired = assigned[i] > counts[i] ? assigned[i] - counts[i] : 0;

		s->flows[i] = counts[i];
		bpf_map__update_elem(s->skel->maps.wf_path_retired, &i, sizeof(i),
				     &retired, sizeof(retired), BPF_ANY);
	}
}

static void measure_paths(struct steering *s, uint64_t now)
{
	uint64_t dt = now - s->last_second;

	s->last_second = now;
	for (int i = 0; i < s->st->n_paths; i++) {
		const char *dev = s->st->paths[i].device;
		uint64_t tx;

		/* A re-created device starts from 0: no negative rate. */
		if (netif_tx_bytes(dev, &tx) == 0 && dt) {
			s->rate_bps[i] = tx >= s->tx_last[i] ?
				(tx - s->tx_last[i]) * 8 * SECOND / dt : 0;
			s->tx_last[i] = tx;
		}
		s->hs_age[i] = netif_wg_handshake_age(dev);
		s->paths[i].stale = s->hs_age[i] > HANDSHAKE_STALE_S;
	}
	/* Deleting a device deletes the kernel's routes through it. */
	for (int r = 0; r < s->st->n_routes; r++) {
		bool was = s->unanchored[r];

		s->unanchored[r] = !preflight_anchored(s->cfg, r, !was);
		if (was && !s->unanchored[r])
			log_info("steering.routes[%d]: the kernel routes it through "
				 "a path again", r);
	}
	count_flows(s);
}

static void publish_status(struct steering *s)
{
	for (__u32 i = 0; i < (__u32)s->st->n_paths; i++) {
		const struct steer_path *p = &s->paths[i];
		struct wf_path_status v = { 0 };
		double score = steer_score(p, &s->st->probe);

		snprintf(v.name, sizeof(v.name), "%s", s->st->paths[i].name);
		snprintf(v.device, sizeof(v.device), "%s", s->st->paths[i].device);
		v.ifindex = (__u32)s->ifindex[i];
		v.state = (__u8)p->state;
		v.configured = 1;
		v.rtt_ns = (__u64)p->rtt_ns;
		v.jitter_ns = (__u64)p->jitter_ns;
		v.loss_ppm = (__u32)(steer_loss(p) * 1e6);
		v.score_milli = score > 4e6 ? 0xffffffffu : (__u32)(score * 1000);
		v.probes_sent = p->rounds;
		v.probes_lost = p->lost;
		v.flows = s->flows[i];
		v.rate_bps = s->rate_bps[i];
		v.changed_unix_ns = s->changed_unix[i];
		v.handshake_age_s = s->hs_age[i];
		bpf_map__update_elem(s->skel->maps.wf_path_status, &i, sizeof(i),
				     &v, sizeof(v), BPF_ANY);
	}
}

void steering_run(struct steering *s, const struct pollfd *pfd, int n)
{
	struct prober_result res[PROBER_ROUNDS];
	uint64_t now = steer_now_ns();

	if (s->renumbered) {
		s->renumbered = false;
		forget_flows(s);
	}

	for (int k = 0; k < n; k++) {
		int i = s->fd_path[k];

		if (pfd[k].revents & POLLIN)
			feed(s, i, res, prober_read(&s->probes[i], pfd[k].fd, now,
						    res, PROBER_ROUNDS), now);
	}
	for (int i = 0; i < s->st->n_paths; i++)
		follow_device(s, i, now);
	probe_paths(s, now);
	if (now >= s->next_second) {
		s->next_second = now + SECOND;
		measure_paths(s, now);
		while (waitpid(-1, NULL, WNOHANG) > 0)	/* finished hooks */
			;
	}
	for (int r = 0; r < s->st->n_routes; r++) {
		apply_ctl(s, r);
		decide(s, r, now);
		publish_route(s, r);
	}
	publish_status(s);
}
