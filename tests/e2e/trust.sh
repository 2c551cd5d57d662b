#!/usr/bin/env bash
# trust.sh - what wirefisher reads that someone else may have made: pins of
# another shape in its pin directory (issue 13 item 9). Each case failed
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
for ((i = 0; i < 100; i++)); do running && break; sleep 0.1; done
check pin_other_shape_daemon_starts running
grep -q "stale pins" "$TMP/wf.log" || log "no stale-pin line in: $(cat "$TMP/wf.log")"
wf_stop
finish
