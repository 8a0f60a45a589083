#!/bin/bash
# Build (or find in the cache) a kernel for the cma_buf tests.
#
#   tests/kernel/build.sh [ARCH [PROFILE [KVER]]]
#
# ARCH: x86_64 | arm64, PROFILE: test | bench, KVER: 7 (default, the newest
# linux-source-7.* in Debian unstable), 7.N (that series), 6.12 or 6.1 (Debian
# 12's linux-source-6.12 and linux-source-6.1). patches/KVER/ holds what a
# series needs on top (the 7.1 CMA exports, backported to 6.1 and 6.12).
#
# Prints the kernel build directory (usable as KDIR, holds the kernel image and
# Module.symvers) as the last line of stdout. The build lives outside the work tree,
# in ${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf, keyed by a hash of everything that goes
# into it: the source tarball, config fragments, patches and this script.
set -euo pipefail

ARCH=${1:-x86_64}
PROFILE=${2:-test}
KVER=${3:-${KVER:-7}}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf
JOBS=${JOBS:-$(($(nproc) + 1))}

# ABSENT: shared options the architecture or series has no Kconfig symbol
# for (arm64 boots an uncompressed Image), not checked below.
ABSENT=
case "$ARCH" in
x86_64) KARCH=x86_64; CROSS=; IMAGE=arch/x86/boot/bzImage ;;
arm64) KARCH=arm64; CROSS=aarch64-linux-gnu-; IMAGE=arch/arm64/boot/Image; ABSENT="CONFIG_KERNEL_GZIP" ;;
*) echo "build.sh: unknown ARCH '$ARCH'" >&2; exit 2 ;;
esac
# Per-node CMA areas have their 6.7 name; 6.1 calls them DMA_PERNUMA_CMA.
[ "$KVER" != 6.1 ] || ABSENT="$ABSENT CONFIG_DMA_NUMA_CMA"
case "$PROFILE" in
test) FRAGMENTS="base.config $ARCH.config debug.config" ;;
bench) FRAGMENTS="base.config $ARCH.config bench.config" ;;
*) echo "build.sh: unknown PROFILE '$PROFILE'" >&2; exit 2 ;;
esac

# The source tarball and its package version, which identifies it.
case "$KVER" in
6.1 | 6.12)
	pkg=linux-source-$KVER
	TARBALL=/usr/src/$pkg.tar.xz
	srcid=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
		{ echo "build.sh: $pkg missing (apt-get install $pkg)" >&2; exit 1; }
	;;
7 | 7.*)
	# Unstable moves: the newest source of the series it lists today.
	re='^linux-source-7\.[0-9]+$'
	[ "$KVER" = 7 ] || re="^linux-source-${KVER//./\\.}\$"
	pkg=$("$HERE/debian.sh" newest sid "$re")
	[ -n "$pkg" ] || { echo "build.sh: no package matching $re in Debian unstable" >&2; exit 1; }
	srcid=$("$HERE/debian.sh" version sid "$pkg")
	TARBALL=$("$HERE/debian.sh" unpack sid "$pkg")/usr/src/$pkg.tar.xz
	KVER=${pkg#linux-source-}
	;;
*) echo "build.sh: unknown KVER '$KVER' (7, 7.N, 6.12 or 6.1)" >&2; exit 2 ;;
esac
[ -r "$TARBALL" ] || { echo "build.sh: $TARBALL missing" >&2; exit 1; }
PATCHES=$(cd "$HERE" && for p in patches/"$KVER"/*.patch; do [ ! -f "$p" ] || echo "$p"; done)

srckey=$( { echo "$pkg $srcid"; (cd "$HERE" && cat /dev/null $PATCHES); } | sha256sum | cut -c1-16)
# The configuration records the pahole version, and kbuild warns on every
# module build when it differs: a new pahole is a new kernel.
pahole=$(pahole --version 2>/dev/null || echo none)
key=$( { echo "$srckey $ARCH $PROFILE $pahole"; (cd "$HERE" && cat $FRAGMENTS build.sh); } |
	sha256sum | cut -c1-16)
SRC=$CACHE/src-$srckey
OUT=$CACHE/linux-$KVER-$ARCH-$PROFILE-$key

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-$KVER-$ARCH-$PROFILE"
flock 9

if [ -f "$OUT/.done" ]; then
	echo "$OUT"
	exit 0
fi

log() { echo "build.sh: $*" >&2; }

if [ ! -f "$SRC/.done" ]; then
	log "unpacking $TARBALL into $SRC"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -C "$SRC.tmp" --strip-components=1 -xf "$TARBALL"
	for p in $PATCHES; do
		log "applying $p"
		patch -d "$SRC.tmp" -p1 -s <"$HERE/$p"
	done
	touch "$SRC.tmp/.done"
	mv "$SRC.tmp" "$SRC"
fi

log "configuring the $KVER $ARCH/$PROFILE kernel ($pkg $srcid) in $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
kmake() { make -s -C "$SRC" O="$OUT" ARCH="$KARCH" CROSS_COMPILE="$CROSS" "$@"; }
kmake tinyconfig >&2
(cd "$HERE" && cat $FRAGMENTS) >"$OUT/fragment.config"
KCONFIG_CONFIG="$OUT/.config" "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OUT" \
	"$OUT/.config" "$OUT/fragment.config" >&2
kmake olddefconfig >&2

# Every option asked for must have survived dependency resolution.
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF "$want" "$OUT/.config"; then
		opt=${want#\# }
		opt=${opt%%[= ]*}
		case " $ABSENT " in *" $opt "*) continue ;; esac
		if [[ "$want" == "# "* ]] && ! grep -q "^$opt=" "$OUT/.config"; then
			continue
		fi
		log "config: wanted '$want', got '$(grep "^$opt=\|^# $opt " "$OUT/.config" || echo absent)'"
		missing=1
	fi
done <"$OUT/fragment.config"
[ "$missing" = 0 ] || { log "config fragment not satisfied"; exit 1; }

log "building (make -j$JOBS); this takes minutes the first time"
start=$(date +%s)
kmake -j"$JOBS" all >&2
[ -f "$OUT/$IMAGE" ] && [ -f "$OUT/Module.symvers" ] || { log "no $IMAGE or Module.symvers"; exit 1; }
ln -sf "$IMAGE" "$OUT/kernel-image"
echo $(($(date +%s) - start)) >"$OUT/.build-seconds"
log "built in $(cat "$OUT/.build-seconds") s"
touch "$OUT/.done"
echo "$OUT"
