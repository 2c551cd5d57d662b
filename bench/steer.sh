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
#   4. failure noticed from traffic: failover time both ways (client ->
#      server, server -> client) over TRIALS cuts each, the silence check
#      on (silence: auto) vs off (k lost rounds alone: what it was);
#   5. rebalancing: six TCP flows start on one of three capped tunnels, the
#      other two come up; seconds until they carry 90 % of the capacity,
#      and what the moves cost the senders (SACK reorder events,
#      retransmitted segments), for each flowlet setting in FLOWLETS
#      (auto, a fixed 20 ms gap, off), ROUNDS each;
#   6. false failovers: bulk TCP both ways over two healthy tunnels (one
#      capped, so a queue builds) for SOAK_SECS, the silence check off
#      and on (SOAK_SILENCE).
#   7. one TCP flow over three tunnels, mode aggregate (bench/steer_aggregate.sh);
#   8. duplicate selectors: loss over cuts, added latency, BPF cost
#      (bench/steer_duplicate.sh).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
. "$ROOT/tests/lib/wglab.sh"
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-5}
TRIALS=${TRIALS:-20}
SOAK_SECS=${SOAK_SECS:-600}
SECTIONS=${SECTIONS:-1 2 3 4 5 6 7 8}
FLOWLETS=${FLOWLETS:-auto 20ms off}
export NSTAT_HISTORY=$TMP/nstat

netns_up > /dev/null || exit 1
wglab_up direct relay relay || exit 1
iperf_servers 5201 5202 5203
stat() { python3 -c 'import statistics, sys; v = sorted(map(float, sys.argv[2:])); print("%.2f" % {"median": statistics.median(v), "mean": statistics.mean(v), "max": v[-1]}[sys.argv[1]])' "$@"; }
ratio() { python3 -c "print('%.3f' % ($1 / $2))"; }
# The sender's (namespace A's) absolute count of nstat counter $1.
nst() { $IN_A nstat -az "$1" 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }

if [[ " $SECTIONS " == *" 1 "* ]]; then
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
echo "plain routing $p | steering, stays $s ($(ratio "$s" "$p")) | steering, redirected $m ($(ratio "$m" "$p"))   (target >= 0.98 of plain)"
echo "  runs: plain ${plain[*]} | stays ${stay[*]} | redirected ${moved[*]}"
echo "  wf_tc_egress (steering + accounting), last round: $ns ns per packet"

fi
if [[ " $SECTIONS " == *" 2 "* ]]; then
echo "== 2. failover time over $TRIALS cuts (interval 200 ms, k 3: bound 705 ms)"
steer_yaml "$PIN" c failover "1 2" > "$TMP/c.yaml"
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
echo "median $(stat median "${gaps[@]}") ms, worst $(stat max "${gaps[@]}") ms   (bound 705 ms)"
echo "  trials: ${gaps[*]}"
wf_stop
kill -INT "$WF_S_PID"; wait_gone "$WF_S_PID" 50; WF_S_PID=

fi
if [[ " $SECTIONS " == *" 3 "* ]]; then
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
echo "spread $(stat mean "${sp[@]}") % of capacity | ECMP $(stat mean "${ec[@]}") %   (target: spread >= 95 %)"
echo "  runs: spread ${sp[*]} | ECMP ${ec[*]}"
fi

# ---- 4. failure noticed from traffic ----------------------------------

# cut_trial DIR T: a 1000/s stream (DIR c: A -> B; s: B -> A), the active
# underlay cut at a random moment; prints the receiver's longest silence.
cut_trial() {
	local rp snd
	if [ "$1" = c ]; then
		$IN_B "$UDP" recv 10.99.0.1 9300 3000 1500 > "$TMP/recv" &
		rp=$!
		sleep 0.2
		$IN_A "$UDP" send 10.99.0.1 9300 3000 200 1000 $((9301 + $2)) \
			10.96.0.2 > /dev/null &
		snd=$!
	else
		$IN_A "$UDP" recv 10.96.0.2 9400 3000 1500 > "$TMP/recv" &
		rp=$!
		sleep 0.2
		$IN_B "$UDP" send 10.96.0.2 9400 3000 200 1000 $((9401 + $2)) \
			10.99.0.1 > /dev/null &
		snd=$!
	fi
	sleep "1.$((RANDOM % 200 + 100))"
	wglab_cut 1
	wait "$snd" "$rp"
	kv max_gap_ms "$(tail -n 1 "$TMP/recv")"
	wglab_heal 1
	wait_via p1 150 || echo "  trial $2: the client's route did not come back" >&2
	wait_via p1 150 "$PIN_S" || echo "  trial $2: the server's route did not come back" >&2
}

if [[ " $SECTIONS " == *" 4 "* ]]; then
	echo "== 4. failover time both ways, $TRIALS cuts each (interval 200 ms; target: median <= 2 x interval = 400 ms)"
	for k in 1 2 3; do wglab_uncap $k; done
	wglab_route_single 1
	for sil in off auto; do
		steer_yaml "$PIN" c failover "1 2" "hold: 2s, silence: $sil" > "$TMP/c4.yaml"
		steer_yaml "$PIN_S" s failover "1 2" "hold: 2s, silence: $sil" > "$TMP/s4.yaml"
		wf_server_start "$TMP/s4.yaml" > /dev/null
		wf_start "$TMP/c4.yaml" > /dev/null && wait_via p1 30 && wait_all_up 100 &&
			wait_all_up 100 "$PIN_S"
		for dir in c s; do
			g=()
			for ((t = 0; t < TRIALS; t++)); do g+=("$(cut_trial $dir $t)"); done
			name="client -> server"
			[ $dir = s ] && name="server -> client"
			echo "silence $sil, $name: median $(stat median "${g[@]}") ms, worst $(stat max "${g[@]}") ms"
			echo "  trials: ${g[*]}"
		done
		wf_stop
		kill -INT "$WF_S_PID"; wait_gone "$WF_S_PID" 50; WF_S_PID=
	done
	echo "  anchors: ZeroTier failover 0.25 s at best (10 s default), Tailscale 6.5 s, mwan3 ~15 s"
fi

# ---- 5. rebalancing without reordering --------------------------------

# rebalance_run FLOWLET: seconds after the heal until six flows carry 90 %
# of $cap (-1: never in the run), the mean of the last 5 s in % of it, and
# the senders' SACK reorder events and retransmitted segments in the run.
rebalance_run() {
	local ip re rtx
	steer_yaml "$PIN" c spread-equal "1 2 3" "" > "$TMP/r5.yaml"
	sed -i "s/mode: spread }/mode: spread, flowlet: $1 }/" "$TMP/r5.yaml"
	wglab_cut 2
	wglab_cut 3
	wf_start "$TMP/r5.yaml" > /dev/null
	sleep 1.5
	re=$(nst TcpExtTCPSACKReorder) rtx=$(nst TcpRetransSegs)
	$IN_A iperf3 -c 10.99.0.1 -p 5201 -t 20 -P 6 -J > "$TMP/r5.json" 2>/dev/null &
	ip=$!
	sleep 4
	wglab_heal 2
	wglab_heal 3
	wait "$ip"
	re=$(($(nst TcpExtTCPSACKReorder) - re)) rtx=$(($(nst TcpRetransSegs) - rtx))
	wf_stop
	python3 - "$TMP/r5.json" "$cap" "$re" "$rtx" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); cap = float(sys.argv[2])
iv = [(i["sum"]["start"], i["sum"]["end"], i["sum"]["bits_per_second"] / 1e6)
      for i in d["intervals"]]
reach = next((round(e - 4, 1) for s, e, r in iv if s >= 4 and r >= 0.9 * cap), -1)
tail = [r for s, e, r in iv][-5:]
print(reach, "%.1f" % (100 * sum(tail) / len(tail) / cap), sys.argv[3], sys.argv[4])
PY
}

if [[ " $SECTIONS " == *" 5 "* ]]; then
	echo "== 5. six TCP flows start on one of three tunnels capped at 8 Mbit/s, the other two come up 4 s later (target: >= 90 % within 10 s; $ROUNDS rounds)"
	for k in 1 2 3; do wglab_cap $k 8mbit; done
	wglab_route_single 1
	pids=()
	for k in 1 2 3; do
		iperf_mbit 10.96.$k.1 520$k "$SECS" > "$TMP/cap$k" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cap=$(python3 -c 'import sys; print(sum(float(open(f).read()) for f in sys.argv[1:]))' "$TMP"/cap[123])
	for fl in $FLOWLETS; do
		reach=() share=() reo=() rtx=()
		for ((r = 0; r < ROUNDS; r++)); do
			read -r a b c d <<< "$(rebalance_run $fl)"
			reach+=("$a") share+=("$b") reo+=("$c") rtx+=("$d")
		done
		echo "flowlet $fl: 90 % reached after ${reach[*]} s (-1: never); last 5 s: ${share[*]} % of $cap Mbit/s; SACK reorder ${reo[*]}; retransmitted ${rtx[*]}"
	done
	echo "  (the paths that came back are usable ~3 s after the heal: up_after and the loss window)"
	for k in 1 2 3; do wglab_uncap $k; done
fi

# ---- 6. false failovers under bulk traffic ------------------------------

if [[ " $SECTIONS " == *" 6 "* ]]; then
	for sil in ${SOAK_SILENCE:-off auto}; do
	echo "== 6. bulk TCP both ways for ${SOAK_SECS}s over two healthy tunnels (p1 capped at 8 Mbit/s: its queue drops probes too), silence: $sil"
	wglab_route_single 1
	wglab_cap 1 8mbit
	steer_yaml "$PIN" c failover "1 2" "hold: 2s, silence: $sil" > "$TMP/c6.yaml"
	steer_yaml "$PIN_S" s failover "1 2" "hold: 2s, silence: $sil" > "$TMP/s6.yaml"
	wf_server_start "$TMP/s6.yaml" > /dev/null
	wf_start "$TMP/c6.yaml" > /dev/null && wait_all_up 100 && wait_all_up 100 "$PIN_S"
	$IN_A iperf3 -c 10.99.0.1 -p 5201 -t "$SOAK_SECS" --bidir -P 2 > /dev/null 2>&1
	for side in c s; do
		log=$TMP/wf.log pin=$PIN
		[ $side = s ] && log=$TMP/wf-s.log pin=$PIN_S
		echo "$side: route changes $(grep -c 'route .*: via.*, was' "$log"), path downs $(grep -c -- '-> down' "$log"), suspicions / silence downs:" \
			"$($IN_A "$WF" paths --json --pin-dir "$pin" | python3 -c 'import json,sys; print(" ".join("%s %d/%d" % (p["name"], p["suspected"], p["silence_downs"]) for p in json.load(sys.stdin)["paths"]))')"
	done
	wf_stop
	kill -INT "$WF_S_PID"; wait_gone "$WF_S_PID" 50; WF_S_PID=
	wglab_uncap 1
	done
fi

# 7. one TCP flow over three tunnels (mode aggregate): its own lab, with
# every path through a delaying relay.
if [[ " $SECTIONS " == *" 7 "* ]]; then
	bash "$ROOT/bench/steer_aggregate.sh"
fi

# 8. duplicate selectors: zero loss over cuts, added latency, BPF cost.
if [[ " $SECTIONS " == *" 8 "* ]]; then
	bash "$ROOT/bench/steer_duplicate.sh"
fi
