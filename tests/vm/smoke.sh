#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The kernel lab's smoke (tests/run.sh vm/smoke, run inside the VM by
# tests/vm/run.sh): the daemon, under its systemd unit's capabilities
# alone, starts with a policing rule and polices UDP,
# then starts with a steering: section over two wireguard-go tunnels, sends
# by the first path and moves to the second when the first is cut.
# Only counts are asserted, never wall-clock figures: under TCG a kernel's
# verifier alone can take tens of seconds, so every wait is scaled by
# WF_TIME_SCALE (tests/vm/run.sh sets it) and bounded.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

S=${WF_TIME_SCALE:-1}
# The daemon as its systemd unit runs it, with the unit's capabilities
# alone: on 6.1 it once loaded as root and not so (libbpf 1.1 looked a
# missing kfunc up in module BTF, which needs CAP_SYS_ADMIN).
caps=$(sed -n 's/^CapabilityBoundingSet=//p' tools/wirefisher.service)
caps=$(tr 'A-Z ' 'a-z,' <<< "$caps" | sed 's/cap_/+/g')
AS_UNIT="setpriv --bounding-set -all,$caps"

# vm_start CONFIG [ARG]: wf_start with a start-up bound of 10 s x S
# (e2e.sh's wf_launch allows 10 s, which 6.1's verifier alone exceeds under
# TCG). With -v a refusal shows the verifier's verdict: its log's last
# lines and libbpf's, not all of it (up to a million instructions).
vm_start() {
	local i t0=$SECONDS
	$IN_A $AS_UNIT "$WF" -c "$1" ${2:-} > "$TMP/wf.log" 2>&1 &
	WF_PID=$!
	for ((i = 0; i < 100 * S; i++)); do
		if [ -e "$PIN/wf_info" ]; then
			log "daemon up in $((SECONDS - t0)) s"
			return 0
		fi
		kill -0 "$WF_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "daemon did not start after $((SECONDS - t0)) s:"
	grep -vE '^(libbpf: )?(-- |[0-9]+: |; |from |mark_precise|last_idx|parent)' "$TMP/wf.log" |
		grep -vE '^\s*$' | tail -n 8 | sed 's/^/    /' >&2
	return 1
}

netns_up || { fail smoke_setup "cannot build namespaces"; finish; }

# Policing: 2000 datagrams of 1000 IP bytes as fast as the sender can,
# against 8 Mbit/s with a 16 kB burst: some must be dropped, and the rule's
# counters must add up exactly to what was sent and received.
cat > "$TMP/police.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: udp-9400
    match: { dst: $IP_B, proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
    burst: 16kB
YAML
if vm_start "$TMP/police.yaml"; then
	pass smoke_police_start
	$IN_B "$UDP" recv "$IP_B" 9400 2000 3000 > "$TMP/recv" &
	rpid=$!
	# Under TCG the receiver takes seconds to bind: wait for its socket,
	# or the first datagrams meet a closed port (passed, not received).
	for ((i = 0; i < 300; i++)); do
		[ -n "$($IN_B ss -Hlun 'sport = :9400' 2>/dev/null)" ] && break
		sleep 0.1
	done
	$IN_A "$UDP" send "$IP_B" 9400 2000 972 0 4400 > /dev/null
	wait $rpid
	got=$(kv received "$(tail -n 1 "$TMP/recv")")
	log "police: received $got of 2000, rule passed/dropped $(rule udp-9400 '(r["passed"], r["dropped"])')"
	check smoke_police_some_dropped [ "$(rule udp-9400 'r["dropped"]')" -gt 0 ]
	check smoke_police_passed_plus_dropped_is_sent \
		[ "$(rule udp-9400 'r["passed"] + r["dropped"]')" = 2000 ]
	check smoke_police_passed_is_received [ "$(rule udp-9400 'r["passed"]')" = "$got" ]
	wf_stop
	rc=$?
	check smoke_police_stop_clean [ $rc -eq 0 -a ! -e "$PIN" ]
else
	fail smoke_police_start "daemon did not start"
fi

# Steering: two wireguard-go tunnels, failover by priority. Traffic to the
# service address goes by p1; with p1's underlay cut, by p2. Counted in
# bytes through each tunnel, not timed.
wglab_up direct direct || { fail smoke_steer_setup "cannot build the tunnels"; finish; }
steer_yaml "$PIN" c failover "1 2" > "$TMP/steer.yaml"
if vm_start "$TMP/steer.yaml" -v; then
	pass smoke_steer_start
	check smoke_steer_paths_up wait_all_up $((100 * S))
	check smoke_steer_on_p1 wait_via p1 $((30 * S))
	check smoke_steer_sends_by_p1 send_by 1 9500
	wglab_cut 1
	check smoke_steer_fails_over_to_p2 wait_via p2 $((100 * S))
	check smoke_steer_sends_by_p2 send_by 2 9501
	wf_stop
	rc=$?
	check smoke_steer_stop_clean [ $rc -eq 0 -a ! -e "$PIN" ]
else
	fail smoke_steer_start "daemon did not start"
fi
finish
