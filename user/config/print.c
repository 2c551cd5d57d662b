// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * print.c - how every value was understood, for `wirefisher check`.
 */
#include <arpa/inet.h>
#include <string.h>

#include "units.h"
#include "reader.h"

static void print_prefix(const struct wf_prefix *p, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->family) {
		snprintf(buf, n, "any");
		return;
	}
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, p->len);
}

static void print_ports(bool has, uint16_t lo, uint16_t hi, char *buf, size_t n)
{
	if (!has)
		snprintf(buf, n, "any");
	else if (lo == hi)
		snprintf(buf, n, "%u", lo);
	else
		snprintf(buf, n, "%u-%u", lo, hi);
}

/*
 * The socket-owner matches as written, each under its own key ("cgroup
 * any" when there is none): a pid or exe rule must not read as one that
 * matches every socket.
 */
static void print_owner(const struct wf_cfg_rule *r, char *buf, size_t n)
{
	/* n holds the longest: one cgroup-side key and one process-side key
	 * (config refuses two of either), each at most 256 bytes. */
	int len = snprintf(buf, n, "%s%s%s%s%s%s%s%s",
			   r->cgroup[0] ? "cgroup " : "", r->cgroup,
			   r->unit[0] ? "unit " : "", r->unit,
			   r->container[0] ? "container " : "", r->container,
			   r->container_name[0] ? "container_name " : "",
			   r->container_name);

	if (r->pid)
		len += snprintf(buf + len, n - (size_t)len, "%spid %u",
				len ? " " : "", r->pid);
	if (r->process[0])
		len += snprintf(buf + len, n - (size_t)len, "%sprocess %s",
				len ? " " : "", r->process);
	if (r->exe[0])
		len += snprintf(buf + len, n - (size_t)len, "%sexe %s",
				len ? " " : "", r->exe);
	if (!len)
		snprintf(buf, n, "cgroup any");
}

static void print_rule(const struct wf_cfg_rule *r, int i, FILE *out)
{
	static const char *const pers[] = { "rule", "src_ip", "dst_ip",
					    "flow" };
	static const char *const dirs[] = { "", "ingress", "egress", "both" };
	char src[64], dst[64], sp[16], dp[16], proto[8], owner[640];

	print_owner(r, owner, sizeof(owner));
	print_prefix(&r->src, src, sizeof(src));
	print_prefix(&r->dst, dst, sizeof(dst));
	print_ports(r->has_sport, r->sport_lo, r->sport_hi, sp, sizeof(sp));
	print_ports(r->has_dport, r->dport_lo, r->dport_hi, dp, sizeof(dp));
	if (r->proto < 0)
		snprintf(proto, sizeof(proto), "any");
	else
		snprintf(proto, sizeof(proto), "%d", r->proto);
	fprintf(out,
		"rules[%d]                 %s: src %s dst %s proto %s sport %s "
		"dport %s interface %s %s direction %s\n",
		i, r->name, src, dst, proto, sp, dp,
		r->iface[0] ? r->iface : "any", owner, dirs[r->dirs & 3]);
	fprintf(out, "rules[%d].rate            %llu bit/s = %llu B/s\n", i,
		(unsigned long long)r->rate_bps,
		(unsigned long long)(r->rate_bps / 8));
	fprintf(out,
		"rules[%d].burst           %llu B (%.1f ms of the rate)%s\n", i,
		(unsigned long long)r->burst_bytes,
		(double)r->burst_bytes * 8000.0 / (double)r->rate_bps,
		r->burst_default ? ", default: 1/4 s, at least 64 KiB" : "");
	static const char *const ats[] = { "auto", "tc", "netfilter", "xdp" };

	fprintf(out, "rules[%d].per             %s\n", i, pers[r->per & 3]);
	fprintf(out, "rules[%d].at              %s\n", i,
		ats[r->at >= 0 && r->at <= WF_ATC_XDP ? r->at : 0]);
	if (r->cc[0])
		fprintf(out, "rules[%d].tcp_congestion  %s\n", i, r->cc);
	if (r->group[0])
		fprintf(out,
			"rules[%d].group           %s (the bucket of rules[%d])\n",
			i, r->group, r->bucket);
}

void config_print(const struct wf_config *cfg, FILE *out)
{
	static const char *const dirs[] = { "", "ingress", "egress",
					    "ingress+egress" };
	static const char *const levels[] = { "error", "warn", "info",
					      "debug" };
	int i;

	fprintf(out, "%-24s %s\n", "pin_dir", cfg->pin_dir);
	fprintf(out, "%-24s %s\n", "persist",
		cfg->persist ?
			"yes (hooks stay when the daemon stops; wirefisher down removes "
			"them)" :
			"no (hooks go with the daemon)");
	fprintf(out, "%-24s %s\n", "missing_hook",
		cfg->missing_hook == WF_MISSING_FAIL ?
			"fail (refuse to start)" :
			"skip (warn and go on)");
	for (i = 0; i < cfg->n_ifaces; i++) {
		char key[32];
		const struct wf_cfg_iface *ifc = &cfg->ifaces[i];

		snprintf(key, sizeof(key), "interfaces[%d]", i);
		fprintf(out, "%-24s %s%s, %s, %s\n", key, ifc->name,
			strcmp(ifc->name, WF_IFACE_AUTO) ?
				"" :
				" (the default route's interface)",
			dirs[ifc->dirs & 3],
			ifc->optional ? "optional" : "required");
	}
	fprintf(out, "%-24s %llu ms\n", "accounting.window",
		(unsigned long long)(cfg->window_ns / 1000000));
	fprintf(out, "%-24s %u entries\n", "accounting.max_flows",
		cfg->max_flows);
	fprintf(out, "%-24s %s\n", "log.level", levels[cfg->log_level & 3]);
	fprintf(out, "%-24s %s\n", "log.format",
		cfg->log_format == WF_LOG_JSON ? "json" : "text");
	if (cfg->http.enabled)
		fprintf(out,
			"%-24s %s (/metrics, top %u flows; /health, /status, "
			"/paths, /flows)\n",
			"http.listen", cfg->http.listen, cfg->http.top_flows);
	else
		fprintf(out, "%-24s off\n", "http");
	fprintf(out, "%-24s %u keys\n", "policing.max_keys", cfg->max_keys);
	fprintf(out, "%-24s %s\n", "policing.ecn",
		cfg->ecn ? "mark CE at tc and XDP when a bucket runs low" :
			   "off");
	for (i = 0; i < cfg->n_rules; i++)
		print_rule(&cfg->rules[i], i, out);
	cfg_print_steering(cfg, out);
}

void cfg_print_steering(const struct wf_config *cfg, FILE *out)
{
	const struct wf_cfg_steering *st = &cfg->steer;
	const struct wf_cfg_probe *p = &st->probe;
	char a[INET6_ADDRSTRLEN];
	int i, j;

	if (!st->n_paths)
		return;
	fprintf(out,
		"%-24s every %llu ms, timeout %s%llu ms, window %u, "
		"down after %u lost, up after %u answered\n",
		"steering.probe",
		(unsigned long long)(p->interval_ns / 1000000),
		p->timeout_ns ? "" : "auto (2 RTT + 4 jitter) up to ",
		(unsigned long long)((p->timeout_ns ? p->timeout_ns :
						      1000000000ULL) /
				     1000000),
		p->window, p->down_after, p->up_after);
	fprintf(out,
		"%-24s %.2f*min(rtt/100ms,%g) + %.2f*loss + "
		"%.2f*min(jitter/10ms,%g); unusable at %.0f%% loss; switch when "
		"%.2fx better for %llu ms\n",
		"steering.score", p->w_rtt, p->rtt_cap, p->w_loss, p->w_jitter,
		p->jitter_cap, p->unusable_loss * 100, p->factor,
		(unsigned long long)(p->hold_ns / 1000000));
	if (p->silence_ns == WF_CFG_OFF)
		fprintf(out, "%-24s off\n", "steering.probe.silence");
	else if (p->silence_ns == WF_CFG_AUTO)
		fprintf(out, "%-24s auto (interval + timeout)\n",
			"steering.probe.silence");
	else
		fprintf(out, "%-24s %llu ms\n", "steering.probe.silence",
			(unsigned long long)(p->silence_ns / 1000000));
	for (i = 0; i < st->n_paths; i++) {
		const struct wf_cfg_path *pa = &st->paths[i];

		fprintf(out,
			"steering.paths[%d]       %s on %s, priority %u, "
			"weight %u, probes",
			i, pa->name, pa->device, pa->priority,
			wf_path_weight(pa));
		for (j = 0; j < pa->n_targets; j++) {
			inet_ntop(pa->targets[j].family == 4 ? AF_INET :
							       AF_INET6,
				  pa->targets[j].addr, a, sizeof(a));
			fprintf(out, " %s", a);
		}
		fputc('\n', out);
	}
	for (i = 0; i < st->n_routes; i++) {
		const struct wf_cfg_route *r = &st->routes[i];

		fprintf(out, "steering.routes[%d]      %s:", i,
			r->mode == WF_STEER_AGGREGATE ? "aggregate" :
			r->mode == WF_STEER_SPREAD    ? "spread" :
							"failover");
		for (j = 0; j < r->n_to; j++) {
			inet_ntop(r->to[j].family == 4 ? AF_INET : AF_INET6,
				  r->to[j].addr, a, sizeof(a));
			fprintf(out, " %s/%u", a, r->to[j].len);
		}
		fprintf(out, " via");
		for (j = 0; j < r->n_paths; j++)
			fprintf(out, " %s", st->paths[r->paths[j]].name);
		if (r->mode == WF_STEER_SPREAD && r->flowlet_ns == WF_CFG_OFF)
			fprintf(out, ", flowlet off");
		else if (r->mode == WF_STEER_SPREAD && r->flowlet_ns)
			fprintf(out, ", flowlet %llu ms",
				(unsigned long long)(r->flowlet_ns / 1000000));
		else if (r->mode == WF_STEER_SPREAD)
			fprintf(out, ", flowlet auto");
		if (r->n_dup)
			fprintf(out,
				"; %d duplicate selector(s): sent by the two "
				"best paths at once, second copies dropped "
				"within %llu ms",
				r->n_dup,
				(unsigned long long)(r->dup_window_ns /
						     1000000));
		fputc('\n', out);
	}
}
