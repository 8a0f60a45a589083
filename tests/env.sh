# shellcheck shell=bash
# Shared by the test, demo and VM scripts: where kernels, modules and test
# programs come from. Source it; it sets TOP and defines functions.
#
# A kernel is named KIND or KIND-KVER: KIND is test (debug checks), bench (the
# same without them) or stock (Debian's own kernel, unmodified); KVER is 7 (the
# newest 7.x, the default), 6.12 or 6.1. Without -KVER, $KVER or 7 is meant.
#   test-7, test-6.12, test-6.1   built from Debian's linux-source (tests/kernel)
#   stock-6.1                     Debian 12's default kernel (no CMA area)
#   stock-6.12                    Debian 12's 6.12 (CONFIG_CMA unset)
#   stock-7                       Debian unstable's 7.x, booted with cma=
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
DEBIAN=$TOP/tests/kernel/debian.sh

kind_of() { echo "${1%%-*}"; }
kver_of() { case "$1" in *-*) echo "${1#*-}" ;; *) echo "${KVER:-7}" ;; esac; }
# full_name NAME: NAME with its version, e.g. test -> test-7.
full_name() { echo "$(kind_of "$1")-$(kver_of "$1")"; }

# The stock Debian kernel that linux-image-amd64 and linux-headers-amd64 point to.
stock_release() {
	dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -o 'linux-image-[^ ,]*' |
		head -n 1 | sed 's/^linux-image-//'
}

# Debian's newest 6.12 flavour package of Debian 12 (PREFIX: linux-headers, ...).
debian12_612() { "$DEBIAN" newest bookworm "^$1-6\\.12\\.[0-9]+\\+deb12-amd64${2:-}\$"; }

# The chroot that builds modules for Debian unstable's kernels, and the
# release of its newest 7.x amd64 headers.
unstable_root() { "$DEBIAN" root; }
unstable_release() { sed 's/ .*//; s/^linux-headers-//' "$(unstable_root)/.headers"; }

# kernel_kdir NAME [ARCH]: the build tree of kernel NAME, as seen from here.
kernel_kdir() {
	local name arch=${2:-x86_64}
	name=$(full_name "$1")
	case "$name" in
	stock-6.1) echo "/lib/modules/$(stock_release)/build" ;;
	stock-6.12) "$DEBIAN" headers bookworm "$(debian12_612 linux-headers)" ;;
	stock-7*) echo "$(unstable_root)/usr/src/linux-headers-$(unstable_release)" ;;
	stock-*) echo "env.sh: no stock kernel $name" >&2; return 1 ;;
	*) "$TOP/tests/kernel/build.sh" "$arch" "$(kind_of "$name")" "$(kver_of "$name")" | tail -n 1 ;;
	esac
}

first_file() { # the first argument that is a file
	local f
	for f in "$@"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# kernel_image NAME [ARCH]: the bootable image of kernel NAME.
kernel_image() {
	local name dir rel
	name=$(full_name "$1")
	case "$name" in
	stock-6.1) echo "/boot/vmlinuz-$(stock_release)" ;;
	stock-6.12)
		dir=$("$DEBIAN" unpack bookworm "$(debian12_612 linux-image -unsigned)")
		first_file "$dir"/boot/vmlinuz-*
		;;
	stock-7*)
		rel=$(unstable_release)
		dir=$("$DEBIAN" unpack sid "linux-binary-$rel")
		first_file "$dir"/usr/lib/modules/*/vmlinuz "$dir"/boot/vmlinuz-*
		;;
	*) echo "$(kernel_kdir "$1" "${2:-x86_64}")/kernel-image" ;;
	esac
}

# guest_kname NAME: what the tests in the guest are told (CMA_BUF_KERNEL):
# "stock" is a Debian kernel without the CMA exports (the dma backend only),
# "stock-cma" one with them.
guest_kname() {
	local name
	name=$(full_name "$1")
	case "$name" in
	stock-7*) echo stock-cma ;;
	stock-*) echo stock ;;
	*) kind_of "$name" ;;
	esac
}

# kmake NAME ARCH ARGS...: make against kernel NAME with the compiler it was
# built with: Debian unstable's kernels in the unstable chroot (the work tree
# bound in at its own path), the others here.
kmake() {
	local name=$1 arch=$2
	shift 2
	kmake_setup "$name" "$arch" || return 1
	$KM_MAKE -C "$KM_KDIR" "${KM_CROSS[@]}" "$@"
}

# kmake_setup NAME ARCH: set KM_MAKE (the make command), KM_KDIR (the build
# tree as that make sees it) and KM_CROSS (the cross-compiling arguments).
kmake_setup() {
	local name root
	name=$(full_name "$1")
	KM_KDIR=$(kernel_kdir "$name" "$2") || return 1
	KM_MAKE=make
	KM_CROSS=()
	[ "$2" = arm64 ] && KM_CROSS=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	case "$name" in
	stock-7*)
		root=$(unstable_root)
		KM_KDIR=${KM_KDIR#"$root"}
		KM_MAKE="$DEBIAN run make"
		export CMA_BUF_ROOT_BINDS="$TOP"
		;;
	esac
}

# build_module NAME ARCH OUTDIR [ARGS...]: scripts/build-module.sh for kernel
# NAME; prints the .ko.
build_module() {
	local name=$1 arch=$2 out=$3
	shift 3
	kmake_setup "$name" "$arch" || return 1
	CMA_BUF_MAKE=$KM_MAKE "$TOP/scripts/build-module.sh" "$KM_KDIR" "$out" "${KM_CROSS[@]}" "$@"
}

# module_for NAME [ARCH]: build the module for kernel NAME, print the .ko path.
module_for() {
	local arch=${2:-x86_64} name
	name=$(full_name "$1")
	mkdir -p "$BUILD"
	(
		# Several people (or helpers) may run the VM at once: one build per folder.
		flock 8
		# CMA_BUF_KUNIT=y: also the parser's KUnit module, where the kernel has KUnit.
		# W=1: make check fails a leg whose module build warns.
		build_module "$name" "$arch" "$BUILD/mod-$arch-$name" CMA_BUF_KUNIT=y W=1
	) 8>"$BUILD/.lock-mod-$arch-$name"
}

# build_tests [ARCH]: static test programs into $BUILD/tests-ARCH, print that folder.
# The uapi headers and harness they need come from the default (7.x) test
# kernel's source, whatever KVER says: older harnesses trip -Wclobbered.
build_tests() {
	local arch=${1:-x86_64} ksrc cc=gcc
	ksrc=$(kernel_kdir test-7 "$arch")/source
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
	local arch=${2:-x86_64} name out
	name=$(full_name "$1")
	out=$BUILD/importer-$arch-$name
	mkdir -p "$out"
	(
		flock 8
		mkdir -p "$out/scripts"
		cp -p "$TOP"/tests/importer/Kbuild "$TOP"/tests/importer/*.c "$TOP/compat.h" "$out/"
		cp -p "$TOP/scripts/conftest.sh" "$out/scripts/"
		kmake "$name" "$arch" -s M="$out" modules >&2
	) 8>"$BUILD/.lock-importer-$arch-$name" || return 1
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
