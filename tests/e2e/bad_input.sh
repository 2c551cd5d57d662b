#!/usr/bin/env bash
# Bad input: each case exits non-zero with a message that names the file,
# line, column and key, and leaves nothing attached or pinned.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail bad_setup "cannot build namespaces"; finish; }
PROGS_BEFORE=$(wf_prog_count)

expect_refusal bad_missing_file "$TMP/nope.yaml" "$TMP/nope.yaml: cannot open: No such file or directory"

expect_refusal bad_config_is_directory "$TMP" "$TMP: Is a directory"

# auto resolves to the default route's interface; listing it again too
# would hook it twice and count every packet twice.
$IN_A ip route add default via "$IP_B"
printf 'interfaces: [auto, %s]\npin_dir: %s\n' "$IF_A" "$PIN" > "$TMP/auto.yaml"
expect_refusal bad_auto_duplicate "$TMP/auto.yaml" \
	"$TMP/auto.yaml:1:20: interfaces[1]: $IF_A is also interfaces[0]"
$IN_A ip route del default

printf 'interfaces: [%s]\npin_dir: %s\naccounting:\n  window: 1s\n max_flows: 9\n' "$IF_A" "$PIN" > "$TMP/syntax.yaml"
expect_refusal bad_yaml_syntax "$TMP/syntax.yaml" "$TMP/syntax.yaml:5:2: YAML syntax:"

printf 'interfaces:\n  - name: %s\n  - name: nosuch0\npin_dir: %s\n' "$IF_A" "$PIN" > "$TMP/noif.yaml"
expect_refusal bad_unknown_interface "$TMP/noif.yaml" \
	"$TMP/noif.yaml:3:5: interfaces[1].name: no interface \"nosuch0\" in this network namespace"

printf 'interfaces: [%s]\npin_dir: %s\naccounting:\n  window: 500\n' "$IF_A" "$PIN" > "$TMP/unit.yaml"
expect_refusal bad_no_unit "$TMP/unit.yaml" "$TMP/unit.yaml:4:11: accounting.window: \"500\" has no unit"

printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: tiny\n    rate: 8mbit\n    burst: 1kB\n' "$IF_A" "$PIN" > "$TMP/burst.yaml"
expect_refusal bad_rule_burst_below_mtu "$TMP/burst.yaml" \
	"$TMP/burst.yaml:6:12: rules[0].burst: 1000 bytes is below one MTU"

printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: cg\n    match: { cgroup: wf-no-such-%s }\n    rate: 8mbit\n' "$IF_A" "$PIN" "$ID" > "$TMP/cg.yaml"
expect_refusal bad_rule_cgroup_missing "$TMP/cg.yaml" \
	"$TMP/cg.yaml:5:22: rules[0].match.cgroup: no cgroup \"wf-no-such-$ID\" under"

chmod 0644 "$TMP/unit.yaml"
write_config "$TMP/good.yaml"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$WF" -c "$TMP/good.yaml" 2>&1)
rc=$?
check bad_not_root_exit [ $rc -eq 1 ]
check bad_not_root_message grep -q "needs root (or CAP_BPF and CAP_NET_ADMIN)" <<< "$out"
check bad_not_root_no_libbpf_dump bash -c "! grep -q libbpf <<< \"\$1\"" _ "$out"

# A second instance on the same pin directory is refused; the first lives on.
wf_start "$TMP/good.yaml" || fail bad_second_start "first daemon did not start"
out=$($IN_A timeout $((20 * TS)) "$WF" -c "$TMP/good.yaml" 2>&1)
rc=$?
check bad_second_instance_exit [ $rc -eq 1 ]
check bad_second_instance_message grep -q "another wirefisher (pid $WF_PID) is running on $PIN" <<< "$out"
check bad_first_instance_unharmed [ -e "$PIN/wf_flows" ]
check bad_first_instance_alive kill -0 "$WF_PID"
wf_stop
check bad_clean_stop [ ! -e "$PIN" ]

# check: valid -> 0 and the values as understood; invalid -> 1. It checks
# the host as the daemon does, so it runs where the daemon would (ns A).
out=$($IN_A "$WF" check -c "$TMP/good.yaml" 2>&1)
check check_valid_exit [ $? -eq 0 ]
check check_prints_window grep -q "accounting.window        1000 ms" <<< "$out"
check check_prints_resolved grep -qE "^interfaces\[0\] +$IF_A: ifindex [0-9]+" <<< "$out"
$IN_A "$WF" check -c "$TMP/unit.yaml" > /dev/null 2>&1
check check_invalid_exit [ $? -eq 1 ]

# check refuses what the daemon would refuse on this host, with the position.
out=$($IN_A "$WF" check -c "$TMP/noif.yaml" 2>&1)
check check_unknown_interface_exit [ $? -eq 1 ]
check check_unknown_interface_message grep -q \
	"$TMP/noif.yaml:3:5: interfaces\[1\].name: no interface \"nosuch0\"" <<< "$out"
true & gone=$!
wait $gone
printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: p\n    match: { pid: %s }\n    rate: 8mbit\n' "$IF_A" "$PIN" "$gone" > "$TMP/pid.yaml"
out=$($IN_A "$WF" check -c "$TMP/pid.yaml" 2>&1)
check check_missing_pid_exit [ $? -eq 1 ]
check check_missing_pid_message grep -q "$TMP/pid.yaml:5:19: rules\[0\].match.pid: no process $gone" <<< "$out"
# ... as any user: it needs no privilege.
printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: p\n    match: { pid: %s }\n    rate: 8mbit\n' "$IF_A" "$PIN" "$$" > "$TMP/mypid.yaml"
chmod 0644 "$TMP/good.yaml" "$TMP/mypid.yaml"
out=$($IN_A setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$WF" check -c "$TMP/mypid.yaml" 2>&1)
check check_unprivileged_exit [ $? -eq 0 ]
check check_prints_pid_resolved grep -qE "^rules\[0\] +p: pid $$ \(running: " <<< "$out"

# A word that is no command is refused (64), with the nearest command.
out=$("$WF" stat 2>&1)
check unknown_command_exit [ $? -eq 64 ]
check unknown_command_suggests grep -q "unknown command 'stat'; did you mean 'stats'?" <<< "$out"
out=$("$WF" frobnicate --help 2>&1)
check unknown_command_help_exit [ $? -eq 64 ]
check unknown_command_help_message grep -q "unknown command 'frobnicate'" <<< "$out"

# reload's wait is a duration (as --watch and the config write them), 1s
# to 1h: anything else is a usage error (64) naming what is wrong, before
# any daemon is looked for.
while IFS='|' read -r t says; do
	out=$("$WF" reload --timeout "$t" --pin-dir "$TMP/none" 2>&1)
	rc=$?
	check "reload_timeout_${t:-empty}_refused" [ $rc -eq 64 ]
	check "reload_timeout_${t:-empty}_says" grep -qF "wirefisher reload: --timeout: \"$t\"$says" <<< "$out"
done <<'EOF2'
0s| is not within 1s to 1h
61m| is not within 1s to 1h
30| has no unit; write e.g. 500ms, 1s or 2m
9x|: unknown duration unit "x"
-5s|: a sign is not allowed here
| is not a number with a unit
EOF2
out=$("$WF" reload --timeout 1.5s --pin-dir "$TMP/none" 2>&1)
rc=$?
check reload_timeout_fraction_taken [ $rc -eq 1 ]
check reload_timeout_fraction_looks_for_daemon grep -q "no running wirefisher" <<< "$out"

# bench/smallpkt.sh without its helpers built says what to build, before
# it measures anything (no Python traceback over empty figures).
mkdir -p "$TMP/tree/bench" "$TMP/tree/build"
cp "$ROOT/bench/smallpkt.sh" "$TMP/tree/bench/"
ln -s "$ROOT/tests" "$TMP/tree/tests"
ln -s "$WF" "$TMP/tree/build/wirefisher"
out=$(bash "$TMP/tree/bench/smallpkt.sh" 2>&1)
check bench_unbuilt_exit [ $? -eq 1 ]
check bench_unbuilt_message grep -q "not built: build/bench/progbench build/tests/wf-flood; run make bench" <<< "$out"
check bench_unbuilt_no_traceback bash -c "! grep -q Traceback <<< \"\$1\"" _ "$out"
finish
