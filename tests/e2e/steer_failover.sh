#!/usr/bin/env bash
# Failover over real WireGuard tunnels (wireguard-go): a direct path and one
# through a relay namespace, wirefisher on both ends. A steady UDP stream
# (1000 datagrams/s) runs while the direct underlay is cut: the longest
# silence at the receiver is the failover time, bounded by the design's
# (k + 0.5) x interval + 5 ms. Replies (ping, TCP) follow the live path too.
# Then: the route comes back only after m answered probes and the hold; a
# path cut and healed every 2 s does not make the route flap.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

INTERVAL_MS=200		# the default
K=3
M=3

netns_up || { fail steer_setup "cannot build namespaces"; finish; }
wglab_up direct relay || { fail steer_setup "cannot build the tunnels"; finish; }
printf '#!/bin/sh\necho "$WF_PATH $WF_DEVICE $WF_OLD_STATE $WF_NEW_STATE" >> %s\n' \
	"$TMP/hook.log" > "$TMP/hook.sh"
chmod 0755 "$TMP/hook.sh"
steer_yaml "$PIN" c failover "1 2" "hold: 2s" "on_change: $TMP/hook.sh" > "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail steer_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail steer_start "client daemon"; finish; }
check steer_starts_on_direct wait_via p1 30
check steer_all_paths_up wait_all_up 100
check steer_server_paths_up wait_all_up 100 "$PIN_S"

# stream SECS: 1000 datagrams/s from A to the service address for SECS;
# run in the background; `stream_wait` waits for both ends and sets $line
# to the receiver's result (not in a $(...) subshell, which cannot wait).
stream() {
	$IN_B "$UDP" recv 10.99.0.1 9300 $(($1 * 1000)) $((1500 * TS)) > "$TMP/recv" &
	RECV=$!
	udp_bound "$IN_B" 9300 $RECV
	$IN_A "$UDP" send 10.99.0.1 9300 $(($1 * 1000)) 200 1000 9301 10.96.0.2 \
		> /dev/null &
	SEND=$!
}
stream_wait() { wait "$SEND"; wait "$RECV"; line=$(tail -n 1 "$TMP/recv"); }

# (a) failover time
stream 4
sleep 1
wglab_cut 1
stream_wait
gap=$(kv max_gap_ms "$line")
bound=$(( (2 * K + 1) * INTERVAL_MS / 2 + 5 ))
log "failover: longest silence ${gap} ms (bound ${bound} ms; $line)"
echo "FIGURE steer_failover_ms=$gap bound_ms=$bound"
claim steer_failover_within_bound python3 -c "import sys; sys.exit(not 0 < $gap <= $bound)"
check steer_route_on_relay wait_via p2 10
check steer_hook_ran grep -qx "p1 ${WG_C[1]} up down" "$TMP/hook.log"
# Both directions: the server's daemon moved the replies too.
pings() { $IN_A ping -c 3 -i 0.2 -W 1 -I 10.96.0.2 10.99.0.1 > /dev/null; }
check steer_ping_after_failover pings

# (a) back only after m answered probes (and the hold, 2 s here)
t0=$(date +%s%N)
wglab_heal 1
if wait_via p1 100; then
	back_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	log "route back on the direct path ${back_ms} ms after the heal"
	echo "FIGURE steer_back_ms=$back_ms"
	check steer_back_after_m_probes test "$back_ms" -ge $(( (M - 1) * INTERVAL_MS ))
else
	fail steer_back_after_m_probes "the route never came back to p1"
fi

check steer_hook_back grep -qx "p1 ${WG_C[1]} down up" "$TMP/hook.log"

# (a) a path toggled every 2 s: the route leaves it once and stays away
before=$(grep -c 'route 10.99.0.0/24: via' "$TMP/wf.log")
for i in 1 2 3 4 5 6; do
	wglab_cut 1
	sleep 2
	wglab_heal 1
	sleep 2
done
changes=$(( $(grep -c 'route 10.99.0.0/24: via' "$TMP/wf.log") - before ))
log "route changes over 24 s of a path flapping every 2 s: $changes"
claim steer_no_flap test "$changes" -eq 1
check steer_daemons_alive kill -0 "$WF_PID" "$WF_S_PID"
finish
