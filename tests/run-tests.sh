#!/bin/sh
# Run in the VM: every test program, TAP on stdout. Exit status 1 if any failed.
cd /tests || exit 1
rc=0
for t in ${CMA_BUF_TESTS:-basic}; do
	echo "# === $t ($CMA_BUF_KERNEL kernel, params '$CMA_BUF_MODPARAMS')"
	./"$t" || rc=1
done
exit $rc
