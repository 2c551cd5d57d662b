#!/usr/bin/env bash
# bench/steer.sh - steering over real WireGuard tunnels (wireguard-go), in
# one run, nothing asserted (sudo make bench):
#   1. throughput of one TCP flow through a tunnel: plain routing vs the
#      steering programs leaving the packet on its device (lookup only) vs
#      moving every packet to another tunnel (redirect), median of ROUNDS;
#   2. failover time over TRIALS cuts of the active path's underlay (the
#      longest silence in a 1000/s UDP stream) vs the prober's interval;
#   3. three TCP flows over three tunnels capped at 8 Mbit/s: wirefisher's
#      spread vs an ECMP multipath route (L4 hash), as a share of the
#      summed capacity, mean of ROUNDS;
#   4. one TCP flow over three tunnels, mode aggregate (bench/steer_aggregate.sh);
#   5. duplicate selectors: loss over cuts, added latency, BPF cost
#      (bench/steer_duplicate.sh).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
. "$ROOT/tests/lib/wglab.sh"
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-5}
TRIALS=${TRIALS:-20}

netns_up > /dev/null || exit 1
wglab_up direct relay relay || exit 1
iperf_servers 5201 5202 5203
stat() { python3 -c 'import statistics, sys; v = sorted(map(float, sys.argv[2:])); print("%.2f" % {"median": statistics.median(v), "mean": statistics.mean(v), "max": v[-1]}[sys.argv[1]])' "$@"; }
ratio() { python3 -c "print('%.3f' % ($1 / $2))"; }

echo "== 1. one TCP flow through one tunnel, Mbit/s (median of $ROUNDS x ${SECS}s)"
steer_yaml "$PIN" c failover "1 2" > "$TMP/c.yaml"
plain=() stay=() moved=()
# The programs' own cost per packet, from the kernel's BPF run-time stats.
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
prog_ns() {
	bpftool prog show name wf_tc_egress 2>/dev/null |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk '{ t += $1; c += $2 } END { printf "%.0f", c ? t / c : 0 }'
}
for ((r = 0; r < ROUNDS; r++)); do
	wglab_route_single 1
	plain+=("$(iperf_mbit 10.99.0.1 5201 "$SECS")")
	wf_start "$TMP/c.yaml" > /dev/null && wait_via p1 30
	stay+=("$(iperf_mbit 10.99.0.1 5201 "$SECS")")
	wglab_route_single 2	# the kernel sends to p2; the programs move all to p1
	moved+=("$(iperf_mbit 10.99.0.1 5201 "$SECS")")
	ns=$(prog_ns)
	wf_stop
done
sysctl -qw kernel.bpf_stats_enabled="$stats_was"
p=$(stat median "${plain[@]}") s=$(stat median "${stay[@]}") m=$(stat median "${moved[@]}")
echo "plain routing $p | steering, stays $s ($(ratio "$s" "$p")) | steering, redirected $m ($(ratio "$m" "$p"))"
echo "  runs: plain ${plain[*]} | stays ${stay[*]} | redirected ${moved[*]}"
echo "  wf_tc_egress (steering + accounting), last round: $ns ns per packet"

echo "== 2. failover time over $TRIALS cuts (interval 200 ms, k 3: bound 705 ms)"
wglab_route_single 1
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" > /dev/null
wf_start "$TMP/c.yaml" > /dev/null && wait_via p1 30 && wait_all_up 100 &&
	wait_all_up 100 "$PIN_S"
gaps=()
for ((t = 0; t < TRIALS; t++)); do
	$IN_B "$UDP" recv 10.99.0.1 9300 3000 1500 > "$TMP/recv" &
	rp=$!
	sleep 0.2
	# A new source port each trial: a new flow, on the active path (the
	# last trial's flow sticks to the path it moved to).
	$IN_A "$UDP" send 10.99.0.1 9300 3000 200 1000 $((9301 + t)) 10.96.0.2 \
		> /dev/null &
	snd=$!
	# A cut at a random moment within the probe cycle.
	sleep "1.$((RANDOM % 200 + 100))"
	wglab_cut 1
	wait "$snd" "$rp"
	gaps+=("$(kv max_gap_ms "$(tail -n 1 "$TMP/recv")")")
	wglab_heal 1
	wait_via p1 150 || echo "  trial $t: the route did not come back" >&2
done
echo "median $(stat median "${gaps[@]}") ms, worst $(stat max "${gaps[@]}") ms"
echo "  trials: ${gaps[*]}"
wf_stop
kill -INT "$WF_S_PID"; wait_gone "$WF_S_PID" 50; WF_S_PID=

echo "== 3. three TCP flows over three tunnels capped at 8 Mbit/s (mean of $ROUNDS)"
for k in 1 2 3; do wglab_cap $k 8mbit; done
steer_yaml "$PIN" c spread-equal "1 2 3" > "$TMP/sp.yaml"
sp=() ec=()
for ((r = 0; r < ROUNDS; r++)); do
	pids=()
	for k in 1 2 3; do
		iperf_mbit 10.96.$k.1 520$k "$SECS" > "$TMP/cap$k" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cap=$(python3 -c 'import sys; print(sum(float(open(f).read()) for f in sys.argv[1:]))' "$TMP"/cap[123])
	wglab_route_single 1
	wf_start "$TMP/sp.yaml" > /dev/null && wait_all_up 100
	sp+=("$(python3 -c "print('%.1f' % (100 * $(iperf_mbit 10.99.0.1 5201 "$SECS" -P 3) / $cap))")")
	wf_stop
	wglab_route_ecmp
	ec+=("$(python3 -c "print('%.1f' % (100 * $(iperf_mbit 10.99.0.1 5201 "$SECS" -P 3) / $cap))")")
done
echo "spread $(stat mean "${sp[@]}") % of capacity | ECMP $(stat mean "${ec[@]}") %"
echo "  runs: spread ${sp[*]} | ECMP ${ec[*]}"

# 4. one TCP flow over three tunnels (mode aggregate): its own lab, with
# every path through a delaying relay.
bash "$ROOT/bench/steer_aggregate.sh"

# 5. duplicate selectors: zero loss over cuts, added latency, BPF cost.
bash "$ROOT/bench/steer_duplicate.sh"
