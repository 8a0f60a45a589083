#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The cmabuf CLI on the host, without the module: areas, alloc --area/--node,
# run, and list/info's node and owner, on a fake sysfs with a stand-in for
# CMA_BUF_IOC_ALLOC (tests/fake_sysfs.c, LD_PRELOADed). Each case compares
# exit status, standard output and standard error exactly. Prints TAP.
#
#   tests/cli-host.sh OUT      (OUT: the build folder with cmabuf and fake_sysfs.so)
set -u
OUT=$(cd "${1:?usage: cli-host.sh OUT}" && pwd)
T=$(mktemp -d /tmp/cmabuf-cli-host.XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$T/sys
SYS=$ROOT/class/cma_buf
n=0 failed=0

run() {
	CMABUF_FAKE_SYSFS=$ROOT LD_PRELOAD=$OUT/fake_sysfs.so "$OUT/cmabuf" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect() { # expect NAME RC STDOUT STDERR
	n=$((n + 1))
	if [ -n "$3" ]; then printf '%s\n' "$3" >"$T/want-out"; else : >"$T/want-out"; fi
	if [ -n "$4" ]; then printf '%s\n' "$4" >"$T/want-err"; else : >"$T/want-err"; fi
	if [ "$rc" = "$2" ] && cmp -s "$T/out" "$T/want-out" && cmp -s "$T/err" "$T/want-err"; then
		echo "ok $n cli-host: $1"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $n cli-host: $1"
	echo "# exit status $rc, wanted $2"
	diff "$T/want-out" "$T/out" | sed 's/^/# stdout: /'
	diff "$T/want-err" "$T/err" | sed 's/^/# stderr: /'
}

check() { # check NAME 'CONDITION'
	n=$((n + 1))
	if eval "$2"; then echo "ok $n cli-host: $1"; else failed=$((failed + 1)); echo "not ok $n cli-host: $1"; fi
}

put() { mkdir -p "$(dirname "$1")" && printf '%b' "$2" >"$1"; }

fake_buffer() { # fake_buffer N [NODE OWNER]: a buffer as the module shows it
	local d=$SYS/cma_buf$1
	mkdir -p "$d"
	put "$d/size" '65536\n'
	put "$d/origin" 'reserved\n'
	put "$d/dev" "250:$1\n"
	put "$d/phys_addr" '0x0000000030400000\n'
	put "$d/cache" 'cached\n'
	put "$d/mappings" '0\n'
	[ $# -lt 3 ] || { put "$d/node" "$2\n"; put "$d/owner" "$3\n"; }
}

page=$(getconf PAGESIZE)
mkdir -p "$SYS"
put "$SYS/backend" 'cma\n'

# areas

run areas
expect "areas of a module without the file" 1 "" \
	"cmabuf: areas: the cma_buf module does not list its areas (it predates $SYS/areas)"
put "$SYS/areas" 'reserved - - 0 4194304\ncmabuf@50000000 0x50000000 33554432 0 0\nnode1 - - 1 0\n'
put "$ROOT/kernel/mm/cma/reserved/total_pages" "$((256 * 1048576 / page))\n"
put "$ROOT/kernel/mm/cma/reserved/available_pages" "$((200 * 1048576 / page))\n"
run areas
expect "areas: a table, sizes from the module or the kernel, the default marked" 0 \
"NAME             BASE                  SIZE    FREE  NODE    HELD  DEFAULT
reserved         -                     256M    200M     0      4M  yes
cmabuf@50000000  0x0000000050000000     32M       -     0       0  no
node1            -                        -       -     1       0  no" ""
run areas --json
expect "areas --json" 0 '[
  {"name": "reserved", "default": true, "base": null, "size": 268435456, "free": 209715200, "node": 0, "held": 4194304},
  {"name": "cmabuf@50000000", "default": false, "base": "0x0000000050000000", "size": 33554432, "free": null, "node": 0, "held": 0},
  {"name": "node1", "default": false, "base": null, "size": null, "free": null, "node": 1, "held": 0}
]' ""
put "$SYS/areas" 'reserved - - 0 4194304\nbad line\n'
run areas
expect "areas: a line it does not understand" 1 "" "cmabuf: areas: $SYS/areas: Protocol error"
put "$SYS/areas" 'reserved - - 0 4194304\n'

# alloc --area, --node: what is written to alloc

fake_buffer 9
: >"$SYS/alloc"
run alloc 4K --index 9 --area reserved
check "alloc --area writes area=" '[ "$rc" = 0 ] && [ "$(cat "$T/out")" = cma_buf9 ] &&
	[ "$(cat "$SYS/alloc")" = "4096 9 area=reserved" ]'
: >"$SYS/alloc"
run alloc 1M --index 9 --node 1 --pinnable --align 64K
check "alloc --node --pinnable --align writes them all" '[ "$rc" = 0 ] &&
	[ "$(cat "$SYS/alloc")" = "1048576 9 align=65536 pinnable node=1" ]'
ALLOC_USAGE="usage: cmabuf alloc SIZE [--align A] [--index N] [--pinnable] [--area NAME | --node N]
Try 'cmabuf alloc --help'."
run alloc 4K --area reserved --node 0
expect "alloc --area with --node" 2 "" "cmabuf: alloc: --area and --node exclude each other
$ALLOC_USAGE"
run alloc 4K --node -1
expect "alloc --node -1" 2 "" "cmabuf: alloc: invalid node '-1' (a decimal number)
$ALLOC_USAGE"
run alloc 4K --node 0x1
expect "alloc --node 0x1" 2 "" "cmabuf: alloc: invalid node '0x1' (a decimal number)
$ALLOC_USAGE"
run alloc 4K --area ""
expect "alloc --area ''" 2 "" "cmabuf: alloc: invalid area name '' (1 to 63 bytes, no '/' or blank; 'cmabuf areas' lists them)
$ALLOC_USAGE"
run alloc 4K --area a/b
expect "alloc --area a/b" 2 "" "cmabuf: alloc: invalid area name 'a/b' (1 to 63 bytes, no '/' or blank; 'cmabuf areas' lists them)
$ALLOC_USAGE"
check "refused options write nothing" '[ "$(cat "$SYS/alloc")" = "1048576 9 align=65536 pinnable node=1" ]'
rm -rf "$SYS/cma_buf9"

# list, info: node and owner

fake_buffer 0 1 fd
fake_buffer 1
run list
expect "list: NODE and OWNER, - where the module has no attribute" 0 \
"NAME        SIZE  PHYS_ADDR           ORIGIN    NODE  OWNER  CACHE   MAPS
cma_buf0     64K  0x0000000030400000  reserved     1  fd     cached     0
cma_buf1     64K  0x0000000030400000  reserved     -  -      cached     0" ""
run list --json
expect "list --json: node and owner, null where absent" 0 '[
  {"name": "cma_buf0", "index": 0, "device": "/dev/cma_buf0", "dev": "250:0", "size": 65536, "phys_addr": "0x0000000030400000", "origin": "reserved", "node": 1, "owner": "fd", "cache": "cached", "mappings": 0},
  {"name": "cma_buf1", "index": 1, "device": "/dev/cma_buf1", "dev": "250:1", "size": 65536, "phys_addr": "0x0000000030400000", "origin": "reserved", "node": null, "owner": null, "cache": "cached", "mappings": 0}
]' ""
run info 0
expect "info: node and owner lines" 0 "name:      cma_buf0
device:    /dev/cma_buf0 (250:0)
size:      65536 (64K)
phys_addr: 0x0000000030400000
origin:    reserved
node:      1
owner:     fd
cache:     cached
mappings:  0" ""
put "$SYS/cma_buf0/owner" 'kernel\n'
run info 0
expect "info: an owner it does not know" 1 "" "cmabuf: info 0: $SYS/cma_buf0/owner: Protocol error"
rm -rf "$SYS/cma_buf0" "$SYS/cma_buf1"

# run

run run 64K --area reserved -- sh -c 'echo "$CMABUF_NAME $CMABUF_SIZE"; readlink "/proc/self/fd/$CMABUF_FD"'
expect "run: COMMAND has CMABUF_NAME, CMABUF_SIZE and the descriptor CMABUF_FD" 0 \
	"cma_buf0 65536
/memfd:cma_buf (deleted)" ""
check "run: one CMA_BUF_IOC_ALLOC, close-on-exec asked for, the area passed" \
	'[ "$(cat "$ROOT/ioctl.log")" = "size=65536 align=0 flags=2 node=-1 area=reserved" ]'
rm -rf "$SYS/cma_buf0" "$ROOT/ioctl.log"
run run 1M --node 1 --pinnable --align 2M -- true
check "run --node --pinnable --align: all in the request" '[ "$rc" = 0 ] &&
	[ "$(cat "$ROOT/ioctl.log")" = "size=1048576 align=2097152 flags=3 node=1 area=" ]'
rm -rf "$SYS/cma_buf0"
run run 4K -- sh -c 'sh -c "[ -e /proc/self/fd/$CMABUF_FD ]" && echo inherited'
expect "run: the descriptor survives COMMAND's own exec" 0 "inherited" ""
rm -rf "$SYS/cma_buf0"
run run 4K -- sh -c 'exit 3'
expect "run: COMMAND's exit status" 3 "" ""
rm -rf "$SYS/cma_buf0"
run run 4K -- sh -c 'kill -TERM $$'
expect "run: killed by SIGTERM is 143" 143 "" ""
rm -rf "$SYS/cma_buf0"
run run 4K -- /nonexistent/cmd arg
expect "run: COMMAND not found is 127" 127 "" "cmabuf: run: /nonexistent/cmd: No such file or directory"
rm -rf "$SYS/cma_buf0"
run run 4K -- /dev/null
expect "run: COMMAND not executable is 126" 126 "" "cmabuf: run: /dev/null: Permission denied"
rm -rf "$SYS/cma_buf0"
run run 4K -- ls --frob-option-of-ls-not-cmabuf /nonexistent
check "run: options after -- are COMMAND's" '[ "$rc" = 2 ] && ! grep -q "^cmabuf" "$T/err"'
rm -rf "$SYS/cma_buf0"
run run 4K --area nosuch -- true
expect "run --area of an area the module does not have" 1 "" \
	"cmabuf: run 4K: no CMA area 'nosuch' ('cmabuf areas' lists them)"
run run 4K --node 7 -- true
expect "run --node without an area on it" 1 "" \
	"cmabuf: run 4K: no CMA area on node 7 ('cmabuf areas' lists them)"
RUN_USAGE="usage: cmabuf run SIZE [--align A] [--pinnable] [--area NAME | --node N] -- COMMAND [ARG...]
Try 'cmabuf run --help'."
run run 4K true
expect "run: COMMAND without --" 2 "" "cmabuf: run: missing '-- COMMAND'
$RUN_USAGE"
run run 4K --
expect "run: -- without COMMAND" 2 "" "cmabuf: run: missing '-- COMMAND'
$RUN_USAGE"
run run -- true
expect "run: no SIZE" 2 "" "cmabuf: run: missing argument
$RUN_USAGE"
run run 4K --index 3 -- true
expect "run: no --index (the module picks it)" 2 "" "cmabuf: run: unknown option '--index'
$RUN_USAGE"
check "no buffer left in the fake sysfs by refused runs" '[ ! -e "$SYS/cma_buf0" ]'

echo "1..$n"
[ "$failed" = 0 ]
