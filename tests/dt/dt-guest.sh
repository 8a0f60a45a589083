#!/bin/sh
# Run in the arm64 VM booted with tests/dt/cma-buf.dtsi merged into QEMU's
# device tree: two cma-buf nodes with a region each, and one that cannot
# bind. Buffers must come from the region asked for (area=), the first by
# default, with its name as origin, its node's cache-mode and max-bytes;
# the broken node is reported and changes nothing else; with both backends.
# TAP on stdout.
#   dt-guest.sh REGION_NODE_NAME...   (in device-tree order)
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
base_of() { echo $(($(hex64 "/proc/device-tree/reserved-memory/$1/reg" 0))); }
size_of() { echo $(($(hex64 "/proc/device-tree/reserved-memory/$1/reg" 8))); }

def_base=$(($(cat $dbg/reserved/base_pfn) * 4096))
def_end=$((def_base + $(cat $dbg/reserved/count) * 4096))
printf '# default area 0x%x-0x%x\n' $def_base $def_end
for r in "$@"; do
	base=$(base_of "$r") size=$(size_of "$r")
	printf '# region %s: 0x%x + 0x%x\n' "$r" $base $size
	[ -d "$dbg/$r" ] && [ $(($(cat "$dbg/$r/base_pfn") * 4096)) = $base ]
	ok $? "dt: region $r is a CMA area of its own at its reg address"
	[ $((base + size)) -le $def_base ] || [ $base -ge $def_end ]
	ok $? "dt: region $r and the default area do not overlap"
done

# check_region BACKEND REGION [area=REGION] CACHE LIMIT: a 4 MiB buffer from
# REGION in cache mode CACHE; with LIMIT (bytes), max-bytes holds there.
check_region() {
	b=$1 r=$2 opt=$3 cache=$4 limit=$5
	base=$(base_of "$r") size=$(size_of "$r")
	r0=$(used "$r") d0=$(used reserved)
	echo "4M 0 $opt" >$cls/alloc
	ok $? "dt $b $r: 4 MiB buffer allocated (${opt:-default area})"
	phys=$(($(cat $cls/cma_buf0/phys_addr)))
	printf '# cma_buf0 at 0x%x\n' $phys
	[ $phys -ge $base ] && [ $((phys + 4194304)) -le $((base + size)) ]
	ok $? "dt $b $r: phys_addr inside the region's reg"
	[ $((phys + 4194304)) -le $def_base ] || [ $phys -ge $def_end ]
	ok $? "dt $b $r: phys_addr outside the default area"
	[ $(($(used "$r") - r0)) = 1024 ] && [ "$(used reserved)" = "$d0" ]
	ok $? "dt $b $r: region's CMA use grew by 1024 pages, default area's did not"
	[ "$(cat $cls/cma_buf0/origin)" = "$r" ]
	ok $? "dt $b $r: origin is the region's name"
	[ "$(cat $cls/cma_buf0/cache)" = "$cache" ]
	ok $? "dt $b $r: buffer starts in the node's cache-mode ($cache)"
	demo-map /dev/cma_buf0 "$(cat $cls/cma_buf0/phys_addr)" 4194304 >/tmp/map.log 2>&1
	ok $? "dt $b $r: data written through the mapping reads back from /dev/mem"
	if [ -n "$limit" ]; then
		echo "16M 1 $opt" >$cls/alloc
		ok $? "dt $b $r: 16 MiB more fit under max-bytes ($limit bytes)"
		err=$( (echo "8M 2 $opt" >$cls/alloc) 2>&1)
		case "$err" in *"No space left"*) s=0 ;; *) s=1 ;; esac
		ok $s "dt $b $r: 8 MiB more exceed max-bytes: ENOSPC"
		echo 1 >$cls/free
	fi
	echo 0 >$cls/free
	[ "$(used "$r")" = "$r0" ]
	ok $? "dt $b $r: freed buffers return to the region"
}

check_backend() { # check_backend BACKEND LOADS_SO_FAR REGION1 REGION2
	b=$1 loads=$2 r1=$3 r2=$4
	[ "$(cat $cls/backend)" = "$b" ]
	ok $? "dt $b: module loaded with backend $b"
	[ "$(dmesg | grep -c "area $r1, node 0, DMA non-coherent")" = "$loads" ] &&
		[ "$(dmesg | grep -c "area $r2, node 0, DMA non-coherent")" = "$loads" ]
	ok $? "dt $b: both regions are areas, DMA non-coherent (sync maintains caches)"
	[ "$(dmesg | grep -c "cma-buf-broken did not bind")" = "$loads" ]
	ok $? "dt $b: the node that cannot bind is reported"
	[ "$(sed -n '1s/ .*//p' $cls/areas)" = "$r1" ] && [ "$(sed -n '2s/ .*//p' $cls/areas)" = "$r2" ]
	ok $? "dt $b: areas lists the regions first, in device-tree order"
	printf '%s\n' "$(cat $cls/areas)" | sed 's/^/# /'
	grep -q "^$r1 $(printf '%#x' "$(base_of "$r1")") $(size_of "$r1") 0 0\$" $cls/areas
	ok $? "dt $b: areas shows $r1's base, size and node"
	check_region "$b" "$r1" "" writecombine 25165824
	check_region "$b" "$r2" "area=$r2" cached ""
	check_region "$b" "$r1" "area=$r1" writecombine ""
}

check_backend "$(cat $cls/backend)" 1 "$1" "$2"
rmmod cma_buf
insmod "$CMA_BUF_MODULE" backend=dma
ok $? "dt: module reloads with backend=dma"
check_backend dma 2 "$1" "$2"
echo "1..$n"
exit $failed
