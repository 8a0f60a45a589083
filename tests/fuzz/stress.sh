#!/bin/bash
# make stress: the random-operation fuzzer (fuzz.c), fault injection
# (faults.c) and the regression checks (regress.c) in one boot of the debug
# test kernel (KASAN, lockdep, kmemleak, DEBUG_VM, fault injection), ending
# with one line
#   stress: ops N errors_by_errno {...} faults_injected N splats N leaked_pages N seconds N
# and a non-zero exit on any splat, leaked page, unexpected errno or wrong
# data.
#
#   tests/fuzz/stress.sh [--short]
#
# --short: tens of seconds, for make check; also prints TAP lines.
# Measured on the debug kernel under TCG (2 vCPUs, a shared host): the
# fuzzer runs 700-1000 operations/s, the fault injection ~30 (each injected
# call is followed by full unwinding checks), so 1,000,000 operations take
# 17-24 minutes (default: at most 30 min of guest time, ending early
# when the operation budget is used up).
# Environment: STRESS_SECONDS (guest time for both phases, default 1800,
# short 40), STRESS_OPS (operation budget, default 1200000, short 100000),
# STRESS_SEED (default: from the clock; printed), STRESS_WORKERS (2),
# MODPARAMS (module parameters, default backend=cma).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../env.sh"

SHORT=0
[ "${1:-}" = --short ] && SHORT=1
if [ "$SHORT" = 1 ]; then
	SECONDS_TOTAL=${STRESS_SECONDS:-40}
	OPS=${STRESS_OPS:-100000}
else
	SECONDS_TOTAL=${STRESS_SECONDS:-1800}
	OPS=${STRESS_OPS:-1200000}
fi
SEED=${STRESS_SEED:-$(date +%s%N | cut -c1-15)}
WORKERS=${STRESS_WORKERS:-2}
PARAMS=${MODPARAMS-backend=cma}
# The fuzzer gets 80 % of the time (short: 60 %) and 95 % of the operations,
# fault injection the rest (it is time bound: its sweep alone takes minutes).
if [ "$SHORT" = 1 ]; then
	FUZZ_T=$((SECONDS_TOTAL * 6 / 10))
else
	FUZZ_T=$((SECONDS_TOTAL * 80 / 100))
fi
FAULT_T=$((SECONDS_TOTAL - FUZZ_T))
FUZZ_OPS=$((OPS * 95 / 100 / WORKERS + 1))
FAULT_OPS=$((OPS - OPS * 95 / 100))

OUT=$BUILD/fuzz
mkdir -p "$OUT/extra"
start=$(date +%s)

fail_setup() {
	echo "stress: $*" >&2
	[ "$SHORT" = 1 ] && echo "not ok 1 stress setup: $*"
	exit 2
}

ksrc=$(kernel_kdir test)/source || fail_setup "no test kernel"
for prog in fuzz regress; do
	srcs=("$HERE/$prog.c")
	[ "$prog" = fuzz ] && srcs+=("$HERE/faults.c")
	gcc -static -O2 -Wall -Werror -Wno-format-truncation -I"$ksrc/tools/testing/selftests" \
		-I"$TOP/tests" -I"$TOP/include/uapi" -o "$OUT/extra/$prog" "${srcs[@]}" ||
		fail_setup "cannot build $prog"
done
ko=$(module_for test) || fail_setup "cannot build the module"
importer=$(importer_for test) || fail_setup "cannot build the test importer"
image=$(kernel_image test)

log=$OUT/console.log
out=$OUT/output.txt
cmd="/extra/fuzz -s $SEED -w $WORKERS -n $FUZZ_OPS -t $FUZZ_T -R -F $FAULT_T -f $FAULT_OPS; \
echo fuzz-exit \$?; /extra/regress; echo regress-exit \$?"
echo "stress: seed $SEED, ${SECONDS_TOTAL}s, $OPS ops budget, params '$PARAMS'" >&2
"$TOP/tests/vm/run.sh" --kernel "$image" --kname test --module "$ko" --add "$importer" \
	--modparams "$PARAMS" --extra "$OUT/extra" --name "stress-$$" --log "$log" \
	--timeout $((SECONDS_TOTAL * 3 + 600)) --cmd "$cmd" >"$out" 2>&1
vmrc=$?
[ "$SHORT" = 1 ] || cat "$out" >&2

pattern=$(sed -n "s/^pattern='\(.*\)'$/\1/p" "$TOP/tests/vm/splat-check.sh")
splats=$(tr -d '\r' <"$log" 2>/dev/null | grep -cE "$pattern")
line=$(grep -E '^ops [0-9]+ errors_by_errno' "$out" | tail -n 1)
ops=$(sed -n 's/^ops \([0-9]*\) .*/\1/p' <<<"$line")
errs=$(sed -n 's/.*errors_by_errno \({[^}]*}\).*/\1/p' <<<"$line")
unexpected=$(sed -n 's/.* unexpected \([0-9]*\) .*/\1/p' <<<"$line")
leaked=$(sed -n 's/.* leaked_pages \(-\{0,1\}[0-9]*\) .*/\1/p' <<<"$line")
faults=$(sed -n 's/.* faults_injected \([0-9]*\) .*/\1/p' <<<"$line")
bad=$(sed -n 's/.* bad \([0-9]*\).*/\1/p' <<<"$line")
fuzzrc=$(sed -n 's/^fuzz-exit \([0-9]*\)/\1/p' "$out" | tail -n 1)
regressrc=$(sed -n 's/^regress-exit \([0-9]*\)/\1/p' "$out" | tail -n 1)
seconds=$(($(date +%s) - start))

phase_ok() { # phase_ok NAME: the phase line shows no unexpected errno and no bad check
	grep -qE "^phase $1: ops [1-9][0-9]* unexpected 0 bad 0 " "$out"
}

rc=0
[ -n "$line" ] && [ "${fuzzrc:-1}" = 0 ] && [ "${regressrc:-1}" = 0 ] && [ "$splats" = 0 ] &&
	[ "${unexpected:-1}" = 0 ] && [ "${leaked:-1}" = 0 ] && [ "${bad:-1}" = 0 ] || rc=1

if [ "$SHORT" = 1 ]; then
	n=0
	tap() { # tap OK NAME
		n=$((n + 1))
		if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
	}
	phase_ok fuzz; tap $? "stress: fuzz phase: no unexpected errno, data reads back"
	phase_ok faults; tap $? "stress: fault phase: every error path unwinds"
	[ "${regressrc:-1}" = 0 ]; tap $? "stress: regression checks (regress.c)"
	[ "${leaked:-1}" = 0 ]; tap $? "stress: no leaked CMA pages"
	[ "$splats" = 0 ] && [ "$vmrc" != 126 ]; tap $? "stress: no kernel splat in the guest log"
	[ "$vmrc" != 124 ] && [ "$vmrc" != 125 ]; tap $? "stress: guest ran to completion"
	echo "1..$n"
	if [ "$rc" != 0 ]; then
		grep -E 'FAIL|unexpected errno|^phase|^not ok|^# ' "$out" | head -n 30 | sed 's/^/# /'
	fi
fi
if [ "$splats" != 0 ]; then
	# Prefixed, so the check's summary (it keeps lines starting "stress:")
	# shows the report itself, with what follows it, not just a count.
	echo "stress: kernel reports in $log:" >&2
	tr -d '\r' <"$log" | grep -nE -A 12 "$pattern" | head -n 60 | sed 's/^/stress: | /' >&2
fi
echo "stress: ops ${ops:-0} errors_by_errno ${errs:-{\}} faults_injected ${faults:-0}" \
	"splats $splats leaked_pages ${leaked:-unknown} seconds $seconds"
[ "$rc" = 0 ] || echo "stress: FAILED (seed $SEED; output $out, console $log)" >&2
exit $rc
