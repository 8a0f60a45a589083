#!/bin/sh
# The used-by path, shown step by step inside the VM. Exits non-zero at the
# first step that does not hold.
set -e
C=/sys/class/cma_buf
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "# $*"; sh -c "$*"; }
used() { cat /sys/kernel/debug/cma/reserved/used; }

step "The module is loaded and uses backend '$(cat $C/backend)'"
grep Cma /proc/meminfo
before=$(used)
echo "CMA pages in use: $before"

step "Allocate 4 MiB of physically contiguous memory"
run "echo 4M > $C/alloc"
run "ls -l /dev/cma_buf0"

step "Its physical address and size"
run "cat $C/cma_buf0/phys_addr $C/cma_buf0/size $C/cma_buf0/origin"
phys=$(cat $C/cma_buf0/phys_addr)
size=$(cat $C/cma_buf0/size)
echo "CMA pages in use: $(used) (was $before)"

step "Map /dev/cma_buf0, write a pattern, read it back, read it from physical memory"
run "demo-map /dev/cma_buf0 $phys $size"

step "Free it: the pages go back to CMA"
run "echo 0 > $C/free"
[ ! -e /dev/cma_buf0 ] && echo "/dev/cma_buf0 is gone"
after=$(used)
echo "CMA pages in use: $after (was $before)"
[ "$after" = "$before" ]

step "Bad input is refused with a precise error, and leaves nothing behind"
for spec in "4X" "0" "99999999999999999999"; do
	if echo "$spec" > $C/alloc 2>/tmp/err; then exit 1; fi
	echo "echo '$spec' > alloc: $(sed 's/.*: //' /tmp/err)"
done
if echo 1G > $C/alloc 2>/tmp/err; then exit 1; fi
echo "echo 1G > alloc (bigger than the 256 MiB area): $(sed 's/.*: //' /tmp/err)"
[ "$(used)" = "$before" ] && [ -z "$(ls $C | grep cma_buf)" ]
echo "nothing left behind"

if edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device 2>/dev/null | head -n 1) && [ -n "$edu" ]; then
	edu=$(basename "$(dirname "$edu")")
	step "A PCI device DMAs into the buffer: QEMU's edu at $edu, driven from user space"
	run "echo 4M > $C/alloc"
	phys=$(cat $C/cma_buf0/phys_addr)
	echo "# the CPU writes 4000 bytes at offset 0; the device reads them from"
	echo "# phys_addr, then writes them back at phys_addr + 1 MiB"
	dd if=/dev/urandom of=/tmp/pattern bs=4000 count=1 2>/dev/null
	dd if=/tmp/pattern of=/dev/cma_buf0 bs=4000 count=1 conv=notrunc 2>/dev/null
	run "edu-dma to-device $phys 4000"
	run "edu-dma to-ram $(printf '0x%x' $((phys + 1048576))) 4000"
	dd if=/dev/cma_buf0 of=/tmp/landed bs=4096 skip=256 count=1 2>/dev/null
	head -c 4000 /tmp/landed >/tmp/landed.4000
	cmp /tmp/pattern /tmp/landed.4000
	echo "the 4000 bytes at offset 1 MiB are the device's copy of the pattern"
	step "Bind the buffer to the device: the address to program is dma_addr"
	run "echo $edu > $C/cma_buf0/dma_device"
	run "cat $C/cma_buf0/dma_device $C/cma_buf0/dma_addr"
	echo "(no IOMMU here, so dma_addr = phys_addr; behind an IOMMU they differ and"
	echo " only dma_addr works: program dma_addr, never phys_addr)"
	run "echo 0 > $C/free"
	[ "$(used)" = "$before" ] && echo "freed, unbound, CMA pages in use: $(used), as before"
fi

if [ -x /extra/cmabuf ]; then
	export PATH=/extra:$PATH
	step "The same with the cmabuf tool"
	run "cmabuf alloc 16M"
	run "cmabuf alloc 64K --align 1M --index 5"
	run "cmabuf list"
	run "cmabuf fill cma_buf0 random:7"
	run "cmabuf verify cma_buf0 random:7"
	run "cmabuf fill cma_buf5 inc"
	run "cmabuf dump cma_buf5 --offset 0xf8 --length 24"
	run "cmabuf save cma_buf0 /tmp/frame.bin && cmabuf load cma_buf5 /tmp/frame.bin" \
		&& exit 1 || echo "(refused: the file is larger than the buffer)"
	run "cmabuf free cma_buf0 cma_buf5"
	[ "$(used)" = "$before" ] && echo "CMA pages in use: $(used), as before"
fi

printf '\n\033[1;32mdemo: all steps held\033[0m\n'
