#!/usr/bin/env bash
# Aggregate over three real WireGuard tunnels (wireguard-go) whose underlays
# are each capped at 8 Mbit/s (tbf): ONE TCP flow must go clearly faster
# than one path can carry - at least 1.5 times what the same flow gets over
# one tunnel, measured in the same run (the target, >= 0.85 of the sum, is
# measured by bench/steer.sh, not asserted on this shared machine) - and
# every path must carry its share, as `paths --json` counts it. Then the
# same over unequal caps 8 + 4 + 2 Mbit/s with weights 8:4:2: the bytes
# each path carried follow the weights. A path cut in the middle of a
# flow: the flow goes on over the other two.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

SECS=6
netns_up || { fail agg_setup "cannot build namespaces"; finish; }
wglab_up direct relay relay || { fail agg_setup "cannot build the tunnels"; finish; }
for k in 1 2 3; do wglab_cap $k 8mbit; done
iperf_servers 5201
export NSTAT_HISTORY=$TMP/nstat	# nstat's own history, not the user's

# agg_bytes: the bytes aggregate routes sent by each path, "b1 b2 b3".
agg_bytes() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" |
		python3 -c 'import json,sys; print(" ".join(str(p["aggregate"]["bytes"]) for p in json.load(sys.stdin)["paths"]))'
}
# nst NS COUNTER: a TCP counter of namespace NS, absolute.
nst() { $1 nstat -az "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }

wglab_route_single 1
one=$(iperf_mbit 10.99.0.1 5201 $SECS -C cubic)
log "one TCP flow over one tunnel: $one Mbit/s"

steer_yaml "$PIN" c aggregate-equal "1 2 3" > "$TMP/c.yaml"
wf_start "$TMP/c.yaml" || { fail agg_start "daemon did not start"; finish; }
if ! wait_all_up 100; then
	$IN_A "$WF" paths --pin-dir "$PIN" >&2
	fail agg_start "paths not up"
	finish
fi
check agg_mode_shown bash -c "$IN_A $WF paths --json --pin-dir $PIN | grep -q '\"mode\":\"aggregate\"'"
r0=$(nst "$IN_A" TcpExtTCPSACKReorder) o0=$(nst "$IN_B" TcpExtTCPOFOQueue) x0=$(nst "$IN_A" TcpRetransSegs)
agg=$(iperf_mbit 10.99.0.1 5201 $SECS -C cubic)
r1=$(nst "$IN_A" TcpExtTCPSACKReorder) o1=$(nst "$IN_B" TcpExtTCPOFOQueue) x1=$(nst "$IN_A" TcpRetransSegs)
bytes=$(agg_bytes)
log "one TCP flow, aggregate over 3 x 8 Mbit/s: $agg Mbit/s (one tunnel: $one);" \
	"bytes per path: $bytes; SACK reorder $((r1 - r0)), OFO queued $((o1 - o0)), retransmitted $((x1 - x0))"
echo "FIGURE agg_equal_mbit=$agg one_path_mbit=$one"
check agg_beats_one_path python3 -c "import sys; sys.exit(not $agg >= 1.5 * $one > 0)"
check agg_every_path_carries python3 -c "
import sys; b = [int(x) for x in '$bytes'.split()]
sys.exit(not (len(b) == 3 and all(x >= 0.2 * sum(b) for x in b)))"

# A path cut mid-flow: the flow goes on over the others.
before=$(agg_bytes)
iperf_mbit 10.99.0.1 5201 $SECS -C cubic > "$TMP/cut" &
ip_pid=$!
sleep 2
wglab_cut 2
wait "$ip_pid"
wglab_heal 2
after=$(agg_bytes)
cut=$(cat "$TMP/cut")
log "path 2 cut 2 s into a ${SECS} s flow: $cut Mbit/s; bytes before $before, after $after"
check agg_survives_cut python3 -c "import sys; sys.exit(not $cut >= 0.8 * $one)"
wf_stop

# Unequal: 8 + 4 + 2 Mbit/s, weights 8:4:2.
wglab_cap 2 4mbit
wglab_cap 3 2mbit
STEER_WEIGHTS="8 4 2" steer_yaml "$PIN" c aggregate-equal "1 2 3" > "$TMP/u.yaml"
wf_start "$TMP/u.yaml" || { fail agg_start_unequal "daemon did not start"; finish; }
wait_all_up 100 || { fail agg_start_unequal "paths not up"; finish; }
un=$(iperf_mbit 10.99.0.1 5201 $SECS -C cubic)
bytes=$(agg_bytes)
log "one TCP flow, aggregate over 8 + 4 + 2 Mbit/s: $un Mbit/s; bytes per path: $bytes"
echo "FIGURE agg_unequal_mbit=$un"
check agg_unequal_beats_fastest python3 -c "import sys; sys.exit(not $un >= 1.15 * $one > 0)"
check agg_unequal_follows_weights python3 -c "
import sys; b = [int(x) for x in '$bytes'.split()]; t = sum(b)
sys.exit(not (t and all(abs(x / t - w / 14) <= 0.05 for x, w in zip(b, (8, 4, 2)))))"
check agg_daemon_alive kill -0 "$WF_PID"
finish
