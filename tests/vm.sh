#!/bin/bash
# make vm / make vm-run: boot a kernel with the module loaded and either give
# a shell or run one command as root, exiting with its status.
# Environment: KERNEL=test|stock|bench, KVER=7|6.12|6.1 (default 7: the newest
# 7.x; tests/env.sh names the kernels), ARCH=x86_64|arm64, CMD, EXTRA,
# MODPARAMS, DTB (arm64: boot with this device tree, see tests/dt/),
# ROOT=debian (run in a Debian 12 root with python3, numpy and fio: see
# tests/debian-root.sh; EXTRA/root is laid over it, e.g. a make install).
set -euo pipefail
. "$(dirname "$0")/env.sh"
KERNEL=${KERNEL:-test}
ARCH=${ARCH:-x86_64}
KERNEL=$(full_name "$KERNEL")
if [ "$(kind_of "$KERNEL")" = stock ] && [ "$ARCH" != x86_64 ]; then
	echo "vm.sh: KERNEL=stock is Debian's x86_64 kernel; ARCH=$ARCH has KERNEL=test" >&2
	exit 2
fi
"$TOP/scripts/deps.sh" --arch "$ARCH"
image=$(kernel_image "$KERNEL" "$ARCH")
ko=$(module_for "$KERNEL" "$ARCH")
tests=$(build_tests "$ARCH")
importer=$(importer_for "$KERNEL" "$ARCH")
mapfile -t extra < <(test_modules "$ko")
args=(--arch "$ARCH" --kernel "$image" --kname "$(guest_kname "$KERNEL")" --module "$ko" --tests "$tests"
	--add "$importer" "${extra[@]}" --modparams "${MODPARAMS:-}" --name "${VM_NAME:-vm-$ARCH-$KERNEL-$$}" --timeout "${TIMEOUT:-1800}")
[ -z "${EXTRA:-}" ] || args+=(--extra "$EXTRA")
[ -z "${DTB:-}" ] || args+=(--dtb "$DTB")
case "${ROOT:-}" in
"") ;;
debian) args+=(--disk "$("$TOP/tests/debian-root.sh" "$ARCH")") ;;
*) echo "vm.sh: ROOT=$ROOT: only ROOT=debian" >&2; exit 2 ;;
esac
[ "$(kind_of "$KERNEL")" = stock ] && args+=(--mem 2048)
if [ -n "${CMD:-}" ]; then
	exec "$TOP/tests/vm/run.sh" "${args[@]}" --cmd "$CMD"
fi
exec "$TOP/tests/vm/run.sh" "${args[@]}"
