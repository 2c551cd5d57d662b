#!/usr/bin/env bash
# What a user inspects: bpftool sees named fields; the stats table, --top,
# --sort and --watch behave.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail inspect_setup "cannot build namespaces"; finish; }
write_config "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail inspect_start "daemon did not start"; finish; }

$IN_B "$UDP" recv "$IP_B" 9300 300 $((2000 * TS)) > /dev/null &
BG_PIDS+=($!)
udp_bound "$IN_B" 9300 $!
$IN_A "$UDP" send "$IP_B" 9300 200 1000 0 4300 > /dev/null
$IN_A "$UDP" send "$IP_B" 9300 100 100 0 4301 > /dev/null

dump=$(bpftool -p map dump pinned "$PIN/wf_flows" 2>&1)
check inspect_bpftool_named_key grep -q '"port_dst": 9300' <<< "$dump"
check inspect_bpftool_named_value grep -q '"rate_smooth":' <<< "$dump"
abi=$(stats_json | json 'd["abi_version"]')
check inspect_bpftool_info grep -q "\"abi_version\": $abi," <<< "$(bpftool -p map dump pinned "$PIN/wf_info")"

top=$($IN_A "$WF" stats --json --top 1 --sort packets --pin-dir "$PIN")
check inspect_top_1 [ "$(json 'len(d["flows"])' <<< "$top")" = 1 ]
check inspect_sort_packets [ "$(json 'd["flows"][0]["sport"]' <<< "$top")" = 4300 ]
top=$($IN_A "$WF" stats --json --sort bytes --pin-dir "$PIN")
check inspect_sort_bytes [ "$(json 'd["flows"][0]["sport"]' <<< "$top")" = 4300 ]

table=$($IN_A "$WF" stats --pin-dir "$PIN")
check inspect_table_header grep -q "SOURCE.*DESTINATION.*PACKETS" <<< "$table"
check inspect_table_row grep -qE "wfa0 +out +udp +$IP_A:4300 +$IP_B:9300 +200 " <<< "$table"

# --watch redraws until stopped; bounded by timeout.
$IN_A timeout -s INT 1.3 "$WF" stats --watch=300ms --pin-dir "$PIN" > "$TMP/watch" 2>&1
frames=$(grep -c "wirefisher pid" "$TMP/watch")
check inspect_watch_redraws [ "$frames" -ge 3 ]

# In an 80-column terminal: drawn in place, every line fits.
tty_view "$TMP/tty" $IN_A "$WF" stats --watch=300ms --pin-dir "$PIN"
check inspect_watch_80_columns tty_view_ok "$TMP/tty"
check inspect_watch_units grep -q "bit/s" "$TMP/tty"

out=$("$WF" stats --pin-dir /sys/fs/bpf/wf-none-$ID 2>&1)
check inspect_no_daemon_exit [ $? -eq 1 ]
check inspect_no_daemon_message grep -q "no running wirefisher found at /sys/fs/bpf/wf-none-$ID" <<< "$out"
finish
