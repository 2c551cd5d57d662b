#!/usr/bin/env bash
# bench/hooks.sh - wirefisher's enforcement points (rules[].at: tc,
# netfilter, xdp) beside each other and beside nftables at the same hook,
# in one run on one veth pair. A benchmark, not a test: it prints figures
# (ratios against a peer measured in the same run) and asserts nothing.
# Needs root and nft: sudo bench/hooks.sh. SECS (4), N (flood size, 100000),
# ROUNDS (3), PARTS ("1 2 3 4": which of the parts below).
#
#  1. CPU per flooded datagram (64 B, unpaced, to a port limited at
#     8 Mbit/s), whole machine (system + softirq, both namespaces: the
#     sender's work is in every figure), median of 3:
#       egress  (A sends): tc egress | netfilter LOCAL_OUT | nft output
#       ingress (B sends to A): tc ingress | netfilter PRE_ROUTING | XDP |
#               nft prerouting (priority -300, raw: before conntrack)
#  2. UDP at twice an 8 Mbit/s limit at each point: received / (rate x T +
#     burst); 60 000-byte datagrams (fragmented) at 2x a port rule.
#  3. TCP cubic against 8 and 100 Mbit/s at LOCAL_OUT: goodput / limit and
#     retransmissions, wirefisher's netfilter beside nftables' output drop.
#  4. TCP throughput through every hook attached (tc both ways, netfilter,
#     XDP) with no rule matching, against the bare veth.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
SECS=${SECS:-4}
N=${N:-100000}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-"1 2 3 4"}
part() { [[ " $PARTS " == *" $1 "* ]]; }

command -v nft > /dev/null || { echo "hooks: needs nft (apt-get install nftables)" >&2; exit 1; }
cpu_ticks() { awk '/^cpu / { print $4 + $8 }' /proc/stat; }
ratio() { python3 -c "import sys; b = float(sys.argv[2]); print('%.3f' % (float(sys.argv[1]) / b) if b else 'n/a')" "$1" "$2"; }
med() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hz=$(getconf CLK_TCK)

netns_up || { echo "hooks: cannot build namespaces" >&2; exit 1; }

# start CONFIG: the daemon in A; wait (bounded, 60 s: the verifier is slow
# on a loaded machine) for its "running" line.
start() {
	$IN_A "$WF" -c "$1" > "$TMP/wf.log" 2>&1 &
	WF_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^wirefisher: running' "$TMP/wf.log" && return 0
		kill -0 "$WF_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "hooks: the daemon did not start:" >&2; cat "$TMP/wf.log" >&2
	exit 1
}

# wf_rule AT DIR PORT [BURST]: run the daemon with one 8 Mbit/s rule there.
wf_rule() {
	cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: bench
    match: { proto: udp, dport: $3, direction: $2 }
    rate: 8mbit
    burst: ${4:-250000}B
    at: $1
YAML
	start "$TMP/wf.yaml"
}

nft_rule() { # HOOK PRIORITY PORT NS
	$4 nft -f - <<NFT
table inet wfbench {
	chain c {
		type filter hook $1 priority $2;
		udp dport $3 limit rate over 1000000 bytes/second burst 250000 bytes drop
	}
}
NFT
}
nft_off() { $1 nft delete table inet wfbench; }

# flood TX DST PORT -> the sender's system CPU per datagram (ns), from
# getrusage of the sending process: an output drop (tc egress, LOCAL_OUT,
# nft output) runs in the sender's send(), so this is its whole cost, and
# it does not count other tenants of a shared machine as /proc/stat would.
flood() {
	$1 /usr/bin/time -f '%S' "$UDP" send "$2" "$3" "$N" 64 0 2>&1 > /dev/null |
		tail -1 | python3 -c "import sys; print('%.0f' % (float(sys.stdin.read()) * 1e9 / $N))"
}

# prog_ns NAME: the program's own run time per packet, from the kernel's
# BPF run-time statistics (on only for this measurement).
prog_ns() {
	bpftool -j prog show name "$1" 2>/dev/null | python3 -c '
import json, sys
ps = json.load(sys.stdin)
ps = ps if isinstance(ps, list) else [ps]
t = sum(p.get("run_time_ns", 0) for p in ps); c = sum(p.get("run_cnt", 0) for p in ps)
print("%.0f" % (t / c) if c else "n/a")'
}

if part 1; then
echo "# 1. $N x 64 B unpaced to a port limited at 8 Mbit/s, median of $ROUNDS:"
echo "#   sender's system CPU per datagram (egress: the drop runs in send());"
echo "#   each program's own run time per packet (kernel BPF statistics)"
rm -f "$TMP"/c_*
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
for ((round = 0; round < ROUNDS; round++)); do
	flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_none"
	wf_rule tc egress 9801; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_tc"; prog_ns wf_tc_egress >> "$TMP/p_tc_egress"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
	wf_rule netfilter egress 9801; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_nf"; prog_ns wf_nf_entry >> "$TMP/p_nf_out"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
	nft_rule output 0 9801 "$IN_A"; flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_nft"; nft_off "$IN_A"
	# ingress: only the programs' own cost is separable from the sender's
	wf_rule netfilter ingress 9802; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$IN_B" "$IP_A" 9802 > /dev/null; prog_ns wf_nf_entry >> "$TMP/p_nf_in"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
	wf_rule xdp ingress 9802; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$IN_B" "$IP_A" 9802 > /dev/null; prog_ns wf_xdp_ingress >> "$TMP/p_xdp"
	prog_ns wf_tc_ingress >> "$TMP/p_tc_in_after_xdp"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
	wf_rule tc ingress 9802; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$IN_B" "$IP_A" 9802 > /dev/null; prog_ns wf_tc_ingress >> "$TMP/p_tc_in"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
done
for k in out_none out_tc out_nf out_nft; do
	echo "sender_cpu_ns_per_datagram_$k $(med "$TMP/c_$k")   ($(tr '\n' ' ' < "$TMP/c_$k"))"
done
echo "egress_netfilter_vs_nft $(ratio "$(med "$TMP/c_out_nf")" "$(med "$TMP/c_out_nft")")   (target <= 1.0)"
echo "egress_tc_vs_nft $(ratio "$(med "$TMP/c_out_tc")" "$(med "$TMP/c_out_nft")")"
for k in tc_egress nf_out nf_in tc_in xdp tc_in_after_xdp; do
	echo "prog_ns_per_packet_$k $(med "$TMP/p_$k")   ($(tr '\n' ' ' < "$TMP/p_$k"))"
done
fi

if part 2; then
echo "# 2. UDP at 2x an 8 Mbit/s rule for ${SECS}s (1000 B IP datagrams; burst 250 kB)"
udp_acc() { # RX TX DST PORT -> received / (rate x T + burst)
	# over the sender's own time, not SECS (a loaded machine may stretch
	# the sending); idle 3 s: a 1.5 s stall of the sender ended the count
	local n=$((2000 * SECS)) out sent
	$1 "$UDP" recv "$3" "$4" $n 3000 > "$TMP/u" &
	local pid=$!
	sleep 0.3
	sent=$($2 "$UDP" send "$3" "$4" $n 972 2000)
	wait $pid
	out=$(tail -1 "$TMP/u")
	python3 -c "print('%.3f' % ($(kv received "$out") * 1000 / (1000000 * $(kv secs "$sent") + 250000)))"
}
wf_rule tc egress 9401; echo "udp_accuracy_tc_egress $(udp_acc "$IN_B" "$IN_A" "$IP_B" 9401)"; wf_stop
wf_rule netfilter egress 9401; echo "udp_accuracy_netfilter_egress $(udp_acc "$IN_B" "$IN_A" "$IP_B" 9401)"; wf_stop
wf_rule netfilter ingress 9401; echo "udp_accuracy_netfilter_ingress $(udp_acc "$IN_A" "$IN_B" "$IP_A" 9401)"; wf_stop
wf_rule xdp ingress 9401; echo "udp_accuracy_xdp_ingress $(udp_acc "$IN_A" "$IN_B" "$IP_A" 9401)"; wf_stop
frag_acc() { # RX TX DST PORT DGRAM_IP_BYTES -> received / (rate x T + burst)
	local n=$((33 * SECS)) out sent
	$1 "$UDP" recv "$3" "$4" $n 2000 > "$TMP/f" &
	local pid=$!
	sleep 0.3
	sent=$($2 "$UDP" send "$3" "$4" $n 60000 33)
	wait $pid
	out=$(tail -1 "$TMP/f")
	python3 -c "print('%.3f' % ($(kv received "$out") * $5 / (1000000 * $(kv secs "$sent") + 128000)))"
}
wf_rule netfilter egress 9800 128000
echo "frag_accuracy_netfilter_egress $(frag_acc "$IN_B" "$IN_A" "$IP_B" 9800 60028)   (datagram IP bytes; target <= 1.02)"
wf_stop
wf_rule netfilter ingress 9800 128000
echo "frag_accuracy_netfilter_ingress $(frag_acc "$IN_A" "$IN_B" "$IP_A" 9800 60028)"
wf_stop
wf_rule tc egress 9800 128000
echo "frag_accuracy_tc_egress $(frag_acc "$IN_B" "$IN_A" "$IP_B" 9800 $((60008 + 41 * 20)))   (wire IP bytes)"
wf_stop
fi

if part 3; then
echo "# 3. TCP cubic at LOCAL_OUT, ${SECS}s after 2s, burst 1/4 s"
$IN_B iperf3 -s -p 5601 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5
tcp_run() { # -> "goodput_bps retransmits"
	$IN_A iperf3 -c "$IP_B" -p 5601 -t "$SECS" -O 2 -C cubic -J > "$TMP/tcp.json" 2>&1
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1))' "$TMP/tcp.json"
}
for mbit in 8 100; do
	burst=$((mbit * 125000 / 4))
	cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: tcp
    match: { proto: tcp, dport: 5601, direction: egress }
    rate: ${mbit}mbit
    at: netfilter
YAML
	start "$TMP/wf.yaml"
	read -r bps retr < <(tcp_run)
	wf_stop
	$IN_A nft -f - <<NFT
table inet wfbench {
	chain c {
		type filter hook output priority 0;
		tcp dport 5601 limit rate over $((mbit * 125000)) bytes/second burst $burst bytes drop
	}
}
NFT
	read -r nbps nretr < <(tcp_run)
	nft_off "$IN_A"
	echo "tcp_${mbit}mbit_netfilter_goodput_ratio $(ratio "$bps" $((mbit * 1000000)))  retransmits $retr"
	echo "tcp_${mbit}mbit_nft_goodput_ratio $(ratio "$nbps" $((mbit * 1000000)))  retransmits $nretr"
done
fi

if part 4; then
echo "# 4. TCP B -> A through every hook, no rule matching (${SECS}s, $ROUNDS runs, median)"
$IN_A iperf3 -s -p 5602 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5
thr() { # -> bits/s
	$IN_B iperf3 -c "$IP_A" -p 5602 -t "$SECS" -J 2> /dev/null |
		python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))'
}
rm -f "$TMP"/t_*
cat > "$TMP/all.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - { name: t, match: { proto: udp, dport: 1 }, rate: 8mbit, at: tc }
  - { name: n, match: { proto: udp, dport: 2 }, rate: 8mbit, at: netfilter }
  - { name: x, match: { proto: udp, dport: 3, direction: ingress }, rate: 8mbit, at: xdp }
YAML
cat > "$TMP/tcnf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - { name: t, match: { proto: udp, dport: 1 }, rate: 8mbit, at: tc }
  - { name: n, match: { proto: udp, dport: 2 }, rate: 8mbit, at: netfilter }
YAML
for ((round = 0; round < ROUNDS; round++)); do
	thr >> "$TMP/t_bare"
	start "$TMP/tcnf.yaml"; thr >> "$TMP/t_tcnf"; wf_stop
	start "$TMP/all.yaml"; thr >> "$TMP/t_all"; wf_stop
done
echo "throughput_bare_bps $(med "$TMP/t_bare")"
echo "throughput_tc_netfilter_vs_bare $(ratio "$(med "$TMP/t_tcnf")" "$(med "$TMP/t_bare")")   (target >= 0.97)"
echo "throughput_tc_netfilter_xdp_vs_bare $(ratio "$(med "$TMP/t_all")" "$(med "$TMP/t_bare")")   (native XDP on veth: no GRO/GSO for the peer)"
fi

