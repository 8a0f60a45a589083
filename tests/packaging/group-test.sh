#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the test VM (busybox sh, as root, module loaded): the cmabuf group's
# access. Without the rule an unprivileged user gets EACCES on alloc, free,
# the /dev node and phys_addr; after what 70-cma_buf.rules does (the group
# helper cma_buf-group.sh for alloc and free, GROUP/MODE for /dev/cma_bufN,
# read from the rule itself) a member of cmabuf can alloc, open and mmap,
# and free, while phys_addr stays root only and non-members stay out.
# Prints TAP. Needs, next to it: cma_buf-group.sh, 70-cma_buf.rules,
# runas and access-probe (static); tests/packaging/group-vm.sh sets that up.
H=$(cd "$(dirname "$0")" && pwd)
C=/sys/class/cma_buf
RULES=$H/70-cma_buf.rules
GID=1001 USER_UID=1000 USER_GID=1000
n=0 fails=0
tap() { # tap OK|FAIL NAME
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n $2"; else echo "not ok $n $2"; fails=$((fails + 1)); fi
}
# expect RESULT NAME -- probe args: the probe's first word must be RESULT
# ("ok" or an errno name).
expect() {
	want=$1 name=$2
	shift 3
	out=$("$@" 2>&1)
	set -- $out
	if [ "$1" = ok ] && [ "$want" = ok ] || [ "${2:-}" = "$want" ]; then
		tap OK "$name"
	else
		echo "# expected $want, got: $out"
		tap FAIL "$name"
	fi
}
# As uid 1000: primary group cmabuf (the brief's setup), or a user of its own
# with cmabuf as a supplementary group (usermod -aG), or not in cmabuf at all.
as_primary() { "$H/runas" $USER_UID $GID - "$H/access-probe" "$@"; }
as_member() { "$H/runas" $USER_UID $USER_GID $GID "$H/access-probe" "$@"; }
as_other() { "$H/runas" $USER_UID $USER_GID - "$H/access-probe" "$@"; }
# What udev does for a node by the rule's GROUP= and MODE= (no udev here).
apply_node_rule() {
	line=$(grep '^SUBSYSTEM=="cma_buf"' "$RULES")
	group=$(echo "$line" | sed -n 's/.*GROUP="\([^"]*\)".*/\1/p')
	mode=$(echo "$line" | sed -n 's/.*MODE="\([^"]*\)".*/\1/p')
	chgrp "$group" "$1" && chmod "$mode" "$1"
}
perms() { stat -c '%a %U:%G' "$1"; }

echo "TAP version 13"
echo "1..17"
echo "cmabuf:x:$GID:" >>/etc/group
echo "user:x:$USER_GID:" >>/etc/group
echo "user:x:$USER_UID:$USER_GID:user:/tmp:/bin/sh" >>/etc/passwd

# Without the rule: the module's defaults.
echo "1M 0" >$C/alloc
[ -c /dev/cma_buf0 ] && tap OK "root allocates cma_buf0" || tap FAIL "root allocates cma_buf0"
expect EACCES "no rule: group member cannot alloc" -- as_primary write $C/alloc "1M 1"
[ ! -e $C/cma_buf1 ] && tap OK "no rule: nothing was allocated" ||
	tap FAIL "no rule: nothing was allocated"
expect EACCES "no rule: group member cannot free" -- as_primary write $C/free 0
expect EACCES "no rule: group member cannot open /dev/cma_buf0" -- as_primary map /dev/cma_buf0
expect EACCES "no rule: group member cannot read phys_addr" -- as_primary read $C/cma_buf0/phys_addr

# The rule: the module part runs the helper, the node part sets GROUP/MODE.
if "$H/cma_buf-group.sh" cmabuf && apply_node_rule /dev/cma_buf0; then
	tap OK "cma_buf-group.sh cmabuf and the node rule apply"
else
	tap FAIL "cma_buf-group.sh cmabuf and the node rule apply"
fi
got="$(perms $C/alloc), $(perms $C/free), $(perms $C/cma_buf0/phys_addr), $(perms /dev/cma_buf0)"
want="220 root:cmabuf, 220 root:cmabuf, 400 root:root, 660 root:cmabuf"
if [ "$got" = "$want" ]; then
	tap OK "alloc and free 0220 root:cmabuf, phys_addr 0400 root, node 0660 root:cmabuf"
else
	echo "# got $got"
	tap FAIL "alloc and free 0220 root:cmabuf, phys_addr 0400 root, node 0660 root:cmabuf"
fi
expect ok "rule: group member (primary group) allocates cma_buf1" -- as_primary write $C/alloc "1M 1"
# udev would now apply the node rule to the new node, on its add event.
[ -c /dev/cma_buf1 ] && apply_node_rule /dev/cma_buf1
expect ok "rule: group member opens and mmaps /dev/cma_buf1" -- as_primary map /dev/cma_buf1
expect EACCES "rule: phys_addr stays root only" -- as_primary read $C/cma_buf1/phys_addr
expect ok "rule: group member frees cma_buf1" -- as_primary write $C/free 1
[ ! -e $C/cma_buf1 ] && [ ! -e /dev/cma_buf1 ] && tap OK "rule: cma_buf1 is gone" ||
	tap FAIL "rule: cma_buf1 is gone"
expect ok "rule: supplementary member allocates and maps" -- as_member write $C/alloc "1M 2"
[ -c /dev/cma_buf2 ] && apply_node_rule /dev/cma_buf2
out=$(as_member map /dev/cma_buf2; as_member write $C/free 2)
[ "$out" = "ok
ok" ] && tap OK "rule: supplementary member maps and frees cma_buf2" || {
	echo "# $out"
	tap FAIL "rule: supplementary member maps and frees cma_buf2"
}
out="$(as_other write $C/alloc 1M) / $(as_other write $C/free 0) / $(as_other map /dev/cma_buf0)"
case "$out" in
"error EACCES"*" / error EACCES"*" / error EACCES"*) tap OK "rule: a user outside cmabuf still gets EACCES" ;;
*) echo "# $out"; tap FAIL "rule: a user outside cmabuf still gets EACCES" ;;
esac
if ! "$H/cma_buf-group.sh" 'cmabuf;id' 2>/dev/null && [ "$(perms $C/alloc)" = "220 root:cmabuf" ]; then
	tap OK "cma_buf-group.sh refuses a malformed group name"
else
	tap FAIL "cma_buf-group.sh refuses a malformed group name"
fi
echo 0 >$C/free
[ "$fails" = 0 ]
