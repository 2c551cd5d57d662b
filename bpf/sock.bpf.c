// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sock.bpf.c - wf_sock_create.
 *
 * Attach: cgroup/sock_create, by bpf_link, on the cgroup2 root, only when a
 * rule matches a process (pid: or process:). Runs in the creating task's
 * context, the one moment the socket's owner is known for certain.
 * Maps: wf_sk_owner (write: TGID, command name and executable of the
 * creator; the executable as (device, inode) read through CO-RE).
 * Verdict: always 1 (allow); it only records.
 */
#include "lib/compat.bpf.h"
#include "lib/maps.bpf.h"
#include <bpf/bpf_core_read.h>

SEC("cgroup/sock_create")
int wf_sock_create(struct bpf_sock *sk)
{
	struct wf_sk_owner *o;
	struct file *exe;

	o = bpf_sk_storage_get(&wf_sk_owner, sk, 0,
			       BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return 1;
	o->tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	exe = BPF_CORE_READ(bpf_get_current_task_btf(), mm, exe_file);
	if (exe) {
		o->exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
		o->exe_dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	}
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
