#!/bin/bash
# make demo: build what is missing, boot the test VM and walk through the
# used-by path with commentary. Exits 0 only if every step held.
set -euo pipefail
. "$(dirname "$0")/env.sh"
echo "demo: checking dependencies and building (the first run builds a kernel: minutes)"
"$TOP/scripts/deps.sh"
image=$(kernel_image test)
ko=$(module_for test)
tests=$(build_tests x86_64)
make -s -C "$TOP/tools" vm-test OUT="$BUILD/cmabuf-vm" >&2
echo "demo: booting the test kernel under QEMU"
"$TOP/tests/vm/run.sh" --kernel "$image" --module "$ko" --tests "$tests" --name demo \
	--extra "$BUILD/cmabuf-vm" --timeout 600 --cmd "demo-guest.sh"
