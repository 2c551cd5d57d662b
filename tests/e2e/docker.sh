#!/usr/bin/env bash
# A real Docker container limited by `match.container`: Debian's docker.io
# (dockerd, containerd, runc), started by this test with its own data root,
# exec root, socket and containerd namespace under a temp dir (no systemd
# here), bridge none, no iptables. No registry is reachable, so the image
# is `docker import`ed from a tarball: static busybox, iperf3 and wf-udp
# with the shared libraries ldd names. The container runs with --network
# none plus a veth this test moves into its network namespace; the other
# end is in namespace B (test-made addresses only).
#
# Checked: the rule found by container id (runc puts the container in the
# unified hierarchy even on a hybrid host: <parent>/docker/<id>); UDP from a
# `docker exec` process at 2x the limit is exact; TCP cubic and bbr from it
# held near the limit without retransmissions; `docker restart` (new
# cgroup, same id) followed by the daemon and limited again; a rule by
# container_name (read from dockerd's state on disk), and a container
# re-created under that name (a new id) followed.
# Skips, with the reason, only when dockerd cannot run here.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/container.sh"

skip() { echo "SKIP e2e/docker: $*"; exit 0; }
for t in dockerd docker runc containerd; do
	command -v $t > /dev/null || skip "$t is not installed (apt-get install docker.io)"
done
CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG_MOUNT" ] || { fail docker_mount "no cgroup2 mount"; finish; }

DK=$TMP/dk
# The containers' cgroups: <mount>/wf-e2e-dk-ID/docker/<id> (cgroupfs driver).
CG_PARENT=wf-e2e-dk-$ID
export DOCKER_HOST=unix://$DK/sock
IMG=wf-e2e-img:$ID
NAME=wf-e2e-c$ID
CID=
DOCKERD_PID=

docker_down() {
	[ -n "$CID" ] && timeout 20 docker rm -f "$CID" > /dev/null 2>&1
	if [ -n "$DOCKERD_PID" ]; then
		kill -TERM "$DOCKERD_PID" 2>/dev/null
		wait_gone "$DOCKERD_PID" 150 || kill -KILL "$DOCKERD_PID" 2>/dev/null
	fi
	# What a killed dockerd may leave: overlay and netns mounts.
	box_umount "$DK"
	ip link del "wfc$ID" 2>/dev/null
	# runc made the parent in every hierarchy (v1 ones too on a hybrid host).
	box_cgroups_rm "$CG_PARENT"
	cleanup
}

netns_up || { fail docker_setup "cannot build namespaces"; finish; }
trap docker_down EXIT
mkdir -p "$DK"

dockerd --data-root "$DK/data" --exec-root "$DK/exec" --pidfile "$DK/pid" \
	-H "unix://$DK/sock" --bridge none --iptables=false --ip6tables=false \
	--ip-forward=false --ip-masq=false --cgroup-parent "/$CG_PARENT/docker" \
	--containerd-namespace "wf-e2e-$ID" \
	--containerd-plugins-namespace "wf-e2e-p$ID" > "$DK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for ((i = 0; i < 100; i++)); do
	docker version > /dev/null 2>&1 && break
	kill -0 "$DOCKERD_PID" 2>/dev/null || break
	sleep 0.2
done
if ! docker version > /dev/null 2>&1; then
	sed 's/^/    /' "$DK/dockerd.log" | tail -5 >&2
	skip "dockerd did not start here (its log above)"
fi

# The image: busybox (static) and two senders with their libraries.
box_rootfs "$DK" || { fail docker_image "cannot build the rootfs"; finish; }
check docker_image_imported docker import "$DK/rootfs.tar" "$IMG" > /dev/null

# container_net: wire the container (again, after a restart).
container_net() { box_net "$(docker inspect -f '{{.State.Pid}}' "$CID")"; }

# NET_ADMIN: choosing cubic needs it where tcp_allowed_congestion_control
# lists only the default (bbr here) and reno.
CID=$(docker run -d --network none --cap-add NET_ADMIN --name "$NAME" "$IMG" \
	/bin/sleep 3600)
check docker_container_runs [ -n "$CID" ]
check docker_container_net container_net
check docker_cgroup_in_unified [ -d "$CG_MOUNT/$CG_PARENT/docker/$CID" ]

box_yaml "container: ${CID:0:12}" > "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail docker_start "daemon did not start"; finish; }
box_limited docker_exec_udp_exact 9960 docker exec "$CID"
# Every datagram the exec'd process sent met the rule, passed or dropped.
check docker_exec_counted [ "$(rule box 'r["passed"] + r["dropped"]')" = 8000 ]

$IN_B iperf3 -s -p 5611 > /dev/null 2>&1 &
BG_PIDS+=($!)
tcp_listening "$IN_B" 5611
for cc in cubic bbr; do
	docker exec "$CID" /bin/iperf3 -c "$NET_C.2" -p 5611 -t 6 -O 2 -C $cc -J \
		> "$TMP/t$cc.json" 2>&1
	read -r ratio retr < <(python3 - "$TMP/t$cc.json" <<'PY' 2>/dev/null || echo "0 -1"
import json, sys
d = json.load(open(sys.argv[1]))
mss = d["start"]["tcp_mss_default"]
e = d["end"]
print("%.4f %d" % (e["sum_received"]["bits_per_second"] * (mss + 52) / mss / 8e6,
                   e["sum_sent"]["retransmits"]))
PY
)
	log "tcp $cc from the container: $ratio of 8 Mbit/s in IP bytes, $retr retransmits"
	[ "$retr" = -1 ] && grep '"error"' "$TMP/t$cc.json" >&2
	check "docker_tcp_${cc}_at_least_95pct" python3 -c "import sys; sys.exit(not $ratio >= 0.95)"
	check "docker_tcp_${cc}_not_above_limit" python3 -c "import sys; sys.exit(not $ratio <= 1.02)"
	check "docker_tcp_${cc}_no_retransmits" [ "$retr" -ge 0 -a "$retr" -le 2 ]
done

# A restart: the cgroup goes and comes back with a new id at the same
# path, the network namespace is new too.
timeout 60 docker restart -t 1 "$CID" > /dev/null
check docker_restarted [ "$(docker inspect -f '{{.State.Running}}' "$CID")" = true ]
check docker_restart_net container_net
check docker_restart_followed box_followed
box_limited docker_restart_limited_again 9961 docker exec "$CID"
wf_stop
check docker_stop_clean [ ! -e "$PIN" ]

# By name: the id read from this dockerd's state on disk (its --data-root,
# from its command line), then found as above.
box_yaml "container_name: $NAME" > "$TMP/wfn.yaml"
out=$($IN_A "$WF" check -c "$TMP/wfn.yaml" 2>&1)
check docker_name_check_shows_id grep -q "container_name $NAME (id ${CID:0:12}" <<< "$out"
wf_start "$TMP/wfn.yaml" || { fail docker_name_start "daemon did not start"; finish; }
box_limited docker_name_limited 9962 docker exec "$CID"
# The same name on a new container (a new id): followed within seconds.
timeout 30 docker rm -f "$CID" > /dev/null
CID=$(docker run -d --network none --cap-add NET_ADMIN --name "$NAME" "$IMG" \
	/bin/sleep 3600)
check docker_name_recreated container_net
check docker_name_followed box_followed
box_limited docker_name_recreated_limited 9963 docker exec "$CID"
wf_stop
check docker_name_stop_clean [ ! -e "$PIN" ]
finish
