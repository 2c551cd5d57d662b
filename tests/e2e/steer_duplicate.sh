#!/usr/bin/env bash
# Duplicate selectors over real WireGuard tunnels (wireguard-go): a direct
# path and one through a relay, wirefisher on both ends, each duplicating
# the UDP stream's packets it sends (client: dport 9300, server: sport
# 9300) and dropping second copies at the ingress of its tunnels.
#   - a 1000/s stream arrives exactly once per datagram (no duplicate leaks
#     through), and the far end counts exactly one passed and one dropped
#     copy per datagram;
#   - the active path's underlay cut at a random moment, TRIALS times (a new
#     flow each trial): not one datagram lost, none twice;
#   - traffic the selector does not pick is not duplicated;
#   - both daemons reloaded mid-stream: still exactly once each.
# Added latency and the BPF cost per packet are measured by bench/steer.sh.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

TRIALS=${TRIALS:-5}
netns_up || { fail dup_setup "cannot build namespaces"; finish; }
wglab_up direct relay || { fail dup_setup "cannot build the tunnels"; finish; }
STEER_DUP="{ proto: udp, dport: 9300 }" steer_yaml "$PIN" c failover "1 2" > "$TMP/c.yaml"
# The far end remembers contents 2 s (duplicate_window), not 1 s: the
# stream never repeats a content, and a longer window only adds margin.
STEER_DUP="{ proto: udp, sport: 9300 }" STEER_DUP_WINDOW=2s \
	steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail dup_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail dup_start "client daemon"; finish; }
check dup_paths_up wait_all_up 100
check dup_server_paths_up wait_all_up 100 "$PIN_S"
check dup_via_both bash -c "$IN_A $WF paths --json --pin-dir $PIN | grep -q '\"duplicate\":\[\"p1\",\"p2\"\]'"
check dup_window_default bash -c "$IN_A $WF paths --json --pin-dir $PIN | grep -q '\"duplicate_window_ms\":1000'"
check dup_window_server bash -c "$IN_B $WF paths --json --pin-dir $PIN_S | grep -q '\"duplicate_window_ms\":2000'"

# stream N SPORT [DPORT]: N datagrams at 1000/s to the service address, in
# the background; stream_wait waits for both ends and sets $line.
stream() {
	$IN_B "$UDP" recv 10.99.0.1 "${3:-9300}" "$1" $((1500 * TS)) > "$TMP/recv" &
	RECV=$!
	udp_bound "$IN_B" "${3:-9300}" $RECV
	$IN_A "$UDP" send 10.99.0.1 "${3:-9300}" "$1" 200 1000 "$2" 10.96.0.2 \
		> /dev/null &
	SEND=$!
}
stream_wait() { wait "$SEND"; wait "$RECV"; line=$(tail -n 1 "$TMP/recv"); }

# One copy of each datagram arrives, the other is dropped at the far end.
p0=$(dup_sum "$PIN_S" passed) d0=$(dup_sum "$PIN_S" dropped) c0=$(dup_sum "$PIN" copies)
stream 2000 9301
stream_wait
log "no cut: $line"
check dup_exactly_once python3 -c "import sys; sys.exit(not ('distinct=2000 dups=0' in '$line'))"
p1=$(dup_sum "$PIN_S" passed) d1=$(dup_sum "$PIN_S" dropped) c1=$(dup_sum "$PIN" copies)
log "client copies $((c1 - c0)); server passed $((p1 - p0)), dropped $((d1 - d0))"
check dup_counts_exact test "$((c1 - c0)) $((p1 - p0))" = "2000 2000"
# Every second copy dropped needs every copy to arrive: under TCG
# wireguard-go loses some (1928 of 2000 in the 6.12 VM), so a claim.
claim dup_second_copies_dropped test "$((d1 - d0))" = 2000

# Not selected: one copy only.
c0=$(dup_sum "$PIN" copies)
stream 500 9302 9400
stream_wait
check dup_not_selected test "$(dup_sum "$PIN" copies)" = "$c0"
check dup_not_selected_arrives python3 -c "import sys; sys.exit(not ('distinct=500 dups=0' in '$line'))"

# Both daemons reloaded (SIGHUP) in the middle of a stream: the far end's
# dedup state is carried into the new programs, so no copy slips through.
stream 3000 9303
sleep 1
kill -HUP "$WF_S_PID" "$WF_PID"
stream_wait
log "reload mid-stream: $line"
check dup_reload_exactly_once python3 -c "import sys; sys.exit(not ('distinct=3000 dups=0' in '$line'))"
# Under TCG a reload (the verifier) may outlast the 3 s stream: wait for it.
check dup_reload_applied wait_for $((300 * TS)) bash -c "grep -q '^wirefisher: reloaded' '$TMP/wf-s.log' && grep -q '^wirefisher: reloaded' '$TMP/wf.log'"

# Cuts of the active underlay at a random moment.
DUP_WINDOW_MS=2000 dup_cut_trials "$TRIALS" 9310
echo "FIGURE dup_cut_trials=$TRIALS lost=$LOST_TOTAL twice=$TWICE_TOTAL"
# The target is 0 (bench/steer_duplicate.sh: 0 of 20 cuts on a quiet
# machine); a fresh-clone run on the loaded 2-CPU machine once lost one
# datagram and passed one twice in 5 cuts (a stall past the 1 s window), so
# the test allows one of each - without duplication a cut loses ~500. A
# second copy within the window is a bug everywhere; under TCG copies held
# past it by a starved wireguard-go pass as new ones (steer_ipv6 on 6.1: 40
# in one cut, 1.2-1.4 s late), so "none twice" is a claim there.
claim dup_zero_loss_on_cut test "$LOST_TOTAL" -le 1
check dup_no_second_copy_within_the_window_on_cut test "$TWICE_EARLY" = 0
claim dup_none_twice_on_cut test "$TWICE_TOTAL" -le 1
check dup_daemons_alive kill -0 "$WF_PID" "$WF_S_PID"
finish
