#!/bin/bash
# Device-tree region test, arm64: dump QEMU's own device tree for the test
# machine, merge tests/dt/cma-buf.dtsi into it with dtc, boot with it and run
# dt-guest.sh. TAP on stdout; exit status as tests/vm/run.sh's (0 all passed,
# 124 timeout, 125 no result, 126 kernel splat, else failures).
#   dt-test.sh [--log FILE] [--name NAME]
set -euo pipefail
. "$(dirname "$0")/../env.sh"
LOG= NAME=dt-$$
while [ $# -gt 0 ]; do
	case "$1" in
	--log) LOG=$2 ;;
	--name) NAME=$2 ;;
	*) echo "dt-test.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
"$TOP/scripts/deps.sh" --arch arm64 >&2
image=$(kernel_image test arm64)
ko=$(module_for test arm64)
tests=$(build_tests arm64)
work=$BUILD/vm/$NAME-dtb
mkdir -p "$work"
vm=("$TOP/tests/vm/run.sh" --arch arm64 --kernel "$image" --name "$NAME")
"${vm[@]}" --dumpdtb "$work/virt.dtb" >&2
dtc -q -I dtb -O dts -o "$work/virt.dts" "$work/virt.dtb"
cat "$work/virt.dts" "$TOP/tests/dt/cma-buf.dtsi" >"$work/cma-buf.dts"
dtc -q -I dts -O dtb -o "$work/cma-buf.dtb" "$work/cma-buf.dts"
region=$(sed -n 's/^[[:space:]]*[a-z0-9_]*: *\(cmabuf@[0-9a-f]*\) {$/\1/p' "$TOP/tests/dt/cma-buf.dtsi")
region=$(echo $region)	# one line: the guest command takes them as words
exec "${vm[@]}" --dtb "$work/cma-buf.dtb" --module "$ko" --tests "$tests" \
	--add "$TOP/tests/dt/dt-guest.sh" ${LOG:+--log "$LOG"} --timeout "${VM_TIMEOUT:-900}" \
	--cmd "dt-guest.sh $region"
