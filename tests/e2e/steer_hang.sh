#!/usr/bin/env bash
# The daemon's loop waits on nobody, and gives up on nothing it sent.
# Three wireguard-go paths, probed every 20 ms with a 1 s timeout: 50
# rounds in flight, more than the prober's old 32-round ring held.
#   - Path 1's underlay is cut: it goes down within the timeout + 3
#     intervals (+ margin). With the old ring every round was overwritten
#     before its deadline and a dead path stayed up forever.
#   - The client ends of paths 1 and 2 are stopped (kill -STOP): a stopped
#     wireguard-go does not answer its control socket, which the daemon
#     once waited 200 ms a path a second on. It keeps probing path 3 at its
#     cadence, and SIGTERM stops it within 1 s.
#   - The daemon's stderr into `head -1`: it survives the closed pipe
#     (SIGPIPE), logs again (a reload) and stops cleanly.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

STOPPED=()
netns_up || { fail steer_hang_setup "cannot build namespaces"; finish; }
# A stopped wireguard-go neither exits on SIGTERM nor removes its socket.
trap 'for p in "${STOPPED[@]}"; do kill -CONT "$p" 2>/dev/null; done; cleanup' EXIT
wglab_up direct direct direct || { fail steer_hang_setup "cannot build the tunnels"; finish; }

INTERVAL_MS=20
steer_yaml "$PIN" c failover "1 2 3" "interval: ${INTERVAL_MS}ms, timeout: 1s, hold: 2s" \
	> "$TMP/c.yaml"
wf_start "$TMP/c.yaml" || { fail steer_hang_start "daemon"; finish; }
wait_all_up 100 || { fail steer_hang_start "paths not up"; finish; }

# paths_field FIELD: FIELD of every path, space-separated, then the time.
paths_field() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		python3 -c 'import json,sys,time
p = json.load(sys.stdin)["paths"]
print(" ".join(str(x[sys.argv[1]]) for x in p), "%.3f" % time.time())' "$1" \
		2>/dev/null
}

# ---- path 1: dead ------------------------------------------------------
t_cut=$(date +%s.%N)
wglab_cut 1
# Down within 1 s + 3 x 20 ms after the last answer; 0.9 s of margin for
# a loaded machine and the 0.1 s polling here.
down_s=
for ((i = 0; i < 50; i++)); do
	read -r s1 s2 s3 now <<< "$(paths_field state)"
	if [ "${s1:-}" = down ]; then
		down_s=$(python3 -c "print('%.2f' % ($now - $t_cut))")
		break
	fi
	sleep 0.1
done
log "cut path down after ${down_s:-never (5 s)} s (bound 1.06 s + 0.9 s margin)"
claim steer_hang_dead_path_down python3 -c "import sys; sys.exit(not '$down_s' or float('$down_s') > 1.96)"
check steer_hang_live_paths_up test "${s2:-} ${s3:-}" = "up up"

# ---- paths 1 and 2: wireguard-go stopped --------------------------------
for k in 1 2; do STOPPED+=("${WG_PID_OF[${WG_C[$k]}]}"); done
kill -STOP "${STOPPED[@]}"
wait_via p3 50 || log "the route did not move to p3"

# Rounds keep their cadence: over 3 s, the live path's probes_sent grows by
# the elapsed time / interval, within 25 % (the old loop lost 40-50 % here).
read -r _ _ a0 t0 <<< "$(paths_field probes_sent)"
sleep 3
read -r _ _ a1 t1 <<< "$(paths_field probes_sent)"
ratio=$(python3 -c "print('%.2f' % (($a1 - $a0) / (($t1 - $t0) * 1000 / $INTERVAL_MS)))")
log "live path: $((a1 - a0)) rounds in $(python3 -c "print('%.2f' % ($t1 - $t0))") s," \
	"$ratio of the cadence"
check steer_hang_probing_goes_on python3 -c "import sys; sys.exit(not $ratio >= 0.75)"
check steer_hang_route_moved test "$(route_via)" = p3

# SIGTERM with the wireguard-go processes still stopped.
kill -TERM "$WF_PID"
t_term=$(date +%s.%N)
wait_gone "$WF_PID" 10
gone=$?
log "stopped $(python3 -c "print('%.2f' % ($(date +%s.%N) - $t_term))") s after SIGTERM"
check steer_hang_sigterm_within_1s test $gone -eq 0
if [ $gone -eq 0 ]; then
	wait "$WF_PID"
	check steer_hang_sigterm_exit_0 test $? -eq 0
	WF_PID=
fi
kill -CONT "${STOPPED[@]}"
STOPPED=()

# ---- stderr into a pipe whose reader goes away --------------------------
$IN_A "$WF" -c "$TMP/c.yaml" > >(head -1 > "$TMP/head.out") 2>&1 &
WF_PID=$!
for ((i = 0; i < 100 * TS; i++)); do
	[ -e "$PIN/wf_info" ] && break
	kill -0 "$WF_PID" 2>/dev/null || break
	sleep 0.1
done
sleep 0.5	# head has its line and is gone; the daemon logged since
check steer_hang_pipe_started kill -0 "$WF_PID"
check steer_hang_pipe_head_got_a_line test -s "$TMP/head.out"
# A reload logs several lines into the closed pipe. The rounds are waited
# for (bounded), not counted over a fixed second: under TCG a second holds
# few of them.
kill -HUP "$WF_PID" 2>/dev/null
read -r _ _ a0 _ <<< "$(paths_field probes_sent)"
probing_on() {
	local a1
	read -r _ _ a1 _ <<< "$(paths_field probes_sent)"
	[ "${a1:-0}" -gt "${a0:-0}" ]
}
check steer_hang_pipe_still_probing wait_for $((100 * TS)) probing_on
check steer_hang_pipe_survives_logging kill -0 "$WF_PID"
if kill -TERM "$WF_PID" 2>/dev/null && wait_gone "$WF_PID" $((10 * TS)); then
	wait "$WF_PID"
	check steer_hang_pipe_clean_stop test $? -eq 0
	WF_PID=
else
	fail steer_hang_pipe_clean_stop "not stopped within $TS s of SIGTERM"
fi
finish
