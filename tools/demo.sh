#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# demo.sh - `sudo make demo`: wirefisher at work in a small lab, live, in
# about 75 seconds.
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

cd "$(dirname "$0")/.."
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
REL_WF=${WF#"$PWD"/}		# build/wirefisher, for the hints we print

# ---- output --------------------------------------------------------------

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'; else B= D= N=; fi
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
#   rule NAME LIMIT_BPS T      one line: the rule's passed rate over the last
#                              full window, a bar, packets dropped so far
#   flows PORT T               the summed rate of the client's flows to PORT
#   paths T [NOTE]             the route's path and each path's state
#   summary NAME               "passed avg, dropped" of rule NAME
FMT=$(cat <<'PY'
import json, sys

def rate(bps):
    if bps >= 1e6:
        return "%7.2f Mbit/s" % (bps / 1e6)
    return "%7.1f kbit/s" % (bps / 1e3)

def bar(bps, limit):
    n = int(round(20 * bps / limit)) if limit else 0
    return ("#" * min(n, 30) + ("+" if n > 30 else "")).ljust(31)

cmd, args = sys.argv[1], sys.argv[2:]
try:
    d = json.load(sys.stdin)
except Exception:
    print("   (no answer from the daemon this time)")
    sys.exit(0)
if cmd == "rule":
    r = [x for x in d["rules"] if x["name"] == args[0]][0]
    bps = r["rate_bytes_per_s"]["inst"] * 8
    print("  %4s s  %s  %s dropped %6d packets" % (args[2], rate(bps),
          bar(bps, float(args[1])), r["dropped"]))
elif cmd == "flows":
    bps = sum(f["rate_bytes_per_s"]["inst"] * 8 for f in d["flows"]
              if f["dir"] == "egress" and f["dport"] == int(args[0]))
    print("  %4s s  %s  %s" % (args[1], rate(bps), bar(bps, 4e6)))
elif cmd == "summary":
    r = [x for x in d["rules"] if x["name"] == args[0]][0]
    print("%s %d %d" % (rate(r["rate_bytes_per_s"]["avg"] * 8).strip(),
                        r["dropped"], r["passed"] + r["dropped"]))
elif cmd == "paths":
    route = d["routes"][0]["via"] if d["routes"] else "?"
    cols = ["%s %-5s %5.1f ms %s" % (p["name"], p["state"], p["rtt_ms"],
            rate(p["rate_bps"])) for p in d["paths"]]
    print("  %5s s  route via %-3s | %s %s" % (args[0], route,
          " | ".join(cols), " ".join(args[1:])))
elif cmd == "changed":
    print("%.3f" % [p for p in d["paths"] if p["name"] == args[0]][0]
          ["last_change_unix"])
PY
)
fmt() { python3 -c "$FMT" "$@"; }
paths_json() { $IN_A "$WF" paths --json --pin-dir "$PIN" 2>/dev/null; }

# ---- set-up and tear-down ------------------------------------------------

preflight() {
	local t missing=
	if [ "$(id -u)" != 0 ]; then
		say "The demo makes namespaces and loads BPF programs: run it as root (sudo make demo)."
		exit 1
	fi
	for t in wireguard-go wg iperf3 nft nsenter python3; do
		command -v $t > /dev/null || missing="$missing $t"
	done
	[ -z "$missing" ] || { say "missing:$missing (sudo make setup installs them)"; exit 1; }
	[ -x "$WF" ] && [ -x "$UDP" ] && [ -x "$RELAY" ] ||
		{ say "build first: make $REL_WF build/tests/wf-udp build/tests/wf-relay"; exit 1; }
	[ -n "$CG_MOUNT" ] || { say "no cgroup2 mount in /proc/mounts: the container scene needs one"; exit 1; }
}

# A failure: say what failed, show the daemons' last words, and leave (the
# EXIT trap removes everything).
die() {
	local f
	say "demo stopped: $*"
	for f in "$TMP/wf.log" "$TMP/wf-s.log"; do
		[ -s "$f" ] && { note "last lines of $(basename "$f"):"; tail -n 5 "$f" | sed 's/^/     /'; }
	done
	exit 1
}

# cg_remove: the cgroup goes once nothing lives in it. Its members are only
# processes this script started (it made the cgroup), so ending them is ours.
cg_remove() {
	local i p
	[ -d "$CG" ] || return 0
	for ((i = 0; i < 20; i++)); do
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		rmdir "$CG" 2>/dev/null && return 0
		sleep 0.1
	done
}

# leftovers: what of ours is still there after the clean-up (should be none).
leftovers() {
	local left=
	ip netns list | grep -qE "^wf[abr]$ID( |$)" && left="$left namespaces"
	[ -e "$PIN" ] || [ -e "$PIN_S" ] && left="$left pins"
	[ -d "$CG" ] && left="$left cgroup"
	[ -d "$TMP" ] && left="$left $TMP"
	pgrep -f "w[cs][12]-$ID\$" > /dev/null && left="$left wireguard-go"
	echo "$left"
}

demo_cleanup() {
	local rc=$? left
	trap '' INT TERM	# a second Ctrl-C must not cut the clean-up short
	[ "$rc" = 130 ] && say "" && say "interrupted."
	say ""
	say "Removing everything the demo made: daemons (their hooks and pins go with"
	say "them), wireguard-go, relay, iperf3, namespaces, the cgroup, $TMP ..."
	cleanup		# e2e.sh + wglab.sh: daemons, tunnels, helpers, netns, pins, TMP
	cg_remove
	left=$(leftovers)
	if [ -z "$left" ]; then
		say "Done: nothing left behind."
	else
		say "Left behind, please check:$left"
	fi
	exit "$rc"
}

arm_traps() {
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM
}

# lab: the namespaces, the underlays, the tunnels (wglab_up checks that every
# tunnel and the service address answer), and the picture.
lab() {
	scene "Building the lab"
	netns_up || die "cannot make the namespaces"
	arm_traps	# netns_up set e2e.sh's trap; ours also removes the cgroup
	wglab_up direct relay || die "cannot bring up the WireGuard tunnels"
	cat <<EOF
  three network namespaces, two underlays, one wireguard-go tunnel over each:

   client ($NS_A)                                       server ($NS_B)
   10.96.0.2 -+- ${WG_C[1]} ==[ p1: direct veth ]============== ${WG_S[1]} -+- $SVC
              |                                                        |   iperf3, UDP sink
              +- ${WG_C[2]} ==[ p2: veth > relay ($NS_R) > veth ]= ${WG_S[2]} -+

  ==[ ]== a WireGuard tunnel over that underlay; p1 is preferred, p2 the backup.
EOF
}

# daemons: wirefisher on the client (steering + the two rules) and on the
# server (steering the replies, as the tests do: the far side routes its
# own direction).
daemons() {
	mkdir -p "$CG" || die "cannot make the cgroup $CG"
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
		EOF
	} > "$TMP/c.yaml"
	steer_yaml "$PIN_S" s failover "1 2" "hold: 2s" > "$TMP/s.yaml"
	wf_server_start "$TMP/s.yaml" || die "the server's wirefisher did not start"
	wf_start "$TMP/c.yaml" || die "the client's wirefisher did not start"
	say ""
	say "  wirefisher runs on both ends. The client's config ($TMP/c.yaml):"
	sed -n '/^steering:/,$p' "$TMP/c.yaml" | sed 's/^/    /'
	wait_all_up 100 || note "(not every path is up yet; going on)"
	iperf_servers $DL_PORT $UL_PORT
}

# where_to_look: the live views, once; and three lines of the metrics.
where_to_look() {
	local m
	say ""
	say "  While it runs, in another terminal (as root):"
	say "    nsenter --net=/run/netns/$NS_A $REL_WF stats --watch --pin-dir $PIN"
	say "    nsenter --net=/run/netns/$NS_A $REL_WF paths --watch --pin-dir $PIN"
	m=$($IN_A curl -s --max-time 2 http://127.0.0.1:9475/metrics 2>/dev/null |
		grep -E '^wirefisher_path_up' | head -n 3)
	[ -n "$m" ] || return 0		# no metrics endpoint in this build
	say "    nsenter --net=/run/netns/$NS_A curl -s http://127.0.0.1:9475/metrics"
	say "  e.g. (Prometheus format):"
	sed 's/^/    /' <<< "$m"
}

# ---- the scenes ----------------------------------------------------------

scene_download() {
	local t0 i pid bps sum
	scene "Scene 1 of 3: a download capped at 8 Mbit/s"
	say "  rule \"download\": TCP from port $DL_PORT, on the client's ingress, 8 Mbit/s."
	say "  iperf3 -R: the server sends to the client for 8 s. Each second, the"
	say "  rule's passed rate (IP bytes, last 1 s window) and its drops so far:"
	$IN_A iperf3 -c $SVC -p $DL_PORT -R -t 8 -J > "$TMP/dl.json" 2>&1 &
	pid=$!
	BG_PIDS+=($pid)
	t0=$(now_ms)
	for ((i = 1; i <= 8; i++)); do
		sleep_until $((t0 + i * 1000 + 100))
		stats_json 2>/dev/null | fmt rule download 8e6 $i
	done
	wait "$pid"
	bps=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$TMP/dl.json" 2>/dev/null || echo "?")
	read -r sum < <(stats_json 2>/dev/null | fmt summary download)
	say "  => iperf3 received $bps Mbit/s of TCP payload over 8 s, slow start included;"
	say "     the rule passed ${sum%% *} of IP bytes on average (limit 8 Mbit/s)."
}

scene_container() {
	local t0 i pid bps
	scene "Scene 2 of 3: a container limited to 4 Mbit/s"
	say "  rule \"container\": everything sockets in cgroup $CG_REL send, 4 Mbit/s."
	say "  (a container is a cgroup: docker, podman and systemd units make them too)"
	say "  iperf3 upload from inside that cgroup for 6 s:"
	in_cg "$CG" $IN_A iperf3 -c $SVC -p $UL_PORT -t 6 > /dev/null 2>&1 &
	pid=$!
	BG_PIDS+=($pid)
	t0=$(now_ms)
	for ((i = 1; i <= 6; i++)); do
		sleep_until $((t0 + i * 1000 + 100))
		stats_json 2>/dev/null | fmt rule container 4e6 $i
	done
	wait "$pid"
	say "  The same upload outside the cgroup, 3 s (its flow's rate; no rule matches):"
	$IN_A iperf3 -c $SVC -p $UL_PORT -t 3 -J > "$TMP/ul.json" 2>&1 &
	pid=$!
	BG_PIDS+=($pid)
	t0=$(now_ms)
	for ((i = 1; i <= 3; i++)); do
		sleep_until $((t0 + i * 1000 + 100))
		stats_json 2>/dev/null | fmt flows $UL_PORT $i
	done
	wait "$pid"
	bps=$(python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$TMP/ul.json" 2>/dev/null || echo "?")
	say "  => outside the container: $bps Mbit/s (what wireguard-go manages on this machine)."
}

# in_cg DIR CMD...: run CMD as a member of cgroup DIR (it moves itself in
# before it execs, so every socket it opens belongs there).
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"; }

scene_failover() {
	local secs=12 n t0 i t cut_ms= heal_ms= via prev=p1 mark line gap got down up
	scene "Scene 3 of 3: failover"
	n=$((secs * 1000))
	say "  A steady UDP stream, 1000 datagrams/s, client -> $SVC, for $secs s. At 2 s"
	say "  the direct underlay is cut (every packet on it dropped, both ways); at 6 s"
	say "  it is healed. The prober pings each path every 200 ms; 3 lost in a row"
	say "  = down. Every 0.5 s: the route's path, and each path's state, RTT, rate:"
	$IN_B "$UDP" recv $SVC $UDP_PORT $n 1500 > "$TMP/recv" &
	BG_PIDS+=($!)
	local recv=$!
	sleep 0.2
	$IN_A "$UDP" send $SVC $UDP_PORT $n 200 1000 9301 10.96.0.2 > /dev/null &
	BG_PIDS+=($!)
	local send=$!
	t0=$(now_ms)
	for ((i = 1; i <= 2 * secs; i++)); do
		t=$(printf '%d.%d' $((i / 2)) $((i % 2 * 5)))
		mark=
		if [ $i = 4 ]; then
			sleep_until $((t0 + 2000))
			wglab_cut 1
			cut_ms=$(now_ms)
			mark="<- direct underlay cut"
		elif [ $i = 12 ]; then
			sleep_until $((t0 + 6000))
			wglab_heal 1
			heal_ms=$(now_ms)
			mark="<- healed"
		else
			sleep_until $((t0 + i * 500))
		fi
		line=$(paths_json | fmt paths "$t")
		via=$(sed -n 's/.*route via \(p[0-9]\).*/\1/p' <<< "$line")
		[ -n "$via" ] && [ "$via" != "$prev" ] && mark="<- route now via $via" && prev=$via
		say "$line $mark"
	done
	wait "$send"
	wait "$recv"
	line=$(tail -n 1 "$TMP/recv")
	got=$(kv received "$line")
	gap=$(kv max_gap_ms "$line")
	down=$(paths_json | fmt changed p1)
	say "  => the receiver got ${got:-?} of $n datagrams; its longest silence: ${gap:-?} ms"
	say "     (the failover: 3 lost probes + a timeout, by design at most 705 ms)."
	say "     The route came back to p1 only after 3 answers and the 2 s hold;"
	say "     the running stream stayed on p2 (flows are sticky: no reordering),"
	say "     new flows take p1."
	[ -n "$down" ] && [ -n "$heal_ms" ] && : "${down}"
}

# ---- main ----------------------------------------------------------------

main() {
	local start=$SECONDS
	preflight
	arm_traps
	say "${B}wirefisher demo${N}: about 75 s. Everything it makes is removed at the end,"
	say "also if you press Ctrl-C. Traffic stays inside the lab's namespaces."
	lab
	daemons
	where_to_look
	scene_download
	scene_container
	scene_failover
	say ""
	say "Demo done in $((SECONDS - start)) s. To play with it yourself: config/config.yaml, README.md."
}

main "$@"
