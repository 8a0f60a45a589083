#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio with its I/O buffer on a cma_buf mapping (iomem=mmapshared:/dev/cma_bufN),
# writing and reading back a file on the guest's ext4 disk with
# verify=crc32c: buffered, and with direct=1. O_DIRECT needs struct pages
# under the mapping: a plain (PFN) buffer is refused with EFAULT, a pinnable
# one works. Run as root in the Debian root of the guest; TAP on stdout.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
no() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
check() { if eval "$1"; then ok "$2"; else no "$2"; fi; }

C=/sys/class/cma_buf
file=/var/tmp/fio.dat
out=/tmp/fio.out

new_buf() { # new_buf SPEC: allocate, print the name of the newest buffer
	before=$(ls -d $C/cma_buf[0-9]* 2>/dev/null)
	echo "$1" >$C/alloc || return 1
	for b in $(ls -d $C/cma_buf[0-9]*); do
		case " $before " in *" $b "*) ;; *) basename "$b"; return 0 ;; esac
	done
	return 1
}

run_fio() { # run_fio BUF DIRECT
	fio --name=cmabuf --filename=$file --size=16M --bs=1M --rw=write \
		--verify=crc32c --do_verify=1 --iomem=mmapshared:/dev/$1 --direct=$2 \
		--ioengine=psync --output-format=terse --terse-version=3 >$out 2>&1
}

# The terse output's field 5 is fio's error number for the job.
job_error() { grep '^3;' $out | cut -d';' -f5; }
mb_written() { grep '^3;' $out | cut -d';' -f48; }

for mode in plain pinnable; do
	spec=4M
	[ $mode = plain ] || spec="4M pinnable"
	if ! buf=$(new_buf "$spec"); then
		no "allocate a $mode 4 MiB buffer"
		continue
	fi
	ok "allocate a $mode 4 MiB buffer ($buf)"
	rm -f $file
	run_fio "$buf" 0
	rc=$?
	check '[ $rc = 0 ] && [ "$(job_error)" = 0 ]' \
		"$mode: buffered 16 MiB write + crc32c verify through /dev/$buf (fio status $rc, error $(job_error))"
	# fio's last read, with its verify header (magic 0xacca), is in the buffer.
	magic=$(od -An -tx2 -N2 /dev/$buf 2>/dev/null | tr -d ' ')
	check '[ "$magic" = acca ]' "$mode: the buffer holds fio's last block (header magic $magic)"
	rm -f $file
	run_fio "$buf" 1
	rc=$?
	if [ $mode = plain ]; then
		# EFAULT (14): O_DIRECT cannot pin a PFN mapping.
		check '[ $rc != 0 ] && [ "$(job_error)" = 14 ]' \
			"plain: direct=1 fails with EFAULT (fio status $rc, error $(job_error))"
	else
		check '[ $rc = 0 ] && [ "$(job_error)" = 0 ]' \
			"pinnable: direct=1 16 MiB write + crc32c verify (fio status $rc, error $(job_error))"
	fi
	[ "$rc" = 0 ] || sed 's/^/# /' $out | tail -n 5
	echo "${buf#cma_buf}" >$C/free
	check '[ ! -e $C/$buf ]' "$mode: freed after fio"
done
rm -f $file
echo "1..$n"
[ $failed = 0 ]
