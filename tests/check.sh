#!/bin/bash
# make check: host tests, lint and the in-VM suites, ending with one line
# "N passed, N failed, N skipped" that counts every test.
set -uo pipefail
. "$(dirname "$0")/env.sh"
CHECK=$BUILD/check
rm -rf "$CHECK"
mkdir -p "$CHECK"
RESULTS=$CHECK/results
: >"$RESULTS"
start=$(date +%s)

say() { echo "check: $*"; }
record() { # record STATUS NAME  (STATUS: pass, fail, skip)
	echo "$1 $2" >>"$RESULTS"
	[ "$1" = fail ] && echo "FAIL: $2"
	return 0
}
# Fold TAP lines from a file into the results, each name prefixed.
record_tap() {
	local prefix=$1 file=$2 line name
	while IFS= read -r line; do
		case "$line" in
		"not ok "*) name=${line#not ok }; record fail "$prefix ${name#* }" ;;
		"ok "*"# SKIP"*) name=${line#ok }; record skip "$prefix ${name#* }" ;;
		"ok "*) name=${line#ok }; record pass "$prefix ${name#* }" ;;
		esac
	done < <(tr -d '\r' <"$file")
}
finish() {
	local p f s
	p=$(grep -c '^pass ' "$RESULTS")
	f=$(grep -c '^fail ' "$RESULTS")
	s=$(grep -c '^skip ' "$RESULTS")
	say "wall time $(($(date +%s) - start)) s; results in $RESULTS"
	[ "$f" = 0 ] || grep '^fail ' "$RESULTS" | sed 's/^fail /  failed: /'
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
	exit $?
}

say "dependencies"
if ! "$TOP/scripts/deps.sh" >"$CHECK/deps.log" 2>&1; then
	cat "$CHECK/deps.log"
	record fail "host: install dependencies"
	finish
fi

say "test kernel (cached after the first build)"
if ! KDIR=$(kernel_kdir test 2>"$CHECK/kernel.log"); then
	tail -n 30 "$CHECK/kernel.log"
	record fail "host: build test kernel"
	finish
fi

# Host: the module builds warning-free with W=1 against each kernel.
build_w1() { # build_w1 NAME KDIR
	local log=$CHECK/build-$1.log
	if "$TOP/scripts/build-module.sh" "$2" "$BUILD/mod-w1-$1" W=1 >/dev/null 2>"$log" &&
		! grep -qiE 'warning|error' "$log"; then
		record pass "host: module builds with W=1 and no warning against the $1 kernel"
	else
		cat "$log"
		record fail "host: module builds with W=1 and no warning against the $1 kernel"
	fi
}
say "module builds"
build_w1 test "$KDIR"
build_w1 stock "$(kernel_kdir stock)"
# The direct backend is compiled in exactly where the CMA exports exist.
if grep -q backend_cma.o "$BUILD/mod-w1-test/cma-buf.mod" &&
	! grep -q backend_cma.o "$BUILD/mod-w1-stock/cma-buf.mod"; then
	record pass "host: cma backend compiled for the test kernel, not for the stock kernel"
else
	record fail "host: cma backend compiled for the test kernel, not for the stock kernel"
fi

# The uapi header stands alone in C and C++.
for lang in c c++; do
	if echo '#include <linux/cma_buf.h>' | gcc -x "$lang" -I"$TOP/include/uapi" -Wall -Wextra \
		-Werror -pedantic -c -o /dev/null - 2>"$CHECK/uapi-$lang.log"; then
		record pass "host: include/uapi/linux/cma_buf.h compiles standalone as $lang"
	else
		cat "$CHECK/uapi-$lang.log"
		record fail "host: include/uapi/linux/cma_buf.h compiles standalone as $lang"
	fi
done

say "lint (checkpatch --strict, sparse)"
"$TOP/scripts/lint.sh" >"$CHECK/lint.tap" 2>&1
record_tap "lint:" "$CHECK/lint.tap"
grep '^#' "$CHECK/lint.tap" | head -n 40

say "tools (host unit tests)"
if make -s -C "$TOP/tools" test-host OUT="$BUILD/tools-host" >"$CHECK/tools-host.tap" 2>&1; then :; fi
record_tap "tools:" "$CHECK/tools-host.tap"
grep -q '^ok ' "$CHECK/tools-host.tap" || { cat "$CHECK/tools-host.tap"; record fail "tools: host tests build and run"; }
if make -s -C "$TOP/tools" vm-test OUT="$BUILD/cmabuf-vm" >"$CHECK/tools-vm.log" 2>&1; then
	CLI_DIR=$BUILD/cmabuf-vm
else
	cat "$CHECK/tools-vm.log"
	record fail "tools: static cmabuf and CLI test for the VM build"
	CLI_DIR=
fi

say "packaging (install list, compat wrappers, DKMS cycle)"
"$TOP/tests/packaging/install-test.sh" >"$CHECK/install.tap" 2>&1
record_tap "install:" "$CHECK/install.tap"
grep -q '^ok ' "$CHECK/install.tap" || { tail -n 20 "$CHECK/install.tap"; record fail "install: test ran"; }
"$TOP/tests/packaging/compat-test.sh" >"$CHECK/compat.tap" 2>&1
record_tap "compat:" "$CHECK/compat.tap"
grep -q '^ok ' "$CHECK/compat.tap" || { tail -n 20 "$CHECK/compat.tap"; record fail "compat: test ran"; }
"$TOP/tests/packaging/dkms-test.sh" >"$CHECK/dkms.tap" 2>&1
record_tap "dkms:" "$CHECK/dkms.tap"
if grep -q '^Bail out!' "$CHECK/dkms.tap" || ! grep -q '^ok ' "$CHECK/dkms.tap"; then
	tail -n 20 "$CHECK/dkms.tap"
	record fail "dkms: cycle ran"
fi
grep '^not ok' "$CHECK/install.tap" "$CHECK/compat.tap" "$CHECK/dkms.tap"

say "test programs"
if ! TESTS_DIR=$(build_tests x86_64 2>"$CHECK/tests-build.log"); then
	cat "$CHECK/tests-build.log"
	record fail "host: build test programs"
	finish
fi

# One VM boot per leg: kernel, module parameters, test programs.
# With VM_EXTRA (a folder, copied to /extra) and VM_EXTRA_CMD, the leg also
# runs that command after the suites, in the same boot.
vm_leg() { # vm_leg NAME KERNEL MODPARAMS TESTS...   VM_ARCH=arm64 for the arm64 VM
	local leg=$1 kname=$2 params=$3 arch=${VM_ARCH:-x86_64} ko image rc out log cmd tests
	shift 3
	say "VM leg $leg: $arch kernel $kname, params '$params'"
	out=$CHECK/$leg.out
	log=$CHECK/$leg.console.log
	if ! ko=$(module_for "$kname" "$arch" 2>"$CHECK/$leg.build.log"); then
		cat "$CHECK/$leg.build.log"
		record fail "$leg: build module"
		return
	fi
	image=$(kernel_image "$kname" "$arch")
	if ! importer=$(importer_for "$kname" "$arch" 2>"$CHECK/$leg.importer.log"); then
		cat "$CHECK/$leg.importer.log"
		record fail "$leg: build test importer module"
		return
	fi
	if ! tests=$(build_tests "$arch" 2>"$CHECK/$leg.tests.log"); then
		cat "$CHECK/$leg.tests.log"
		record fail "$leg: build test programs"
		return
	fi
	mapfile -t extra < <(test_modules "$ko")
	cmd="CMA_BUF_TESTS='$*' run-tests.sh"
	if [ -n "${VM_EXTRA:-}" ]; then
		extra+=(--extra "$VM_EXTRA")
		cmd="rc=0; $cmd || rc=1; $VM_EXTRA_CMD || rc=1; exit \$rc"
	fi
	"$TOP/tests/vm/run.sh" --arch "$arch" --kernel "$image" --kname "$kname" --module "$ko" \
		--add "$importer" "${extra[@]}" \
		--modparams "$params" --tests "$tests" --name "check-$leg" --log "$log" \
		--timeout "${VM_TIMEOUT:-1500}" $([ "$kname" = stock ] && echo --mem 2048) \
		--cmd "$cmd" >"$out" 2>&1
	rc=$?
	grep -E '^not ok |^# +FAIL|run.sh:|^# .*:[0-9]+:' "$out" | tail -n 40
	record_tap "$leg:" "$out"
	if [ "$rc" = 124 ] || [ "$rc" = 125 ]; then
		tail -n 30 "$log"
		record fail "$leg: guest ran to completion"
	else
		record pass "$leg: guest ran to completion"
	fi
	if "$TOP/tests/vm/splat-check.sh" "$log"; then
		record pass "$leg: guest log free of BUG/WARNING/KASAN/lockdep/kmemleak reports"
	else
		record fail "$leg: guest log free of BUG/WARNING/KASAN/lockdep/kmemleak reports"
	fi
}

SUITE="kunit basic backend cache dmabuf access abi lifetime"
VM_EXTRA=$CLI_DIR VM_EXTRA_CMD=/extra/cli-test.sh vm_leg test-cma test "backend=cma" $SUITE
vm_leg test-dma test "backend=dma" $SUITE
vm_leg stock stock "" $SUITE

say "arm64 (qemu-system-aarch64 -M virt, TCG)"
if ! "$TOP/scripts/deps.sh" --arch arm64 >"$CHECK/deps-arm64.log" 2>&1; then
	cat "$CHECK/deps-arm64.log"
	record fail "host: install arm64 dependencies"
elif ! KDIR_ARM64=$(kernel_kdir test arm64 2>"$CHECK/kernel-arm64.log"); then
	tail -n 30 "$CHECK/kernel-arm64.log"
	record fail "host: build arm64 test kernel"
else
	log=$CHECK/build-arm64.log
	if "$TOP/scripts/build-module.sh" "$KDIR_ARM64" "$BUILD/mod-w1-arm64" W=1 ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- >/dev/null 2>"$log" && ! grep -qiE 'warning|error' "$log"; then
		record pass "host: module builds with W=1 and no warning against the arm64 test kernel"
	else
		cat "$log"
		record fail "host: module builds with W=1 and no warning against the arm64 test kernel"
	fi
	CLI_ARM64=
	if make -s -C "$TOP/tools" vm-test OUT="$BUILD/cmabuf-vm-arm64" CC=aarch64-linux-gnu-gcc \
		>"$CHECK/tools-vm-arm64.log" 2>&1; then
		CLI_ARM64=$BUILD/cmabuf-vm-arm64
	else
		cat "$CHECK/tools-vm-arm64.log"
		record fail "tools: static arm64 cmabuf and CLI test for the VM build"
	fi
	VM_ARCH=arm64 VM_EXTRA=$CLI_ARM64 VM_EXTRA_CMD=/extra/cli-test.sh \
		vm_leg arm64-cma test "backend=cma" $SUITE
	VM_ARCH=arm64 vm_leg arm64-dma test "backend=dma" $SUITE
	say "arm64 device-tree region (tests/dt)"
	"$TOP/tests/dt/dt-test.sh" --name check-dt --log "$CHECK/arm64-dt.console.log" \
		>"$CHECK/arm64-dt.out" 2>&1
	rc=$?
	record_tap "arm64-dt:" "$CHECK/arm64-dt.out"
	[ "$rc" = 0 ] || { tail -n 30 "$CHECK/arm64-dt.out"; record fail "arm64-dt: guest ran to completion, log clean (run.sh status $rc)"; }
fi

say "VM: short stress (random-operation fuzzing, fault injection, regressions)"
"$TOP/tests/fuzz/stress.sh" --short >"$CHECK/stress.out" 2>&1
rc=$?
record_tap "stress:" "$CHECK/stress.out"
grep -E '^not ok|^stress:' "$CHECK/stress.out"
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$CHECK/stress.out"; then
	tail -n 20 "$CHECK/stress.out"
	record fail "stress: short run completed (status $rc)"
fi

say "VM: group access through the udev rule's helper"
"$TOP/tests/packaging/group-vm.sh" >"$CHECK/group.tap" 2>&1
rc=$?
record_tap "group:" "$CHECK/group.tap"
grep '^not ok' "$CHECK/group.tap"
if [ "$rc" -ge 124 ] || ! grep -q '^ok ' "$CHECK/group.tap"; then
	tail -n 20 "$CHECK/group.tap"
	record fail "group: guest ran to completion"
fi

finish
