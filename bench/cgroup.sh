#!/usr/bin/env bash
# bench/cgroup.sh - a per-cgroup limit (wirefisher `match.cgroup`) beside
# what the CNI bandwidth plugin does for a pod: the pod's egress redirected
# into an ifb device and shaped there by tc htb; and beside nftables
# (`socket cgroupv2 ... limit rate over ... drop` on output). Same veth,
# same limits, measured in the same run. A benchmark, not a test: prints,
# asserts nothing.
#
# "Pod" = namespace A; its traffic leaves through wfa0 and arrives on wfb0.
# htb: wfb0 ingress -> mirred redirect -> ifb in namespace B -> htb (counts
# Ethernet bytes: 14 more per packet than the IP bytes the others count).
# wirefisher: a rule on the sender's cgroup (both directions, default
# burst), cgroup_skb + sockops pacing. nftables: output hook of namespace A,
# burst 1/4 s as wirefisher's default.
# TCP lines: goodput as IP bytes (payload x (mss + 52) / mss) over the
# limit, and the sender's retransmissions (iperf3, from TCP_INFO).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
SECS=${SECS:-6}
CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG=$CG_MOUNT/wf-bench-$ID
IFB=wfifb$((ID % 10000))

ratio() { python3 -c "import sys; b = float(sys.argv[2]); print('%.3f' % (float(sys.argv[1]) / b) if b else 'n/a')" "$1" "$2"; }
cpu_ticks() { awk '/^cpu / { print $4 + $8 }' /proc/stat; }
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"; }

# The cgroup as nft names it: a path below /sys/fs/cgroup, wherever the
# cgroup2 mount is (/sys/fs/cgroup/unified on a hybrid host).
NFT_CG=${CG#/sys/fs/cgroup/}

limit_on() { # KIND [MBIT]
	local mbit=${2:-8}
	case $1 in
	wf)
		cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
http: { enabled: false }
rules:
  - name: pod
    match: { cgroup: wf-bench-$ID }
    rate: ${mbit}mbit
YAML
		wf_start "$TMP/wf.yaml" > /dev/null || exit 1
		;;
	htb)
		$IN_B ip link add "$IFB" type ifb
		$IN_B ip link set "$IFB" up
		$IN_B tc qdisc add dev "$IF_B" handle ffff: ingress
		$IN_B tc filter add dev "$IF_B" parent ffff: protocol all u32 \
			match u32 0 0 action mirred egress redirect dev "$IFB"
		$IN_B tc qdisc add dev "$IFB" root handle 1: htb default 1
		$IN_B tc class add dev "$IFB" parent 1: classid 1:1 htb \
			rate ${mbit}mbit burst $((mbit * 31250))
		;;
	nft)
		$IN_A nft -f - <<NFT || exit 1
table inet wfbench {
	chain out {
		type filter hook output priority 0;
		socket cgroupv2 level 1 "$NFT_CG" limit rate over $((mbit * 125)) kbytes/second burst $((mbit * 31250)) bytes drop
	}
}
NFT
		;;
	esac
}

limit_off() { # KIND
	case $1 in
	wf) wf_stop ;;
	htb)
		$IN_B tc qdisc del dev "$IF_B" handle ffff: ingress
		$IN_B ip link del "$IFB"
		;;
	nft) $IN_A nft delete table inet wfbench ;;
	esac
}

udp_rate() { # -> received IP bytes/s, offered 2x from inside the cgroup
	local n=$((2000 * SECS)) out pid
	$IN_B "$UDP" recv "$IP_B" 9701 $n 1500 > "$TMP/u" &
	pid=$!
	sleep 0.3
	in_cg "$CG" $IN_A "$UDP" send "$IP_B" 9701 $n 972 2000 > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/u")
	python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))"
}

tcp_bps() {
	in_cg "$CG" $IN_A iperf3 -c "$IP_B" -p 5701 -t "$SECS" -O 2 -J > "$TMP/t.json" 2>&1
	python3 -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$TMP/t.json"
}

tcp_ip() { # CC MBIT -> "ip_bytes/limit retransmits"
	in_cg "$CG" $IN_A iperf3 -c "$IP_B" -p 5701 -t "$SECS" -O 2 -C "$1" -J \
		> "$TMP/t.json" 2>&1
	python3 - "$TMP/t.json" "$2" <<'PY' 2>/dev/null || echo "n/a n/a"
import json, sys
d = json.load(open(sys.argv[1]))
mss = d["start"]["tcp_mss_default"]
e = d["end"]
print("%.3f %d" % (e["sum_received"]["bits_per_second"] * (mss + 52) / mss
                   / (int(sys.argv[2]) * 1e6), e["sum_sent"]["retransmits"]))
PY
}

flood_ns() { # system + softirq ns per 64 B datagram, 300 000 unpaced
	local n=300000 t0 t1
	t0=$(cpu_ticks)
	in_cg "$CG" $IN_A "$UDP" send "$IP_B" 9702 $n 64 0 > /dev/null
	t1=$(cpu_ticks)
	python3 -c "print('%.0f' % (($t1 - $t0) * 1e9 / $(getconf CLK_TCK) / $n))"
}

netns_up || { echo "cgroup bench: cannot build namespaces" >&2; exit 1; }
mkdir -p "$CG"
trap 'cleanup; rmdir "$CG" 2>/dev/null' EXIT
$IN_B iperf3 -s -p 5701 > /dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5

echo "# 8 Mbit/s per pod: UDP at 2x for ${SECS}s; TCP cubic ${SECS}s after 2s; CPU flood"
for kind in wf htb; do
	limit_on $kind
	u=$(udp_rate)
	t=$(tcp_bps)
	c=$(flood_ns)
	limit_off $kind
	# The receiver's rate includes the first burst: 250 kB over SECS.
	echo "${kind}_udp_accuracy $(ratio "$u" "$(python3 -c "print(1000000 * (1 + 0.25 / $SECS))")")   (received / (rate x T + burst))"
	echo "${kind}_tcp_goodput_ratio $(ratio "$t" 8000000)   (payload / limit)"
	echo "${kind}_cpu_ns_per_packet $c"
	eval "${kind}_cpu=$c"
done
echo "vs_htb_cpu_per_packet $(ratio "$wf_cpu" "$htb_cpu")"

echo "# TCP from the cgroup, ${SECS}s after 2s: IP bytes / limit, retransmits"
for mbit in 4 8; do
	for kind in wf htb nft; do
		limit_on $kind $mbit
		for cc in cubic bbr; do
			read -r r x < <(tcp_ip $cc $mbit)
			echo "${kind}_tcp_${cc}_${mbit}mbit_ip_ratio $r   retransmits $x"
		done
		limit_off $kind
	done
done
