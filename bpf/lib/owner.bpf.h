/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * owner.bpf.h - who owns a packet's socket, for rule matching: its cgroup
 * and ancestors, and the process that made it, as wf_sock_create recorded
 * it in wf_sk_owner.
 */
#ifndef WF_OWNER_BPF_H
#define WF_OWNER_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

/* sk: a full socket, or NULL. A socket with no record leaves pkt as it is. */
static __always_inline void owner_fill(struct bpf_sock *sk, struct wf_pkt *pkt)
{
	struct wf_sk_owner *o;

	if (!sk)
		return;
	o = bpf_sk_storage_get(&wf_sk_owner, sk, 0, 0);
	if (!o)
		return;
	pkt->pid = o->tgid;
	pkt->exe_ino = o->exe_ino;
	pkt->exe_dev = o->exe_dev;
	__builtin_memcpy(pkt->comm, o->comm, WF_COMM_LEN);
}

/* The cgroups and maker of the skb's socket (cgroup_skb hooks). */
static __always_inline void owner_of_skb(struct __sk_buff *skb,
					 struct wf_pkt *pkt)
{
	struct bpf_sock *sk;
	int i;

#pragma unroll
	for (i = 0; i < WF_CG_LEVELS; i++)
		pkt->cg[i] = bpf_skb_ancestor_cgroup_id(skb, i);
	sk = skb->sk;
	if (sk)
		owner_fill(bpf_sk_fullsock(sk), pkt);
}

#endif /* WF_OWNER_BPF_H */
