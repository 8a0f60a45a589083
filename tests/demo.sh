#!/bin/bash
# make demo [ARCH=arm64]: build what is missing, boot the test VM and walk
# through the used-by path with commentary. Exits 0 only if every step held.
set -euo pipefail
. "$(dirname "$0")/env.sh"
ARCH=${ARCH:-x86_64}
cc=gcc
[ "$ARCH" = arm64 ] && cc=aarch64-linux-gnu-gcc
echo "demo: checking dependencies and building (the first run builds a kernel: minutes)"
"$TOP/scripts/deps.sh" --arch "$ARCH"
image=$(kernel_image test "$ARCH")
ko=$(module_for test "$ARCH")
tests=$(build_tests "$ARCH")
make -s -C "$TOP/tools" vm-test OUT="$BUILD/cmabuf-vm-$ARCH" CC="$cc" >&2
echo "demo: booting the $ARCH test kernel under QEMU"
# QEMU's edu PCI device, which does real bus-master DMA (x86-64 only).
devices=()
[ "$ARCH" != x86_64 ] || devices=(--device edu,dma_mask=0xffffffffffffffff)
"$TOP/tests/vm/run.sh" --arch "$ARCH" --kernel "$image" --module "$ko" --tests "$tests" "${devices[@]}" \
	--name "demo-$ARCH" --extra "$BUILD/cmabuf-vm-$ARCH" --timeout 600 --cmd "demo-guest.sh"
