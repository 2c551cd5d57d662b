// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * preflight.c - see preflight.h. Every message names the config position
 * of the key the host refuses, as a parse error does.
 */
#include "preflight.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <limits.h>

#include "../../bpf/wf_shared.h"
#include "cgroup.h"
#include "docker.h"
#include "log.h"
#include "netif.h"
#include "trust.h"

static void iface_facts(struct wf_host_iface *hi)
{
	hi->ifindex = (int)if_nametoindex(hi->name);
	hi->l2_len = hi->ifindex ? netif_l2_len(hi->name) : 0;
	if (hi->l2_len < 0)
		hi->l2_len = -errno;
}

static int rule_cgroup(const struct wf_cfg_rule *cr, struct wf_host_rule *hr)
{
	char rel[PATH_MAX], *why = hr->missing;
	size_t n = sizeof(hr->missing);
	int err = 0;

	if (cr->unit[0])
		err = cgroup_find_unit(cr->unit, rel, sizeof(rel), why, n);
	else if (cr->container[0])
		err = cgroup_find_container(cr->container, rel, sizeof(rel),
					    why, n);
	else if (cr->container_name[0]) {
		char id[80];

		err = container_find_name(cr->container_name, id, sizeof(id),
					  why, n);
		if (!err)
			err = cgroup_find_container(id, rel, sizeof(rel), why,
						    n);
	}
	if (err)
		return err;
	if (cr->cgroup[0])
		snprintf(rel, sizeof(rel), "%s", cr->cgroup);
	if (cgroup_resolve(rel, &hr->cgroup_id, &hr->cgroup_level, why, n))
		return -1;
	if (hr->cgroup_level >= WF_CG_LEVELS) {
		snprintf(why, n, "%u levels deep; wirefisher follows %d",
			 hr->cgroup_level, WF_CG_LEVELS - 1);
		return -1;
	}
	return 0;
}

static void rule_exe(const struct wf_cfg_rule *cr, struct wf_host_rule *hr)
{
	struct stat st;

	errno = 0;
	if (stat(cr->exe, &st) || !S_ISREG(st.st_mode)) {
		snprintf(hr->missing, sizeof(hr->missing), "%s: %s", cr->exe,
			 errno ? strerror(errno) : "not a regular file");
		return;
	}
	hr->exe_ino = st.st_ino;
	/* The kernel's dev_t: major in the high 12 bits of 32. */
	hr->exe_dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
}

/*
 * What this host says of one rule; hr->missing says what is not there.
 * Returns 0, or CGROUP_AMBIGUOUS for a unit or container named twice.
 */
static int rule_facts(const struct wf_cfg_rule *cr, struct wf_host_rule *hr)
{
	int err;

	memset(hr, 0, sizeof(*hr));
	if (cr->iface[0])
		hr->ifindex = if_nametoindex(cr->iface);
	if (wf_rule_has_cgroup(cr) && (err = rule_cgroup(cr, hr))) {
		hr->cgroup_id = 0; /* no socket has it: the rule waits */
		return err;
	}
	if (cr->pid && kill((pid_t)cr->pid, 0) && errno == ESRCH) {
		snprintf(hr->missing, sizeof(hr->missing), "no process %u",
			 cr->pid);
		return 0;
	}
	if (cr->exe[0])
		rule_exe(cr, hr);
	return 0;
}

static const char *owner_key(const struct wf_cfg_rule *cr)
{
	return cr->pid		     ? "pid" :
	       cr->exe[0]	     ? "exe" :
	       cr->unit[0]	     ? "unit" :
	       cr->container[0]	     ? "container" :
	       cr->container_name[0] ? "container_name" :
				       "cgroup";
}

/*
 * A rule's unit or container that was found, and is now ambiguous (another
 * cgroup of the same name appeared): keep the one found, rather than let
 * whoever can make a directory lift the limit.
 */
static void refresh_rule(const struct wf_cfg_rule *cr, struct wf_host_rule *hr)
{
	struct wf_host_rule now;

	if (rule_facts(cr, &now) == CGROUP_AMBIGUOUS && hr->cgroup_id)
		return;
	*hr = now;
}

void preflight_refresh(const struct wf_config *cfg, struct wf_host *h)
{
	for (int i = 0; i < cfg->n_ifaces; i++)
		iface_facts(&h->ifaces[i]);
	for (int i = 0; i < cfg->n_rules; i++)
		refresh_rule(&cfg->rules[i], &h->rules[i]);
	if (cgroup_mount(h->cgroup_root))
		h->cgroup_root[0] = '\0';
}

/* `auto` named; an interface listed twice would count every packet twice. */
static int check_ifaces(const struct wf_config *cfg, struct wf_host *h)
{
	int errors = 0;

	for (int i = 0; i < cfg->n_ifaces; i++) {
		const struct wf_cfg_iface *ci = &cfg->ifaces[i];
		char *name = h->ifaces[i].name;

		if (strcmp(ci->name, WF_IFACE_AUTO)) {
			strcpy(name, ci->name);
		} else if (netif_default_route(name)) {
			config_error_at(cfg, ci->where,
					"interfaces[%d]: auto: this "
					"network namespace has no default route; "
					"name the interface instead",
					i);
			errors++;
			continue;
		} else {
			log_info("interfaces[%d]: auto is %s (default route)",
				 i, name);
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(name, h->ifaces[j].name)) {
				config_error_at(cfg, ci->where,
						"interfaces[%d]: %s is "
						"also interfaces[%d] (auto is the "
						"default route's interface); list "
						"it once",
						i, name, j);
				errors++;
			}
	}
	return errors;
}

static int check_present(const struct wf_config *cfg, const struct wf_host *h)
{
	int errors = 0;

	for (int i = 0; i < cfg->n_ifaces; i++) {
		const struct wf_cfg_iface *ci = &cfg->ifaces[i];

		if (ci->optional || h->ifaces[i].ifindex ||
		    !h->ifaces[i].name[0])
			continue;
		config_error_at(cfg, ci->where,
				"interfaces[%d].name: no interface "
				"\"%s\" in this network namespace (see ip link), "
				"or mark it optional: true",
				i, h->ifaces[i].name);
		errors++;
	}
	return errors;
}

/* Is `name` in tcp_available_congestion_control? */
static bool cc_available(const char *name)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control",
			"re");
	char word[32];
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%31s", word) == 1)
		found = !strcmp(word, name);
	fclose(f);
	return found;
}

static int check_rules(const struct wf_config *cfg, const struct wf_host *h)
{
	bool need_cgroup = false;
	int errors = 0;

	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *cr = &cfg->rules[i];

		need_cgroup |= wf_rule_at_socket(cr) || cr->cc[0];
		if (h->rules[i].missing[0]) {
			config_error_at(cfg, cr->owner_where,
					"rules[%d].match.%s: %s", i,
					owner_key(cr), h->rules[i].missing);
			errors++;
		}
		if (cr->cc[0] && !cc_available(cr->cc)) {
			config_error_at(cfg, cr->where,
					"rules[%d].tcp_congestion: "
					"\"%s\" is not available here (see /proc/"
					"sys/net/ipv4/tcp_available_congestion_"
					"control)",
					i, cr->cc);
			errors++;
		}
	}
	if (need_cgroup && !h->cgroup_root[0]) {
		log_error("%s: cgroup and tcp_congestion rules need cgroup v2, "
			  "which is not mounted here",
			  cfg->path);
		errors++;
	}
	return errors;
}

static int check_path(const struct wf_config *cfg, int i)
{
	const struct wf_cfg_path *p = &cfg->steer.paths[i];
	int ifindex = (int)if_nametoindex(p->device), errors = 0;
	char a[INET6_ADDRSTRLEN], via[IF_NAMESIZE];

	if (!ifindex) {
		config_error_at(cfg, p->where,
				"steering.paths[%d].device: no "
				"interface \"%s\" in this network namespace (see "
				"ip link)",
				i, p->device);
		return 1;
	}
	if (netif_l2_len(p->device) != 0) {
		config_error_at(cfg, p->where,
				"steering.paths[%d].device: %s is "
				"not a layer-3 tunnel; wirefisher steers IP packets "
				"between WireGuard (or other TUN/IP tunnel) devices "
				"only",
				i, p->device);
		return 1;
	}
	for (int t = 0; t < p->n_targets; t++) {
		int oif = netif_route_oif(p->targets[t].family,
					  p->targets[t].addr);

		if (oif == ifindex)
			continue;
		if (oif <= 0 || !if_indextoname((unsigned)oif, via))
			snprintf(via, sizeof(via), "nowhere");
		config_error_at(cfg, p->where,
				"steering.paths[%d].targets[%d]: "
				"%s is routed via %s, not %s; a probe target must "
				"be reached through its own path (e.g. the peer's "
				"tunnel address)",
				i, t,
				prefix_addr_str(&p->targets[t], a, sizeof(a)),
				via, p->device);
		errors++;
	}
	return errors;
}

/*
 * The programs steer at the egress of the path devices, so the kernel must
 * route each of a route's prefixes to one of them first - every one: a
 * dual-stack route (to: [10.99.0.0/24, fd99::/64]) whose IPv6 anchor route
 * was forgotten steers none of its IPv6 traffic. Only a warning, naming the
 * first prefix that is not anchored: the route may be added after the
 * daemon starts.
 */
bool preflight_anchored(const struct wf_config *cfg, int r, bool warn)
{
	const struct wf_cfg_route *rc = &cfg->steer.routes[r];
	char a[INET6_ADDRSTRLEN], via[IF_NAMESIZE] = "nowhere";
	int oif = -1, i;

	for (i = 0; i < rc->n_to; i++) {
		bool ours = false;

		oif = netif_route_oif(rc->to[i].family, rc->to[i].addr);
		for (int j = 0; j < rc->n_paths && !ours; j++)
			ours = oif > 0 &&
			       oif == (int)if_nametoindex(
					      cfg->steer.paths[rc->paths[j]]
						      .device);
		if (!ours)
			break;
	}
	if (i == rc->n_to)
		return true;
	if (!warn)
		return false;
	if (oif > 0)
		if_indextoname((unsigned)oif, via);
	prefix_addr_str(&rc->to[i], a, sizeof(a));
	config_warn_at(cfg, rc->where,
		       "steering.routes[%d]: the kernel routes "
		       "%s/%u via %s, not through one of the route's paths, so "
		       "nothing to it will be steered; add e.g. ip route add "
		       "%s/%u nexthop dev %s nexthop dev ...",
		       r, a, rc->to[i].len, via, a, rc->to[i].len,
		       cfg->steer.paths[rc->paths[0]].device);
	return false;
}

/* The hook runs as root: only a file root alone can change. */
static int check_hook(const struct wf_config *cfg)
{
	const char *hook = cfg->steer.on_change;
	char why[PATH_MAX + 128];

	if (!hook[0])
		return 0;
	if (trust_path(hook, why, sizeof(why)) == 0) {
		if (access(hook, X_OK) == 0)
			return 0;
		snprintf(why, sizeof(why), "%s is not executable", hook);
	}
	config_error_at(cfg, cfg->steer.where, "steering.on_change: %s", why);
	return 1;
}

static int check_steering(const struct wf_config *cfg, struct wf_host *h)
{
	int errors = check_hook(cfg);

	for (int i = 0; i < cfg->steer.n_paths; i++)
		errors += check_path(cfg, i);
	for (int r = 0; !errors && r < cfg->steer.n_routes; r++)
		h->unanchored[r] = !preflight_anchored(cfg, r, true);
	return errors;
}

int preflight_run(const struct wf_config *cfg, struct wf_host *h)
{
	int errors;

	memset(h, 0, sizeof(*h));
	errors = check_steering(cfg, h) + check_ifaces(cfg, h);
	preflight_refresh(cfg, h);
	return errors + check_present(cfg, h) + check_rules(cfg, h);
}
