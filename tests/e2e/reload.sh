#!/usr/bin/env bash
# Reload (SIGHUP, `wirefisher reload`): a new config applies without
# re-attaching a hook and without losing counters or buckets; a config with
# errors changes nothing; and through 100 reloads under traffic no packet
# meets a missing policy - a BPF_PROG_TEST_RUN probe runs whatever program
# the hook holds at each moment, and the rule it matches must count every
# probe exactly once.
. "$(dirname "$0")/../lib/e2e.sh"

PROBE=$ROOT/build/tests/wf-probe

netns_up || { fail reload_setup "cannot build namespaces"; finish; }
PROGS_START=$(wf_prog_count)

# Both configs police the probe port; each has a rule the other has not.
# persist: true pins the hook's link, which the probe needs to find it.
conf_a() {
	write_config "$1" "persist: true
rules:
  - name: probe
    match: { proto: udp, dport: 9999 }
    rate: 8mbit
  - name: bulk-a
    match: { proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
    burst: 16kB"
}
conf_b() {
	write_config "$1" "persist: true
rules:
  - name: bulk-b
    match: { proto: udp, dport: 9401, direction: egress }
    rate: 4mbit
    burst: 16kB
  - name: probe
    match: { proto: udp, dport: 9999 }
    rate: 4mbit"
}
conf_bad() {
	write_config "$1" "persist: true
rules:
  - name: probe
    match: { proto: udp, dport: 9999 }
    rate: fast"
}
conf_a "$TMP/a.yaml"
conf_b "$TMP/b.yaml"
conf_bad "$TMP/bad.yaml"
CFG=$TMP/wf.yaml
cp "$TMP/a.yaml" "$CFG"
wf_start "$CFG" || { fail reload_start "daemon did not start"; finish; }

IFX=$($IN_A ip -o link show "$IF_A" | cut -d: -f1)
LINK=$PIN/link_tc_${IFX}_egress
link_field() { tcx_links && bpftool -j link show pinned "$LINK" | json "d[\"$1\"]"; }
# hook_prog: the program our egress hook on IF_A runs - the tcx link's, or
# where there are no tcx links the netlink filter's (handle 0x5746).
hook_prog() {
	if tcx_links; then
		link_field prog_id
	else
		filter_ids egress
	fi
}
reload() { $IN_A "$WF" reload --timeout "${RELOAD_S}s" --pin-dir "$PIN" >> "$TMP/reload.log" 2>&1; }
seen() { rule probe 'r["passed"] + r["dropped"]'; }

# 100 probe datagrams, paced well under the limit: counted on the rule.
$IN_A "$UDP" send "$IP_B" 9999 100 100 1000 41000 > /dev/null
check reload_probe_counted_before [ "$(seen)" = 100 ]
link_id=$(link_field id)
prog_id=$(hook_prog)
progs=$(wf_prog_count)

cp "$TMP/b.yaml" "$CFG"
reload
check reload_valid_exit_0 [ $? -eq 0 ]
check reload_keeps_rule_counters [ "$(seen)" = 100 ]
check reload_new_limit_applies [ "$(rule probe 'r["rate_bits_per_s"]')" = 4000000 ]
check reload_removed_rule_gone \
	[ "$(stats_json | json '[r["name"] for r in d["rules"]]')" = "['bulk-b', 'probe']" ]
link_check reload_same_link [ "$(link_field id)" = "$link_id" ]
check reload_hook_runs_new_program [ "$(hook_prog)" != "$prog_id" ]
check reload_no_program_left_behind settled "$progs" wf_prog_count
# The new rule is live: 50 datagrams to its port, all counted there.
$IN_A "$UDP" send "$IP_B" 9401 50 100 1000 41001 > /dev/null
check reload_new_rule_live [ "$(rule bulk-b 'r["passed"] + r["dropped"]')" = 50 ]

# A config with errors: refused with FILE:LINE:COL, nothing changes.
prog_id=$(hook_prog)
bpftool map dump pinned "$PIN/wf_rules" > "$TMP/rules.before"
cp "$TMP/bad.yaml" "$CFG"
reload
check reload_invalid_exit_1 [ $? -eq 1 ]
check reload_invalid_names_place grep -qF "$CFG:8:11: rules[0].rate" "$TMP/wf.log"
check reload_invalid_logged grep -q "reload refused: still running the previous config" "$TMP/wf.log"
bpftool map dump pinned "$PIN/wf_rules" > "$TMP/rules.after"
check reload_invalid_same_rules cmp -s "$TMP/rules.before" "$TMP/rules.after"
check reload_invalid_same_program [ -n "$prog_id" -a "$(hook_prog)" = "$prog_id" ]
check reload_invalid_daemon_alive kill -0 "$WF_PID"

# 100 reloads, valid A, valid B, invalid in turn, under traffic and under
# the probe.
before=$(seen)
$IN_B "$UDP" recv "$IP_B" 9400 1000000 $((5000 * TS)) > /dev/null &
BG_PIDS+=($!)
$IN_A "$UDP" send "$IP_B" 9400 200000 972 2000 41002 > /dev/null &
BG_PIDS+=($!)
# The probe follows the link (a netlink filter has none: e2e/legacy_tc
# counts every datagram through reloads there instead).
probe_pid=
if tcx_links; then
	$IN_A "$PROBE" "$LINK" "$IFX" "$IP_A" "$IP_B" 9999 300 > "$TMP/probe.out" &
	probe_pid=$!
	BG_PIDS+=($probe_pid)
fi
ok=0 refused=0 wrong=0 t0=$(date +%s%N)
for ((i = 0; i < 100; i++)); do
	case $((i % 3)) in
	0) cp "$TMP/a.yaml" "$CFG"; want=0 ;;
	1) cp "$TMP/b.yaml" "$CFG"; want=0 ;;
	2) cp "$TMP/bad.yaml" "$CFG"; want=1 ;;
	esac
	reload
	rc=$?
	[ $rc -eq 0 ] && ok=$((ok + 1))
	[ $rc -eq 1 ] && refused=$((refused + 1))
	[ $rc -ne $want ] && wrong=$((wrong + 1))
done
if [ -n "$probe_pid" ]; then
	kill -TERM $probe_pid
	wait $probe_pid
fi
probe=$(cat "$TMP/probe.out" 2>/dev/null)
runs=$(kv runs "$probe")
after=$(seen)
log "100 reloads in $((($(date +%s%N) - t0) / 1000000)) ms: $ok applied, $refused refused;" \
	"probe ${probe:-not run (no link to follow)}; rule saw $((after - before))"
check reload_storm_outcomes [ "$ok/$refused/$wrong" = 67/33/0 ]
link_check reload_storm_probe_ran [ "${runs:-0}" -gt 1000 ]
link_check reload_storm_every_probe_met_the_rule [ "$((after - before))" = "$runs" ]
check reload_storm_daemon_alive kill -0 "$WF_PID"
check reload_storm_no_program_left_behind settled "$progs" wf_prog_count
link_check reload_storm_same_link [ "$(link_field id)" = "$link_id" ]

# Stop, then down: persist left the hooks; down removes them all.
wf_stop
check reload_stop_exit_0 [ $? -eq 0 ]
check reload_persist_kept_hooks [ -n "$(hook_prog)" ]
$IN_A "$WF" down --pin-dir "$PIN" > /dev/null 2>&1
check reload_down_exit_0 [ $? -eq 0 ]
check reload_down_removes_pins [ ! -e "$PIN" ]
check reload_down_removes_programs settled "$PROGS_START" wf_prog_count
finish
