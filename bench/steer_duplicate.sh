#!/usr/bin/env bash
# bench/steer_duplicate.sh - duplicate selectors, run by bench/steer.sh (or
# alone); nothing asserted. A direct wireguard-go path and one through a
# relay, wirefisher on both ends duplicating a 1000/s UDP stream (client:
# dport 9300, server: sport 9300):
#   a. TRIALS cuts of the active path's underlay at a random moment, a new
#      flow each: datagrams lost and delivered twice (the target is 0 and 0;
#      without duplication failover loses ~500 per cut, see section 2);
#   b. added one-way latency: the p50/p99 of the stream with the selector
#      against the same stream not selected (dport 9400), ROUNDS each, no
#      cut (the sender's and receiver's clocks are one);
#   c. the programs' cost per packet (BPF_PROG_TEST_RUN, build/bench/steerbench
#      steer): egress with a failover route, an aggregate route, a duplicate
#      selector (the clone really sent); ingress not selected and selected.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
. "$ROOT/tests/lib/wglab.sh"
TRIALS=${TRIALS:-20}
ROUNDS=${ROUNDS:-5}

netns_up > /dev/null || exit 1
wglab_up direct relay || exit 1
stat() { python3 -c 'import statistics, sys; v = sorted(map(float, sys.argv[2:])); print("%.2f" % {"median": statistics.median(v), "max": v[-1]}[sys.argv[1]])' "$@"; }
STEER_DUP="{ proto: udp, dport: 9300 }" steer_yaml "$PIN" c failover "1 2" > "$TMP/c.yaml"
STEER_DUP="{ proto: udp, sport: 9300 }" steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" > /dev/null || exit 1
wf_start "$TMP/c.yaml" > /dev/null || exit 1
wait_all_up 100 && wait_all_up 100 "$PIN_S" || exit 1

# stream N SPORT DPORT: N datagrams at 1000/s; waits; the receiver's line.
stream() {
	local r s
	$IN_B "$UDP" recv 10.99.0.1 "$3" "$1" 1500 > "$TMP/recv" &
	r=$!
	sleep 0.2
	$IN_A "$UDP" send 10.99.0.1 "$3" "$1" 200 1000 "$2" 10.96.0.2 > /dev/null &
	s=$!
	[ -n "${CUT_AT:-}" ] && sleep "$CUT_AT" && wglab_cut 1
	wait "$s" "$r"
	tail -n 1 "$TMP/recv"
}

echo "== 8. duplicate: a 1000/s UDP stream over the two best paths at once"
echo "   anchors: engarde duplicates every packet in userspace (~30 Mbit/s top);"
echo "   Speedify/Peplink duplicate everything; failover alone loses ~500 datagrams a cut"
lost=() twice=() gaps=()
for ((t = 0; t < TRIALS; t++)); do
	line=$(CUT_AT=1.$((RANDOM % 800)) stream 3000 $((9310 + t)) 9300)
	wglab_heal 1
	d=$(kv distinct "$line")
	lost+=($((3000 - ${d:-0})))
	twice+=("$(kv dups "$line")")
	gaps+=("$(kv max_gap_ms "$line")")
	wait_all_up 150 > /dev/null 2>&1 && wait_all_up 150 "$PIN_S" > /dev/null 2>&1 &&
		wait_via p1 150 || echo "  trial $t: the paths did not all come back"
done
echo "a. $TRIALS cuts: lost $(IFS=+; echo $((${lost[*]}))) datagrams, delivered twice" \
	"$(IFS=+; echo $((${twice[*]}))); longest silence median $(stat median "${gaps[@]}") ms," \
	"worst $(stat max "${gaps[@]}") ms"
echo "   lost per trial: ${lost[*]} | silences: ${gaps[*]}"
p50d=() p99d=() p50n=() p99n=()
for ((r = 0; r < ROUNDS; r++)); do
	line=$(stream 2000 $((9350 + r)) 9300)
	p50d+=("$(kv lat_p50_us "$line")") p99d+=("$(kv lat_p99_us "$line")")
	line=$(stream 2000 $((9360 + r)) 9400)
	p50n+=("$(kv lat_p50_us "$line")") p99n+=("$(kv lat_p99_us "$line")")
done
a=$(stat median "${p99d[@]}") b=$(stat median "${p99n[@]}")
echo "b. one-way latency, median of $ROUNDS rounds: duplicated p50 $(stat median "${p50d[@]}") us," \
	"p99 $a us | not duplicated p50 $(stat median "${p50n[@]}") us, p99 $b us |" \
	"p99 added $(python3 -c "print('%.0f' % ($a - $b))") us"
echo "   p99 runs: duplicated ${p99d[*]} | not ${p99n[*]}"
if [ -x "$ROOT/build/bench/steerbench" ]; then
	"$ROOT/build/bench/steerbench" steer > "$TMP/pb" 2>&1
	echo "c. ns per packet (test_run): $(tr '\n' ' ' < "$TMP/pb")"
else
	echo "c. build/bench/steerbench not built (make bench)"
fi
