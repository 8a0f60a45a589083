#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a DESTDIR, against Debian's stock kernel
# headers: the installed files (type, mode, path) must be exactly those in
# tests/packaging/install-files.txt, and uninstall must leave no file behind.
# Prints TAP. Works on a copy of the tree, so it never builds in the checkout.
#
#   tests/packaging/install-test.sh [KDIR]     (default: the stock headers)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
KDIR=${1:-$(kernel_kdir stock-6.1)}
EXPECTED=$HERE/install-files.txt
PREFIX=/usr/local

work=$(mktemp -d /tmp/cma_buf-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/src dest=$work/dest
mkdir -p "$src" "$dest"
n=0 fails=0
tap() { # tap OK|FAIL NAME
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}
# Type, mode and path of everything but directories, sorted.
listing() { (cd "$1" && find . ! -type d -printf '%M %p\n' | sed 's| \./| /|' | LC_ALL=C sort -k2); }

echo "TAP version 13"
echo "1..5"
tar -C "$TOP" --exclude=./build --exclude=./.git --exclude=./tools/build -cf - . | tar -C "$src" -xf -
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h")
libver=$(sed -n 's/^#define CMABUF_VERSION[^"]*"\(.*\)"/\1/p' "$src/tools/cmabuf.h")

if make -C "$src" install KDIR="$KDIR" DESTDIR="$dest" PREFIX="$PREFIX" >"$work/install.log" 2>&1; then
	tap OK "make install DESTDIR=... against $krel"
else
	sed 's/^/# /' "$work/install.log" | tail -n 30
	tap FAIL "make install DESTDIR=... against $krel"
fi

pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
sed -e "s|@KRELEASE@|$krel|g" -e "s|@LIBVERSION@|$libver|g" -e "s|@PYVERSION@|$pyver|g" -e "s|@PREFIX@|$PREFIX|g" \
	"$EXPECTED" | grep -v '^#' | LC_ALL=C sort -k2 >"$work/expected"
listing "$dest" >"$work/actual"
if diff -u "$work/expected" "$work/actual" >"$work/diff"; then
	tap OK "installed files are exactly tests/packaging/install-files.txt"
else
	sed 's/^/# /' "$work/diff"
	tap FAIL "installed files are exactly tests/packaging/install-files.txt"
fi

# The rule calls the helper where it was installed; pkg-config has the prefix.
rules=$dest$PREFIX/lib/udev/rules.d/70-cma_buf.rules
if grep -q "RUN+=\"$PREFIX/lib/udev/cma_buf-group.sh cmabuf\"" "$rules" 2>/dev/null &&
	! grep -q @ "$rules" &&
	grep -qx "prefix=$PREFIX" "$dest$PREFIX/lib/pkgconfig/cmabuf.pc" 2>/dev/null; then
	tap OK "udev rule runs the installed helper; cmabuf.pc has the prefix"
else
	tap FAIL "udev rule runs the installed helper; cmabuf.pc has the prefix"
fi

# What was installed works together: a program built against the staged
# header and library, through pkg-config.
cat >"$work/t.c" <<'C'
#include <cmabuf.h>
#include <linux/cma_buf.h>
int main(void) { return CMA_BUF_IOC_GET_INFO == 0; }
C
if PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest$PREFIX/lib/pkgconfig \
	sh -c 'gcc -Wall -Werror -o "$1/t" "$1/t.c" $(pkg-config --cflags --libs cmabuf)' \
	sh "$work" >"$work/cc.log" 2>&1; then
	tap OK "a program builds against the installed header and library (pkg-config)"
else
	sed 's/^/# /' "$work/cc.log"
	tap FAIL "a program builds against the installed header and library (pkg-config)"
fi

if make -C "$src" uninstall KDIR="$KDIR" DESTDIR="$dest" PREFIX="$PREFIX" >"$work/uninstall.log" 2>&1 &&
	[ -z "$(listing "$dest")" ]; then
	tap OK "make uninstall DESTDIR=... leaves no file behind"
else
	sed 's/^/# /' "$work/uninstall.log" | tail -n 20
	listing "$dest" | sed 's/^/# left: /'
	tap FAIL "make uninstall DESTDIR=... leaves no file behind"
fi
[ "$fails" = 0 ]
