#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the cmabuf Python package, no module needed: its ioctl
# numbers and its ctypes and struct layouts (struct cmabuf_info,
# struct cmabuf_area, struct cma_buf_alloc) against the C headers, and its
# argument checks. TAP on stdout. Needs python3 with numpy (Debian's).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/layout.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include "cmabuf.h"
#include "linux/cma_buf.h"
int main(void)
{
	printf("%lu %lu %lu %lu %lu\n", (unsigned long)sizeof(struct cmabuf_info),
	       (unsigned long)offsetof(struct cmabuf_info, size),
	       (unsigned long)offsetof(struct cmabuf_info, origin),
	       (unsigned long)offsetof(struct cmabuf_info, mappings),
	       (unsigned long)offsetof(struct cmabuf_info, dev_minor));
	printf("%lu %lu\n", (unsigned long)CMA_BUF_IOC_SYNC, (unsigned long)CMA_BUF_IOC_EXPORT_DMABUF);
	printf("%lu %lu %lu\n", (unsigned long)offsetof(struct cmabuf_info, node),
	       (unsigned long)offsetof(struct cmabuf_info, owner), (unsigned long)CMABUF_OWNER_FD);
	printf("%lu %lu %lu %lu %lu %lu\n", (unsigned long)sizeof(struct cmabuf_area),
	       (unsigned long)offsetof(struct cmabuf_area, flags),
	       (unsigned long)offsetof(struct cmabuf_area, node),
	       (unsigned long)offsetof(struct cmabuf_area, base),
	       (unsigned long)offsetof(struct cmabuf_area, held),
	       (unsigned long)CMABUF_AREA_HAS_FREE);
	printf("%lu %lu %lu %lu %lu %lu %lu %lu\n", (unsigned long)sizeof(struct cma_buf_alloc),
	       (unsigned long)offsetof(struct cma_buf_alloc, flags),
	       (unsigned long)offsetof(struct cma_buf_alloc, node),
	       (unsigned long)offsetof(struct cma_buf_alloc, area),
	       (unsigned long)offsetof(struct cma_buf_alloc, index),
	       (unsigned long)offsetof(struct cma_buf_alloc, fd),
	       (unsigned long)CMA_BUF_IOC_ALLOC, (unsigned long)CMA_BUF_AREA_NAME_MAX);
	printf("%lu %lu %d\n", (unsigned long)CMA_BUF_ALLOC_PINNABLE,
	       (unsigned long)CMA_BUF_ALLOC_CLOEXEC, CMA_BUF_NODE_ANY);
	return 0;
}
C
n=0
tap() { n=$((n + 1)); if [ "$1" = OK ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
if ! gcc -I"$TOP/tools" -I"$TOP/include/uapi" -o "$work/layout" "$work/layout.c"; then
	tap FAIL "layout probe builds"
	echo "1..$n"
	exit 1
fi
"$work/layout" >"$work/layout.out"
read -r csize coff_size coff_origin coff_maps coff_minor < <(sed -n 1p "$work/layout.out")
read -r ioc_sync ioc_export < <(sed -n 2p "$work/layout.out")
read -r coff_node coff_owner owner_fd < <(sed -n 3p "$work/layout.out")
read -r asize aoff_flags aoff_node aoff_base aoff_held area_has_free < <(sed -n 4p "$work/layout.out")
read -r ksize koff_flags koff_node koff_area koff_index koff_fd ioc_alloc name_max < <(sed -n 5p "$work/layout.out")
read -r kpin kcloexec knode_any < <(sed -n 6p "$work/layout.out")
py() { PYTHONPATH="$TOP/tools/python" /usr/bin/python3 -c "$1"; }
got=$(py 'import ctypes, cmabuf as c; I = c._Info
print(ctypes.sizeof(I), I.size.offset, I.origin.offset, I.mappings.offset, I.dev_minor.offset)')
want="$csize $coff_size $coff_origin $coff_maps $coff_minor"
[ "$got" = "$want" ] && tap OK "struct cmabuf_info layout: $got" || tap FAIL "struct cmabuf_info layout: $got, C has $want"
got=$(py 'import cmabuf as c; print(c._IOC_SYNC, c._IOC_EXPORT_DMABUF)')
[ "$got" = "$ioc_sync $ioc_export" ] && tap OK "ioctl numbers $got" || tap FAIL "ioctl numbers $got, C has $ioc_sync $ioc_export"
got=$(py 'import cmabuf as c; I = c._Info; print(I.node.offset, I.owner.offset, [k for k, v in c._OWNERS.items() if v == "fd"][0])')
want="$coff_node $coff_owner $owner_fd"
[ "$got" = "$want" ] && tap OK "struct cmabuf_info node, owner: $got" || tap FAIL "struct cmabuf_info node, owner: $got, C has $want"
got=$(py 'import ctypes, cmabuf as c; A = c._Area
print(ctypes.sizeof(A), A.flags.offset, A.node.offset, A.base.offset, A.held.offset, c._AREA_HAS_FREE)')
want="$asize $aoff_flags $aoff_node $aoff_base $aoff_held $area_has_free"
[ "$got" = "$want" ] && tap OK "struct cmabuf_area layout: $got" || tap FAIL "struct cmabuf_area layout: $got, C has $want"
# struct cma_buf_alloc as _ALLOC_FMT packs it: each field's offset is the
# size of the fields before it (the format is "=", without padding).
got=$(py 'import struct, cmabuf as c
f = c._ALLOC_FMT[1:].replace("%ds" % c._AREA_NAME_MAX, "A")
off = lambda k: struct.calcsize("=" + f[:k].replace("A", "%ds" % c._AREA_NAME_MAX))
print(struct.calcsize(c._ALLOC_FMT), off(2), off(3), off(4), off(5), off(6), c._IOC_ALLOC, c._AREA_NAME_MAX)')
want="$ksize $koff_flags $koff_node $koff_area $koff_index $koff_fd $ioc_alloc $name_max"
[ "$got" = "$want" ] && tap OK "struct cma_buf_alloc and CMA_BUF_IOC_ALLOC: $got" || tap FAIL "struct cma_buf_alloc and CMA_BUF_IOC_ALLOC: $got, C has $want"
got=$(py 'import cmabuf as c; print(c._KERNEL_ALLOC_PINNABLE, c._KERNEL_ALLOC_CLOEXEC, c._NODE_ANY)')
[ "$got" = "$kpin $kcloexec $knode_any" ] && tap OK "CMA_BUF_ALLOC_* and CMA_BUF_NODE_ANY: $got" || tap FAIL "CMA_BUF_ALLOC_* and CMA_BUF_NODE_ANY: $got, C has $kpin $kcloexec $knode_any"
# Argument checks before any library call (the library is not even loaded).
for expr in 'allocate(0)' 'allocate((4, -1))' 'allocate(16, cache="fast")' \
	'allocate(16, area="reserved", node=0)' 'allocate(16, node=-1)' \
	'allocate(16, owned=True, area="reserved", node=1)'; do
	out=$(CMABUF_LIBRARY=/nonexistent py "import cmabuf
try:
    cmabuf.$expr
except ValueError as e:
    print('ValueError')" 2>&1)
	[ "$out" = ValueError ] && tap OK "$expr: ValueError" || tap FAIL "$expr: $out"
done
out=$(CMABUF_LIBRARY=/nonexistent py 'import cmabuf
try:
    cmabuf.buffers()
except OSError as e:
    print("OSError")' 2>&1)
[ "$out" = OSError ] && tap OK "no libcmabuf: OSError at first use, not at import" || tap FAIL "no libcmabuf: $out"
# Area names the module refuses: EINVAL before anything is asked of it.
for area in '""' '"a/b"' '"a b"' '"x" * 64' '"a\x7f"'; do
	out=$(CMABUF_LIBRARY=/nonexistent py "import errno, cmabuf
try:
    cmabuf.allocate(16, owned=True, area=$area)
except OSError as e:
    print('EINVAL' if e.errno == errno.EINVAL else e)" 2>&1)
	[ "$out" = EINVAL ] && tap OK "allocate(owned=True, area=$area): EINVAL" || tap FAIL "allocate(owned=True, area=$area): $out"
done
out=$(CMABUF_LIBRARY=/nonexistent py 'import cmabuf
try:
    cmabuf.allocate(16, node="1")
except TypeError:
    print("TypeError")' 2>&1)
[ "$out" = TypeError ] && tap OK "allocate(node=\"1\"): TypeError" || tap FAIL "allocate(node=\"1\"): $out"
out=$(CMABUF_LIBRARY=/nonexistent py 'import cmabuf
try:
    cmabuf.areas()
except OSError:
    print("OSError")' 2>&1)
[ "$out" = OSError ] && tap OK "areas() without libcmabuf: OSError" || tap FAIL "areas() without libcmabuf: $out"
echo "1..$n"
