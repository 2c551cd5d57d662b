#!/usr/bin/env bash
# Faults the daemon must ride out: a flood of new flows against a small flow
# table while a hot flow keeps going, and an interface flapping down and up.
. "$(dirname "$0")/../lib/e2e.sh"

FLOOD=$ROOT/build/tests/wf-flood
MAX_FLOWS=1024
# 1M packets; in a TCG VM, which sends 10 000-50 000/s, 400 000: long
# enough at the faster rate for three stats samples during it (each takes
# ~1.5 s there; 100 000 once left one), at the slower within 20 s x TS.
FLOOD_N=$((TS > 1 ? 400000 : 1000000))
FLOOD_SECS=$((20 * TS))
# The flood's sources: a /24 that namespace A owns (a local route: any
# address in it is A's) and B routes back to A. B's nftables drops the flood
# on arrival (and counts it), so B answers nothing and nothing else is hit.
FLOOD_NET=10.251.$NET.0/24

# wf_bpf_ids KIND: ids of the BPF objects of KIND (map, prog, link) that the
# daemon holds open, from its fdinfo. Unlike a host-wide count, this is not
# moved by other tests loading programs at the same time.
wf_bpf_ids() {
	local fd
	for fd in /proc/"$WF_PID"/fd/*; do
		case $(readlink "$fd") in
		"anon_inode:bpf-$1" | "anon_inode:bpf_$1")
			sed -n "s/^$1_id:[[:space:]]*//p" "/proc/$WF_PID/fdinfo/${fd##*/}" ;;
		esac
	done 2>/dev/null | sort -n | tr '\n' ' '
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$WF_PID/status"; }

# counter NAME FILE: one field of counters in a saved stats --json.
counter() { json "d[\"counters\"][\"$1\"]" < "$2"; }

[ -x "$FLOOD" ] || { fail faults_setup "no $FLOOD (make test-bins)"; finish; }
netns_up || { fail faults_setup "cannot build namespaces"; finish; }

# ---- 1. Flood: 1M new 5-tuples through a 1024-flow table -----------------

flood_range_up || { fail faults_setup "cannot set up the flood's range"; finish; }
write_config "$TMP/wf.yaml" "accounting:
  max_flows: $MAX_FLOWS"
wf_start "$TMP/wf.yaml" || { fail faults_flood_start "daemon did not start"; finish; }

maps0=$(ls "$PIN" | wc -l)
ids0="$(wf_bpf_ids map)/$(wf_bpf_ids prog)/$(wf_bpf_ids link)"
rss0=$(rss_kb)
lines0=$(wc -l < "$TMP/wf.log")

# The hot flow: 1000 datagrams/s on one 5-tuple, from before the flood until
# after it (stopped below; at most 30 s x TS). B's receiver counts what
# arrives.
HOT="sport=4500, dport=9500"
HOT_N=$((30000 * TS))
$IN_B "$UDP" recv "$IP_B" 9500 $HOT_N $((1500 * TS)) > "$TMP/hot_recv" &
HOT_RECV=$!
BG_PIDS+=($HOT_RECV)
udp_bound "$IN_B" 9500
$IN_A "$UDP" send "$IP_B" 9500 $HOT_N 64 1000 4500 > /dev/null &
HOT_SEND=$!
BG_PIDS+=($HOT_SEND)
sleep 1
stats_json > "$TMP/before.json"

# The flood (bounded: FLOOD_N packets or FLOOD_SECS), sampling stats while
# it runs.
$IN_A "$FLOOD" "$IP_B" "$FLOOD_NET" $FLOOD_N $ID $FLOOD_SECS > "$TMP/flood" &
FLOOD_PID=$!
BG_PIDS+=($FLOOD_PID)
samples=0
for ((i = 0; i < 80; i++)); do
	sleep 0.3
	kill -0 $FLOOD_PID 2>/dev/null || break
	stats_json > "$TMP/mid$samples.json" && samples=$((samples + 1))
done
wait $FLOOD_PID
flood_rc=$?
sent=$(kv sent "$(cat "$TMP/flood")")
log "flood: $(cat "$TMP/flood") (rc $flood_rc), $samples stats samples during it"

# After the flood: one more sample while the hot flow still runs, then stop it.
sleep 0.5
stats_json > "$TMP/mid$samples.json" && samples=$((samples + 1))
kill $HOT_SEND
wait $HOT_SEND 2>/dev/null
wait $HOT_RECV
hot_recv=$(kv received "$(cat "$TMP/hot_recv")")
stats_json > "$TMP/after.json"
rss1=$(rss_kb)

check faults_flood_daemon_alive kill -0 "$WF_PID"
check faults_flood_sent_all [ "$flood_rc" = 0 -a "${sent:-0}" = $FLOOD_N ]

# Every flood packet reached B (nothing else: its source range is A's, its
# destination B's). veth may drop under load: allow 10 %.
got_b=$($IN_B nft list chain ip wf_flood pre | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
log "B received $got_b flood packets of $sent"
check faults_flood_reached_b [ "${got_b:-0}" -le "${sent:-0}" -a $((${got_b:-0} * 10)) -ge $((${sent:-0} * 9)) ]

# The hot flow, while the flood ran and after: every sample shows it, with
# a later last packet and never fewer packets - it is never evicted (the
# datapath does not mark a flow as used by its own insert, so one-packet
# flood flows stay the least recently used) - and no flow twice (stats
# reads the table in batches, which do not restart under churn).
python3 - "$TMP" "$samples" "$IP_A" > "$TMP/hot_mid" <<'EOF'
import json, sys
tmp, n, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
last, packets, ok, seen, dups, rows, trace = 0, 0, True, 0, 0, 0, []
for i in range(n):
    d = json.load(open("%s/mid%d.json" % (tmp, i)))
    rows = max(rows, d["counters"]["flows_live"])
    keys = [(f["ifindex"], f["dir"], f["proto"], f["src"], f["sport"],
             f["dst"], f["dport"]) for f in d["flows"]]
    dups += len(keys) - len(set(keys))
    hot = [f for f in d["flows"] if f["src"] == src and f["sport"] == 4500
           and f["dport"] == 9500 and f["dir"] == "egress"]
    trace.append("+".join(str(f["packets"]) for f in hot) or "-")
    if len(hot) != 1:
        ok = False
        continue
    seen += 1
    ok = ok and hot[0]["last_ns"] > last and hot[0]["packets"] >= packets
    last, packets = hot[0]["last_ns"], hot[0]["packets"]
ok = ok and n >= 3 and seen == n
print("ok" if ok else "bad", seen, n, dups, rows)
print(" ".join(trace))
EOF
read -r hot_ok seen during dups rows < "$TMP/hot_mid"
log "hot flow in $seen of $during samples; its packets per sample: $(tail -1 "$TMP/hot_mid")"
check faults_flood_hot_accounted_throughout [ "$hot_ok" = ok ]
check faults_flood_no_flow_listed_twice [ "$dups" = 0 ]
check faults_flood_live_within_table [ "$rows" -le $MAX_FLOWS ]

hot_pk=$(json "flow($HOT)[\"packets\"]" < "$TMP/after.json")
log "hot flow: $hot_recv datagrams received by B, $hot_pk counted on its entry"
# Never evicted: its one entry counted every datagram B received (and any
# the veth dropped after our hook: at most 1 % more).
check faults_flood_hot_counted_all [ "${hot_pk:-0}" -ge "$hot_recv" -a $((${hot_pk:-0} * 100)) -le $((hot_recv * 101)) ]

# Counters: every flood packet counted (the totals outlive evicted flows),
# each of them made a flow, and nearly all of those were evicted.
created=$(($(counter flows_created "$TMP/after.json") - $(counter flows_created "$TMP/before.json")))
errors=$(($(counter flow_errors "$TMP/after.json") - $(counter flow_errors "$TMP/before.json")))
packets=$(($(counter packets "$TMP/after.json") - $(counter packets "$TMP/before.json")))
evicted=$(counter flows_evicted "$TMP/after.json")
live=$(counter flows_live "$TMP/after.json")
log "flows created $created, flow errors $errors, evicted $evicted, live $live; packets counted $packets"
# Beyond the flood: some of the hot flow's packets and a few of neighbour
# discovery; beyond its flows: the hot flow's, each time it was evicted.
check faults_flood_packets_counted [ $packets -ge "$sent" -a $packets -le $((sent + hot_recv + 50)) ]
check faults_flood_one_flow_per_packet [ $((created + errors)) -ge "$sent" -a $created -le $((sent + 50)) ]
check faults_flood_table_bounded [ "$live" -le $MAX_FLOWS ]
check faults_flood_evictions [ "$evicted" -gt 0 -a "$evicted" -ge $((sent - errors - MAX_FLOWS)) ]

# Memory and objects flat: RSS within 8 MiB, the same pins, and the very
# same maps, programs and links held by the daemon.
log "daemon VmRSS before ${rss0} kB, after ${rss1} kB"
check faults_flood_rss_flat [ "$rss1" -le $((rss0 + 8192)) ]
check faults_flood_pins_unchanged [ "$(ls "$PIN" | wc -l)" = "$maps0" ]
check faults_flood_bpf_objects_unchanged [ "$(wf_bpf_ids map)/$(wf_bpf_ids prog)/$(wf_bpf_ids link)" = "$ids0" ]
check faults_flood_log_quiet [ "$(wc -l < "$TMP/wf.log")" -le $((lines0 + 2)) ]

# Quiet again: exactly N more hot datagrams are exactly N more packets.
N=1000
$IN_B "$UDP" recv "$IP_B" 9500 $N $((1500 * TS)) > "$TMP/hot_recv2" &
HOT_RECV=$!
BG_PIDS+=($HOT_RECV)
udp_bound "$IN_B" 9500
$IN_A "$UDP" send "$IP_B" 9500 $N 64 2000 4500 > /dev/null
wait $HOT_RECV
stats_json > "$TMP/after2.json"
hot_pk2=$(json "flow($HOT)[\"packets\"]" < "$TMP/after2.json")
hot_by=$(json "flow($HOT)[\"bytes\"]" < "$TMP/after.json")
hot_by2=$(json "flow($HOT)[\"bytes\"]" < "$TMP/after2.json")
check faults_flood_hot_receiver_got_n [ "$(kv received "$(cat "$TMP/hot_recv2")")" = $N ]
check faults_flood_hot_exact_after [ $((hot_pk2 - hot_pk)) = $N -a $((hot_by2 - hot_by)) = $((N * (64 + 28))) ]

wf_stop
check faults_flood_stop_clean [ $? -eq 0 -a ! -e "$PIN" ]

# ---- 2. Interface flaps: 30 x down/up under the daemon -------------------

write_config "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail faults_flap_start "daemon did not start"; finish; }
FLOW="sport=4600, dport=9600"
$IN_B "$UDP" recv "$IP_B" 9600 200 $((1500 * TS)) > "$TMP/flap_recv0" &
FLAP_RECV=$!
BG_PIDS+=($FLAP_RECV)
udp_bound "$IN_B" 9600
$IN_A "$UDP" send "$IP_B" 9600 200 100 2000 4600 > /dev/null
wait $FLAP_RECV
stats_json > "$TMP/flap0.json"
ids0="$(wf_bpf_ids prog)/$(wf_bpf_ids link)"
links=$(wf_bpf_ids link)
lines0=$(wc -l < "$TMP/wf.log")

for ((i = 0; i < 30; i++)); do
	$IN_A ip link set "$IF_A" down
	sleep 0.05
	$IN_A ip link set "$IF_A" up
	sleep 0.05
done
# Carrier back and neighbours resolved (bounded), then more than one of the
# daemon's 1 s link checks.
for ((i = 0; i < 20 * TS; i++)); do
	$IN_A ping -c1 -W1 "$IP_B" > /dev/null 2>&1 && break
	sleep 0.1
done
sleep 1.5

check faults_flap_daemon_alive kill -0 "$WF_PID"
new=$(tail -n +$((lines0 + 1)) "$TMP/wf.log")
[ -n "$new" ] && log "daemon log during the flaps:" && sed 's/^/    /' <<< "$new" >&2
check faults_flap_no_reattach bash -c "! grep -qE 'attached to|went away' <<< \"\$1\"" _ "$new"
check faults_flap_log_quiet [ "$(wc -l < "$TMP/wf.log")" -le $((lines0 + 3)) ]
# The same programs and links, still in the kernel.
check faults_flap_same_links [ "$(wf_bpf_ids prog)/$(wf_bpf_ids link)" = "$ids0" ]
check faults_flap_links_in_kernel bash -c "for l in $links; do bpftool link show id \$l > /dev/null || exit 1; done"

# Traffic after the flaps: exactly N more packets on the same flow.
N=500
$IN_B "$UDP" recv "$IP_B" 9600 $N $((1500 * TS)) > "$TMP/flap_recv1" &
FLAP_RECV=$!
BG_PIDS+=($FLAP_RECV)
udp_bound "$IN_B" 9600
$IN_A "$UDP" send "$IP_B" 9600 $N 100 2000 4600 > /dev/null
wait $FLAP_RECV
stats_json > "$TMP/flap1.json"
pk0=$(json "flow($FLOW)[\"packets\"]" < "$TMP/flap0.json")
pk1=$(json "flow($FLOW)[\"packets\"]" < "$TMP/flap1.json")
check faults_flap_receiver_got_all [ "$(kv received "$(cat "$TMP/flap_recv0")")/$(kv received "$(cat "$TMP/flap_recv1")")" = 200/$N ]
check faults_flap_counts_after [ "$pk0" = 200 -a $((pk1 - pk0)) = $N ]
wf_stop
check faults_flap_stop_clean [ $? -eq 0 -a ! -e "$PIN" ]
finish
