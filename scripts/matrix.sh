#!/bin/bash
# The build matrix: the module built with W=1 and sparse (C=2) against every
# kernel we support, each with its own compiler: Debian's headers of 6.1 and
# 6.12 (Debian 12, gcc 12) and of the newest 7.x (unstable, gcc 16, in the
# unstable chroot) for amd64 and arm64, 7.x rt-amd64 (PREEMPT_RT), and our own
# test kernels. Prints TAP: per cell "W=1 clean", "sparse clean" and the
# backend the probes chose; exits 1 on any failure.
#
#   scripts/matrix.sh [CELL...]    default: the Debian cells (names below)
set -uo pipefail
. "$(dirname "$0")/../tests/env.sh"
OUT=$BUILD/matrix
mkdir -p "$OUT"

# Debian's newest headers package of a series and flavour in a suite.
newest_headers() { # SUITE REGEX
	local p
	p=$("$DEBIAN" newest "$1" "$2") && [ -n "$p" ] || { echo "matrix: no package like $2 in $1" >&2; return 1; }
	echo "$p"
}

# cell_setup CELL: KM_MAKE, KM_KDIR, KM_CROSS for CELL, and WANT, the backends
# the kernel can give ("cma dma" where it exports the CMA API, else "dma").
cell_setup() {
	local p root
	WANT="cma dma"
	case "$1" in
	6.1-amd64) kmake_setup stock-6.1 x86_64; WANT=dma ;;
	6.12-amd64) kmake_setup stock-6.12 x86_64; WANT=dma ;;
	6.1-arm64 | 6.12-arm64)
		local series=${1%-arm64} re
		case "$series" in
		6.1) re='^linux-headers-6\.1\.0-[0-9]+-arm64$' ;;
		6.12) re='^linux-headers-6\.12\.[0-9]+\+deb12-arm64$' ;;
		esac
		p=$(newest_headers bookworm "$re") || return 1
		KM_KDIR=$("$DEBIAN" headers bookworm "$p:arm64") || return 1
		KM_MAKE=make
		KM_CROSS=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		WANT=dma
		;;
	7-amd64 | 7-rt-amd64 | 7-arm64)
		# The stock 7.x kernel's chroot and make; the flavour's tree beside it.
		kmake_setup stock-7 x86_64 || return 1
		p=${KM_KDIR%-amd64}
		case "$1" in
		7-rt-amd64) KM_KDIR=$p-rt-amd64 ;;
		7-arm64)
			KM_KDIR=$p-arm64
			KM_CROSS=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
			;;
		esac
		root=$(unstable_root)
		[ -d "$root$KM_KDIR" ] || { echo "matrix: no $KM_KDIR in $root" >&2; return 1; }
		;;
	test-7-x86_64) kmake_setup test-7 x86_64 ;;
	test-7-arm64) kmake_setup test-7 arm64 ;;
	test-6.12-x86_64) kmake_setup test-6.12 x86_64 ;;
	*) echo "matrix: unknown cell $1" >&2; return 1 ;;
	esac
}

# The test kernels' cells (test-*) are not in the default list: make check
# builds the module with W=1 for every kernel it boots, in the VM legs.
CELLS="6.1-amd64 6.1-arm64 6.12-amd64 6.12-arm64 7-amd64 7-rt-amd64 7-arm64"
[ $# -gt 0 ] && CELLS=$*
n=0 rc=0
tap() { # tap OK NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}

for cell in $CELLS; do
	log=$OUT/$cell.log
	dir=$OUT/$cell
	if ! cell_setup "$cell" 2>"$log"; then
		sed 's/^/#   /' "$log"
		tap 1 "$cell: kernel headers at hand"
		continue
	fi
	# Clean objects: every file compiled, so every warning shows.
	rm -rf "$dir"
	CMA_BUF_MAKE=$KM_MAKE "$TOP/scripts/build-module.sh" "$KM_KDIR" "$dir" "${KM_CROSS[@]}" \
		W=1 C=2 CHECK=sparse >/dev/null 2>"$log"
	built=$?
	# gcc's diagnostics name their option ("[-Wfoo]"); sparse's do not.
	diag='^[^ :]+\.[ch]:[0-9]+(:[0-9]+)?: (warning|error):'
	gcc_bad=$(grep -E "$diag.*\]\$" "$log"; grep -iE 'warning|error' "$log" | grep -vE "$diag")
	sparse_bad=$(grep -E "$diag" "$log" | grep -vE '\]$')
	[ "$built" = 0 ] && [ -z "$gcc_bad" ]
	tap $? "$cell: W=1 build without a warning ($(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' \
		"$( [ "$KM_MAKE" = make ] && echo "$KM_KDIR" || echo "$(unstable_root)$KM_KDIR")/.config" |
		cut -d' ' -f1))"
	[ -z "$gcc_bad" ] || echo "$gcc_bad" | head -n 20 | sed 's/^/#   /'
	[ "$built" = 0 ] && [ -z "$sparse_bad" ]
	tap $? "$cell: sparse without a complaint"
	[ -z "$sparse_bad" ] || echo "$sparse_bad" | head -n 20 | sed 's/^/#   /'
	# The cma backend exactly where the kernel exports the CMA API.
	have=dma
	grep -q backend_cma.o "$dir/cma-buf.mod" 2>/dev/null && have="cma dma"
	[ "$built" = 0 ] && [ "$have" = "$WANT" ]
	tap $? "$cell: backends compiled in: $have"
done
echo "1..$n"
exit $rc
