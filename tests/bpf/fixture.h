/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* fixture.h - what every BPF_PROG_TEST_RUN fixture test needs. */
#ifndef WF_FIXTURE_H
#define WF_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/wf_shared.h"
#include "config.h"
#include "loader.h"
#include "pkt.h"
#include "preflight.h"
#include "skel_lo.h"
#include "stats.h"
#include "t.h"

#define SEC 1000000000ULL

extern const struct t_case tc_cases[];
extern const struct t_case police_cases[];
extern const struct t_case steer_cases[];
extern const struct t_case cgroup_cases[];
extern const struct t_case hooks_cases[];
extern const struct t_case bypass_cases[];
extern const struct t_case nf_cases[];
extern const struct t_case agg_cases[];
extern const struct t_case dedup_cases[];

/* Move this process into cgroup dir (a path); 0 or -1 with errno. */
static inline int cg_join(const char *dir)
{
	char path[PATH_MAX + 16], pid[16];
	int fd, n, ok;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >=
	    (int)sizeof(path))
		return -1;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, pid, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -1;
}

/* Run prog on p with context ctx; the verdict, or -errno. */
static inline int run_ctx(struct bpf_program *prog, const struct pkt *p,
			  struct __sk_buff *ctx, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .ctx_in = ctx,
		    .ctx_size_in = sizeof(*ctx), .repeat = repeat);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	return err ? err : (int)opts.retval;
}

/* Run prog on p; the verdict, or -errno. */
static inline int run_prog(struct bpf_program *prog, const struct pkt *p,
			   __u32 gso_segs, int repeat)
{
	struct __sk_buff ctx = { .gso_segs = gso_segs };

	return run_ctx(prog, p, &ctx, repeat);
}

/* Run the tc ingress (or egress) program on p; the verdict, or -errno. */
static inline int run(struct wirefisher_bpf *skel, int egress,
		      const struct pkt *p, __u32 gso_segs, int repeat)
{
	return run_prog(egress ? skel->progs.wf_tc_egress :
				 skel->progs.wf_tc_ingress,
			p, gso_segs, repeat);
}

/*
 * Run the tc ingress (or egress) program on p as at device ifindex (0: lo;
 * it must exist, see netns_veth); the verdict, or -errno.
 */
static inline int run_at(struct wirefisher_bpf *skel, int egress, __u32 ifindex,
			 const struct pkt *p)
{
	struct __sk_buff ctx = { .ifindex = ifindex };

	return run_ctx(egress ? skel->progs.wf_tc_egress :
				skel->progs.wf_tc_ingress,
		       p, &ctx, 1);
}

/*
 * Move this process into a network namespace of its own with lo and a veth
 * pair wfd1-wfd2 up, their ifindexes in ifx[0..2]: test_run takes a
 * packet's device from the context's ifindex, which must exist, so cases
 * telling devices apart run in a child (in_child). 0, or -1.
 */
static inline int netns_veth(__u32 ifx[3])
{
	if (unshare(CLONE_NEWNET) ||
	    system("ip link set lo up && ip link add wfd1 type veth peer name "
		   "wfd2 && ip link set wfd1 up && ip link set wfd2 up"))
		return -1;
	ifx[0] = LO_IFINDEX;
	ifx[1] = if_nametoindex("wfd1");
	ifx[2] = if_nametoindex("wfd2");
	return ifx[1] && ifx[2] ? 0 : -1;
}

/*
 * Pin this process to the CPU it is on (the per-CPU note of a move must
 * be read where it was written) and move it into netns_veth's namespace.
 * 0, or -1 (a failed check).
 */
static inline int one_cpu_veth(__u32 ifx[3])
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) || netns_veth(ifx)) {
		CHECK(0, "cannot set up: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Publish wfd1 and wfd2 (ifx[1], ifx[2]) as steering path devices. */
static inline void publish_veth_paths(struct wirefisher_bpf *skel,
				      const __u32 ifx[3])
{
	for (int i = 1; i < 3; i++) {
		struct wf_iface v = { .l2_len = 14, .flags = WF_IFACE_STEER };

		snprintf(v.name, sizeof(v.name), "wfd%d", i);
		CHECK(!iface_publish(skel, ifx[i], &v), "publish wfd%d", i);
	}
}

/*
 * Run fn(arg) in a child process; its failed checks (its own count) are its
 * exit status, and a failed one here. fn may leave its namespace behind:
 * the child's exit takes it away.
 */
static inline void in_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		t_failed_checks = 0; /* the parent's count is its own */
		fn(arg);
		_exit(t_failed_checks > 99 ? 99 : t_failed_checks);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "child: %d failed checks", WEXITSTATUS(status));
}

static inline void counters(struct wirefisher_bpf *skel,
			    struct wf_counters *sum)
{
	stats_read_counters(bpf_map__fd(skel->maps.wf_stats), sum);
}

/*
 * Load with policing on and the rules of `yaml` (interfaces: [lo] added),
 * through the real config parser and loader_write_policy(). As the loader
 * does, the rules on a cgroup or process go to the cgroup_skb hooks and
 * those with tcp_congestion to wf_sockops.
 */
static inline struct wirefisher_bpf *
load_rules(const char *yaml, int test_clock, struct wf_config *cfg)
{
	static struct wf_host host;
	struct wirefisher_bpf *skel;
	char text[4096];
	int n;

	snprintf(text, sizeof(text), "interfaces: [lo]\n%s", yaml);
	n = config_parse("rules.yaml", text, strlen(text), cfg, stderr);
	CHECK(n == 0, "the test's YAML has %d errors", n);
	if (n)
		return NULL;
	cfg->max_flows = 1024;
	skel = skel_finish_lo(skel_open_cfg(cfg, test_clock));
	CHECK(skel, "load: %s", strerror(errno));
	preflight_refresh(cfg, &host);
	if (skel && loader_write_policy(skel, cfg, &host)) {
		CHECK(0, "loader_write_policy failed");
		wirefisher_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static inline void rule_counters(struct wirefisher_bpf *skel, __u32 id,
				 struct wf_rule_counters *sum)
{
	stats_read_rule_counters(bpf_map__fd(skel->maps.wf_rule_stats), id,
				 sum);
}

/* CLOCK_MONOTONIC_COARSE, the tick clock tc and XDP read. */
static inline __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * SEC + (__u64)ts.tv_nsec;
}

/*
 * The time rule id's bucket was charged at, from one packet of len bytes
 * into a full bucket (tat 0, set here when reset): its theoretical arrival
 * time becomes now + the packet's cost.
 */
static inline __u64 charged_at(struct wirefisher_bpf *skel, __u32 id, __u64 len,
			       int reset)
{
	struct wf_bucket b = { 0 };
	struct wf_rule r;

	if (bpf_map__lookup_elem(skel->maps.wf_rules, &id, sizeof(id), &r,
				 sizeof(r), 0))
		return 0;
	if (reset)
		return (__u64)bpf_map__update_elem(skel->maps.wf_rule_buckets,
						   &r.bucket, sizeof(r.bucket),
						   &b, sizeof(b), 0);
	if (bpf_map__lookup_elem(skel->maps.wf_rule_buckets, &r.bucket,
				 sizeof(r.bucket), &b, sizeof(b), 0))
		return 0;
	return b.tat_ns - wf_tb_cost(len, r.ns_per_byte);
}

#endif /* WF_FIXTURE_H */
