#!/usr/bin/env bash
# Steering IPv6 over real WireGuard tunnels (wireguard-go): a direct path and
# two through relays, each tunnel carrying an IPv6 inner plan (wglab.sh
# WGLAB_V6: fd96:k::/64 per tunnel, A's steering address fd96::2, B's
# service address fd99::1), wirefisher on both ends with IPv6 routes
# (client fd99::/64, server fd96::2) and IPv6 probe targets only.
#   - failover: an IPv6 UDP stream leaves by the active path alone (the
#     client's per-device flow counts: every datagram on p1); the active
#     underlay cut mid-stream, the stream moves to p2 within the k-rounds
#     bound the IPv4 tests use, every datagram sent leaving by p1 or p2; the
#     replies (ping -6) follow at the server; `switch` by the IPv6 prefix;
#   - duplicate, selectors with IPv6 addresses and ports at both ends: a
#     1000/s stream arrives exactly once per datagram, the far end counting
#     one passed and one dropped copy each; the active underlay cut at a
#     random moment loses nothing (the same <= 1 margin as steer_duplicate);
#   - spread (after a reload to mode spread): six IPv6 flows use all three
#     paths, each flow on one path, every datagram arriving.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

INTERVAL_MS=200		# the default
K=3
TRIALS=${TRIALS:-2}
export WGLAB_V6=1 STEER_FAMILY=6

netns_up || { fail v6_setup "cannot build namespaces"; finish; }
wglab_up direct relay relay || { fail v6_setup "cannot build the tunnels"; finish; }
STEER_DUP="{ dst: fd99::1, proto: udp, dport: 9300 }" \
	steer_yaml "$PIN" c failover "1 2 3" "hold: 1s" > "$TMP/c.yaml"
STEER_DUP="{ src: fd99::1, proto: udp, sport: 9300 }" \
	steer_yaml "$PIN_S" s failover "1 2 3" "hold: 1s" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail v6_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail v6_start "client daemon"; finish; }
check v6_paths_up wait_all_up 100
check v6_server_paths_up wait_all_up 100 "$PIN_S"
check v6_starts_on_direct wait_via p1 30

# stream N SPORT DPORT: N datagrams at 1000/s from fd96::2 to fd99::1, in
# the background; stream_wait waits for both ends and sets $line.
stream() {
	$IN_B "$UDP" recv fd99::1 "$3" "$1" $((1500 * TS)) > "$TMP/recv" &
	RECV=$!
	udp_bound "$IN_B" "$3" "$RECV"
	$IN_A "$UDP" send fd99::1 "$3" "$1" 200 1000 "$2" fd96::2 > /dev/null &
	SEND=$!
}
stream_wait() { wait "$SEND"; wait "$RECV"; line=$(tail -n 1 "$TMP/recv"); }

# sent_by SPORT: the datagrams from SPORT each tunnel of A sent ("p1 p2
# p3"), from the client's own per-device flow counts (a steered packet is
# counted at the device it leaves by only).
sent_by() {
	$IN_A "$WF" stats --json --pin-dir "$PIN" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = {dev: 0 for dev in sys.argv[2:]}
for f in d["flows"]:
    if (f["ifname"] in n and f["dir"] == "egress" and f["family"] == 6 and
            f["proto_num"] == 17 and f["sport"] == int(sys.argv[1])):
        n[f["ifname"]] += f["packets"]
print(" ".join(str(n[x]) for x in sys.argv[2:]))' "$1" "${WG_C[1]}" "${WG_C[2]}" "${WG_C[3]}"
}

# (1) failover. No cut: every datagram by p1, and each arrives.
stream 1000 9501 9500
stream_wait
log "no cut: $line; sent by p1 p2 p3: $(sent_by 9501)"
read -r n1 n2 n3 <<< "$(sent_by 9501)"
check v6_stream_left_by_paths test $((n1 + n2 + n3)) = 1000
# Each arrives: under TCG (6.1 VM) wireguard-go itself lost 164 of 1000
# that all left by p1, so there it is a claim.
claim v6_stream_arrives python3 -c "import sys; sys.exit(not ('distinct=1000 dups=0' in '$line'))"
# By p1 alone while it is healthy: under TCG (6.12 VM) wireguard-go's RTT
# reaches 0.3-1 s, past the probe timeout, and the route moves (368 632 0).
claim v6_stream_by_active_path test "$n1 $n2 $n3" = "1000 0 0"

# The active underlay cut mid-stream.
stream 3000 9502 9500
sleep 1
wglab_cut 1
stream_wait
gap=$(kv max_gap_ms "$line")
bound=$(( (2 * K + 1) * INTERVAL_MS / 2 + 5 ))
read -r n1 n2 n3 <<< "$(sent_by 9502)"
log "cut: longest silence ${gap} ms (bound ${bound} ms); sent by p1 p2 p3: $n1 $n2 $n3; $line"
echo "FIGURE steer_ipv6_failover_ms=$gap bound_ms=$bound"
claim v6_failover_within_bound python3 -c "import sys; sys.exit(not 0 < $gap <= $bound)"
check v6_failover_left_by_paths test $((n1 + n2 + n3)) = 3000 -a "$n1" -gt 0
# Off p1 before the stream's end: under TCG (6.1 and 6.12 VMs in one
# whole lab run) the route moved only after the last datagram (3000 0 0;
# 1812 and 2646 arrived), so there it is a claim; that it moved is
# checked just below.
claim v6_failover_moved_off_p1 test $((n2 + n3)) -gt 0
# To p2, the next by priority, alone: under TCG (6.1 VM) p2 too misses
# probe rounds now and then (wireguard-go's RTT passes the timeout) and
# is taken down for a while, so some leave by p3 (1084 370 1546).
claim v6_failover_moved_to_p2 test "$((n1 + n2)) $n3" = "3000 0" -a "$n1" -gt 0 -a "$n2" -gt 0
check v6_route_on_p2 wait_via p2 10
check v6_server_route_on_p2 wait_via p2 30 "$PIN_S"
pings() { $IN_A ping -6 -c 3 -i 0.2 -W 1 -I fd96::2 fd99::1 > /dev/null; }
check v6_ping_after_failover pings
wglab_heal 1
check v6_back_on_p1 wait_via p1 100
check v6_server_back_on_p1 wait_via p1 100 "$PIN_S"
# `switch` takes the route by its IPv6 prefix, and gives it back.
check v6_switch_by_prefix $IN_A "$WF" switch fd99::/64 --via p3 --pin-dir "$PIN"
check v6_switched_to_p3 wait_via p3 10
check v6_switch_auto $IN_A "$WF" switch fd99::/64 --auto --pin-dir "$PIN"
check v6_auto_back_on_p1 wait_via p1 30

# (3) duplicate.
check v6_dup_via_two bash -c "$IN_A $WF paths --json --pin-dir $PIN | grep -q '\"duplicate\":\[\"p1\",\"p2\"\]'"
p0=$(dup_sum "$PIN_S" passed) d0=$(dup_sum "$PIN_S" dropped) c0=$(dup_sum "$PIN" copies)
stream 2000 9301 9300
stream_wait
p1=$(dup_sum "$PIN_S" passed) d1=$(dup_sum "$PIN_S" dropped) c1=$(dup_sum "$PIN" copies)
log "duplicate, no cut: $line; client copies $((c1 - c0)); server passed $((p1 - p0)), dropped $((d1 - d0))"
check v6_dup_exactly_once python3 -c "import sys; sys.exit(not ('distinct=2000 dups=0' in '$line'))"
check v6_dup_counts_exact test "$((c1 - c0)) $((p1 - p0))" = "2000 2000"
claim v6_dup_second_copies_dropped test "$((d1 - d0))" = 2000 # as steer_duplicate

dup_cut_trials "$TRIALS" 9310 9300
echo "FIGURE steer_ipv6_dup_cut_trials=$TRIALS lost=$LOST_TOTAL twice=$TWICE_TOTAL"
# As steer_duplicate.sh: the target is 0; one of each is allowed on the
# loaded 2-CPU machine (a stall past the 1 s window).
claim v6_dup_zero_loss_on_cut test "$LOST_TOTAL" -le 1
check v6_dup_no_second_copy_within_the_window_on_cut test "$TWICE_EARLY" = 0
claim v6_dup_none_twice_on_cut test "$TWICE_TOTAL" -le 1

# (2) spread, by a reload of the client's daemon; flowlet off keeps each
# flow on its first path, so its count is exact. The route gets a second
# IPv6 prefix, fd98::/64, which A does not route through a path: the
# daemon warns about it (it looked at a route's first prefix only, so a
# dual-stack route whose IPv6 anchor was forgotten went unwarned).
STEER_FLOWLET=off steer_yaml "$PIN" c spread-equal "1 2 3" "hold: 1s" |
	sed 's|to: fd99::/64,|to: [fd99::/64, fd98::/64],|' > "$TMP/c.yaml"
check v6_reload_spread $IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN"
check v6_unanchored_prefix_warned grep -q 'routes fd98::/64 via nowhere, not through one of' "$TMP/wf.log"
check v6_spread_paths_up wait_all_up 100
rpids=() spids=()
for s in 1 2 3 4 5 6; do
	# Idle 5 s: the first waits while the others bind.
	$IN_B "$UDP" recv fd99::1 $((9600 + s)) 500 $((5000 * TS)) > "$TMP/recv$s" &
	rpids+=($!)
done
for s in 1 2 3 4 5 6; do udp_bound "$IN_B" $((9600 + s)); done
for s in 1 2 3 4 5 6; do
	$IN_A "$UDP" send fd99::1 $((9600 + s)) 500 200 500 $((9700 + s)) fd96::2 > /dev/null &
	spids+=($!)
	sleep 0.05
done
wait "${spids[@]}" "${rpids[@]}"
per_path=(0 0 0) one_path=0 arrived=0 once=0
for s in 1 2 3 4 5 6; do
	read -r n1 n2 n3 <<< "$(sent_by $((9700 + s)))"
	log "spread flow $s: sent by p1 p2 p3: $n1 $n2 $n3; $(tail -n 1 "$TMP/recv$s")"
	grep -q 'distinct=500 dups=0' "$TMP/recv$s" && arrived=$((arrived + 1))
	[ $((n1 + n2 + n3)) = 500 ] && grep -q ' dups=0' "$TMP/recv$s" && once=$((once + 1))
	case "$n1 $n2 $n3" in
	"500 0 0") per_path[0]=$((per_path[0] + 1)) one_path=$((one_path + 1)) ;;
	"0 500 0") per_path[1]=$((per_path[1] + 1)) one_path=$((one_path + 1)) ;;
	"0 0 500") per_path[2]=$((per_path[2] + 1)) one_path=$((one_path + 1)) ;;
	esac
done
log "spread: flows per path ${per_path[*]}, $one_path of 6 on one path, $arrived of 6 arrived whole"
echo "FIGURE steer_ipv6_spread_flows=${per_path[*]// //}"
# Sticky: a flow moves only when its path goes down - which under TCG
# happens on healthy paths too (6.1 VM: 2 of 6 flows moved, the daemon
# logging those paths down), so there it is a claim.
claim v6_spread_each_flow_one_path test "$one_path" -eq 6
# Every datagram into one tunnel, none received twice: on every kernel.
# That all come out: under TCG a starved wireguard-go drops some (6.1 VM
# on one TCG thread: 468 of 500 sent by p1, p50 latency 348 ms), a claim.
check v6_spread_each_sent_once test "$once" -eq 6
claim v6_spread_all_arrive test "$arrived" -eq 6
check v6_spread_uses_all_paths test "${per_path[0]}" -ge 1 -a "${per_path[1]}" -ge 1 -a "${per_path[2]}" -ge 1
check v6_daemons_alive kill -0 "$WF_PID" "$WF_S_PID"
# Warned once, at the reload, not again by the once-a-second check.
check v6_unanchored_warned_once test "$(grep -c 'routes fd98::/64 via nowhere' "$TMP/wf.log")" = 1
finish
