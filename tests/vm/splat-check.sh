#!/bin/sh
# Fail (exit 1) if a guest console log holds any kernel report: BUG, WARNING,
# KASAN, lockdep, kmemleak, oops or panic, and x86 PAT memory type conflicts
# of a mapping. Prints the offending lines.
log=$1
pattern='BUG:|WARNING:|KASAN|x86/PAT: .*map pfn|INFO: possible|INFO: task .* blocked|unreferenced object|suspected memory leak|Oops|general protection|Kernel panic|Call Trace:|UBSAN'
if tr -d '\r' <"$log" | grep -E "$pattern" >/dev/null; then
	echo "splat-check: kernel reports in $log:" >&2
	tr -d '\r' <"$log" | grep -nE "$pattern" | head -n 20 >&2
	exit 1
fi
exit 0
