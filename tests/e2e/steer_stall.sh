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
# Then a reload: its program set loads beside the main loop, so the probe
# rounds go on at their interval while the verifier runs (before, the loop
# waited for the load: ~0.5 s here, 15-60 s on an emulated 6.1).
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

# ---- a reload: the prober goes on while the new set loads --------------
# The probes' arrival times at B's end of the tunnel (an AF_PACKET socket:
# there is no tcpdump here), from before the SIGHUP to after "reloaded".
$IN_B python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
end = time.time() + float(sys.argv[2])
with open(sys.argv[3], "w") as out:
    while time.time() < end:
        try:
            p = s.recv(2048)
        except socket.timeout:
            continue
        # IPv4, ICMP, echo request
        if len(p) > 20 and p[9] == 1 and p[(p[0] & 15) * 4] == 8:
            print("%.6f" % time.time(), file=out, flush=True)
' "${WG_S[1]}" $((8 + 60 * TS)) "$TMP/probes.txt" &
SNIFF=$!
BG_PIDS+=($SNIFF)
sleep 1
n0=$(grep -c "reloaded:" "$TMP/wf.log")
t_hup=$(date +%s.%N)
kill -HUP "$WF_PID"
wait_for $((600 * TS)) eval '[ "$(grep -c "reloaded:" "$TMP/wf.log")" -gt "$n0" ]'
t_done=$(date +%s.%N)
sleep 0.5
kill "$SNIFF" 2>/dev/null
wait "$SNIFF" 2>/dev/null
# The longest time without a probe between the SIGHUP and the reload's end
# (the gap that straddles either end included).
gap=$(python3 -c '
import sys
t0, t1 = float(sys.argv[1]), float(sys.argv[2])
ts = [float(l) for l in open(sys.argv[3])]
gaps = [b - a for a, b in zip(ts, ts[1:]) if b > t0 and a < t1]
print("%.0f" % (1000 * max(gaps)) if gaps else 99999)' "$t_hup" "$t_done" "$TMP/probes.txt")
load_ms=$(python3 -c "print('%.0f' % (1000 * ($t_done - $t_hup)))")
log "reload took $load_ms ms; the longest time without a probe in it: $gap ms (interval 100 ms)"
check stall_reload_applied test "$(grep -c "reloaded:" "$TMP/wf.log")" -gt "$n0"
check stall_reload_probing_goes_on test "$gap" -le $((250 * TS))
finish
