#!/bin/sh
# Install the Debian 12 packages the build, tests and VM need, if missing.
# Extra package names may be given as arguments.
set -eu
pkgs="gcc make linux-source-6.1 linux-headers-amd64 linux-image-amd64 busybox-static
libsysfs-dev sparse bc flex bison libelf-dev libssl-dev cpio xz-utils kmod
qemu-system-x86 python3 $*"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
