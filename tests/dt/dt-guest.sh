#!/bin/sh
# Run in the arm64 VM booted with tests/dt/cma-buf.dtsi merged into QEMU's
# device tree: buffers must come from the node's own region, with its name as
# origin, its cache-mode and its max-bytes; with both backends. TAP on stdout.
#   dt-guest.sh REGION_NODE_NAME
region=$1
node=/proc/device-tree/reserved-memory/$region
cls=/sys/class/cma_buf
dbg=/sys/kernel/debug/cma
n=0 failed=0
ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}
hex64() { # big-endian bytes of $1 from offset $2, 8 of them, as 0x...
	echo "0x$(od -An -tx1 -v -j "$2" -N 8 "$1" | tr -d ' \n')"
}
used() { cat "$dbg/$1/used"; }

# The region as the device tree gives it, and the default area as CMA does.
base=$(($(hex64 "$node/reg" 0)))
size=$(($(hex64 "$node/reg" 8)))
def_base=$(($(cat $dbg/reserved/base_pfn) * 4096))
def_end=$((def_base + $(cat $dbg/reserved/count) * 4096))
printf '# region %s: 0x%x + 0x%x; default area 0x%x-0x%x\n' "$region" $base $size \
	$def_base $def_end
[ -d "$dbg/$region" ] && [ $(($(cat "$dbg/$region/base_pfn") * 4096)) = $base ]
ok $? "dt: the region is a CMA area of its own at its reg address"
[ $((base + size)) -le $def_base ] || [ $base -ge $def_end ]
ok $? "dt: the region and the default area do not overlap"

check_backend() { # check_backend BACKEND LOADS_SO_FAR
	b=$1
	[ "$(cat $cls/backend)" = "$b" ]
	ok $? "dt $b: module loaded with backend $b"
	[ "$(dmesg | grep -c "buffers from $region, DMA non-coherent")" = "$2" ]
	ok $? "dt $b: module uses the node's region, DMA non-coherent (sync maintains caches)"

	r0=$(used "$region") d0=$(used reserved)
	echo "4M 0" >$cls/alloc
	ok $? "dt $b: 4 MiB buffer allocated"
	phys=$(($(cat $cls/cma_buf0/phys_addr)))
	printf '# cma_buf0 at 0x%x\n' $phys
	[ $phys -ge $base ] && [ $((phys + 4194304)) -le $((base + size)) ]
	ok $? "dt $b: phys_addr inside the region's reg"
	[ $((phys + 4194304)) -le $def_base ] || [ $phys -ge $def_end ]
	ok $? "dt $b: phys_addr outside the default area"
	[ $(($(used "$region") - r0)) = 1024 ] && [ "$(used reserved)" = "$d0" ]
	ok $? "dt $b: region's CMA use grew by 1024 pages, default area's did not"
	[ "$(cat $cls/cma_buf0/origin)" = "$region" ]
	ok $? "dt $b: origin is the region's name"
	[ "$(cat $cls/cma_buf0/cache)" = writecombine ]
	ok $? "dt $b: buffer starts in the node's cache-mode"
	demo-map /dev/cma_buf0 "$(cat $cls/cma_buf0/phys_addr)" 4194304 >/tmp/map.log 2>&1
	ok $? "dt $b: data written through the mapping reads back from /dev/mem"
	echo "16M 1" >$cls/alloc
	ok $? "dt $b: 16 MiB more fit under max-bytes (24 MiB)"
	err=$( (echo "8M 2" >$cls/alloc) 2>&1)
	case "$err" in *"No space left"*) s=0 ;; *) s=1 ;; esac
	ok $s "dt $b: 8 MiB more exceed max-bytes: ENOSPC"
	echo 0 >$cls/free && echo 1 >$cls/free
	[ "$(used "$region")" = "$r0" ]
	ok $? "dt $b: freed buffers return to the region"
}

check_backend "$(cat $cls/backend)" 1
rmmod cma_buf
insmod "$CMA_BUF_MODULE" backend=dma
ok $? "dt: module reloads with backend=dma"
check_backend dma 2
echo "1..$n"
exit $failed
