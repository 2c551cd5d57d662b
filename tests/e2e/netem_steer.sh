#!/usr/bin/env bash
# Steering with real delay, jitter and loss (netem on the underlays, both
# directions): p1 at 5 ms +- 2 ms with 2.5 % loss each way (RTT ~10 ms,
# ~5 % of probe rounds lost), p2 at 15 ms +- 2 ms each way.
# The prober sees p1's loss and jitter and keeps the route on it (loss
# under unusable_loss, better priority); p1 at 70 % loss is unusable and
# the route moves to p2, where a stream sent after the move arrives whole;
# p1 clean again, the route comes back. Kernel WireGuard where the kernel
# has it (the lab's VMs), else wireguard-go.
# Needs sch_netem: this host has none (the test says SKIP); the kernel
# lab's VMs have it (tests/vm/run.sh 6.12 e2e/netem_steer).
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

netns_up || { fail nsteer_setup "cannot build namespaces"; finish; }
modprobe sch_netem 2> /dev/null
if ! $IN_A tc qdisc add dev "$IF_A" root netem delay 1ms 2> /dev/null; then
	skip netem_steer "no netem qdisc here (sch_netem module absent)"
	finish
fi
$IN_A tc qdisc del dev "$IF_A" root
wglab_kernel_ok && WG_IMPL=kernel
log "tunnels: $([ "$WG_IMPL" = kernel ] && echo kernel WireGuard || echo wireguard-go)"
wglab_up direct direct || { fail nsteer_setup "cannot build the tunnels"; finish; }

# impair K ARGS...: netem ARGS on both ends of path K's underlay.
impair() {
	local k=$1
	shift
	$IN_A tc qdisc replace dev u$k root netem "$@" &&
		$IN_B tc qdisc replace dev u$k root netem "$@"
}
impair 1 delay 5ms 2ms loss 2.5%
impair 2 delay 15ms 2ms

steer_yaml "$PIN" c failover "1 2" "hold: 2s" > "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail nsteer_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail nsteer_start "client daemon"; finish; }
check nsteer_starts_on_p1 wait_via p1 $((100 * TS))

# path FIELD K: a field of path pK in A's `paths --json`.
path() {
	$IN_A "$WF" paths --json --pin-dir "$PIN" |
		json "[p for p in d['paths'] if p['name'] == 'p$2'][0]['$1']"
}
# 40 rounds (8 s at 200 ms): the loss window (20) full twice over.
changes0=$(grep -c 'route 10.99.0.0/24: via' "$TMP/wf.log")
sleep $((8 * TS))
log "p1: rtt $(path rtt_ms 1) ms, jitter $(path jitter_ms 1) ms, loss $(path loss 1);" \
	"p2: rtt $(path rtt_ms 2) ms, jitter $(path jitter_ms 2) ms, loss $(path loss 2)"
check nsteer_p1_rtt_seen python3 -c "import sys; sys.exit(not $(path rtt_ms 1) >= 9)"
check nsteer_p1_jitter_seen python3 -c "import sys; sys.exit(not $(path jitter_ms 1) > 0)"
check nsteer_lossy_p1_kept [ "$(route_via)" = p1 ]
check nsteer_lossy_p1_no_change \
	[ "$(grep -c 'route 10.99.0.0/24: via' "$TMP/wf.log")" = "$changes0" ]

# p1 at 70 % loss: unusable; the route moves to p2 and a stream after the
# move arrives whole (p2 loses nothing).
impair 1 delay 5ms 2ms loss 70%
check nsteer_heavy_loss_moves_to_p2 wait_via p2 $((200 * TS))
$IN_B "$UDP" recv 10.99.0.1 9600 300 $((3000 * TS)) > "$TMP/recv" &
rpid=$!
udp_bound "$IN_B" 9600 $rpid
$IN_A "$UDP" send 10.99.0.1 9600 300 500 300 9600 10.96.0.2 > /dev/null
wait $rpid
got=$(kv received "$(tail -n 1 "$TMP/recv")")
log "on p2: received $got of 300 (p1 loss now $(path loss 1))"
check nsteer_stream_on_p2_whole [ "$got" = 300 ]
check nsteer_stays_on_p2 [ "$(route_via)" = p2 ]

# p1 clean again: back after up_after answers, its loss falling under the
# limit, and the hold.
impair 1 delay 5ms 2ms
check nsteer_back_on_p1 wait_via p1 $((300 * TS))
wf_stop
check nsteer_stop_clean [ $? -eq 0 -a ! -e "$PIN" ]
finish
