#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The kernel lab: boot another kernel under qemu and run test layers there.
#
#   tests/vm/run.sh KERNEL LAYER...
#
# KERNEL is a version under /lib/modules (6.1.0-50-amd64), a prefix of one
# (6.1, 6.12), or a bzImage path (its modules, if any, from /lib/modules).
# LAYER is anything tests/run.sh takes: bpf, e2e, e2e/udp_exact, vm/smoke.
#
# The VM (TCG: there is no KVM here) sees this machine's / read-only over
# virtio-9p with a tmpfs overlay, so it runs the binaries already in build/:
# it builds nothing. Its console comes back here; PASS/FAIL lines get the
# kernel in front (PASS vm-6.1/bpf/police_stacked). Exit 0 only when the
# guest ran to its end with no FAIL line. No network: -nic none; the tests
# make their own namespaces inside the VM.
#
# Environment: OUT (build), WF_VM_TIMEOUT (seconds, default from the
# layers), WF_VM_LOG (a file to append the console
# to, each line with the seconds since boot), WF_VM_MEM (3072 MiB).
set -u
cd "$(dirname "$0")/../.."
REPO=$(pwd)
OUT=${OUT:-build}

if [ $# -lt 2 ]; then
	echo "usage: tests/vm/run.sh KERNEL LAYER..." >&2
	exit 2
fi
kernel=$1
shift
layers=$*

# The kernel image and the version whose modules go with it.
if [ -f "$kernel" ]; then
	img=$kernel
	# bzImage header: at 0x20e the offset (minus 0x200) of the version
	# string (Documentation/arch/x86/boot.rst, kernel_version).
	off=$(od -An -tu2 -j 526 -N2 "$img" | tr -d ' ')
	ver=$(dd if="$img" bs=1 skip=$((off + 512)) count=100 2>/dev/null |
		tr '\0' '\n' | head -1 | cut -d' ' -f1)
else
	ver=$(ls /lib/modules 2>/dev/null | grep -E "^$(sed 's/\./\\./g' <<< "$kernel")([.-]|$)" |
		sort -V | tail -1)
	img=/boot/vmlinuz-$ver
fi
if [ -z "$ver" ] || [ ! -f "$img" ]; then
	echo "vm: no kernel '$kernel' (/boot has: $(ls /boot | sed -n 's/^vmlinuz-//p' | xargs));" \
		"make setup installs Debian's 6.1 and 6.12" >&2
	exit 2
fi
moddir=/lib/modules/$ver
tag=vm-$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<< "$ver")

for f in "$OUT/wirefisher" "$OUT/tests/bpf-tests" "$OUT/tests/wf-udp"; do
	[ -x "$f" ] || { echo "vm: no $f: run make test-bins first" >&2; exit 2; }
done
for f in /usr/bin/qemu-system-x86_64 /bin/busybox; do
	[ -x "$f" ] || { echo "vm: no $f: run make setup" >&2; exit 2; }
done
# The bpf layer re-runs its two-CPU tests against a racy build, which
# tests/run.sh makes; make it here, so that the VM only finds it current.
if [[ " $layers " == *" bpf "* ]]; then
	make -s OUT="$OUT/racy" BPF_EXTRA=-DWF_RACY "$OUT/racy/tests/bpf-tests" >/dev/null ||
		{ echo "vm: cannot build $OUT/racy" >&2; exit 2; }
fi

# Time-outs: TCG runs BPF's verifier and everything else 5-100x slower
# than this machine (a skeleton with policing loads in 2-5 s on 6.1, 70-150
# s before the parse became a global function), so tests/run.sh's own
# per-runner limits are scaled in the guest, and the whole VM gets the sum
# of per-layer budgets, set when 6.1's bpf layer took 31 min and 6.12's e2e
# 40 (README, "Kernels"): generous now.
WF_TIME_SCALE=${WF_TIME_SCALE:-10}
budget=120	# boot and power-off
for l in $layers; do
	case $l in
	bpf) budget=$((budget + 2700)) ;;
	e2e) budget=$((budget + 7200)) ;;
	*) budget=$((budget + 1200)) ;;	# one test: e2e/legacy_tc took 15 min on 6.1, loaded
	esac
done
limit=${WF_VM_TIMEOUT:-$budget}

tmp=$(mktemp -d /tmp/wf-vm.XXXXXX)
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The initramfs: static busybox, /init, and the modules /init needs to reach
# the host's root, in insmod order (KERNEL-NOTES). A module the kernel has
# built in is not in modules.dep: skipped. Compressed ones are unpacked
# here, since busybox's insmod may not read .xz/.zst.
mkdir -p "$tmp/initrd/bin" "$tmp/initrd/lib"
cp /bin/busybox "$tmp/initrd/bin/"
cp tests/vm/init "$tmp/initrd/init"
: > "$tmp/initrd/modules.order"
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
	netfs fscache 9pnet 9pnet_virtio 9p overlay; do
	p=$(grep -oE "^[^:]*/$m\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" 2>/dev/null)
	[ -n "$p" ] || continue
	p=$moddir/${p%:}
	case $p in
	*.xz) xz -dc "$p" ;;
	*.zst) zstd -dcq "$p" ;;
	*.gz) gzip -dc "$p" ;;
	*) cat "$p" ;;
	esac > "$tmp/initrd/lib/$m.ko" || exit 2
	echo "$m" >> "$tmp/initrd/modules.order"
done
(cd "$tmp/initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz" || exit 2

# The job: the guest's environment, then tests/vm/guest.sh. Its path goes on
# the command line (2 KiB at most on x86), it is read before the guest puts
# a tmpfs on /tmp.
cat > "$tmp/job.sh" <<EOF
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
export WF_VM_REPO='$REPO' WF_VM_LAYERS='$layers' OUT='$OUT'
export WF_TIME_SCALE=$WF_TIME_SCALE
exec /bin/bash '$REPO/tests/vm/guest.sh'
EOF

echo "vm: booting $ver under TCG for: $layers (limit ${limit}s)"
start=$SECONDS
mkfifo "$tmp/console"
# Two VMs side by side (`make test-kernels`) run each on one host thread
# (WF_VM_TCG_THREAD=single): with a thread per vCPU (MTTCG), a vCPU can
# run code another has just patched (a static key, most likely, flipped
# as runc set up a container) from its stale translation: 6.12 died of
# "Oops: int3" in __kmalloc_noprof during e2e/docker, once in four whole
# runs. One VM alone (`make test`) keeps both host CPUs: on one thread,
# in CI, its smoke got 19 of 200 datagrams fewer through a path that had
# just flapped on lost probes.
timeout --kill-after=10 "$limit" qemu-system-x86_64 \
	-accel tcg,thread="${WF_VM_TCG_THREAD:-multi}" -cpu max -smp 2 -m "${WF_VM_MEM:-3072}" \
	-nodefaults -display none -no-reboot -nic none \
	-serial stdio -monitor none \
	-kernel "$img" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 ${WF_VM_APPEND:-quiet} panic=-1 wf.job=$tmp/job.sh" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	< /dev/null > "$tmp/console" 2> "$tmp/qemu.err" &
qpid=$!

# The console: strip terminal escapes and \r, rewrite the result lines,
# pass the rest through (tests/run.sh's details are indented already).
# Timing: a guest test's own wall-clock bounds are TCG-slow too.
passed=0 failed=0 guest_rc= current=
while IFS= read -r line; do
	[ -n "${WF_VM_LOG:-}" ] && printf '%5d %s\n' $((SECONDS - start)) "$line" >> "$WF_VM_LOG"
	case $line in
	"PASS "* | "FAIL "*)
		echo "${line%% *} $tag/${line#* }"
		[ "${line%% *}" = PASS ] && passed=$((passed + 1)) || failed=$((failed + 1))
		;;
	"SKIP "*)
		echo "SKIP $tag/${line#SKIP }"
		;;
	"== "*)
		current=${line#== }
		echo "$line"
		;;
	*"wf-vm: exit "*)
		guest_rc=${line##*wf-vm: exit }
		;;
	"  PASS "* | "  FAIL "* | "  SKIP "* | *[0-9]" passed, "*[0-9]" failed")
		;;	# the guest's summary: this script prints its own
	*)
		echo "$line"
		;;
	esac
done < <(sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][0-9A-Za-z]//g' \
	-e 's/\x1b[=>78cM]//g' -e 's/\r//g' < "$tmp/console")
wait "$qpid"
qrc=$?
qpid=

# A guest that did not reach its end is a failure of what it was running.
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "FAIL $tag/${current:-boot} (the VM timed out after ${limit}s)"
	failed=$((failed + 1))
elif [ -z "$guest_rc" ]; then
	echo "FAIL $tag/${current:-boot} (qemu exited $qrc before the guest's end)"
	sed 's/^/  qemu: /' "$tmp/qemu.err" | tail -n 5
	failed=$((failed + 1))
elif [ "$guest_rc" != 0 ] && [ $failed -eq 0 ]; then
	echo "FAIL $tag/${current:-boot} (guest exit $guest_rc)"
	failed=$((failed + 1))
fi
echo "vm: $ver: $passed passed, $failed failed in $((SECONDS - start))s"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
