#!/bin/sh
# Install the Debian 12 packages the build, tests and VM need, if missing.
# Extra package names may be given as arguments; --arch arm64 (first) adds
# the cross compiler, libsysfs for arm64 (static tools), qemu-system-aarch64,
# dtc and the arm64 busybox.
set -eu
arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=$2
	shift 2
fi
case "$arch" in
x86_64) ;;
arm64) set -- gcc-aarch64-linux-gnu libc6-dev-arm64-cross libsysfs-dev:arm64 qemu-system-arm \
	device-tree-compiler "$@" ;;
*) echo "deps.sh: unknown arch '$arch'" >&2; exit 2 ;;
esac
fetch() { [ "$arch" != arm64 ] || "$(dirname "$0")/fetch-arm64.sh" >/dev/null; }
pkgs="gcc make linux-source-6.1 linux-source-6.12 linux-headers-amd64 linux-image-amd64 busybox-static
libsysfs-dev sparse bc flex bison libelf-dev libssl-dev cpio xz-utils kmod
qemu-system-x86 python3 python3-numpy e2fsprogs dkms debootstrap dwarves $*"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	fetch
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if [ "$arch" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
fi
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
fetch
