/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * skel_lo.h - load the skeleton for BPF_PROG_TEST_RUN, the way tests and
 * benches need it: test_run puts every skb on the loopback device
 * (ifindex 1), so publish that as an attached Ethernet-like interface.
 */
#ifndef WF_SKEL_LO_H
#define WF_SKEL_LO_H

#include <bpf/libbpf.h>

#include "../../bpf/wf_shared.h"
#include "config.h"
#include "loader.h"
#include "wirefisher.skel.h"

#define LO_IFINDEX 1

/*
 * Open the skeleton with the real loader's options for cfg (rules, sizes,
 * steering), then what only a test wants: the mock clock, and every
 * program loaded, since fixtures run each one whatever the config hooks.
 */
static inline struct wirefisher_bpf *skel_open_cfg(const struct wf_config *cfg,
						   int test_clock)
{
	struct wirefisher_bpf *skel = wirefisher_bpf__open();
	struct bpf_program *prog;

	if (!skel)
		return NULL;
	loader_options(skel, cfg);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, true);
	/* Except what this kernel cannot load (netfilter: 6.4+). */
	if (!loader_nf_supported()) {
		bpf_program__set_autoload(skel->progs.wf_nf_hook, false);
		bpf_program__set_autoload(skel->progs.wf_nf_entry, false);
	}
	skel->rodata->wf_test_clock = (__u32)test_clock;
	return skel;
}

/*
 * The same for a config of lo alone with a max_flows flow table; police
 * and steer_mark switch the policing and steering paths on without rules
 * or routes (the test writes its own). steer_mark: 0, or steering on (lo a
 * path device) with that probe mark.
 */
static inline struct wirefisher_bpf *
skel_open_lo(unsigned max_flows, int test_clock, int police, __u32 steer_mark)
{
	static const char lo_yaml[] = "interfaces: [lo]\n";
	static struct wf_config cfg;
	struct wirefisher_bpf *skel;

	if (config_parse("lo.yaml", lo_yaml, sizeof(lo_yaml) - 1, &cfg, stderr))
		return NULL;
	cfg.max_flows = max_flows;
	skel = skel_open_cfg(&cfg, test_clock);
	if (!skel)
		return NULL;
	skel->rodata->wf_police = (__u32)police;
	skel->rodata->wf_steer = steer_mark != 0;
	skel->rodata->wf_probe_mark = steer_mark;
	return skel;
}

/* Load an opened skeleton and publish lo; NULL (destroyed) on failure. */
static inline struct wirefisher_bpf *skel_finish_lo(struct wirefisher_bpf *skel)
{
	__u32 idx = LO_IFINDEX;
	struct wf_iface lo = { .l2_len = 14, .name = "lo" };

	if (!skel)
		return NULL;
	lo.flags = skel->rodata->wf_steer ? WF_IFACE_STEER : 0;
	if (wirefisher_bpf__load(skel) || iface_publish(skel, idx, &lo)) {
		wirefisher_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static inline struct wirefisher_bpf *
skel_load_lo(unsigned max_flows, int test_clock, int police, __u32 steer_mark)
{
	return skel_finish_lo(
		skel_open_lo(max_flows, test_clock, police, steer_mark));
}

#endif /* WF_SKEL_LO_H */
