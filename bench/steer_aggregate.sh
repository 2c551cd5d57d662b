#!/usr/bin/env bash
# bench/steer_aggregate.sh - one TCP flow over several WireGuard tunnels
# (`mode: aggregate`), run by bench/steer.sh (or alone); nothing asserted.
# Three wireguard-go tunnels, each through a relay namespace whose wf-relay
# delays it (there is no netem here), underlays capped by tbf:
#   a. 3 x 8 Mbit/s, 10 ms each way (RTT ~20 ms): one iperf3 flow, cubic
#      and bbr, against the sum of the caps, the capacity measured in the
#      same run (three flows, one per tunnel, at once) and one flow over an
#      ECMP multipath route (one flow hashes onto one link);
#   b. 8 + 4 + 2 Mbit/s, the third path 10 ms slower each way;
#   c. 3 x 8 Mbit/s with no added delay (RTT ~1-2 ms): the worst case for
#      TCP's reordering tolerance (RACK's window is a quarter of the RTT).
# Each case runs twice: with the tunnel devices' GSO as the kernel sets it,
# then with `gso_max_segs 1` on them (GSO_SEGS, "65535 1"). A GSO
# super-packet (up to 64 kB) leaves by one path whole - at 2 Mbit/s that is
# 256 ms of it - so the earliest-arrival choice keeps a flow's super-packets
# on its fastest path; with one segment each, every packet is chosen.
# Each run also reports the sender's TcpExtTCPSACKReorder and
# TcpRetransSegs and the receiver's TcpExtTCPOFOQueue (nstat), and the
# steering egress program's mean cost per packet (kernel BPF statistics).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
. "$ROOT/tests/lib/wglab.sh"
SECS=${SECS:-8}
ROUNDS=${ROUNDS:-3}
GSO_SEGS=${GSO_SEGS:-65535 1}
export NSTAT_HISTORY=$TMP/nstat

netns_up > /dev/null || exit 1
wglab_up relay relay relay || exit 1
iperf_servers 5201 5202 5203
stat() { python3 -c 'import statistics, sys; v = sorted(map(float, sys.argv[2:])); print("%.2f" % {"median": statistics.median(v), "mean": statistics.mean(v), "min": v[0], "max": v[-1]}[sys.argv[1]])' "$@"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
nst() { $1 nstat -az "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
prog_stats() {
	bpftool prog show name wf_tc_egress 2>/dev/null |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk '{ t += $1; c += $2 } END { printf "%d %d\n", t, c }'
}
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
trap 'sysctl -qw kernel.bpf_stats_enabled="$stats_was"; cleanup' EXIT

# setup CAPS DELAYS: tbf caps and one-way relay delays, path by path.
setup() {
	local caps=($1) delays=($2) k
	for k in 1 2 3; do
		wglab_cap $k "${caps[$((k - 1))]}"
		wglab_relay $k drop=0 delay_ms="${delays[$((k - 1))]}" || exit 1
	done
}

# capacity: three flows, one through each tunnel, at once: the sum.
capacity() {
	local k pids=()
	for k in 1 2 3; do
		iperf_mbit 10.96.$k.1 520$k "$SECS" > "$TMP/cap$k" &
		pids+=($!)
	done
	wait "${pids[@]}"
	python3 -c 'import sys; print("%.2f" % sum(float(open(f).read()) for f in sys.argv[1:]))' "$TMP"/cap[123]
}

# agg_runs LABEL CAPS CC: ROUNDS flows under the running daemon; prints
# one line of figures and the runs.
agg_runs() {
	local label=$1 sum=$2 cc=$3 r m runs=() re=() ofo=() rtx=() a b c
	for ((r = 0; r < ROUNDS; r++)); do
		a=$(nst "$IN_A" TcpExtTCPSACKReorder) b=$(nst "$IN_B" TcpExtTCPOFOQueue) c=$(nst "$IN_A" TcpRetransSegs)
		m=$(iperf_mbit 10.99.0.1 5201 "$SECS" -C "$cc")
		runs+=("$m")
		re+=($(($(nst "$IN_A" TcpExtTCPSACKReorder) - a)))
		ofo+=($(($(nst "$IN_B" TcpExtTCPOFOQueue) - b)))
		rtx+=($(($(nst "$IN_A" TcpRetransSegs) - c)))
	done
	m=$(stat median "${runs[@]}")
	echo "$label $cc: median $m Mbit/s = $(ratio "$m" "$sum") of $sum |" \
		"runs ${runs[*]} | SACK reorder ${re[*]} | OFO queued ${ofo[*]} | retransmitted ${rtx[*]}"
}

# gso_segs N: the most segments a GSO packet of A's tunnel devices holds.
gso_segs() {
	local k
	for k in 1 2 3; do $IN_A ip link set dev "${WG_C[$k]}" gso_max_segs "$1"; done
}

# path_bytes: what the aggregate route sent by p1, p2, p3 so far.
path_bytes() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" |
		python3 -c 'import json,sys; print(" ".join(str(p["aggregate"]["bytes"]) for p in json.load(sys.stdin)["paths"]))'
}

# cases LABEL SUM: cubic and bbr, with each GSO_SEGS setting in turn, and
# each setting's bytes per path as shares.
cases() {
	local g before after
	for g in $GSO_SEGS; do
		gso_segs "$g"
		before=$(path_bytes)
		agg_runs "$1, gso_max_segs $g," "$2" cubic
		agg_runs "$1, gso_max_segs $g," "$2" bbr
		after=$(path_bytes)
		echo "   bytes per path (p1 p2 p3): $(python3 -c '
import sys
d = [int(a) - int(b) for a, b in zip(sys.argv[2].split(), sys.argv[1].split())]
print(" / ".join("%.0f %%" % (100 * x / max(sum(d), 1)) for x in d))' "$before" "$after")"
	done
	gso_segs 65535
}

# with_daemon CAPS: start A's daemon, aggregate over the three paths.
with_daemon() {
	STEER_CAPS="$1" steer_yaml "$PIN" c aggregate-equal "1 2 3" > "$TMP/agg.yaml"
	wglab_route_single 1
	wf_start "$TMP/agg.yaml" > /dev/null && wait_all_up 100 || exit 1
	sleep 1	# a few probe rounds: base delays known
}

echo "== 7. one TCP flow over three tunnels, mode aggregate (median of $ROUNDS x ${SECS}s)"
echo "   anchors: Linux MPTCP selftest asks 0.80-0.85 of the aggregate; OpenMPTCProuter users"
echo "   report 0.43-0.64; MLVPN ~0.80 with a reorder buffer; ZeroTier balance modes < one link"
setup "8mbit 8mbit 8mbit" "10 10 10"
cap=$(capacity)
wglab_route_ecmp
ecmp=$(iperf_mbit 10.99.0.1 5201 "$SECS" -C cubic)
echo "a. 3 x 8 Mbit/s, RTT ~20 ms: capacity (3 flows, one per tunnel) $cap Mbit/s;" \
	"one flow over ECMP $ecmp = $(ratio "$ecmp" 24) of 24"
with_daemon "8mbit 8mbit 8mbit"
read -r t0 n0 <<< "$(prog_stats)"
cases "a. aggregate" 24
read -r t1 n1 <<< "$(prog_stats)"
echo "   (of the measured capacity $cap: divide by $(ratio "$cap" 24))"
echo "   wf_tc_egress, mean over these runs: $(( (t1 - t0) / (n1 - n0 > 0 ? n1 - n0 : 1) )) ns per packet" \
	"(a moved packet passes twice: the choice, then accounting at its path)"
wf_stop

setup "8mbit 4mbit 2mbit" "10 10 20"
with_daemon "8mbit 4mbit 2mbit"
cases "b. aggregate 8+4+2, third path +10 ms each way" 14
wf_stop

setup "8mbit 8mbit 8mbit" "0 0 0"
with_daemon "8mbit 8mbit 8mbit"
cases "c. aggregate 3 x 8, no added delay" 24
wf_stop
