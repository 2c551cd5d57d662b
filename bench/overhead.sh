#!/usr/bin/env bash
# bench/overhead.sh - what per-flow accounting costs. A benchmark, not a test:
# it prints figures, one per line, each beside the baseline measured in the
# same run, and asserts nothing. Needs root; run with `sudo make bench`.
#
#  1. TCP throughput over a veth between two namespaces (iperf3, unpaced,
#     RUNS runs of SECS s, bare and with wirefisher attached, interleaved),
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
$IN_B iperf3 -s -p 5301 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5

echo "# TCP over veth, $RUNS x ${SECS}s each, bare and accounted, interleaved"
: > "$TMP/bare"
: > "$TMP/wf"
for ((i = 1; i <= RUNS; i++)); do
	iperf_gbit >> "$TMP/bare"
	wf_start "$TMP/wf.yaml" || exit 1
	iperf_gbit >> "$TMP/wf"
	wf_stop
	echo "#   run $i: bare $(tail -1 "$TMP/bare") Gbit/s, accounted $(tail -1 "$TMP/wf") Gbit/s"
done
bare=$(median < "$TMP/bare")
acct=$(median < "$TMP/wf")
echo "tcp_bare_gbit_s $bare"
echo "tcp_accounted_gbit_s $acct"
echo "tcp_throughput_ratio $(ratio "$acct" "$bare")   (target >= 0.97)"

# ns per packet of the programs themselves: bench/smallpkt.sh.
