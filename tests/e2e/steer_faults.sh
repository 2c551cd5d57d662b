#!/usr/bin/env bash
# Steering faults. Bad steering input is refused with FILE:LINE:COL and
# nothing attached: an unknown device, a device that is not a layer-3
# tunnel, a probe target routed through another path, overlapping routes, a
# route with no paths. At run time a path device that is deleted takes its
# path down and its traffic elsewhere while the daemon lives on; when the
# device comes back (a new ifindex), so does the path.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail steer_faults_setup "cannot build namespaces"; finish; }
wglab_up direct relay || { fail steer_faults_setup "cannot build the tunnels"; finish; }
PROGS_BEFORE=$(wf_prog_count)

# bad_steer NAME PATH-LINES ROUTE-LINE MESSAGE
bad_steer() {
	printf 'pin_dir: %s\nsteering:\n  paths:\n%s\n  routes:\n%s\n' "$PIN" \
		"$2" "$3" > "$TMP/$1.yaml"
	expect_refusal "$1" "$TMP/$1.yaml" "$TMP/$1.yaml:$4"
}
P1="    - { name: a, device: ${WG_C[1]}, targets: [10.96.1.1] }"
P2="    - { name: b, device: ${WG_C[2]}, targets: [10.96.2.1] }"
R="    - { to: 10.99.0.0/24, via: [a, b] }"

bad_steer steer_bad_unknown_device "    - { name: a, device: nosuch0, targets: [10.96.1.1] }
$P2" "$R" "4:7: steering.paths[0].device: no interface \"nosuch0\" in this network namespace"
bad_steer steer_bad_not_layer3 "$P1
    - { name: b, device: $IF_A, targets: [10.96.2.1] }" "$R" \
	"5:7: steering.paths[1].device: $IF_A is not a layer-3 tunnel"
bad_steer steer_bad_target_route "$P1
    - { name: b, device: ${WG_C[2]}, targets: [10.96.1.1] }" "$R" \
	"5:7: steering.paths[1].targets[0]: 10.96.1.1 is routed via ${WG_C[1]}, not ${WG_C[2]}"
bad_steer steer_bad_overlap "$P1
$P2" "$R
    - { to: 10.99.0.128/25, via: [b] }" \
	"8:7: steering.routes[1]: to[0] 10.99.0.128/25 overlaps steering.routes[0].to[0] 10.99.0.0/24"
bad_steer steer_bad_no_paths "$P1
$P2" "    - { to: 10.99.0.0/24, via: [] }" \
	"7:7: steering.routes[0]: a route with no paths"

# Run time: the direct path's device disappears, then comes back. The
# kernel drops every route through a deleted device (a multipath route
# whole), so the anchor route here is by the relay's tunnel, as README
# advises: anchor on the device least likely to go away.
wglab_route_single 2
steer_yaml "$PIN" c failover "1 2" > "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail steer_faults_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail steer_faults_start "client daemon"; finish; }
wait_via p1 30 || { fail steer_faults_start "route never on p1"; finish; }
wait_all_up 100 && wait_all_up 100 "$PIN_S" || { fail steer_faults_start "paths not up"; finish; }
$IN_A ip link del "${WG_C[1]}"
check steer_device_gone_moves wait_via p2 30
state() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"][0]["state"])'
}
check steer_device_gone_absent test "$(state)" = absent
pings() { $IN_A ping -c 3 -i 0.2 -W 1 -I 10.96.0.2 10.99.0.1 > /dev/null; }
check steer_device_gone_traffic_flows pings
check steer_device_gone_daemon_alive kill -0 "$WF_PID"
wglab_client 1 || fail steer_device_back "cannot remake the tunnel"
check steer_device_back_route wait_via p1 100
check steer_device_back_attached test "$(grep -c "attached to ${WG_C[1]}" "$TMP/wf.log")" -eq 2
check steer_device_back_used test "$(wg_tx 1)" -gt 0
check steer_device_back_traffic pings
check steer_faults_clean_stop wf_stop
finish
