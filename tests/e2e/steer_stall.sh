#!/usr/bin/env bash
# A daemon that was not scheduled for a while still measures the paths as
# they are. One tunnel through a relay that holds every datagram 150 ms
# each way (RTT ~300 ms), probed every 100 ms: three rounds are always in
# flight. The daemon is stopped for 1.5 s (kill -STOP: a loaded machine,
# a reload whose verifier runs long, a debugger) while their answers
# arrive. Read after it resumes, they took 1.5 s longer than they did:
# taken as RTT samples they raised the smoothed RTT by hundreds of ms and
# the jitter, so the auto timeout, to its cap for seconds. The kernel's
# arrival stamp (SO_TIMESTAMPNS) is what the RTT is measured to.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail stall_setup "cannot build namespaces"; finish; }
# A stopped daemon neither stops on SIGINT nor lets the cleanup finish.
trap '[ -n "$WF_PID" ] && kill -CONT "$WF_PID" 2>/dev/null; cleanup' EXIT
wglab_up relay || { fail stall_setup "cannot build the tunnel"; finish; }
wglab_relay 1 drop=0 delay_ms=150 || { fail stall_setup "relay delay"; finish; }

# A fixed timeout longer than the stop: the rounds out during it are not
# lost, so what is judged is the RTT alone. silence: off - no traffic.
steer_yaml "$PIN" c failover "1" "interval: 100ms, timeout: 3s, silence: off" \
	> "$TMP/c.yaml"
wf_start "$TMP/c.yaml" || { fail stall_start "daemon"; finish; }
wait_all_up $((100 * TS)) || { fail stall_start "path not up"; finish; }

# p1 RTT and jitter (ms), rounds sent so far and its state.
p1() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null |
		python3 -c 'import json,sys
p = json.load(sys.stdin)["paths"][0]
print("%.0f %.0f %d %s" % (p["rtt_ms"], p["jitter_ms"], p["probes_sent"], p["state"]))' \
			2>/dev/null
}

# Settle: 3 s of rounds at the relay's delay (the first sample is taken
# whole, the later ones smoothed by 1/8).
sleep $((3 * TS))
read -r rtt0 jit0 rounds0 _ <<< "$(p1)"
log "before the stop: rtt ${rtt0:-?} ms, jitter ${jit0:-?} ms, ${rounds0:-?} rounds"
check stall_rtt_measured test "${rtt0:-0}" -ge 290

kill -STOP "$WF_PID"
sleep 1.5
kill -CONT "$WF_PID"
# The answers held during the stop are read at once; a few more rounds.
sleep 0.5
read -r rtt1 jit1 rounds1 state1 <<< "$(p1)"
log "after: rtt ${rtt1:-?} ms, jitter ${jit1:-?} ms, ${rounds1:-?} rounds, ${state1:-?}"
check stall_probing_resumed test "${rounds1:-0}" -gt "${rounds0:-0}"
check stall_path_up test "${state1:-}" = up
# Three answers 1.5 s late would add ~450 ms to the smoothed RTT and
# ~300 ms to the jitter; wireguard-go on a loaded machine varies by tens.
claim stall_rtt_kept test "${rtt1:-9999}" -le $((rtt0 + 60))
claim stall_jitter_kept test "${jit1:-9999}" -le $((jit0 + 40))
finish
