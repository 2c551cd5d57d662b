#!/usr/bin/env bash
# bench/police.sh - wirefisher's policer beside nftables' `limit rate over
# ... drop`, measured in the same run on the same veth. A benchmark, not a
# test: it prints figures and asserts nothing. Needs root: sudo make bench.
#
# Both police the sender's egress (wirefisher: tc egress rule; nftables:
# output chain), at the same rate and the same burst (1/4 s of the rate,
# wirefisher's default). For each rate: TCP cubic goodput / limit and
# retransmissions (iperf3, SECS s after 2 s omitted), UDP at 2x the limit
# (goodput / limit), and CPU (system + softirq, all CPUs) per policed Mbit.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
SECS=${SECS:-6}
RATES=${RATES:-"8 100"}	# Mbit/s

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

tcp_run() { # -> "goodput_bps retransmits cpu_ticks"
	local t0 t1
	t0=$(cpu_ticks)
	$IN_A iperf3 -c "$IP_B" -p 5601 -t "$SECS" -O 2 -C cubic -J > "$TMP/tcp.json" 2>&1
	t1=$(cpu_ticks)
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(round(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", -1), sys.argv[2])' \
		"$TMP/tcp.json" $((t1 - t0))
}

udp_run() { # MBIT -> "goodput_bps cpu_ticks"  (offered: 2x, 1000 B IP packets)
	local pps=$(($1 * 250)) n t0 t1 out
	n=$((pps * SECS))
	$IN_B "$UDP" recv "$IP_B" 9601 $n 1500 > "$TMP/udp" &
	local pid=$!
	sleep 0.3
	t0=$(cpu_ticks)
	$IN_A "$UDP" send "$IP_B" 9601 $n 972 $pps > /dev/null
	t1=$(cpu_ticks)
	wait $pid
	out=$(tail -1 "$TMP/udp")
	echo "$(python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972 * 8))") $((t1 - t0))"
}

netns_up || { echo "police: cannot build namespaces" >&2; exit 1; }
$IN_B iperf3 -s -p 5601 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5
hz=$(getconf CLK_TCK)

for mbit in $RATES; do
	limit=$((mbit * 1000000))
	echo "# $mbit Mbit/s, burst 1/4 s, TCP cubic ${SECS}s after 2s, UDP at 2x for ${SECS}s"
	for kind in wf nft; do
		police_on $kind "$mbit"
		read -r tbps retr tticks < <(tcp_run)
		read -r ubps uticks < <(udp_run "$mbit")
		police_off $kind
		# CPU seconds per policed Mbit, over the UDP run (the policer is
		# busiest there: half of all packets are dropped).
		cpu=$(python3 -c "print('%.5f' % ($uticks / $hz / ($ubps / 1e6 * $SECS)))")
		echo "${kind}_${mbit}mbit_tcp_goodput_ratio $(ratio "$tbps" "$limit")   (payload / limit)"
		echo "${kind}_${mbit}mbit_tcp_retransmits $retr"
		# The receiver's rate over the run holds rate x T + burst.
		echo "${kind}_${mbit}mbit_udp_accuracy $(ratio "$ubps" "$(python3 -c "print($limit * (1 + 0.25 / $SECS))")")   (received / (rate x T + burst))"
		echo "${kind}_${mbit}mbit_cpu_s_per_mbit $cpu"

		eval "${kind}_tcp=$tbps ${kind}_retr=$retr ${kind}_cpu=$cpu"
	done
	echo "vs_nft_${mbit}mbit_tcp_goodput $(ratio "$wf_tcp" "$nft_tcp")   (target >= 1)"
	echo "vs_nft_${mbit}mbit_retransmits $(ratio "$wf_retr" "$((nft_retr > 0 ? nft_retr : 1))")   (target <= 0.5)"
	echo "vs_nft_${mbit}mbit_cpu $(ratio "$wf_cpu" "$nft_cpu")   (target <= 0.5; noisy at low rates)"
done
