#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# PID 1 inside the lab's VM, after switch_root onto the host's / (read-only,
# with a tmpfs overlay). Sets up what a Debian 12 machine would have, runs
# tests/run.sh with the layers the host asked for, and powers off whatever
# happens. Environment from the host's job script: WF_VM_REPO, WF_VM_LAYERS,
# OUT, WF_TIME_SCALE.
set -u

# A return from PID 1 would panic the kernel; sysrq o powers off at once.
trap 'echo "wf-vm: exit $rc"; sync; echo o > /proc/sysrq-trigger; sleep 30' EXIT
rc=1

# cgroup2 as the only hierarchy (the host has a hybrid layout), bpffs, and
# fresh tmpfs on /run and /tmp so that the host's files there (netns
# handles, wireguard sockets, other runs' temp dirs) are not seen.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t bpf bpf /sys/fs/bpf
# A repository under /tmp or /run (a CI clone may be) stays visible at its
# own path through the fresh tmpfs: bound aside, then back.
keep=
case $WF_VM_REPO in
/tmp/* | /run/*)
	keep=$WF_VM_REPO
	mkdir -p /mnt/wf-repo && mount --bind "$keep" /mnt/wf-repo
	;;
esac
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
if [ -n "$keep" ]; then
	mkdir -p "$keep" && mount --bind /mnt/wf-repo "$keep"
fi
# devtmpfs has no /dev/fd (udev makes it): bash's <(...) needs it.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs shm /dev/shm
# What udev makes on a booted system and devtmpfs does not: bash's process
# substitution needs /dev/fd (wg-quick runs `wg setconf IF <(...)`).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for i in 0:stdin 1:stdout 2:stderr; do
	[ -e "/dev/${i#*:}" ] || ln -s "/proc/self/fd/${i%%:*}" "/dev/${i#*:}"
done
ip link set lo up

# What the host lacks: the tests probe for netem, fq and kernel WireGuard.
for m in tun veth wireguard sch_netem sch_fq; do
	modprobe "$m" || echo "wf-vm: modprobe $m failed"
done

cd "$WF_VM_REPO" || exit
# All of each runner's output on the console, not only results: there is
# no other copy once the VM is off.
export WF_SHOW=
echo "wf-vm: kernel $(uname -r), $(nproc) CPUs, layers: $WF_VM_LAYERS"
# shellcheck disable=SC2086
tests/run.sh $WF_VM_LAYERS
rc=$?
