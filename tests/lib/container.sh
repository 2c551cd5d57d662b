# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# container.sh - what the container-engine tests (docker, podman) share: an
# image from a local rootfs, a veth into the container, UDP sent from it.
# Source it after e2e.sh. NET_C is the container's /24 (test-made).

NET_C=10.251.$NET

# box_rootfs DIR: DIR/rootfs.tar - static busybox, iperf3 and wf-udp with
# the shared libraries ldd names. No image registry is reachable here.
box_rootfs() {
	local root=$1/rootfs lib a
	mkdir -p "$root/bin" "$root/tmp" || return 1
	cp /bin/busybox "$root/bin/" || return 1
	for a in sh sleep cat; do ln -s busybox "$root/bin/$a"; done
	cp /usr/bin/iperf3 "$UDP" "$root/bin/" || return 1
	# ldd's "lib => /path (addr)" and "/path (addr)" lines, not the
	# "/usr/bin/iperf3:" naming each file.
	for lib in $(ldd /usr/bin/iperf3 "$UDP" | awk 'NF == 4 && $3 ~ /^\// { print $3 } NF == 2 && $1 ~ /^\// { print $1 }' | sort -u); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib" || return 1
	done
	tar -C "$root" -cf "$1/rootfs.tar" .
}

# box_net PID: (re)make a veth into the network namespace of PID ($NET_C.1),
# its other end in namespace B ($NET_C.2); wait until B answers a ping.
box_net() {
	local pid=$1 i
	[ -n "$pid" ] && [ "$pid" != 0 ] || return 1
	ip link del "wfc$ID" 2>/dev/null
	ip link add "wfc$ID" type veth peer name "wfcb$ID" || return 1
	ip link set "wfc$ID" netns "$pid" && ip link set "wfcb$ID" netns "$NS_B" || return 1
	# IPv4 only: no router solicitations or MLD reports of its own in the
	# counts (docker turns IPv6 off there, podman does not).
	nsenter -t "$pid" -n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	nsenter -t "$pid" -n ip addr add "$NET_C.1/24" dev "wfc$ID"
	nsenter -t "$pid" -n ip link set "wfc$ID" up
	nsenter -t "$pid" -n ip link set lo up
	$IN_B ip addr add "$NET_C.2/24" dev "wfcb$ID"
	$IN_B ip link set "wfcb$ID" up
	for ((i = 0; i < 10; i++)); do
		nsenter -t "$pid" -n ping -c1 -W1 "$NET_C.2" > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# udp_from_box PORT EXEC...: 2000 x 1000 IP bytes/s for 4 s from wf-udp
# run by EXEC (an exec into the container, e.g. `docker exec ID`); prints
# the received rate in IP bytes/s.
udp_from_box() {
	local port=$1 n=8000 out pid
	shift
	$IN_B "$UDP" recv "$NET_C.2" "$port" $n $((1500 * TS)) > "$TMP/u$port" &
	pid=$!
	udp_bound "$IN_B" "$port"
	"$@" /bin/wf-udp send "$NET_C.2" "$port" $n 972 2000 > /dev/null
	wait $pid
	out=$(tail -1 "$TMP/u$port")
	python3 -c "print(round($(kv rate_payload_Bps "$out") * 1000 / 972))" 2>/dev/null || echo 0
}

# box_cgroups_rm NAME: remove the cgroup directory NAME (and what the engine
# made below it) in every hierarchy - v1 ones too on a hybrid host.
box_cgroups_rm() {
	local m
	for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts); do
		[ -d "$m/$1" ] && find "$m/$1" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}

# box_umount DIR: lazily unmount whatever an engine left mounted below DIR
# (overlays, network namespaces), deepest first.
box_umount() {
	local m
	for m in $(awk -v d="$1" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null
	done
}

# box_yaml MATCH: the daemon's config - one rule "box", 8 Mbit/s, matching
# MATCH (e.g. "container: 0123abcd").
box_yaml() {
	cat <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
http: { enabled: false }
rules:
  - name: box
    match: { $1 }
    rate: 8mbit
YAML
}

# What 4 s of UDP at 2x get through box: 8 Mbit/s, and the default burst
# (1/4 s of the rate, 250 kB) on top.
BOX_WANT=$((1000000 + 250000 / 4))

# box_limited NAME PORT EXEC...: UDP at 2x from EXEC (udp_from_box) within
# 3 % of BOX_WANT (at_limit: in a VM, not above it): check NAME.
box_limited() {
	local name=$1 port=$2 rate
	shift 2
	rate=$(udp_from_box "$port" "$@")
	log "$name: $rate B/s from the container at 2x (want $BOX_WANT); receiver: $(tail -1 "$TMP/u$port")"
	check "$name" at_limit "$rate" $BOX_WANT 3
}

# box_followed: the daemon logged that box's cgroup is there again (after a
# restart or a re-creation), within 5 s (x TS).
box_followed() {
	wait_for $((50 * TS)) grep -q "rules\[0\] (box): cgroup is there again" "$TMP/wf.log"
}
