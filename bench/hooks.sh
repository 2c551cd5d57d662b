#!/usr/bin/env bash
# bench/hooks.sh - wirefisher's enforcement points (rules[].at: tc,
# netfilter, xdp) beside each other and beside nftables at the same hook,
# in one run on one veth pair. A benchmark, not a test: it prints figures
# (ratios against a peer measured in the same run) and asserts nothing.
# Needs root and nft: sudo bench/hooks.sh. SECS (4), N (flood size, 100000),
# ROUNDS (3), PARTS ("1 2 3 4": which of the parts below).
#
#  1. CPU per flooded datagram (64 B, unpaced, to a port limited at
#     8 Mbit/s), median of ROUNDS: the sender's CPU clock - its send()
#     runs the output path, and (no IRQ time accounting on this kernel:
#     softirq time is charged to the task it interrupts) the veth peer's
#     receive path too - plus whatever ksoftirqd took over. The same
#     flood dropped by nftables at the sender's own netdev egress is the
#     sending alone; the rest is the cost of the drop at each point:
#       egress  (A sends): tc egress | netfilter LOCAL_OUT | nft output
#       ingress (B sends to A): tc ingress | netfilter PRE_ROUTING | XDP |
#               nft prerouting (priority -300, raw: before conntrack) |
#               nft netdev ingress (nftables' earliest drop)
#     and each program's own run time per packet (kernel BPF statistics).
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

# ksoftirqd_ns: run time of every ksoftirqd thread (ns, from schedstat).
ksoftirqd_ns() {
	local t=0 p r
	for p in $(pgrep '^ksoftirqd/'); do
		read -r r _ < "/proc/$p/schedstat" && t=$((t + r))
	done
	echo $t
}

# flood TX DST PORT -> CPU per datagram (ns): the sender's own CPU clock
# (precise, unlike getrusage's ticks) plus ksoftirqd's share. Counts no
# other tenant of a shared machine, as /proc/stat would.
flood() {
	local k0 k1 out
	k0=$(ksoftirqd_ns)
	out=$($1 "$UDP" send "$2" "$3" "$N" 64 0)
	k1=$(ksoftirqd_ns)
	python3 -c "print('%.0f' % (($(kv cpu_ns "$out") + $k1 - $k0) / $N))"
}

# nft_dev NS DEV HOOK: nftables drops everything at DEV's netdev HOOK.
nft_dev() {
	$1 nft -f - <<NFT
table netdev wfdev {
	chain c {
		type filter hook $3 device $2 priority 0;
		drop
	}
}
NFT
}
nft_dev_off() { $1 nft delete table netdev wfdev; }

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
echo "# 1. $N x 64 B unpaced to a port limited at 8 Mbit/s, median of $ROUNDS: CPU per"
echo "#   datagram (sender's CPU clock + ksoftirqd); the drop's cost = that minus the"
echo "#   same flood dropped at the sender's own netdev egress (the sending alone)"
rm -f "$TMP"/c_* "$TMP"/p_*
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
# wf_flood AT DIR PORT TX DST KEY PROG: a rule there, a flood, both figures
wf_flood() {
	wf_rule "$1" "$2" "$3"; sysctl -qw kernel.bpf_stats_enabled=1
	flood "$4" "$5" "$3" >> "$TMP/c_$6"; prog_ns "$7" >> "$TMP/p_$6"
	[ "$1" = xdp ] && prog_ns wf_tc_ingress >> "$TMP/p_tc_in_after_xdp"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"; wf_stop
}
for ((round = 0; round < ROUNDS; round++)); do
	nft_dev "$IN_A" "$IF_A" egress; flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_send"; nft_dev_off "$IN_A"
	flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_none"
	wf_flood tc egress 9801 "$IN_A" "$IP_B" out_tc wf_tc_egress
	wf_flood netfilter egress 9801 "$IN_A" "$IP_B" out_nf wf_nf_entry
	nft_rule output 0 9801 "$IN_A"; flood "$IN_A" "$IP_B" 9801 >> "$TMP/c_out_nft"; nft_off "$IN_A"
	nft_dev "$IN_B" "$IF_B" egress; flood "$IN_B" "$IP_A" 9802 >> "$TMP/c_in_send"; nft_dev_off "$IN_B"
	wf_flood tc ingress 9802 "$IN_B" "$IP_A" in_tc wf_tc_ingress
	wf_flood netfilter ingress 9802 "$IN_B" "$IP_A" in_nf wf_nf_entry
	wf_flood xdp ingress 9802 "$IN_B" "$IP_A" in_xdp wf_xdp_ingress
	nft_rule prerouting -300 9802 "$IN_A"; flood "$IN_B" "$IP_A" 9802 >> "$TMP/c_in_nft"; nft_off "$IN_A"
	nft_dev "$IN_A" "$IF_A" ingress; flood "$IN_B" "$IP_A" 9802 >> "$TMP/c_in_nftdev"; nft_dev_off "$IN_A"
done
# drop_ns DIR KEY: median CPU per datagram above the sending alone
drop_ns() { python3 -c "print('%.0f' % ($(med "$TMP/c_$1_$2") - $(med "$TMP/c_$1_send")))"; }
for k in out_send out_none out_tc out_nf out_nft in_send in_tc in_nf in_xdp in_nft in_nftdev; do
	echo "cpu_ns_per_datagram_$k $(med "$TMP/c_$k")   ($(tr '\n' ' ' < "$TMP/c_$k"))"
done
for k in tc nf nft; do echo "drop_ns_egress_$k $(drop_ns out $k)"; done
for k in tc nf xdp nft nftdev; do echo "drop_ns_ingress_$k $(drop_ns in $k)"; done
echo "egress_netfilter_vs_nft $(ratio "$(drop_ns out nf)" "$(drop_ns out nft)")   (target <= 1.0)"
echo "egress_tc_vs_nft $(ratio "$(drop_ns out tc)" "$(drop_ns out nft)")"
echo "ingress_netfilter_vs_nft $(ratio "$(drop_ns in nf)" "$(drop_ns in nft)")   (target <= 1.0)"
echo "ingress_xdp_vs_nft $(ratio "$(drop_ns in xdp)" "$(drop_ns in nft)")   (target <= 0.3)"
echo "ingress_xdp_vs_nft_netdev $(ratio "$(drop_ns in xdp)" "$(drop_ns in nftdev)")"
echo "ingress_tc_vs_nft $(ratio "$(drop_ns in tc)" "$(drop_ns in nft)")"
for k in out_tc out_nf in_tc in_nf in_xdp tc_in_after_xdp; do
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

