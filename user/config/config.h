/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * config.h - the YAML configuration as a plain C struct.
 *
 * This module knows libyaml and nothing of libbpf: the loader takes a
 * struct wf_config and never sees YAML. Every value is already in base units
 * (nanoseconds, bits per second, entries) when it leaves here.
 */
#ifndef WF_CONFIG_H
#define WF_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include "prefix.h"

#define WF_MAX_IFACES	   32
#define WF_IFACE_AUTO	   "auto"
#define WF_DEFAULT_PIN_DIR "/sys/fs/bpf/wirefisher"

enum wf_dirs {
	WF_DIRS_INGRESS = 1,
	WF_DIRS_EGRESS = 2,
	WF_DIRS_BOTH = 3,
};

enum wf_on_missing {
	WF_MISSING_FAIL, /* refuse to start */
	WF_MISSING_SKIP, /* warn once and go on without it */
};

/* Where in the file a value came from, for messages after parsing. */
struct wf_where {
	int line;
	int col;
};

struct wf_cfg_iface {
	char name[IF_NAMESIZE]; /* WF_IFACE_AUTO: the default route's */
	unsigned dirs;		/* enum wf_dirs */
	bool optional;		/* absent at start-up: warn, not fail */
	bool steer;		/* a steering path's device */
	struct wf_where where;
};

#define WF_CFG_MAX_RULES 64 /* = WF_MAX_RULES, the datapath's match set */
#define WF_RULE_NAME_MAX 31

enum wf_per {
	WF_CFG_PER_RULE, /* order matches WF_PER_* in the ABI */
	WF_CFG_PER_SRC_IP,
	WF_CFG_PER_DST_IP,
	WF_CFG_PER_FLOW,
};

/*
 * Where a rule is enforced (rules[].at, policing.at). One point per rule:
 * a packet meets each rule at one hook only. AUTO is netfilter where the
 * kernel has BPF netfilter links with IP defrag (>= 6.6), tc otherwise
 * (policy_place()). Rules on a cgroup or process are always enforced at
 * the socket hooks (cgroup_skb), whatever this says.
 */
enum wf_at_cfg {
	WF_ATC_UNSET = -1, /* not given: policing.at */
	WF_ATC_AUTO,	   /* order matches the words in rules.c */
	WF_ATC_TC,
	WF_ATC_NETFILTER,
	WF_ATC_XDP,
};

struct wf_cfg_rule {
	char name[WF_RULE_NAME_MAX + 1];
	struct wf_prefix src, dst;
	int proto; /* -1: any */
	bool has_sport, has_dport;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	char iface[IF_NAMESIZE]; /* "": any configured interface */
	char cgroup[256];   /* "": any; else a path below the cgroup2 mount */
	char unit[128];	    /* or a systemd unit's cgroup ... */
	char container[80]; /* ... or a container's (id or prefix) */
	char container_name[80]; /* ... or a docker container's name */
	uint32_t pid;	  /* 0: any; else a process (TGID) and its threads */
	char process[16]; /* "": any; else a command name (comm) */
	char exe[256];	  /* "": any; else an executable's absolute path */
	char group[WF_RULE_NAME_MAX + 1]; /* "": own bucket; else shared */
	int bucket;	   /* the bucket: own index, or the group's first */
	unsigned dirs;	   /* enum wf_dirs */
	uint64_t rate_bps; /* bits per second */
	uint64_t burst_bytes;
	bool burst_default; /* not given: 1/4 s of the rate, >= 64 KiB */
	enum wf_per per;
	char cc[16]; /* tcp_congestion: "" or an algorithm name */
	int at;	     /* enum wf_at_cfg, never UNSET once parsed */
	struct wf_where where;
	/* The value of match.cgroup/unit/container/pid/exe, the key the host
	 * may refuse. */
	struct wf_where owner_where;
};

/* ---- steering ---- */

#define WF_CFG_MAX_PATHS   16 /* = WF_MAX_PATHS */
#define WF_CFG_MAX_ROUTES  64 /* = WF_MAX_ROUTES */
#define WF_CFG_ROUTE_PATHS 8  /* = WF_ROUTE_PATHS */
#define WF_CFG_ROUTE_TO	   8  /* prefixes of one route */
#define WF_CFG_MAX_TARGETS 4  /* probe targets of one path */

enum wf_steer_mode {
	WF_STEER_FAILOVER, /* order matches WF_MODE_* in the ABI */
	WF_STEER_SPREAD,
	WF_STEER_AGGREGATE,
};

struct wf_cfg_path {
	char name[WF_RULE_NAME_MAX + 1];
	char device[IF_NAMESIZE];
	struct wf_prefix targets[WF_CFG_MAX_TARGETS]; /* full-length */
	int n_targets;
	uint32_t priority;     /* failover tiers: lower is preferred */
	uint32_t weight;       /* spread share; 0: see wf_path_weight() */
	uint64_t capacity_bps; /* 0: not declared */
	struct wf_where where;
};

#define WF_CFG_DUP_SELS 4 /* = WF_DUP_SELS */

/* A duplicate: selector - what a route sends by its two best paths. */
struct wf_cfg_dup {
	struct wf_prefix src, dst; /* family 0: any */
	int proto;		   /* -1: any */
	bool has_sport, has_dport;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	struct wf_where where;
};

struct wf_cfg_route {
	struct wf_prefix to[WF_CFG_ROUTE_TO];
	int n_to;
	int paths[WF_CFG_ROUTE_PATHS]; /* indices into steering.paths */
	int n_paths;
	enum wf_steer_mode mode;
	struct wf_cfg_dup dup[WF_CFG_DUP_SELS]; /* duplicate: */
	int n_dup;
	/* duplicate_window: a copy arriving later than this after the
	 * content's last arrival passes as new */
	uint64_t dup_window_ns;
	/* spread: a flow idle this long may move to a less loaded path;
	 * WF_CFG_AUTO: the paths' delay spread + margin, WF_CFG_OFF: never */
	uint64_t flowlet_ns;
	struct wf_where where;
};

/* duplicate_window's default (= WF_DUP_WINDOW_MS of the datapath) */
#define WF_CFG_DUP_WINDOW_NS 1000000000ULL

/* Durations that may also be `auto` or `off`. */
#define WF_CFG_AUTO 0
#define WF_CFG_OFF  UINT64_MAX

/* Probing and scoring; defaults from the smart-routing design. */
struct wf_cfg_probe {
	uint64_t interval_ns;
	uint64_t timeout_ns; /* 0: auto, 2 RTT + 4 jitter in [25 ms, 1 s] */
	uint32_t window;     /* probes the loss is measured over */
	double rtt_gain;     /* EWMA factors: new = old + gain (sample - old) */
	double jitter_gain;
	uint32_t mark; /* SO_MARK of probes; never steered */
	/* score = w_rtt min(rtt/rtt_ref, rtt_cap) + w_loss loss
	 *         + w_jitter min(jitter/jitter_ref, jitter_cap) */
	double w_rtt, w_loss, w_jitter;
	uint64_t rtt_ref_ns, jitter_ref_ns;
	double rtt_cap, jitter_cap;
	double unusable_loss; /* loss at or above this: not usable */
	double factor;	      /* switch only to a path this much better ... */
	uint64_t hold_ns;     /* ... for this long */
	uint32_t down_after;  /* k lost probes in a row: down */
	uint32_t up_after;    /* m answered probes in a row: up again */
	/* A path that sent but heard nothing this long is suspected (a probe
	 * burst decides); WF_CFG_AUTO: interval + timeout, WF_CFG_OFF. */
	uint64_t silence_ns;
};

struct wf_cfg_steering {
	struct wf_cfg_path paths[WF_CFG_MAX_PATHS];
	int n_paths;
	struct wf_cfg_route routes[WF_CFG_MAX_ROUTES];
	int n_routes;
	struct wf_cfg_probe probe;
	uint32_t max_flows;	  /* sticky flow table */
	char on_change[PATH_MAX]; /* hook command, or "" */
	struct wf_where where;
};

/* The HTTP endpoint: /metrics (Prometheus) and the JSON API. */
struct wf_cfg_http {
	bool enabled;
	int family;	  /* 4 or 6 */
	uint8_t addr[16]; /* network byte order */
	uint16_t port;
	char listen[64];    /* as written, for messages */
	uint32_t top_flows; /* flows /metrics exports, by rate */
	bool allow_remote;  /* a non-loopback listen was meant */
	struct wf_where where;
};

#define WF_HTTP_DEFAULT "127.0.0.1:9475"

enum wf_log_format { WF_LOG_TEXT, WF_LOG_JSON };

struct wf_config {
	char path[PATH_MAX];
	char pin_dir[PATH_MAX];
	enum wf_on_missing missing_hook;
	bool persist; /* hooks and maps outlive the daemon */
	struct wf_cfg_iface ifaces[WF_MAX_IFACES];
	int n_ifaces;
	uint64_t window_ns;
	uint32_t max_flows;
	struct wf_cfg_rule rules[WF_CFG_MAX_RULES];
	int n_rules;
	uint32_t max_keys; /* per-key buckets (policing.max_keys) */
	int police_at;	   /* policing.at: rules[].at when not given */
	bool ecn; /* policing.ecn: mark CE (tc, XDP) when a bucket is low */
	int log_level;	/* enum log_level */
	int log_format; /* enum wf_log_format */
	struct wf_cfg_http http;
	struct wf_cfg_steering steer;
};

/*
 * Read and validate `path`. Every problem is printed to `err` as
 * FILE:LINE:COL: key.path: message. Returns the number of problems (0: cfg
 * is complete and valid).
 */
int config_load(const char *path, struct wf_config *cfg, FILE *err);

/* The same, from a buffer; `name` stands for the file in messages. */
int config_parse(const char *name, const char *text, size_t len,
		 struct wf_config *cfg, FILE *err);

/* Print how every value was understood (for `wirefisher check`). */
void config_print(const struct wf_config *cfg, FILE *out);

/*
 * Warn about rules that can never limit anything: every packet they match
 * also matches another rule whose limit is as strict. Returns the count.
 */
int config_warn_shadowed(const struct wf_config *cfg, FILE *out);

/*
 * Every warning about cfg: shadowed rules, and bursts below one TSO/GRO
 * packet on rules TCP can meet. Returns the count.
 */
int config_warn(const struct wf_config *cfg, FILE *out);

/*
 * Log FILE:LINE:COL: and the message, for what is found wrong after
 * parsing (by the checks against the running host).
 */
void __attribute__((format(printf, 3, 4)))
config_error_at(const struct wf_config *cfg, struct wf_where w, const char *fmt,
		...);
void __attribute__((format(printf, 3, 4)))
config_warn_at(const struct wf_config *cfg, struct wf_where w, const char *fmt,
	       ...);

/* Does the rule match on a cgroup (by path, unit or container)? */
static inline bool wf_rule_has_cgroup(const struct wf_cfg_rule *r)
{
	return r->cgroup[0] || r->unit[0] || r->container[0] ||
	       r->container_name[0];
}

/* Does the rule match on the process that made the socket? */
static inline bool wf_rule_has_process(const struct wf_cfg_rule *r)
{
	return r->pid || r->process[0] || r->exe[0];
}

/*
 * Rules on cgroups and processes need the packet's socket: the cgroup_skb
 * hooks enforce them, the tc hooks all others.
 */
static inline bool wf_rule_at_socket(const struct wf_cfg_rule *r)
{
	return wf_rule_has_cgroup(r) || wf_rule_has_process(r);
}

/*
 * Can every rule be enforced without an interface list? Rules placed at
 * netfilter (or auto) that name no interface: then `interfaces` may be
 * left out (host-wide policing, nothing accounted to flows).
 */
static inline bool wf_rules_host_wide(const struct wf_config *cfg)
{
	if (!cfg->n_rules)
		return false;
	for (int i = 0; i < cfg->n_rules; i++) {
		const struct wf_cfg_rule *r = &cfg->rules[i];

		if (r->iface[0] || r->at == WF_ATC_TC || r->at == WF_ATC_XDP)
			return false;
	}
	return true;
}

/* A path's spread share: its weight, else its capacity in kbit/s, else 1. */
static inline uint32_t wf_path_weight(const struct wf_cfg_path *p)
{
	if (p->weight)
		return p->weight;
	if (p->capacity_bps >= 2000)
		return p->capacity_bps / 1000 > UINT32_MAX ?
			       UINT32_MAX :
			       (uint32_t)(p->capacity_bps / 1000);
	return 1;
}

#endif /* WF_CONFIG_H */
