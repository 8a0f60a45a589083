#!/bin/sh
# Fetch Debian's static arm64 busybox for the arm64 test VM, once: through
# apt (dpkg --add-architecture arm64, apt-get download), unpacked with
# dpkg-deb. Prints the path of the binary.
#   fetch-arm64.sh [DEST]      default DEST: build/arm64/busybox
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$top/build/arm64/busybox}
if [ -x "$dest" ]; then
	echo "$dest"
	exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" != 0 ]; then
		echo "fetch-arm64.sh: run as root once: dpkg --add-architecture arm64 && apt-get update" >&2
		exit 1
	fi
	dpkg --add-architecture arm64
	apt-get update -qq >&2
fi
tmp=$(mktemp -d)
chmod 755 "$tmp" # apt downloads as _apt
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download -qq busybox-static:arm64 >&2); then
	[ "$(id -u)" = 0 ] && apt-get update -qq >&2
	(cd "$tmp" && apt-get download -qq busybox-static:arm64 >&2)
fi
dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"
mkdir -p "$(dirname "$dest")"
cp "$tmp/x/bin/busybox" "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "$dest"
