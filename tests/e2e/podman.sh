#!/usr/bin/env bash
# A real podman container limited by `match.container` and by
# `match.container_name`: Debian's podman (rootful, no daemon: conmon and
# runc), run by this test with its own storage root, run root and tmp dir
# under a temp dir, the cgroupfs manager under a cgroup parent of its own,
# network none plus a veth this test moves into the container's network
# namespace (the other end in namespace B). The image is `podman import`ed
# from a tarball (no registry is reachable): busybox, iperf3 and wf-udp.
#
# Checked: the rule found by container id (podman's cgroup:
# <parent>/libpod-<id>); UDP from a `podman exec` process at 2x the limit
# is exact and every datagram counted; `podman restart` (a new cgroup at
# the same path) followed and limited again; a rule by container_name (the
# id read from the container's conmon, started with -c ID -n NAME), and a
# container re-created under that name (a new id) followed.
# Skips, with the reason, only when podman is not installed or cannot run
# a container here.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/container.sh"

skip() { echo "SKIP e2e/podman: $*"; exit 0; }
for t in podman conmon runc; do
	command -v $t > /dev/null || skip "$t is not installed (apt-get install podman)"
done

PD=$TMP/pd
CG_PARENT=wf-e2e-pd-$ID
IMG=localhost/wf-e2e-img:$ID
NAME=wf-e2e-p$ID
CID=
# Everything podman keeps, under PD; no events journal (no systemd here).
PODMAN=(podman --root "$PD/root" --runroot "$PD/run" --tmpdir "$PD/tmp"
	--cgroup-manager cgroupfs --events-backend file)
pm() { timeout $((30 * TS)) "${PODMAN[@]}" "$@"; }

# podman_rm: the container gone and nothing of podman's left running or
# mounted under PD (again at exit: idempotent).
podman_rm() {
	local i
	[ -n "$CID" ] && pm rm -f -t 0 "$CID" > /dev/null 2>&1
	CID=
	# A container's conmon runs `podman container cleanup` when it ends,
	# and every podman mounts its storage (root/overlay) afresh: wait for
	# them, bounded, then kill what is left - all name our root - and only
	# then unmount, or a late one mounts it again.
	for ((i = 0; i < 50 * TS; i++)); do
		pgrep -f -- "$PD/" > /dev/null || break
		sleep 0.1
	done
	pkill -KILL -f -- "$PD/" 2>/dev/null
	box_umount "$PD"
}

podman_down() {
	podman_rm
	ip link del "wfc$ID" 2>/dev/null
	box_cgroups_rm "$CG_PARENT"
	cleanup
}

netns_up || { fail podman_setup "cannot build namespaces"; finish; }
trap podman_down EXIT
mkdir -p "$PD/tmp"

box_rootfs "$PD" 2>&1 || { fail podman_image "cannot build the rootfs"; finish; }
check podman_image_imported pm import "$PD/rootfs.tar" "$IMG" > /dev/null

# run_box: a container of the image named $NAME, in its own cgroup under
# CG_PARENT. podman asks for 1048576 open files and 4194304 processes by
# default; without CAP_SYS_RESOURCE (a sandbox's bounding set) runc may not
# raise to them, nor, it turned out, to our own hard limits: ask for 1024.
run_box() {
	CID=$(pm run -d --network none --cgroup-parent "/$CG_PARENT" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--name "$NAME" "$IMG" /bin/sleep 3600)
}
container_net() { box_net "$(pm inspect -f '{{.State.Pid}}' "$CID")"; }

run_box 2> "$TMP/run.err"
if [ -z "$CID" ]; then
	sed 's/^/    /' "$TMP/run.err" >&2
	skip "podman cannot run a container here (its error above)"
fi
check podman_container_net container_net
CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
check podman_cgroup_in_unified [ -d "$CG_MOUNT/$CG_PARENT/libpod-$CID" ]

box_yaml "container: ${CID:0:12}" > "$TMP/wf.yaml"
wf_start "$TMP/wf.yaml" || { fail podman_start "daemon did not start"; finish; }
box_limited podman_exec_udp_exact 9970 pm exec "$CID"
check podman_exec_counted [ "$(rule box 'r["passed"] + r["dropped"]')" = 8000 ]

# A restart: the cgroup goes and comes back at the same path, and the
# network namespace is new.
pm restart -t 1 "$CID" > /dev/null
check podman_restarted [ "$(pm inspect -f '{{.State.Running}}' "$CID")" = true ]
check podman_restart_net container_net
check podman_restart_followed box_followed
box_limited podman_restart_limited_again 9971 pm exec "$CID"
wf_stop
check podman_stop_clean [ ! -e "$PIN" ]

# By name: the id from the container's conmon, then found as above.
box_yaml "container_name: $NAME" > "$TMP/wfn.yaml"
out=$($IN_A "$WF" check -c "$TMP/wfn.yaml" 2>&1)
check podman_name_check_shows_id grep -q "container_name $NAME (id ${CID:0:12}" <<< "$out"
wf_start "$TMP/wfn.yaml" || { fail podman_name_start "daemon did not start"; finish; }
box_limited podman_name_limited 9972 pm exec "$CID"
# The same name on a new container (a new id): followed within seconds.
old=$CID
pm rm -f -t 0 "$CID" > /dev/null
run_box
check podman_name_recreated test -n "$CID" -a "$CID" != "$old"
check podman_name_recreated_net container_net
check podman_name_followed box_followed
box_limited podman_name_recreated_limited 9973 pm exec "$CID"
wf_stop
check podman_name_stop_clean [ ! -e "$PIN" ]
podman_rm
check podman_nothing_left test -z "$(awk -v d="$PD" 'index($2, d) == 1' /proc/mounts)$(pgrep -f -- "$PD/")"
finish
