#!/usr/bin/env bash
# persist: true for a steering daemon, over two wireguard-go tunnels (path 2
# through a relay 20 ms slower). A spread
# route over both: two UDP streams, one per path (their sticky flows in the
# pinned wf_steer_flows). The daemon is killed with -9 and started again
# while the streams run: each stream arrives whole, each flow keeps its path,
# the restart takes the pinned links over (the same tcx link ids, no second
# hook) and the per-path flow counts stay 1 and 1, not doubled. Then path 1
# is cut (A's kernel route to the service goes by path 1 alone, so what
# arrives was steered): steering follows the cut; killed again, the pinned
# decision keeps sending by path 2 (path device transmit counters). SIGINT
# during a take-over keeps the hooks the earlier run left; `wirefisher down`
# removes every pin, link and program of ours.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail steer_persist_setup "cannot build namespaces"; finish; }
wglab_up direct relay || { fail steer_persist_setup "cannot build the tunnels"; finish; }
# Path 2 answers 20 ms after path 1: a restart that forgot the paths' state
# would see path 1 up alone for a while, and move path 2's flow onto it.
wglab_relay 2 delay_ms=20 || { fail steer_persist_setup "relay settings"; finish; }
# Flowlets off: a sender's pause (seconds under TCG) would let the datapath
# move a flow to the other path while the daemon is dead, which is spread's
# rebalancing at work, not a lost assignment (seen in the 6.12 VM).
{
	STEER_FLOWLET=off steer_yaml "$PIN" c spread-equal "1 2"
	echo "persist: true"
} > "$TMP/c.yaml"

# Sticky flows: "DPORT PATH" for the streams' flows (dport 93xx), sorted.
sticky() {
	bpftool -j map dump pinned "$PIN/wf_steer_flows" 2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    k, v = e["formatted"]["key"], e["formatted"]["value"]
    p = k["port_dst"]
    p = p if 9300 <= p < 9400 else (p & 255) << 8 | p >> 8  # network order
    if 9300 <= p < 9400:
        print(p, v["path"])' | sort
}
# Flows per path as the daemon counts them ("1 1"), and the route's usable.
path_flows() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		python3 -c 'import json,sys; print(" ".join(str(p["flows"]) for p in json.load(sys.stdin)["paths"]))'
}
usable() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["routes"][0]["usable"]))'
}
# restart: start the daemon again (pid in WF_PID) and wait for its
# "running" line (bounded: 30 s x TS).
RUNS=0
restart() {
	$IN_A "$WF" -c "$TMP/c.yaml" >> "$TMP/wf.log" 2>&1 &
	WF_PID=$!
	RUNS=$((RUNS + 1))
	wait_for $((300 * TS)) bash -c "[ \$(grep -c '^wirefisher: running' '$TMP/wf.log') -ge $RUNS ]"
}
kill9() { kill -KILL "$WF_PID"; wait "$WF_PID" 2>/dev/null; WF_PID=; }
# streams N PPS: two streams of N datagrams at PPS each, dports 9301 and
# 9302 from 10.96.0.2; stream_wait then sets R1, R2 (receiver lines).
streams() {
	local p
	for p in 1 2; do
		$IN_B "$UDP" recv 10.99.0.1 930$p $1 $((1500 * TS)) > "$TMP/recv$p" &
		eval "RECV$p=\$!"
	done
	udp_bound "$IN_B" 9301 "$RECV1"
	udp_bound "$IN_B" 9302 "$RECV2"
	for p in 1 2; do
		$IN_A "$UDP" send 10.99.0.1 930$p $1 200 $2 931$p 10.96.0.2 > /dev/null &
		eval "SEND$p=\$!"
		sleep 0.05 # one after the other: spread gives them a path each
	done
}
streams_wait() {
	wait "$SEND1" "$SEND2" "$RECV1" "$RECV2"
	R1=$(tail -n 1 "$TMP/recv1")
	R2=$(tail -n 1 "$TMP/recv2")
}

restart || { fail steer_persist_start "daemon did not start"; finish; }
check steer_persist_paths_up wait_all_up $((100 * TS))
hooks_before=$(pin_hooks "$PIN")
log "hooks: $(echo $hooks_before)"
link_check steer_persist_four_hooks [ "$(grep -c . <<< "$hooks_before")" = 4 ]
link_check steer_persist_four_links [ "$(pin_hook_count "$PIN")" = 4 ]

# (1) streams across a kill -9 and a restart: 5000 datagrams each, 10 s.
N=5000
streams $N 500
sleep 1.5
sticky_before=$(sticky)
flows_before=$(path_flows)
log "sticky flows before (dport path): $(echo $sticky_before); flows per path: $flows_before"
# Under TCG the two senders may start at one moment (their start-up takes
# longer than the 50 ms between them) and meet the same path: a claim.
claim steer_persist_one_flow_per_path python3 -c "import sys; a = '$(echo $sticky_before)'.split(); sys.exit(not (len(a) == 4 and {a[1], a[3]} == {'0', '1'}))"
kill9
sleep 1.5
# With flowlets off only a path marked unusable moves a flow; under TCG a
# probe round just before the kill may have marked one (6.1 VM): a claim.
claim steer_persist_sticky_while_dead [ "$(sticky)" = "$sticky_before" ]
restart
check steer_persist_restart_running kill -0 "$WF_PID"
check steer_persist_took_over grep -q "taking over the hooks and maps pinned in $PIN" "$TMP/wf.log"
streams_wait
log "stream 1: $R1"
log "stream 2: $R2"
# Under TCG wireguard-go's RTT spikes past the probe timeout (0.4-2 s seen
# in the 6.12 VM), so paths flap, flows move and datagrams are lost there
# for TCG's sake: whole streams and kept assignments are claims.
claim steer_persist_stream1_whole [ "$(kv distinct "$R1")" = $N ]
claim steer_persist_stream2_whole [ "$(kv distinct "$R2")" = $N ]
claim steer_persist_sticky_kept [ "$(sticky)" = "$sticky_before" ]
hooks_after=$(pin_hooks "$PIN")
[ "$hooks_after" = "$hooks_before" ] || log "hooks after the restart: $(echo $hooks_after)"
link_check steer_persist_same_links [ "$hooks_after" = "$hooks_before" ]
link_check steer_persist_no_second_hook [ "$(pin_hook_count "$PIN")" = 4 ]
# Flows are counted in passes over wf_steer_flows, each second or so;
# idle ones retire after 10 s: the streams ended just now, still counted.
sleep 2.5
flows_after=$(path_flows)
log "flows per path after the restart: $flows_after (before: $flows_before)"
claim steer_persist_flow_counts_kept [ "$flows_after" = "1 1" ]

# (2) steering follows a cut after the restart.
wglab_cut 1
only_p2() { [ "$(usable)" = p2 ]; }
check steer_persist_cut_seen wait_for $((60 * TS)) only_p2
streams 1000 1000
streams_wait
# Both streams on p2 alone: under TCG its wireguard-go drops some (6.1: 903
# and 956 of 1000, p2 never down), as in the restart above - a claim there.
claim steer_persist_after_cut_whole test "$(kv distinct "$R1") $(kv distinct "$R2")" = "1000 1000"
log "after the cut: $R1"

# (3) killed with the cut in force: the pinned decision holds, by path 2.
kill9
t1=$(wg_dev_tx 1)
t2=$(wg_dev_tx 2)
streams 1000 1000
streams_wait
d1=$(($(wg_dev_tx 1) - t1))
d2=$(($(wg_dev_tx 2) - t2))
log "daemon dead, path 1 cut: $R1; path 1 sent $d1 B, path 2 $d2 B"
# Whole: a claim under TCG, where wireguard-go itself drops what its TUN
# queue cannot take (6.1 beside another VM: 983 of 1000, every byte sent by
# path 2); the path is what the next check holds everywhere.
claim steer_persist_dead_whole test "$(kv distinct "$R1") $(kv distinct "$R2")" = "1000 1000"
# 2000 datagrams of 200 + 28 bytes by path 2; path 1 only keepalives.
check steer_persist_dead_by_path2 test "$d2" -ge $((2000 * 228)) -a "$d1" -lt 2000

# ... and a restart while path 1 is still cut: the streams go on by path 2
# through the take-over (the kernel's route, by path 1, would lose them
# while the new daemon's probes have not answered yet).
streams 3000 1000
sleep 0.5
restart
check steer_persist_cut_restart_running kill -0 "$WF_PID"
streams_wait
log "restart with path 1 cut: $R1"
log "                          $R2"
claim steer_persist_cut_restart_whole test "$(kv distinct "$R1") $(kv distinct "$R2")" = "3000 3000"
check steer_persist_cut_restart_sticky [ "$(echo $(sticky))" = "9301 1 9302 1" ]
kill9

# (4) SIGINT during the take-over: the earlier run's hooks stay.
n_over=$(grep -c 'taking over' "$TMP/wf.log")
$IN_A "$WF" -c "$TMP/c.yaml" >> "$TMP/wf.log" 2>&1 &
WF_PID=$!
# The line comes before the programs load; SIGINT then finds it mid-way.
for ((i = 0; i < 1000 * TS; i++)); do
	[ "$(grep -c 'taking over' "$TMP/wf.log")" -gt "$n_over" ] && break
	sleep 0.005
done
kill -INT "$WF_PID"
wait_gone "$WF_PID" $((100 * TS))
WF_PID=
hooks_int=$(pin_hooks "$PIN")
log "after SIGINT during the take-over: $(echo $hooks_int); pins: $(ls "$PIN" 2>/dev/null | grep -c '^link_')"
link_check steer_persist_sigint_keeps_hooks [ "$hooks_int" = "$hooks_before" ]
link_check steer_persist_sigint_one_hook_each [ "$(pin_hook_count "$PIN")" = 4 ]
link_check steer_persist_sigint_keeps_pins [ "$(ls "$PIN" 2>/dev/null | grep -c '^link_')" = 4 ]

# (5) down: nothing of ours left.
progs=$(pin_progs "$PIN")
$IN_A "$WF" down --pin-dir "$PIN" > "$TMP/down.log" 2>&1
check steer_persist_down_exit_0 [ $? -eq 0 ]
check steer_persist_down_no_pins [ ! -e "$PIN" ]
gone() {
	local p
	for p in $progs; do bpftool prog show id "$p" > /dev/null 2>&1 && return 1; done
	for p in $(cut -d' ' -f2 <<< "$hooks_before"); do bpftool link show id "$p" > /dev/null 2>&1 && return 1; done
	return 0
}
link_check steer_persist_down_found_hooks [ -n "$progs" ]
check steer_persist_down_no_links_or_programs wait_for $((30 * TS)) gone
finish
