#!/bin/bash
# make bench: cma_buf against the kernel's CMA heap, anonymous memory and
# memset, measured side by side in one boot of the bench kernel (the test
# kernel's source and CMA options, without KASAN, lockdep and kmemleak).
#
# Writes build/bench/{results.csv,table.md,latency.png,raw.txt} and ends with
# one "bench: NAME VALUE" line per figure of merit, each a ratio of medians
# measured in the same run (see README.md, Performance).
#
# Environment: BENCH_REP_SCALE=N multiplies the repetitions (default 1);
# BENCH_ONLY=STEP runs one step of bench.c (size, bw, scale, pt, random,
# probe, pin, pool, phases, busy; the other figures then read NaN and the
# exit status is 1);
# TIMEOUT (s) bounds the guest run.
set -euo pipefail
. "$(dirname "$0")/../env.sh"
start=$(date +%s)
OUT=$BUILD/bench

"$TOP/scripts/deps.sh" gnuplot-nox libc6-dev
image=$(kernel_image bench)
ko=$(module_for bench)

mkdir -p "$OUT"
rm -rf "$OUT/guest"
mkdir -p "$OUT/guest"
gcc -O2 -Wall -Wextra -Werror -static -I"$TOP/include/uapi" -o "$OUT/guest/bench" "$TOP/tests/bench/bench.c"
# The kernel-side probe (tests/bench/probe): times cma_alloc, zeroing and
# cma_release inside the guest, to split cma_buf's alloc cost.
rm -rf "$OUT/probe"
mkdir -p "$OUT/probe"
cp "$TOP/tests/bench/probe/cma_probe.c" "$TOP/tests/bench/probe/Kbuild" "$OUT/probe/"
make -s -C "$(kernel_kdir bench)" M="$OUT/probe" modules >&2
cp "$OUT/probe/cma_probe.ko" "$OUT/guest/"

# The busy-machine step (bench.c, bench_busy) reads a file larger than the
# guest's RAM from a disk, so that the CMA area is lent to page cache: a
# small ext4 image (run.sh --disk, snapshot mode) with busybox as its /bin
# (the command runs chrooted in it) and /fill, a sparse file of 3 GiB. Its
# holes read as zeros without disk I/O, but the pages are page cache like any
# other (clean, movable, on the LRU), which is what cma_alloc() meets.
# Cached in the build folder; remade when this script changes.
disk=$OUT/disk-$(sha256sum "$0" /bin/busybox | sha256sum | cut -c1-12).ext4
if [ ! -f "$disk" ]; then
	rm -rf "$OUT/disk-root" "$OUT"/disk-*.ext4
	mkdir -p "$OUT/disk-root"/{bin,sbin,proc,sys,dev,tmp,tests,extra}
	cp /bin/busybox "$OUT/disk-root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$OUT/disk-root/bin/$a"
	done
	# tests/vm/init runs the root's ldconfig: nothing to do in this one.
	printf '#!/bin/sh
' >"$OUT/disk-root/sbin/ldconfig"
	chmod 755 "$OUT/disk-root/sbin/ldconfig"
	truncate -s 3G "$OUT/disk-root/fill"
	mkfs.ext4 -q -F -L cma_buf-bench -d "$OUT/disk-root" "$disk.tmp" 3200M
	rm -rf "$OUT/disk-root"
	mv "$disk.tmp" "$disk"
fi

# 256 MiB must fit for either allocator, and the 4000-buffer scaling test
# holds 4000 x 64 KiB = 250 MiB: a 512 MiB CMA area. Guest RAM is large enough
# that anonymous memory never needs the CMA area (the kernel falls back to CMA
# for movable pages only when CMA holds over half of the free memory).
# TCG marks the TSC unstable against jiffies and falls back to a 4 ms clock:
# tsc=reliable keeps the nanosecond clock. brd.rd_size: a 64 MiB RAM disk for
# the O_DIRECT figure. The busy step fills those 2 GiB with page cache and
# 512 MiB of anonymous memory besides the 256 MiB the others use.
echo "bench: booting the bench kernel (TCG or KVM, one VM); this takes a few minutes" >&2
set +e
CMA_SIZE=512M "$TOP/tests/vm/run.sh" --kernel "$image" --kname bench --module "$ko" \
	--modparams "max_buffers=8192" --extra "$OUT/guest" --mem 2048 --disk "$disk" \
	--append "tsc=reliable brd.rd_size=65536" --name "bench-$$" --timeout "${TIMEOUT:-2400}" \
	--log "$OUT/console.log" --cmd "BENCH_REP_SCALE=${BENCH_REP_SCALE:-1} /extra/bench ${BENCH_ONLY:-all} &&
		{ insmod /extra/cma_probe.ko 2>/dev/null; dmesg | sed -n 's/.*cma_probe: //p'; true; }" \
	>"$OUT/raw.txt"
rc=$?
set -e
rm -rf "$BUILD/vm/bench-$$"
if [ "$rc" != 0 ]; then
	echo "bench: guest run failed ($rc); output in $OUT/raw.txt, console in $OUT/console.log" >&2
	tail -n 20 "$OUT/raw.txt" >&2
	exit 1
fi

python3 "$TOP/tests/bench/report.py" "$OUT/raw.txt" "$OUT" || {
	echo "bench: some results missing; see $OUT/raw.txt" >&2
	exit 1
}

gnuplot <<GP
set terminal pngcairo size 900,600 noenhanced
set output "$OUT/latency.png"
set title "Allocation latency against size (median, TCG guest)"
set logscale xy
set xlabel "size (MiB)"
set ylabel "latency (ms)"
set xtics (1, 4, 16, 64, 256)
set key top left
set grid
plot "$OUT/latency.dat" using 1:2 with linespoints lw 2 title "cma_buf alloc", \
     "" using 1:3 with linespoints lw 2 title "CMA heap alloc", \
     "" using 1:4 with linespoints lw 2 title "memset (zeroing floor)", \
     "" using 1:5 with linespoints dt 2 title "cma_buf map+touch", \
     "" using 1:6 with linespoints dt 2 title "CMA heap map+touch", \
     "" using 1:7 with linespoints dt 2 title "anonymous map+touch"
GP

echo
echo "bench: results in $OUT (results.csv, table.md, latency.png); wall time $(($(date +%s) - start)) s"
cat "$OUT/foms.txt"
