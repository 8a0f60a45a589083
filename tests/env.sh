# shellcheck shell=bash
# Shared by the test, demo and VM scripts: where kernels, modules and test
# programs come from. Source it; it sets TOP and defines functions.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build

# The stock Debian kernel that linux-image-amd64 and linux-headers-amd64 point to.
stock_release() {
	dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -o 'linux-image-[^ ,]*' |
		head -n 1 | sed 's/^linux-image-//'
}

# kernel_kdir NAME [ARCH]: the build tree of kernel NAME (test, bench, stock).
kernel_kdir() {
	case "$1" in
	stock) echo "/lib/modules/$(stock_release)/build" ;;
	*) "$TOP/tests/kernel/build.sh" "${2:-x86_64}" "$1" | tail -n 1 ;;
	esac
}

# kernel_image NAME [ARCH]: the bootable image of kernel NAME.
kernel_image() {
	case "$1" in
	stock) echo "/boot/vmlinuz-$(stock_release)" ;;
	*) echo "$(kernel_kdir "$1" "${2:-x86_64}")/kernel-image" ;;
	esac
}

# module_for NAME [ARCH]: build the module for kernel NAME, print the .ko path.
module_for() {
	local arch=${2:-x86_64} kdir
	kdir=$(kernel_kdir "$1" "$arch")
	mkdir -p "$BUILD"
	(
		# Several people (or helpers) may run the VM at once: one build per folder.
		flock 8
		case "$arch" in
		# CMA_BUF_KUNIT=y: also the parser's KUnit module, where the kernel has KUnit.
		x86_64) "$TOP/scripts/build-module.sh" "$kdir" "$BUILD/mod-$arch-$1" CMA_BUF_KUNIT=y ;;
		arm64) "$TOP/scripts/build-module.sh" "$kdir" "$BUILD/mod-$arch-$1" \
			CMA_BUF_KUNIT=y ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- ;;
		esac
	) 8>"$BUILD/.lock-mod-$arch-$1"
}

# build_tests [ARCH]: static test programs into $BUILD/tests-ARCH, print that folder.
build_tests() {
	local arch=${1:-x86_64} ksrc cc=gcc
	ksrc=$(kernel_kdir test "$arch")/source
	[ "$arch" = arm64 ] && cc=aarch64-linux-gnu-gcc
	mkdir -p "$BUILD"
	(
		flock 8
		make -s -C "$TOP/tests" OUT="$BUILD/tests-$arch" CC="$cc" KSRC="$ksrc" >&2
	) 8>"$BUILD/.lock-tests-$arch" || return 1
	echo "$BUILD/tests-$arch"
}

# importer_for NAME [ARCH]: build the test-only dma-buf importer for kernel NAME.
importer_for() {
	local arch=${2:-x86_64} kdir out
	kdir=$(kernel_kdir "$1" "$arch")
	out=$BUILD/importer-$arch-$1
	mkdir -p "$out"
	(
		flock 8
		cp -p "$TOP"/tests/importer/Kbuild "$TOP"/tests/importer/*.c "$out/"
		if [ "$arch" = arm64 ]; then
			make -s -C "$kdir" M="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules >&2
		else
			make -s -C "$kdir" M="$out" modules >&2
		fi
	) 8>"$BUILD/.lock-importer-$arch-$1" || return 1
	echo "$out/cma_buf_importer.ko"
}

# test_modules KO: --add options for the test-only modules built beside KO.
test_modules() {
	local f
	for f in "$(dirname "$1")/cma_buf_kunit.ko"; do
		[ -f "$f" ] && printf -- '--add\n%s\n' "$f"
	done
	return 0
}
