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
        if len(f) != 9:
            continue
        test, impl, size, reps, med, lo, hi, unit = f[1:]
        res[(test, impl, int(size))] = {
            "reps": int(reps), "median": int(med), "min": int(lo), "max": int(hi),
            "unit": unit}
    return res


def ms(v):
    return "%.3f" % (v / 1e6)


def main():
    raw, out = sys.argv[1], sys.argv[2]
    res = load(raw)
    if not res:
        sys.exit("report.py: no results in %s" % raw)

    with open(out + "/results.csv", "w") as f:
        f.write("test,impl,size_bytes,reps,median,min,max,unit\n")
        for (test, impl, size), r in res.items():
            f.write("%s,%s,%d,%d,%d,%d,%d,%s\n" % (test, impl, size, r["reps"], r["median"],
                                                    r["min"], r["max"], r["unit"]))

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
    lines.append("| live 64 KiB buffers | alloc+free of 1 MiB, ms |")
    lines.append("|---:|---:|")
    for n in (10, 100, 1000, 4000):
        lines.append("| %d | %s |" % (n, cell("scale", "cma_buf", n)))
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
    ratio("scale_4000_vs_10", med("scale", "cma_buf", 4000), med("scale", "cma_buf", 10))
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
