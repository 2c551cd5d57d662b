#!/usr/bin/env bash
# cgroup_decoy.sh - a unit or container rule must not be lifted by a user
# who makes a directory of the same name in a cgroup subtree delegated to
# them (user@UID.service is the user's to fill): issue 13 item 5.
. "$(dirname "$0")/../lib/e2e.sh"

CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG_MOUNT" ] || { fail decoy_mount "no cgroup2 mount"; finish; }
CG=$CG_MOUNT/wf-decoy-$ID
UNIT=wf-decoy-$ID.service
SVC=$CG/system.slice/$UNIT
DELEG=$CG/user.slice/user-65534.slice/user@65534.service

decoy_cleanup() {
	cleanup
	rmdir "$CG/other.slice/$UNIT" "$CG/other.slice" "$DELEG/app.slice/$UNIT" "$DELEG/app.slice" "$DELEG" \
		"$CG/user.slice/user-65534.slice" "$CG/user.slice" "$SVC" \
		"$CG/system.slice" "$CG" 2>/dev/null
}
netns_up || { fail decoy_setup "cannot build namespaces"; finish; }
trap decoy_cleanup EXIT
mkdir -p "$SVC" "$DELEG"
chown 65534:65534 "$DELEG"	# as systemd delegates user@UID.service

write_config "$TMP/wf.yaml" "rules:
  - name: by-unit
    match: { unit: $UNIT }
    rate: 8mbit
    burst: 16kB"
wf_start "$TMP/wf.yaml" || { fail decoy_start "daemon did not start"; finish; }

in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"; }
# policed_bps: 2x the limit from the unit's cgroup; what arrived, in IP B/s.
policed_bps() {
	local rate rp
	$IN_B "$UDP" recv "$IP_B" 9930 8000 $((1500 * TS)) > "$TMP/recv" &
	rp=$!
	udp_bound "$IN_B" 9930 $rp
	in_cg "$SVC" $IN_A "$UDP" send "$IP_B" 9930 8000 972 2000 > /dev/null
	wait "$rp"
	rate=$(kv rate_payload_Bps "$(tail -n 1 "$TMP/recv")")
	python3 -c "print(round(${rate:-0} * 1000 / 972))"
}
# The user makes the decoy, then the rule is followed once a second.
setpriv --reuid=65534 --regid=65534 --clear-groups \
	mkdir -p "$DELEG/app.slice/$UNIT"
check decoy_made [ -d "$DELEG/app.slice/$UNIT" ]
sleep 2
bps=$(policed_bps)
log "unit $UNIT with a decoy in a delegated subtree: $bps B/s (limit 1000000)"
check decoy_unit_still_policed within "$bps" 1000000 10
check decoy_no_wait_logged bash -c "! grep -q 'waits for it' '$TMP/wf.log'"

# Root makes a second one: ambiguous now, but the rule keeps the cgroup it
# had rather than let go of the limit.
mkdir -p "$CG/other.slice/$UNIT"
sleep 2
bps=$(policed_bps)
log "unit $UNIT made ambiguous by root: $bps B/s (limit 1000000)"
check ambiguous_unit_keeps_last_good within "$bps" 1000000 10
wf_stop
finish
