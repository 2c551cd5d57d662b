#!/usr/bin/env bash
# A rule placed at netfilter on any kernel: where BPF netfilter links with
# IP defrag exist (6.6+) it is enforced there; where they do not (6.1:
# tests/vm/run.sh 6.1 e2e/nf_fallback) the daemon says so in one line and
# tc enforces it on the listed interface. Either way UDP at twice the
# limit is held to it. The PASS line names the path that ran.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail nffb_setup "cannot build namespaces"; finish; }
write_config "$TMP/wf.yaml" "rules:
  - name: udp-out
    match: { proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
    burst: 16kB
    at: netfilter"
wf_start "$TMP/wf.yaml" || { fail nffb_start "daemon did not start"; finish; }
for ((i = 0; i < 600; i++)); do
	grep -q '^wirefisher: running' "$TMP/wf.log" && break
	sleep 0.1
done
if grep -q "attached to the netfilter hooks" "$TMP/wf.log"; then
	path=netfilter
else
	path=tc
	log "$(grep 'no BPF netfilter links' "$TMP/wf.log")"
	check nffb_one_fallback_line \
		[ "$(grep -c 'rules udp-out enforced at tc instead' "$TMP/wf.log")" = 1 ]
fi
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 3 972)
log "path $path: received $got of $sent at $rate B/s (limit 1000000)"
check nffb_path_${path}_limits [ "$got" -lt "$sent" ]
check nffb_path_${path}_within_10pct within "$rate" 1000000 10
check nffb_path_${path}_counts [ "$(rule udp-out 'r["passed"] + r["dropped"]')" = "$sent" ]
finish
