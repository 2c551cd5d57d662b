#!/usr/bin/env bash
# persist: true - policing survives the daemon: killed with -9, the pinned
# hooks go on limiting; a restart takes them over (no second hook, same
# counters); 20 kill/restart cycles leave the counts of BPF links,
# programs, maps and pins as they were; `wirefisher down` removes it all.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail persist_setup "cannot build namespaces"; finish; }
PROGS_START=$(wf_prog_count)
write_config "$TMP/wf.yaml" "persist: true
rules:
  - name: udp-9400
    match: { dst: $IP_B, proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
    burst: 16kB"

links() { bpftool link show 2>/dev/null | grep -c '^[0-9]*: ' || true; }
maps() { bpftool map show 2>/dev/null | grep -cE 'name wf_' || true; }
pins() { ls "$PIN" 2>/dev/null | wc -l; }
counts() { echo "links $(links) programs $(wf_prog_count) maps $(maps) pins $(pins)"; }

# start_timed [CONFIG]: start the daemon and wait (bounded: 30 s x TS)
# for its "running" line; STARTUP_MS is the time from exec to that line.
# RUNNING says whether it came (a daemon still loading is alive but has
# attached nothing: under TCG on 6.1 a policing set takes 2 minutes).
start_timed() {
	local t0 i
	t0=$(date +%s%N)
	$IN_A "$WF" -c "${1:-$TMP/wf.yaml}" >> "$TMP/wf.log" 2>&1 &
	WF_PID=$!
	RUNNING=false
	for ((i = 0; i < 1500 * TS; i++)); do
		if [ "$(grep -c '^wirefisher: running' "$TMP/wf.log")" -gt "$RUNS" ]; then
			RUNNING=true
			break
		fi
		kill -0 "$WF_PID" 2>/dev/null || break
		sleep 0.02
	done
	STARTUP_MS=$((($(date +%s%N) - t0) / 1000000))
	RUNS=$((RUNS + 1))
}
RUNS=0

start_timed
check persist_first_start $RUNNING
log "first start took ${STARTUP_MS} ms"
kill -KILL "$WF_PID"
wait "$WF_PID" 2>/dev/null
WF_PID=

# Daemon dead: the limit holds. UDP at 2x the rate for 4 s.
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 4 972)
log "daemon killed: received $got of $sent at $rate B/s (limit 1000000)"
check persist_limit_holds_while_dead at_limit "$rate" 1000000 10
check persist_dropped_while_dead [ "$got" -lt "$sent" ]
dead_seen=$(rule udp-9400 'r["passed"] + r["dropped"]')
check persist_counted_while_dead [ "$dead_seen" = "$sent" ]

# Restart: the hooks are taken over, not doubled; counters go on.
start_timed
log "restart took ${STARTUP_MS} ms"
check persist_restart_running $RUNNING
claim persist_restart_within_2s [ "$STARTUP_MS" -lt 2000 ]
check persist_restart_took_over grep -q "taking over the hooks and maps pinned in $PIN" "$TMP/wf.log"
check persist_restart_keeps_counters [ "$(rule udp-9400 'r["passed"] + r["dropped"]')" = "$dead_seen" ]
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 2 972)
log "after restart: received $got of $sent at $rate B/s"
check persist_limit_after_restart within "$rate" 1000000 10
check persist_one_hook_after_restart \
	[ "$(rule udp-9400 'r["passed"] + r["dropped"]')" = "$((dead_seen + sent))" ]

# 20 kill -9 / restart cycles: nothing accumulates.
base=$(counts)
slowest=0 bad=0
for ((c = 0; c < 20; c++)); do
	kill -KILL "$WF_PID"
	wait "$WF_PID" 2>/dev/null
	start_timed
	$RUNNING || bad=$((bad + 1))
	[ "$STARTUP_MS" -gt "$slowest" ] && slowest=$STARTUP_MS
done
check persist_cycles_all_restarted [ "$bad" = 0 ]
check persist_cycles_counts_unchanged settled "$base" counts
log "20 cycles: before [$base], after [$(counts)]; slowest restart ${slowest} ms"
claim persist_cycles_restart_within_2s [ "$slowest" -lt 2000 ]
$IN_A "$UDP" send "$IP_B" 9999 10 100 1000 > /dev/null
check persist_cycles_still_accounting \
	[ "$(stats_json | json 'len(flows(proto="udp", dport=9999, dir="egress"))')" = 1 ]

# SIGTERM with persist: the daemon goes, the hooks stay, readers see it.
kill -TERM "$WF_PID"
wait_gone "$WF_PID" 10
check persist_sigterm_exits_within_1s bash -c "! kill -0 $WF_PID 2>/dev/null"
wait "$WF_PID"
check persist_sigterm_exit_0 [ $? -eq 0 ]
WF_PID=
check persist_sigterm_keeps_programs [ "$(wf_prog_count)" -gt "$PROGS_START" ]
check persist_stats_say_stopped bash -c "$IN_A $WF stats --pin-dir $PIN | grep -q 'not running'"

# Without persist, a start takes the hooks over and its stop removes them.
write_config "$TMP/np.yaml" "rules:
  - name: udp-9400
    match: { dst: $IP_B, proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
    burst: 16kB"
before_np=$(grep -c "taking over" "$TMP/wf.log")
start_timed "$TMP/np.yaml"
check persist_off_takes_over [ "$(grep -c "taking over" "$TMP/wf.log")" -gt "$before_np" ]
check persist_off_unpins_hooks bash -c "! ls $PIN | grep -q '^link_'"
wf_stop
sleep 0.3
check persist_off_stop_removes_programs settled "$PROGS_START" wf_prog_count
check persist_off_stop_removes_pins [ ! -e "$PIN" ]

# persist again, stopped, then down: everything gone.
start_timed
kill -TERM "$WF_PID"; wait "$WF_PID"; WF_PID=
$IN_A "$WF" down --pin-dir "$PIN" > "$TMP/down.log" 2>&1
check persist_down_exit_0 [ $? -eq 0 ]
check persist_down_removes_programs settled "$PROGS_START" wf_prog_count
check persist_down_removes_pins [ ! -e "$PIN" ]
# down with nothing there: says so, exit 0.
$IN_A "$WF" down --pin-dir "$PIN" > "$TMP/down2.log" 2>&1
check persist_down_again_exit_0 [ $? -eq 0 ]
check persist_down_again_says_nothing grep -q "nothing of wirefisher's" "$TMP/down2.log"
rmdir "$PIN" 2>/dev/null

# Pins of another layout version (an older wirefisher's): removed at start.
mkdir -p "$PIN"
bpftool map create "$PIN/wf_info" type array key 4 value 48 entries 1 name wf_info
bpftool map update pinned "$PIN/wf_info" key 0 0 0 0 value 9 $(printf '0 %.0s' $(seq 47))
bpftool map create "$PIN/wf_flows" type hash key 4 value 4 entries 8 name wf_flows
start_timed "$TMP/np.yaml"
check persist_old_layout_removed grep -q "removed 2 pins of layout version 9 (this is" "$TMP/wf.log"
check persist_old_layout_started kill -0 "$WF_PID"
wf_stop
check persist_old_layout_stop_clean [ ! -e "$PIN" ]
finish
