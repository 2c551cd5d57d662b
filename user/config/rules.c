// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rules.c - rules[]: what a rule matches, its rate, burst and bucket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "reader.h"

#define BURST_MIN 1500ULL /* one Ethernet MTU */
#define BURST_MAX (1ULL << 30)
/*
 * Default burst: 1/4 s of the rate, never below one 64 KiB GSO packet (which
 * would otherwise never fit). Why 1/4 s and not the design document's 1/8:
 * a tail drop stalls a TCP flow for one retransmission timeout, 200 ms at
 * least on Linux; a bucket that holds more than that keeps the whole stall's
 * worth of tokens for the flow's restart, so the average holds. Measured
 * over veth at 20 Mbit/s (tests/e2e/police.sh): 125 ms gave 60 % of the
 * limit in goodput, 250 ms 97 %, for cubic and bbr alike.
 */
#define BURST_DEFAULT_MIN (64ULL << 10)

/* "80" or "1000-2000". */
bool cfg_get_ports(struct ctx *c, yaml_node_t *n, const char *path,
		   uint16_t *lo, uint16_t *hi)
{
	const char *s = cfg_scalar(c, n, path);
	unsigned long a, b;
	char *end;

	if (!s)
		return false;
	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (end != s && *end == '-' && end[1] >= '0' && end[1] <= '9')
		b = strtoul(end + 1, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno) {
		cfg_report(c, n, path,
			   "\"%s\" is not a port or range; write e.g. 443 "
			   "or 1024-65535",
			   s);
		return false;
	}
	if (a > 65535 || b > 65535 || a > b) {
		cfg_report(c, n, path,
			   "\"%s\" is out of range; ports are 0 to 65535, "
			   "low-high",
			   s);
		return false;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

void cfg_get_proto(struct ctx *c, yaml_node_t *n, const char *path, int *out)
{
	static const struct {
		const char *name;
		int num;
	} names[] = { { "tcp", 6 },    { "udp", 17 },	 { "icmp", 1 },
		      { "icmp6", 58 }, { "icmpv6", 58 }, { "sctp", 132 },
		      { "gre", 47 },   { "esp", 50 } };
	const char *s = cfg_scalar(c, n, path);
	unsigned long v;
	size_t i;
	char *end;

	if (!s)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].num;
			return;
		}
	v = strtoul(s, &end, 10);
	if (*s >= '0' && *s <= '9' && !*end && v <= 255) {
		*out = (int)v;
		return;
	}
	cfg_report(c, n, path,
		   "\"%s\" is not a protocol; write tcp, udp, icmp, "
		   "icmp6, sctp, gre, esp or a number 0-255",
		   s);
}

/* A size ("64kB") or a duration of the rate ("100ms"), resolved later. */
struct burst_in {
	uint64_t bytes, ns;
	yaml_node_t *node;
};

static void get_burst(struct ctx *c, yaml_node_t *n, const char *path,
		      struct burst_in *b)
{
	const char *s = cfg_scalar(c, n, path);
	char why[UNITS_WHY_MAX], why2[UNITS_WHY_MAX];

	if (!s)
		return;
	b->node = n;
	if (units_size(s, &b->bytes, why, sizeof(why)) == 0)
		return;
	if (units_duration(s, &b->ns, why2, sizeof(why2)) == 0 && b->ns)
		return;
	b->node = NULL;
	cfg_report(c, n, path,
		   "\"%s\" is neither a size (e.g. 64kB) nor a duration "
		   "of the rate (e.g. 100ms)",
		   s);
}

/*
 * A cgroup: a path below the cgroup2 mount ("/system.slice/x.service" or
 * "system.slice/x.service"). Whether it exists is the loader's question.
 */
static void get_cgroup(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	while (*s == '/')
		s++;
	if (strlen(s) >= sizeof(r->cgroup) || !*s || !strcmp(s, "..") ||
	    !strncmp(s, "../", 3) || strstr(s, "/../") ||
	    (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))
		cfg_report(c, n, path,
			   "\"%s\" must name a cgroup below the cgroup2 "
			   "mount, without \"..\" (e.g. system.slice/nginx.service)",
			   (const char *)n->data.scalar.value);
	else
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", s);
}

/* unit: a systemd unit name, found in the cgroup tree by the loader. */
static void get_unit(struct ctx *c, yaml_node_t *n, const char *path,
		     struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	if (strlen(s) >= sizeof(r->unit) || strchr(s, '/') || !strchr(s, '.') ||
	    s[0] == '.')
		cfg_report(c, n, path,
			   "\"%s\" is not a unit name; write e.g. "
			   "nginx.service or user@1000.service",
			   s);
	else
		strcpy(r->unit, s);
}

/* process: a command name as the kernel keeps it (comm, 15 characters). */
static void get_process(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	if (strlen(s) >= sizeof(r->process))
		cfg_report(c, n, path,
			   "\"%s\" is longer than a command name (15 "
			   "characters, as ps -o comm shows it)",
			   s);
	else
		strcpy(r->process, s);
}

/* exe: an absolute path; the loader finds its device and inode. */
static void get_exe(struct ctx *c, yaml_node_t *n, const char *path,
		    struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (!s)
		return;
	if (s[0] != '/' || strlen(s) >= sizeof(r->exe))
		cfg_report(c, n, path,
			   "\"%s\" is not an absolute path; write e.g. "
			   "/usr/bin/rsync",
			   s);
	else
		strcpy(r->exe, s);
}

/* container: a docker/podman id, or an unambiguous prefix of 4+ digits. */
static void get_container(struct ctx *c, yaml_node_t *n, const char *path,
			  struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (len < 4 || len >= sizeof(r->container) ||
	    strspn(s, "0123456789abcdef") != len)
		cfg_report(c, n, path,
			   "\"%s\" is not a container id; write its id "
			   "or a prefix of at least 4 hex digits (docker ps, podman ps)",
			   s);
	else
		strcpy(r->container, s);
}

/*
 * container_name: a docker or podman container's name, as both allow it
 * ([a-zA-Z0-9][a-zA-Z0-9_.-]*); found by user/daemon/docker.c.
 */
static void get_container_name(struct ctx *c, yaml_node_t *n, const char *path,
			       struct wf_cfg_rule *r)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	const char *s = cfg_scalar(c, n, path);
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (!len || len >= sizeof(r->container_name) || strspn(s, ok) != len ||
	    strchr("_.-", s[0]))
		cfg_report(c, n, path,
			   "\"%s\" is not a container name; docker's and podman's are "
			   "letters, digits, _ . and - (not first), at most %zu",
			   s, sizeof(r->container_name) - 1);
	else
		strcpy(r->container_name, s);
}

/* What each match key allows alone, but not with the others. */
static void check_match(struct ctx *c, yaml_node_t *n, const char *path,
			const struct wf_cfg_rule *r, yaml_node_t *port_node)
{
	if (!!r->pid + !!r->process[0] + !!r->exe[0] > 1)
		cfg_report(c, n, path, "give one of pid, process and exe");
	if (!!r->cgroup[0] + !!r->unit[0] + !!r->container[0] +
		    !!r->container_name[0] >
	    1)
		cfg_report(c, n, path,
			   "give one of cgroup, unit, container and "
			   "container_name");
	if (wf_rule_at_socket(r) && r->iface[0])
		cfg_report(c, n, path,
			   "a cgroup rule acts on the sockets of the "
			   "cgroup, wherever they send; drop interface");
	if (r->src.family && r->dst.family && r->src.family != r->dst.family)
		cfg_report(c, n, path,
			   "src is IPv%d but dst is IPv%d; no packet is both",
			   r->src.family, r->dst.family);
	if (port_node && r->proto != -1 && r->proto != 6 && r->proto != 17 &&
	    r->proto != 132)
		cfg_report(c, port_node, path,
			   "ports need proto tcp, udp or sctp "
			   "(or no proto: then tcp and udp)");
}

static void parse_match(struct ctx *c, yaml_node_t *n, const char *path,
			struct wf_cfg_rule *r)
{
	static const char *const keys[] = { "src",	 "dst",
					    "proto",	 "sport",
					    "dport",	 "interface",
					    "direction", "cgroup",
					    "unit",	 "container",
					    "pid",	 "process",
					    "exe",	 "container_name",
					    NULL };
	static const char *const dirs[] = { "ingress", "egress", "both", NULL };
	static const unsigned dir_bits[] = { WF_DIRS_INGRESS, WF_DIRS_EGRESS,
					     WF_DIRS_BOTH };
	char sub[PATH_MAXLEN];
	yaml_node_t *val, *port_node = NULL;
	int i = 0, k, dir = 2;
	struct wf_cfg_iface tmp = { 0 };

	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			cfg_get_prefix(c, val, sub, &r->src);
			break;
		case 1:
			cfg_get_prefix(c, val, sub, &r->dst);
			break;
		case 2:
			cfg_get_proto(c, val, sub, &r->proto);
			break;
		case 3:
			r->has_sport = cfg_get_ports(c, val, sub, &r->sport_lo,
						     &r->sport_hi);
			port_node = val;
			break;
		case 4:
			r->has_dport = cfg_get_ports(c, val, sub, &r->dport_lo,
						     &r->dport_hi);
			port_node = val;
			break;
		case 5:
			cfg_get_ifname(c, val, sub, &tmp);
			memcpy(r->iface, tmp.name, sizeof(r->iface));
			break;
		case 6:
			cfg_get_enum(c, val, sub, dirs, &dir);
			break;
		case 7:
			get_cgroup(c, val, sub, r);
			r->owner_where = cfg_where(val);
			break;
		case 8:
			get_unit(c, val, sub, r);
			r->owner_where = cfg_where(val);
			break;
		case 9:
			get_container(c, val, sub, r);
			r->owner_where = cfg_where(val);
			break;
		case 10:
			cfg_get_u32(c, val, sub, &r->pid, 1, 4194304);
			r->owner_where = cfg_where(val);
			break;
		case 11:
			get_process(c, val, sub, r);
			break;
		case 12:
			get_exe(c, val, sub, r);
			r->owner_where = cfg_where(val);
			break;
		case 13:
			get_container_name(c, val, sub, r);
			r->owner_where = cfg_where(val);
			break;
		}
	}
	r->dirs = dir_bits[dir];
	check_match(c, n, path, r, port_node);
}

/* burst: given, or the default; then checked against its bounds. */
static void resolve_burst(struct ctx *c, const struct burst_in *b,
			  yaml_node_t *rule, const char *path,
			  struct wf_cfg_rule *r)
{
	unsigned __int128 bytes;

	if (!r->rate_bps)
		return; /* rate missing or bad: reported already */
	if (!b->node) {
		bytes = r->rate_bps / 32; /* 1/4 s, in bytes */
		r->burst_default = true;
		if (bytes < BURST_DEFAULT_MIN)
			bytes = BURST_DEFAULT_MIN;
	} else if (b->ns) {
		bytes = (unsigned __int128)r->rate_bps * b->ns / 8000000000ULL;
	} else {
		bytes = b->bytes;
	}
	if (bytes < BURST_MIN || bytes > BURST_MAX) {
		cfg_report(c, b->node ? b->node : rule, path,
			   "%llu bytes is %s; "
			   "write %llu B to 1 GiB",
			   (unsigned long long)bytes,
			   bytes < BURST_MIN ?
				   "below one MTU (1500 B): full-size "
				   "packets would never fit" :
				   "above 1 GiB",
			   (unsigned long long)BURST_MIN);
		return;
	}
	r->burst_bytes = (uint64_t)bytes;
}

static void get_rule_name(struct ctx *c, yaml_node_t *n, const char *path,
			  struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (s && (strlen(s) > WF_RULE_NAME_MAX || strpbrk(s, "\"\\")))
		cfg_report(c, n, path,
			   "\"%s\": a name is at most %d characters, "
			   "without quotes or backslashes",
			   s, WF_RULE_NAME_MAX);
	else if (s)
		strcpy(r->name, s);
}

static void get_group(struct ctx *c, yaml_node_t *n, const char *path,
		      struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (s && strlen(s) > WF_RULE_NAME_MAX)
		cfg_report(c, n, path, "a group name is at most %d characters",
			   WF_RULE_NAME_MAX);
	else if (s)
		strcpy(r->group, s);
}

/* tcp_congestion: a name; whether this kernel has it is the host's say. */
static void get_cc(struct ctx *c, yaml_node_t *n, const char *path,
		   struct wf_cfg_rule *r)
{
	const char *s = cfg_scalar(c, n, path);

	if (s &&
	    (strlen(s) >= sizeof(r->cc) ||
	     strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s)))
		cfg_report(c, n, path,
			   "\"%s\" is not a congestion control name; "
			   "write e.g. bbr, cubic or reno",
			   s);
	else if (s)
		strcpy(r->cc, s);
}

/*
 * at: where the rule is enforced. XDP sees only what arrives; a rule on a
 * cgroup or process needs the socket, which only cgroup_skb has.
 */
static void check_at(struct ctx *c, yaml_node_t *n, const char *path,
		     const struct wf_cfg_rule *r)
{
	if (r->at == WF_ATC_XDP && r->dirs != WF_DIRS_INGRESS)
		cfg_report(c, n, path,
			   "xdp sees only what arrives; add match.direction: "
			   "ingress, or use at: netfilter");
	if (r->at != WF_ATC_UNSET && r->at != WF_ATC_AUTO &&
	    wf_rule_at_socket(r))
		cfg_report(c, n, path,
			   "a cgroup or process rule is enforced where the "
			   "packet's socket is known (cgroup_skb); drop at");
}

static void parse_rule(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_cfg_rule *r)
{
	static const char *const keys[] = { "name",	      "match", "rate",
					    "burst",	      "per",   "group",
					    "tcp_congestion", "at",    NULL };
	static const char *const ats[] = { "auto", "tc", "netfilter", "xdp",
					   NULL };
	static const char *const pers[] = { "rule", "src_ip", "dst_ip", "flow",
					    NULL };
	char sub[PATH_MAXLEN], bsub[PATH_MAXLEN] = "", atsub[PATH_MAXLEN] = "",
			       ccsub[PATH_MAXLEN] = "";
	struct burst_in burst = { 0 };
	yaml_node_t *val, *at_node = NULL, *cc_node = NULL;
	bool have_rate = false, have_name = false;
	int i = 0, k, per = 0;

	r->proto = -1;
	r->dirs = WF_DIRS_BOTH;
	r->at = WF_ATC_UNSET;
	r->where = cfg_where(n);
	if (!cfg_expect_kind(c, n, path, YAML_MAPPING_NODE, "a mapping"))
		return;
	while ((k = cfg_pair_next(c, n, path, keys, &i, &val, sub,
				  sizeof(sub))) >= 0) {
		switch (k) {
		case 0:
			have_name = true;
			get_rule_name(c, val, sub, r);
			break;
		case 1:
			parse_match(c, val, sub, r);
			break;
		case 2:
			have_rate = true;
			cfg_get_rate(c, val, sub, &r->rate_bps);
			break;
		case 3:
			get_burst(c, val, sub, &burst);
			snprintf(bsub, sizeof(bsub), "%s", sub);
			break;
		case 4:
			cfg_get_enum(c, val, sub, pers, &per);
			break;
		case 5:
			get_group(c, val, sub, r);
			break;
		case 6:
			cc_node = val;
			snprintf(ccsub, sizeof(ccsub), "%s", sub);
			get_cc(c, val, sub, r);
			break;
		case 7:
			at_node = val;
			snprintf(atsub, sizeof(atsub), "%s", sub);
			cfg_get_enum(c, val, sub, ats, &r->at);
			break;
		}
	}
	r->per = (enum wf_per)per;
	if (at_node)
		check_at(c, at_node, atsub, r);
	/*
	 * wf_sockops sets the algorithm, and a sockops program has no helper
	 * that reads a socket's cgroup: such a rule would never match.
	 */
	if (cc_node && r->cc[0] && wf_rule_has_cgroup(r))
		cfg_report(c, cc_node, ccsub,
			   "cannot be set by cgroup (the sockops hook that sets "
			   "it cannot read a socket's cgroup); match the "
			   "process, addresses or ports instead");
	if (!have_name)
		cfg_report(c, n, path,
			   "missing key \"name\"; every rule needs one "
			   "(it names the rule in stats)");
	if (!have_rate)
		cfg_report(c, n, path,
			   "missing key \"rate\"; write e.g. rate: 8mbit");
	resolve_burst(c, &burst, n, bsub[0] ? bsub : path, r);
}

/*
 * group: rules of one group share the bucket of its first rule, so they
 * must describe the same bucket: same rate and burst, per: rule.
 */
static void join_group(struct ctx *c, yaml_node_t *n, const char *path,
		       struct wf_config *cfg, int i)
{
	struct wf_cfg_rule *r = &cfg->rules[i];
	int j;

	r->bucket = i;
	if (!r->group[0])
		return;
	if (r->per != WF_CFG_PER_RULE) {
		cfg_report(c, n, path,
			   "group \"%s\": a shared bucket needs per: rule",
			   r->group);
		return;
	}
	for (j = 0; j < i; j++) {
		const struct wf_cfg_rule *first = &cfg->rules[j];

		if (strcmp(first->group, r->group))
			continue;
		if (first->rate_bps != r->rate_bps ||
		    first->burst_bytes != r->burst_bytes)
			cfg_report(c, n, path,
				   "group \"%s\" shares one bucket: give "
				   "it the rate and burst of rules[%d] (%s)",
				   r->group, j, first->name);
		r->bucket = first->bucket;
		return;
	}
}

void cfg_parse_rules(struct ctx *c, yaml_node_t *n, const char *path,
		     struct wf_config *cfg)
{
	yaml_node_t *item;
	char sub[PATH_MAXLEN];
	int j;

	if (!cfg_expect_kind(c, n, path, YAML_SEQUENCE_NODE, "a list of rules"))
		return;
	while ((item = cfg_item(c, n, path, cfg->n_rules, WF_CFG_MAX_RULES,
				"rules (the datapath matches a packet against a "
				"64-bit rule set)",
				sub, sizeof(sub)))) {
		struct wf_cfg_rule *r = &cfg->rules[cfg->n_rules];

		parse_rule(c, item, sub, r);
		for (j = 0; j < cfg->n_rules && r->name[0]; j++)
			if (!strcmp(cfg->rules[j].name, r->name))
				cfg_report(c, item, sub,
					   "name \"%s\" is already used "
					   "by %s[%d]",
					   r->name, path, j);
		join_group(c, item, sub, cfg, cfg->n_rules);
		cfg->n_rules++;
	}
}

/* A rule's interface must be one wirefisher attaches to. */
void cfg_check_rule_ifaces(struct ctx *c, const struct wf_config *cfg)
{
	int i, j;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];
		bool found = !r->iface[0];

		for (j = 0; j < cfg->n_ifaces && !found; j++)
			found = !strcmp(cfg->ifaces[j].name, r->iface) ||
				!strcmp(cfg->ifaces[j].name, WF_IFACE_AUTO);
		if (!found) {
			fprintf(c->err,
				"%s:%d:%d: rules[%d].match.interface: "
				"\"%s\" is not in interfaces:; rules act only "
				"where wirefisher is attached\n",
				c->file, r->where.line, r->where.col, i,
				r->iface);
			c->errors++;
		}
	}
}

/*
 * The hook a rule is enforced at, as far as the config tells: auto and
 * netfilter go to one place (netfilter, or tc on a kernel without it, the
 * same for both), a cgroup or process rule to the socket hooks.
 */
static const char *rule_hook(const struct wf_cfg_rule *r)
{
	if (wf_rule_at_socket(r))
		return "the socket hooks (cgroup_skb)";
	if (r->at == WF_ATC_TC)
		return "tc";
	if (r->at == WF_ATC_XDP)
		return "xdp";
	return "netfilter";
}

/*
 * A group's shared bucket charges a packet once, however many of its rules
 * match it - at one hook. Rules of a group at two hooks would charge a
 * packet that crosses both twice (a container's packet at the socket hook,
 * then at tc on its way out), so they are refused.
 */
void cfg_check_groups(struct ctx *c, const struct wf_config *cfg)
{
	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];
		const struct wf_cfg_rule *first = &cfg->rules[r->bucket];
		const char *at = rule_hook(r), *first_at = rule_hook(first);

		if (!r->group[0] || r->bucket == i || at == first_at)
			continue;
		fprintf(c->err,
			"%s:%d:%d: rules[%d].group: \"%s\" is enforced at %s "
			"here but at %s for rules[%d] (%s): a packet crossing "
			"both would be charged twice; give the group's rules "
			"one hook (rules[].at)\n",
			c->file, r->where.line, r->where.col, i, r->group, at,
			first_at, r->bucket, first->name);
		c->errors++;
	}
}
