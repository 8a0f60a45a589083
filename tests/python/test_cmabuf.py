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
import sys

import numpy as np

import cmabuf

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

print("1..%d" % n)
sys.exit(1 if failed else 0)
