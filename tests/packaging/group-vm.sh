#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build what tests/packaging/group-test.sh needs into one folder and run it in
# the test VM: make vm-run EXTRA=<folder> CMD=/extra/group-test.sh. TAP on
# stdout; the exit status is the VM's (non-zero on a failed check).
#   tests/packaging/group-vm.sh [KERNEL=test|stock in the environment]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"
out=$BUILD/packaging-vm
rm -rf "$out"
mkdir -p "$out"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/runas" "$HERE/runas.c"
gcc -static -O2 -Wall -Wextra -Werror -o "$out/access-probe" "$HERE/access-probe.c"
cp "$HERE/group-test.sh" "$TOP/udev/cma_buf-group.sh" "$out/"
sed -e 's|@UDEVHELPER@|/usr/lib/udev/cma_buf-group.sh|' -e 's|@SYSUSERSDIR@|/usr/lib/sysusers.d|' \
	"$TOP/udev/70-cma_buf.rules.in" >"$out/70-cma_buf.rules"
exec make -s -C "$TOP" vm-run EXTRA="$out" CMD=/extra/group-test.sh VM_NAME="packaging-group-$$"
