// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * netfilter.bpf.c - wf_nf_entry / wf_nf_hook.
 *
 * Attach: BPF netfilter links (kernel >= 6.4; with IP defrag, 6.6), IPv4
 * and IPv6, host-wide - no interface list: PRE_ROUTING for what arrives,
 * LOCAL_OUT for what this host sends and FORWARD for what it routes
 * through (README, "Where wirefisher hooks"), all at priority
 * WF_NF_PRIORITY (user/datapath/hooks.c). Opened with
 * BPF_F_NETFILTER_IP_DEFRAG, so a fragmented datagram arrives here whole
 * and a port rule sees its ports.
 * Each link runs wf_nf_entry, which tail-calls the running set's
 * wf_nf_hook through wf_nf_progs: a netfilter link cannot change its
 * program, a map entry can (a reload is one update).
 * Maps: wf_nf_progs; the policing maps (bpf/lib/police.bpf.h), wf_stats.
 * Does: only the rules placed at netfilter (WF_AT_NETFILTER:
 * wf_nf_rules); parse counters and flow accounting stay on tc, so
 * nothing is counted twice.
 * Verdict: WF_DROP -> NF_DROP (a local sender gets EPERM at once, as with
 * an nftables drop at output), else NF_ACCEPT. An empty wf_nf_progs
 * (never, once loaded) accepts.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include "lib/nf.bpf.h"
#include "lib/verdict.bpf.h"

SEC("netfilter")
int wf_nf_hook(struct bpf_nf_ctx *ctx)
{
	struct wf_pkt pkt = {};
	int parse = wf_nf_describe(ctx, &pkt);

	return wf_packet(&pkt, parse, WF_AT_NETFILTER, NULL) == WF_DROP ?
		       NF_DROP :
		       NF_ACCEPT;
}

SEC("netfilter")
int wf_nf_entry(struct bpf_nf_ctx *ctx)
{
	bpf_tail_call(ctx, &wf_nf_progs, 0);
	return NF_ACCEPT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
