#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the bench VM's output into results.csv, table.md, plot data and the
"bench: NAME VALUE" figures of merit.

    report.py RAW OUTDIR
"""
import sys

SIZES = [(1 << 20, "1M"), (4 << 20, "4M"), (16 << 20, "16M"), (64 << 20, "64M"),
         (256 << 20, "256M")]


def load(raw):
    res = {}
    for line in open(raw, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line.startswith(("R,", "P,")):
            continue
        f = line.split(",")
        if f[0] == "P" and len(f) == 7:
            # Kernel probe: P,<what>,<bytes>,<reps>,<median>,<min>,<max> in ns.
            f = ["R", "kprobe_" + f[1], "kernel"] + f[2:] + ["ns"]
        if len(f) == 9:
            f.append("")            # no p90: the kernel probe's lines
        if len(f) != 10:
            continue
        test, impl, size, reps, med, lo, hi, unit, p90 = f[1:]
        res[(test, impl, int(size))] = {
            "reps": int(reps), "median": int(med), "min": int(lo), "max": int(hi),
            "unit": unit, "p90": int(p90) if p90 else None}
    return res


def ms(v):
    return "%.3f" % (v / 1e6)


def main():
    raw, out = sys.argv[1], sys.argv[2]
    res = load(raw)
    if not res:
        sys.exit("report.py: no results in %s" % raw)

    with open(out + "/results.csv", "w") as f:
        f.write("test,impl,size_bytes,reps,median,min,max,unit,p90\n")
        for (test, impl, size), r in res.items():
            f.write("%s,%s,%d,%d,%d,%d,%d,%s,%s\n" % (
                test, impl, size, r["reps"], r["median"], r["min"], r["max"], r["unit"],
                "" if r["p90"] is None else r["p90"]))

    def med(test, impl, size):
        r = res.get((test, impl, size))
        return r["median"] if r else None

    def cell(test, impl, size):
        r = res.get((test, impl, size))
        if not r:
            return "-"
        return "%s (%s–%s)" % (ms(r["median"]), ms(r["min"]), ms(r["max"]))

    lines = []
    lines.append("Latency in ms, median (min–max) of the repetitions shown; TCG-emulated "
                 "guest, so only ratios are meaningful.")
    lines.append("")
    lines.append("| size | reps | alloc cma_buf | alloc CMA heap | memset | "
                 "touch cma_buf | touch CMA heap | touch anon | free cma_buf | free CMA heap |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, name in SIZES:
        r = res.get(("alloc", "cma_buf", size))
        lines.append("| %s | %s | %s |" % (name, r["reps"] if r else "-", " | ".join(
            cell(t, i, size) for t, i in [
                ("alloc", "cma_buf"), ("alloc", "heap"), ("alloc", "memset"),
                ("touch", "cma_buf"), ("touch", "heap"), ("touch", "anon"),
                ("free", "cma_buf"), ("free", "heap")])))
    lines.append("")
    lines.append("| bandwidth, 64 MiB mapping | cma_buf MB/s | anonymous MB/s |")
    lines.append("|---|---:|---:|")
    for test, label in [("write_bw", "sequential write (memset)"),
                        ("read_bw", "sequential read (u64 sum)")]:
        c = res.get((test, "cma_buf", 64 << 20))
        a = res.get((test, "anon", 64 << 20))
        fmt = lambda r: "%d (%d–%d)" % (r["median"], r["min"], r["max"]) if r else "-"
        lines.append("| %s | %s | %s |" % (label, fmt(c), fmt(a)))
    lines.append("")
    lines.append("| live 64 KiB buffers | alloc+free of 1 MiB, ms | its alloc | its free | "
                 "free of one of the 10 oldest |")
    lines.append("|---:|---:|---:|---:|---:|")
    for n in (10, 100, 1000, 4000):
        lines.append("| %d | %s |" % (n, " | ".join(
            cell(t, "cma_buf", n) for t in ("scale", "scale_alloc", "scale_free",
                                            "scale_free_oldest"))))
    grow = sorted(s for t, i, s in res if t == "scale_grow")
    if grow:
        lines.append("")
        lines.append("| live 64 KiB buffers (bucket middle) | alloc of the next 64 KiB, ms | "
                     "free of the newest, ms |")
        lines.append("|---:|---:|---:|")
        for n in grow:
            lines.append("| %d | %s | %s |" % (n, cell("scale_grow", "cma_buf", n),
                                               cell("scale_shrink", "cma_buf", n)))
        for t, label in [("scale_grow", "alloc"), ("scale_shrink", "free")]:
            lo, hi = med(t, "cma_buf", grow[0]), med(t, "cma_buf", grow[-1])
            if lo is not None and hi is not None:
                lines.append("")
                lines.append("Per live buffer, %s: %.1f ns (median at %d live minus median at %d, "
                             "over the difference)." % (label, (hi - lo) / (grow[-1] - grow[0]),
                                                        grow[-1], grow[0]))
        lo, hi = med("scale_free_oldest", "cma_buf", 10), med("scale_free_oldest", "cma_buf", 4000)
        if lo is not None and hi is not None:
            lines.append("Per live buffer, free of an old buffer (the cdev list walk): %.1f ns."
                         % ((hi - lo) / 3990))
    probe = [("probe_alloc", "cma_buf", 4096, "cma_buf alloc of one page"),
             ("probe_alloc", "heap", 4096, "CMA heap alloc of one page"),
             ("probe_sysfs_write", "cma_buf", 0, "refused alloc write (syscall + sysfs)")]
    if any(res.get(p[:3]) for p in probe):
        lines.append("")
        lines.append("| fixed costs | ms |")
        lines.append("|---|---:|")
        for t, i, s, label in probe:
            lines.append("| %s | %s |" % (label, cell(t, i, s)))
    touch = [("probe_mmap", "cma_buf", "cma_buf mmap, 64 MiB (remap_pfn_range)"),
             ("probe_touchloop", "cma_buf", "cma_buf touch loop, already mapped"),
             ("probe_munmap", "cma_buf", "cma_buf munmap"),
             ("probe_touchloop", "anon_mapped", "anon touch loop, already faulted in")]
    if any(res.get((t, i, 64 << 20)) for t, i, _ in touch):
        lines.append("")
        lines.append("| map + touch, 64 MiB, split | ms |")
        lines.append("|---|---:|")
        for t, i, label in touch:
            lines.append("| %s | %s |" % (label, cell(t, i, 64 << 20)))
    kp = sorted({(t, s) for t, i, s in res if t.startswith("kprobe_")}, key=lambda k: k[1])
    if kp:
        names = ["cma_alloc", "cma_alloc_again", "memset_2m_strides", "clear_page_loop",
                 "memset64_2m_strides", "cma_release"]
        lines.append("")
        lines.append("| in-kernel (cma_probe), ms | " + " | ".join(names) + " |")
        lines.append("|---:|" + "---:|" * len(names))
        for size in sorted({s for _, s in kp}):
            lines.append("| %s | %s |" % (
                "%d KiB" % (size >> 10) if size < (1 << 20) else "%d MiB" % (size >> 20),
                " | ".join(cell("kprobe_" + n, "kernel", size) for n in names)))
    busy_sizes = [(4 << 20, "4M"), (16 << 20, "16M"), (64 << 20, "64M")]
    if any(res.get(("alloc_busy", i, s)) for s, _ in busy_sizes for i in ("cma_buf", "heap")):
        def pct(r):
            return "-" if not r else "%.1f–%.1f %%" % (r["min"] / 10, r["max"] / 10)

        def kb(r):
            return "-" if not r else "%d–%d" % (r["min"] >> 10, r["max"] >> 10)

        def dist(r):
            if not r:
                return "-"
            return "%s / %s / %s" % (ms(r["median"]), ms(r["p90"]), ms(r["max"]))
        lines.append("")
        lines.append("Busy machine: the CMA area lent to page cache and anonymous memory before "
                     "every allocation; ms, median / p90 / max.")
        lines.append("")
        lines.append("| size | reps | alloc cma_buf busy | alloc CMA heap busy | "
                     "alloc cma_buf idle | CmaFree before, MiB | range lent before |")
        lines.append("|---:|---:|---:|---:|---:|---:|---:|")
        for size, name in busy_sizes:
            c, h = res.get(("alloc_busy", "cma_buf", size)), res.get(("alloc_busy", "heap", size))
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                name, c["reps"] if c else "-", dist(c), dist(h),
                dist(res.get(("alloc", "cma_buf", size))),
                kb(res.get(("busy_cma_free", "cma_buf", size))),
                pct(res.get(("busy_lent", "cma_buf", size)))))
        kinds = ["anon", "file", "shmem", "free", "other"]
        lines.append("")
        lines.append("| CMA area, pages | " + " | ".join(kinds) + " |")
        lines.append("|---|" + "---:|" * len(kinds))
        for t, label in [("busy_area_start", "after the fill"), ("busy_area_end", "at the end")]:
            lines.append("| %s | %s |" % (label, " | ".join(
                str(med(t, k, 0)) if med(t, k, 0) is not None else "-" for k in kinds)))
        u = res.get(("busy_cma_used", "both", 0))
        fails = [med("busy_failed", i, 0) for i in ("cma_buf", "heap")]
        lines.append("")
        lines.append("CMA debugfs `used` before each allocation: %s pages; failed allocations: "
                     "cma_buf %s, heap %s; lend() stopped short of its CmaFree target %s times." % (
                         "-" if not u else "%d–%d" % (u["min"], u["max"]), fails[0], fails[1],
                         med("busy_lend_short", "both", 0)))
    if res.get(("alloc_pooled", "idle", 16 << 20)) or res.get(("alloc_pooled", "busy", 16 << 20)):
        lines.append("")
        lines.append("Pool of four 16 MiB buffers (`pool=16M*4`), waiting for the worker to refill "
                     "between allocations; ms, median / p90 / max.")
        lines.append("")
        lines.append("| machine | alloc from the pool | CMA_BUF_IOC_ALLOC from the pool | "
                     "memset of 16 MiB | alloc without a pool |")
        lines.append("|---|---:|---:|---:|---:|")

        def dist3(r):
            return "-" if not r else "%s / %s / %s" % (ms(r["median"]), ms(r["p90"]), ms(r["max"]))
        for impl, plain in [("idle", ("alloc", "cma_buf")), ("busy", ("alloc_busy", "cma_buf"))]:
            lines.append("| %s | %s | %s | %s | %s |" % (
                impl, dist3(res.get(("alloc_pooled", impl, 16 << 20))),
                dist3(res.get(("alloc_pooled_ioctl", impl, 16 << 20))),
                dist3(res.get(("memset", impl, 16 << 20))),
                dist3(res.get(plain + (16 << 20,)))))
        dev = [(n, res.get(("kprobe_" + n, "kernel", 0))) for n in
               ("device_create_node", "device_destroy_node", "device_create_nonode",
                "device_destroy_nonode")]
        if all(r for _, r in dev):
            lines.append("")
            lines.append("What a buffer's device costs in this guest, whatever its size (kernel "
                         "probe, median ms): " + ", ".join("%s %s" % (n.replace("_", " "),
                                                                     ms(r["median"]))
                                                           for n, r in dev) + ".")
    # Traced in place (bench_phases): the kernel functions an allocation spends its time in.
    phase_cols = [("cma_buf", 1 << 20, "cma_buf 1M"), ("heap", 1 << 20, "heap 1M"),
                  ("cma_buf", 16 << 20, "cma_buf 16M"), ("heap", 16 << 20, "heap 16M"),
                  ("pooled", 16 << 20, "pooled write 16M"),
                  ("pooled_ioctl", 16 << 20, "pooled ioctl 16M")]
    phase_rows = []
    for (test, impl, size) in res:
        if test.startswith("phase_") and impl != "wall" and impl not in phase_rows:
            phase_rows.append(impl)
    if phase_rows:
        lines.append("")
        lines.append("Where an allocation's time goes: kernel functions traced in place "
                     "(function graph tracer, this process only; a call's time includes "
                     "what it calls; ms, median of the calls' sums per allocation).")
        lines.append("")
        lines.append("| function | " + " | ".join(c[2] for c in phase_cols) + " |")
        lines.append("|---|" + "---:|" * len(phase_cols))
        for impl in ["wall"] + phase_rows:
            cells = []
            for what, size, _ in phase_cols:
                v = med("phase_" + what, impl, size)
                cells.append("-" if v is None else ms(v))
            lines.append("| %s | %s |" % ("wall time of the call" if impl == "wall" else
                                          "`%s`" % impl, " | ".join(cells)))
    table = "\n".join(lines) + "\n"
    with open(out + "/table.md", "w") as f:
        f.write(table)

    with open(out + "/latency.dat", "w") as f:
        f.write("# MiB alloc_cma_buf alloc_heap memset touch_cma_buf touch_heap touch_anon "
                "(ms, median)\n")
        for size, name in SIZES:
            vals = [med(t, i, size) for t, i in [
                ("alloc", "cma_buf"), ("alloc", "heap"), ("alloc", "memset"),
                ("touch", "cma_buf"), ("touch", "heap"), ("touch", "anon")]]
            f.write("%d %s\n" % (size >> 20, " ".join(
                "%.6f" % (v / 1e6) if v else "NaN" for v in vals)))

    foms = []

    def ratio(name, a, b):
        if a is None or b is None or b == 0:
            foms.append((name, "NaN"))
        else:
            foms.append((name, "%.3f" % (a / b)))

    for size, name in SIZES:
        ratio("alloc_vs_heap_" + name, med("alloc", "cma_buf", size), med("alloc", "heap", size))
    for size, name in SIZES:
        ratio("alloc_vs_memset_" + name, med("alloc", "cma_buf", size),
              med("alloc", "memset", size))
    for size, name in SIZES:
        ratio("touch_vs_heap_" + name, med("touch", "cma_buf", size), med("touch", "heap", size))
    for size, name in SIZES:
        ratio("touch_vs_anon_" + name, med("touch", "cma_buf", size), med("touch", "anon", size))
    for size, name in SIZES:
        ratio("touch_vs_floor_" + name, med("touch", "cma_buf", size),
              med("touch", "floor", size))
    pt = med("pt_bytes_per_gib", "cma_buf", 1 << 30)
    foms.append(("pt_bytes_per_gib", "NaN" if pt is None else "%d" % pt))
    ratio("random_read_vs_anon", med("random_read", "cma_buf", 256 << 20),
          med("random_read", "anon", 256 << 20))
    ratio("write_bw_vs_anon", med("write_bw", "cma_buf", 64 << 20),
          med("write_bw", "anon", 64 << 20))
    ratio("read_bw_vs_anon", med("read_bw", "cma_buf", 64 << 20),
          med("read_bw", "anon", 64 << 20))
    for size, name in SIZES:
        ratio("free_vs_heap_" + name, med("free", "cma_buf", size), med("free", "heap", size))
    sr = med("scale_round_ratio", "cma_buf", 4000)
    foms.append(("scale_4000_vs_10", "NaN" if sr is None else "%.3f" % (sr / 1000)))
    for size, name in busy_sizes:
        ratio("alloc_busy_vs_heap_" + name, med("alloc_busy", "cma_buf", size),
              med("alloc_busy", "heap", size))
    for size, name in busy_sizes:
        ratio("alloc_busy_vs_idle_" + name, med("alloc_busy", "cma_buf", size),
              med("alloc", "cma_buf", size))
    # The pool, 16 MiB: (figure, (test, impl) over (test, impl)).
    m16 = 16 << 20
    for fom, a, b in [
            ("alloc_pooled_vs_memset_16M", ("alloc_pooled", "idle"), ("memset", "idle")),
            ("alloc_pooled_busy_vs_memset_16M", ("alloc_pooled", "busy"), ("memset", "busy")),
            ("alloc_pooled_ioctl_vs_memset_16M", ("alloc_pooled_ioctl", "idle"),
             ("memset", "idle")),
            ("alloc_pooled_ioctl_busy_vs_memset_16M", ("alloc_pooled_ioctl", "busy"),
             ("memset", "busy")),
            ("alloc_pooled_vs_unpooled_16M", ("alloc_pooled", "idle"), ("alloc", "cma_buf")),
            ("alloc_pooled_busy_vs_unpooled_16M", ("alloc_pooled", "busy"),
             ("alloc_busy", "cma_buf")),
            # alloc_busy_vs_heap with the pool: what a pool buys on a busy machine.
            ("alloc_busy_pooled_vs_heap_16M", ("alloc_pooled", "busy"),
             ("alloc_busy", "heap")),
            ("alloc_busy_pooled_ioctl_vs_heap_16M", ("alloc_pooled_ioctl", "busy"),
             ("alloc_busy", "heap"))]:
        ratio(fom, med(a[0], a[1], m16), med(b[0], b[1], m16))
    dc = med("kprobe_device_create_node", "kernel", 0)
    ratio("device_create_vs_memset_16M", dc, med("memset", "idle", m16))
    for size, name in [(4 << 20, "4M"), (64 << 20, "64M")]:
        ratio("pinnable_touch_vs_default_" + name, med("touch", "pinnable", size),
              med("touch", "default", size))
    ratio("odirect_write_pinnable_vs_anon_64M", med("odirect_write", "pinnable", 64 << 20),
          med("odirect_write", "anon", 64 << 20))
    with open(out + "/foms.txt", "w") as f:
        for name, value in foms:
            f.write("bench: %s %s\n" % (name, value))
    sys.stdout.write(table)
    return 0 if all(v != "NaN" for _, v in foms) else 1


if __name__ == "__main__":
    sys.exit(main())
