#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The DKMS cycle with Debian's dkms package against the stock kernel headers
# (linux-headers-amd64): make dkms-source, dkms add, build, install, modinfo,
# dkms remove. Prints TAP. Run as root; installs dkms if it is missing
# (that package stays), and leaves no trace of cma_buf: /usr/src/cma_buf-*,
# /var/lib/dkms/cma_buf and the installed module are removed even on failure,
# and so is a MOK signing key dkms made for this run.
#
#   tests/packaging/dkms-test.sh [KERNEL_RELEASE]   (default: the stock kernel)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
KREL=${1:-$(stock_release)}
VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
MOD=cma_buf/$VERSION
n=0 fails=0
tap() { # tap OK|FAIL NAME
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}
note() { sed 's/^/# /' "$@"; }
bail() { echo "Bail out! $*"; exit 1; }

echo "TAP version 13"
echo "1..8"
[ "$(id -u)" = 0 ] || bail "dkms-test.sh needs root"
[ -n "$VERSION" ] || bail "no PACKAGE_VERSION in dkms.conf"
mkdir -p "$BUILD"
exec 9>"$BUILD/.lock-dkms"
flock 9
work=$(mktemp -d /tmp/cma_buf-dkms.XXXXXX)

if ! command -v dkms >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends dkms >"$work/apt.log" 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends dkms; } \
			>>"$work/apt.log" 2>&1 || { note "$work/apt.log"; bail "cannot install dkms"; }
fi
# Somebody's real installation is not ours to remove.
if [ -e /var/lib/dkms/cma_buf ] || compgen -G "/usr/src/cma_buf-*" >/dev/null; then
	bail "cma_buf is already in dkms or /usr/src on this machine; not touching it"
fi
keys_before=$(ls /var/lib/dkms/mok.* 2>/dev/null)
cleanup() {
	dkms remove "$MOD" --all >/dev/null 2>&1
	rm -rf /var/lib/dkms/cma_buf /usr/src/cma_buf-"$VERSION"
	rm -f /lib/modules/"$KREL"/updates/dkms/cma-buf.ko*
	# dkms 3 makes a MOK key pair to sign with when there is none.
	[ -n "$keys_before" ] || rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	rm -rf "$work"
}
trap cleanup EXIT

run() { # run NAME COMMAND...: one TAP line, the output as comments on failure
	local name=$1
	shift
	if "$@" >"$work/out" 2>&1; then
		tap OK "$name"
	else
		note "$work/out" | tail -n 40
		tap FAIL "$name"
	fi
}

run "make dkms-source copies the source to /usr/src/cma_buf-$VERSION" \
	make -s -C "$TOP" dkms-source
run "dkms add $MOD" dkms add "$MOD"
run "dkms build $MOD -k $KREL" dkms build "$MOD" -k "$KREL"
# dkms 3 keeps the log per kernel; 2.x left it in the build folder.
log=$(ls /var/lib/dkms/cma_buf/"$VERSION"/"$KREL"/*/log/make.log \
	/var/lib/dkms/cma_buf/"$VERSION"/build/make.log 2>/dev/null | head -n 1)
: >"$work/warn"
if [ -n "$log" ] && ! grep -iE 'warning:|error:' "$log" >"$work/warn"; then
	tap OK "dkms build log has no compiler warning"
else
	note "$work/warn" | head -n 20
	tap FAIL "dkms build log has no compiler warning"
fi
run "dkms install $MOD -k $KREL" dkms install "$MOD" -k "$KREL"
: >"$work/modinfo"
ko=$(ls /lib/modules/"$KREL"/updates/dkms/cma-buf.ko* 2>/dev/null | head -n 1)
if [ -n "$ko" ] && modinfo -k "$KREL" cma_buf >"$work/modinfo" 2>&1 &&
	grep -q "^filename: *$ko\$" "$work/modinfo" && grep -q "^vermagic: *$KREL " "$work/modinfo" &&
	dkms status "$MOD" -k "$KREL" | grep -q installed; then
	tap OK "module in /lib/modules/$KREL/updates/dkms, modinfo cma_buf finds it, dkms status installed"
else
	note "$work/modinfo"
	tap FAIL "module in /lib/modules/$KREL/updates/dkms, modinfo cma_buf finds it, dkms status installed"
fi
run "dkms remove $MOD --all" dkms remove "$MOD" --all
rm -rf /usr/src/cma_buf-"$VERSION"
if [ ! -e /var/lib/dkms/cma_buf ] && ! compgen -G "/usr/src/cma_buf-*" >/dev/null &&
	! compgen -G "/lib/modules/$KREL/updates/dkms/cma-buf.ko*" >/dev/null &&
	! modinfo -k "$KREL" cma_buf >/dev/null 2>&1; then
	tap OK "nothing of cma_buf left in /usr/src, /var/lib/dkms or /lib/modules/$KREL"
else
	tap FAIL "nothing of cma_buf left in /usr/src, /var/lib/dkms or /lib/modules/$KREL"
fi
[ "$fails" = 0 ]
