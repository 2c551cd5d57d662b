#!/usr/bin/env bash
# bench/police.sh - wirefisher's policer beside nftables' `limit rate over
# ... drop`, measured in the same run on the same veth. A benchmark, not a
# test: it prints figures and asserts nothing. Needs root: sudo make bench.
#
# Both police the sender's egress (wirefisher: tc egress rule; nftables:
# output chain), at the same rate and the same burst (1/4 s of the rate,
# wirefisher's default). For each rate: TCP cubic goodput / limit and
# retransmissions (iperf3, SECS s after 2 s omitted), UDP at 2x the limit
# (goodput / limit). (CPU at these paced rates is below the noise of a
# shared machine's counters; it is measured with a flood further down.)
# Then per-source limits beside iptables hashlimit (three sources at 2x),
# and the CPU each policer adds per packet over no policer at all, from a
# flood of small datagrams (the only load at which it rises above noise).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
SECS=${SECS:-6}
RATES=${RATES:-"8 100 1000 10000"}	# Mbit/s

command -v nft > /dev/null || { echo "police: needs nft (apt-get install nftables)" >&2; exit 1; }

# Jiffies spent in system and softirq by all CPUs (the policing cost).
cpu_ticks() { awk '/^cpu / { print $4 + $8 }' /proc/stat; }
ratio() { python3 -c "import sys; b = float(sys.argv[2]); print('%.3f' % (float(sys.argv[1]) / b) if b else 'n/a')" "$1" "$2"; }

police_on() { # KIND MBIT
	local bytes=$(($2 * 125000)) burst=$(($2 * 125000 / 4))
	if [ "$1" = wf ]; then
		cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: bench
    match: { dst: $IP_B, direction: egress }
    rate: ${2}mbit
    burst: ${burst}B
YAML
		wf_start "$TMP/wf.yaml" > /dev/null || exit 1
	else
		$IN_A nft -f - <<NFT
table ip wfbench {
	chain out {
		type filter hook output priority 0;
		ip daddr $IP_B limit rate over $bytes bytes/second burst $burst bytes drop
	}
}
NFT
	fi
}

police_off() { # KIND
	if [ "$1" = wf ]; then wf_stop; else $IN_A nft delete table ip wfbench; fi
}

tcp_run() { # -> "goodput_bps retransmits"
	$IN_A iperf3 -c "$IP_B" -p 5601 -t "$SECS" -O 2 -C cubic -J > "$TMP/tcp.json" 2>&1
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1))' \
		"$TMP/tcp.json"
}

# From 1 Gbit/s on, wf-udp (one datagram per send) cannot offer 2x the
# limit: wf-flood sends 1500-byte IP packets in sendmmsg batches for SECS
# s, one flow, as fast as the machine lets it, and ns B counts what
# arrives (its prerouting `counter drop`). The offered rate is printed, so
# that a run that could not reach the limit says so.
udp_run_flood() { # MBIT -> "goodput_bps offered_bps"  (IP bytes)
	local before after out
	before=$($IN_B nft list chain ip wf_flood pre | sed -n 's/.*counter packets [0-9]* bytes \([0-9]*\).*/\1/p')
	out=$($IN_A "$FLOOD" "$IP_B" "${FLOOD_NET%.0/24}.1/32" 1000000000 1 "$SECS" 1 1472)
	after=$($IN_B nft list chain ip wf_flood pre | sed -n 's/.*counter packets [0-9]* bytes \([0-9]*\).*/\1/p')
	python3 -c "
secs = $(kv secs "$out")
print(round(($after - $before) * 8 / secs), round($(kv sent "$out") * 1500 * 8 / secs))"
}

udp_run() { # MBIT -> "goodput_bps"  (offered: 2x, 1000 B IP packets)
	local pps=$(($1 * 250)) n out
	if [ "$1" -ge 1000 ]; then
		udp_run_flood "$1"
		return
	fi
	n=$((pps * SECS))
	$IN_B "$UDP" recv "$IP_B" 9601 $n 1500 > "$TMP/udp" &
	local pid=$!
	sleep 0.3
	$IN_A "$UDP" send "$IP_B" 9601 $n 972 $pps > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/udp")
	python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972 * 8))"
}

netns_up || { echo "police: cannot build namespaces" >&2; exit 1; }
FLOOD=$ROOT/build/tests/wf-flood
FLOOD_NET=10.251.$NET.0/24
flood_range_up || { echo "police: cannot route the flood" >&2; exit 1; }
$IN_B iperf3 -s -p 5601 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5
hz=$(getconf CLK_TCK)

for mbit in $RATES; do
	limit=$((mbit * 1000000))
	echo "# $mbit Mbit/s, burst 1/4 s, TCP cubic ${SECS}s after 2s, UDP at 2x for ${SECS}s"
	for kind in wf nft; do
		police_on $kind "$mbit"
		read -r tbps retr < <(tcp_run)
		read -r ubps uoffered < <(udp_run "$mbit")
		police_off $kind
		echo "${kind}_${mbit}mbit_tcp_goodput_ratio $(ratio "$tbps" "$limit")   (payload / limit)"
		echo "${kind}_${mbit}mbit_tcp_retransmits $retr"
		# The receiver's rate over the run holds rate x T + burst.
		echo "${kind}_${mbit}mbit_udp_accuracy $(ratio "$ubps" "$(python3 -c "print($limit * (1 + 0.25 / $SECS))")")   (received / (rate x T + burst))${uoffered:+; offered $(ratio "$uoffered" "$limit") x the limit}"

		eval "${kind}_tcp=$tbps ${kind}_retr=$retr"
	done
	echo "vs_nft_${mbit}mbit_tcp_goodput $(ratio "$wf_tcp" "$nft_tcp")   (target >= 1)"
	echo "vs_nft_${mbit}mbit_retransmits $(ratio "$wf_retr" "$((nft_retr > 0 ? nft_retr : 1))")   (target <= 0.5)"
done

# RATES_ONLY=1: the accuracy figures above, nothing after.
[ -n "${RATES_ONLY:-}" ] && exit 0

# ---- per-source buckets beside iptables hashlimit --------------------------

# hashlimit's byte mode wants a burst of at least 1 s of the rate; both
# policers get that burst here.
perkey_on() { # KIND
	local burst=1000000
	if [ "$1" = wf ]; then
		cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: per-source
    match: { proto: udp, dport: 9700-9702, direction: egress }
    rate: 8mbit
    burst: ${burst}B
    per: src_ip
YAML
		wf_start "$TMP/wf.yaml" > /dev/null || exit 1
	else
		$IN_A iptables -A OUTPUT -p udp --dport 9700:9702 -m hashlimit \
			--hashlimit-above 1000000b/s --hashlimit-burst $burst \
			--hashlimit-mode srcip --hashlimit-name wfbench -j DROP
	fi
}

perkey_off() { # KIND
	if [ "$1" = wf ]; then wf_stop; else $IN_A iptables -F OUTPUT; fi
}

perkey_run() { # -> worst |accuracy - 1| over the three sources
	local i src pids=() n=$((2000 * SECS)) worst=0 acc out
	for i in 0 1 2; do
		$IN_B "$UDP" recv "$IP_B" $((9700 + i)) $n 1500 > "$TMP/k$i" &
		BG_PIDS+=($!)
	done
	sleep 0.3
	i=0
	for src in "$IP_A" "10.250.$NET.3" "10.250.$NET.4"; do
		$IN_A "$UDP" send "$IP_B" $((9700 + i)) $n 972 2000 0 "$src" > /dev/null &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	sleep 1.7
	for i in 0 1 2; do
		out=$(tail -1 "$TMP/k$i")
		acc=$(python3 -c "print('%.3f' % ($(kv rate_payload_Bps "$out") * 1000 / 972 / (1000000 * (1 + 1.0 / $SECS))))")
		echo "#   source $i: received / (rate x T + burst) = $acc" >&2
		worst=$(python3 -c "print(max($worst, abs($acc - 1)))")
	done
	python3 -c "print('%.3f' % $worst)"
}

$IN_A ip addr add "10.250.$NET.3/24" dev "$IF_A"
$IN_A ip addr add "10.250.$NET.4/24" dev "$IF_A"
echo "# per source: 3 sources x 16 Mbit/s against 8 Mbit/s each, burst 1 s, ${SECS}s"
for kind in wf hashlimit; do
	perkey_on $kind
	echo "${kind}_per_source_worst_error $(perkey_run)"
	perkey_off $kind
done

# ---- CPU per packet ---------------------------------------------------------

flood_ns() { # -> ns of system + softirq CPU per datagram, 64 B, unpaced
	local n=400000 t0 t1
	t0=$(cpu_ticks)
	$IN_A "$UDP" send "$IP_B" 9801 $n 64 0 > /dev/null
	t1=$(cpu_ticks)
	python3 -c "print('%.0f' % (($t1 - $t0) * 1e9 / $hz / $n))"
}

# The policing program's own run time per packet, from the kernel's BPF
# run-time statistics (on only for this measurement).
prog_ns() {
	bpftool -j prog show name wf_tc_egress | python3 -c '
import json, sys
p = json.load(sys.stdin)
p = p[0] if isinstance(p, list) else p
print("%.0f" % (p["run_time_ns"] / max(p["run_cnt"], 1)))'
}

echo "# CPU: 400 000 datagrams of 64 B, unpaced, to a port limited at 8 Mbit/s;"
echo "#   whole-machine system + softirq ns per datagram, median of 3"
cat > "$TMP/flood.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: flood
    match: { proto: udp, dport: 9801, direction: egress }
    rate: 8mbit
YAML
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
for round in 1 2 3; do
	flood_ns >> "$TMP/none"
	wf_start "$TMP/flood.yaml" > /dev/null || exit 1
	sysctl -qw kernel.bpf_stats_enabled=1
	flood_ns >> "$TMP/wfcpu"
	prog_ns >> "$TMP/wfprog"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	wf_stop
	$IN_A nft -f - <<NFT
table ip wfbench {
	chain out {
		type filter hook output priority 0;
		udp dport 9801 limit rate over 1000000 bytes/second burst 250000 bytes drop
	}
}
NFT
	flood_ns >> "$TMP/nftcpu"
	$IN_A nft delete table ip wfbench
done
med() { sort -g "$1" | sed -n 2p; }
echo "cpu_ns_per_packet_no_policer $(med "$TMP/none")"
echo "cpu_ns_per_packet_wf $(med "$TMP/wfcpu")   (of which the tc program: $(med "$TMP/wfprog") ns)"
echo "cpu_ns_per_packet_nft $(med "$TMP/nftcpu")"
echo "vs_nft_cpu_per_packet $(ratio "$(med "$TMP/wfcpu")" "$(med "$TMP/nftcpu")")   (target <= 0.5)"
