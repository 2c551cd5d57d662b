#!/usr/bin/env bash
# bench/soak.sh - the daemon's lifecycle under load, for SOAK_SECS (600):
# mixed traffic (policed UDP on the veth, a UDP stream and a TCP flow over
# two steered wireguard-go tunnels), a reload every 30 s (two configs in
# turn), a path flap every 60 s (its underlay cut for 5 s) and a kill -9
# and restart (persist: true) every KILL_SECS (150). Prints the daemon's
# RSS and open fds and the host's BPF links, programs, maps and pins at the
# start, every 30 s, and at the end. Not part of the tests: nothing asserted.
#   sudo bench/soak.sh            SOAK_SECS=120 KILL_SECS=40 sudo bench/soak.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib/e2e.sh"
. "$ROOT/tests/lib/wglab.sh"
SOAK_SECS=${SOAK_SECS:-600}
KILL_SECS=${KILL_SECS:-150}

netns_up > /dev/null || exit 1
wglab_up direct direct || exit 1
iperf_servers 5201

# conf RATE: the client's config - two steered paths, one policing rule on
# the veth, hooks kept across kill -9.
conf() {
	steer_yaml "$PIN" c failover "1 2"
	cat <<EOF
persist: true
interfaces:
  - name: $IF_A
rules:
  - name: udp-9400
    match: { dst: $IP_B, proto: udp, dport: 9400, direction: egress }
    rate: $1
    burst: 16kB
EOF
}
conf 8mbit > "$TMP/a.yaml"
conf 6mbit > "$TMP/b.yaml"
cp "$TMP/a.yaml" "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || exit 1
wf_start "$TMP/c.yaml" || exit 1
wait_via p1 100 || echo "warning: route not on p1 yet"

links() { bpftool link show 2>/dev/null | grep -c '^[0-9]*: ' || true; }
maps() { bpftool map show 2>/dev/null | grep -cE 'name wf_' || true; }
sample() {
	printf '%5ss  rss %6s kB  fds %3s  links %3s  programs %3s  maps %3s  pins %3s\n' \
		"$1" "$(awk '/^VmRSS/ { print $2 }' "/proc/$WF_PID/status" 2>/dev/null)" \
		"$(ls "/proc/$WF_PID/fd" 2>/dev/null | wc -l)" "$(links)" \
		"$(wf_prog_count)" "$(maps)" "$(ls "$PIN" | wc -l)"
}

# Traffic for the whole soak (bounded by count).
pps=2000 traffic=()
bg() { "$@" & BG_PIDS+=($!); traffic+=($!); }
bg $IN_B "$UDP" recv "$IP_B" 9400 $((SOAK_SECS * pps)) 5000 > "$TMP/r-police"
bg $IN_A "$UDP" send "$IP_B" 9400 $((SOAK_SECS * pps)) 972 $pps 41000 > /dev/null
bg $IN_B "$UDP" recv 10.99.0.1 9300 $((SOAK_SECS * 500)) 5000 > "$TMP/r-steer"
bg $IN_A "$UDP" send 10.99.0.1 9300 $((SOAK_SECS * 500)) 200 500 9301 10.96.0.2 > /dev/null
bg $IN_A iperf3 -c 10.99.0.1 -p 5201 -B 10.96.0.2 -b 20M -t "$SOAK_SECS" > "$TMP/iperf" 2>&1

echo "== soak: ${SOAK_SECS}s, reload every 30s, flap every 60s, kill -9 every ${KILL_SECS}s"
sample 0
start=$(date +%s)
reloads=0 refused=0 flaps=0 kills=0 slowest=0
for ((t = 1; t <= SOAK_SECS; t++)); do
	sleep 1
	if ((t % 30 == 0)); then
		cp "$TMP/$( ((t / 30 % 2)) && echo b || echo a).yaml" "$TMP/c.yaml"
		if $IN_A "$WF" reload --pin-dir "$PIN" > /dev/null 2>&1; then
			reloads=$((reloads + 1))
		else
			refused=$((refused + 1))
		fi
		sample "$t"
	fi
	if ((t % 60 == 0)); then
		wglab_cut 1
		flaps=$((flaps + 1))
	fi
	((t % 60 == 5)) && wglab_heal 1
	if ((t % KILL_SECS == 0)); then
		kill -KILL "$WF_PID"
		wait "$WF_PID" 2>/dev/null
		t0=$(date +%s%N)
		n=$(grep -c '^wirefisher: running' "$TMP/wf.log")
		$IN_A "$WF" -c "$TMP/c.yaml" >> "$TMP/wf.log" 2>&1 &
		WF_PID=$!
		for ((i = 0; i < 200; i++)); do
			[ "$(grep -c '^wirefisher: running' "$TMP/wf.log")" -gt "$n" ] && break
			sleep 0.02
		done
		ms=$((($(date +%s%N) - t0) / 1000000))
		((ms > slowest)) && slowest=$ms
		kills=$((kills + 1))
	fi
done
wait "${traffic[@]}" 2>/dev/null	# senders end on their count, receivers 5 s later
sample end
echo "reloads $reloads applied, $refused refused; $flaps path flaps; $kills kill -9 + restart (slowest start ${slowest} ms)"
echo "daemon alive at the end: $(kill -0 "$WF_PID" 2>/dev/null && echo yes || echo no)"
echo "policed UDP (8/6 Mbit/s in turn): $(tail -n 1 "$TMP/r-police")"
echo "steered UDP stream: $(tail -n 1 "$TMP/r-steer")"
echo "TCP over the tunnels: $(grep -E 'receiver' "$TMP/iperf" | tail -n 1)"
echo "log lines: $(wc -l < "$TMP/wf.log") ($(grep -c 'error' "$TMP/wf.log") errors)"
# The trap stops the daemons; persist left the hooks: remove them.
kill -TERM "$WF_PID"; wait "$WF_PID" 2>/dev/null; WF_PID=
$IN_A "$WF" down --pin-dir "$PIN" > /dev/null
