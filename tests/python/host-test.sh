#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the cmabuf Python package, no module needed: its ioctl
# numbers and its struct cmabuf_info layout against the C headers, and its
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
read -r csize coff_size coff_origin coff_maps coff_minor ioc_sync ioc_export < <("$work/layout" | tr '\n' ' ')
py() { PYTHONPATH="$TOP/tools/python" /usr/bin/python3 -c "$1"; }
got=$(py 'import ctypes, cmabuf as c; I = c._Info
print(ctypes.sizeof(I), I.size.offset, I.origin.offset, I.mappings.offset, I.dev_minor.offset)')
want="$csize $coff_size $coff_origin $coff_maps $coff_minor"
[ "$got" = "$want" ] && tap OK "struct cmabuf_info layout: $got" || tap FAIL "struct cmabuf_info layout: $got, C has $want"
got=$(py 'import cmabuf as c; print(c._IOC_SYNC, c._IOC_EXPORT_DMABUF)')
[ "$got" = "$ioc_sync $ioc_export" ] && tap OK "ioctl numbers $got" || tap FAIL "ioctl numbers $got, C has $ioc_sync $ioc_export"
# Argument checks before any library call (the library is not even loaded).
for expr in 'allocate(0)' 'allocate((4, -1))' 'allocate(16, cache="fast")'; do
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
echo "1..$n"
