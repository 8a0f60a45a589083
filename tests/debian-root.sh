#!/bin/bash
# A Debian 12 root for the guest, so programs users already have (python3
# with numpy, fio) run against the module: debootstrap'ed once, packed into an
# ext4 image with mkfs.ext4 -d (no loop mount, no root needed for that step),
# cached outside the tree and keyed by the package list and this script.
# The VM gets the image as a virtio disk in snapshot mode: the guest may write
# to it (fio's files), the cached image never changes.
#
#   tests/debian-root.sh [ARCH]    print the image's path (built if missing)
#
# Only x86_64 for now: an arm64 root needs debootstrap's second stage run
# under emulation (qemu-user, or inside the arm64 guest).
set -euo pipefail

ARCH=${1:-x86_64}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf
log() { echo "debian-root.sh: $*" >&2; }

case "$ARCH" in
x86_64) DARCH=amd64 ;;
*) log "ARCH=$ARCH: only x86_64 has a Debian root"; exit 2 ;;
esac

# What the guest tests run: python3 and numpy (the cmabuf package), fio, and
# libsysfs2 under libcmabuf.so. Installed at VM start, not baked in: the
# module's own tools (tests/vm/init copies them from /extra/root).
PKGS="python3 python3-numpy fio libsysfs2"
key=$( { echo "$DARCH $PKGS"; cat "$0"; } | sha256sum | cut -c1-16)
image=$CACHE/debian-root-$DARCH-$key.ext4
mkdir -p "$CACHE"
exec 7>"$CACHE/.lock-debian-root"
flock 7
if [ ! -f "$image" ]; then
	command -v debootstrap >/dev/null || { log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
	mirror=$("$HERE/kernel/debian.sh" mirror)
	[ -n "$mirror" ] || { log "no Debian archive in the system's apt sources"; exit 1; }
	tmp=$CACHE/debian-root-$DARCH.tmp
	rm -rf "$tmp" "$image.tmp"
	start=$(date +%s)
	log "debootstrap of bookworm ($PKGS) into $tmp"
	debootstrap --variant=minbase --arch="$DARCH" --include="${PKGS// /,}" bookworm "$tmp" \
		"$mirror" >"$CACHE/debian-root.log" 2>&1 ||
		{ tail -n 20 "$CACHE/debian-root.log" >&2; exit 1; }
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages
	# Mount points of what the guest's init binds in.
	mkdir -p "$tmp/tests" "$tmp/extra"
	# Room for the files the tests write (fio's, at most 256 MiB).
	mb=$(($(du -sm "$tmp" | cut -f1) * 5 / 4 + 320))
	mkfs.ext4 -q -F -L cma_buf-root -d "$tmp" "$image.tmp" "${mb}M" >>"$CACHE/debian-root.log" 2>&1 ||
		{ tail -n 20 "$CACHE/debian-root.log" >&2; exit 1; }
	log "root: $(du -sm "$tmp" | cut -f1) MiB of files, image ${mb} MiB, $(($(date +%s) - start)) s"
	rm -rf "$tmp"
	mv "$image.tmp" "$image"
fi
flock -u 7
echo "$image"
