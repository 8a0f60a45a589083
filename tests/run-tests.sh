#!/bin/sh
# Run in the VM: every test program, TAP on stdout. Exit status 1 if any failed.
cd /tests || exit 1
rc=0
for t in ${CMA_BUF_TESTS:-basic abi lifetime}; do
	echo "# === $t ($CMA_BUF_KERNEL kernel, params '$CMA_BUF_MODPARAMS')"
	case "$t" in
	kunit)
		# The parser's KUnit suite runs when its module loads; its KTAP
		# results, unindented, count like the other tests.
		if [ ! -f cma_buf_kunit.ko ]; then
			echo "ok 1 kunit # SKIP no KUnit in this kernel"
			continue
		fi
		insmod cma_buf_kunit.ko || rc=1
		results=/sys/kernel/debug/kunit/cma_buf_parse/results
		sed 's/^[[:space:]]*//' $results
		grep -q "^ok .*cma_buf_parse" $results || rc=1
		rmmod cma_buf_kunit
		;;
	*)
		./"$t" || rc=1
		;;
	esac
done
exit $rc
