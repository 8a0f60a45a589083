#!/bin/bash
# checkpatch.pl --strict, as each supported kernel ships it (6.1, 6.12, the
# newest 7.x), over every module source file git tracks: generated files
# (cma-buf.mod.c after a plain make) are not ours to lint. sparse runs in the
# build matrix (scripts/matrix.sh), against every kernel's headers.
# Prints one TAP line per file and kernel; exits 1 on any complaint.
set -uo pipefail
. "$(dirname "$0")/../tests/env.sh"
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf
cd "$TOP" || exit 1
mkdir -p "$BUILD/lint"

# checkpatch_of SERIES: a folder with that kernel's checkpatch.pl and the
# data files it reads, taken from Debian's source tarball once.
checkpatch_of() {
	local pkg tarball ver dir
	case "$1" in
	7)
		pkg=$("$DEBIAN" newest sid '^linux-source-7\.[0-9]+$') || return 1
		ver=$("$DEBIAN" version sid "$pkg")
		tarball=$("$DEBIAN" unpack sid "$pkg")/usr/src/$pkg.tar.xz
		;;
	*)
		pkg=linux-source-$1
		ver=$(dpkg-query -W -f='${Version}' "$pkg") || return 1
		tarball=/usr/src/$pkg.tar.xz
		;;
	esac
	dir=$CACHE/checkpatch-$pkg-$ver
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -C "$dir" --strip-components=1 -xf "$tarball" --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || return 1
		touch "$dir/.done"
	fi
	echo "$dir"
}

files=$(git ls-files -- '*.c' '*.h' | grep -v /)
[ -n "$files" ] || { echo "not ok 1 lint: no tracked module sources (not a git checkout?)"; exit 1; }
rc=0 n=0
for series in 6.1 6.12 7; do
	if ! cp=$(checkpatch_of "$series" 2>"$BUILD/lint/checkpatch-$series.err"); then
		n=$((n + 1))
		echo "not ok $n checkpatch of $series at hand"
		sed 's/^/#   /' "$BUILD/lint/checkpatch-$series.err"
		rc=1
		continue
	fi
	for f in $files; do
		n=$((n + 1))
		if "$cp/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
			--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" >"$BUILD/lint/checkpatch.out" 2>&1 &&
			[ ! -s "$BUILD/lint/checkpatch.out" ]; then
			echo "ok $n checkpatch ($series) $f"
		else
			echo "not ok $n checkpatch ($series) $f"
			sed 's/^/#   /' "$BUILD/lint/checkpatch.out"
			rc=1
		fi
	done
done
exit $rc
