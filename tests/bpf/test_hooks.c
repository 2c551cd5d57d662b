// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_hooks.c - the hand-over of a hook between two program sets, and its
 * undo, at the capabilities of the shipped systemd unit (CAP_BPF,
 * CAP_NET_ADMIN, CAP_NET_RAW, CAP_PERFMON; no CAP_SYS_ADMIN, which finding
 * a program by id needs). In a child in a network namespace of its own,
 * on its lo, so nothing of the host is touched.
 */
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "fixture.h"
#include "hooks.h"

#define CAP_PERFMON_NR 38
#define CAP_BPF_NR     39

/* The unit's capabilities: effective and permitted, nothing else. */
static int drop_to_unit_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	const int caps[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_PERFMON_NR,
			     CAP_BPF_NR };

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		d[caps[i] / 32].effective |= 1u << (caps[i] % 32);
		d[caps[i] / 32].permitted |= 1u << (caps[i] % 32);
	}
	return (int)syscall(SYS_capset, &h, d);
}

static __u32 link_prog_id(int link_fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(link_fd, &info, &len) ? 0 : info.prog_id;
}

static __u32 prog_id(int prog_fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

/* The child's checks; its exit status is the number of failures. */
static int hand_over_and_back(void)
{
	struct wirefisher_bpf *a = skel_load_lo(1024, 0, 0, 0);
	struct wirefisher_bpf *b = skel_load_lo(1024, 0, 0, 0);
	int pa, pb, fails = 0;
	bool no_tcx = false;
	struct hook h;

	if (!a || !b || drop_to_unit_caps())
		return 100;
	pa = bpf_program__fd(a->progs.wf_tc_egress);
	pb = bpf_program__fd(b->progs.wf_tc_egress);
	hook_init(&h);
	if (hook_tc_attach(&h, pa, LO_IFINDEX, HOOK_EGRESS, &no_tcx))
		return 101;
	fails += hook_update(&h, pb) != 0;
	fails += h.fd >= 0 && link_prog_id(h.fd) != prog_id(pb);
	fails += hook_undo(&h) != 0;
	/* With the old program found by id, the undo did nothing here. */
	fails += h.fd >= 0 && link_prog_id(h.fd) != prog_id(pa);
	fails += h.prog != pa;
	hook_release(&h, NULL, false);
	wirefisher_bpf__destroy(b);
	wirefisher_bpf__destroy(a);
	return fails;
}

static void test_undo_least_privilege(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWNET) || system("ip link set lo up") != 0)
			_exit(102);
		_exit(hand_over_and_back());
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "hand-over and undo at the unit's capabilities: status %d "
	      "(100+: setup; else the number of failed checks)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/*
 * Every program with every path the loader can switch on - policing with
 * ECN (rule 0 at tc, 1 at the socket with tcp_congestion, 2 at netfilter,
 * 3 at XDP), steering with duplicates - is verified in at most a tenth
 * of the verifier's 1M instructions, on whatever kernel this runs (the
 * lab runs it on 6.1 and 6.12). With the parse inlined the verifier
 * walked everything after it once per way the parse can end: tc egress
 * took 112 789 here on 6.18 and, with steering alone, 980 812 on 6.1 - a
 * step from "Argument list too long" - and a daemon's start there under
 * TCG 13-22 s. Now 27 764 here. The figures are printed.
 */
#define VERIFIER_BUDGET 100000

static void test_verifier_budget(void)
{
	struct wirefisher_bpf *skel = skel_open_lo(1024, 0, 1, 0x7766);
	struct bpf_program *prog;

	if (skel) {
		skel->rodata->wf_ecn = 1;
		skel->rodata->wf_dup_on = 1;
		skel->rodata->wf_cg_rules = 1ULL << 1;
		skel->rodata->wf_cc_rules = 1ULL << 1;
		skel->rodata->wf_nf_rules = 1ULL << 2;
		skel->rodata->wf_xdp_rules = 1ULL << 3;
	}
	skel = skel_finish_lo(skel);
	CHECK(skel, "load with every path on: %s", strerror(errno));
	if (!skel)
		return;
	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue; /* not on this kernel (netfilter: 6.4+) */
		CHECK(!bpf_obj_get_info_by_fd(fd, &info, &len), "info of %s",
		      bpf_program__name(prog));
		printf("  %s: %u instructions verified\n",
		       bpf_program__name(prog), info.verified_insns);
		CHECK(info.verified_insns <= VERIFIER_BUDGET,
		      "%s: %u instructions verified, budget %u",
		      bpf_program__name(prog), info.verified_insns,
		      VERIFIER_BUDGET);
	}
	wirefisher_bpf__destroy(skel);
}

const struct t_case hooks_cases[] = {
	{ "hook_undo_least_privilege", test_undo_least_privilege },
	{ "verifier_budget", test_verifier_budget },
	{ 0 }
};
