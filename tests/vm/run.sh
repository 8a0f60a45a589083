#!/bin/bash
# Boot a kernel in QEMU with an initramfs holding busybox, the cma_buf module,
# the test programs and an optional extra folder; run one command as root and
# exit with its status. A hung guest is killed after --timeout seconds; any
# kernel splat in the console log fails the run even if the command passed.
#
#   run.sh --kernel IMAGE [--arch x86_64] [--module KO] [--modparams STR]
#          [--tests DIR] [--extra DIR] [--log FILE] [--timeout S] [--mem MB]
#          [--append ARGS] [--name NAME] [--add FILE]... [--dtb FILE]
#          [--dumpdtb FILE] [--machine M] [--device SPEC]... [--disk IMAGE]
#          [--numa N] [--cmd CMD]
# --add copies a file into /tests. --machine picks the x86_64 board (pc, the
# default, or q35); --device adds a QEMU device (for example
# "edu,dma_mask=0xffffffffffffffff"), in order, after the board's own.
# --disk gives an ext4 root image (tests/debian-root.sh) as a virtio disk in
# snapshot mode: the command (or shell) then runs chrooted in it, the guest's
# writes to it vanish with the VM. --numa splits memory and CPUs evenly
# into N NUMA nodes, the two CPUs on the first two (x86_64: ACPI SRAT;
# arm64: the device tree). Without --cmd the guest gives an
# interactive shell on this terminal. --arch arm64 boots QEMU's "virt" board
# (TCG); there --dtb boots with that device tree instead of QEMU's own, and
# --dumpdtb writes QEMU's own tree for exactly this machine and exits.
# The command's output (stdout here) travels on a port of its own: the
# second UART ttyS1 on x86_64, a virtio console hvc0 on arm64 (virt has one
# UART); the kernel console goes to the log.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
ARCH=x86_64 KERNEL= MODULE= MODPARAMS= TESTS= EXTRA= LOG= TIMEOUT=600 MEM=1024
APPEND= CMD= NAME=vm KNAME=test ADD=() DTB= DUMPDTB= MACHINE_X86=pc DEVICES=() DISK= NUMA=1
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNEL=$2 ;;
	--kname) KNAME=$2 ;;
	--arch) ARCH=$2 ;;
	--module) MODULE=$2 ;;
	--modparams) MODPARAMS=$2 ;;
	--tests) TESTS=$2 ;;
	--extra) EXTRA=$2 ;;
	--log) LOG=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--mem) MEM=$2 ;;
	--append) APPEND=$2 ;;
	--name) NAME=$2 ;;
	--cmd) CMD=$2 ;;
	--add) ADD+=("$2") ;;
	--dtb) DTB=$2 ;;
	--dumpdtb) DUMPDTB=$2 ;;
	--machine) MACHINE_X86=$2 ;;
	--device) DEVICES+=("$2") ;;
	--disk) DISK=$2 ;;
	--numa) NUMA=$2 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$KERNEL" ] || { echo "run.sh: --kernel is required" >&2; exit 2; }
if [ "$ARCH" != arm64 ] && [ -n "$DTB$DUMPDTB" ]; then
	echo "run.sh: --dtb and --dumpdtb are for --arch arm64" >&2
	exit 2
fi

WORK=$TOP/build/vm/$NAME
LOG=${LOG:-$WORK/console.log}
rm -rf "$WORK/root"
mkdir -p "$WORK/root"/{bin,sbin,proc,sys,dev,tmp,etc,tests,extra}
root=$WORK/root

case "$ARCH" in
x86_64)
	BUSYBOX=/bin/busybox
	QEMU=(qemu-system-x86_64 -machine "$MACHINE_X86" -smp 2)
	CONSOLE=ttyS0
	OUT_TTY=ttyS1
	;;
arm64)
	BUSYBOX=${BUSYBOX_ARM64:-$TOP/build/arm64/busybox}
	MACHINE=virt${DUMPDTB:+,dumpdtb=$DUMPDTB}
	QEMU=(qemu-system-aarch64 -machine "$MACHINE" -cpu cortex-a57 -smp 2)
	CONSOLE=ttyAMA0
	OUT_TTY=hvc0
	;;
*) echo "run.sh: unknown arch $ARCH" >&2; exit 2 ;;
esac

cp "$BUSYBOX" "$root/bin/busybox"
cp "$HERE/init" "$root/init"
printf 'root:x:0:0:root:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
[ -z "$MODULE" ] || cp "$MODULE" "$root/cma-buf.ko"
[ -z "$TESTS" ] || cp -a "$TESTS"/. "$root/tests/"
[ -z "$EXTRA" ] || cp -a "$EXTRA"/. "$root/extra/"
for f in "${ADD[@]}"; do cp "$f" "$root/tests/"; done
{
	printf 'CMD=%q\n' "$CMD"
	printf 'MODPARAMS=%q\n' "$MODPARAMS"
	printf 'KERNEL=%q\n' "$KNAME"
	printf 'LOAD_MODULE=%q\n' "${MODULE:+1}"
	printf 'OUT_TTY=%q\n' "$OUT_TTY"
	printf 'ROOT_DISK=%q\n' "${DISK:+/dev/vda}"
} >"$root/etc/vm.conf"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio"
rm -rf "$root"

# KVM where it really works (nested virtualisation can hang the guest), else TCG.
accel=tcg
if [ "$ARCH" = x86_64 ] && [ -w /dev/kvm ] && [ "${CMA_BUF_VM_ACCEL:-}" != tcg ]; then
	probe=${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf/kvm-probe
	if [ ! -f "$probe" ]; then
		mkdir -p "$(dirname "$probe")"
		if timeout 20 "${QEMU[@]}" -accel kvm -m 256 -display none -no-reboot \
			-serial stdio -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio" \
			-append "console=$CONSOLE panic=-1 rdinit=/bin/busybox -- poweroff -f" \
			</dev/null 2>/dev/null | grep -q "Linux version"; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	accel=$(cat "$probe")
fi
[ "$accel" = kvm ] && QEMU+=(-accel kvm -cpu host) || QEMU+=(-accel tcg)

cmdline="console=$CONSOLE cma=${CMA_SIZE:-256M} panic=-1 oops=panic $APPEND"
QEMU+=(-m "$MEM" -display none -no-reboot -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio"
	-append "$cmdline")
[ -z "$DTB" ] || QEMU+=(-dtb "$DTB")
for d in "${DEVICES[@]}"; do QEMU+=(-device "$d"); done
[ -z "$DISK" ] || QEMU+=(-drive "file=$DISK,format=raw,if=virtio,snapshot=on")
if [ "$NUMA" -gt 1 ]; then
	# One socket per CPU: two cores of one socket on two nodes make the
	# scheduler warn that their shared cache spans nodes.
	QEMU+=(-smp 2,sockets=2,cores=1,threads=1)
	for ((i = 0; i < NUMA; i++)); do
		QEMU+=(-object "memory-backend-ram,id=numa$i,size=$((MEM / NUMA))M"
			-numa "node,nodeid=$i,memdev=numa$i$([ $i -lt 2 ] && echo ",cpus=$i")")
	done
fi

# The command's output port, after the console UART.
case "$ARCH" in
x86_64) OUTPUT=(-serial stdio) IDLE=(-serial null) ;;
arm64)
	OUTPUT=(-device virtio-serial-device -chardev stdio,id=cmdout
		-device virtconsole,chardev=cmdout)
	IDLE=()
	;;
esac

if [ -n "$DUMPDTB" ]; then
	# QEMU writes the tree it would boot with, for this very machine, and exits.
	rm -f "$DUMPDTB"
	"${QEMU[@]}" -serial null "${OUTPUT[@]}" </dev/null >/dev/null
	[ -s "$DUMPDTB" ] || { echo "run.sh: QEMU wrote no device tree" >&2; exit 1; }
	exit 0
fi

if [ -z "$CMD" ]; then
	# Interactive: the console is this terminal.
	"${QEMU[@]}" -serial mon:stdio "${IDLE[@]}"
	exit 0
fi

out=$WORK/output.txt
set +e
timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}" -serial "file:$LOG" "${OUTPUT[@]}" </dev/null |
	tr -d '\r' | tee "$out"
qrc=${PIPESTATUS[0]}
# A kernel that dies before init reaches our module ran nothing of ours (seen
# on Debian's stock 7.2 under TCG: an int3 oops in its own text patching, at
# boot and once at the switch to the TSC clocksource, just after init began).
# Boot it once more; the first log is kept beside the second.
if [ "$qrc" != 124 ] && [ "$qrc" != 137 ] && ! grep -q '^@@CMA_BUF_VM_START@@' "$LOG"; then
	mv "$LOG" "$LOG.boot-failure"
	echo "run.sh: kernel died before the module was loaded (log: $LOG.boot-failure); booting again" >&2
	timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}" -serial "file:$LOG" "${OUTPUT[@]}" \
		</dev/null | tr -d '\r' | tee "$out"
	qrc=${PIPESTATUS[0]}
fi
set -e

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run.sh: guest did not finish within ${TIMEOUT}s, killed (log: $LOG)" >&2
	exit 124
fi
rc=$(tr -d '\r' <"$LOG" | sed -n 's/^@@CMA_BUF_VM_EXIT \([0-9]*\)@@$/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	echo "run.sh: guest stopped without reporting a result (log: $LOG)" >&2
	exit 125
fi
if ! "$HERE/splat-check.sh" "$LOG"; then
	exit 126
fi
exit "$rc"
