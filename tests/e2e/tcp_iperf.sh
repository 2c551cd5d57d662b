#!/usr/bin/env bash
# iperf3 TCP through the hooks: the data flow's bytes are the payload iperf3
# moved plus headers, and its average rate matches what iperf3 measured.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail tcp_setup "cannot build namespaces"; finish; }
write_config "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail tcp_start "daemon did not start"; finish; }

$IN_B iperf3 -s -1 -p 5201 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_B" 5201
# 200 Mbit/s paced, 3 s: steady on a busy 2-CPU machine.
if ! $IN_A iperf3 -c "$IP_B" -p 5201 -t 3 -b 200M -J > "$TMP/iperf.json" 2>&1; then
	fail tcp_iperf_ran "iperf3 failed: $(head -c 300 "$TMP/iperf.json")"
	finish
fi
stats_json > "$TMP/stats.json"

read -r sent_bytes recv_bps < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["end"]
print(r["sum_sent"]["bytes"], r["sum_received"]["bits_per_second"])' "$TMP/iperf.json")
# The data connection is the egress TCP flow to 5201 with the most bytes
# (iperf3 also opens a small control connection to the same port).
q='max(flows(proto="tcp", dir="egress", dport=5201), key=lambda f: f["bytes"])'
bytes=$(json "$q[\"bytes\"]" < "$TMP/stats.json")
avg=$(json "$q[\"rate_bytes_per_s\"][\"avg\"]" < "$TMP/stats.json")
acks=$(json 'len(flows(proto="tcp", dir="ingress", sport=5201))' < "$TMP/stats.json")
log "iperf3 sent $sent_bytes payload bytes, received at $recv_bps bit/s;" \
    "flow $bytes IP bytes at $avg B/s"

# IP bytes = payload + 40..52 bytes of headers per segment (<= 4 % at MSS).
check tcp_bytes_at_least_payload [ "$bytes" -ge "$sent_bytes" ]
check tcp_bytes_headers_bounded python3 -c "import sys; sys.exit(0 if $bytes <= $sent_bytes * 1.05 else 1)"
# iperf3 measures payload over its own interval; we IP bytes over first to
# last packet. Headers add up to 4 %; a busy machine another few.
check tcp_avg_rate_matches_iperf within "$avg" "$(python3 -c "print($recv_bps / 8 * 1.035)")" 8
check tcp_return_flow_seen [ "$acks" -ge 1 ]
finish
