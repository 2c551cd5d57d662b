#!/usr/bin/env bash
# tcp_congestion on a rule: TCP sockets the rule matches get its congestion
# control (set by the sockops program), others keep the system default.
. "$(dirname "$0")/../lib/e2e.sh"

netns_up || { fail cc_setup "cannot build namespaces"; finish; }
default=$($IN_A sysctl -n net.ipv4.tcp_congestion_control)
want=reno
[ "$default" = reno ] && want=cubic
cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: cc
    match: { proto: tcp, dport: 5801 }
    rate: 1gbit
    tcp_congestion: $want
YAML
wf_start "$TMP/wf.yaml" || { fail cc_start "daemon did not start"; finish; }
check cc_sockops_attached grep -q "attached sockops" "$TMP/wf.log"

# cc_of PORT: the congestion control of a live connection from A to B:PORT.
cc_of() {
	local port=$1 out= i
	$IN_B iperf3 -s -1 -p "$port" > /dev/null 2>&1 &
	BG_PIDS+=($!)
	# Bounded waits, not fixed sleeps: under TCG (the kernel lab) a
	# server took longer than 0.4 s to listen and the client found none.
	tcp_listening "$IN_B" "$port"
	$IN_A iperf3 -c "$IP_B" -p "$port" -t $((2 * TS)) -b 10M > /dev/null 2>&1 &
	BG_PIDS+=($!)
	for ((i = 0; i < 20 * TS; i++)); do
		sleep 0.1
		out=$($IN_A ss -tin state established dst "$IP_B:$port" | grep -oE '\b(reno|cubic|bbr)\b' | sort -u | tr '\n' ' ')
		[ -n "$out" ] && break
	done
	wait "${BG_PIDS[-1]}"
	echo "$out"
}
got=$(cc_of 5801)
log "to :5801 (rule): $got; default $default"
check cc_rule_sets_algorithm [ "$got" = "$want " ]
got=$(cc_of 5802)
log "to :5802 (no rule): $got"
check cc_others_keep_default [ "$got" = "$default " ]
wf_stop

# An algorithm this kernel lacks: refused, nothing attached.
printf 'interfaces: [%s]\npin_dir: %s\nrules:\n  - name: x\n    rate: 1gbit\n    tcp_congestion: nosuchcc\n' \
	"$IF_A" "$PIN" > "$TMP/bad.yaml"
out=$($IN_A "$WF" -c "$TMP/bad.yaml" 2>&1)
check cc_unavailable_refused grep -q "rules\[0\].tcp_congestion: \"nosuchcc\" is not available here" <<< "$out"
check cc_unavailable_left_nothing [ ! -e "$PIN" ]
finish
