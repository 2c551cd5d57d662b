#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# demo.sh - `sudo make demo`: wirefisher at work in a small lab, live, in
# about 40 seconds.
#
# It builds three network namespaces (client, relay, server) joined by two
# underlays (one direct veth, one through the relay), runs a wireguard-go
# tunnel over each, starts wirefisher on both ends and plays three scenes,
# printing numbers as they happen:
#   1. a download capped at 8 Mbit/s (a port rule on the client's ingress)
#   2. a "container" (a cgroup v2 directory made here) limited to 4 Mbit/s
#   3. failover: the direct underlay cut under a 1000/s stream, then healed
# Everything it made goes at the end, on Ctrl-C and on any failure (EXIT
# trap). Traffic flows only between the namespaces it creates.
#
# The lab is the steering tests' own (tests/lib/e2e.sh and wglab.sh), reused
# as it is. A demo, not a test: it asserts nothing and tolerates a busy
# machine; every loop is bounded in count and time.

set -u
export LC_ALL=C		# "1.5", not "1,5", in printf and EPOCHREALTIME

USER_PWD=$PWD
cd "$(dirname "$0")/.." || exit 1
. tests/lib/e2e.sh
# Our own pin directory name, set before wglab.sh derives the server's.
PIN=/sys/fs/bpf/wf-demo-$ID
. tests/lib/wglab.sh

CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG_REL=wf-demo-$ID		# the "container": a cgroup v2 directory
CG=${CG_MOUNT:-/nonexistent}/$CG_REL
SVC=10.99.0.1			# the server's service address (wglab.sh)
DL_PORT=5201			# iperf3 server for the download
UL_PORT=5202			# iperf3 server for the uploads
UDP_PORT=9300			# the failover stream
# build/wirefisher for the hints we print, if that is where the user is.
REL_WF=$WF
[ "$USER_PWD" = "$PWD" ] && REL_WF=${WF#"$PWD"/}

# ---- output --------------------------------------------------------------

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'; else B='' D='' N=''; fi
say() { printf '%s\n' "$*"; }
scene() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
note() { printf '%s   %s%s\n' "$D" "$*" "$N"; }

# now_ms: milliseconds on the wall clock, without forking.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# sleep_until MS: sleep until now_ms reaches MS; a slow sample does not
# stretch the timeline, it only makes the next sleep shorter.
sleep_until() {
	local d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	return 0
}

# One Python for every number we print, so units and widths are the same
# everywhere. Reads wirefisher's JSON on stdin.
#   rule NAME LIMIT_BPS [drops] T  one line: the rule's passed rate over the
#                              last full window, a bar (20 # = the limit) and,
#                              with "drops", the packets it dropped so far
#   flows PORT T               the summed rate of the client's flows to PORT
#   avg NAME                   the rule's average passed rate
#   paths T BPS1 BPS2 [MARK]   the route's path; each path's state, loss and
#                              what its tunnel sent (BPSk, measured by us)
#   paths-header               the column titles of "paths"
#   changed PATH               when PATH last changed state (unix seconds)
FMT=$(cat <<'PY'
import json, sys

def rate(bps, w=7):
    if bps >= 1e6:
        return "%*.2f Mbit/s" % (w, bps / 1e6)
    return "%*.1f kbit/s" % (w, bps / 1e3)

ROW = "  %5s s  %-5s  %-5s %4s %12s   %-5s %4s %12s  %s"

def bar(bps, limit):
    n = int(round(20 * bps / limit))
    return ("#" * min(n, 30) + ("+" if n > 30 else "")).ljust(31)

def rule(name):
    return [x for x in d["rules"] if x["name"] == name][0]

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "paths-header":
    print((ROW % ("", "route", "p1", "loss", "p1 sent", "p2", "loss",
                  "p2 sent", "")).replace("     s ", "  time ", 1).rstrip())
    sys.exit(0)
try:
    d = json.load(sys.stdin)
except Exception:
    print("  (no answer from the daemon this time)")
    sys.exit(0)
if cmd == "rule":
    r = rule(args[0])
    bps = r["rate_bytes_per_s"]["inst"] * 8
    drops = "dropped %5d packets" % r["dropped"] if args[3:] else ""
    print(("  %4s s  %s  %s%s" % (args[-1], rate(bps), bar(bps, float(args[1])),
                                 drops)).rstrip())
elif cmd == "flows":
    bps = sum(f["rate_bytes_per_s"]["inst"] * 8 for f in d["flows"]
              if f["dir"] == "egress" and f["dport"] == int(args[0]))
    print(("  %4s s  %s  %s" % (args[1], rate(bps), bar(bps, 4e6))).rstrip())
elif cmd == "avg":
    print(rate(rule(args[0])["rate_bytes_per_s"]["avg"] * 8).strip())
elif cmd == "paths":
    cols = []
    for p, b in zip(d["paths"][:2], args[1:3]):
        cols += [p["state"], "%.0f%%" % (100 * p["loss"]), rate(float(b), 5)]
    print((ROW % tuple([args[0], d["routes"][0]["via"]] + cols +
                       [" ".join(args[3:])])).rstrip())
elif cmd == "changed":
    print("%.3f" % [p for p in d["paths"] if p["name"] == args[0]][0]
          ["last_change_unix"])
PY
)
fmt() { python3 -c "$FMT" "$@"; }
paths_json() { $IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null; }

# ---- set-up and tear-down ------------------------------------------------

# bail MESSAGE: refuse before anything was made (e2e.sh made only $TMP).
bail() {
	say "$*"
	rm -rf "$TMP"
	exit 1
}

preflight() {
	local t missing=''
	[ "$(id -u)" = 0 ] ||
		bail "The demo makes namespaces and loads BPF programs: run it as root (sudo make demo)."
	for t in wireguard-go wg iperf3 nft nsenter python3; do
		command -v $t > /dev/null || missing="$missing $t"
	done
	[ -z "$missing" ] || bail "Missing:$missing (sudo make setup installs them)."
	if ! [ -x "$WF" ] || ! [ -x "$UDP" ] || ! [ -x "$RELAY" ]; then
		bail "Build first: make build/wirefisher build/tests/wf-udp build/tests/wf-relay"
	fi
	[ -n "$CG_MOUNT" ] || bail "No cgroup2 mount in /proc/mounts: the container scene needs one."
}

# die MESSAGE: say what failed, show the daemons' last words, and leave (the
# EXIT trap removes everything).
die() {
	local f
	say "The demo stopped: $*"
	for f in "$TMP/wf.log" "$TMP/wf-s.log"; do
		[ -s "$f" ] || continue
		note "last lines of $(basename "$f"):"
		tail -n 5 "$f" | sed 's/^/     /'
	done
	exit 1
}

# cg_remove: the cgroup goes once nothing lives in it. Its members can only
# be processes this script started (it made the cgroup), so ending them is
# ours to do.
cg_remove() {
	local i p
	[ -d "$CG" ] || return 0
	for ((i = 0; i < 20; i++)); do
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		rmdir "$CG" 2>/dev/null && return 0
		sleep 0.1
	done
}

# leftovers: what of ours is still there after the clean-up (nothing, we
# hope; we look rather than assume).
leftovers() {
	local left=''
	ip netns list | grep -qE "^wf[abr]$ID( |$)" && left="$left namespaces"
	{ [ -e "$PIN" ] || [ -e "$PIN_S" ]; } && left="$left pins"
	[ -d "$CG" ] && left="$left $CG"
	[ -d "$TMP" ] && left="$left $TMP"
	pgrep -f "w[cs][12]-$ID\$" > /dev/null && left="$left wireguard-go"
	echo "$left"
}

demo_cleanup() {
	local rc=$? left
	trap '' INT TERM	# a second Ctrl-C must not cut the clean-up short
	[ "$rc" = 130 ] && printf '\ninterrupted.\n'
	say ""
	say "Removing what the demo made: both daemons (their hooks and pins go with"
	say "them), wireguard-go, the relay, iperf3, the namespaces, the cgroup and"
	say "$TMP."
	cleanup		# e2e.sh + wglab.sh: daemons, tunnels, helpers, netns, pins, TMP
	cg_remove
	left=$(leftovers)
	if [ -z "$left" ]; then
		say "Done in $SECONDS s; nothing left behind."
	else
		say "Done in $SECONDS s, but these are still there:$left"
	fi
	exit "$rc"
}

arm_traps() {
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM
}

# tunnel_line DEV_C LABEL DEV_S: one tunnel of the picture, 79 columns.
tunnel_line() {
	local left="   +-- $1 " right=" $3 --+" mid=" $2 " n fill
	n=$((79 - ${#left} - ${#right} - ${#mid}))
	fill=$(printf '%*s' $((n / 2)) '' | tr ' ' '=')
	printf '%s%s%s%s%s\n' "$left" "$fill" "$mid" "$fill${fill:0:$((n % 2))}" "$right"
}

picture() {
	printf '   %-38s%38s\n' "client ($NS_A)" "server ($NS_B)"
	printf '   %-38s%38s\n' "10.96.0.2" "$SVC (the service)"
	printf '   |%74s|\n' ''
	tunnel_line "${WG_C[1]}" "p1: direct veth" "${WG_S[1]}"
	printf '   |%74s|\n' ''
	tunnel_line "${WG_C[2]}" "p2: veth > relay ($NS_R) > veth" "${WG_S[2]}"
	say ""
	say "   ===  a WireGuard tunnel (wireguard-go) over that underlay."
	say "   p1 is preferred, p2 is the backup."
}

# lab: the namespaces, the underlays, the tunnels (wglab_up waits until
# every tunnel and the service address answer), and the picture.
lab() {
	scene "The lab: three network namespaces, two underlays, two tunnels"
	netns_up || die "cannot make the namespaces"
	arm_traps	# netns_up set e2e.sh's trap; ours also removes the cgroup
	wglab_up direct relay || die "cannot bring up the WireGuard tunnels"
	picture
}

# daemons: wirefisher on the client (steering + the two rules) and on the
# server (steering the replies: as in the tests, each end moves its own
# direction).
daemons() {
	mkdir -p "$CG" || die "cannot make the cgroup $CG"
	# burst 500ms on the cgroup rule: there a TCP sender's packets are
	# still 64 KB GSO packets, and the default burst (1/4 s, 125 kB at
	# 4 Mbit/s) holds fewer than two; TCP then gets ~70 % of the limit.
	{
		steer_yaml "$PIN" c failover "1 2" "hold: 2s"
		cat <<-EOF
		rules:
		  - name: download
		    match: { proto: tcp, sport: $DL_PORT, direction: ingress }
		    rate: 8mbit
		  - name: container
		    match: { cgroup: $CG_REL, direction: egress }
		    rate: 4mbit
		    burst: 500ms
		EOF
	} > "$TMP/c.yaml"
	steer_yaml "$PIN_S" s failover "1 2" "hold: 2s" > "$TMP/s.yaml"
	wf_server_start "$TMP/s.yaml" || die "the server's wirefisher did not start"
	wf_start "$TMP/c.yaml" || die "the client's wirefisher did not start"
	say ""
	say "  wirefisher runs on both ends. The client's config:"
	sed -n '/^steering:/,$p' "$TMP/c.yaml" | sed 's/^/    /'
	wait_all_up 100 || note "(not every path is up yet; going on)"
	iperf_servers $DL_PORT $UL_PORT
}

# where_to_look: the live views, once, and three lines of the metrics.
where_to_look() {
	local m
	say ""
	say "  To watch it from another terminal while it runs (as root):"
	say "    nsenter --net=/run/netns/$NS_A \\"
	say "      $REL_WF stats --watch --pin-dir $PIN"
	say "    nsenter --net=/run/netns/$NS_A \\"
	say "      $REL_WF paths --watch --pin-dir $PIN"
	m=$($IN_A curl -s --max-time 2 http://127.0.0.1:9475/metrics 2>/dev/null |
		grep -E '^wirefisher_(path_up|route_path)' | head -n 3)
	[ -n "$m" ] || return 0		# no metrics endpoint in this build
	say "    nsenter --net=/run/netns/$NS_A curl -s http://127.0.0.1:9475/metrics"
	say "  which says, among much else:"
	sed 's/^/    /' <<< "$m"
}

# ---- the scenes ----------------------------------------------------------

# iperf_goodput JSON: the receiver's goodput in Mbit/s from iperf3 -J.
iperf_goodput() {
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$1" 2>/dev/null || echo "?"
}

# every_second SECS CMD...: run CMD once a second for SECS seconds, with
# the second as its last argument, just after each window closes.
every_second() {
	local secs=$1 t0 i
	shift
	t0=$(now_ms)
	for ((i = 1; i <= secs; i++)); do
		sleep_until $((t0 + i * 1000 + 100))
		"$@" $i
	done
}

rule_line() { stats_json 2>/dev/null | fmt rule "$@"; }
flows_line() { stats_json 2>/dev/null | fmt flows "$@"; }

scene_download() {
	local pid
	scene "Scene 1 of 3: a download capped at 8 Mbit/s"
	say "  Rule \"download\": TCP from port $DL_PORT, at the client's ingress, 8 Mbit/s."
	say "  iperf3 -R: the server sends to the client for 8 s. Each second, what the"
	say "  rule let through (IP bytes over the last 1 s window) and its drops so far:"
	$IN_A iperf3 -c $SVC -p $DL_PORT -R -t 8 -J > "$TMP/dl.json" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	every_second 8 rule_line download 8e6 drops
	wait "$pid"
	say "  => iperf3 received $(iperf_goodput "$TMP/dl.json") Mbit/s of TCP payload over the 8 s;"
	say "     the rule passed $(stats_json 2>/dev/null | fmt avg download) of IP bytes on average"
	say "     (8 Mbit/s plus the bucket's initial burst of 1/4 s)."
}

# in_cg DIR CMD...: run CMD as a member of cgroup DIR (it moves itself in
# before it execs, so every socket it opens belongs there).
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"; }

scene_container() {
	local pid
	scene "Scene 2 of 3: a container limited to 4 Mbit/s"
	say "  Rule \"container\": whatever sockets of cgroup $CG_REL send, 4 Mbit/s"
	say "  (a container is a cgroup; docker, podman and systemd make them too)."
	say "  An iperf3 upload started inside that cgroup, 6 s (the first second or two"
	say "  also spend the bucket's burst, 500 ms of the rate):"
	in_cg "$CG" $IN_A iperf3 -c $SVC -p $UL_PORT -t 6 > /dev/null 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	every_second 6 rule_line container 4e6
	wait "$pid"
	say "  The same upload outside the cgroup, 3 s (the flow's rate; no rule applies):"
	$IN_A iperf3 -c $SVC -p $UL_PORT -t 3 -J > "$TMP/ul.json" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	every_second 3 flows_line $UL_PORT
	wait "$pid"
	say "  => outside: $(iperf_goodput "$TMP/ul.json") Mbit/s, as fast as wireguard-go goes on this machine."
}

# tunnel_tx: bytes the client's two tunnels have sent (A's /proc/net/dev).
tunnel_tx() {
	$IN_A cat /proc/net/dev |
		awk -v a="${WG_C[1]}:" -v b="${WG_C[2]}:" '$1 == a { x = $10 } $1 == b { y = $10 } END { print x + 0, y + 0 }'
}

scene_failover() {
	local secs=12 n t0 i mark via prev=p1 line tx1 tx2 ptx1 ptx2 pms ms
	local cut='' heal='' back='' down='' recv send r1=0 r2=0
	scene "Scene 3 of 3: failover"
	n=$((secs * 1000))
	say "  A steady UDP stream, 1000 datagrams/s from the client to $SVC, for $secs s."
	say "  At 2 s the direct underlay is cut (nft drops everything on it, both ways),"
	say "  at 5 s it is healed. The prober pings each path every 200 ms; 3 lost in a"
	say "  row and the path is down. Every 0.5 s: the path the route uses, and for"
	say "  each path its state, its loss over the last 20 probes and what its"
	say "  tunnel sent:"
	fmt paths-header < /dev/null
	$IN_B "$UDP" recv $SVC $UDP_PORT $n 1500 > "$TMP/recv" &
	recv=$!
	BG_PIDS+=("$recv")
	sleep 0.2
	$IN_A "$UDP" send $SVC $UDP_PORT $n 200 1000 9301 10.96.0.2 > /dev/null 2> "$TMP/send.err" &
	send=$!
	BG_PIDS+=("$send")
	t0=$(now_ms)
	pms=$t0
	read -r ptx1 ptx2 < <(tunnel_tx)
	for ((i = 1; i <= 2 * secs; i++)); do
		sleep_until $((t0 + i * 500))
		mark=
		if [ $i = 4 ]; then
			wglab_cut 1
			cut=$EPOCHREALTIME
			mark="<- p1 cut"
		elif [ $i = 10 ]; then
			wglab_heal 1
			heal=$EPOCHREALTIME
			mark="<- healed"
		fi
		read -r tx1 tx2 < <(tunnel_tx)
		ms=$(now_ms)
		r1=$(((tx1 - ptx1) * 8000 / (ms - pms + 1)))
		r2=$(((tx2 - ptx2) * 8000 / (ms - pms + 1)))
		line=$(paths_json | fmt paths "$(printf '%d.%d' $((i / 2)) $((i % 2 * 5)))" $r1 $r2)
		ptx1=$tx1 ptx2=$tx2 pms=$ms
		via=$(awk '$3 ~ /^p[0-9]$/ { print $3 }' <<< "$line")
		if [ -n "$via" ] && [ "$via" != "$prev" ]; then
			mark="<- moved"
			prev=$via
			[ "$via" = p1 ] && back=$EPOCHREALTIME
			[ "$via" = p2 ] && down=$(paths_json | fmt changed p1)
		fi
		say "$line${mark:+ $mark}"
	done
	wait "$send"
	wait "$recv"
	line=$(tail -n 1 "$TMP/recv")
	say "  => The receiver got $(kv received "$line") of $n datagrams. Its longest silence:"
	say "     $(kv max_gap_ms "$line") ms (by design at most 705 ms: 3 lost probes plus a timeout)."
	[ -n "$down" ] && [ -n "$cut" ] &&
		say "     The prober declared p1 down $(secs_between "$cut" "$down" ms) after the cut; the route moved at once."
	if [ -n "$back" ] && [ -n "$heal" ]; then
		say "     The route went back to p1 about $(secs_between "$heal" "$back" s) after the heal, once p1's"
		say "     loss over its last 20 probes was below 50 % and the 2 s hold had passed."
	else
		say "     The route goes back to p1 once p1's loss over its last 20 probes is"
		say "     below 50 % and the 2 s hold has passed; this machine was too slow for"
		say "     that to happen within the scene."
	fi
	# Say what the tunnels' counters showed in the last half second.
	if [ "$prev" = p1 ] && [ "$r2" -gt $((r1 * 10)) ]; then
		say "     The running stream stayed on p2 (a flow keeps its path while that path"
		say "     works: no reordering); new flows take p1."
	fi
}

# secs_between T1 T2 UNIT: T2 - T1 (unix seconds) in ms or in s.
secs_between() {
	python3 -c 'import sys; d = float(sys.argv[2]) - float(sys.argv[1])
print("%d ms" % round(d * 1000) if sys.argv[3] == "ms" else "%.1f s" % d)' "$@"
}

# ---- main ----------------------------------------------------------------

main() {
	preflight
	arm_traps
	say "${B}wirefisher demo${N}: about 40 s. Everything it makes is removed at the end,"
	say "also if you press Ctrl-C. Its traffic stays inside the lab's namespaces."
	lab
	daemons
	where_to_look
	scene_download
	scene_container
	scene_failover
}

main "$@"
