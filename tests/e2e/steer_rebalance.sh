#!/usr/bin/env bash
# Rebalancing without reordering (flowlets) over three real WireGuard
# tunnels. Six flows start while only path 1 is up (2 and 3 cut); then 2
# and 3 come back. A running flow may move only after an idle gap longer
# than the route's flowlet gap (the paths' delay spread + margin), so the
# paths that came up are filled by the running flows, not only new ones.
#
# The flows are UDP streams that pause 0.6 s between 40-datagram bursts,
# each from its own fixed source port (one flow each): every pause is an
# idle gap, so the moves are certain. Asserted: moves happened
# (flowlet_moves >= 2; a perfect 2/2/2 takes 4) and every path carries a
# flow at the end. How soon *bulk* TCP
# flows move depends on when TCP pauses longer than the gap out of a full
# queue (loss recovery): that figure is bench/steer.sh's.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

FLOWS=6
PAUSE=0.6

netns_up || { fail rebalance_setup "cannot build namespaces"; finish; }
wglab_up direct relay relay || { fail rebalance_setup "cannot build the tunnels"; finish; }

STEER_FLOWLET=auto steer_yaml "$PIN" c spread-equal "1 2 3" > "$TMP/c.yaml"
wglab_cut 2
wglab_cut 3
wf_start "$TMP/c.yaml" || { fail rebalance_start "daemon did not start"; finish; }

# paths_field FIELD: the field of every path of A's daemon.
paths_field() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		python3 -c 'import json,sys; print(" ".join(str(p[sys.argv[1]]) for p in json.load(sys.stdin)["paths"]))' "$1"
}

# only_p1 TENTHS: until p1 alone is usable.
only_p1() {
	local i
	for ((i = 0; i < $1; i++)); do
		[ "$($IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
			python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["routes"][0]["usable"]))' 2>/dev/null)" = p1 ] &&
			return 0
		sleep 0.1
	done
	return 1
}
check rebalance_one_path_first only_p1 100

# One receiver per flow (its own port): no port-unreachable comes back.
for ((f = 1; f <= FLOWS; f++)); do
	$IN_B "$UDP" recv 10.99.0.1 $((9500 + f)) 100000 $((3000 * TS)) > "$TMP/recv$f" &
	BG_PIDS+=($!)
	udp_bound "$IN_B" $((9500 + f)) $!
done
# flow F: bursts of 40 datagrams (1000/s) from port 9600+F, PAUSE apart,
# until $TMP/stop appears (bounded: 60 bursts).
flow() {
	local i
	for ((i = 0; i < 60; i++)); do
		[ -e "$TMP/stop" ] && return
		$IN_A "$UDP" send 10.99.0.1 $((9500 + $1)) 40 200 1000 $((9600 + $1)) 10.96.0.2 > /dev/null
		sleep "$PAUSE"
	done
}
pids=()
for ((f = 1; f <= FLOWS; f++)); do
	flow $f &
	pids+=($!)
done
sleep 2
before=$(paths_field flows)
wglab_heal 2
wglab_heal 3
check rebalance_all_up wait_all_up 150
sleep 4 # at least 5 pauses of every flow with all three usable
touch "$TMP/stop"
wait "${pids[@]}"

# The walk counts live flows every second or so: poll, bounded.
for ((i = 0; i < 30; i++)); do
	flows=$(paths_field flows)
	[ "$(tr ' ' '\n' <<< "$flows" | grep -c '^0$')" = 0 ] && break
	sleep 0.1
done
moves=$(paths_field flowlet_moves | tr ' ' '+' | bc)
gap=$($IN_A "$WF" paths --json --pin-dir "$PIN" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["routes"][0]["flowlet_ms"])')
log "$FLOWS paused UDP flows: flows per path $before before the heal, $flows after;" \
	"flowlet moves $moves, gap $gap ms"
check rebalance_flows_moved test "$moves" -ge 2
check rebalance_every_path_used python3 -c "import sys; sys.exit(not all(int(f) >= 1 for f in '$flows'.split()))"
finish
