#!/usr/bin/env bash
# The netfilter and XDP links through a daemon's life, as tcx's: a reload
# keeps every link (same ids) and moves it onto the new programs (XDP:
# BPF_LINK_UPDATE; netfilter: one update of wf_nf_progs, which each link
# tail-calls); with persist, kill -9 leaves the policy in force, the next
# start takes the same links over, `wirefisher down` removes them all.
# Also: XDP drops what an ingress rule placed there refuses, tc accounts
# what it passes once.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail nfl_setup "cannot build namespaces"; finish; }
conf() { # RATE_NF: the netfilter rule's rate
	write_config "$TMP/wf.yaml" "persist: true
rules:
  - name: nf-out
    match: { proto: udp, dport: 9400, direction: egress }
    rate: $1
    burst: 16kB
    at: netfilter
  - name: xdp-in
    match: { proto: udp, dport: 9401, direction: ingress }
    rate: 8mbit
    burst: 100kB
    at: xdp"
}
IFX=$($IN_A ip -o link show "$IF_A" | cut -d: -f1)
# link_ids: the ids of the pinned netfilter and XDP links, sorted.
link_ids() {
	local p
	for p in "$PIN"/link_nf_* "$PIN"/link_xdp_*; do
		[ -e "$p" ] && bpftool -j link show pinned "$p" 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
	done | sort -n | tr '\n' ' '
}
# BPF netfilter links on the machine (bpftool 7.1 names them "type 10";
# no other test here makes them).
nf_links() { bpftool link show 2>/dev/null | grep -c ': type 10 ' || true; }

# limited NAME GOT_BPS SECS RATE BURST: the receiver's rate (IP bytes/s over
# its own first-to-last time, not SECS: under TCG the sending takes longer)
# at most the rate plus burst / SECS (+3 %) and at least 80 % of the rate.
# Exactness is e2e/netfilter's and e2e/udp_exact's; here a loaded 2-vCPU
# machine's bursty arrivals (a sender paced by a starved CPU, NAPI batches)
# may cost some tokens.
limited() {
	check "$1" python3 -c "import sys; g = $2; sys.exit(0 if g <= ($4 + $5 / $3) * 1.03 and g >= 0.8 * $4 else 1)"
}

conf 8mbit
wf_start "$TMP/wf.yaml" || { fail nfl_start "daemon did not start"; finish; }
log "$(grep -E 'netfilter|XDP' "$TMP/wf.log" | tr '\n' ' ')"
check nfl_xdp_attached grep -q "attached XDP to $IF_A" "$TMP/wf.log"
# Which path runs the netfilter rule, as the daemon says: its links
# (egress only: LOCAL_OUT and FORWARD, IPv4 and IPv6), or on a kernel
# without them (< 6.6) tc, after one warning line.
NF=4
if grep -q "no BPF netfilter links" "$TMP/wf.log"; then
	NF=0
	check nfl_fallback_one_line [ "$(grep -c 'no BPF netfilter links' "$TMP/wf.log")" = 1 ]
	check nfl_fallback_to_tc grep -q "rules nf-out enforced at tc instead" "$TMP/wf.log"
fi
# nf_check NAME CMD...: a check on netfilter links, SKIP without them.
nf_check() {
	if [ "$NF" != 0 ]; then
		check "$@"
	else
		skip "$1" "no BPF netfilter links on this kernel: nf-out runs at tc"
	fi
}
ids=$(link_ids)
log "links: $ids"
check nfl_nf_links [ "$(nf_links)" = "$NF" ]
check nfl_pinned_links [ "$(wc -w <<< "$ids")" = $((NF + 1)) ]

read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 4 972)
log "nf 2x: received $got of $sent at $rate B/s (limit 1000000)"
limited nfl_nf_limited "$rate" 4 1000000 16000
# XDP on a veth runs in NAPI batches, which a loaded machine spaces out:
# with a 16 kB burst it passed 0.72-0.74 of the limit where tc ingress
# passed 0.82-0.95 in the same minutes (load average 13 on 2 vCPUs); a
# burst that holds a batch (100 kB) is what XDP on veth needs.
read -r got sent rate < <(udp_rate "$IN_A" "$IN_B" "$IP_A" 9401 2000 4 972)
log "xdp 2x: received $got of $sent at $rate B/s (limit 1000000 + burst)"
limited nfl_xdp_limited "$rate" 4 1000000 100000
check nfl_xdp_passed_is_received [ "$(rule xdp-in 'r["passed"]')" = "$got" ]
check nfl_xdp_passed_plus_dropped_is_sent [ "$(rule xdp-in 'r["passed"] + r["dropped"]')" = "$sent" ]
q='flow(proto="udp", dir="ingress", dport=9401)'
check nfl_xdp_passed_accounted_once_at_tc [ "$(stats_json | json "$q[\"packets\"]")" = "$got" ]

# Reload with half the rate: the same links, the new policy.
conf 4mbit
$IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN" > "$TMP/reload.out" 2>&1
check nfl_reload_ok [ $? = 0 ]
check nfl_reload_same_links [ "$(link_ids)" = "$ids" ]
check nfl_reload_no_second_link [ "$(nf_links)" = "$NF" ]
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 3 972)
log "after reload to 4mbit: received $got of $sent at $rate B/s (limit 500000)"
limited nfl_reload_new_rate "$rate" 3 500000 16000

# kill -9 with persist: the links stay, the policy holds.
kill -KILL "$WF_PID"; wait "$WF_PID" 2>/dev/null; WF_PID=
check nfl_killed_links_stay [ "$(link_ids)" = "$ids" ]
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 3 972)
log "daemon killed: received $got of $sent at $rate B/s (limit 500000)"
limited nfl_killed_nf_holds "$rate" 3 500000 16000
read -r got sent rate < <(udp_rate "$IN_A" "$IN_B" "$IP_A" 9401 2000 3 972)
log "daemon killed: xdp received $got of $sent at $rate B/s"
check nfl_killed_xdp_holds [ "$got" -lt "$sent" ]

# Restart: the same links are taken over, not doubled.
wf_start "$TMP/wf.yaml" || fail nfl_restart "daemon did not start"
# The pins were there already: wait (bounded) for its "running" line
# (the verifier takes seconds on a loaded machine).
for ((i = 0; i < 300; i++)); do
	grep -q '^wirefisher: running' "$TMP/wf.log" && break
	sleep 0.1
done
nf_check nfl_restart_took_over grep -q "took over the netfilter hooks" "$TMP/wf.log" ||
	sed 's/^/    /' "$TMP/wf.log" >&2
check nfl_restart_same_links [ "$(link_ids)" = "$ids" ]
check nfl_restart_no_second_link [ "$(nf_links)" = "$NF" ]
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 3 972)
limited nfl_restart_polices "$rate" 3 500000 16000

# Stop (persist leaves it all), then down: nothing left.
check nfl_stop wf_stop
check nfl_stopped_links_stay [ "$(nf_links)" = "$NF" ]
$IN_A "$WF" down --pin-dir "$PIN" > /dev/null 2>&1
check nfl_down_removes_nf_links [ "$(nf_links)" = 0 ]
check nfl_down_removes_xdp [ -z "$($IN_A ip -o link show "$IF_A" | grep -o 'xdp')" ]
check nfl_down_removes_pins [ ! -e "$PIN" ] || [ -z "$(ls "$PIN")" ]
read -r got sent rate < <(udp_rate "$IN_B" "$IN_A" "$IP_B" 9400 2000 2 972)
check nfl_down_unpoliced [ "$got" = "$sent" ]
finish
