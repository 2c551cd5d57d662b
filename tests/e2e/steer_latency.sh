#!/usr/bin/env bash
# Scores over real WireGuard tunnels, both through a relay that can add
# delay (netem is absent here): delay on the active path makes the other
# path win, and new traffic follows it; a path only 1.2x better does not
# move the route (switch factor 1.5); 2x better does, after the hold.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail latency_setup "cannot build namespaces"; finish; }
wglab_up relay relay || { fail latency_setup "cannot build the tunnels"; finish; }
# silence: off - this test is about the score's hysteresis; a path whose
# RTT jumps at once past the silence limit is taken for dead by design
# (README, failure noticed from traffic), which is not what it measures.
steer_yaml "$PIN" c failover-equal "1 2" "hold: 1s, silence: off" > "$TMP/c.yaml"
wf_start "$TMP/c.yaml" || { fail latency_start "daemon did not start"; finish; }
wait_all_up 100 || { fail latency_start "paths not up"; finish; }
wait_via p1 30 || wait_via p2 1 || { fail latency_start "no route"; finish; }
x=$(route_via); x=${x#p}; y=$((3 - x))
log "starts on p$x"

# A relay delay of D ms each way adds 2D ms of RTT: 0.02 of score per ms.
wglab_relay $x drop=0 delay_ms=50
check latency_slower_path_left wait_via p$y 80
before_x=$(wg_tx $x) before_y=$(wg_tx $y)
# Paced: an unpaced burst overflows the TUN queue of a userspace tunnel.
$IN_A "$UDP" send 10.99.0.1 9400 200 1000 2000 9401 10.96.0.2 > /dev/null
dx=$(( $(wg_tx $x) - before_x )) dy=$(( $(wg_tx $y) - before_y ))
log "a new flow's 200 kB: $dy bytes by p$y, $dx by p$x"
check latency_traffic_follows test "$dy" -ge 200000 -a "$dx" -lt 50000

# p$y at 120 ms, p$x at 100 ms: p$x 1.2x better, for 6 s (> hold): stay.
wglab_relay $y drop=0 delay_ms=60
sleep 6
check latency_1_2x_no_switch test "$(route_via)" = "p$y"
$IN_A "$WF" paths --pin-dir "$PIN" >&2
# p$y at 200 ms: p$x 2x better: switch.
wglab_relay $y drop=0 delay_ms=100
check latency_2x_switches wait_via p$x 100
finish
