#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compat.h: every wrapper used once (compat_use.c) builds with W=1 and no
# warning against each kernel given (default: the test kernel and Debian's
# stock headers), with the flags scripts/conftest.sh probes. Prints TAP.
#   tests/packaging/compat-test.sh [NAME=KDIR ...]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
[ $# -gt 0 ] || set -- "test=$(kernel_kdir test)" "stock=$(kernel_kdir stock)"
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
