#!/usr/bin/env bash
# A mesh built from one topology file (config/mesh/lab.yaml, the README's
# worked example) and nothing else: `wirefisher mesh generate` writes the
# keys, wg-quick configs, wirefisher configs and host scripts; this test
# builds the underlay the topology describes (two laptops behind NAT, a
# public node, a relay) and then uses only the generated files: wg-quick up
# (over wireguard-go), host.sh, `wirefisher check`, the daemon.
#
#   alice 192.168.1.2 -- nata 198.51.100.1 --+
#   bob   192.168.2.2 -- natb 198.51.100.2 --+-- bridge in "inet"
#                       pub   198.51.100.3 --+
#                       relay 198.51.100.4 --+
#
# Each NAT masquerades its laptop and forwards the laptop's WireGuard
# ports (the ListenPorts of its generated configs) to it: a static port
# mapping, as a user sets on a home router. With both laptops mapped, they
# can dial each other directly; without mappings, two NATs in the way need
# hole punching, which WireGuard alone does not do (a coordination server
# would), and the laptops would meet only through the relay.
#
# Checks: the generator (modes, keys kept, nothing rewritten on a re-run,
# a removed pair rewrites only the files it touches, no private key on
# stdout), wg-quick strip, `wirefisher check` per node, every pair pings,
# a stream alice -> bob goes direct, moves to the relay within the
# failover bound when the NATs' direct underlay is cut, and comes back
# after the heal and the hold.
. "$(dirname "$0")/../lib/e2e.sh"

NODES=(alice bob pub relay)
declare -A NSN SADDR WFPID
for n in "${NODES[@]}"; do NSN[$n]=wfm-$n-$ID; done
NS_INET=wfm-inet-$ID
NS_NATA=wfm-nata-$ID
NS_NATB=wfm-natb-$ID
OUT=$TMP/out
MESH_PIN=/sys/fs/bpf/wfm$ID
WGPIDS=$TMP/wg.pids	# "IFACE PID" per wireguard-go the wrapper started
INTERVAL_MS=200		# lab.yaml's probe interval
K=3			# wirefisher's default down_after
M=3			# and up_after
HOLD_MS=2000		# lab.yaml's hold
# Under TCG (tests/vm/run.sh sets WF_TIME_SCALE=10) waits are scaled, and
# so is the failover bound: the design's bound is in probe rounds, and the
# VM's clock runs the daemon's rounds that much slower.
S=${WF_TIME_SCALE:-1}

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

mesh_cleanup() {
	local n p ifc
	for n in "${!WFPID[@]}"; do kill -INT "${WFPID[$n]}" 2>/dev/null; done
	for n in "${!WFPID[@]}"; do
		wait_gone "${WFPID[$n]}" 50 || kill -KILL "${WFPID[$n]}" 2>/dev/null
	done
	if [ -f "$WGPIDS" ]; then
		while read -r ifc p; do kill -TERM "$p" 2>/dev/null; done < "$WGPIDS"
		while read -r ifc p; do
			wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null
			rm -f "/var/run/wireguard/$ifc.sock"
		done < "$WGPIDS"
	fi
	for n in "${NODES[@]}"; do
		ip netns del "${NSN[$n]}" 2>/dev/null
		rm -rf "$MESH_PIN-$n"
	done
	for n in "$NS_INET" "$NS_NATA" "$NS_NATB"; do ip netns del "$n" 2>/dev/null; done
	cleanup
}
trap mesh_cleanup EXIT
trap 'exit 130' INT TERM

# ---- the generator ------------------------------------------------------

# The example as it is, plus a pin directory per run: four daemons share
# this host's bpffs.
cp "$ROOT/config/mesh/lab.yaml" "$TMP/lab.yaml"
echo "pin_dir: $MESH_PIN" >> "$TMP/lab.yaml"
umask 022
"$WF" mesh generate -t "$TMP/lab.yaml" -o "$OUT" > "$TMP/gen1.out" 2>&1
check mesh_generate test $? -eq 0
cat "$TMP/gen1.out" >&2

modes_ok() {
	local f bad=""
	for f in "$OUT"/keys/*.key "$OUT"/*/*.conf; do
		[ "$(stat -c %a "$f")" = 600 ] || bad+=" $f"
	done
	[ "$(stat -c %a "$OUT/keys")" = 700 ] || bad+=" keys/"
	[ -z "$bad" ] || log "not 0600/0700:$bad"
	[ -z "$bad" ]
}
check mesh_private_files_0600 modes_ok
# No private key in what the command printed.
no_key_printed() {
	local f
	for f in "$OUT"/keys/*.key; do
		! grep -qF "$(cat "$f")" "$TMP/gen1.out" || return 1
	done
}
check mesh_no_key_printed no_key_printed
# Public keys are what wg derives from the private ones.
pubs_match() {
	local n
	for n in "${NODES[@]}"; do
		[ "$(wg pubkey < "$OUT/keys/$n.key")" = "$(cat "$OUT/keys/$n.pub")" ] || return 1
	done
}
check mesh_pubkeys_match_wg pubs_match
# wg-quick strip keeps what wg setconf takes (wg-quick up below runs
# setconf on it for every interface).
strip_ok() {
	local f out
	for f in "$OUT"/*/*.conf; do
		out=$(wg-quick strip "$f") || return 1
		grep -q '^PrivateKey' <<< "$out" && ! grep -qE '^(Address|Table)' <<< "$out" ||
			{ log "$f: strip gave: $out"; return 1; }
	done
}
check mesh_wg_quick_strip strip_ok

# A re-run with the same topology keeps keys and writes nothing.
sums() { (cd "$OUT" && find . -type f -printf '%p %T@ ' -exec md5sum {} \; | sort); }
before=$(sums)
"$WF" mesh generate -t "$TMP/lab.yaml" -o "$OUT" > "$TMP/gen2.out" 2>&1
check mesh_rerun_changes_nothing test "$(sums)" = "$before"
check mesh_rerun_says_so grep -q ' 0 files written, 22 unchanged, 0 removed; keys: 0 new, 4 kept' "$TMP/gen2.out"

# Taking out the pair [alice, pub] rewrites alice's and pub's wirefisher
# configs and host scripts, removes their two tunnels, and nothing else.
# (The same file name: it is in every file's first line.)
cp -a "$OUT" "$TMP/out2"
mkdir "$TMP/edit"
grep -v '^  - \[alice, pub\]$' "$TMP/lab.yaml" > "$TMP/edit/lab.yaml"
"$WF" mesh generate -t "$TMP/edit/lab.yaml" -o "$TMP/out2" > "$TMP/gen3.out" 2>&1
changed=$(grep -E '^(wrote|removed|new key)' "$TMP/gen3.out" | sed "s|$TMP/out2/||" | sort | tr '\n' ' ')
want="removed   alice/alice-pub.conf removed   pub/pub-alice.conf wrote     alice/host.sh wrote     alice/wirefisher.yaml wrote     pub/host.sh wrote     pub/wirefisher.yaml "
check mesh_edit_rewrites_only_what_changed test "$changed" = "$want"
[ "$changed" = "$want" ] || log "changed: $changed"

# A node taken out: its directory and key are named, and left alone.
cp -a "$OUT" "$TMP/out3"
mkdir "$TMP/edit3"
grep -vw pub "$TMP/lab.yaml" > "$TMP/edit3/lab.yaml"
"$WF" mesh generate -t "$TMP/edit3/lab.yaml" -o "$TMP/out3" > "$TMP/gen4.out" 2>&1
check mesh_old_node_named grep -q "not in the topology any more: $TMP/out3/pub " "$TMP/gen4.out"
check mesh_old_node_left test -f "$TMP/out3/pub/wirefisher.yaml" -a -f "$TMP/out3/keys/pub.key"

# ---- the underlay: NATs, a public bridge --------------------------------

for n in "$NS_INET" "$NS_NATA" "$NS_NATB" "${NSN[@]}"; do
	ip netns add "$n" || { fail mesh_setup "netns $n"; finish; }
	in_ns "$n" ip link set lo up
done
in_ns "$NS_INET" ip link add br0 type bridge
in_ns "$NS_INET" ip link set br0 up
# wan_up NS ADDR: NS on the public bridge with ADDR/24.
wan_up() {
	ip link add wan netns "$1" type veth peer name "p$2" netns "$NS_INET" &&
		in_ns "$NS_INET" ip link set "p$2" master br0 up &&
		in_ns "$1" ip addr add "198.51.100.$2/24" dev wan &&
		in_ns "$1" ip link set wan up
}
# nat_up NS LAPTOP K: LAPTOP behind NS on 192.168.K.0/24, masqueraded,
# its WireGuard ports forwarded to it; NS drops what comes from or goes
# to the addresses in its set "cut" (the direct underlay to the other NAT).
nat_up() {
	local nat=$1 node=$2 k=$3 ports
	ports=$(sed -n 's/^ListenPort = //p' "$OUT/$node"/*.conf | sort -n | paste -sd, -)
	ip link add lan netns "$nat" type veth peer name eth0 netns "${NSN[$node]}" &&
		in_ns "$nat" ip addr add "192.168.$k.1/24" dev lan &&
		in_ns "$nat" ip link set lan up &&
		in_ns "${NSN[$node]}" ip addr add "192.168.$k.2/24" dev eth0 &&
		in_ns "${NSN[$node]}" ip link set eth0 up &&
		in_ns "${NSN[$node]}" ip route add default via "192.168.$k.1" &&
		in_ns "$nat" sysctl -qw net.ipv4.ip_forward=1 &&
		in_ns "$nat" nft -f - <<-EOF
		table ip wfm_nat {
			chain pre {
				type nat hook prerouting priority dstnat; policy accept;
				iifname "wan" udp dport { $ports } dnat to 192.168.$k.2
			}
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "wan" masquerade
			}
		}
		table ip wfm_cut {
			set cut { type ipv4_addr; }
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr @cut drop
				ip daddr @cut drop
			}
		}
		EOF
}
wan_up "$NS_NATA" 1 && wan_up "$NS_NATB" 2 && wan_up "${NSN[pub]}" 3 &&
	wan_up "${NSN[relay]}" 4 && nat_up "$NS_NATA" alice 1 && nat_up "$NS_NATB" bob 2 ||
	{ fail mesh_setup "cannot build the underlay"; finish; }

# ---- the mesh, from the generated files only ----------------------------

# wg-quick falls back to a userspace WireGuard when the kernel has none;
# this one starts wireguard-go in the foreground and records its pid, so
# that cleanup stops exactly the processes this test started.
cat > "$TMP/wg-userspace" <<EOF
#!/bin/sh
wireguard-go -f "\$1" > "$TMP/wg-\$1.log" 2>&1 &
echo "\$1 \$!" >> "$WGPIDS"
i=0
while [ \$i -lt 50 ]; do
	[ -S "/var/run/wireguard/\$1.sock" ] && exit 0
	sleep 0.1
	i=\$((i + 1))
done
exit 1
EOF
chmod 0755 "$TMP/wg-userspace"

# wireguard-go's sockets are per name, host-wide: a live one of the same
# name is another run of this lab.
for f in "$OUT"/*/*.conf; do
	ifc=$(basename "$f" .conf)
	[ -S "/var/run/wireguard/$ifc.sock" ] || continue
	if wg show "$ifc" > /dev/null 2>&1; then
		fail mesh_setup "/var/run/wireguard/$ifc.sock is live: another mesh lab runs"
		finish
	fi
	rm -f "/var/run/wireguard/$ifc.sock"
done

up_node() {
	local n=$1 f
	for f in "$OUT/$n"/*.conf; do
		in_ns "${NSN[$n]}" env WG_QUICK_USERSPACE_IMPLEMENTATION="$TMP/wg-userspace" \
			wg-quick up "$f" >> "$TMP/wg-quick-$n.log" 2>&1 ||
			{ log "wg-quick up $f:"; sed 's/^/    /' "$TMP/wg-quick-$n.log" >&2; return 1; }
	done
	in_ns "${NSN[$n]}" sh "$OUT/$n/host.sh" > "$TMP/host-$n.log" 2>&1 ||
		{ log "host.sh of $n:"; sed 's/^/    /' "$TMP/host-$n.log" >&2; return 1; }
}
for n in "${NODES[@]}"; do
	check "mesh_up_$n" up_node "$n"
	SADDR[$n]=$(sed -n 's|^ip addr replace \(.*\)/32 dev lo$|\1|p' "$OUT/$n/host.sh")
done

# wirefisher check: the config, then this host (devices, probe targets
# routed through their own path's device, anchor routes) as the daemon would.
wf_check() {
	in_ns "${NSN[$1]}" "$WF" check -c "$OUT/$1/wirefisher.yaml" > "$TMP/check-$1.log" 2>&1 ||
		{ sed 's/^/    /' "$TMP/check-$1.log" >&2; return 1; }
}
for n in "${NODES[@]}"; do check "mesh_wirefisher_check_$n" wf_check "$n"; done
for n in "${NODES[@]}"; do
	wf_launch "nsenter --net=/run/netns/${NSN[$n]}" "$OUT/$n/wirefisher.yaml" \
		"$TMP/wf-$n.log" "$MESH_PIN-$n"
	rc=$?
	WFPID[$n]=$LAUNCHED
	check "mesh_daemon_$n" test $rc -eq 0
done

# Every ordered pair, steering address to steering address; the first
# pings also make the handshakes. Bounded: 15 s for all.
pings_all() {
	local a b end=$((SECONDS + 15 * S)) bad=""
	for a in "${NODES[@]}"; do
		for b in "${NODES[@]}"; do
			[ "$a" = "$b" ] && continue
			until in_ns "${NSN[$a]}" ping -c1 -W1 -I "${SADDR[$a]}" "${SADDR[$b]}" > /dev/null 2>&1; do
				[ $SECONDS -lt $end ] || { bad+=" $a->$b"; break; }
				sleep 0.2
			done
		done
	done
	[ -z "$bad" ] || log "no answer:$bad"
	[ -z "$bad" ]
}
check mesh_every_pair_pings pings_all

# via NODE DST [TENTHS]: until NODE's route to DST's address uses the path
# named; bounded.
route_of() {
	in_ns "${NSN[$1]}" "$WF" paths --json --pin-dir "$MESH_PIN-$1" 2>/dev/null |
		python3 -c 'import json,sys
d = json.load(sys.stdin)
print([r["via"] for r in d["routes"] if r["to"].split("/")[0] == sys.argv[1]][0])' \
			"${SADDR[$2]}" 2>/dev/null
}
wait_route() {
	local i
	for ((i = 0; i < ${4:-50} * S; i++)); do
		[ "$(route_of "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	log "$1's route to $2 is via $(route_of "$1" "$2"), want $3"
	return 1
}
check mesh_alice_to_bob_direct wait_route alice bob alice-bob 100
check mesh_bob_to_alice_direct wait_route bob alice bob-alice 100

tx() { in_ns "${NSN[alice]}" wg show "$1" transfer | awk '{ s += $3 } END { print s + 0 }'; }

# stream SECS [SPORT]: 1000 datagrams/s of 200 bytes from alice to bob's
# steering address; stream_wait sets $line to the receiver's summary.
stream() {
	in_ns "${NSN[bob]}" "$UDP" recv "${SADDR[bob]}" 9400 $(($1 * 1000)) $((1500 * TS)) > "$TMP/recv" &
	RECV=$!
	udp_bound "in_ns ${NSN[bob]}" 9400 $RECV
	in_ns "${NSN[alice]}" "$UDP" send "${SADDR[bob]}" 9400 $(($1 * 1000)) 200 1000 "${2:-9401}" \
		"${SADDR[alice]}" > /dev/null &
	SEND=$!
}
stream_wait() { wait "$SEND"; wait "$RECV"; line=$(tail -n 1 "$TMP/recv"); }

# (1) the stream goes direct: 200 kB through alice-bob, next to nothing
# (probes, keepalives) through the relay.
d0=$(tx alice-bob)
r0=$(tx alice-relay)
stream 1
stream_wait
dd=$(($(tx alice-bob) - d0))
dr=$(($(tx alice-relay) - r0))
log "1 s stream: ${dd} B through alice-bob, ${dr} B through alice-relay ($line)"
check mesh_stream_direct test "$dd" -ge 200000 -a "$dr" -lt 50000

# (2) cut the NATs' direct underlay (each NAT drops what goes to or comes
# from the other): the stream moves to the relay within the bound.
r0=$(tx alice-relay)
stream 4
sleep 1
in_ns "$NS_NATA" nft add element ip wfm_cut cut '{ 198.51.100.2 }'
in_ns "$NS_NATB" nft add element ip wfm_cut cut '{ 198.51.100.1 }'
stream_wait
gap=$(kv max_gap_ms "$line")
bound=$(( ((2 * K + 1) * INTERVAL_MS / 2 + 5) * S ))
log "failover: longest silence ${gap} ms (bound ${bound} ms; $line)"
echo "FIGURE mesh_failover_ms=$gap bound_ms=$bound"
check mesh_failover_within_bound python3 -c "import sys; sys.exit(not 0 < ${gap:-0} <= $bound)"
# After the cut the relay carried the rest: about 3 s of 272-byte
# datagrams; a fifth of that is the least it may be.
check mesh_stream_on_relay test $(($(tx alice-relay) - r0)) -ge 160000
check mesh_alice_to_bob_relay wait_route alice bob alice-relay 10
check mesh_bob_to_alice_relay wait_route bob alice bob-relay 30
ping_ab() { in_ns "${NSN[alice]}" ping -c 3 -i 0.2 -W 1 -I "${SADDR[alice]}" "${SADDR[bob]}" > /dev/null; }
check mesh_ping_through_relay ping_ab

# (3) heal: back on the direct path after m answers and the hold.
t0=$(date +%s%N)
in_ns "$NS_NATA" nft delete element ip wfm_cut cut '{ 198.51.100.2 }'
in_ns "$NS_NATB" nft delete element ip wfm_cut cut '{ 198.51.100.1 }'
if wait_route alice bob alice-bob 250; then
	back_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	log "alice's route to bob back on alice-bob ${back_ms} ms after the heal"
	echo "FIGURE mesh_back_ms=$back_ms hold_ms=$HOLD_MS"
	check mesh_back_after_m_and_hold test "$back_ms" -ge $(( (M - 1) * INTERVAL_MS + HOLD_MS ))
else
	fail mesh_back_after_m_and_hold "the route never came back to alice-bob"
fi
# A new flow goes direct again. (The flow that moved stays on the relay
# while the relay is usable: moving a running flow back would reorder it.)
d0=$(tx alice-bob)
stream 1 9402
stream_wait
check mesh_new_stream_direct_again test $(($(tx alice-bob) - d0)) -ge 200000
check mesh_daemons_alive kill -0 "${WFPID[@]}"
finish
