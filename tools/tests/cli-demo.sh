#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A short cmabuf session in the test VM, each command shown before its output:
# for the README and for make demo. Run as root with the module loaded:
#   make -C tools vm-test OUT=DIR && make vm-run EXTRA=DIR CMD='/extra/cli-demo.sh'
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$HERE:$PATH
export PATH

show() {
	echo "$ $*"
	eval "$@" 2>&1
	rc=$?
	[ "$rc" = 0 ] || echo "(exit status $rc)"
}

show cmabuf alloc 4M
show cmabuf alloc 64K --align 1M
show cmabuf list
show cmabuf info cma_buf1 --json
show cmabuf fill cma_buf0 random:1
show cmabuf verify cma_buf0 random:1
show cmabuf fill cma_buf1 inc
show cmabuf dump cma_buf1 --offset 0xf8 --length 24
show 'head -c 5000 /dev/urandom >/tmp/blob && cmabuf load cma_buf1 /tmp/blob'
show cmabuf verify cma_buf1 inc
show cmabuf save cma_buf0 /tmp/frame.bin
show cmabuf alloc 12Q
show cmabuf info cma_buf9
show runas 65534 65534 cmabuf fill cma_buf0 zero
show runas 65534 65534 cmabuf list
show cmabuf free cma_buf0 1
