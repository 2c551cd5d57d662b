#!/usr/bin/env bash
# TCP policing at a real round-trip time: netem delays each direction of
# the veth by 10 ms (RTT ~20 ms), an nftables table counts the same
# traffic beside the hooks, and iperf3 against a 10 Mbit/s rule: cubic
# must reach >= 93 % of it, cubic and bbr must not exceed it (bbr's
# goodput is printed as a figure).
# Needs sch_netem: this host has none (the test says SKIP); the kernel
# lab's VMs have it (tests/vm/run.sh 6.12 e2e/netem_police).
. "$(dirname "$0")/../lib/e2e.sh"

LIMIT=10000000	# bit/s

netns_up || { fail netem_setup "cannot build namespaces"; finish; }
modprobe sch_netem 2> /dev/null
if ! $IN_A tc qdisc add dev "$IF_A" root netem delay 10ms 2> /dev/null; then
	skip netem_police "no netem qdisc here (sch_netem module absent)"
	finish
fi
$IN_B tc qdisc add dev "$IF_B" root netem delay 10ms
rtt=$($IN_A ping -c 5 -i 0.2 "$IP_B" | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
log "ping RTT avg ${rtt} ms over the netem'd veth"
check netem_rtt_about_20ms python3 -c "import sys; sys.exit(not 19 <= float('${rtt:-0}') <= 60)"

# nftables beside the hooks: a counter on A's output of the test's TCP.
$IN_A nft -f - <<EOF || fail netem_nft "cannot load the nftables table"
table inet wf_netem {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport 5401 counter
	}
}
EOF

write_config "$TMP/wf.yaml" "rules:
  - name: tcp-5401
    match: { proto: tcp, dport: 5401, direction: egress }
    rate: 10mbit"
wf_start "$TMP/wf.yaml" || { fail netem_start "daemon did not start"; finish; }

$IN_B iperf3 -s -p 5401 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_B" 5401
for cc in cubic bbr; do
	$IN_A iperf3 -c "$IP_B" -p 5401 -t 8 -O 3 -C $cc -J > "$TMP/$cc.json" 2>&1
	read -r bps retr < <(python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1))' \
		"$TMP/$cc.json" 2>/dev/null || echo "0 -1")
	ratio=$(python3 -c "print('%.3f' % ($bps / $LIMIT))")
	log "tcp $cc at ~${rtt} ms RTT: goodput $bps bit/s of $LIMIT ($ratio), $retr retransmits"
	echo "FIGURE netem_tcp_${cc}_goodput_ratio=$ratio rtt_ms=$rtt"
	check netem_tcp_${cc}_not_above_limit [ "$bps" -le $((LIMIT * 102 / 100)) ]
	# bbr's figure is printed, not asserted: in the lab's 6.12 VM it
	# reached 0.39 (cubic 0.96) - not explained yet (README, Kernels).
	[ $cc = bbr ] && continue
	check netem_tcp_${cc}_goodput_93pct [ "$bps" -ge $((LIMIT * 93 / 100)) ]
done
dropped=$(rule tcp-5401 'r["dropped"]')
nft_pk=$($IN_A nft list chain inet wf_netem out | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p')
log "rule tcp-5401: passed $(rule tcp-5401 'r["passed"]'), dropped $dropped; nftables counted $nft_pk packets"
check netem_police_dropped_some [ "$dropped" -gt 0 ]
check netem_nft_beside_counted [ "${nft_pk:-0}" -gt 0 ]

# ECN at a real RTT: a download policed at A's ingress (the sender, B, is
# out of reach of any local signal), once negotiating ECN and once not.
# Marked CE while the bucket runs low, cubic backs off before drops begin.
write_config "$TMP/wf.yaml" "rules:
  - name: tcp-5401
    match: { proto: tcp, dport: 5401, direction: egress }
    rate: 10mbit
  - name: download
    match: { proto: tcp, dport: 5402, direction: ingress }
    rate: 10mbit"
check netem_ecn_reload $IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN"
$IN_A sysctl -qw net.ipv4.tcp_ecn=1
$IN_A iperf3 -s -p 5402 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_A" 5402
for ecn in 1 0; do
	$IN_B sysctl -qw net.ipv4.tcp_ecn=$ecn
	d0=$(rule download 'r["dropped"]')
	$IN_B iperf3 -c "$IP_A" -p 5402 -t 8 -O 3 -C cubic -J > "$TMP/ecn$ecn.json" 2>&1
	read -r bps retr < <(python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1))' \
		"$TMP/ecn$ecn.json" 2>/dev/null || echo "0 -1")
	dropped=$(($(rule download 'r["dropped"]') - d0))
	ratio=$(python3 -c "print('%.3f' % ($bps / $LIMIT))")
	log "download, sender tcp_ecn=$ecn: goodput $ratio of the limit, $retr retransmits, $dropped dropped"
	echo "FIGURE netem_ecn${ecn}_goodput_ratio=$ratio retransmits=$retr dropped=$dropped"
	eval "retr$ecn=$retr bps$ecn=$bps"
done
marked=$(stats_json | json 'd["counters"]["ecn_marked"]')
log "ECN marks: $marked"
check netem_ecn_marked [ "$marked" -gt 0 ]
check netem_ecn_fewer_retransmits [ "$retr1" -ge 0 -a "$retr1" -lt "$retr0" ]
check netem_ecn_goodput_90pct [ "$bps1" -ge $((LIMIT * 90 / 100)) ]
wf_stop
check netem_stop_clean [ $? -eq 0 -a ! -e "$PIN" ]
finish
