#!/usr/bin/env bash
# Rules on real cgroups (cgroup v2): a sender in the limited cgroup is held
# to the rule, a sibling cgroup is not, a child cgroup counts toward its
# parent's rule, and a receiver in the cgroup is limited on ingress.
. "$(dirname "$0")/../lib/e2e.sh"

CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG_MOUNT" ] || { fail cgroup_mount "no cgroup2 mount"; finish; }
CG_REL=wf-e2e-$ID
CG=$CG_MOUNT/$CG_REL

cg_cleanup() {
	cleanup
	rmdir "$CG/a/child" "$CG/a" "$CG/b" "$CG" 2>/dev/null
}
netns_up || { fail cgroup_setup "cannot build namespaces"; finish; }
trap cg_cleanup EXIT
mkdir -p "$CG/a/child" "$CG/b"

cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: cg-a-out
    match: { cgroup: $CG_REL/a, direction: egress }
    rate: 8mbit
    burst: 16kB
  - name: cg-a-in
    match: { cgroup: /$CG_REL/a, direction: ingress, proto: udp, dport: 9910 }
    rate: 8mbit
    burst: 16kB
YAML
wf_start "$TMP/wf.yaml" || { fail cgroup_start "daemon did not start"; finish; }
check cgroup_attached grep -q "attached to cgroup $CG_MOUNT" "$TMP/wf.log"

# in_cg DIR CMD...: run CMD as a member of cgroup DIR (it moves itself in
# before it execs, so every socket it opens belongs there).
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"; }

# send_from CGDIR PORT: 2000 x 1000 IP bytes/s for 4 s from ns A; prints
# "received rate_in_IP_bytes_per_s".
send_from() {
	local n=8000 out pid
	$IN_B "$UDP" recv "$IP_B" "$2" $n 1500 > "$TMP/r$2" &
	pid=$!
	sleep 0.3
	in_cg "$1" $IN_A "$UDP" send "$IP_B" "$2" $n 972 2000 > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/r$2")
	echo "$(kv received "$out") $(python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))")"
}

read -r got rate < <(send_from "$CG/a" 9900)
log "cgroup a: received $got of 8000 at $rate B/s (limit 1000000)"
check cgroup_limited_within_3pct within "$rate" 1000000 3

read -r got rate < <(send_from "$CG/b" 9901)
log "sibling b: received $got of 8000 at $rate B/s"
check cgroup_sibling_unaffected [ "$got" = 8000 ]

read -r got rate < <(send_from "$CG/a/child" 9902)
log "child of a: received $got of 8000 at $rate B/s (limit 1000000)"
check cgroup_child_counts_toward_parent within "$rate" 1000000 3

# UDP receive: the receiver sits in cgroup a, B sends to it at 16 Mbit/s.
in_cg "$CG/a" $IN_A "$UDP" recv "$IP_A" 9910 8000 1500 > "$TMP/rin" &
rpid=$!
sleep 0.3
$IN_B "$UDP" send "$IP_A" 9910 8000 972 2000 > /dev/null
wait $rpid
out=$(tail -1 "$TMP/rin")
rate=$(python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))")
log "receiver in a: $rate B/s (limit 1000000)"
check cgroup_udp_receive_limited within "$rate" 1000000 3

stats_json > "$TMP/stats.json"
check cgroup_rule_counts [ "$(json '[r for r in d["rules"] if r["name"] == "cg-a-out"][0]["dropped"] > 0' < "$TMP/stats.json")" = True ]
wf_stop
check cgroup_stop_clean [ ! -e "$PIN" ]
finish
