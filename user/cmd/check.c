// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * check.c - `wirefisher check`: validate a config as the daemon would
 * before it loads anything (like nginx -t): the file, then the host checks
 * (interfaces, cgroups, processes, executables, steering devices, probe
 * targets, congestion controls). Then print how every value was understood
 * and, for what only the host can say, what it resolved to here.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "cgroup.h"
#include "docker.h"
#include "host.h"
#include "policy.h"
#include "preflight.h"

static const struct argp_option options[] = { CMD_OPT_CONFIG,
					      CMD_OPT_VERBOSE,
					      { 0 } };

/* The command name of process pid ("?" if it cannot be read). */
static void pid_comm(uint32_t pid, char *buf, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, (int)n, f))
		snprintf(buf, n, "?");
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* unit: or container: as written, and the cgroup path it was found at. */
static void print_cgroup(const struct wf_cfg_rule *r,
			 const struct wf_host_rule *h, FILE *out)
{
	char rel[PATH_MAX] = "", why[256];

	if (r->unit[0]) {
		cgroup_find_unit(r->unit, rel, sizeof(rel), why, sizeof(why));
		fprintf(out, " unit %s (cgroup %s, ", r->unit, rel);
	} else if (r->container[0]) {
		cgroup_find_container(r->container, rel, sizeof(rel), why,
				      sizeof(why));
		fprintf(out, " container %s (cgroup %s, ", r->container, rel);
	} else if (r->container_name[0]) {
		char id[80] = "";

		if (!container_find_name(r->container_name, id, sizeof(id), why,
					 sizeof(why)))
			cgroup_find_container(id, rel, sizeof(rel), why,
					      sizeof(why));
		fprintf(out, " container_name %s (id %.12s, cgroup %s, ",
			r->container_name, id, rel);
	} else {
		fprintf(out, " cgroup %s (", r->cgroup);
	}
	fprintf(out, "id %llu, level %u)", (unsigned long long)h->cgroup_id,
		h->cgroup_level);
}

/* One line for a rule whose match depends on the host; none otherwise. */
static void print_rule(const struct wf_config *cfg, int i,
		       const struct wf_host_rule *h, FILE *out)
{
	const struct wf_cfg_rule *r = &cfg->rules[i];
	char key[32], comm[32];

	if (!r->iface[0] && !wf_rule_at_socket(r))
		return;
	snprintf(key, sizeof(key), "rules[%d]", i);
	fprintf(out, "%-24s %s:", key, r->name);
	if (r->iface[0])
		fprintf(out, " interface %s (ifindex %u)", r->iface,
			h->ifindex);
	if (wf_rule_has_cgroup(r))
		print_cgroup(r, h, out);
	if (r->pid) {
		pid_comm(r->pid, comm, sizeof(comm));
		fprintf(out, " pid %u (running: %s)", r->pid, comm);
	}
	if (r->process[0])
		fprintf(out,
			" process %s (the command name of the process "
			"that makes each socket)",
			r->process);
	if (r->exe[0])
		fprintf(out, " exe %s (inode %llu on device %u:%u)", r->exe,
			(unsigned long long)h->exe_ino, h->exe_dev >> 20,
			h->exe_dev & 0xfffff);
	fputc('\n', out);
}

static void print_iface(int i, const struct wf_host_iface *hi, FILE *out)
{
	char key[32];

	snprintf(key, sizeof(key), "interfaces[%d]", i);
	fprintf(out, "%-24s %s: ", key, hi->name);
	if (!hi->ifindex)
		fprintf(out,
			"not here now (optional: hooked when it appears)\n");
	else if (hi->l2_len > 0)
		fprintf(out, "ifindex %d, %d-byte link-layer header\n",
			hi->ifindex, hi->l2_len);
	else if (hi->l2_len == 0)
		fprintf(out, "ifindex %d, layer 3 (no link-layer header)\n",
			hi->ifindex);
	else
		fprintf(out, "ifindex %d, link layer unknown (%s)\n",
			hi->ifindex, strerror(-hi->l2_len));
}

/*
 * Does the running kernel have BPF netfilter links with IP defrag (6.6)?
 * From its release, as check touches no kernel; the daemon probes.
 */
static bool kernel_has_nf(char *release, size_t n)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2) {
		snprintf(release, n, "?");
		return false;
	}
	snprintf(release, n, "%u.%u", major, minor);
	return major > 6 || (major == 6 && minor >= 6);
}

/* Where each rule is enforced on this kernel: one hook per rule. */
static void print_places(const struct wf_config *cfg, FILE *out)
{
	static const char *const why[WF_N_PLACES] = {
		"on the tc hooks of the listed interfaces",
		"where the socket is known",
		"host-wide, IPv4 and IPv6, whole datagrams",
		"on the ingress of the listed Ethernet interfaces",
	};
	char rel[32], key[40];
	bool nf = kernel_has_nf(rel, sizeof(rel));

	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];
		enum wf_place p = policy_place(r, nf);

		snprintf(key, sizeof(key), "rules[%d] enforced at", i);
		fprintf(out, "%-24s %s: %s (%s)", key, r->name,
			policy_place_names[p], why[p]);
		if (policy_nf_fallback(cfg) >> i & 1 && !nf)
			fprintf(out,
				"; netfilter needs kernel 6.6, this is %s: "
				"tc instead",
				rel);
		fputc('\n', out);
	}
}

/* What only this host can say: interfaces, cgroups, processes, files. */
static void print_resolved(const struct wf_config *cfg,
			   const struct wf_host *host, FILE *out)
{
	fprintf(out, "resolved on this host:\n");
	for (int i = 0; i < cfg->n_ifaces; i++)
		print_iface(i, &host->ifaces[i], out);
	for (int i = 0; i < cfg->n_rules; i++)
		print_rule(cfg, i, &host->rules[i], out);
	print_places(cfg, out);
	if (host->cgroup_root[0])
		fprintf(out, "%-24s %s\n", "cgroup2 mount", host->cgroup_root);
}

/* The host checks the daemon runs first; 0 or the number of problems. */
static int check_host(const struct wf_config *cfg, struct wf_host *host)
{
	int errors = preflight_run(cfg, host);

	if (errors)
		fprintf(stderr,
			"wirefisher: %s: %d error%s on this host; the "
			"daemon would refuse it\n",
			cfg->path, errors, errors == 1 ? "" : "s");
	return errors;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		options,
		cmd_parse_common,
		NULL,
		"Validate a configuration without touching the kernel, against "
		"this host as the daemon would (interfaces, cgroups, processes, "
		"executables, steering devices, probe targets), and print how "
		"every value was understood and what it resolved to here. Exit "
		"0 if valid, 1 if not.",
		NULL,
		NULL,
		NULL
	};
	struct cmd_common c = { .config = DEFAULT_CONFIG };
	struct wf_host *host = malloc(sizeof(*host));
	struct wf_config *cfg;
	int rc = 1;

	argp_parse(&argp, argc, argv, 0, NULL, &c);
	cfg = cmd_load_config(c.config, c.verbose);
	if (cfg && host && !check_host(cfg, host)) {
		printf("%s: valid\n", c.config);
		config_print(cfg, stdout);
		print_resolved(cfg, host, stdout);
		config_warn(cfg, stdout);
		rc = 0;
	}
	free(host);
	free(cfg);
	return rc;
}
