#!/usr/bin/env bash
# bench/smallpkt.sh - wirefisher's per-packet cost at the smallest packets
# (64-byte Ethernet frames: 46 IP bytes), each figure beside its target and
# beside a peer measured in the same run. A benchmark, not a test: it
# prints figures and asserts nothing. Needs root; run with `sudo make bench`.
#
#  1. The real programs through BPF_PROG_TEST_RUN (bench/progbench.c):
#     ns per packet of an empty tc program, accounting with 100 and with
#     1 000 000 flows, 64 rules, a per-source rule over 100 000 sources,
#     steering, one rule at netfilter beside the same at tc. RUNS runs of progbench, each 5 rounds of every figure
#     interleaved; the median of the runs' medians.
#  2. Real packets: a sendmmsg flood (tests/tools/wf-flood) from ns A over a
#     veth into ns B, which drops it at prerouting. The send, tc, the veth
#     and the receiver's drop all run in the flooder's context, so its own
#     CPU time per packet (CLOCK_PROCESS_CPUTIME_ID) is the whole path's
#     cost on one core, and stays honest on a machine shared with other
#     work, where wall-clock packet rates do not. With nothing attached,
#     with nftables counting or limiting (never dropping) in A's output
#     hook, and with wirefisher accounting, policing and per-source
#     policing; ROUNDS rounds interleaved, medians.
#  3. The flow table's memory per flow, from the kernel's own account of
#     the map (bpftool's memlock for wf_flows), for the default table.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)

missing=
for bin in build/wirefisher build/bench/progbench build/tests/wf-flood; do
	[ -x "$ROOT/$bin" ] || missing+=" $bin"
done
[ -z "$missing" ] || {
	echo "smallpkt: not built:$missing; run make bench" >&2
	exit 1
}
for tool in nft bpftool python3; do
	command -v "$tool" > /dev/null || {
		echo "smallpkt: $tool is not installed; run make setup" >&2
		exit 1
	}
done
. "$ROOT/tests/lib/e2e.sh"
RUNS=${RUNS:-3}
ROUNDS=${ROUNDS:-5}
N=${N:-400000}	# packets per flood
FLOOD=$ROOT/build/tests/wf-flood
FLOOD_NET=10.251.$NET.0/24	# 100-flow and 64-rule floods: one source
PERSRC_NET=10.$((NET % 25 * 2 + 200)).0.0/15	# per-source: 131 072 sources (an even octet: /15)

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
calc() { python3 -c "import sys; print($1)"; }

echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "# 1. BPF_PROG_TEST_RUN, 64-byte frames, 32-packet trains;"
echo "#    $RUNS runs x 5 interleaved rounds, median"
for ((i = 1; i <= RUNS; i++)); do
	"$ROOT/build/bench/progbench" -r 5 || exit 1
done > "$TMP/prog"
fig() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/prog" | median; }
empty=$(fig empty)
acct=$(fig acct_100)
acct1m=$(fig acct_1m)
pol=$(fig police_64)
shallow=$(fig police_64_shallow)
persrc=$(fig persrc_100k)
stay=$(fig steer_stay)
move=$(fig steer_move)
arrived=$(fig steer_arrived)
echo "ns_empty $empty   (the harness and an empty tc program)"
echo "ns_acct_100_flows $acct   (target <= 60; $(calc "'%.1f' % (1000 / $acct)") Mpps per core; program alone $(calc "'%.1f' % ($acct - $empty)"))"
echo "acct_vs_empty $(calc "'%.2f' % ($acct / $empty)")   (target <= 4)"
echo "ns_acct_1m_flows $acct1m   ($(calc "'%.1f' % (1000 / $acct1m)") Mpps per core)"
echo "acct_1m_vs_100_flows $(calc "'%.2f' % ($acct1m / $acct)")   (target <= 1.5)"
echo "ns_police_64_rules $pol   (target <= 100; $(calc "'%.1f' % (1000 / $pol)") Mpps per core; program alone $(calc "'%.1f' % ($pol - $empty)"))"
echo "ns_police_64_shallow $shallow   (the same rules with 10 ms buckets, which read the nanosecond clock; 250 ms ones, the default depth, the tick clock)"
echo "ns_per_source_100k $persrc   ($(calc "'%.1f' % (1000 / $persrc)") Mpps per core)"
echo "ns_steer_path $(calc "'%.1f' % ($stay + $move)")   (target <= 150: $move at the first device, steering and redirect, + $stay at the path device, steering and accounting: an upper bound, a moved packet's pass there skips the steering)"
echo "ns_steer_arrived $arrived   (that pass as a moved packet meets it, in one-packet runs: compare with progbench -t 1 steer_stay, not with the figures above)"
nf=$(fig nf_police_1)
if [ -n "$nf" ]; then	# a kernel with netfilter programs (6.4+)
	tc1=$(fig tc_police_1)
	echo "ns_netfilter_1_rule $nf   (PRE_ROUTING, one udp port rule; the empty netfilter program $(fig nf_empty); the same rule at tc ingress, with accounting, $tc1: $(calc "'%.2f' % ($nf / $tc1)")x)"
fi

# ---- 2. real packets ---------------------------------------------------------

netns_up || { echo "smallpkt: cannot build namespaces" >&2; exit 1; }
flood_range_up || { echo "smallpkt: cannot route the flood" >&2; exit 1; }
$IN_A ip route add local "$PERSRC_NET" dev lo
$IN_B ip route add "$PERSRC_NET" via "$IP_A"
$IN_B nft add rule ip wf_flood pre ip saddr "$PERSRC_NET" drop

cfg() { # NAME -> a wirefisher config in $TMP/NAME.yaml
	case $1 in
	acct) write_config "$TMP/acct.yaml" ;;
	acct1m) write_config "$TMP/acct1m.yaml" "accounting: { max_flows: 1048576 }" ;;
	police)
		{
			echo "rules:"
			for ((r = 0; r < 63; r++)); do
				printf '  - name: r%d\n    match: { proto: udp, dport: %d }\n    rate: 10gbit\n    burst: 250ms\n' \
					$r $((2000 + r))
			done
			printf '  - name: flood\n    match: { src: %s }\n    rate: 10gbit\n    burst: 250ms\n' "$FLOOD_NET"
		} > "$TMP/rules"
		write_config "$TMP/police.yaml" "$(cat "$TMP/rules")"
		;;
	persrc)
		write_config "$TMP/persrc.yaml" "policing: { max_keys: 262144 }
rules:
  - name: per-source
    match: { src: $PERSRC_NET }
    rate: 10gbit
    burst: 250ms
    per: src_ip"
		;;
	esac
}
for c in acct acct1m police persrc; do cfg $c; done

nft_on() { # counter | limit
	local what="counter"
	[ "$1" = limit ] && what="limit rate over 1000 mbytes/second burst 1000 mbytes drop"
	$IN_A nft -f - <<NFT
table ip wfbench {
	chain out {
		type filter hook output priority 0;
		ip daddr $IP_B $what
	}
}
NFT
}

# One flood: -> CPU ns per packet. FLOWS 0: every packet a new flow.
flood() { # SRC_NET FLOWS
	$IN_A "$FLOOD" "$IP_B" "$1" "$N" 7 60 "$2" 18 |
		sed -n 's/.*cpu_ns_per_pkt=//p'
}

KINDS="bare nft_counter nft_limit wf_acct_100 wf_acct_new wf_police_64 wf_per_source"
run_kind() { # KIND -> CPU ns per packet
	case $1 in
	bare) flood "${FLOOD_NET%.0/24}.1/32" 100 ;;
	nft_counter | nft_limit)
		nft_on "${1#nft_}"
		flood "${FLOOD_NET%.0/24}.1/32" 100
		$IN_A nft delete table ip wfbench
		;;
	wf_acct_100 | wf_acct_new | wf_police_64 | wf_per_source)
		local c=acct src="${FLOOD_NET%.0/24}.1/32" flows=100
		[ "$1" = wf_acct_new ] && c=acct1m src=$FLOOD_NET flows=0
		[ "$1" = wf_police_64 ] && c=police
		[ "$1" = wf_per_source ] && c=persrc src=$PERSRC_NET flows=0
		wf_start "$TMP/$c.yaml" > /dev/null || exit 1
		flood "$src" "$flows"
		[ "$c" = acct ] && bpftool -j map show pinned "$PIN/wf_flows" > "$TMP/flowmap"
		wf_stop
		;;
	esac
}

echo "# 2. real packets: $N x 64-byte frames per flood (sendmmsg), the"
echo "#    flooder's CPU ns per packet, $ROUNDS rounds interleaved, medians"
for ((r = 1; r <= ROUNDS; r++)); do
	line="#   round $r:"
	for k in $KINDS; do
		ns=$(run_kind "$k")
		echo "$ns" >> "$TMP/ns_$k"
		line+=" $k $ns"
	done
	echo "$line"
done
bare=$(median < "$TMP/ns_bare")
for k in $KINDS; do
	n=$(median < "$TMP/ns_$k")
	echo "flood_${k}_ns $n   ($(calc "'%.2f' % (1e3 / $n)") Mpps per core; $(calc "'%+.0f' % ($n - $bare)") ns vs bare)"
done

# ---- 3. memory ---------------------------------------------------------------

python3 - "$TMP/flowmap" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m = m[0] if isinstance(m, list) else m
per = m["bytes_memlock"] / m["max_entries"]
print("flow_table_bytes_per_flow %.0f   (wf_flows, key %d B + value %d B + the "
      "kernel's element and bucket; default table %d flows = %.1f MiB)"
      % (per, m["bytes_key"], m["bytes_value"], m["max_entries"],
         m["bytes_memlock"] / 2**20))
PY
