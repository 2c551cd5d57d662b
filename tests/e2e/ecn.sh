#!/usr/bin/env bash
# ECN marking at tc (policing.ecn): a TCP download policed at ingress - the
# sender on another host, out of reach of cgroup_skb's congestion bit - is
# marked CE once the bucket runs low, and the receiver sees the marks. A
# flow that did not negotiate ECN is never marked (it is dropped instead),
# IPv6 is marked too, `policing.ecn: false` marks nothing, and a rule at
# XDP marks as tc does.
#
# On veth the RTT is tens of microseconds, so cwnd cannot hold a sender at
# 20 Mbit/s and drops still happen: what ECN saves in retransmissions needs
# a real RTT (tests/e2e/netem_ecn.sh, in the kernel VM lab). The figures
# are logged here, not asserted.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail ecn_setup "cannot build namespaces"; finish; }

config() { # ECN (true|false) [AT]
	cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
policing: { ecn: $1 }
rules:
  - name: download
    match: { proto: tcp, dport: 5501, direction: ingress }
    rate: 20mbit
    at: ${2:-tc}
YAML
}

# in_ce NS: CE-marked packets its IP layers received (IpExtInCEPkts for
# IPv4, Ip6InCEPkts for IPv6), summed.
in_ce() {
	$1 awk '/^IpExt:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 }
		else for (i = 1; i <= NF; i++) if (k[i] == "InCEPkts") n += $i }
		$1 == "Ip6InCEPkts" { n += $2 } END { print n + 0 }' /proc/net/netstat /proc/net/snmp6
}
counter() { stats_json | json "d['counters']['$1']"; }

# download DST ECN_ON_SENDER -> "goodput_bps retransmits marked dropped ce"
# (marked, dropped: wirefisher's counters; ce: the receiver's, each over
# this run only)
download() {
	local m0 d0 c0
	$IN_B sysctl -qw net.ipv4.tcp_ecn="$2"
	m0=$(counter ecn_marked)
	d0=$(counter dropped)
	c0=$(in_ce "$IN_A")
	$IN_B iperf3 -c "$1" -p 5501 -t 4 -O 1 -C cubic -J > "$TMP/tcp.json" 2>&1
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1))' "$TMP/tcp.json" 2>/dev/null |
		tr '\n' ' ' || echo -n "0 -1 "
	echo "$(($(counter ecn_marked) - m0)) $(($(counter dropped) - d0)) $(($(in_ce "$IN_A") - c0))"
}

# The receiver accepts ECN when asked (the sender's setting decides).
$IN_A sysctl -qw net.ipv4.tcp_ecn=1
config true
wf_start "$TMP/wf.yaml" || { fail ecn_start "daemon did not start"; finish; }
check ecn_on_by_default_printed grep -q "policing.ecn.*mark CE" <($IN_A "$WF" check -c "$TMP/wf.yaml" 2>&1)
$IN_A iperf3 -s -p 5501 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_A" 5501

read -r bps retr marked dropped ce < <(download "$IP_A" 1)
log "ECN flow: goodput $bps bit/s of 20000000, $retr retransmits; $marked marked, $dropped dropped by wirefisher; receiver saw $ce CE"
check ecn_flow_marked [ "$marked" -gt 0 ]
check ecn_receiver_saw_ce [ "$ce" -ge "$marked" ]
check ecn_flow_not_above_limit [ "$bps" -le 20400000 ]
check ecn_flow_goodput_80pct [ "$bps" -ge 16000000 ]

read -r bps retr marked dropped ce < <(download "$IP_A" 0)
log "Not-ECT flow: goodput $bps bit/s, $retr retransmits; $marked marked, $dropped dropped; receiver saw $ce CE"
check ecn_not_ect_dropped_not_marked [ "$marked" = 0 -a "$ce" = 0 -a "$dropped" -gt 0 ]

read -r bps retr marked dropped ce < <(download "$IP6_A" 1)
log "ECN flow over IPv6: goodput $bps bit/s, $retr retransmits; $marked marked; receiver saw $ce CE"
check ecn_ipv6_marked [ "$marked" -gt 0 -a "$ce" -ge "$marked" ]

# Off by a reload: the same ECN flow is only dropped.
config false
check ecn_reload_off $IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN"
read -r bps retr marked dropped ce < <(download "$IP_A" 1)
log "policing.ecn false: $marked marked, $dropped dropped; receiver saw $ce CE"
check ecn_off_marks_nothing [ "$marked" = 0 -a "$ce" = 0 -a "$dropped" -gt 0 ]

# The rule at XDP (native on the veth): marked there, in the frame itself.
config true xdp
check ecn_reload_xdp $IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN"
read -r bps retr marked dropped ce < <(download "$IP_A" 1)
log "at XDP: goodput $bps bit/s, $retr retransmits; $marked marked, $dropped dropped; receiver saw $ce CE"
check ecn_xdp_marked [ "$marked" -gt 0 -a "$ce" -ge "$marked" ]
finish
