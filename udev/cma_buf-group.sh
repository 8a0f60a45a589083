#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cma_buf-group.sh GROUP [CLASSDIR]
#
# Let GROUP create and free cma_buf buffers: give the class's control files
# alloc and free to GROUP, writable by owner and group (0220). Run by the udev
# rule 70-cma_buf.rules when the module is loaded, and by
# tests/packaging/group-test.sh in the test VM; POSIX sh, busybox is enough.
#
# The module's own modes stay as they are otherwise (alloc and free 0200,
# phys_addr 0400, root only): this script is the only thing that widens them,
# and only these two files. The change lasts until the module is unloaded.
set -eu
group=${1:?usage: cma_buf-group.sh GROUP [CLASSDIR]}
dir=${2:-/sys/class/cma_buf}
case "$group" in
"" | -* | *[!A-Za-z0-9_.-]*)
	echo "cma_buf-group.sh: bad group name '$group'" >&2
	exit 2
	;;
esac
for f in alloc free; do
	chgrp "$group" "$dir/$f"
	chmod 0220 "$dir/$f"
done
