#!/usr/bin/env bash
# reload_rate.sh - a reload that raises a rule's rate must not keep the
# debt of the old rate (issue 13 item 4): a 10 MB bucket drained at
# 1 Mbit/s is 80 s "ahead"; raised to 100 Mbit/s, traffic must pass at once.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail reload_rate_setup "cannot build namespaces"; finish; }
conf() {
	write_config "$TMP/wf.yaml" "rules:
  - name: bulk
    match: { proto: udp, dport: 9500, direction: egress }
    rate: $1
    burst: 10MB"
}
conf 1mbit
wf_start "$TMP/wf.yaml" || { fail reload_rate_start "daemon did not start"; finish; }

# Drain: 14 MB offered in about a second; 10 MB pass, then the debt grows.
$IN_A "$UDP" send "$IP_B" 9500 10000 1400 10000 > /dev/null
dropped=$(rule bulk 'r["dropped"]')
check reload_rate_drained [ "${dropped:-0}" -gt 0 ]

conf 100mbit
$IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN" > /dev/null 2>&1
check reload_rate_reloaded [ $? -eq 0 ]
# 1000 datagrams in the second after, at 8 Mbit/s: far below the new rate.
read -r got sent _ <<< "$(udp_rate "$IN_B" "$IN_A" "$IP_B" 9500 1000 1 1000)"
log "after raising 1mbit -> 100mbit: $got of $sent received"
check reload_rate_raise_passes_at_once [ "${got:-0}" -ge $((sent * 99 / 100)) ]
wf_stop
finish
