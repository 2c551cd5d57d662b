#!/bin/sh
# Install the Debian packages wirefisher needs to build, run and test.
# Does nothing (and needs no network) when they are all present.
# Usage: tools/setup.sh [kernels]
set -eu

PKGS="make gcc clang libbpf-dev libelf-dev zlib1g-dev libyaml-dev libmicrohttpd-dev
libsodium-dev pkg-config bpftool iproute2 iputils-ping iperf3 util-linux procps python3
nftables iptables wireguard-go wireguard-tools libclang-rt-dev curl
prometheus clang-format"
# tests/e2e/docker.sh: a real container engine (dockerd, containerd, runc),
# started by the test itself with its own roots.
PKGS="$PKGS docker.io"
# tests/e2e/podman.sh: the other engine, rootful and daemonless (podman,
# conmon; runc comes with docker.io).
PKGS="$PKGS podman"
# The kernel lab (tests/vm/run.sh): qemu, a static busybox, cpio and xz for
# its initramfs, and Debian 12's own kernel, which `make test` boots;
# `setup.sh kernels` (make test-kernels) adds Debian's 6.12. Kernels land
# in /boot and /lib/modules; the lab boots them under qemu only.
PKGS="$PKGS qemu-system-x86 busybox-static cpio xz-utils linux-image-6.1.0-50-amd64"
[ "${1:-}" = kernels ] && PKGS="$PKGS linux-image-6.12.113+deb12-amd64-unsigned"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages:$missing; run as root (sudo make setup)" >&2
	exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
