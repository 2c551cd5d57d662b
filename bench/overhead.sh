#!/usr/bin/env bash
# bench/overhead.sh - what per-flow accounting costs. A benchmark, not a test:
# it prints figures, one per line, each beside the baseline measured in the
# same run, and asserts nothing. Needs root; run with `sudo make bench`.
#
#  1. TCP throughput over a veth between two namespaces (iperf3, unpaced,
#     RUNS runs of SECS s, bare, with wirefisher accounting, and with every
#     hook attached - tc, netfilter, cgroup_skb and sock_create by rules
#     on a port, a cgroup and a process that match nothing - interleaved),
#     median of each.
#  (ns per packet of the programs, at small packets: bench/smallpkt.sh.)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# What it runs, checked before anything is measured: a missing helper would
# otherwise surface minutes later as a Python traceback over empty figures.
missing=
for bin in build/wirefisher; do
	[ -x "$ROOT/$bin" ] || missing+=" $bin"
done
[ -z "$missing" ] || {
	echo "overhead: not built:$missing; run make bench" >&2
	exit 1
}
for tool in iperf3 python3; do
	command -v "$tool" > /dev/null || {
		echo "overhead: $tool is not installed; run make setup" >&2
		exit 1
	}
done
. "$ROOT/tests/lib/e2e.sh"
RUNS=${RUNS:-9}
SECS=${SECS:-3}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }

iperf_gbit() {
	$IN_A iperf3 -c "$IP_B" -p 5301 -t "$SECS" -J 2>/dev/null | python3 -c '
import json, sys
print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

netns_up || { echo "overhead: cannot build namespaces" >&2; exit 1; }
write_config "$TMP/wf.yaml"
# Rules that match nothing of iperf3's: each adds its hook to every packet
# (the cgroup and process rules: every socket's on the host).
CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
mkdir -p "$CG_MOUNT/wf-bench-$ID"
trap 'cleanup; rmdir "$CG_MOUNT/wf-bench-$ID" 2>/dev/null' EXIT
write_config "$TMP/all.yaml" "rules:
  - { name: t, match: { proto: udp, dport: 1 }, rate: 8mbit, at: tc }
  - { name: n, match: { proto: udp, dport: 2 }, rate: 8mbit, at: netfilter }
  - { name: c, match: { cgroup: wf-bench-$ID }, rate: 8mbit }
  - { name: p, match: { exe: /bin/false }, rate: 8mbit }"
$IN_B iperf3 -s -p 5301 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5

echo "# TCP over veth, $RUNS x ${SECS}s each: bare, accounted, every hook; interleaved"
: > "$TMP/bare"
: > "$TMP/wf"
: > "$TMP/all"
for ((i = 1; i <= RUNS; i++)); do
	iperf_gbit >> "$TMP/bare"
	wf_start "$TMP/wf.yaml" || exit 1
	iperf_gbit >> "$TMP/wf"
	wf_stop
	wf_start "$TMP/all.yaml" || exit 1
	iperf_gbit >> "$TMP/all"
	wf_stop
	echo "#   run $i: bare $(tail -1 "$TMP/bare"), accounted $(tail -1 "$TMP/wf"), every hook $(tail -1 "$TMP/all") Gbit/s"
done
bare=$(median < "$TMP/bare")
acct=$(median < "$TMP/wf")
all=$(median < "$TMP/all")
echo "tcp_bare_gbit_s $bare"
echo "tcp_accounted_gbit_s $acct"
echo "tcp_every_hook_gbit_s $all"
echo "tcp_throughput_ratio $(ratio "$acct" "$bare")   (target >= 0.97)"
echo "tcp_every_hook_ratio $(ratio "$all" "$bare")   (target >= 0.98)"

# ns per packet of the programs themselves: bench/smallpkt.sh.
