#!/usr/bin/env bash
# Steering over kernel WireGuard devices (WG_IMPL=kernel in wglab.sh): the
# same lab as steer_failover, a direct path and one through a relay, with
# wirefisher on both ends. The handshake age comes from WireGuard's generic
# netlink family (no wireguard-go socket there) and agrees with `wg show`;
# traffic goes by p1, by p2 once p1's underlay is cut (every datagram of a
# stream sent after the move arrives, ping answers both ways), and back.
# Needs the wireguard module: this host has none (the test says SKIP); the
# kernel lab's VMs have it (tests/vm/run.sh 6.1 e2e/steer_kwg).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail kwg_setup "cannot build namespaces"; finish; }
if ! wglab_kernel_ok; then
	skip kwg "no kernel WireGuard here (ip link add type wireguard fails: no wireguard module)"
	finish
fi
WG_IMPL=kernel
wglab_up direct relay || { fail kwg_setup "cannot build the tunnels"; finish; }
steer_yaml "$PIN" c failover "1 2" "hold: 2s" > "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail kwg_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail kwg_start "client daemon"; finish; }
check kwg_says_kernel_wireguard \
	[ "$(grep -c "(kernel WireGuard)" "$TMP/wf.log")" = 2 ]
check kwg_all_paths_up wait_all_up $((100 * TS))
check kwg_server_paths_up wait_all_up $((100 * TS)) "$PIN_S"
check kwg_starts_on_p1 wait_via p1 $((30 * TS))

# The handshake age wirefisher shows, against the kernel's own (wg show:
# unix seconds of the newest handshake), read between t0 and t1: the
# daemon reads it once a second, so its age is of a moment in
# [t0 - 3, t1] (under TCG each command here takes seconds: bracketed, not
# compared with a fixed slack).
hs_ok() {
	local k=$1 ours theirs t0 t1
	t0=$(date +%s)
	ours=$($IN_A "$WF" paths --json --pin-dir "$PIN" |
		json "[p for p in d['paths'] if p['name'] == 'p$k'][0]['handshake_age_s']")
	theirs=$($IN_A wg show "${WG_C[$k]}" latest-handshakes | awk '{ print $2 }')
	t1=$(date +%s)
	log "p$k: handshake age $ours s by wirefisher; by wg show $((t0 - theirs)) s at t0, $((t1 - theirs)) s at t1"
	[ "$ours" -ge 0 ] && [ "$theirs" -gt 0 ] &&
		[ "$ours" -ge $((t0 - theirs - 3)) ] && [ "$ours" -le $((t1 - theirs)) ]
}
# Read once a second: wait (bounded) for the first reading.
for ((i = 0; i < 30 * TS; i++)); do
	[ "$($IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		json "min(p['handshake_age_s'] for p in d['paths'])" 2>/dev/null)" -ge 0 ] 2>/dev/null && break
	sleep 0.1
done
check kwg_handshake_age_p1 hs_ok 1
check kwg_handshake_age_p2 hs_ok 2

pings() { $IN_A ping -c 3 -i 0.2 -W 2 -I 10.96.0.2 10.99.0.1 > /dev/null; }

check kwg_sends_by_p1 send_by 1 9500
t0=$(date +%s%N)
wglab_cut 1
check kwg_fails_over_to_p2 wait_via p2 $((100 * TS))
log "route on p2 $((($(date +%s%N) - t0) / 1000000)) ms after the cut"
check kwg_sends_by_p2 send_by 2 9501
check kwg_ping_after_failover pings
wglab_heal 1
check kwg_back_on_p1 wait_via p1 $((100 * TS))
check kwg_sends_by_p1_again send_by 1 9502
wf_stop
check kwg_stop_clean [ $? -eq 0 -a ! -e "$PIN" ]
finish
