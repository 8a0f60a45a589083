#!/bin/sh
# Build the module against one kernel tree in a folder of its own, so builds
# against different kernels never share objects.
#   build-module.sh KDIR OUTDIR [make args...]     prints OUTDIR/cma-buf.ko
# CMA_BUF_MAKE: the make command (default make), e.g. one that runs in the
# chroot of the kernel's own compiler; KDIR is then as that make sees it.
set -eu
kdir=$1 out=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/scripts"
# -p keeps timestamps, so kbuild rebuilds only what changed.
cp -p "$top"/*.c "$top"/*.h "$top"/Kbuild "$out/"
cp -p "$top"/scripts/conftest.sh "$out/scripts/"
mkdir -p "$out/include/uapi/linux"
cp -p "$top"/include/uapi/linux/cma_buf.h "$out/include/uapi/linux/"
${CMA_BUF_MAKE:-make} -s -C "$kdir" M="$out" "$@" modules >&2
echo "$out/cma-buf.ko"
