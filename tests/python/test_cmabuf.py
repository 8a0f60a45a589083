#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The cmabuf Python package against the module, in the guest's Debian root.

TAP on stdout. Run as root (it also drops to nobody for the errno cases).
Physical addresses are checked against sysfs and, through /dev/mem, against
what the array holds.
"""
import errno
import gc
import mmap
import os
import signal
import sys
import time

import numpy as np

import cmabuf

PAGE = mmap.PAGESIZE
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print("%s %d %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond:
        failed += 1


def sysfs(name, attr):
    with open("/sys/class/cma_buf/%s/%s" % (name, attr)) as f:
        return f.read().strip()


def devmem(phys, length):
    # pread, as the C tests do: a mapping of /dev/mem would ask PAT for a
    # cache type of its own.
    fd = os.open("/dev/mem", os.O_RDONLY)
    try:
        return os.pread(fd, length, phys)
    finally:
        os.close(fd)


def skip(what, reason):
    global n
    n += 1
    print("ok %d %s # SKIP %s" % (n, what, reason), flush=True)


def area_used(area):
    """Pages CMA debugfs counts in use in one area; None without it."""
    try:
        with open("/sys/kernel/debug/cma/%s/used" % area) as f:
            return int(f.read())
    except FileNotFoundError:
        return None


def gone(name, seconds=5):
    """Wait for a buffer's sysfs folder to go; whether it went."""
    end = time.monotonic() + seconds
    while os.path.exists("/sys/class/cma_buf/" + name):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def cma_used_pages():
    total = 0
    root = "/sys/kernel/debug/cma"
    for area in os.listdir(root):
        with open(os.path.join(root, area, "used")) as f:
            total += int(f.read())
    return total


def raises(errno_value, fn):
    try:
        fn()
    except OSError as e:
        return e.errno == errno_value, e
    return False, None


# allocate(): shape, dtype, physical address as sysfs has it, zeroed memory.
buf = cmabuf.allocate(shape=(1024, 1024), dtype=np.uint32)
ok(isinstance(buf, cmabuf.CmaBuffer) and isinstance(buf, np.ndarray),
   "allocate returns an ndarray subclass")
ok(buf.shape == (1024, 1024) and buf.dtype == np.uint32 and buf.nbytes == 4 << 20,
   "shape (1024, 1024) uint32, 4 MiB")
name = buf.name
phys = int(sysfs(name, "phys_addr"), 0)
ok(buf.physical_address == phys, "physical_address %#x equals sysfs phys_addr" % phys)
ok(buf.device_address == buf.physical_address, "device_address is physical_address")
ok(int(sysfs(name, "size")) == 4 << 20 and buf.size_bytes == 4 << 20, "sysfs size 4 MiB")
ok(buf.cache == "cached" and buf.cacheable, "cached by default")
ok(not buf.any(), "a new buffer reads as zeros")
ok(sysfs(name, "mappings") == "1", "one mapping in sysfs")

# Data through the mapping is the data at the physical address.
buf[:] = np.arange(1 << 20, dtype=np.uint32).reshape(1024, 1024)
buf.flush()
ok(devmem(phys, 64) == np.arange(16, dtype=np.uint32).tobytes(),
   "/dev/mem at phys_addr holds what the array wrote")
last = devmem(phys + (4 << 20) - 4, 4)
ok(np.frombuffer(last, np.uint32)[0] == (1 << 20) - 1, "and its last element")

# Slices: their own physical address, the same memory.
row = buf[3]
ok(isinstance(row, cmabuf.CmaBuffer), "a slice is a CmaBuffer")
ok(row.physical_address == phys + 3 * 4096, "row 3 is at phys + 12288")
col = buf[5:, 7]
ok(col.physical_address == phys + (5 * 1024 + 7) * 4, "buf[5:, 7] starts at its element")
ok(np.frombuffer(devmem(row.physical_address, 8), np.uint32).tolist() == [3072, 3073],
   "/dev/mem at the row's address holds the row")
sub = buf.reshape(-1).view(np.uint8)[100:200]
ok(sub.physical_address == phys + 100 and sub.nbytes == 100, "byte view at offset 100")

# Sync: whole array, a slice, a range, bad directions.
try:
    buf.invalidate()
    buf.sync_to_device()
    buf.sync_from_device()
    row.flush()
    buf.sync(offset=4096, size=8192, direction="bidirectional")
    ok(True, "flush/invalidate/sync on array, slice and range")
except OSError as e:
    ok(False, "sync raised %s" % e)
good, e = raises(errno.EINVAL, lambda: buf.sync(offset=4 << 20, size=4096))
ok(good, "sync past the end: EINVAL (%s)" % e)
try:
    buf.sync(direction="sideways")
    ok(False, "unknown direction refused")
except ValueError:
    ok(True, "unknown direction refused")

# dma-buf export: a file whose mapping is the same memory.
fd = buf.export_dmabuf()
dm = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
ok(np.frombuffer(dm, np.uint32, count=4).tolist() == [0, 1, 2, 3],
   "the exported dma-buf maps the buffer's data")
dm[0:4] = np.uint32(0xdeadbeef).tobytes()
ok(int(buf[0, 0]) == 0xdeadbeef, "a write through the dma-buf shows in the array")
dm.close()
os.close(fd)
fd = row.export_dmabuf()
dm = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
ok(np.frombuffer(dm, np.uint32, count=2).tolist() == [3072, 3073],
   "a row's dma-buf starts at the row")
dm.close()
os.close(fd)
good, e = raises(errno.EINVAL, lambda: sub.export_dmabuf())
ok(good, "export of an unaligned view: EINVAL (%s)" % e)
e = None  # its traceback holds the view

# freebuffer(): gone from sysfs, views still valid, memory back once the
# last view goes.
used = cma_used_pages()
buf.freebuffer()
ok(not os.path.exists("/sys/class/cma_buf/" + name), "freebuffer removes it from sysfs")
ok(name not in [b.name for b in cmabuf.buffers()], "buffers() no longer lists it")
ok(int(row[1]) == 3073 and int(col[0]) == 5 * 1024 + 7, "views still read the data")
row[1] = 42
ok(int(buf[3, 1]) == 42, "and writes go to the same memory")
ok(cma_used_pages() == used, "CMA still holds the pages while views exist")
del buf, row, col, sub
gc.collect()
ok(cma_used_pages() == used - 1024, "1024 pages back to CMA after the last view")

# Cache modes.
with cmabuf.allocate(4096 * 4, dtype="u1", cacheable=False) as u:
    ok(u.cache == "uncached" and not u.cacheable, "cacheable=False: uncached")
    ok(sysfs(u.name, "cache") == "uncached", "and the buffer's cache attribute says so")
    u[:] = 7
    ok(devmem(u.physical_address, 4) == b"\x07" * 4, "uncached data at its address")
    uname = u.name
ok(not os.path.exists("/sys/class/cma_buf/" + uname), "the with block freed it")
with cmabuf.allocate((16, 1024), "u4", cache="writecombine") as w:
    ok(sysfs(w.name, "cache") == "writecombine", "cache=writecombine set on the buffer")
    w[:] = 1
    ok(int(w.sum()) == 16 * 1024, "writecombine data reads back")
try:
    cmabuf.allocate(4096, cache="fast")
    ok(False, "unknown cache mode refused")
except ValueError:
    ok(True, "unknown cache mode refused")

# Alignment and pinnable.
with cmabuf.allocate(4096, "u1", align=1 << 21) as a:
    ok(a.physical_address % (1 << 21) == 0, "align=2M: address %#x" % a.physical_address)
good, e = raises(errno.EINVAL, lambda: cmabuf.allocate(4096, align=3 << 12))
ok(good, "align that is no power of two: EINVAL (%s)" % e)

# open() of an existing buffer; close() keeps it.
with cmabuf.allocate(8192, "u1") as mine:
    mine[:4] = [1, 2, 3, 4]
    other = cmabuf.open(mine.name)
    ok(other.physical_address == mine.physical_address and other.nbytes == 8192,
       "open(name) maps the same buffer")
    ok(other[:4].tolist() == [1, 2, 3, 4], "and sees its data")
    other.close()
    ok(os.path.exists("/sys/class/cma_buf/" + mine.name), "close() does not free")
    again = cmabuf.open(mine.index, dtype="u2")
    ok(again.shape == (4096,) and int(again[0]) == 0x0201, "open(N, dtype=u2)")
    again.close()
good, e = raises(errno.ENOENT, lambda: cmabuf.open("cma_buf4000000"))
ok(good and isinstance(e, FileNotFoundError), "open of a missing buffer: FileNotFoundError")
good, e = raises(errno.EINVAL, lambda: cmabuf.open("cma_buf1x"))
ok(good, "open of a malformed name: EINVAL (%s)" % e)
try:
    cmabuf.allocate(0)
    ok(False, "zero bytes refused")
except ValueError:
    ok(True, "zero bytes refused")
try:
    cmabuf.open(cmabuf.allocate(4096, "u1").name, shape=(8192,))
    ok(False, "a shape larger than the buffer refused")
except ValueError:
    ok(True, "a shape larger than the buffer refused")
for b in cmabuf.buffers():
    with open("/sys/class/cma_buf/free", "w") as f:
        f.write(b.name + "\n")

# areas(): the module's areas file, completed by the kernel's counts.
with open("/sys/class/cma_buf/areas") as f:
    lines = [line.split(" ") for line in f.read().splitlines()]
al = cmabuf.areas()
ok([a.name for a in al] == [line[0] for line in lines] and len(al) >= 1,
   "areas() lists the areas file's names in its order: %s" % [a.name for a in al])
ok(al[0].default and not any(a.default for a in al[1:]), "the first area is the default, only it")
ok(all(a.held == int(line[4]) and a.node == (None if line[3] == "-" else int(line[3])) and
       a.base == (None if line[1] == "-" else int(line[1], 16))
       for a, line in zip(al, lines)), "held, node and base as the file has them")
for a, line in zip(al, lines):
    total = "/sys/kernel/mm/cma/%s/total_pages" % a.name
    if line[2] == "-" and os.path.exists(total):
        with open(total) as f:
            want = int(f.read()) * PAGE
        ok(a.size == want, "%s: size %s is the kernel's total_pages (%d bytes)" % (a.name, a.size, want))
    elif line[2] != "-":
        ok(a.size == int(line[2]), "%s: size %d as the module has it" % (a.name, a.size))
    avail = "/sys/kernel/mm/cma/%s/available_pages" % a.name
    if os.path.exists(avail):
        ok(a.free is not None and 0 <= a.free <= (a.size or 1 << 62),
           "%s: free %s bytes from the kernel's available_pages" % (a.name, a.free))
    else:
        ok(a.free is None, "%s: free None without available_pages" % a.name)
default = al[0].name

# area=, node=: origin, node and owner of what comes back.
# Earlier checks' buffers go with their last view: collect them first, so
# that none is freed (and leaves the default area) while this one is counted.
gc.collect()
held0 = cmabuf.areas()[0].held
b = cmabuf.allocate(16 * PAGE, "u1", area=default)
name = b.name
ok(b.origin == default and sysfs(name, "origin") == default, "area=%s: origin %s" % (default, b.origin))
ok(b.owner == "sysfs" and sysfs(name, "owner") == "sysfs", "a plain buffer's owner is sysfs")
ok(b.node == int(sysfs(name, "node")), "node %s as sysfs has it" % b.node)
ok(cmabuf.areas()[0].held == held0 + 16 * PAGE, "the default area holds 16 pages more")
info = [i for i in cmabuf.buffers() if i.name == name][0]
ok(info.node == b.node and info.owner == "sysfs", "buffers() has node and owner")
b.freebuffer()
del b, info
gc.collect()
ok(cmabuf.areas()[0].held == held0, "and 16 pages less after the free")
for owned in (False, True):
    how = "owned " if owned else ""
    good, e = raises(errno.ENOENT, lambda: cmabuf.allocate(PAGE, "u1", area="nosuch-area", owned=owned))
    ok(good and isinstance(e, FileNotFoundError), "%sarea=nosuch-area: ENOENT (%s)" % (how, e))
    good, e = raises(errno.EINVAL, lambda: cmabuf.allocate(PAGE, "u1", area="a/b", owned=owned))
    ok(good, "%sarea=a/b: EINVAL (%s)" % (how, e))
    good, e = raises(errno.EINVAL, lambda: cmabuf.allocate(PAGE, "u1", node=1 << 20, owned=owned))
    ok(good, "%snode=%d, beyond MAX_NUMNODES: EINVAL (%s)" % (how, 1 << 20, e))
e = None
for nid in sorted({a.node for a in al if a.node is not None}):
    first = [a.name for a in al if a.node == nid][0]
    with cmabuf.allocate(4 * PAGE, "u1", node=nid) as b:
        ok(b.node == nid and int(sysfs(b.name, "node")) == nid and b.origin == first,
           "node=%d: pages on node %d, from %s (%s)" % (nid, b.node, first, b.origin))
with open("/sys/devices/system/node/possible") as f:
    possible = set()
    for part in f.read().strip().split(","):
        lo, _, hi = part.partition("-")
        possible.update(range(int(lo), int(hi or lo) + 1))
bare = sorted(possible - {a.node for a in al})
if bare:
    good, e = raises(errno.ENOENT, lambda: cmabuf.allocate(PAGE, "u1", node=bare[0]))
    ok(good, "node=%d, no area on it: ENOENT (%s)" % (bare[0], e))
    e = None
else:
    skip("a node without an area: ENOENT", "every possible node has an area")

# Owned buffers: the buffer goes with its last array, and with its process.
o = cmabuf.allocate(64 * PAGE, "u1", owned=True)
name, origin = o.name, o.origin
used0 = area_used(origin)
ok(o.owner == "fd" and sysfs(name, "owner") == "fd", "owned=True: owner fd")
ok(os.path.exists("/dev/" + name) and o.node == int(sysfs(name, "node")),
   "an owned buffer is in sysfs and /dev like any other")
ok(not o.any(), "and starts zeroed")
o[:] = 0x5a
phys = int(sysfs(name, "phys_addr"), 0)
ok(o.physical_address == phys and devmem(phys + 4096, 8) == b"\x5a" * 8,
   "its data is at its physical address")
held = [a.held for a in cmabuf.areas() if a.name == origin]
ok(held and held[0] >= 64 * PAGE, "its area %s holds it (%s bytes)" % (origin, held))
row = o[4096:4200]
o.close()
ok(os.path.exists("/sys/class/cma_buf/" + name),
   "close() lets go of the descriptor; the mapping of a view keeps the buffer")
ok(int(row[0]) == 0x5a, "and the view still reads it")
if used0 is None:
    skip("CMA used count while a view lives", "no CMA debugfs for area %s" % origin)
else:
    ok(area_used(origin) == used0, "CMA still counts its pages (%d used)" % used0)
del o, row
gc.collect()
ok(gone(name), "the last view collected: the owned buffer left sysfs without free")
ok(not os.path.exists("/dev/" + name), "and /dev")
if used0 is None:
    skip("CMA used count after the last view", "no CMA debugfs for area %s" % origin)
else:
    ok(area_used(origin) == used0 - 64, "64 pages back to %s (used %d)" % (origin, area_used(origin)))

with cmabuf.allocate(8 * PAGE, "u1", owned=True, area=default) as o:
    name = o.name
    ok(o.origin == default and o.owner == "fd", "owned with area=%s" % default)
    keep = o[:16]
ok(not os.path.exists("/sys/class/cma_buf/" + name),
   "leaving the with block frees an owned buffer as any, views alive or not")
keep[0] = 1
ok(int(keep[0]) == 1, "the view still works")
del keep
gc.collect()

# Killed with its buffer: nothing leaks.
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    try:
        os.close(r)
        mine = cmabuf.allocate(32 * PAGE, "u1", owned=True)
        mine[:] = 1
        os.write(w, mine.name.encode())
        os.close(w)
        time.sleep(60)
    finally:
        os._exit(0)  # never back into the parent's test
os.close(w)
name = os.read(r, 64).decode()
os.close(r)
ok(name.startswith("cma_buf") and os.path.exists("/sys/class/cma_buf/" + name),
   "a child's owned buffer %s is there while it lives" % name)
origin = sysfs(name, "origin") if name.startswith("cma_buf") else "-"
used_child = area_used(origin)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
ok(gone(name), "the child killed: its owned buffer is gone")
if used_child is None:
    skip("CMA used count after the kill", "no CMA debugfs for area %s" % origin)
else:
    ok(area_used(origin) == used_child - 32, "and its 32 pages are back in %s" % origin)

# Errors for a user who is not root: PermissionError with the errno and the
# file libcmabuf names; nothing left behind.
before = len(cmabuf.buffers())
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    try:
        cmabuf.allocate(4096)
        os._exit(1)
    except PermissionError as e:
        os._exit(0 if e.errno == errno.EACCES and "alloc" in str(e) else 2)
    except BaseException:
        os._exit(3)
_, status = os.waitpid(pid, 0)
ok(os.WEXITSTATUS(status) == 0, "unprivileged allocate: PermissionError EACCES naming alloc (%d)"
   % os.WEXITSTATUS(status))
ok(len(cmabuf.buffers()) == before, "and no buffer left behind")
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    try:
        cmabuf.allocate(4096, owned=True)
        os._exit(1)
    except PermissionError as e:
        os._exit(0 if e.errno == errno.EACCES and e.filename == "/dev/cma_buf" else 2)
    except BaseException:
        os._exit(3)
_, status = os.waitpid(pid, 0)
ok(os.WEXITSTATUS(status) == 0, "unprivileged owned allocate: EACCES naming /dev/cma_buf (%d)"
   % os.WEXITSTATUS(status))
ok(len(cmabuf.buffers()) == before, "and no buffer left behind")

print("1..%d" % n)
sys.exit(1 if failed else 0)
