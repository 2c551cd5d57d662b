# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# e2e.sh - sourced by tests/e2e/*.sh: namespaces, the daemon, assertions.
#
# Every test builds its own pair of network namespaces joined by a veth, with
# names unique to its PID, and removes them (and its daemon, pins and
# helpers) from an EXIT trap, pass or fail. Traffic stays between them.
#
#   ns A (wfa$$)  veth wfa0  10.250.X.1/24  fd00:250:X::1/64
#   ns B (wfb$$)  veth wfb0  10.250.X.2/24  fd00:250:X::2/64
#
# The daemon runs under `nsenter --net`, not `ip netns exec`, which would
# remount /sys and hide bpffs (see shared KERNEL-NOTES).

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WF=$ROOT/build/wirefisher
UDP=$ROOT/build/tests/wf-udp
ID=$$
NS_A=wfa$ID
NS_B=wfb$ID
NS_R=wfr$ID	# relay namespace of wglab.sh; cleanup removes it if made
IF_A=wfa0
IF_B=wfb0
NET=$((ID % 200 + 10))
IP_A=10.250.$NET.1
IP_B=10.250.$NET.2
IP6_A=fd00:250:$NET::1
IP6_B=fd00:250:$NET::2
PIN=/sys/fs/bpf/wf-e2e-$ID
TMP=$(mktemp -d /tmp/wf-e2e.XXXXXX)
chmod 0755 "$TMP"	# the not-root test reads a config from here
WF_PID=
BG_PIDS=()
FAILS=0
# Bounds on waits (start-up, stop, a kernel freeing objects) are multiplied
# by TS: tests/vm/run.sh sets WF_TIME_SCALE in its VMs, where TCG makes the
# verifier alone take minutes on 6.1. Never the assertions on counts, and
# a test's own timing claims say so where they scale.
TS=${WF_TIME_SCALE:-1}
# How long `wirefisher reload` waits for the daemon's verdict: its default
# 30 s, scaled (6.1's verifier under TCG loads a set in 70-150 s).
RELOAD_S=$((30 * TS))

log() { printf '  %s\n' "$*" >&2; }

pass() { echo "PASS e2e/$1"; }

fail() {
	echo "FAIL e2e/$1"
	shift
	log "$*"
	FAILS=$((FAILS + 1))
}

# skip NAME WHY: this machine cannot run the test (a module it lacks); the
# line says why, and counts neither way.
skip() { echo "SKIP e2e/$1: $2"; }

# check NAME CONDITION-COMMAND... : PASS/FAIL line from a command's status.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# tcx_links: true where the daemon hooks tc with tcx links.
tcx_links() {
	local v
	v=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
	[ "$v" -ge 6006 ] && [ "${WIREFISHER_TC:-}" != legacy ]
}

# filter_ids DIR [DEV]: where there are no tcx links, the program ids of
# our netlink filters (handle 0x5746) in clsact DIR of DEV (default $IF_A),
# one per line.
filter_ids() {
	$IN_A tc filter show dev "${2:-$IF_A}" "$1" 2>/dev/null |
		sed -n 's/.* handle 0x5746 .* id \([0-9]*\) .*/\1/p'
}

# link_check NAME CMD...: a check on tcx links (their pins, ids, count).
# A kernel without tcx (< 6.6: Debian 12's 6.1) hooks tc with netlink
# filters, which have no links or link pins: there it is a SKIP, and the
# filters' persist and take-over are e2e/legacy_tc's checks.
link_check() {
	if tcx_links; then
		check "$@"
	else
		skip "$1" "no tcx links on this kernel (netlink filters: e2e/legacy_tc)"
	fi
}

# claim NAME CONDITION-COMMAND... : a check of throughput or of a time
# bound (the steering lab's, a restart's). Here as check; in the kernel
# lab's VMs (TS > 1), where TCG carries < 1 Mbit/s through wireguard-go at
# 100+ ms RTT and 6.1's verifier takes 20-150 s to load a set, a SKIP line
# that says whether it held (the figure is logged above).
claim() {
	local name=$1
	shift
	[ "$TS" = 1 ] && { check "$name" "$@"; return; }
	if "$@"; then skip "$name" "held under TCG too (a claim for real CPUs)"
	else skip "$name" "did not hold under TCG (TS=$TS): a claim for real CPUs, judged on the host"; fi
}

# wait_for TENTHS CMD...: until CMD succeeds, at most TENTHS x 0.1 s (give
# a bound already multiplied by TS).
wait_for() {
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# Command prefixes, not functions: `$IN_A cmd &` makes $! the command's own
# pid (nsenter execs it), so cleanup can signal the process itself.
IN_A="nsenter --net=/run/netns/$NS_A"
IN_B="nsenter --net=/run/netns/$NS_B"
IN_R="nsenter --net=/run/netns/$NS_R"

cleanup() {
	local p f
	[ -n "$WF_PID" ] && kill -INT "$WF_PID" 2>/dev/null && wait_gone "$WF_PID" $((50 * TS))
	[ -n "$WF_PID" ] && kill -KILL "$WF_PID" 2>/dev/null
	# wireguard-go gets SIGTERM first, to remove its socket (wglab.sh).
	declare -F wglab_down > /dev/null && wglab_down
	for p in "${BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	# A failure shows the daemons' last words: CI keeps nothing else.
	if [ "$FAILS" -gt 0 ]; then
		for f in "$TMP"/wf*.log; do
			[ -s "$f" ] || continue
			log "last lines of $(basename "$f"):"
			tail -n 25 "$f" | sed 's/^/    /' >&2
		done
	fi
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	[ -d "$PIN" ] && rm -rf "$PIN"
	rm -rf "$TMP"
}

# wait_gone PID TENTHS: wait up to TENTHS/10 s for a process to exit.
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

netns_up() {
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B"
	$IN_A ip addr add "$IP_A/24" dev "$IF_A"
	$IN_B ip addr add "$IP_B/24" dev "$IF_B"
	$IN_A ip addr add "$IP6_A/64" dev "$IF_A" nodad
	$IN_B ip addr add "$IP6_B/64" dev "$IF_B" nodad
	$IN_A ip link set lo up
	$IN_B ip link set lo up
	$IN_A ip link set "$IF_A" up
	$IN_B ip link set "$IF_B" up
	# Pre-resolve neighbours so that no ARP/ND runs inside a measurement.
	# The veth carrier can take a moment: a few tries, bounded.
	local i
	for ((i = 0; i < 5 * TS; i++)); do
		$IN_A ping -c1 -W1 "$IP_B" >/dev/null 2>&1 &&
			$IN_A ping -6 -c1 -W1 "$IP6_B" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	log "no ping between the namespaces"
	return 1
}

# write_config FILE [EXTRA-YAML]: a config for this test's namespace A.
write_config() {
	cat > "$1" <<EOF
interfaces:
  - name: $IF_A
pin_dir: $PIN
${2:-}
EOF
}

# wf_launch IN CONFIG LOG PIN: start the daemon under the prefix IN (e.g.
# $IN_A); wait (bounded: 30 s x TS) until it pinned in PIN. Sets LAUNCHED
# to its pid.
wf_launch() {
	local i t0=$SECONDS
	$1 "$WF" ${WF_ARGS:-} -c "$2" > "$3" 2>&1 &
	LAUNCHED=$!
	for ((i = 0; i < 300 * TS; i++)); do
		[ -e "$4/wf_info" ] && return 0
		kill -0 "$LAUNCHED" 2>/dev/null || break
		sleep 0.1
	done
	log "daemon did not start (after $((SECONDS - t0)) s):"
	sed 's/^/    /' "$3" >&2
	return 1
}

# wf_start CONFIG: the daemon in ns A, pinned in $PIN; its pid in WF_PID.
wf_start() {
	wf_launch "$IN_A" "$1" "$TMP/wf.log" "$PIN"
	local rc=$?
	WF_PID=$LAUNCHED
	return $rc
}

# wf_stop: SIGINT, then wait (bounded) for a clean exit. Returns its status.
wf_stop() {
	local rc
	kill -INT "$WF_PID" 2>/dev/null
	wait_gone "$WF_PID" $((100 * TS)) || { kill -KILL "$WF_PID"; WF_PID=; return 1; }
	wait "$WF_PID"
	rc=$?
	WF_PID=
	return $rc
}

stats_json() { $IN_A "$WF" stats --json --pin-dir "$PIN"; }

# json EXPR: evaluate a Python expression over the stats JSON on stdin,
# with `d` the document and `flow(**match)` the one flow matching.
json() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
def flows(**m):
    return [f for f in d["flows"] if all(f[k] == v for k, v in m.items())]
def flow(**m):
    r = flows(**m)
    if len(r) != 1:
        sys.exit("want one flow matching %r, found %d" % (m, len(r)))
    return r[0]
print(eval(sys.argv[1]))' "$1"
}

# within A B PCT: is A within PCT % of B?
within() {
	python3 -c 'import sys; a, b, p = map(float, sys.argv[1:]); sys.exit(0 if abs(a - b) <= b * p / 100 else 1)' "$1" "$2" "$3"
}

# at_limit RATE LIMIT PCT: a policed rate. Here: within PCT % of the limit.
# In the kernel lab's VMs (TS > 1) the limit must hold (at most PCT % over)
# and at least half of it pass: TCG's senders, on a loaded machine, may not
# offer much more than the limit, so how close they get is not the rule's.
at_limit() {
	[ "$TS" = 1 ] && { within "$@"; return; }
	python3 -c 'import sys; a, b, p = map(float, sys.argv[1:]); sys.exit(0 if b / 2 <= a <= b * (1 + p / 100) else 1)' "$1" "$2" "$3"
}

# kv KEY LINE: the value of KEY=value in a wf-udp output line.
kv() { tr ' ' '\n' <<< "$2" | sed -n "s/^$1=//p"; }

# udp_bound IN PORT [PID]: until a UDP socket is bound to PORT under the
# prefix IN (a receiver just started, PID if given), at least 0.3 s, at
# most 30 tries (3 s here; each try is slower under TCG, where a receiver
# can take seconds to bind: what it misses meets a closed port). A
# receiver that is gone already ends the wait.
udp_bound() {
	local i
	sleep 0.3
	for ((i = 0; i < 30; i++)); do
		[ -n "$($1 ss -Hlun "sport = :$2" 2>/dev/null)" ] && return 0
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

# tcp_listening IN PORT: until a TCP socket listens on PORT under the
# prefix IN (a server just started), at most 3 s x TS.
tcp_listening() {
	wait_for $((30 * TS)) bash -c '[ -n "$($1 ss -Hltn "sport = :$2" 2>/dev/null)" ]' _ "$1" "$2"
}

# udp_rate NS_RECV NS_SEND DST PORT PPS SECS SIZE [SRC]: paced UDP; prints
# "received sent ip_rate" with the receiver's rate in IP bytes/s.
udp_rate() {
	local rx=$1 tx=$2 dst=$3 port=$4 pps=$5 secs=$6 size=$7 src=${8:-}
	local n=$((pps * secs)) hdr=28 out pid
	[[ $dst == *:* ]] && hdr=48
	# The idle time-out also covers the sender's start: scaled.
	$rx "$UDP" recv "$dst" "$port" $n $((1500 * TS)) > "$TMP/r$port" &
	pid=$!
	udp_bound "$rx" "$port" $pid
	$tx "$UDP" send "$dst" "$port" $n "$size" "$pps" 0 $src > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/r$port")
	echo "$(kv received "$out") $n $(python3 -c "print(round($(kv rate_payload_Bps "$out") * ($size + $hdr) / $size))")"
}

# rule NAME EXPR: EXPR over the stats of rule NAME, as r.
rule() { stats_json | json "(lambda r: $2)([x for x in d['rules'] if x['name'] == '$1'][0])"; }

# tty_view OUT CMD...: run a live view (CMD, e.g. `stats --watch`) for
# 1.3 s on a pseudo-terminal of 80 x 24 (script(1)); its raw output in OUT.
tty_view() {
	local out=$1
	shift
	# 1.3 s of frames (x TS: under TCG the view took longer to start)
	timeout -s INT $((5 * TS)) script -qfec \
		"stty cols 80 rows 24; timeout -s INT $((13 * TS / 10)).$((13 * TS % 10)) $*" \
		/dev/null > "$out" 2>&1 || true
}

# tty_view_ok FILE: frames drawn in place (cursor home, no clear screen),
# every line within 80 columns once the escape sequences are removed.
tty_view_ok() {
	python3 - "$1" <<'EOF'
import re, sys
raw = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
frames = raw.count("\x1b[H")
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw).replace("\r", "")
wide = [l for l in text.split("\n") if len(l) > 80]
ok = frames >= 2 and "\x1b[2J" not in raw and not wide
if not ok:
    print("frames %d, clear-screen %s, lines over 80: %r" % (frames, "\x1b[2J" in raw, wide[:3]))
sys.exit(0 if ok else 1)
EOF
}

# settled WANT CMD...: until CMD prints WANT, at most 2 s x TS. The kernel frees
# a program or a map a moment after its last reference goes (deferred
# work), so a count read right after a detach may still include it.
settled() {
	local want=$1 i
	shift
	for ((i = 0; i < 20 * TS; i++)); do
		[ "$("$@")" = "$want" ] && return 0
		sleep 0.1
	done
	log "$* is $("$@"), want $want"
	return 1
}

# BPF programs of ours loaded anywhere on the host right now.
# flood_range_up: what wf-flood's crafted sources ($FLOOD_NET, sent from B)
# need: A takes the range as local, so its answers stay on A; B routes the
# range to A and drops any packet from it that comes in to B.
flood_range_up() {
	$IN_A ip route add local "$FLOOD_NET" dev lo &&
		$IN_B ip route add "$FLOOD_NET" via "$IP_A" &&
		$IN_B nft -f - <<EOF
table ip wf_flood {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr $FLOOD_NET counter drop
	}
}
EOF
}

wf_prog_count() {
	bpftool prog show 2>/dev/null | grep -cE 'name wf_(tc|nf|cg|xdp)_' || true
}

# expect_refusal NAME CONFIG-FILE MESSAGE: run the daemon in A, want exit 1,
# MESSAGE in its output, and nothing left: no pins, no more programs than
# $PROGS_BEFORE (set it with wf_prog_count first).
expect_refusal() {
	local out rc
	out=$($IN_A timeout $((20 * TS)) "$WF" -c "$2" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$1" "exit $rc, want 1: $out"
	elif ! grep -qF -- "$3" <<< "$out"; then
		fail "$1" "no \"$3\" in: $out"
	elif [ -e "$PIN" ] || [ "$(wf_prog_count)" != "$PROGS_BEFORE" ]; then
		fail "$1" "left something behind (pins: $(ls "$PIN" 2>&1))"
	else
		pass "$1"
	fi
}

finish() {
	exit $((FAILS > 0))
}
