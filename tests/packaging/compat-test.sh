#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compat.h: every wrapper used once (compat_use.c) builds with W=1 and no
# warning against each kernel given (default: the 7.x and 6.12 test kernels
# and Debian 12's 6.1 and 6.12 headers), with the flags scripts/conftest.sh
# probes. Prints TAP. (Debian unstable's 7.x headers want gcc 16: the build
# matrix covers them in the unstable chroot.)
#   tests/packaging/compat-test.sh [NAME=KDIR ...]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
[ $# -gt 0 ] || set -- "test-7=$(kernel_kdir test-7)" "test-6.12=$(kernel_kdir test-6.12)" \
	"stock-6.1=$(kernel_kdir stock-6.1)" "stock-6.12=$(kernel_kdir stock-6.12)"
echo "TAP version 13"
echo "1..$#"
n=0 fails=0
for arg in "$@"; do
	name=${arg%%=*} kdir=${arg#*=}
	n=$((n + 1))
	out=$(mktemp -d /tmp/cma_buf-compat.XXXXXX)
	mkdir -p "$out/scripts"
	cp "$TOP/compat.h" "$HERE/compat_use.c" "$out/"
	cp "$TOP/scripts/conftest.sh" "$out/scripts/"
	cat >"$out/Kbuild" <<'K'
ccflags-y += $(shell $(src)/scripts/conftest.sh $(srctree) $(objtree))
obj-m += compat_use.o
K
	if make -s -C "$kdir" M="$out" W=1 modules >"$out/log" 2>&1 && ! grep -qiE 'warning|error' "$out/log"; then
		echo "ok $n compat.h wrappers build with W=1 and no warning against the $name kernel"
	else
		sed 's/^/# /' "$out/log" | head -n 30
		echo "not ok $n compat.h wrappers build with W=1 and no warning against the $name kernel"
		fails=$((fails + 1))
	fi
	rm -rf "$out"
done
[ "$fails" = 0 ]
