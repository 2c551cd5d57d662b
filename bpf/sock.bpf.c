// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sock.bpf.c - wf_sock_create.
 *
 * Attach: cgroup/sock_create, by bpf_link, on the cgroup2 root, only when a
 * rule matches a process (pid: or process:). Runs in the creating task's
 * context, the one moment the socket's owner is known for certain.
 * Maps: wf_sk_owner (write: TGID and command name of the creator).
 * Verdict: always 1 (allow); it only records.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"

SEC("cgroup/sock_create")
int wf_sock_create(struct bpf_sock *sk)
{
	struct wf_sk_owner *o;

	o = bpf_sk_storage_get(&wf_sk_owner, sk, 0,
			       BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return 1;
	o->tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
