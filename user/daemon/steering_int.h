/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * steering_int.h - the steering loop's state, shared by its files only:
 * steering.c (open, reload carry-over, the loop), probe.c (probe rounds and
 * what they say of each path), publish.c (route decisions, the datapath's
 * route and path maps, the once-a-second measurements).
 */
#ifndef WF_STEERING_INT_H
#define WF_STEERING_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../../bpf/wf_shared.h"
#include "netif.h"
#include "prober.h"
#include "steer.h"
#include "steering.h"

#define SECOND	     1000000000ULL
#define FLOW_IDLE_NS (10 * SECOND) /* a flow counts on its path this long */
/* A WireGuard session's keys expire after 180 s (REJECT_AFTER_TIME). */
#define HANDSHAKE_STALE_S 180

/* Round results handled per call; more wait for the next wake-up. */
#define PROBE_BATCH 64
/* wireguard-go answers its UAPI in well under a millisecond; one that has
 * not in this long is stopped or stuck, and the query is dropped. */
#define WG_QUERY_NS (SECOND / 2)

/*
 * Flows per syscall (~1.3 ms for 1024 here), and the time one wake-up
 * gives a pass, which then waits as long before its next slice: the
 * prober, the link watch and signals are never kept waiting longer.
 */
#define FLOW_BATCH   1024
#define FLOW_WALK_NS (5 * 1000000ULL)

/* A pass over wf_steer_flows in progress (publish.c flows_step). */
struct flow_walk {
	bool active, started; /* started: token is valid */
	bool forget;	      /* deleting every flow, not counting */
	__u32 token;	      /* hash maps resume at a bucket: a u32 */
	uint64_t now;	      /* CLOCK_MONOTONIC_COARSE at the start */
	uint64_t counts[WF_CFG_MAX_PATHS], assigned[WF_CFG_MAX_PATHS];
	uint64_t left[WF_CFG_MAX_PATHS]; /* wf_path_left at the start */
	struct wf_flow_key keys[FLOW_BATCH];
	struct wf_steer_flow vals[FLOW_BATCH];
};

/* What aggregate.c keeps of each path between rounds. */
struct agg_state {
	uint64_t min_ns[WF_CFG_MAX_PATHS]; /* lowest RTT in the window ... */
	uint64_t min_at[WF_CFG_MAX_PATHS]; /* ... seen then */
	uint64_t rounds[WF_CFG_MAX_PATHS]; /* the round last sampled */
	struct wf_agg_path written[WF_CFG_MAX_PATHS];
	bool have[WF_CFG_MAX_PATHS];
	bool gso_checked[WF_CFG_MAX_PATHS]; /* gso_check read the device */
};

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
	struct wg_query wg[WF_CFG_MAX_PATHS]; /* handshake age in flight */
	bool wg_silent[WF_CFG_MAX_PATHS];     /* warned: UAPI did not answer */
	struct steer_route routes[WF_CFG_MAX_ROUTES];
	struct wf_route written[WF_CFG_MAX_ROUTES];
	uint32_t ctl_seq[WF_CFG_MAX_ROUTES];
	bool unanchored[WF_CFG_MAX_ROUTES]; /* warned: no kernel route */
	uint32_t gen;
	bool renumbered; /* forget sticky flows on the first run */
	uint64_t next_second, last_second;
	uint64_t settle_ns; /* first decisions wait for every first answer */
	struct flow_walk walk;
	struct agg_state agg;
	struct wf_dup dup_written[WF_CFG_MAX_ROUTES]; /* duplicate.c */
	bool dup_have[WF_CFG_MAX_ROUTES];
	/* detect.c: silence and bursts, flowlet gaps */
	int seen_ifindex[WF_CFG_MAX_PATHS]; /* its wf_path_seen entry */
	bool seen_made[WF_CFG_MAX_PATHS];
	uint64_t quiet_ns[WF_CFG_MAX_PATHS];   /* heard nothing this long */
	uint64_t silence_at[WF_CFG_MAX_PATHS]; /* its limit runs out; 0 */
	int burst_left[WF_CFG_MAX_PATHS];      /* burst rounds to send ... */
	uint64_t burst_next[WF_CFG_MAX_PATHS]; /* ... the next one then */
	uint64_t suspect_rx_ago[WF_CFG_MAX_PATHS]; /* silence when suspected */
	uint64_t heard_from; /* a take-over: earlier silence is no path's */
	uint64_t moves[WF_CFG_MAX_PATHS]; /* wf_path_left */
	uint64_t flowlet_gap[WF_CFG_MAX_ROUTES];
	bool flowlet_made[WF_CFG_MAX_ROUTES];
	int fd_path[STEERING_FDS]; /* steering_fds: pfd -> path ... */
	bool fd_wg[STEERING_FDS];  /* ... and a UAPI query, not a probe */
};

/* steering.c */
uint64_t unix_ns(void);
const char *route_str(const struct wf_cfg_route *rc, char *buf, size_t n);

/* aggregate.c */
void agg_publish(struct steering *s, uint64_t now);

/* duplicate.c */
void dup_publish(struct steering *s, int r);

/* probe.c */
void open_probe(struct steering *s, int i);
void feed(struct steering *s, int i, const struct round_result *res, int n,
	  uint64_t now);
void follow_device(struct steering *s, int i, uint64_t now);
void probe_paths(struct steering *s, uint64_t now);

/* publish.c */
void apply_ctl(struct steering *s, int r);
void decide(struct steering *s, int r, uint64_t now);
/* The datapath's WF_MODE_* of a configured route. */
__u8 wf_route_mode(const struct wf_cfg_route *rc);
void publish_route(struct steering *s, int r);
void measure_paths(struct steering *s, uint64_t now);
void flows_step(struct steering *s);
void flows_forget(struct steering *s);
void wg_answer(struct steering *s, int i);
void publish_status(struct steering *s);

/* detect.c */
void seen_follow(struct steering *s, int i);
void seen_resume(struct steering *s);
void silence_check(struct steering *s, uint64_t now);
void burst_send(struct steering *s, uint64_t now);
uint64_t silence_next_ns(const struct steering *s);
void publish_flowlet(struct steering *s, int r);

#endif /* WF_STEERING_INT_H */
