#!/usr/bin/env bash
# netns_exec.sh - `ip netns exec NS wirefisher ...`, the way most people
# enter a namespace, remounts /sys and hides the host's bpffs. The daemon
# must refuse there (its pins would be private: no stats, no second-instance
# check, links gone at kill -9) and name nsenter; the readers must say why
# they find nothing (issue 13 item 12).
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail netns_exec_setup "no namespaces"; finish; }
write_config "$TMP/wf.yaml"

out=$(timeout $((10 * TS)) ip netns exec "$NS_A" "$WF" -c "$TMP/wf.yaml" 2>&1)
rc=$?
check netns_exec_daemon_refused [ $rc -eq 1 ]
check netns_exec_daemon_names_nsenter grep -q "nsenter --net=/run/netns/NAME" <<< "$out"
check netns_exec_daemon_left_nothing [ ! -e "$PIN" ]

wf_start "$TMP/wf.yaml" || fail netns_exec_nsenter_start "daemon did not start"
out=$(timeout $((10 * TS)) ip netns exec "$NS_A" "$WF" stats --pin-dir "$PIN" 2>&1)
rc=$?
check netns_exec_stats_exit_1 [ $rc -eq 1 ]
check netns_exec_stats_names_nsenter grep -q "nsenter" <<< "$out"
check netns_exec_nsenter_stats_work bash -c "$IN_A $WF stats --pin-dir $PIN > /dev/null"
wf_stop
finish
