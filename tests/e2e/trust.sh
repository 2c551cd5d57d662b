#!/usr/bin/env bash
# trust.sh - what wirefisher reads that someone else may have made: pins of
# another shape in its pin directory, a config or hook others can change,
# others' pins beside its own (issue 13 items 9 and 11). Each case failed
# before its fix.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail trust_setup "no namespaces"; finish; }

# A wf_info whose value is larger than struct wf_info: a reader that looked
# it up unchecked copied 256 bytes into its 48-byte stack struct.
mkdir -p "$PIN"
bpftool map create "$PIN/wf_info" type array key 4 value 256 entries 1 \
	name wf_info 2>/dev/null
for cmd in stats paths reload; do
	out=$($IN_A "$WF" $cmd --pin-dir "$PIN" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q "another layout" <<< "$out"; then
		pass "pin_other_shape_refused_by_$cmd"
	else
		fail "pin_other_shape_refused_by_$cmd" "exit $rc: $out"
	fi
done

# A program pinned under a map's name is not a map to read either.
rm -f "$PIN/wf_info"
bpftool map create "$PIN/wf_info" type hash key 4 value 48 entries 1 \
	name wf_info 2>/dev/null
out=$($IN_A "$WF" stats --pin-dir "$PIN" 2>&1)
check pin_other_type_refused grep -q "another layout" <<< "$out"

# The daemon treats such pins as stale: removed, and it starts. (wf_start
# would see the old wf_info at once: wait for the daemon's own.)
running() { [ "$(stats_json 2>/dev/null | json 'd["pid"]' 2>/dev/null)" = "$WF_PID" ]; }
write_config "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml"
for ((i = 0; i < 100 * TS; i++)); do running && break; sleep 0.1; done
check pin_other_shape_daemon_starts running
grep -q "stale pins" "$TMP/wf.log" || log "no stale-pin line in: $(cat "$TMP/wf.log")"
wf_stop

# A config others can change is refused, with nothing attached: by its
# group, through a symlink, owned by another user, in a directory anyone
# can write (not sticky).
PROGS_BEFORE=$(wf_prog_count)
write_config "$TMP/g.yaml"
chmod 0664 "$TMP/g.yaml"
expect_refusal config_group_writable_refused "$TMP/g.yaml" \
	"$TMP/g.yaml: not trusted: $TMP/g.yaml is writable by its group"
write_config "$TMP/real.yaml"
ln -s "$TMP/real.yaml" "$TMP/link.yaml"
expect_refusal config_symlink_refused "$TMP/link.yaml" \
	"$TMP/link.yaml is a symlink"
write_config "$TMP/nobody.yaml"
chown 65534:65534 "$TMP/nobody.yaml"
expect_refusal config_other_owner_refused "$TMP/nobody.yaml" \
	"belongs to uid 65534, not root"
mkdir -m 0777 "$TMP/open"
write_config "$TMP/open/wf.yaml"
expect_refusal config_open_directory_refused "$TMP/open/wf.yaml" \
	"$TMP/open is writable by other users (mode 0777)"
out=$("$WF" check -c "$TMP/g.yaml" 2>&1)
check check_refuses_untrusted_config grep -q "not trusted" <<< "$out"

# An on_change hook (run as root) that its group can change.
printf '#!/bin/sh\nexit 0\n' > "$TMP/hook.sh"
chmod 0775 "$TMP/hook.sh"
write_config "$TMP/hook.yaml" "steering:
  on_change: $TMP/hook.sh
  paths: [{ name: p, device: $IF_A, targets: [$IP_B] }]
  routes: [{ to: 10.99.0.0/24, via: [p] }]"
expect_refusal hook_group_writable_refused "$TMP/hook.yaml" \
	"steering.on_change: $TMP/hook.sh is writable by its group"

# After kill -9 the pid in wf_info is a dead daemon's, and may become any
# process's: here a sleep's. reload must not signal it, stats must not
# call it wirefisher.
write_config "$TMP/k.yaml"
wf_start "$TMP/k.yaml" || fail kill9_start "daemon did not start"
kill -KILL "$WF_PID"
wait "$WF_PID" 2>/dev/null
WF_PID=
sleep 1000 &
victim=$!
BG_PIDS+=("$victim")
# wf_info.pid is bytes 4-7 (struct wf_info), little-endian.
val=$(bpftool -j map lookup pinned "$PIN/wf_info" key 0 0 0 0 |
	python3 -c 'import json,sys,struct; v=[int(b,16) for b in json.load(sys.stdin)["value"]]; v[4:8]=struct.pack("<I",int(sys.argv[1])); print(" ".join(map(str,v)))' "$victim")
bpftool map update pinned "$PIN/wf_info" key 0 0 0 0 value $val
out=$($IN_A "$WF" reload --pin-dir "$PIN" 2>&1)
rc=$?
check reload_after_kill9_refused [ $rc -eq 1 ]
check reload_after_kill9_says_none grep -q "no wirefisher is running" <<< "$out"
check reload_after_kill9_spares_the_pid kill -0 "$victim"
out=$($IN_A "$WF" stats --pin-dir "$PIN" 2>&1)
check stats_after_kill9_not_running grep -q "wirefisher not running" <<< "$out"
$IN_A "$WF" down --pin-dir "$PIN" > /dev/null 2>&1

# Clearing the pin directory removes wirefisher's pins, nobody else's.
mkdir -p "$PIN"
bpftool map create "$PIN/theirs" type array key 4 value 4 entries 1 name theirs
write_config "$TMP/wf2.yaml"
wf_start "$TMP/wf2.yaml"
wf_stop
check pin_clear_keeps_others_pins [ -e "$PIN/theirs" ]
rm -f "$PIN/theirs"
finish
