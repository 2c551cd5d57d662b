// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * probe.c - probe rounds on every path, what their answers say of the path
 * (steer.h scores it), the on_change hook when its state changes.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "log.h"
#include "netif.h"
#include "steering_int.h"

extern char **environ;

void open_probe(struct steering *s, int i)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];

	prober_close(&s->probes[i]);
	if (prober_open(&s->probes[i], cp, cp->device, s->st->probe.mark))
		log_warn("path %s: cannot open probe socket on %s: %s",
			 cp->name, cp->device, strerror(errno));
}

/* on_change: run the hook with the event in its environment; not waited. */
static void run_hook(struct steering *s, int i, int old, int new)
{
	const struct wf_cfg_path *cp = &s->st->paths[i];
	char e[4][64 + IF_NAMESIZE];
	char *argv[] = { (char *)s->st->on_change, NULL };
	char *envp[8];
	posix_spawnattr_t attr;
	sigset_t none, dfl;
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
	envp[n++] =
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n] = NULL;
	/*
	 * The daemon blocks SIGINT/SIGTERM and ignores SIGPIPE; the hook must
	 * inherit neither (an ignored signal stays ignored across exec).
	 */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	if (posix_spawn(&pid, argv[0], NULL, &attr, argv, envp))
		log_warn("on_change: cannot run %s: %s", argv[0],
			 strerror(errno));
	posix_spawnattr_destroy(&attr);
}

static void path_changed(struct steering *s, int i, int old)
{
	const struct steer_path *p = &s->paths[i];

	s->changed_unix[i] = unix_ns();
	log_info("path %s (%s): %s -> %s (rtt %.1f ms, loss %.0f%%, %llu "
		 "lost in a row)%s",
		 s->st->paths[i].name, s->st->paths[i].device,
		 steer_state_name(old), steer_state_name(p->state),
		 p->rtt_ns / 1e6, steer_loss(p) * 100,
		 (unsigned long long)p->lost_run,
		 p->state == WF_PATH_UP && !steer_usable(p, &s->st->probe) ?
			 "; not used until its loss falls below the limit" :
			 "");
	run_hook(s, i, old, p->state);
}

/*
 * An up path whose lost rounds crossed unusable_loss (policy/steer.c): no
 * state change to log (path_changed), yet new flows stop or start taking it.
 */
static void loss_crossed(const struct steering *s, int i, bool was)
{
	const struct steer_path *p = &s->paths[i];

	if (p->state != WF_PATH_UP || steer_usable(p, &s->st->probe) == was)
		return;
	log_info("path %s (%s): %u of the last %u probe rounds lost (limit "
		 "%.0f%% of %u): %s",
		 s->st->paths[i].name, s->st->paths[i].device, p->hist_lost,
		 p->hist_n, s->st->probe.unusable_loss * 100,
		 s->st->probe.window,
		 was ? "not used until fewer are" : "used again");
}

void feed(struct steering *s, int i, const struct round_result *r, int n,
	  uint64_t now)
{
	for (int k = 0; k < n; k++) {
		int old = s->paths[i].state;
		bool usable = steer_usable(&s->paths[i], &s->st->probe);
		uint64_t downs = s->paths[i].silence_downs;
		bool changed;

		if (r[k].burst)
			changed = steer_burst(&s->paths[i], &s->st->probe,
					      r[k].answered, r[k].late,
					      r[k].rtt_ns, now);
		else if (r[k].late)
			changed = steer_late(&s->paths[i], &s->st->probe,
					     r[k].rtt_ns, now);
		else
			changed = steer_round(&s->paths[i], &s->st->probe,
					      r[k].answered, r[k].rtt_ns, now);
		if (s->paths[i].silence_downs != downs)
			log_info("path %s (%s): no answer to a burst of %d "
				 "probes after its silence",
				 s->st->paths[i].name, s->st->paths[i].device,
				 STEER_BURST);
		if (changed)
			path_changed(s, i, old);
		else if (old == WF_PATH_UP)
			loss_crossed(s, i, usable);
	}
}

/* A device that went away or came back (with a new ifindex). */
void follow_device(struct steering *s, int i, uint64_t now)
{
	int ifindex = (int)if_nametoindex(s->st->paths[i].device);
	int old = s->paths[i].state;

	if (ifindex == s->ifindex[i])
		return;
	s->ifindex[i] = ifindex;
	seen_follow(s, i);
	s->burst_left[i] = 0;
	prober_close(&s->probes[i]);
	if (ifindex)
		open_probe(s, i);
	if (steer_set_absent(&s->paths[i], !ifindex, now))
		path_changed(s, i, old);
}

void probe_paths(struct steering *s, uint64_t now)
{
	struct round_result res[PROBE_BATCH];

	for (int i = 0; i < s->st->n_paths; i++) {
		struct prober *pr = &s->probes[i];

		feed(s, i, res, prober_expire(pr, now, res, PROBE_BATCH), now);
		if (now < s->next_round[i])
			continue;
		/* Keep the cadence; after a stall, start again from now. */
		s->next_round[i] += s->st->probe.interval_ns;
		if (s->next_round[i] <= now)
			s->next_round[i] = now + s->st->probe.interval_ns;
		if (pr->fd4 < 0 && pr->fd6 < 0)
			continue;
		/* A round still open in the slot this one takes is lost. */
		if (prober_send(pr, now,
				steer_timeout(&s->paths[i], &s->st->probe),
				res))
			feed(s, i, res, 1, now);
	}
}
