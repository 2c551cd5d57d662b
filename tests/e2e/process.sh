#!/usr/bin/env bash
# Rules on processes: a UDP receiver limited by its PID on ingress, and a
# `process:` rule that catches a program started after the daemon, while
# the same traffic from another program passes untouched; a TCP server's
# accepted connections limited by its name, both ways.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail process_setup "cannot build namespaces"; finish; }
# A copy of the sender under its own command name, for the process: rule.
cp "$UDP" "$TMP/wf-udp-lim"
# Another copy under the very same command name as the untouched sender:
# only its executable (device, inode) tells it apart.
mkdir "$TMP/exe" && cp "$UDP" "$TMP/exe/wf-udp"
# A TCP server under a name of its own (iperf3 copied).
cp "$(command -v iperf3)" "$TMP/wf-tcpsrv"
mkfifo "$TMP/go"
# The receiver's PID is known before it opens its socket: a shell that
# waits, then execs the receiver in place (same PID) once the daemon runs.
sh -c 'read x < "$0"; exec "$@"' "$TMP/go" $IN_A "$UDP" recv "$IP_A" 9950 8000 $((1500 * TS)) > "$TMP/rin" &
RPID=$!
BG_PIDS+=($RPID)

cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: by-pid
    match: { pid: $RPID, direction: ingress }
    rate: 8mbit
    burst: 16kB
  - name: by-name
    match: { process: wf-udp-lim, direction: egress }
    rate: 8mbit
    burst: 16kB
  - name: by-exe
    match: { exe: $TMP/exe/wf-udp, direction: egress }
    rate: 8mbit
    burst: 16kB
  - name: tcp-server
    match: { process: wf-tcpsrv }
    rate: 8mbit
YAML
wf_start "$TMP/wf.yaml" || { fail process_start "daemon did not start"; finish; }
check process_sock_create_attached grep -q "attached to cgroup" "$TMP/wf.log"

echo go > "$TMP/go"
udp_bound "$IN_A" 9950 $RPID
$IN_B "$UDP" send "$IP_A" 9950 8000 972 2000 > /dev/null
wait $RPID
out=$(tail -1 "$TMP/rin")
rate=$(python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))")
log "receiver by pid $RPID: $rate B/s (limit 1000000)"
check process_udp_receive_by_pid_limited at_limit "$rate" 1000000 3

# send_as PROGRAM PORT: 16 Mbit/s for 4 s from ns A; "received rate".
send_as() {
	local out pid
	$IN_B "$UDP" recv "$IP_B" "$2" 8000 $((1500 * TS)) > "$TMP/r$2" &
	pid=$!
	udp_bound "$IN_B" "$2"
	$IN_A "$1" send "$IP_B" "$2" 8000 972 2000 > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/r$2")
	echo "$(kv received "$out") $(python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))")"
}
read -r got rate < <(send_as "$TMP/wf-udp-lim" 9951)
log "wf-udp-lim (started after the daemon): $rate B/s (limit 1000000)"
check process_name_rule_limits_new_process at_limit "$rate" 1000000 3
read -r got rate < <(send_as "$UDP" 9952)
log "wf-udp (another name): received $got of 8000"
check process_other_program_untouched [ "$got" = 8000 ]
read -r got rate < <(send_as "$TMP/exe/wf-udp" 9953)
log "exe/wf-udp (same name, other executable): $rate B/s (limit 1000000)"
check process_exe_rule_limits at_limit "$rate" 1000000 3

# The connections a server accepts are made from its listening socket in
# softirq, with no process at hand: they carry the listener's record
# (BPF_F_CLONE; without it the rule matched none of them - 13 Gbit/s).
$IN_A "$TMP/wf-tcpsrv" -s -p 5951 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_A" 5951
for way in upload download; do
	flag=; [ $way = download ] && flag=-R
	$IN_B iperf3 -c "$IP_A" -p 5951 -t 3 $flag -J > "$TMP/$way.json" 2>&1
	bps=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$TMP/$way.json" 2>/dev/null || echo 0)
	log "tcp $way to the server wf-tcpsrv: $bps bit/s (limit 8000000)"
	# Limited (not 10+ Gbit/s): at most the rate plus the default burst
	# (250 kB) over 3 s, in payload (1448 of 1500 IP bytes): 8.37 Mbit/s.
	# The quality of TCP under a rule is cgroup_tcp.sh's and police.sh's.
	check "process_tcp_server_${way}_limited" [ "$bps" -gt 2000000 -a "$bps" -le 8400000 ]
done

wf_stop
check process_stop_clean [ ! -e "$PIN" ]

# An exe that does not exist, and a pid that does not exist: refused,
# nothing attached.
printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: x\n    match: { exe: /nonexistent/wf }\n    rate: 8mbit\n' \
	"$IF_A" "$PIN" > "$TMP/noexe.yaml"
out=$($IN_A "$WF" -c "$TMP/noexe.yaml" 2>&1)
check process_missing_exe_refused grep -q "noexe.yaml:5:19: rules\[0\].match.exe: /nonexistent/wf: No such file" <<< "$out"
check process_missing_exe_left_nothing [ ! -e "$PIN" ]
printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: x\n    match: { pid: 4194000 }\n    rate: 8mbit\n' \
	"$IF_A" "$PIN" > "$TMP/nopid.yaml"
out=$($IN_A "$WF" -c "$TMP/nopid.yaml" 2>&1)
check process_missing_pid_refused grep -q "nopid.yaml:5:19: rules\[0\].match.pid: no process 4194000" <<< "$out"
check process_missing_pid_left_nothing [ ! -e "$PIN" ]
finish
