#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the cmabuf CLI (busybox sh), as root with the module loaded
# and no buffers yet. Every case runs one command and compares its exit
# status, standard output and standard error exactly. Prints TAP.
#
#   make -C tools vm-test OUT=DIR
#   make vm-run EXTRA=DIR CMD='/extra/cli-test.sh'
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$HERE:$PATH
export PATH
SYS=/sys/class/cma_buf
T=$(mktemp -d)
n=0
failed=0

# run CMD...: status in $rc, output in $T/out and $T/err
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect NAME RC STDOUT STDERR: the last run() gave exactly these. STDOUT
# and STDERR are texts without their final newline ("" for no output).
expect() {
	n=$((n + 1))
	if [ -n "$3" ]; then printf '%s\n' "$3" >"$T/want-out"; else : >"$T/want-out"; fi
	if [ -n "$4" ]; then printf '%s\n' "$4" >"$T/want-err"; else : >"$T/want-err"; fi
	if [ "$rc" = "$2" ] && cmp -s "$T/out" "$T/want-out" && cmp -s "$T/err" "$T/want-err"; then
		echo "ok $n $1"
		return 0
	fi
	failed=$((failed + 1))
	echo "not ok $n $1"
	echo "# exit status $rc, wanted $2"
	diff "$T/want-out" "$T/out" | sed 's/^/# stdout: /'
	diff "$T/want-err" "$T/err" | sed 's/^/# stderr: /'
	return 1
}

# check NAME 'SHELL CONDITION': a plain assertion, evaluated here.
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n $1"
	else
		failed=$((failed + 1))
		echo "not ok $n $1"
	fi
}

attr() { cat "$SYS/$1/$2"; }
cache_of() { if [ -f "$SYS/$1/cache" ]; then cat "$SYS/$1/cache"; else echo -; fi; }
cache_json() { if [ -f "$SYS/$1/cache" ]; then echo "\"$(cat "$SYS/$1/cache")\""; else echo null; fi; }
maps_of() { if [ -f "$SYS/$1/mappings" ]; then cat "$SYS/$1/mappings"; else echo -; fi; }
maps_json() { if [ -f "$SYS/$1/mappings" ]; then cat "$SYS/$1/mappings"; else echo null; fi; }
node_of() { if [ -f "$SYS/$1/node" ]; then cat "$SYS/$1/node"; else echo -; fi; }
node_json() { if [ -f "$SYS/$1/node" ]; then cat "$SYS/$1/node"; else echo null; fi; }
owner_of() { if [ -f "$SYS/$1/owner" ]; then cat "$SYS/$1/owner"; else echo -; fi; }
owner_json() { if [ -f "$SYS/$1/owner" ]; then echo "\"$(cat "$SYS/$1/owner")\""; else echo null; fi; }
json_of() { # json_of NAME [PHYS [MAPS]]: the object cmabuf prints for NAME
	i=${1#cma_buf}
	if [ $# -ge 2 ]; then phys=$2; else phys="\"$(attr "$1" phys_addr)\""; fi
	if [ $# -ge 3 ]; then maps=$3; else maps=$(maps_json "$1"); fi
	printf '{"name": "%s", "index": %s, "device": "/dev/%s", "dev": "%s", "size": %s, "phys_addr": %s, "origin": "%s", "node": %s, "owner": %s, "cache": %s, "mappings": %s}' \
		"$1" "$i" "$1" "$(attr "$1" dev)" "$(attr "$1" size)" "$phys" \
		"$(attr "$1" origin)" "$(node_json "$1")" "$(owner_json "$1")" "$(cache_json "$1")" "$maps"
}
# gone NAME: wait until the buffer has left sysfs (5 s at most)
gone() {
	w=0
	while [ -e "$SYS/$1" ]; do
		[ $w -lt 50 ] || return 1
		sleep 0.1
		w=$((w + 1))
	done
}
# maps_become NAME N: wait until the module counts N mappings of NAME (20 s at most)
maps_become() {
	w=0
	while [ "$(cat "$SYS/$1/mappings")" != "$2" ]; do
		[ $w -lt 200 ] || return 1
		sleep 0.1
		w=$((w + 1))
	done
}
NOBODY="runas 65534 65534"
ALLOC_USAGE="usage: cmabuf alloc SIZE [--align A] [--index N] [--pinnable] [--area NAME | --node N]
Try 'cmabuf alloc --help'."
DEV_HINT="is for root only unless a udev rule gives the 'cmabuf' group access (see cmabuf(1)); run as root or join that group"
SYS_HINT="cmabuf: hint: the cma_buf sysfs control files and phys_addr are for root only; run as root (e.g. with sudo)"

echo "# cmabuf CLI test on $(uname -r), backend $(cat $SYS/backend)"

# General

run cmabuf --version
expect "--version" 0 "cmabuf 0.2.0" ""
run cmabuf
check "no command: usage on stderr, status 2" '[ "$rc" = 2 ] && [ ! -s "$T/out" ] && [ -s "$T/err" ]'
run cmabuf frob
expect "unknown command" 2 "" "cmabuf: unknown command 'frob'
Try 'cmabuf --help'."
run cmabuf alloc --help
check "alloc --help: usage on stdout, status 0" '[ "$rc" = 0 ] && [ ! -s "$T/err" ] &&
	[ "$(head -n 1 "$T/out")" = "usage: cmabuf alloc SIZE [--align A] [--index N] [--pinnable] [--area NAME | --node N]" ]'
run cmabuf help dump
check "help dump: the dump usage" '[ "$rc" = 0 ] &&
	[ "$(head -n 1 "$T/out")" = "usage: cmabuf dump NAME [--offset O] [--length L]" ]'
for c in alloc run free list areas info fill verify dump load save; do
	run cmabuf $c --help
	[ "$rc" = 0 ] && grep -q "^usage: cmabuf $c" "$T/out" || break
done
check "every subcommand has --help" '[ "$rc" = 0 ]'

# Empty

run cmabuf list
expect "list with no buffers" 0 "NAME    SIZE  PHYS_ADDR           ORIGIN  NODE  OWNER  CACHE  MAPS" ""
run cmabuf list --json
expect "list --json with no buffers" 0 "[]" ""

# alloc

run cmabuf alloc 64K
expect "alloc 64K is cma_buf0" 0 "cma_buf0" ""
run cmabuf alloc 0x3000 --align 64K
expect "alloc 0x3000 --align 64K is cma_buf1" 0 "cma_buf1" ""
phys1=$(attr cma_buf1 phys_addr)
check "--align 64K: phys_addr $phys1 is 64K aligned" '[ $((phys1 % 65536)) = 0 ]'
check "0x3000 is 12288 bytes" '[ "$(attr cma_buf1 size)" = 12288 ]'
run cmabuf alloc 1m --index=7
expect "alloc 1m --index=7 is cma_buf7" 0 "cma_buf7" ""
run cmabuf alloc 100
expect "alloc 100 takes the lowest free index" 0 "cma_buf2" ""
check "100 bytes round up to a page" '[ "$(attr cma_buf2 size)" = 4096 ]'
run cmabuf alloc 4K --index 7
expect "alloc --index of a taken index: EEXIST" 1 "" \
	"cmabuf: alloc 4K: /sys/class/cma_buf/alloc: File exists"
run cmabuf alloc 4x
expect "alloc: bad size" 2 "" "cmabuf: alloc: invalid size '4x' (bytes: decimal or 0x hex, optionally followed by K, M or G)
$ALLOC_USAGE"
run cmabuf alloc 0
expect "alloc: zero size" 2 "" "cmabuf: alloc: size must not be zero
$ALLOC_USAGE"
run cmabuf alloc 18446744073709551616
expect "alloc: size beyond 64 bits" 2 "" "cmabuf: alloc: size '18446744073709551616' is too large
$ALLOC_USAGE"
run cmabuf alloc 4K --align 3K
expect "alloc: alignment not a power of two" 2 "" "cmabuf: alloc: alignment '3K' is not a power of two
$ALLOC_USAGE"
run cmabuf alloc 4K --index -1
expect "alloc: bad index" 2 "" "cmabuf: alloc: invalid index '-1' (a decimal number)
$ALLOC_USAGE"
run cmabuf alloc
expect "alloc: missing size" 2 "" "cmabuf: alloc: missing argument
$ALLOC_USAGE"
run cmabuf alloc 4K 8K
expect "alloc: extra argument" 2 "" "cmabuf: alloc: unexpected argument '8K'
$ALLOC_USAGE"
run cmabuf alloc 4K --frob
expect "alloc: unknown option" 2 "" "cmabuf: alloc: unknown option '--frob'
$ALLOC_USAGE"
run cmabuf alloc 4K --align
expect "alloc: option without its value" 2 "" "cmabuf: alloc: option '--align' needs a value
$ALLOC_USAGE"
run cmabuf alloc 4G
check "alloc 4G: fails with status 1 and names the alloc file" '[ "$rc" = 1 ] &&
	grep -q "^cmabuf: alloc 4G: /sys/class/cma_buf/alloc: " "$T/err"'
run cmabuf free 2
expect "free 2" 0 "" ""
run cmabuf alloc 1M --pinnable
if grep -q "Operation not supported" "$T/err"; then
	# Kernels whose dma backend pages cannot be pinned (Debian's stock ones).
	expect "alloc --pinnable where it cannot be: EOPNOTSUPP" 1 "" \
		"cmabuf: alloc 1M: /sys/class/cma_buf/alloc: Operation not supported"
else
	expect "alloc 1M --pinnable is cma_buf2" 0 "cma_buf2" ""
	check "--pinnable: the pinnable attribute reads 1" '[ "$(attr cma_buf2 pinnable)" = 1 ]'
	run cmabuf info cma_buf2
	check "info of a pinnable buffer ends with 'pinnable:  yes'" '[ "$rc" = 0 ] &&
		[ "$(tail -n 1 "$T/out")" = "pinnable:  yes" ]'
	if [ -b /dev/ram0 ]; then
		# The recipe: the device wrote the buffer, O_DIRECT puts it on disk.
		run cmabuf fill cma_buf2 random:5
		expect "fill the pinnable buffer" 0 "" ""
		run cmabuf save cma_buf2 /dev/ram0 --direct
		expect "save --direct of a pinnable buffer to a RAM disk" 0 "" ""
		check "the disk holds the buffer's bytes" \
			'head -c 1048576 /dev/ram0 | cmp -s - /dev/cma_buf2'
		run cmabuf save cma_buf7 /dev/ram0 --direct
		expect "save --direct of a plain buffer says what is needed" 1 "" \
			"cmabuf: save cma_buf7: /dev/ram0: O_DIRECT needs a pinnable buffer (alloc --pinnable)"
	fi
	run cmabuf save cma_buf2 - --direct
	expect "save --direct to standard output: usage error" 2 "" "cmabuf: save: --direct needs a FILE, not standard output
usage: cmabuf save NAME FILE [--direct]
Try 'cmabuf save --help'."
	run cmabuf free 2
	expect "free 2 (pinnable)" 0 "" ""
fi
check "a plain buffer's pinnable attribute reads 0" '[ "$(attr cma_buf0 pinnable)" = 0 ]'

# list, info

ow=$(for b in 0 1 7; do attr cma_buf$b origin; done | awk '{ if (length($0) > w) w = length($0) } END { print (w > 6 ? w : 6) }')
cw=$(for b in 0 1 7; do cache_of cma_buf$b; done | awk '{ if (length($0) > w) w = length($0) } END { print (w > 5 ? w : 5) }')
row() { # row NAME SIZE PHYS [MAPS]
	printf "%-8s  %6s  %-18s  %-${ow}s  %4s  %-5s  %-${cw}s  %4s\n" "$1" "$2" "$3" "$(attr "$1" origin)" \
		"$(node_of "$1")" "$(owner_of "$1")" "$(cache_of "$1")" "${4:-$(maps_of "$1")}"
}
table() { # table PHYS0 PHYS1 PHYS7 [MAPS0]
	printf "%-8s  %6s  %-18s  %-${ow}s  %4s  %-5s  %-${cw}s  %4s\n" NAME SIZE PHYS_ADDR ORIGIN NODE OWNER CACHE MAPS
	row cma_buf0 64K "$1" "$4"
	row cma_buf1 12K "$2"
	row cma_buf7 1M "$3"
}
run cmabuf list
expect "list: three buffers" 0 "$(table "$(attr cma_buf0 phys_addr)" "$(attr cma_buf1 phys_addr)" "$(attr cma_buf7 phys_addr)")" ""
run cmabuf list --json
expect "list --json: three buffers" 0 "[
  $(json_of cma_buf0),
  $(json_of cma_buf1),
  $(json_of cma_buf7)
]" ""
info0="name:      cma_buf0
device:    /dev/cma_buf0 ($(attr cma_buf0 dev))
size:      65536 (64K)
phys_addr: $(attr cma_buf0 phys_addr)
origin:    $(attr cma_buf0 origin)"
[ -f $SYS/cma_buf0/node ] && info0="$info0
node:      $(attr cma_buf0 node)"
[ -f $SYS/cma_buf0/owner ] && info0="$info0
owner:     $(attr cma_buf0 owner)"
[ -f $SYS/cma_buf0/cache ] && info0="$info0
cache:     $(attr cma_buf0 cache)"
[ -f $SYS/cma_buf0/mappings ] && info0="$info0
mappings:  0"
run cmabuf info cma_buf0
expect "info cma_buf0" 0 "$info0" ""
run cmabuf info 0
expect "info 0 is the same" 0 "$info0" ""
run cmabuf info /dev/cma_buf7 --json
expect "info /dev/cma_buf7 --json" 0 "$(json_of cma_buf7)" ""
run cmabuf info 9
expect "info of an absent buffer" 1 "" "cmabuf: info 9: /sys/class/cma_buf/cma_buf9: No such file or directory"
run cmabuf info cma_buf01
expect "info: a malformed name" 2 "" "cmabuf: info: invalid buffer name 'cma_buf01' (cma_bufN, N or /dev/cma_bufN)
usage: cmabuf info NAME [--json]
Try 'cmabuf info --help'."

# mappings: the module's count, read afresh. cmabuf load maps the buffer
# before it reads FILE: reading a FIFO that nobody writes to, it holds its
# mapping until the last writer closes the FIFO. This shell keeps the FIFO
# open read-write on fd 3 (which does not block) and the holders do not
# inherit it (3>&-), so closing fd 3 ends them. Each count is waited for
# with a bounded poll of the attribute, then compared exactly.

if [ -f $SYS/cma_buf0/mappings ]; then
	p0=$(attr cma_buf0 phys_addr) p1=$(attr cma_buf1 phys_addr) p7=$(attr cma_buf7 phys_addr)
	run cmabuf info cma_buf0 --json
	expect "info --json of a buffer nobody maps: mappings 0" 0 "$(json_of cma_buf0 "\"$p0\"" 0)" ""
	mkfifo "$T/fifo"
	cmabuf load cma_buf0 - <"$T/fifo" >"$T/hold1.out" 2>"$T/hold1.err" 3>&- &
	hold1=$!
	exec 3<>"$T/fifo"
	check "a process maps cma_buf0: the module counts 1" 'maps_become cma_buf0 1'
	run cmabuf info cma_buf0
	expect "info while one process maps it: mappings 1" 0 \
		"$(echo "$info0" | sed 's/^mappings:  0$/mappings:  1/')" ""
	run cmabuf list
	expect "list while one process maps cma_buf0: MAPS 1" 0 "$(table "$p0" "$p1" "$p7" 1)" ""
	run cmabuf info 0 --json
	expect "info --json while one process maps it: mappings 1" 0 \
		"$(json_of cma_buf0 "\"$p0\"" 1)" ""
	cmabuf load cma_buf0 - <"$T/fifo" >"$T/hold2.out" 2>"$T/hold2.err" 3>&- &
	hold2=$!
	check "a second process maps it: the module counts 2" 'maps_become cma_buf0 2'
	run $NOBODY cmabuf info 0
	expect "info as nobody while two processes map it: mappings 2" 0 \
		"$(echo "$info0" | sed -e 's/^phys_addr: .*/phys_addr: - (Permission denied)/' \
			-e 's/^mappings:  0$/mappings:  2/')" ""
	run $NOBODY cmabuf list --json
	expect "list --json as nobody while two processes map cma_buf0" 0 "[
  $(json_of cma_buf0 null 2),
  $(json_of cma_buf1 null 0),
  $(json_of cma_buf7 null 0)
]" ""
	exec 3>&-
	wait $hold1
	rc1=$?
	wait $hold2
	rc2=$?
	check "the holders end at the FIFO's end of file, loading nothing, silently" \
		'[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ ! -s "$T/hold1.out" ] && [ ! -s "$T/hold1.err" ] &&
		[ ! -s "$T/hold2.out" ] && [ ! -s "$T/hold2.err" ]'
	cat "$T/hold1.err" "$T/hold2.err" | sed 's/^/# holder: /'
	check "both gone: the module counts 0 again" 'maps_become cma_buf0 0'
	run cmabuf info cma_buf0
	expect "info after they exit: mappings 0" 0 "$info0" ""
	run cmabuf list
	expect "list after they exit: MAPS 0" 0 "$(table "$p0" "$p1" "$p7" 0)" ""
	rm -f "$T/fifo"
else
	n=$((n + 1))
	echo "ok $n mappings of a buffer while processes map it # SKIP the module has no mappings attribute"
fi

# fill, verify, dump

run cmabuf fill 0 0xAA
expect "fill 0 0xAA" 0 "" ""
run cmabuf verify 0 0xaa
expect "verify 0 0xaa" 0 "cma_buf0: 65536 bytes match 0xaa" ""
run cmabuf verify 0 zero
expect "verify 0 zero: mismatch at offset 0" 1 "" \
	"cmabuf: verify cma_buf0: mismatch at offset 0x0: expected 0x00, found 0xaa (pattern 0x00)"
run cmabuf dump 0
expect "dump 0: 64K of 0xaa" 0 "00000000  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|
*
00010000" ""
run cmabuf fill 7 inc
expect "fill 7 inc" 0 "" ""
run cmabuf verify cma_buf7 inc
expect "verify cma_buf7 inc" 0 "cma_buf7: 1048576 bytes match inc" ""
run cmabuf dump 7 --offset 0xf8 --length 0x1c
expect "dump --offset 0xf8 --length 0x1c" 0 "000000f8  f8 f9 fa fb fc fd fe ff  00 01 02 03 04 05 06 07  |................|
00000108  08 09 0a 0b 0c 0d 0e 0f  10 11 12 13              |............|
00000114" ""
hexdump -C /dev/cma_buf7 >"$T/hd"
cmabuf dump 7 >"$T/cd"
check "dump 7 equals busybox hexdump -C /dev/cma_buf7" 'cmp -s "$T/hd" "$T/cd"'
run cmabuf dump 7 --offset 1M
expect "dump at the very end: only the offset" 0 "00100000" ""
run cmabuf dump 7 --offset 1M --length 0
expect "dump --length 0 at the end: only the offset" 0 "00100000" ""
run cmabuf dump 7 --offset 0xffff0 --length 1G
expect "dump stops at the end of the buffer" 0 "000ffff0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|
00100000" ""
run cmabuf dump 7 --offset 0x100001
expect "dump: offset beyond the end" 1 "" "cmabuf: dump cma_buf7: offset 0x100001 is beyond the end of the buffer (1048576 bytes)"
run cmabuf dump 7 --offset 1.5
expect "dump: bad offset" 2 "" "cmabuf: dump: invalid offset '1.5' (bytes: decimal or 0x hex, optionally followed by K, M or G)
usage: cmabuf dump NAME [--offset O] [--length L]
Try 'cmabuf dump --help'."
run cmabuf fill 7 random:42
expect "fill 7 random:42" 0 "" ""
run cmabuf verify 7 random:42
expect "verify 7 random:42" 0 "cma_buf7: 1048576 bytes match random:42" ""
run cmabuf verify 7 random:43
check "verify with another seed fails" '[ "$rc" = 1 ] && grep -q "^cmabuf: verify cma_buf7: mismatch at offset 0x" "$T/err"'
run cmabuf fill 7 sparkles
expect "fill: bad pattern" 2 "" "cmabuf: fill: invalid pattern 'sparkles' (0xHH, zero, ones, inc or random:SEED)
usage: cmabuf fill NAME PATTERN
Try 'cmabuf fill --help'."
run cmabuf fill 5 zero
expect "fill of an absent buffer" 1 "" "cmabuf: fill 5: /sys/class/cma_buf/cma_buf5: No such file or directory"

# save, load

run cmabuf save 7 "$T/r.bin"
expect "save 7 (stderr not a terminal: no progress bar)" 0 "" ""
check "save wrote 1M" '[ "$(wc -c <"$T/r.bin")" = 1048576 ]'
check "save wrote what read() of the device gives" 'cmp -s "$T/r.bin" /dev/cma_buf7'
printf '\132' | dd of=/dev/cma_buf7 bs=1 seek=4242 conv=notrunc 2>/dev/null
want=$(od -An -tx1 -j4242 -N1 "$T/r.bin" | tr -d ' ')
run cmabuf verify 7 random:42
expect "verify finds a byte written through /dev" 1 "" "cmabuf: verify cma_buf7: mismatch at offset 0x1092: expected 0x$want, found 0x5a (pattern random:42)"
run cmabuf load 7 "$T/r.bin"
expect "load 7 restores it" 0 "" ""
run cmabuf verify 7 random:42
expect "verify after load" 0 "cma_buf7: 1048576 bytes match random:42" ""
head -c 100 "$T/r.bin" >"$T/small"
run cmabuf load 0 "$T/small"
expect "load a file smaller than the buffer" 0 "" ""
cmabuf save 0 - | head -c 100 >"$T/back"
check "save - gives the loaded bytes back" 'cmp -s "$T/small" "$T/back"'
check "bytes after the loaded file are untouched" '[ "$(cmabuf dump 0 --offset 100 --length 16 | head -n 1)" = \
	"00000064  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|" ]'
head -c 65537 /dev/zero >"$T/big"
run cmabuf load 0 "$T/big"
expect "load a file larger than the buffer" 1 "" "cmabuf: load cma_buf0: $T/big: File too large (65537 bytes, the buffer holds 65536)"
check "a refused load leaves the buffer alone" '[ "$(cmabuf dump 0 --length 4 | head -n 1)" = \
	"$(hexdump -C -n 4 "$T/small" | head -n 1)" ]'
cat "$T/big" | cmabuf load 0 - >"$T/out" 2>"$T/err"
rc=$?
expect "load from a pipe with more than the buffer" 1 "" "cmabuf: load cma_buf0: -: File too large (more than the buffer's 65536 bytes; those were loaded)"
run cmabuf load 0 /nonexistent
expect "load from a missing file" 1 "" "cmabuf: load cma_buf0: /nonexistent: No such file or directory"
run cmabuf save 0 /nonexistent/x
expect "save into a missing folder" 1 "" "cmabuf: save cma_buf0: /nonexistent/x: No such file or directory"
run cmabuf save 0
expect "save: missing FILE" 2 "" "cmabuf: save: missing argument
usage: cmabuf save NAME FILE [--direct]
Try 'cmabuf save --help'."

# Not root

run $NOBODY cmabuf list
expect "list as nobody: no phys_addr" 0 "$(table - - -)" ""
run $NOBODY cmabuf list --json
expect "list --json as nobody: phys_addr null" 0 "[
  $(json_of cma_buf0 null),
  $(json_of cma_buf1 null),
  $(json_of cma_buf7 null)
]" ""
run $NOBODY cmabuf info 0
expect "info as nobody" 0 "$(echo "$info0" | sed 's/^phys_addr: .*/phys_addr: - (Permission denied)/')" ""
run $NOBODY cmabuf alloc 4K
expect "alloc as nobody: EACCES and the root hint" 1 "" "cmabuf: alloc 4K: /sys/class/cma_buf/alloc: Permission denied
$SYS_HINT"
run $NOBODY cmabuf free 0
expect "free as nobody: EACCES and the root hint" 1 "" "cmabuf: free cma_buf0: /sys/class/cma_buf/free: Permission denied
$SYS_HINT"
run $NOBODY cmabuf fill 0 zero
expect "fill as nobody: EACCES and the group hint" 1 "" "cmabuf: fill cma_buf0: /dev/cma_buf0: Permission denied
cmabuf: hint: /dev/cma_buf0 $DEV_HINT"
run $NOBODY cmabuf dump 0
expect "dump as nobody: EACCES and the group hint" 1 "" "cmabuf: dump cma_buf0: /dev/cma_buf0: Permission denied
cmabuf: hint: /dev/cma_buf0 $DEV_HINT"

# free

run cmabuf free 0 cma_buf1 /dev/cma_buf7
expect "free three names in three forms" 0 "" ""
run cmabuf free 7
expect "free of an absent buffer" 1 "" "cmabuf: free 7: /sys/class/cma_buf/cma_buf7: No such file or directory"
run cmabuf free 3 cma_buf
expect "free checks every name before freeing" 2 "" "cmabuf: free: invalid buffer name 'cma_buf' (cma_bufN, N or /dev/cma_bufN)
usage: cmabuf free NAME...
Try 'cmabuf free --help'."
run cmabuf free
expect "free: missing name" 2 "" "cmabuf: free: missing argument
usage: cmabuf free NAME...
Try 'cmabuf free --help'."
run cmabuf list
expect "list is empty again" 0 "NAME    SIZE  PHYS_ADDR           ORIGIN  NODE  OWNER  CACHE  MAPS" ""

# areas, alloc --area and --node, run (buffers owned by a descriptor)

if [ -f $SYS/areas ]; then
	def=$(head -n 1 $SYS/areas | cut -d' ' -f1)
	run cmabuf areas
	check "areas: a header and one row per line of the areas file, in its order" '[ "$rc" = 0 ] &&
		[ ! -s "$T/err" ] && [ "$(head -n 1 "$T/out" | tr -s " ")" = "NAME BASE SIZE FREE NODE HELD DEFAULT" ] &&
		[ "$(sed 1d "$T/out" | awk "{ print \$1 }")" = "$(cut -d" " -f1 $SYS/areas)" ]'
	check "areas: the first is the default, no other" '[ "$(sed -n 2p "$T/out" | awk "{ print \$NF }")" = yes ] &&
		[ "$(sed 1,2d "$T/out" | awk "{ print \$NF }" | grep -vc "^no$")" = 0 ]'
	run cmabuf alloc 64K --area "$def"
	expect "alloc --area $def (the default area)" 0 "cma_buf0" ""
	check "its origin is $def, its owner sysfs" '[ "$(attr cma_buf0 origin)" = "$def" ] &&
		[ "$(attr cma_buf0 owner)" = sysfs ]'
	held=$(awk -v a="$def" '$1 == a { print $5 }' $SYS/areas)
	run cmabuf areas --json
	check "areas --json: $def is the default and holds $held bytes, the buffer's among them" \
		'[ "$rc" = 0 ] && [ "$held" -ge 65536 ] &&
		grep -q "^  {\"name\": \"$def\", \"default\": true, .*\"held\": $held}" "$T/out"'
	run cmabuf alloc 4K --area nosuch-area
	expect "alloc --area of an area the module lacks: ENOENT, told as such" 1 "" \
		"cmabuf: alloc 4K: no CMA area 'nosuch-area' ('cmabuf areas' lists them)"
	run cmabuf alloc 4K --node 1000000
	expect "alloc --node beyond MAX_NUMNODES: the module's EINVAL" 1 "" \
		"cmabuf: alloc 4K: /sys/class/cma_buf/alloc: Invalid argument"
	node=$(attr cma_buf0 node)
	first=$(awk -v n="$node" '$4 == n { print $1; exit }' $SYS/areas)
	if [ -n "$first" ]; then
		run cmabuf alloc 64K --node "$node"
		expect "alloc --node $node" 0 "cma_buf1" ""
		check "its pages are on node $node, from the first area there ($first)" \
			'[ "$(attr cma_buf1 node)" = "$node" ] && [ "$(attr cma_buf1 origin)" = "$first" ]'
		cmabuf free 1
	else
		n=$((n + 2))
		echo "ok $((n - 1)) alloc --node # SKIP no area lists node $node"
		echo "ok $n its node # SKIP no area lists node $node"
	fi
	cmabuf free 0

	run cmabuf run 64K -- sh -c 'echo "$CMABUF_NAME $CMABUF_SIZE $(cat '$SYS'/$CMABUF_NAME/owner)"
		cmabuf fill "$CMABUF_NAME" 0x5a && cmabuf verify "$CMABUF_NAME" 0x5a'
	expect "run: COMMAND has its buffer, owned by a descriptor" 0 "cma_buf0 65536 fd
cma_buf0: 65536 bytes match 0x5a" ""
	check "run: the buffer is gone once COMMAND and cmabuf are" 'gone cma_buf0'
	run cmabuf run 8K --pinnable -- sh -c 'cmabuf fill "$CMABUF_NAME" inc
		eval "dd bs=4096 skip=1 count=1 <&$CMABUF_FD" 2>/dev/null | head -c 3 | hexdump -C'
	if grep -q "Operation not supported" "$T/err"; then
		expect "run --pinnable where it cannot be: EOPNOTSUPP" 1 "" \
			"cmabuf: run 8K: /dev/cma_buf: Operation not supported"
	else
		expect "run: COMMAND reads the buffer through CMABUF_FD" 0 \
			"00000000  00 01 02                                          |...|
00000003" ""
	fi
	check "and that one is gone too" 'gone cma_buf0'
	run cmabuf run 4K -- sh -c 'exit 7'
	expect "run: COMMAND's exit status" 7 "" ""
	run cmabuf run 4K --area nosuch-area -- true
	expect "run --area of an area the module lacks" 1 "" \
		"cmabuf: run 4K: no CMA area 'nosuch-area' ('cmabuf areas' lists them)"
	run $NOBODY cmabuf run 4K -- true
	expect "run as nobody: EACCES on the control node" 1 "" \
		"cmabuf: run 4K: /dev/cma_buf: Permission denied
cmabuf: hint: /dev/cma_buf $DEV_HINT"
	# cmabuf killed: COMMAND's copy keeps the buffer; COMMAND killed too: gone.
	cmabuf run 4K -- sh -c 'echo "$CMABUF_NAME $$" >'"$T"'/run.who; exec sleep 60' &
	runner=$!
	w=0
	while [ ! -s "$T/run.who" ] && [ $w -lt 100 ]; do sleep 0.1; w=$((w + 1)); done
	read -r rname rpid <"$T/run.who"
	kill -9 "$runner"
	wait "$runner" 2>/dev/null
	check "run: cmabuf killed, COMMAND alive: $rname stays" '[ -d "$SYS/$rname" ]'
	kill -9 "$rpid"
	check "COMMAND killed too: $rname is gone" 'gone "$rname"'
	rm -f "$T/run.who"
else
	n=$((n + 1))
	echo "ok $n areas, --area, --node and run # SKIP the module has no areas file"
fi

# Racing allocations each get their own buffer.

i=0
while [ $i -lt 8 ]; do
	cmabuf alloc 4K >"$T/race.$i" 2>&1 &
	i=$((i + 1))
done
wait
cat "$T"/race.* | sort >"$T/race"
seq 0 7 | sed 's/^/cma_buf/' | sort >"$T/race-want"
check "8 racing allocs get cma_buf0..7, once each" 'cmp -s "$T/race" "$T/race-want"'
cmabuf free 0 1 2 3 4 5 6 7 >/dev/null 2>&1

# A large transfer without a terminal draws no progress bar.

run cmabuf alloc 8M
expect "alloc 8M" 0 "cma_buf0" ""
run cmabuf fill 0 random:7
expect "fill 8M" 0 "" ""
run cmabuf save 0 "$T/8m"
expect "save 8M to a file, stderr a file: silent" 0 "" ""
run cmabuf load 0 "$T/8m"
expect "load 8M, stderr a file: silent" 0 "" ""
run cmabuf verify 0 random:7
expect "verify 8M" 0 "cma_buf0: 8388608 bytes match random:7" ""
cmabuf free 0

# Binding to a device: QEMU's edu where the VM has one

edu=$(grep -l 0x11e8 /sys/bus/pci/devices/*/device 2>/dev/null | head -n 1)
if [ -n "$edu" ]; then
	edu=$(basename "$(dirname "$edu")")
	cmabuf alloc 1M >/dev/null
	run cmabuf bind 0 "$edu"
	expect "bind prints dma_addr" 0 "$(printf '0x%016x' "$(attr cma_buf0 dma_addr)")" ""
	check "bind: dma_device names the device" '[ "$(attr cma_buf0 dma_device)" = "$edu" ]'
	run cmabuf info 0
	check "info shows the binding" '[ "$rc" = 0 ] && grep -qx "bound to:  $edu" "$T/out" &&
		grep -qx "dma_addr:  $(printf "0x%016x" "$(attr cma_buf0 dma_addr)")" "$T/out"'
	run cmabuf bind 0 0000:00:1f.7
	expect "bind to a missing device" 1 "" "cmabuf: bind: cma_buf0: no device '0000:00:1f.7' on the PCI or platform bus"
	other=$(ls /sys/bus/pci/devices | grep -vx "$edu" | head -n 1)
	run cmabuf bind 0 "$other"
	expect "bind while bound to another device: EBUSY" 1 "" "cmabuf: bind cma_buf0: /sys/class/cma_buf/cma_buf0/dma_device: Device or resource busy"
	run cmabuf bind 0 ""
	expect "bind to an empty name is a usage error" 2 "" "cmabuf: bind: empty device name (unbind with 'cmabuf unbind NAME')
usage: cmabuf bind NAME DEVICE
Try 'cmabuf bind --help'."
	run cmabuf unbind 0
	expect "unbind" 0 "" ""
	check "unbound: dma_device empty" '[ -z "$(attr cma_buf0 dma_device)" ]'
	run cmabuf info 0
	check "info without a binding has no binding lines" '[ "$rc" = 0 ] && ! grep -q "^bound to\|^dma_addr" "$T/out"'
	cmabuf free 0
else
	n=$((n + 1))
	echo "ok $n bind and unbind # SKIP no edu device in this VM"
fi

# Without the module

if [ -n "${CMA_BUF_MODULE:-}" ] && rmmod cma_buf 2>/dev/null; then
	run cmabuf list
	expect "list without the module: ENODEV and a hint" 1 "" "cmabuf: list: /sys/class/cma_buf: No such device
cmabuf: hint: is the cma_buf module loaded? (modprobe cma_buf)"
	run cmabuf alloc 4K
	expect "alloc without the module" 1 "" "cmabuf: alloc 4K: /sys/class/cma_buf: No such device
cmabuf: hint: is the cma_buf module loaded? (modprobe cma_buf)"
	insmod "$CMA_BUF_MODULE" ${CMA_BUF_MODPARAMS:-}
else
	n=$((n + 1))
	echo "ok $n list without the module # SKIP cannot unload the module"
fi

rm -rf "$T"
echo "1..$n"
[ "$failed" = 0 ] || echo "# $failed of $n failed"
[ "$failed" = 0 ]
