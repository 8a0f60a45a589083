#!/bin/bash
# checkpatch.pl --strict and sparse over every module source file.
# Prints one TAP line per file and tool; exits 1 on any complaint.
set -uo pipefail
. "$(dirname "$0")/../tests/env.sh"
kdir=$(kernel_kdir test) || exit 1
ksrc=$kdir/source
cd "$TOP" || exit 1
mkdir -p "$BUILD/lint"
rc=0 n=0
files=$(ls ./*.c ./*.h | sed 's|^\./||')
for f in $files; do
	n=$((n + 1))
	if "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" >"$BUILD/lint/checkpatch.out" 2>&1 &&
		[ ! -s "$BUILD/lint/checkpatch.out" ]; then
		echo "ok $n checkpatch $f"
	else
		echo "not ok $n checkpatch $f"
		sed 's/^/#   /' "$BUILD/lint/checkpatch.out"
		rc=1
	fi
done
# sparse sees the module as kbuild compiles it: C=2 checks every file.
out=$BUILD/mod-sparse
"$TOP/scripts/build-module.sh" "$kdir" "$out" C=2 CHECK=sparse >/dev/null 2>"$BUILD/lint/sparse.out"
for f in $(ls ./*.c | sed 's|^\./||'); do
	n=$((n + 1))
	if grep -q "$f:" "$BUILD/lint/sparse.out"; then
		echo "not ok $n sparse $f"
		grep "$f:" "$BUILD/lint/sparse.out" | sed 's/^/#   /'
		rc=1
	else
		echo "ok $n sparse $f"
	fi
done
if grep -qv "^\s*$" "$BUILD/lint/sparse.out" && ! grep -q ":" "$BUILD/lint/sparse.out"; then
	cat "$BUILD/lint/sparse.out" >&2
fi
exit $rc
