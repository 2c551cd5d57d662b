#!/usr/bin/env bash
# Two senders pinned to CPU 0 and CPU 1 share one 5-tuple (SO_REUSEPORT):
# the flow must count every packet of both, no more, no less.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail two_cpus_setup "cannot build namespaces"; finish; }
write_config "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail two_cpus_start "daemon did not start"; finish; }

N=30000
$IN_B "$UDP" recv "$IP_B" 9100 $((2 * N)) $((3000 * TS)) > "$TMP/recv" &
BG_PIDS+=($!)
udp_bound "$IN_B" 9100
$IN_A taskset -c 0 "$UDP" send "$IP_B" 9100 $N 64 0 4100 > /dev/null &
s0=$!
$IN_A taskset -c 1 "$UDP" send "$IP_B" 9100 $N 64 0 4100 > /dev/null &
s1=$!
wait $s0 $s1
stats_json > "$TMP/stats.json"
q='flow(proto="udp", dir="egress", sport=4100, dport=9100)'
check two_cpus_exact_packets [ "$(json "$q[\"packets\"]" < "$TMP/stats.json")" = $((2 * N)) ]
check two_cpus_exact_bytes [ "$(json "$q[\"bytes\"]" < "$TMP/stats.json")" = $((2 * N * (64 + 28))) ]
finish
