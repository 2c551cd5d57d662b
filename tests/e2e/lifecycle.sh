#!/usr/bin/env bash
# Start-up, stop and interfaces that come and go.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail life_setup "cannot build namespaces"; finish; }
write_config "$TMP/wf.yaml"
before=$(wf_prog_count)

# SIGINT at several points of start-up: never anything left behind.
# A script's background job starts with SIGINT ignored (POSIX); a daemon
# in a terminal does not: --default-signal gives it the terminal's view.
for delay in 0 0.01 0.03 0.06 0.1 0.2 0.4; do
	env --default-signal=INT $IN_A "$WF" -c "$TMP/wf.yaml" > "$TMP/int.log" 2>&1 &
	pid=$!
	# Until the exec, the child is a bash that ignores SIGINT: wait for
	# wirefisher itself (bounded), then count the delay from there.
	for ((i = 0; i < 200; i++)); do
		[ "$(readlink /proc/$pid/exe 2>/dev/null)" = "$WF" ] && break
		sleep 0.005
	done
	sleep $delay
	kill -INT $pid
	if ! wait_gone $pid $((100 * TS)); then
		kill -KILL $pid
		fail "life_sigint_at_${delay}s" "still running 10 s after SIGINT: $(cat "$TMP/int.log")"
		wait $pid
		continue
	fi
	wait $pid
	rc=$?
	# 130: killed before it set its handler, when it had done nothing yet.
	if { [ $rc -ne 0 ] && [ $rc -ne 130 ]; } || [ -e "$PIN" ] || [ "$(wf_prog_count)" != "$before" ]; then
		fail "life_sigint_at_${delay}s" "rc $rc, pins: $(ls "$PIN" 2>&1), progs $(wf_prog_count) vs $before: $(cat "$TMP/int.log")"
	else
		pass "life_sigint_at_${delay}s"
	fi
done

# A normal run, then SIGTERM: everything gone within a second.
wf_start "$TMP/wf.yaml" || fail life_start "daemon did not start"
check life_programs_loaded [ "$(wf_prog_count)" -ge $((before + 2)) ]
kill -TERM "$WF_PID"
wait_gone "$WF_PID" 10
check life_sigterm_exits_within_1s bash -c "! kill -0 $WF_PID 2>/dev/null"
wait "$WF_PID"
check life_sigterm_exit_0 [ $? -eq 0 ]
WF_PID=
check life_sigterm_no_pins [ ! -e "$PIN" ]
check life_sigterm_no_programs [ "$(wf_prog_count)" = "$before" ]

# The interface is deleted while running: the daemon survives, says so once,
# and attaches again when an interface of that name returns.
wf_start "$TMP/wf.yaml" || fail life_start2 "daemon did not start"
ip netns exec "$NS_A" ip link del "$IF_A"
sleep 0.5
check life_iface_gone_survives kill -0 "$WF_PID"
ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
$IN_A ip addr add "$IP_A/24" dev "$IF_A"
$IN_B ip addr add "$IP_B/24" dev "$IF_B"
$IN_A ip link set "$IF_A" up
$IN_B ip link set "$IF_B" up
for ((i = 0; i < 30 * TS; i++)); do
	[ "$(grep -c "attached to $IF_A" "$TMP/wf.log")" -ge 2 ] && break
	sleep 0.1
done
check life_iface_gone_logged_once [ "$(grep -c "$IF_A went away" "$TMP/wf.log")" = 1 ]
check life_iface_back_reattached [ "$(grep -c "attached to $IF_A" "$TMP/wf.log")" = 2 ]
$IN_B "$UDP" recv "$IP_B" 9200 100 $((2000 * TS)) > /dev/null &
BG_PIDS+=($!)
udp_bound "$IN_B" 9200 $!
$IN_A "$UDP" send "$IP_B" 9200 100 100 0 4200 > /dev/null
stats_json > "$TMP/after.json"
check life_counts_after_return [ "$(json 'flow(sport=4200, dport=9200)["packets"]' < "$TMP/after.json")" = 100 ]
wf_stop
check life_stop_after_flap_exit_0 [ $? -eq 0 ]

# An optional interface absent at start-up is attached when it appears.
printf 'interfaces:\n  - name: %s\n  - name: wfopt0\n    optional: true\npin_dir: %s\n' \
	"$IF_A" "$PIN" > "$TMP/opt.yaml"
wf_start "$TMP/opt.yaml" || fail life_optional_start "daemon did not start"
check life_optional_warned grep -q "wfopt0 is not here yet" "$TMP/wf.log"
$IN_A ip link add wfopt0 type veth peer name wfopt1
for ((i = 0; i < 30 * TS; i++)); do
	grep -q "attached to wfopt0" "$TMP/wf.log" && break
	sleep 0.1
done
check life_optional_attached_on_arrival grep -q "attached to wfopt0" "$TMP/wf.log"
wf_stop
check life_optional_stop_clean [ ! -e "$PIN" ]
finish
