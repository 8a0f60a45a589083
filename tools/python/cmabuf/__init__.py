# SPDX-License-Identifier: LGPL-2.1-or-later
"""Physically contiguous numpy arrays on cma_buf buffers.

PYNQ's allocate() API over the cma_buf kernel module: libcmabuf.so (through
ctypes) allocates, publishes and frees the buffer, the array lives on the
mapping of /dev/cma_bufN, and the buffer's ioctls do cache maintenance and
dma-buf export. A PYNQ script runs with ``from cmabuf import allocate``::

    import numpy as np
    from cmabuf import allocate

    with allocate(shape=(1024,), dtype=np.uint32) as buf:
        buf[:] = np.arange(1024, dtype=np.uint32)
        buf.flush()                         # before the device reads
        start_dma(buf.physical_address, buf.nbytes)
        buf.invalidate()                    # before the CPU reads the result

ctypes rather than a C extension: nothing to compile on the target (no
python3-dev), one package for every Python 3 a distribution ships, and the
library is the one the C users and the cmabuf CLI use.

Lifetime follows the module's rules: freebuffer() takes the buffer out of
sysfs at once, but its memory stays mapped while any array or view of it is
alive, and goes back to CMA when the last one is garbage collected. With
allocate(..., owned=True) the buffer belongs to a file descriptor of this
process (CMA_BUF_IOC_ALLOC on /dev/cma_buf): it also goes, without
freebuffer(), once the last array on it is collected or the process ends,
killed or not.

ndarray.size stays numpy's element count, deliberately (numpy code relies
on it); the buffer's bytes are size_bytes.
"""

import collections
import ctypes
import errno
import fcntl
import mmap
import operator
import os
import struct

import numpy as np

__all__ = ["allocate", "open", "buffers", "areas", "CmaBuffer", "BufferInfo",
           "Area", "PAGE_SIZE"]

PAGE_SIZE = mmap.PAGESIZE
_builtin_open = open  # the package's own open() comes below

_SYNC_DIRECTIONS = {"bidirectional": 0, "to_device": 1, "from_device": 2}
_FOR_CPU, _FOR_DEVICE = 0, 1


def _ioc(direction, nr, size):
    # asm-generic/ioctl.h, as x86 and arm64 use it; magic 0xC9 (cma_buf.h).
    return (direction << 30) | (size << 16) | (0xC9 << 8) | nr


_SYNC_FMT = "=QQIIQ"            # struct cma_buf_sync
_EXPORT_FMT = "=QQIiQ"          # struct cma_buf_export
_IOC_SYNC = _ioc(1, 0x01, struct.calcsize(_SYNC_FMT))
_IOC_EXPORT_DMABUF = _ioc(3, 0x02, struct.calcsize(_EXPORT_FMT))
# struct cma_buf_alloc: size, align, flags, node, area[64], index, fd,
# reserved[4]; on the control node.
_AREA_NAME_MAX = 64
_ALLOC_FMT = "=QQIi%dsIi4Q" % _AREA_NAME_MAX
_IOC_ALLOC = _ioc(3, 0x10, struct.calcsize(_ALLOC_FMT))
_CONTROL = "/dev/cma_buf"
_KERNEL_ALLOC_PINNABLE, _KERNEL_ALLOC_CLOEXEC = 1, 2
_NODE_ANY = -1
_ALLOC_PINNABLE = 1
_INDEX_ANY = -1
_OWNERS = {1: "sysfs", 2: "fd"}    # CMABUF_OWNER_*
# struct cmabuf_area flags
_AREA_DEFAULT, _AREA_HAS_BASE, _AREA_HAS_SIZE, _AREA_HAS_FREE = 1, 2, 4, 8


class _Info(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 32),
                ("index", ctypes.c_uint),
                ("size", ctypes.c_uint64),
                ("phys_addr", ctypes.c_uint64),
                ("phys_err", ctypes.c_int),
                ("origin", ctypes.c_char * 64),
                ("cache", ctypes.c_char * 16),
                ("dev_major", ctypes.c_uint),
                ("dev_minor", ctypes.c_uint),
                ("mappings", ctypes.c_long),
                ("node", ctypes.c_int),
                ("owner", ctypes.c_int)]


class _Area(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * _AREA_NAME_MAX),
                ("flags", ctypes.c_uint),
                ("node", ctypes.c_int),
                ("base", ctypes.c_uint64),
                ("size", ctypes.c_uint64),
                ("free", ctypes.c_uint64),
                ("held", ctypes.c_uint64),
                ("reserved", ctypes.c_uint64 * 4)]


def _load():
    lib = ctypes.CDLL(os.environ.get("CMABUF_LIBRARY", "libcmabuf.so.0"),
                      use_errno=True)
    p, c_int, u64 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64
    sigs = {
        "cmabuf_alloc_at": (c_int, [u64, u64, ctypes.c_long, ctypes.c_uint,
                                    ctypes.c_char_p, c_int, ctypes.POINTER(p)]),
        "cmabuf_open": (c_int, [ctypes.c_char_p, ctypes.POINTER(p)]),
        "cmabuf_free": (c_int, [p]),
        "cmabuf_close": (None, [p]),
        "cmabuf_info": (c_int, [p, ctypes.POINTER(_Info)]),
        "cmabuf_dev_path": (ctypes.c_char_p, [p]),
        "cmabuf_list": (c_int, [ctypes.POINTER(ctypes.POINTER(_Info)),
                                ctypes.POINTER(ctypes.c_size_t)]),
        "cmabuf_list_free": (None, [ctypes.POINTER(_Info)]),
        "cmabuf_areas": (c_int, [ctypes.POINTER(ctypes.POINTER(_Area)),
                                 ctypes.POINTER(ctypes.c_size_t)]),
        "cmabuf_areas_free": (None, [ctypes.POINTER(_Area)]),
        "cmabuf_strerror": (ctypes.c_char_p, [c_int]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


_lib = None


def _libcmabuf():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


def _check(ret):
    """Raise the OSError subclass of a negative errno, with libcmabuf's text."""
    if ret < 0:
        msg = _libcmabuf().cmabuf_strerror(ret).decode(errors="replace")
        raise OSError(-ret, msg)
    return ret


class BufferInfo:
    """One buffer as sysfs describes it (see buffers())."""

    __slots__ = ("name", "index", "size", "physical_address", "origin",
                 "cache", "mappings", "node", "owner")

    def __init__(self, info):
        self.name = info.name.decode()
        self.index = info.index
        self.size = info.size
        # None when sysfs refuses it (phys_addr is root's).
        self.physical_address = info.phys_addr if info.phys_err == 0 else None
        self.origin = info.origin.decode()
        self.cache = info.cache.decode() or None
        self.mappings = info.mappings
        # None where the module does not publish them.
        self.node = info.node if info.node >= 0 else None
        self.owner = _OWNERS.get(info.owner)

    def __repr__(self):
        return "BufferInfo(%s, size=%d, origin=%s)" % (self.name, self.size,
                                                      self.origin)


class _Mapping:
    """A buffer's handle, node and mapping: shared by an array and its views.

    The mmap object is never closed by hand: numpy holds it while any view
    exists, and the mapping goes when the last one does.
    """

    def __init__(self, handle, cache, owner_fd=-1):
        lib = _libcmabuf()
        self.handle = handle
        self.owner_fd = -1
        self.closed = True  # until the node is open: nothing for __del__
        info = _Info()
        _check(lib.cmabuf_info(handle, ctypes.byref(info)))
        self.name = info.name.decode()
        self.size = info.size
        self.origin = info.origin.decode()
        self.node = info.node if info.node >= 0 else None
        self.owner = _OWNERS.get(info.owner)
        self._phys = info.phys_addr if info.phys_err == 0 else None
        self._phys_err = info.phys_err
        buf_cache = info.cache.decode() or "cached"
        flags = os.O_RDWR | os.O_CLOEXEC
        if cache is None:
            cache = buf_cache
        if cache != buf_cache:
            try:
                self._set_cache(cache)
            except PermissionError:
                # Not root: O_SYNC maps a cached buffer uncached where the
                # CPU allows the alias (not x86 with PAT: EINVAL there).
                if cache != "uncached":
                    raise
                flags |= os.O_SYNC
        self.cache = cache
        if owner_fd >= 0 and not flags & os.O_SYNC:
            # The owner's descriptor is the buffer's, as the node would be.
            self.fd = owner_fd
        else:
            path = lib.cmabuf_dev_path(handle).decode()
            self.fd = os.open(path, flags)
        try:
            self.mm = mmap.mmap(self.fd, self.size, mmap.MAP_SHARED,
                                mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            if self.fd != owner_fd:
                os.close(self.fd)
            raise
        self.owner_fd = owner_fd
        self.freed = False
        self.closed = False
        self.allocated = False

    def _set_cache(self, cache):
        path = "/sys/class/cma_buf/%s/cache" % self.name
        with _builtin_open(path, "w") as f:
            f.write(cache + "\n")

    def physical_address(self):
        if self._phys is None:
            raise OSError(-self._phys_err, "%s: phys_addr: %s" % (
                self.name, os.strerror(-self._phys_err)))
        return self._phys

    def ioctl(self, request, arg):
        if self.fd < 0:
            raise ValueError("%s is closed" % self.name)
        return fcntl.ioctl(self.fd, request, arg)

    def release(self, free):
        lib = _libcmabuf()
        if free and not self.freed:
            if self.closed:
                raise ValueError("%s is closed: open it again to free it"
                                 % self.name)
            _check(lib.cmabuf_free(self.handle))
            self.freed = True
        if not self.closed:
            lib.cmabuf_close(self.handle)
            # The mapping holds the buffer (and an owned one's file) on.
            if self.fd != self.owner_fd:
                os.close(self.fd)
            if self.owner_fd >= 0:
                os.close(self.owner_fd)
            self.fd = self.owner_fd = -1
            self.closed = True


    def __del__(self):
        # The last array on it is gone: the handle and node go too (the
        # mmap object, collected with it, unmaps).
        if not getattr(self, "closed", True):
            self.release(free=False)



class CmaBuffer(np.ndarray):
    """A numpy array on a cma_buf buffer.

    Attributes: physical_address (device_address), name, size_bytes (bytes
    of the whole buffer; size is numpy's element count), cache ("cached",
    "uncached" or "writecombine"), origin, node, owner. A view (slice) keeps
    the buffer alive and has the physical address of its own first element.
    """

    def __array_finalize__(self, obj):
        self._cmabuf = getattr(obj, "_cmabuf", None)

    def _map(self):
        m = self._cmabuf
        if m is None:
            raise ValueError("array is not on a cma_buf buffer")
        return m

    def _offset(self):
        m = self._map()
        base = ctypes.addressof(ctypes.c_char.from_buffer(m.mm))
        return self.__array_interface__["data"][0] - base

    @property
    def physical_address(self):
        """CPU physical address of the first element (root only)."""
        return self._map().physical_address() + self._offset()

    device_address = physical_address

    @property
    def name(self):
        return self._map().name

    @property
    def index(self):
        """N of cma_bufN."""
        return int(self._map().name[len("cma_buf"):])

    @property
    def size_bytes(self):
        return self._map().size

    @property
    def cache(self):
        return self._map().cache

    @property
    def cacheable(self):
        return self._map().cache == "cached"

    @property
    def origin(self):
        return self._map().origin

    @property
    def node(self):
        """NUMA node of the pages; None where the module does not say."""
        return self._map().node

    @property
    def owner(self):
        """"sysfs" (lives until freed) or "fd" (allocate(owned=True): also
        goes with its last array); None where the module does not say."""
        return self._map().owner

    def _span(self, offset, size):
        if offset is None:
            offset = self._offset()
        if size is None:
            size = self.nbytes
        return offset, size

    def sync(self, offset=None, size=None, direction="bidirectional",
             for_device=True):
        """Cache maintenance of a byte range of the buffer.

        offset and size are bytes from the buffer's start (default: this
        array's own bytes); direction is "bidirectional", "to_device" or
        "from_device"; for_device False syncs for the CPU.
        """
        try:
            d = _SYNC_DIRECTIONS[direction]
        except KeyError:
            raise ValueError("direction must be one of %s"
                             % ", ".join(_SYNC_DIRECTIONS)) from None
        offset, size = self._span(offset, size)
        if size == 0:
            return
        arg = struct.pack(_SYNC_FMT, offset, size, d,
                          _FOR_DEVICE if for_device else _FOR_CPU, 0)
        self._map().ioctl(_IOC_SYNC, arg)

    def flush(self):
        """Before a device reads what the CPU wrote (PYNQ's flush)."""
        self.sync(direction="to_device", for_device=True)

    sync_to_device = flush

    def invalidate(self):
        """Before the CPU reads what a device wrote (PYNQ's invalidate)."""
        self.sync(direction="from_device", for_device=False)

    sync_from_device = invalidate

    def export_dmabuf(self, offset=None, size=None, readonly=False):
        """A dma-buf file descriptor of this array's pages (page aligned)."""
        offset, size = self._span(offset, size)
        flags = os.O_CLOEXEC | (os.O_RDONLY if readonly else os.O_RDWR)
        arg = struct.pack(_EXPORT_FMT, offset, size, flags, 0, 0)
        out = self._map().ioctl(_IOC_EXPORT_DMABUF, arg)
        return struct.unpack(_EXPORT_FMT, out)[3]

    def freebuffer(self):
        """Free the buffer: it leaves sysfs now; arrays on it stay valid."""
        self._map().release(free=True)

    def close(self):
        """Let go of the buffer without freeing it (it stays in sysfs)."""
        self._map().release(free=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        m = self._map()
        if m.allocated and not m.freed and not m.closed:
            try:
                self.freebuffer()
            except PermissionError:
                # An owned buffer of a user who may not write free: it
                # goes with its descriptor and last array.
                if m.owner_fd < 0:
                    raise
                self.close()
        else:
            self.close()
        return False


def _array(handle, shape, dtype, cache, allocated, owner_fd=-1):
    try:
        m = _Mapping(handle, cache, owner_fd)
    except BaseException:
        if allocated and owner_fd < 0:
            _libcmabuf().cmabuf_free(handle)
        _libcmabuf().cmabuf_close(handle)
        if owner_fd >= 0:
            os.close(owner_fd)  # and with it the buffer
        raise
    m.allocated = allocated
    dtype = np.dtype(dtype)
    if shape is None:
        shape = (m.size // dtype.itemsize,)
    count = int(np.prod(shape, dtype=np.int64))
    if count * dtype.itemsize > m.size:
        m.release(free=allocated and owner_fd < 0)
        raise ValueError("shape %s of %s needs %d bytes, %s has %d"
                         % (shape, dtype, count * dtype.itemsize, m.name,
                            m.size))
    arr = np.frombuffer(m.mm, dtype=dtype, count=count).reshape(shape)
    arr = arr.view(CmaBuffer)
    arr._cmabuf = m
    return arr


def _area_name_ok(name):
    # As the module checks it: 1 to 63 bytes, graphic (kernel ctype: ASCII
    # without blanks and controls, Latin-1 from 0xa1), no "/".
    return (0 < len(name) < _AREA_NAME_MAX and
            all(0x20 < c < 0x7f or c > 0xa0 for c in name) and b"/" not in name)


def _area_arg(area, node):
    """area and node as libcmabuf takes them, checked as it checks them."""
    if area is not None and node is not None:
        raise ValueError("area and node exclude each other")
    if node is None:
        node = _NODE_ANY
    elif operator.index(node) < 0:  # TypeError for what is no integer
        raise ValueError("node must not be negative")
    else:
        node = operator.index(node)
    if area is not None:
        if isinstance(area, str):
            area = area.encode()
        if not isinstance(area, bytes):
            raise TypeError("area must be a str")
        if not _area_name_ok(area):
            raise OSError(errno.EINVAL, "invalid CMA area name %r" % area)
    return area, node


def _alloc_owned(size, align, pinnable, area, node):
    """CMA_BUF_IOC_ALLOC: (index, the owner's descriptor)."""
    flags = _KERNEL_ALLOC_CLOEXEC | (_KERNEL_ALLOC_PINNABLE if pinnable else 0)
    req = bytearray(struct.pack(_ALLOC_FMT, size, align, flags, node,
                                area or b"", 0, 0, 0, 0, 0, 0))
    try:
        ctl = os.open(_CONTROL, os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        raise OSError(e.errno, e.strerror, _CONTROL) from None
    try:
        fcntl.ioctl(ctl, _IOC_ALLOC, req, True)
    except OSError as e:
        # Not the control node's name: it is there; what was asked for is not.
        what = "area %r" % area.decode(errors="replace") if area else (
            "node %d" % node if node != _NODE_ANY else "%d bytes" % size)
        raise OSError(e.errno, "CMA_BUF_IOC_ALLOC (%s): %s" % (what, e.strerror)) from None
    finally:
        os.close(ctl)
    out = struct.unpack(_ALLOC_FMT, req)
    return out[5], out[6]


def allocate(shape, dtype="u4", cacheable=True, align=None, pinnable=False,
             cache=None, target=None, area=None, node=None, owned=False):
    """A new buffer holding an array of shape and dtype (PYNQ's allocate).

    cacheable=False maps it uncached (the node opened with O_SYNC); cache
    names the mode instead ("cached", "uncached", "writecombine": the last
    is set on the buffer, root only). align is the physical alignment in
    bytes (a power of two), pinnable asks for pages the kernel can pin
    (O_DIRECT). area names the CMA area to take it from (see areas()), node
    a NUMA node (the first area on it); the default area without either.
    owned=True makes the buffer through /dev/cma_buf, owned by a file
    descriptor this package holds: it goes when its last array does or the
    process ends, freebuffer() or not. target is accepted for PYNQ scripts
    and ignored.
    """
    del target
    dtype = np.dtype(dtype)
    if np.isscalar(shape):
        shape = (int(shape),)
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError("negative dimension in %s" % (shape,))
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes == 0:
        raise ValueError("a buffer of zero bytes")
    if cache is None:
        cache = "cached" if cacheable else "uncached"
    if cache not in ("cached", "uncached", "writecombine"):
        raise ValueError("cache must be cached, uncached or writecombine")
    area, node = _area_arg(area, node)
    size = -(-nbytes // PAGE_SIZE) * PAGE_SIZE
    lib = _libcmabuf()
    handle = ctypes.c_void_p()
    if not owned:
        _check(lib.cmabuf_alloc_at(
            size, align or 0, _INDEX_ANY, _ALLOC_PINNABLE if pinnable else 0,
            area, node, ctypes.byref(handle)))
        return _array(handle, shape, dtype, cache, allocated=True)
    index, fd = _alloc_owned(size, align or 0, pinnable, area, node)
    try:
        _check(lib.cmabuf_open(b"cma_buf%d" % index, ctypes.byref(handle)))
    except BaseException:
        os.close(fd)  # freed through the free file meanwhile: let go
        raise
    return _array(handle, shape, dtype, cache, allocated=True, owner_fd=fd)


def open(name, dtype="u1", shape=None, cacheable=True):  # noqa: A001
    """An existing buffer ("cma_bufN" or N) as an array (whole buffer by
    default); closing it does not free it, freebuffer() does."""
    if isinstance(name, int):
        name = "cma_buf%d" % name
    handle = ctypes.c_void_p()
    _check(_libcmabuf().cmabuf_open(name.encode(), ctypes.byref(handle)))
    return _array(handle, shape, dtype, None if cacheable else "uncached",
                  allocated=False)


def buffers():
    """Every buffer in sysfs, sorted by index, as BufferInfo objects."""
    lib = _libcmabuf()
    arr = ctypes.POINTER(_Info)()
    n = ctypes.c_size_t()
    _check(lib.cmabuf_list(ctypes.byref(arr), ctypes.byref(n)))
    try:
        return [BufferInfo(arr[i]) for i in range(n.value)]
    finally:
        lib.cmabuf_list_free(arr)


Area = collections.namedtuple("Area", "name base size free node held default")
Area.__doc__ = """A CMA area buffers can come from (see areas()).

name is what allocate(area=) and origin say; base (physical), size and free
(bytes the kernel has free in it) are None where neither the module nor
/sys/kernel/mm/cma tells; node is None when unknown; held is the bytes
cma_buf buffers hold in it; default is True for the area allocate() takes
without area= or node=."""


def areas():
    """The module's CMA areas, the default one first, as Area tuples."""
    lib = _libcmabuf()
    arr = ctypes.POINTER(_Area)()
    n = ctypes.c_size_t()
    _check(lib.cmabuf_areas(ctypes.byref(arr), ctypes.byref(n)))
    try:
        out = []
        for i in range(n.value):
            a = arr[i]
            out.append(Area(
                name=a.name.decode(errors="surrogateescape"),
                base=a.base if a.flags & _AREA_HAS_BASE else None,
                size=a.size if a.flags & _AREA_HAS_SIZE else None,
                free=a.free if a.flags & _AREA_HAS_FREE else None,
                node=a.node if a.node >= 0 else None,
                held=a.held,
                default=bool(a.flags & _AREA_DEFAULT)))
        return out
    finally:
        lib.cmabuf_areas_free(arr)
