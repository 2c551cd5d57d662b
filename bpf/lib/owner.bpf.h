/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * owner.bpf.h - the process that made a socket, as wf_sock_create recorded
 * it in wf_sk_owner, copied into the packet description for rule matching.
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

#endif /* WF_OWNER_BPF_H */
