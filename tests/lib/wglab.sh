# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# wglab.sh - WireGuard paths between ns A (client) and ns B (server) for the
# steering tests. Source it after e2e.sh and call netns_up first.
#
# Path k (1-based) is a veth underlay plus one wireguard-go tunnel (or a
# kernel WireGuard one, WG_IMPL=kernel):
#
#   direct: A u$k 192.168.k.1/24 <-> B u$k 192.168.k.2/24
#   relay:  A u$k 192.168.k.1/24 <-> R r${k}a 192.168.k.2/24
#           R r${k}b 192.168.(k+10).1/24 <-> B u$k 192.168.(k+10).2/24
#           with wf-relay in R at 192.168.k.2:(51800+k), which can drop or
#           delay (there is no netem on this kernel)
#
#   tunnel: A ${WG_C[k]} 10.96.k.2/24 <-> B ${WG_S[k]} 10.96.k.1/24,
#           the server listening on 51800+k
#
# A also has 10.96.0.2/32 on lo, the source address the product steers:
# every server-side peer allows it, so it may arrive on any tunnel, and B
# routes it back by path 1. B has the service address 10.99.0.1/32 on lo;
# A reaches it by the "anchor" route 10.99.0.0/24 dev ${WG_C[1]} src 10.96.0.2.
# rp_filter is off in A and B, because steered packets arrive on interfaces
# other than the ones the routes name.
#
# WGLAB_V6=1 (set before wglab_up) adds an IPv6 inner plan beside the IPv4
# one, which stays as it is (the underlays stay IPv4):
#
#   tunnel: A ${WG_C[k]} fd96:k::2/64 <-> B ${WG_S[k]} fd96:k::1/64
#
# A has fd96::2/128 on lo (allowed by every server-side peer; B routes it
# back by path 1), B has fd99::1/128 on lo, reached by the anchor route
# fd99::/64 dev ${WG_C[1]} src fd96::2. Client peers allow ::/0 too.
# STEER_FAMILY=6 makes steer_yaml write the IPv6 plan's routes and targets.
#
# wireguard-go's control sockets live in /var/run/wireguard for every
# namespace, so interface names carry the test's ID to be unique host-wide.

RELAY=$ROOT/build/tests/wf-relay
WG_C=()		# client interface of path k, in A
WG_S=()		# server interface of path k, in B
WG_KIND=()	# direct or relay
WG_EP=()	# the client's endpoint for path k
WG_PIDS=()	# wireguard-go processes, both sides
declare -A WG_PID_OF	# ... by interface name
RELAY_PID=()	# wf-relay of path k
PIN_S=$PIN-s	# the server-side daemon's pins
WF_S_PID=	# ... and its pid

# WG_IMPL=kernel (set before wglab_up): the tunnels are kernel WireGuard
# devices (`ip link add NAME type wireguard`; Debian's kernels have the
# module, this host has not: wglab_kernel_ok tells) instead of wireguard-go.
WG_IMPL=${WG_IMPL:-go}
WGLAB_V6=${WGLAB_V6:-}

# wglab_kernel_ok: can this kernel make a WireGuard device? (tried in A)
wglab_kernel_ok() {
	modprobe wireguard 2> /dev/null
	$IN_A ip link add wfkwg0 type wireguard 2> /dev/null || return 1
	$IN_A ip link del wfkwg0
}

# wg_start IN NAME: run wireguard-go in a namespace; wait (bounded) for its
# control socket, which `wg set` needs. With WG_IMPL=kernel: the device.
wg_start() {
	local i
	if [ "$WG_IMPL" = kernel ]; then
		$1 ip link add "$2" type wireguard
		return
	fi
	$1 wireguard-go -f "$2" > "$TMP/$2.log" 2>&1 &
	WG_PIDS+=($!)
	WG_PID_OF[$2]=$!
	BG_PIDS+=($!)
	for ((i = 0; i < 50 * TS; i++)); do
		[ -S "/var/run/wireguard/$2.sock" ] && return 0
		sleep 0.1
	done
	log "wireguard-go $2 did not start:"; sed 's/^/    /' "$TMP/$2.log" >&2
	return 1
}

# wglab_path K KIND: the underlay and tunnel of one path.
wglab_path() {
	local k=$1 kind=$2 port=$((51800 + $1)) ep sip
	WG_C[$k]=wc$k-$ID
	WG_S[$k]=ws$k-$ID
	WG_KIND[$k]=$kind
	case $kind in
	direct)
		ip link add u$k netns "$NS_A" type veth peer name u$k netns "$NS_B" || return 1
		sip=192.168.$k.2
		ep=$sip:$port
		$IN_B ip addr add $sip/24 dev u$k
		;;
	relay)
		ip link add u$k netns "$NS_A" type veth peer name r${k}a netns "$NS_R" &&
			ip link add r${k}b netns "$NS_R" type veth peer name u$k netns "$NS_B" ||
			return 1
		sip=192.168.$((k + 10)).2
		ep=192.168.$k.2:$port
		$IN_R ip addr add 192.168.$k.2/24 dev r${k}a
		$IN_R ip addr add 192.168.$((k + 10)).1/24 dev r${k}b
		$IN_R ip link set r${k}a up
		$IN_R ip link set r${k}b up
		$IN_B ip addr add $sip/24 dev u$k
		$IN_R "$RELAY" "$ep" "$sip:$port" "$TMP/relay$k.ctrl" \
			2> "$TMP/relay$k.log" &
		RELAY_PID[$k]=$!
		BG_PIDS+=($!)
		;;
	*)
		log "wglab: unknown path kind $kind"
		return 1
		;;
	esac
	$IN_A ip addr add 192.168.$k.1/24 dev u$k
	$IN_A ip link set u$k up
	$IN_B ip link set u$k up

	# umask 077: wg warns about world-readable keys (TMP is 0755).
	(umask 077 && wg genkey > "$TMP/c$k.key" && wg genkey > "$TMP/s$k.key") ||
		return 1
	WG_EP[$k]=$ep
	wg_start "$IN_B" "${WG_S[$k]}" || return 1
	# wireguard-go binds the port on every address of B; only u$k's
	# address is reachable from the path, which is what matters.
	local allowed=10.96.$k.2/32,10.96.0.2/32
	[ -n "$WGLAB_V6" ] && allowed+=,fd96:$k::2/128,fd96::2/128
	$IN_B wg set "${WG_S[$k]}" private-key "$TMP/s$k.key" listen-port $port \
		peer "$(wg pubkey < "$TMP/c$k.key")" \
		allowed-ips "$allowed" || return 1
	$IN_B ip addr add 10.96.$k.1/24 dev "${WG_S[$k]}"
	[ -n "$WGLAB_V6" ] && { $IN_B ip addr add fd96:$k::1/64 dev "${WG_S[$k]}" nodad || return 1; }
	$IN_B ip link set "${WG_S[$k]}" up
	wglab_client $k
}

# wglab_client K: (re)make A's end of tunnel K. One peer per client
# interface, so 0.0.0.0/0 is unambiguous; keepalive 1 s keeps a relay's
# client address and the handshake fresh.
wglab_client() {
	local k=$1 allowed=0.0.0.0/0
	[ -n "$WGLAB_V6" ] && allowed+=,::/0
	wg_start "$IN_A" "${WG_C[$k]}" || return 1
	$IN_A wg set "${WG_C[$k]}" private-key "$TMP/c$k.key" \
		peer "$(wg pubkey < "$TMP/s$k.key")" endpoint "${WG_EP[$k]}" \
		allowed-ips "$allowed" persistent-keepalive 1 || return 1
	$IN_A ip addr add 10.96.$k.2/24 dev "${WG_C[$k]}"
	[ -n "$WGLAB_V6" ] && { $IN_A ip addr add fd96:$k::2/64 dev "${WG_C[$k]}" nodad || return 1; }
	$IN_A ip link set "${WG_C[$k]}" up
}

# wglab_up KIND... : build paths 1..N (KIND direct or relay) and wait
# (bounded, 10 s x TS) until every tunnel and the service address answer.
wglab_up() {
	local k ns end
	[ $# -ge 1 ] && [ $# -le 3 ] || { log "wglab_up: 1 to 3 paths"; return 1; }
	[ -x "$RELAY" ] || { log "wglab_up: $RELAY not built"; return 1; }
	ip netns add "$NS_R" || return 1
	$IN_R ip link set lo up
	# Before any device exists: new devices copy "default".
	for ns in "$IN_A" "$IN_B"; do
		$ns sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 1
	done
	# The cut switch: one set of underlay names, one nft call per change.
	$IN_A nft -f - <<-EOF || return 1
	table inet wfcut {
		set cut { type ifname; }
		chain out { type filter hook output priority 0; oifname @cut drop; }
		chain in { type filter hook input priority 0; iifname @cut drop; }
	}
	EOF
	for ((k = 1; k <= $#; k++)); do
		wglab_path $k "${!k}" || { log "wglab: path $k failed"; return 1; }
	done
	$IN_A ip addr add 10.96.0.2/32 dev lo
	$IN_B ip addr add 10.99.0.1/32 dev lo
	$IN_B ip route add 10.96.0.2/32 dev "${WG_S[1]}"
	$IN_A ip route add 10.99.0.0/24 dev "${WG_C[1]}" src 10.96.0.2 || return 1
	if [ -n "$WGLAB_V6" ]; then
		$IN_A ip addr add fd96::2/128 dev lo nodad &&
			$IN_B ip addr add fd99::1/128 dev lo nodad &&
			$IN_B ip route add fd96::2/128 dev "${WG_S[1]}" &&
			$IN_A ip route add fd99::/64 dev "${WG_C[1]}" src fd96::2 ||
			return 1
	fi

	# The first ping of a tunnel also makes its handshake.
	end=$((SECONDS + 10 * TS))
	for ((k = 1; k <= $#; k++)); do
		until $IN_A ping -c1 -W1 10.96.$k.1 > /dev/null 2>&1; do
			[ $SECONDS -lt $end ] || { log "wglab: no ping over tunnel $k"; return 1; }
			sleep 0.1
		done
	done
	until $IN_A ping -c1 -W1 -I 10.96.0.2 10.99.0.1 > /dev/null 2>&1; do
		[ $SECONDS -lt $end ] || { log "wglab: 10.99.0.1 does not answer"; return 1; }
		sleep 0.1
	done
	[ -n "$WGLAB_V6" ] || return 0
	for ((k = 1; k <= $#; k++)); do
		until $IN_A ping -6 -c1 -W1 fd96:$k::1 > /dev/null 2>&1; do
			[ $SECONDS -lt $end ] || { log "wglab: no IPv6 ping over tunnel $k"; return 1; }
			sleep 0.1
		done
	done
	until $IN_A ping -6 -c1 -W1 -I fd96::2 fd99::1 > /dev/null 2>&1; do
		[ $SECONDS -lt $end ] || { log "wglab: fd99::1 does not answer"; return 1; }
		sleep 0.1
	done
}

# wglab_cut K / wglab_heal K: path K's underlay in A drops everything, both
# ways, / no longer does. Either kind of path; idempotent.
wglab_cut() { $IN_A nft add element inet wfcut cut "{ u$1 }"; }
wglab_heal() {
	# Add then delete in one transaction: no error if K was not cut.
	$IN_A nft -f - <<-EOF
	add element inet wfcut cut { u$1 }
	delete element inet wfcut cut { u$1 }
	EOF
}

# wglab_relay K drop=D delay_ms=N: new settings for path K's relay. Returns
# once the relay has logged them, so they are in force.
wglab_relay() {
	local k=$1 n i
	shift
	[ "${WG_KIND[$k]:-}" = relay ] || { log "wglab_relay: path $k is no relay"; return 1; }
	echo "$*" > "$TMP/relay$k.ctrl"
	n=$(grep -c '^wf-relay: drop=' "$TMP/relay$k.log")
	kill -HUP "${RELAY_PID[$k]}" || return 1
	for ((i = 0; i < 50 * TS; i++)); do
		[ "$(grep -c '^wf-relay: drop=' "$TMP/relay$k.log")" -gt "$n" ] && return 0
		sleep 0.02
	done
	log "wglab_relay: relay $k did not take the settings"
	return 1
}

# wglab_cap K RATE / wglab_uncap K: a token bucket on A's egress of path K's
# underlay (client to server only).
wglab_cap() {
	$IN_A tc qdisc replace dev u$1 root tbf rate "$2" burst 32kb latency 100ms
}
wglab_uncap() { $IN_A tc qdisc del dev u$1 root 2>/dev/null || true; }

# wglab_route_single K: A's anchor route by tunnel K only.
wglab_route_single() {
	$IN_A ip route replace 10.99.0.0/24 dev "${WG_C[$1]}" src 10.96.0.2
}

# wglab_route_ecmp: A's anchor route over every tunnel, weight 1 each,
# hashed on ports (policy 1) so that flows spread, not just addresses.
wglab_route_ecmp() {
	local k hops=()
	for k in "${!WG_C[@]}"; do hops+=(nexthop dev "${WG_C[$k]}" weight 1); done
	$IN_A sysctl -qw net.ipv4.fib_multipath_hash_policy=1 &&
		$IN_A ip route replace 10.99.0.0/24 src 10.96.0.2 "${hops[@]}"
}

# wglab_down: stop wireguard-go (SIGTERM lets it remove its socket) and the
# relays, drop the relay namespace and any socket left. Safe at any point
# of a failed wglab_up, and twice. e2e.sh's cleanup calls it.
wglab_down() {
	local p n
	if [ -n "$WF_S_PID" ]; then
		kill -INT "$WF_S_PID" 2>/dev/null
		wait_gone "$WF_S_PID" 50 || kill -KILL "$WF_S_PID" 2>/dev/null
		WF_S_PID=
	fi
	[ -d "$PIN_S" ] && rm -rf "$PIN_S"
	for p in "${WG_PIDS[@]}" "${RELAY_PID[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${WG_PIDS[@]}" "${RELAY_PID[@]}"; do
		wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null
	done
	for n in "${WG_C[@]}" "${WG_S[@]}"; do rm -f "/var/run/wireguard/$n.sock"; done
	ip netns del "$NS_R" 2>/dev/null
	WG_PIDS=()
	RELAY_PID=()
	return 0
}

# ---- wirefisher on the lab ----------------------------------------------

# steer_yaml PIN SIDE MODE PATHS [PROBE [EXTRA]]: a steering config for A (SIDE c:
# route 10.99.0.0/24, probe the server's tunnel addresses) or B (SIDE s:
# route 10.96.0.2, probe the client's), over the paths numbered in PATHS
# ("1 2"), path k with priority k-1 unless MODE ends in "-equal"; PROBE is
# the probe: mapping's content, EXTRA one more steering: line. With
# STEER_CAPS set ("8mbit 4mbit 2mbit", by path number) each path declares
# that capacity; with STEER_DUP set (a selector, "{ proto: udp, dport: 9 }")
# the route duplicates what it picks (STEER_DUP_WINDOW: its
# duplicate_window); STEER_FLOWLET (auto, 50ms) sets
# the route's flowlet gap; STEER_FAMILY=6 (with WGLAB_V6) gives the IPv6
# plan's prefix (fd99::/64, fd96::2) and targets (fd96:k::1, fd96:k::2).
steer_yaml() {
	local pin=$1 side=$2 mode=${3%-equal} k names=() prio=0
	local to=10.99.0.0/24 far=1 dev target
	[ "$side" = s ] && to=10.96.0.2 && far=2
	if [ "${STEER_FAMILY:-4}" = 6 ]; then
		to=fd99::/64
		[ "$side" = s ] && to=fd96::2
	fi
	echo "pin_dir: $pin"
	echo "steering:"
	echo "  probe: { ${5:-hold: 2s} }"
	[ -n "${6:-}" ] && echo "  $6"
	echo "  paths:"
	for k in $4; do
		dev=${WG_C[$k]}
		[ "$side" = s ] && dev=${WG_S[$k]}
		[ "$3" = "${3%-equal}" ] && prio=$((k - 1))
		local cap=
		[ -n "${STEER_CAPS:-}" ] && cap=", capacity: $(cut -d' ' -f"$k" <<< "$STEER_CAPS")"
		target=10.96.$k.$far
		[ "${STEER_FAMILY:-4}" = 6 ] && target=fd96:$k::$far
		echo "    - { name: p$k, device: $dev, targets: [$target], priority: $prio$cap }"
		names+=("p$k")
	done
	local IFS=,
	echo "  routes: [ { to: $to, via: [${names[*]}], mode: $mode${STEER_DUP:+, duplicate: $STEER_DUP}${STEER_DUP_WINDOW:+, duplicate_window: $STEER_DUP_WINDOW}${STEER_FLOWLET:+, flowlet: $STEER_FLOWLET} } ]"
}

# wf_server_start CONFIG: the far end's daemon, in B, steering the replies
# to A's address; wait (bounded) until it pinned.
wf_server_start() {
	wf_launch "$IN_B" "$1" "$TMP/wf-s.log" "$PIN_S"
	local rc=$?
	WF_S_PID=$LAUNCHED
	return $rc
}

# route_via [PIN]: the path A's (or PIN's) first route uses now.
route_via() {
	$IN_A "$WF" paths --json --pin-dir "${1:-$PIN}" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["routes"][0]["via"])' \
		2>/dev/null
}

# wait_via VIA TENTHS [PIN]: until the route uses VIA; bounded.
wait_via() {
	local i
	for ((i = 0; i < $2; i++)); do
		[ "$(route_via "${3:-}")" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_all_up TENTHS [PIN]: until every path of A's (or PIN's) daemon is
# up and usable by its route (a path answering again after lost probes is
# up, but unusable until its loss falls under the limit); bounded. Spread
# gives a flow only to paths usable when it starts.
wait_all_up() {
	local i
	for ((i = 0; i < $1; i++)); do
		$IN_A "$WF" paths --json --pin-dir "${2:-$PIN}" 2>/dev/null |
			python3 -c 'import json,sys
d = json.load(sys.stdin); p = d["paths"]
sys.exit(not p or any(x["state"] != "up" for x in p) or
         len(d["routes"][0]["usable"]) != len(p))' \
			2>/dev/null && return 0
		sleep 0.1
	done
	log "not every path came up"
	return 1
}

# wg_tx K: bytes A has sent through tunnel K.
wg_tx() { $IN_A wg show "${WG_C[$1]}" transfer | awk '{ s += $3 } END { print s + 0 }'; }

# send_by K PORT: 200 datagrams to the service address 10.99.0.1, paced (an
# unpaced burst overflows a userspace tunnel's TUN queue); all received,
# and at least their bytes went through tunnel K.
send_by() {
	local k=$1 before line rpid
	before=$(wg_tx "$k")
	$IN_B "$UDP" recv 10.99.0.1 "$2" 200 $((3000 * TS)) > "$TMP/recv$2" &
	rpid=$!
	udp_bound "$IN_B" "$2" $rpid
	$IN_A "$UDP" send 10.99.0.1 "$2" 200 1000 500 "$2" 10.96.0.2 > /dev/null
	wait $rpid
	line=$(tail -n 1 "$TMP/recv$2")
	log "by p$k: $(cut -d' ' -f1,5,6 <<< "$line"), p$k sent $(($(wg_tx "$k") - before)) bytes"
	[ "$(kv received "$line")" = 200 ] && [ $(($(wg_tx "$k") - before)) -ge 200000 ]
}

# iperf_servers PORT...: an iperf3 server in B on each port (killed by
# cleanup). iperf_mbit DST PORT SECS [ARGS]: A -> DST from 10.96.0.2, the
# receiver's goodput in Mbit/s after the first second (slow start) omitted.
iperf_servers() {
	local p
	for p in "$@"; do
		$IN_B iperf3 -s -p "$p" > /dev/null 2>&1 &
		BG_PIDS+=($!)
	done
	sleep 0.3
}
iperf_mbit() {
	local dst=$1 port=$2 secs=$3
	shift 3
	$IN_A iperf3 -c "$dst" -p "$port" -t "$secs" -O 1 -J "$@" 2>/dev/null |
		python3 -c 'import json,sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print("0")'
}

# dup_sum PIN FIELD: the duplicate counter FIELD summed over the paths.
dup_sum() {
	$IN_A "$WF" paths --json --pin-dir "$1" |
		python3 -c "import json,sys; print(sum(p['duplicate']['$2'] for p in json.load(sys.stdin)['paths']))"
}

# dup_cut_trials N SPORT0 [DPORT]: N cuts of path 1's underlay, each at a
# random moment of a 3000-datagram stream from port SPORT0 + t (the calling
# test's `stream COUNT SPORT [DPORT]` and `stream_wait`, which sets $line),
# then the heal and a wait until both ends use p1 again. Sums what was lost
# and what arrived twice into LOST_TOTAL and TWICE_TOTAL, and counts in
# TWICE_EARLY the cuts whose earliest second copy came within the window.
dup_cut_trials() {
	local t distinct dups late
	LOST_TOTAL=0 TWICE_TOTAL=0 TWICE_EARLY=0
	for ((t = 0; t < $1; t++)); do
		stream 3000 $(($2 + t)) ${3:+"$3"}
		sleep "1.$((RANDOM % 600))"
		wglab_cut 1
		stream_wait
		wglab_heal 1
		distinct=$(kv distinct "$line") dups=$(kv dups "$line")
		log "cut $t: $line"
		LOST_TOTAL=$((LOST_TOTAL + 3000 - ${distinct:-0}))
		TWICE_TOTAL=$((TWICE_TOTAL + ${dups:-0}))
		# A second copy within the far end's duplicate_window (DUP_WINDOW_MS,
		# else the default 1 s) never passes (dedup.bpf.h); one later is a
		# new packet by design, as a stall under TCG may make it.
		late=$(kv dup_late_min_ms "$line")
		[ "${dups:-0}" -gt 0 ] && awk -v l="${late:-0}" -v w="${DUP_WINDOW_MS:-1000}" \
			'BEGIN { exit !(l < w) }' && TWICE_EARLY=$((TWICE_EARLY + 1))
		wait_all_up 150 && wait_all_up 150 "$PIN_S" && wait_via p1 150 ||
			log "cut $t: the paths did not all come back"
	done
}

# ---- persist: what a run left pinned (steer_persist*.sh) -----------------

# pin_hooks PIN: the hooks pinned in PIN, "PIN-NAME LINK-ID" per link,
# sorted. pin_progs PIN: the programs they run. pin_hook_count PIN: how many
# links the kernel has (host-wide) that run one of those programs - a
# second hook made beside a taken-over one would run them too.
pin_hooks() {
	local p
	for p in "$1"/link_*; do
		[ -e "$p" ] || continue
		echo "$(basename "$p") $(bpftool -j link show pinned "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
	done | sort
}
pin_progs() {
	local p
	for p in "$1"/link_*; do
		[ -e "$p" ] && bpftool -j link show pinned "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prog_id"])'
	done | sort -u
}
pin_hook_count() {
	local progs
	progs=$(pin_progs "$1" | paste -sd,)
	bpftool -j link show | python3 -c 'import json,sys
progs = set(int(p) for p in sys.argv[1].split(",") if p)
print(sum(1 for l in json.load(sys.stdin) if l.get("prog_id") in progs))' "$progs"
}

# wg_dev_tx K: the bytes tunnel K's client end sent, from its device
# counters (read in A: sysfs under nsenter shows the host's).
wg_dev_tx() {
	$IN_A ip -j -s link show dev "${WG_C[$1]}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["bytes"])'
}
