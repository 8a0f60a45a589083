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

say "dependencies (x86-64 and arm64)"
if ! "$TOP/scripts/deps.sh" --arch arm64 >"$CHECK/deps.log" 2>&1; then
	cat "$CHECK/deps.log"
	record fail "host: install dependencies"
	finish
fi

# The unstable chroot (Debian's 7.x headers and gcc 16) is mostly download
# and unpacking: make it beside the kernel builds; its users wait for it.
"$DEBIAN" root >"$CHECK/unstable-root.log" 2>&1 &

say "test kernels (cached after the first build)"
for k in "test x86_64" "test arm64" "test-6.12 x86_64"; do
	set -- $k
	if ! kernel_kdir "$1" "$2" >/dev/null 2>"$CHECK/kernel-$1-$2.log"; then
		tail -n 30 "$CHECK/kernel-$1-$2.log"
		record fail "host: build the $(full_name "$1") $2 kernel"
		finish
	fi
done

# Host: W=1 and sparse against every kernel's headers, with its compiler.
say "build matrix (W=1, sparse; Debian's 6.1, 6.12 and 7.x headers, amd64, arm64, rt-amd64)"
"$TOP/scripts/matrix.sh" >"$CHECK/matrix.tap" 2>&1
record_tap "matrix:" "$CHECK/matrix.tap"
grep -q '^ok ' "$CHECK/matrix.tap" || { tail -n 20 "$CHECK/matrix.tap"; record fail "matrix: ran"; }
grep -A20 '^not ok' "$CHECK/matrix.tap" | head -n 40

# A plain make without a kernel build tree says what to install.
if out=$(make -s -C "$TOP" KDIR=/nonexistent/build 2>&1); then
	record fail "host: make without a kernel build tree fails"
elif echo "$out" | grep -q 'apt-get install linux-headers-' && echo "$out" | grep -q 'KDIR='; then
	record pass "host: make without a kernel build tree names the headers package and KDIR="
else
	echo "$out"
	record fail "host: make without a kernel build tree names the headers package and KDIR="
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

say "lint (checkpatch --strict of 6.1, 6.12 and 7.x)"
"$TOP/scripts/lint.sh" >"$CHECK/lint.tap" 2>&1
record_tap "lint:" "$CHECK/lint.tap"
grep '^#' "$CHECK/lint.tap" | head -n 40

say "Python package (host tests)"
"$TOP/tests/python/host-test.sh" >"$CHECK/python-host.tap" 2>&1
record_tap "python-host:" "$CHECK/python-host.tap"
grep -q '^ok ' "$CHECK/python-host.tap" || { cat "$CHECK/python-host.tap"; record fail "python-host: ran"; }

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

# One VM boot per leg: kernel, module parameters, test programs. PARAMS may
# hold several parameter sets separated by "|" (one per backend): the boot runs
# the suites once per set, reloading the module in between, and each pass
# counts as leg NAME-BACKEND. A boot of a debug kernel under TCG costs about
# 30 s, so one boot tests both backends.
# With VM_EXTRA (a folder, copied to /extra) and VM_EXTRA_CMD, the leg also
# runs that command after the first pass, in the same boot; VM_FIRST_PASS_SUITES
# run in the first pass only.
vm_leg() { # vm_leg NAME KERNEL PARAMS TESTS...   VM_ARCH=arm64 for the arm64 VM
	local leg=$1 kname=$2 params=$3 arch=${VM_ARCH:-x86_64} ko image rc out log cmd tests suites
	local p pass passes=() first=1
	shift 3
	kname=$(full_name "$kname")
	say "VM leg $leg: $arch kernel $kname, params '$params', suites: $*"
	out=$CHECK/$leg.out
	log=$CHECK/$leg.console.log
	# From scratch, so every file is compiled and every warning shows.
	rm -rf "$BUILD/mod-$arch-$kname"
	if ! ko=$(module_for "$kname" "$arch" 2>"$CHECK/$leg.build.log"); then
		cat "$CHECK/$leg.build.log"
		record fail "$leg: build module"
		return
	fi
	if grep -qiE 'warning|error' "$CHECK/$leg.build.log"; then
		cat "$CHECK/$leg.build.log"
		record fail "$leg: module (and KUnit module) build with W=1 and no warning"
	else
		record pass "$leg: module (and KUnit module) build with W=1 and no warning"
	fi
	if ! image=$(kernel_image "$kname" "$arch" 2>"$CHECK/$leg.image.log") || [ ! -f "$image" ]; then
		cat "$CHECK/$leg.image.log"
		record fail "$leg: kernel image at hand"
		return
	fi
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
	IFS='|' read -r -a passes <<<"$params"
	[ ${#passes[@]} -gt 0 ] || passes=("")
	cmd="rc=0"
	for p in "${passes[@]}"; do
		[ "$first" = 1 ] || cmd="$cmd; rmmod cma_buf && insmod /cma-buf.ko $p || exit 125"
		cmd="$cmd; echo '@@CMA_BUF_PASS $(pass_name "$leg" "$p")@@'"
		suites="$*"
		[ "$first" = 0 ] || suites="$suites ${VM_FIRST_PASS_SUITES:-}"
		cmd="$cmd; ${VM_GUEST_ENV:-} CMA_BUF_MODPARAMS='$p' CMA_BUF_TESTS='$suites' run-tests.sh || rc=1"
		if [ "$first" = 1 ] && [ -n "${VM_EXTRA:-}" ]; then
			cmd="$cmd; $VM_EXTRA_CMD || rc=1"
		fi
		first=0
	done
	cmd="$cmd; exit \$rc"
	[ -z "${VM_EXTRA:-}" ] || extra+=(--extra "$VM_EXTRA")
	# VM_MACHINE, VM_DEVICES (space-separated QEMU -device specs) and
	# VM_APPEND shape the machine; VM_GUEST_ENV goes before each pass.
	for p in ${VM_DEVICES:-}; do extra+=(--device "$p"); done
	[ -z "${VM_MACHINE:-}" ] || extra+=(--machine "$VM_MACHINE")
	[ -z "${VM_APPEND:-}" ] || extra+=(--append "$VM_APPEND")
	[ -z "${VM_NUMA:-}" ] || extra+=(--numa "$VM_NUMA")
	"$TOP/tests/vm/run.sh" --arch "$arch" --kernel "$image" --kname "$(guest_kname "$kname")" --module "$ko" \
		--add "$importer" "${extra[@]}" \
		--modparams "${passes[0]}" --tests "$tests" --name "check-$leg" --log "$log" \
		--timeout "${VM_TIMEOUT:-1500}" $([ "$(kind_of "$kname")" = stock ] && echo --mem 2048) \
		--cmd "$cmd" >"$out" 2>&1
	rc=$?
	grep -E '^not ok |^# +FAIL|run.sh:|^# .*:[0-9]+:' "$out" | tail -n 40
	for p in "${passes[@]}"; do
		pass=$(pass_name "$leg" "$p")
		# This pass's lines: from its marker to the next one.
		awk -v m="@@CMA_BUF_PASS $pass@@" '/^@@CMA_BUF_PASS / { on = index($0, m) == 1; next } on' \
			"$out" >"$CHECK/$pass.tap"
		grep -q '^ok ' "$CHECK/$pass.tap" || record fail "$pass: suites ran"
		record_tap "$pass:" "$CHECK/$pass.tap"
	done
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
# pass_name LEG PARAMS: LEG-BACKEND where PARAMS choose a backend, else LEG.
pass_name() {
	case " $2 " in
	*" backend="*) local b=${2#*backend=}; echo "$1-${b%% *}" ;;
	*) echo "$1" ;;
	esac
}

# The whole suite on the default kernel, 7.x, in every arch and backend; the
# suites that need neither debug checks nor /dev/mem on the stock kernels;
# the ABI and lifetime suites (and the rest, where the kernel gives it) on
# every other kernel x backend.
#
# Two chains run side by side: the x86-64 debug kernels here, the arm64 VMs
# and Debian's stock kernels in the background. A TCG guest mostly keeps one
# host thread busy (the tests are single-threaded), so on two cores the
# chains overlap: 16 minutes of VM time in about 10. Their folders do not
# meet: modules, importers and VMs are per kernel and arch, test programs are
# built (under a lock) before either starts.
SUITE="kunit basic backend cache dmabuf huge pin access abi lifetime owned areas"
# QEMU's edu device, which does real DMA, on the x86-64 debug kernels' PCI
# bus, and vivid built into them: their suites run there only (they would
# skip everywhere else), in the first pass (backend=cma) only: what they test,
# a device's way to the pages, does not depend on which allocator gave them,
# and a second pass cost a minute of the cached budget.
DEVICE_SUITES="edu vivid"
EDU="edu,dma_mask=0xffffffffffffffff"
# The same device behind an Intel IOMMU (q35: its DMAR table and ACPI
# hotplug on a root port), where only dma_addr works; the boot ends with a
# real unplug of the device, so it has one pass of one suite.
IOMMU_DEVICES="intel-iommu,intremap=off pcie-root-port,id=rp1,slot=1 $EDU,bus=rp1"
# The 6.12 test kernel: ABI, lifetime and huge mappings under the debug
# checks, both backends. Its other suites run on Debian's own 6.12 (below)
# and under the 7.x debug kernel: a third full pass cost minutes of the
# cached budget and found nothing those two do not.
SUITE_612="kunit abi lifetime huge pin owned areas"
SUITE_ARM64="kunit basic backend cache huge pin lifetime"
SUITE_ARM64_FIRST="dmabuf owned areas"

# Debian 12's own python3, numpy and fio in the guest (tests/debian-root.sh),
# against the 7.x debug kernel: the cmabuf Python package as make install
# lays it out, a PYNQ-style script, fio on a cma_buf mapping.
debian_root_leg() {
	# The module in a folder of its own: the other chain rebuilds test-7's.
	local stage=$BUILD/debian-stage ko image disk rc
	say "VM leg 7-debian: Debian root, x86_64 kernel test-7 (python3, numpy, fio)"
	rm -rf "$stage"
	mkdir -p "$stage"
	if ! make -s -C "$TOP/tools" install DESTDIR="$stage/root" PREFIX=/usr/local \
		OUT="$stage/build" >"$CHECK/7-debian.install.log" 2>&1; then
		cat "$CHECK/7-debian.install.log"
		record fail "7-debian: make install of the tools into the root"
		return
	fi
	cp -p "$TOP"/tests/python/* "$stage/"
	if ! disk=$("$TOP/tests/debian-root.sh" x86_64 2>"$CHECK/7-debian.root.log") ||
		! ko=$(build_module test-7 x86_64 "$stage/mod" 2>"$CHECK/7-debian.build.log") ||
		! image=$(kernel_image test-7 x86_64 2>>"$CHECK/7-debian.build.log"); then
		cat "$CHECK/7-debian.root.log" "$CHECK/7-debian.build.log"
		record fail "7-debian: root image, module and kernel at hand"
		return
	fi
	grep 'root:' "$CHECK/7-debian.root.log"
	"$TOP/tests/vm/run.sh" --kernel "$image" --kname test --module "$ko" --disk "$disk" \
		--extra "$stage" --name check-7-debian --log "$CHECK/7-debian.console.log" \
		--timeout 900 --cmd 'rc=0; python3 /extra/test_cmabuf.py || rc=1
			python3 /extra/pynq_style.py >/tmp/pynq.out 2>&1 && tail -n 1 /tmp/pynq.out | grep -q "done" &&
			echo "ok 1 PYNQ-style script, import changed only" ||
			{ sed "s/^/# /" /tmp/pynq.out; echo "not ok 1 PYNQ-style script, import changed only"; rc=1; }
			/extra/fio-test.sh || rc=1; exit $rc' >"$CHECK/7-debian.out" 2>&1
	rc=$?
	record_tap "7-debian:" "$CHECK/7-debian.out"
	grep -E '^not ok|run.sh:' "$CHECK/7-debian.out"
	grep -q '^ok ' "$CHECK/7-debian.out" || record fail "7-debian: tests ran"
	if [ "$rc" -ge 124 ]; then
		tail -n 30 "$CHECK/7-debian.console.log"
		record fail "7-debian: guest ran to completion, log clean (run.sh status $rc)"
	else
		record pass "7-debian: guest ran to completion, log clean"
	fi
}

arm64_and_stock_chain() {
	CLI_ARM64=
	if make -s -C "$TOP/tools" vm-test OUT="$BUILD/cmabuf-vm-arm64" CC=aarch64-linux-gnu-gcc \
		>"$CHECK/tools-vm-arm64.log" 2>&1; then
		CLI_ARM64=$BUILD/cmabuf-vm-arm64
	else
		cat "$CHECK/tools-vm-arm64.log"
		record fail "tools: static arm64 cmabuf and CLI test for the VM build"
	fi
	if ! build_tests arm64 >/dev/null 2>"$CHECK/tests-build-arm64.log"; then
		cat "$CHECK/tests-build-arm64.log"
		record fail "host: build arm64 test programs"
	fi
	# The dma pass runs what depends on the architecture and the allocator
	# together (caches, huge and pinnable mappings, lifetime); the dma-buf,
	# owned and area suites run on arm64 with cma. abi and access (input
	# parsing and permissions, C code with no architecture in it) run on
	# x86-64 only, with every kernel: the cached CI budget (measured: 1313 s
	# with them here).
	VM_ARCH=arm64 VM_EXTRA=$CLI_ARM64 VM_EXTRA_CMD=/extra/cli-test.sh \
		VM_FIRST_PASS_SUITES="$SUITE_ARM64_FIRST" \
		vm_leg arm64-7 test-7 "backend=cma|backend=dma" $SUITE_ARM64
	say "arm64 device-tree region (tests/dt)"
	"$TOP/tests/dt/dt-test.sh" --name check-dt --log "$CHECK/arm64-dt.console.log" \
		>"$CHECK/arm64-dt.out" 2>&1
	rc=$?
	record_tap "arm64-dt:" "$CHECK/arm64-dt.out"
	[ "$rc" = 0 ] || { tail -n 30 "$CHECK/arm64-dt.out"; record fail "arm64-dt: guest ran to completion, log clean (run.sh status $rc)"; }
	# The 6.12 debug leg here, not beside 7.x: the chains then end together
	# (measured: this one finished 6 minutes before the other). backend=cma
	# only, since the Debian root leg came: the dma backend runs under the
	# debug checks on 7.x (x86-64, arm64) and on Debian's own 6.12.
	VM_DEVICES=$EDU VM_FIRST_PASS_SUITES=$DEVICE_SUITES \
		vm_leg 6.12 test-6.12 "backend=cma" $SUITE_612
	vm_leg 7-stock stock-7 "backend=cma" $SUITE
	debian_root_leg
	vm_leg 6.12-stock stock-6.12 "" $SUITE
	vm_leg 6.1-stock stock-6.1 "" $SUITE
}
say "VM legs: x86-64 debug kernels here; arm64 and Debian's stock kernels beside them"
arm64_and_stock_chain >"$CHECK/chain-arm64-stock.log" 2>&1 &
chain=$!

# The pool here only (both backends, the debug checks): its code is the
# same on every kernel, the CI budget has no room for it in every leg.
VM_DEVICES=$EDU VM_EXTRA=$CLI_DIR VM_EXTRA_CMD=/extra/cli-test.sh \
	VM_FIRST_PASS_SUITES=$DEVICE_SUITES vm_leg 7 test-7 "backend=cma|backend=dma" $SUITE pool
# Two NUMA nodes, each with a CMA area of its own (numa_cma=): buffers by
# node, proven by the memory block their address is in and by the node's
# CMA use, with both backends (the per-node areas are the DMA API's alone).
VM_NUMA=2 VM_APPEND="numa_cma=0:32M,1:32M" vm_leg 7-numa test-7 "backend=cma|backend=dma" areas owned
VM_MACHINE=q35 VM_DEVICES=$IOMMU_DEVICES VM_APPEND=intel_iommu=on VM_GUEST_ENV=CMA_BUF_EDU_UNPLUG=1 \
	vm_leg 7-iommu test-7 "backend=cma" edu

say "VM: short stress (random-operation fuzzing, fault injection, regressions)"
"$TOP/tests/fuzz/stress.sh" --short >"$CHECK/stress.out" 2>&1
rc=$?
record_tap "stress:" "$CHECK/stress.out"
grep -E '^not ok|^stress:' "$CHECK/stress.out"
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$CHECK/stress.out"; then
	tail -n 20 "$CHECK/stress.out"
	record fail "stress: short run completed (status $rc)"
fi

# Here, not at the end of the other chain: that one is the longer (measured).
say "VM: group access through the udev rule's helper"
"$TOP/tests/packaging/group-vm.sh" >"$CHECK/group.tap" 2>&1
rc=$?
record_tap "group:" "$CHECK/group.tap"
grep '^not ok' "$CHECK/group.tap"
if [ "$rc" -ge 124 ] || ! grep -q '^ok ' "$CHECK/group.tap"; then
	tail -n 20 "$CHECK/group.tap"
	record fail "group: guest ran to completion"
fi

wait "$chain"
cat "$CHECK/chain-arm64-stock.log"

finish
