// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf random-operation fuzzer. Several processes run random, seeded
 * sequences of everything user space can do to the module: alloc and free
 * (valid, hostile, huge), open, mmap/munmap/mremap/mprotect, fork with live
 * mappings, read/write/lseek/pread/pwrite, the ioctls, dma-buf export and its
 * mmap, cache mode and sync writes, reading every attribute and unloading and
 * reloading the module. Each process checks what it can: data it wrote reads
 * back through every fd and mapping of the buffer, new buffers read zero,
 * and every error is an errno the interface documents for that operation.
 *
 *   fuzz [-s SEED] [-w WORKERS] [-n OPS] [-t SECONDS] [-R] [-v]
 *        [-F FAULT_SECONDS] [-f FAULT_OPS]
 *
 * -n and -t bound the fuzz phase (per worker ops, wall time), -R lets worker
 * 0 unload and reload the module, -F/-f run the fault-injection phase
 * (faults.c) afterwards. Ends with the line
 *   ops N errors_by_errno {...} unexpected N leaked_pages N seconds N
 * (plus "faults_injected N bad N") and exits 1 on any unexpected errno,
 * wrong data or leaked page.
 */
#include "fuzz.h"

#include <linux/cma_buf.h>
#include <linux/dma-buf.h>
#include <dirent.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

struct fz_stats *fz_st;
bool fz_module_may_vanish;

/* Worker 0 asks the others to let go of everything while it reloads. */
struct fz_ctl {
	int quiesce;
	int acked;
};
static struct fz_ctl *ctl;
static int nworkers;
static long cma_used0;
static bool fz_verbose;
static int fz_worker;

const char *const fz_op_names[OP_NR] = {
	"alloc", "free", "open", "close", "mmap", "munmap", "mremap", "mprotect",
	"fork", "rw", "lseek", "ioctl", "dmabuf", "cache", "sync", "attr",
	"unload", "load", "touch", "pin", "bind", "pool",
};

/*
 * Documented errno values per operation (README, ABI document, man pages of
 * the system calls for what the VFS and mm add). While the module may be
 * unloaded by another worker, ENOENT/ENODEV/ENXIO are accepted everywhere a
 * name or node is involved.
 */
static const int fz_errtab[OP_NR][8] = {
	[OP_ALLOC] = { EINVAL, EEXIST, ENOSPC, ENOMEM, EOPNOTSUPP },
	[OP_FREE] = { ENOENT, EINVAL },
	[OP_OPEN] = { ENOENT, ENXIO },
	[OP_CLOSE] = { 0 },
	[OP_MMAP] = { EINVAL, EACCES, ENOMEM, EOVERFLOW },
	[OP_MUNMAP] = { EINVAL },
	[OP_MREMAP] = { EINVAL, EFAULT, ENOMEM },
	[OP_MPROTECT] = { EACCES, EINVAL, ENOMEM },
	[OP_FORK] = { EAGAIN, ENOMEM },
	[OP_RW] = { EFAULT, ENOSPC, EINVAL, EBADF },
	[OP_LSEEK] = { EINVAL, ENXIO },
	[OP_IOCTL] = { ENOTTY, EINVAL, EFAULT },
	[OP_DMABUF] = { EINVAL, EFAULT, EACCES, ENOMEM, EOVERFLOW, EMFILE },
	[OP_CACHE] = { EINVAL, ENOENT, ENODEV, EBUSY },
	[OP_SYNC] = { EINVAL, ENOENT, ENODEV },
	[OP_ATTR] = { ENOENT, ENODEV, EACCES, EIO },
	[OP_UNLOAD] = { EAGAIN, EBUSY, ENOENT },
	[OP_LOAD] = { EEXIST, EBUSY },
	[OP_TOUCH] = { 0 },
	[OP_PIN] = { EFAULT, ENOMEM },
	/* ENODEV: no such device, or (reading dma_addr) not bound. */
	[OP_BIND] = { EINVAL, ENODEV, EBUSY, ENOENT, ENOMEM, ERANGE, EOPNOTSUPP },
	[OP_POOL] = { EINVAL },
};

bool fz_errno_ok(enum fz_op op, int err)
{
	for (int i = 0; i < 8 && fz_errtab[op][i]; i++)
		if (fz_errtab[op][i] == err)
			return true;
	if (fz_module_may_vanish && (err == ENOENT || err == ENODEV || err == ENXIO))
		return op != OP_RW && op != OP_LSEEK && op != OP_MMAP && op != OP_IOCTL;
	return false;
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fz_st->bad++;
	if (fz_st->bad > 20)
		return;
	fprintf(stderr, "fuzz[%d]: FAIL: ", fz_worker);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fz_result(enum fz_op op, int err, const char *what)
{
	fz_st->ops++;
	if (!err)
		return;
	fz_st->errs[err < FZ_NERR ? err : 0]++;
	if (fz_errno_ok(op, err))
		return;
	fz_st->unexpected++;
	if (fz_st->unexpected <= 20)
		fprintf(stderr, "fuzz[%d]: unexpected errno %d (%s) from %s: %s\n", fz_worker, err,
			strerror(err), fz_op_names[op], what);
}

/* ---- per-worker state ---- */

#define IDX_PER_WORKER	12
#define MAX_FDS		24
#define MAX_MAPS	24
#define MAX_RECS	32

struct fz_fd {
	int fd;
	int idx;		/* -1 for a dma-buf */
	bool own;		/* opened from this worker's own index range */
	bool writable;		/* O_RDWR */
	unsigned long long phys;	/* of byte 0 of what the fd sees; 0 unknown */
	size_t size;		/* what the fd sees */
};

struct fz_map {
	uint8_t *addr;
	size_t len;
	unsigned long long phys;	/* of addr[0]; 0 unknown */
	bool own, prot_write, may_write;
	int pinnable;		/* 1, 0, or -1 unknown (a dma-buf's) */
};

/* "bytes [off, off + len) of the buffer at phys hold pattern seed" */
struct fz_rec {
	unsigned long long phys;
	size_t len;
	unsigned int seed;
};

static struct fz_fd fds[MAX_FDS];
static int nfds;
static struct fz_map maps[MAX_MAPS];
static int nmaps;
static struct fz_rec recs[MAX_RECS];
/* Attribute files held open: cheap to re-read, and they outlive their buffer. */
#define MAX_AFDS	16
static struct { int fd; bool write; } afds[MAX_AFDS];
static int nafds;
/* Pipes holding vmsplice()d pages of mappings: references the kernel keeps. */
#define MAX_PIPES	6
static struct { int rd, wr; } pipes[MAX_PIPES];
static int npipes;

static int nrecs;
static uint64_t rng;
static int idx_base;
static unsigned int seed_ctr;
static uint8_t iobuf[256 * 1024];
/* Most I/O is small: pattern checks cost CPU time, scarce under TCG. */
static size_t io_len(size_t room)
{
	size_t max = fz_below(&rng, 16) ? 4096 : sizeof(iobuf);

	return 1 + fz_below(&rng, room < max ? room : max);
}
/* An address no process maps, hidden from the compiler's bounds checks. */
static void *volatile bad_ptr = (void *)8;

#define R(n)	((unsigned long long)fz_below(&rng, n))

static int own_index(void)
{
	return idx_base + R(IDX_PER_WORKER);
}

/* Any index, mostly near the ones in use, sometimes absurd. */
static int any_index(void)
{
	switch (R(8)) {
	case 0:
		return R(2000000);
	default:
		return R(IDX_PER_WORKER * FZ_MAXPROC);
	}
}

/* ---- pattern records, keyed by physical address of each byte ---- */

static void rec_forget(unsigned long long phys, size_t len)
{
	for (int i = 0; i < nrecs; i++) {
		if (recs[i].phys < phys + len && phys < recs[i].phys + recs[i].len) {
			recs[i] = recs[--nrecs];
			i--;
		}
	}
}

static void rec_add(unsigned long long phys, size_t len, unsigned int seed)
{
	rec_forget(phys, len);
	if (nrecs == MAX_RECS)
		recs[R(MAX_RECS)] = recs[--nrecs];
	recs[nrecs++] = (struct fz_rec){ phys, len, seed };
}

/* Does any live fd or mapping of ours still reach @phys? */
static bool phys_reachable(unsigned long long phys)
{
	for (int i = 0; i < nfds; i++)
		if (fds[i].phys && fds[i].phys <= phys && phys < fds[i].phys + fds[i].size)
			return true;
	for (int i = 0; i < nmaps; i++)
		if (maps[i].phys && maps[i].phys <= phys && phys < maps[i].phys + maps[i].len)
			return true;
	return false;
}

/* A buffer no longer reachable may come back at the same address: drop. */
static void rec_gc(void)
{
	for (int i = 0; i < nrecs; i++) {
		if (!phys_reachable(recs[i].phys)) {
			recs[i] = recs[--nrecs];
			i--;
		}
	}
}

/*
 * Check @len bytes at @p, which show physical [phys, phys + len), against
 * every record overlapping them. The pattern byte of a record is a function
 * of its offset from the record's start.
 */
static void rec_check(const uint8_t *p, unsigned long long phys, size_t len, const char *how)
{
	for (int i = 0; i < nrecs; i++) {
		struct fz_rec *r = &recs[i];
		unsigned long long lo = r->phys > phys ? r->phys : phys;
		unsigned long long hi = r->phys + r->len < phys + len ? r->phys + r->len : phys + len;

		if (lo >= hi)
			continue;
		for (unsigned long long a = lo; a < hi; a++) {
			if (p[a - phys] != cb_pattern(a - r->phys, r->seed)) {
				fz_fail("%s: data at phys 0x%llx reads 0x%02x, wrote 0x%02x (seed %u)",
					how, a, p[a - phys], cb_pattern(a - r->phys, r->seed), r->seed);
				recs[i] = recs[--nrecs];
				return;
			}
		}
	}
}

/* ---- helpers ---- */

static int sysfs_write(const char *path, const char *s, size_t len)
{
	return -cb_write(path, s, len);
}

static void close_fd_slot(int i)
{
	close(fds[i].fd);
	fz_result(OP_CLOSE, 0, "close");
	fds[i] = fds[--nfds];
	rec_gc();
}

static void unmap_slot(int i)
{
	int err = munmap(maps[i].addr, maps[i].len) ? errno : 0;

	fz_result(OP_MUNMAP, err, "munmap whole mapping");
	if (err)
		fz_fail("munmap of a whole live mapping: %s", strerror(err));
	maps[i] = maps[--nmaps];
	rec_gc();
}

static void drop_attr_fds(void)
{
	while (nafds)
		close(afds[--nafds].fd);
}

/* Read a held pipe empty and close it: its page references go. */
static void drop_pipe(int i)
{
	while (read(pipes[i].rd, iobuf, sizeof(iobuf)) > 0)
		;
	close(pipes[i].rd);
	close(pipes[i].wr);
	pipes[i] = pipes[--npipes];
}

static void drop_all(void)
{
	drop_attr_fds();
	while (npipes)
		drop_pipe(npipes - 1);
	while (nmaps)
		unmap_slot(nmaps - 1);
	while (nfds)
		close_fd_slot(nfds - 1);
	nrecs = 0;
}

static bool all_zero_at(int fd, size_t off, size_t len)
{
	ssize_t n = pread(fd, iobuf, len, off);

	return n == (ssize_t)len && cb_all_zero(iobuf, len);
}

/* ---- operations ---- */

static const char *const hostile_alloc[] = {
	"", "\n", "0", "-1", "0x", "1Q", "4K 4K", "4K\n4K\n", "4K 1 2",
	"99999999999999999999999", "1 align=3", "1 align=0", "1 align=4K align=4K",
	" 4K 5 5", "4K -3", "4K 1048576", "4K 4294967296", "16E", "0x10000000000000000",
	"4K align=", "align=4K", "4K x", "4 K", "1KK", "0x1g", "1e3", "+4K", "4K\t\t",
	"18446744073709551615", "4K align=0x8000000000000000", "0x-1", "4K 0x", "\x01\xff",
};

static void op_alloc(void)
{
	char s[128];
	int idx = -1, len, err;
	bool must_einval = false;

	switch (R(10)) {
	case 0: /* hostile text */
		snprintf(s, sizeof(s), "%s", hostile_alloc[R(sizeof(hostile_alloc) /
							       sizeof(hostile_alloc[0]))]);
		/* An empty write never reaches the module: not checked. */
		must_einval = !strcmp(s, "0") || !strcmp(s, "0x") ||
			      !strcmp(s, "4K 4K 4K") || !strcmp(s, "1Q");
		break;
	case 1: /* random bytes */
		len = R(24);
		for (int i = 0; i < len; i++)
			s[i] = R(4) ? "0123456789xKMGa= \n"[R(18)] : (char)R(256);
		s[len] = 0;
		break;
	case 2: /* huge */
		snprintf(s, sizeof(s), "%s", (const char *[]){ "1G", "16G", "1T", "4000M",
			 "0x7ffffffffffff000", "300M" }[R(6)]);
		break;
	case 3: /* index-less, small */
		snprintf(s, sizeof(s), "%lu", (unsigned long)(1 + R(16 * CB_PAGE)));
		break;
	case 4: /* own index, aligned */
		idx = own_index();
		snprintf(s, sizeof(s), "align=%luK %lluK %d", 4UL << R(10), 4 + R(128), idx);
		break;
	default: /* own index, small to medium, some pinnable */
		idx = own_index();
		snprintf(s, sizeof(s), "%lluK %d%s\n", R(20) ? 4 + R(128) : 1024 + R(4096), idx,
			 R(3) ? "" : " pinnable");
		break;
	}
	err = sysfs_write(CB_CLASS "/alloc", s, strlen(s));
	fz_result(OP_ALLOC, err, s);
	if (must_einval && err != EINVAL && !(fz_module_may_vanish && (err == ENOENT ||
									err == ENODEV)))
		fz_fail("alloc '%s' gave %d, expected EINVAL", s, err);
	if (!err && must_einval)
		fz_fail("alloc '%s' succeeded", s);
	/* A fresh own buffer: zeroed, its attributes and GET_INFO agree. */
	if (!err && idx >= 0 && nfds < MAX_FDS) {
		int fd = cb_open(idx, O_RDWR);
		struct cma_buf_info info;
		unsigned long long size = cb_size(idx);

		if (fd < 0)
			return;
		fz_result(OP_OPEN, 0, "open fresh");
		if (!ioctl(fd, CMA_BUF_IOC_GET_INFO, &info)) {
			size_t chk = info.size < 8192 ? info.size : 8192;

			fz_result(OP_IOCTL, 0, "GET_INFO");
			if (info.version != CMA_BUF_UAPI_VERSION || !(info.flags &
			    CMA_BUF_INFO_PHYS_VALID) || info.size % CB_PAGE || !info.size ||
			    (size != ~0ULL && info.size != size && info.index == (unsigned int)idx))
				fz_fail("GET_INFO of fresh cma_buf%d: version %u flags %u size %llu "
					"(sysfs %llu)", idx, info.version, info.flags,
					(unsigned long long)info.size, size);
			if (!phys_reachable(info.phys_addr) && !all_zero_at(fd, 0, chk))
				fz_fail("fresh cma_buf%d does not read zero", idx);
			if (!phys_reachable(info.phys_addr))
				rec_forget(info.phys_addr, info.size);
			fds[nfds++] = (struct fz_fd){ fd, idx, true, true, info.phys_addr,
						     info.size };
		} else {
			fz_result(OP_IOCTL, errno, "GET_INFO fresh");
			close(fd);
		}
	}
}

static void op_free(void)
{
	char s[64];
	int err, idx;

	switch (R(6)) {
	case 0:
		snprintf(s, sizeof(s), "%s", (const char *[]){ "", "x", "-1", "cma_buf",
			 "cma_buf-1", "1 2", "0x", "cma_buf1x", "99999999999999999999" }[R(9)]);
		break;
	case 1:
		snprintf(s, sizeof(s), "cma_buf%d\n", any_index());
		break;
	case 2:
		snprintf(s, sizeof(s), "%d", any_index());
		break;
	default:
		idx = own_index();
		snprintf(s, sizeof(s), R(2) ? "%d\n" : "cma_buf%d", idx);
		break;
	}
	err = sysfs_write(CB_CLASS "/free", s, strlen(s));
	fz_result(OP_FREE, err, s);
}

static void op_open(void)
{
	static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_SYNC,
				     O_RDWR | O_NONBLOCK, O_RDONLY | O_TRUNC };
	bool own = R(3) != 0;
	int idx = own ? own_index() : any_index();
	int mode = modes[R(6)];
	struct cma_buf_info info;
	int fd, err;

	if (nfds >= MAX_FDS)
		close_fd_slot(R(nfds));
	fd = cb_open(idx, mode | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	fz_result(OP_OPEN, err, "open /dev/cma_bufN");
	if (fd < 0)
		return;
	/* The nodes are 0600 char devices and opening them from root works. */
	if (ioctl(fd, CMA_BUF_IOC_GET_INFO, &info)) {
		fz_result(OP_IOCTL, errno, "GET_INFO after open");
		close(fd);
		return;
	}
	fz_result(OP_IOCTL, 0, "GET_INFO");
	if (info.index != (unsigned int)idx)
		fz_fail("open /dev/cma_buf%d: GET_INFO says index %u", idx, info.index);
	fds[nfds++] = (struct fz_fd){ fd, idx, own, (mode & O_ACCMODE) == O_RDWR,
				     info.phys_addr, info.size };
}

/* Whether the buffer open on @f maps with struct pages; -1 for a dma-buf. */
static int fd_pinnable(const struct fz_fd *f)
{
	struct cma_buf_info info;

	if (f->idx < 0 || ioctl(f->fd, CMA_BUF_IOC_GET_INFO, &info))
		return -1;
	return !!(info.flags & CMA_BUF_INFO_PINNABLE);
}

/*
 * Take references on a mapping's pages: vmsplice() into a pipe that is kept
 * (so its buffer may be freed, closed and unmapped under the references and
 * must park), or process_vm_readv(). A plain buffer's mapping must refuse
 * with EFAULT; a pinnable one may fail only where mprotect() took reading.
 */
static void op_pin(void)
{
	struct fz_map *m;
	size_t off, len;
	int err, pfd[2];
	ssize_t n;

	if (!nmaps)
		return;
	m = &maps[R(nmaps)];
	off = R(m->len / CB_PAGE) * CB_PAGE;
	len = (1 + R(16)) * CB_PAGE;
	if (len > m->len - off)
		len = m->len - off;
	if (R(3)) {
		struct iovec iov = { m->addr + off, len };

		if (npipes && (npipes >= MAX_PIPES || !R(4)))
			drop_pipe(R(npipes));
		if (npipes >= MAX_PIPES || pipe2(pfd, O_NONBLOCK))
			return;
		n = vmsplice(pfd[1], &iov, 1, 0);
		err = n < 0 ? errno : 0;
		fz_result(OP_PIN, err, "vmsplice");
		pipes[npipes].rd = pfd[0];
		pipes[npipes++].wr = pfd[1];
	} else {
		struct iovec local = { iobuf, len }, remote = { m->addr + off, len };

		n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		err = n < 0 ? errno : 0;
		fz_result(OP_PIN, err, "process_vm_readv");
	}
	if (!m->pinnable && !err)
		fz_fail("a plain buffer's mapping let its pages be taken (%zd bytes)", n);
	if (!m->pinnable && err != EFAULT)
		fz_fail("a plain buffer's mapping refused a pin with %d, not EFAULT", err);
}

static void op_mmap(void)
{
	struct fz_fd *f;
	size_t off, len;
	int prot, flags, err;
	void *p;

	if (!nfds)
		return;
	if (nmaps >= MAX_MAPS)
		unmap_slot(R(nmaps));
	f = &fds[R(nfds)];
	prot = R(4) ? PROT_READ | PROT_WRITE : PROT_READ;
	flags = R(10) ? MAP_SHARED : MAP_PRIVATE;
	switch (R(8)) {
	case 0: /* out of range, unaligned or absurd */
		off = (size_t)R(4) * f->size + R(3) * 100;
		len = R(2) ? f->size + CB_PAGE : (size_t)1 << R(48);
		break;
	case 1:
		off = (size_t)-1 & ~(CB_PAGE - 1);
		len = CB_PAGE;
		break;
	case 2:
		off = 0;
		len = 0;
		break;
	case 3: /* whole, where it can take huge entries; the splitting ops follow */
		if (f->size >= 2 * CB_MIB) {
			off = 0;
			len = f->size;
			break;
		}
		/* fall through */
	default: /* inside */
		off = R(f->size / CB_PAGE) * CB_PAGE;
		len = (1 + R((f->size - off) / CB_PAGE)) * CB_PAGE;
		/* Mostly small: populating page tables is slow under KASAN and TCG. */
		if (len > (R(8) ? 16 : 1024) * CB_PAGE)
			len = (R(8) ? 16 : 1024) * CB_PAGE;
		break;
	}
	p = mmap(NULL, len, prot, flags, f->fd, off);
	len = (len + CB_PAGE - 1) & ~(CB_PAGE - 1);
	err = p == MAP_FAILED ? errno : 0;
	fz_result(f->idx < 0 ? OP_DMABUF : OP_MMAP, err, "mmap");
	if (p == MAP_FAILED)
		return;
	if (flags == MAP_PRIVATE)
		fz_fail("MAP_PRIVATE mapping of %s succeeded", f->idx < 0 ? "dma-buf" : "cma_buf");
	if (off >= f->size || len > f->size - off)
		fz_fail("mmap off %zu len %zu of a %zu byte buffer succeeded", off, len, f->size);
	maps[nmaps++] = (struct fz_map){ p, len, f->phys ? f->phys + off : 0, f->own,
					 !!(prot & PROT_WRITE), f->writable, fd_pinnable(f) };
	/* Touch it at once: the whole range must be there, a byte every 2 MiB. */
	if (maps[nmaps - 1].phys)
		rec_check(p, maps[nmaps - 1].phys, len < 65536 ? len : 65536, "new mapping");
	for (size_t o = 0; o < len; o += 2 * CB_MIB)
		(void)*(volatile uint8_t *)(p + o);
	(void)*(volatile uint8_t *)(p + len - 1);
	fz_result(OP_TOUCH, 0, "touch");
}

static void op_munmap(void)
{
	struct fz_map *m;
	size_t cut;
	int i, err;

	if (!nmaps) {
		/* Garbage: not a mapping of ours, or unaligned. */
		err = munmap((void *)0x1001, CB_PAGE) ? errno : 0;
		fz_result(OP_MUNMAP, err, "munmap unaligned");
		if (err != EINVAL)
			fz_fail("munmap unaligned address: %d", err);
		return;
	}
	i = R(nmaps);
	m = &maps[i];
	if (R(3) || m->len == CB_PAGE) {
		unmap_slot(i);
		rec_gc();
		return;
	}
	/* Cut a head or a tail. */
	cut = (1 + R(m->len / CB_PAGE - 1)) * CB_PAGE;
	if (R(2)) {
		err = munmap(m->addr, cut) ? errno : 0;
		if (!err) {
			m->addr += cut;
			if (m->phys)
				m->phys += cut;
			m->len -= cut;
		}
	} else {
		err = munmap(m->addr + m->len - cut, cut) ? errno : 0;
		if (!err)
			m->len -= cut;
	}
	fz_result(OP_MUNMAP, err, "munmap part");
	if (err)
		fz_fail("munmap of part of a live mapping: %s", strerror(err));
	rec_gc();
}

static void op_mremap(void)
{
	struct fz_map *m;
	void *p;
	int err;

	if (!nmaps)
		return;
	m = &maps[R(nmaps)];
	switch (R(3)) {
	case 0: /* grow: never past what was mapped (VM_DONTEXPAND) */
		p = mremap(m->addr, m->len, m->len + CB_PAGE * (1 + R(4)), MREMAP_MAYMOVE);
		err = p == MAP_FAILED ? errno : 0;
		fz_result(OP_MREMAP, err, "mremap grow");
		if (!err) {
			fz_fail("mremap grew a cma_buf mapping");
			m->addr = p;
		}
		break;
	case 1: /* shrink in place */
		if (m->len == CB_PAGE)
			return;
		p = mremap(m->addr, m->len, m->len - CB_PAGE, 0);
		err = p == MAP_FAILED ? errno : 0;
		fz_result(OP_MREMAP, err, "mremap shrink");
		if (!err)
			m->len -= CB_PAGE;
		else
			fz_fail("mremap shrink: %s", strerror(err));
		break;
	default: /* move */
		p = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | (R(2) ? MREMAP_DONTUNMAP : 0));
		err = p == MAP_FAILED ? errno : 0;
		fz_result(OP_MREMAP, err, "mremap move");
		if (!err) {
			m->addr = p;
			if (m->phys)
				rec_check(p, m->phys, m->len < 8192 ? m->len : 8192, "moved mapping");
		}
		break;
	}
}

static void op_mprotect(void)
{
	struct fz_map *m;
	bool w = R(2);
	int err;

	if (!nmaps)
		return;
	m = &maps[R(nmaps)];
	err = mprotect(m->addr, m->len, w ? PROT_READ | PROT_WRITE : PROT_READ) ? errno : 0;
	fz_result(OP_MPROTECT, err, "mprotect");
	if (!err) {
		if (w && !m->may_write)
			fz_fail("mprotect made a read-only fd's mapping writable");
		m->prot_write = w;
	} else if (!(err == EACCES && !m->may_write)) {
		fz_fail("mprotect: %s", strerror(err));
	}
}

/* Write a fresh pattern through a mapping or an fd of our own. */
static void op_store(void)
{
	unsigned int seed = ++seed_ctr * 64 + fz_worker;
	size_t off, len;

	if (nmaps && R(2)) {
		struct fz_map *m = &maps[R(nmaps)];

		if (!m->own || !m->prot_write || !m->phys)
			return;
		off = R(m->len);
		len = io_len(m->len - off);
		rec_forget(m->phys + off, len);
		for (size_t i = 0; i < len; i++)
			m->addr[off + i] = cb_pattern(i, seed);
		rec_add(m->phys + off, len, seed);
		fz_result(OP_TOUCH, 0, "store");
	} else if (nfds) {
		struct fz_fd *f = &fds[R(nfds)];
		ssize_t n;
		int err;

		if (!f->own || !f->writable || !f->phys || f->idx < 0)
			return;
		off = R(f->size);
		len = io_len(f->size - off);
		for (size_t i = 0; i < len; i++)
			iobuf[i] = cb_pattern(i, seed);
		rec_forget(f->phys + off, len);
		n = pwrite(f->fd, iobuf, len, off);
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pwrite inside");
		if (n != (ssize_t)len)
			fz_fail("pwrite %zu at %zu of %zu: %zd (%s)", len, off, f->size, n,
				strerror(err));
		else
			rec_add(f->phys + off, len, seed);
	}
}

/* Reads and hostile I/O through fds; checks what earlier stores left. */
static void op_rw(void)
{
	struct fz_fd *f;
	size_t off, len;
	ssize_t n;
	int err;

	if (!nfds)
		return;
	f = &fds[R(nfds)];
	if (f->idx < 0)
		return;
	switch (R(7)) {
	case 0: /* past the end */
		n = pwrite(f->fd, "x", 1, f->size + R(3) * CB_PAGE);
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pwrite at EOF");
		if (f->writable && err != ENOSPC)
			fz_fail("pwrite at/after EOF: %zd errno %d, expected ENOSPC", n, err);
		n = pread(f->fd, iobuf, 16, f->size + R(3));
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pread at EOF");
		if (n != 0 && !(err == EBADF && !f->writable))
			fz_fail("pread at EOF gave %zd", n);
		break;
	case 1: /* bad user pointer */
		n = pread(f->fd, bad_ptr, 64, 0);
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pread to bad pointer");
		if (err != EFAULT && err != EBADF)
			fz_fail("pread into a bad pointer: %zd errno %d", n, err);
		n = pwrite(f->fd, bad_ptr, 64, 0);
		fz_result(OP_RW, n < 0 ? errno : 0, "pwrite from bad pointer");
		break;
	case 2: /* negative offset */
		n = pread(f->fd, iobuf, 1, -4096);
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pread negative");
		if (err != EINVAL && err != EBADF)
			fz_fail("pread at negative offset: %zd errno %d", n, err);
		break;
	case 3: /* read(2)/write(2) at the file position */
		n = read(f->fd, iobuf, R(3 * CB_PAGE));
		fz_result(OP_RW, n < 0 ? errno : 0, "read");
		if (f->own && f->writable && !R(3)) {
			/* Position-based write of zero-length and a page of zeroes would break
			 * records; write nothing but an empty buffer.
			 */
			n = write(f->fd, iobuf, 0);
			fz_result(OP_RW, n < 0 ? errno : 0, "write 0");
		}
		break;
	default: /* read back a range and check records */
		off = R(f->size);
		len = io_len(f->size - off);
		n = pread(f->fd, iobuf, len, off);
		err = n < 0 ? errno : 0;
		fz_result(OP_RW, err, "pread inside");
		if (err == EBADF && (fcntl(f->fd, F_GETFL) & O_ACCMODE) == O_WRONLY)
			break;
		if (n != (ssize_t)len)
			fz_fail("pread %zu at %zu of %zu: %zd (%s)", len, off, f->size, n,
				strerror(err));
		else if (f->phys)
			rec_check(iobuf, f->phys + off, len, "pread");
		break;
	}
}

static void op_check_maps(void)
{
	struct fz_map *m;

	if (!nmaps)
		return;
	m = &maps[R(nmaps)];
	if (m->phys) {
		size_t off = R(m->len), len = m->len - off < 65536 ? m->len - off : 65536;

		rec_check(m->addr + off, m->phys + off, len, "mapping");
	}
	else
		(void)*(volatile uint8_t *)(m->addr + R(m->len));
	fz_result(OP_TOUCH, 0, "touch");
}

static void op_lseek(void)
{
	struct fz_fd *f;
	off_t r;
	int whence, err;
	off_t off;

	if (!nfds)
		return;
	f = &fds[R(nfds)];
	if (f->idx < 0)
		return;
	whence = (int[]){ SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 17 }[R(6)];
	off = R(3) ? (off_t)R(f->size + 1) : (off_t)(R(2) ? -1 : 1) * (off_t)R(1ULL << 62);
	r = lseek(f->fd, off, whence);
	err = r < 0 ? errno : 0;
	fz_result(OP_LSEEK, err, "lseek");
	if (whence == SEEK_END && off == 0 && r != (off_t)f->size)
		fz_fail("lseek SEEK_END gave %lld, size %zu", (long long)r, f->size);
	if (r > (off_t)f->size)
		fz_fail("lseek to %lld past the size %zu", (long long)r, f->size);
}

static void op_ioctl(void)
{
	struct fz_fd *f;
	struct cma_buf_sync sync;
	struct cma_buf_info info;
	unsigned long cmd;
	int err;

	if (!nfds)
		return;
	f = &fds[R(nfds)];
	if (f->idx < 0) {
		/* dma-buf: its own sync ioctl, valid and not. */
		struct dma_buf_sync ds = { .flags = R(4) ? DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW :
					   R(1ULL << 32) };

		err = ioctl(f->fd, DMA_BUF_IOCTL_SYNC, &ds) ? errno : 0;
		fz_result(OP_DMABUF, err, "DMA_BUF_IOCTL_SYNC");
		if (!err && (ds.flags & DMA_BUF_SYNC_START)) {
			ds.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
			err = ioctl(f->fd, DMA_BUF_IOCTL_SYNC, &ds) ? errno : 0;
			fz_result(OP_DMABUF, err, "DMA_BUF_IOCTL_SYNC end");
		}
		return;
	}
	switch (R(5)) {
	case 0:
		err = ioctl(f->fd, CMA_BUF_IOC_GET_INFO, R(4) ? &info : (void *)16) ? errno : 0;
		fz_result(OP_IOCTL, err, "GET_INFO");
		if (!err && (info.index != (unsigned int)f->idx || info.size != f->size ||
			     info.phys_addr != f->phys))
			fz_fail("GET_INFO changed: index %u size %llu", info.index,
				(unsigned long long)info.size);
		break;
	case 1:
	case 2:
		memset(&sync, 0, sizeof(sync));
		if (R(3)) {
			sync.offset = R(f->size);
			sync.size = R(f->size - sync.offset + 1);
		} else {
			sync.offset = fz_rand(&rng) >> R(64);
			sync.size = fz_rand(&rng) >> R(64);
		}
		sync.direction = R(4);
		sync.target = R(3);
		sync.reserved = R(8) ? 0 : 1;
		err = ioctl(f->fd, CMA_BUF_IOC_SYNC, &sync) ? errno : 0;
		fz_result(OP_IOCTL, err, "SYNC");
		break;
	default:
		/* Unknown numbers of our magic: any direction, size and number. */
		cmd = (unsigned int)_IOC(R(4), CMA_BUF_IOC_MAGIC, R(256), R(1 << 14));
		if (cmd == CMA_BUF_IOC_GET_INFO || cmd == CMA_BUF_IOC_SYNC ||
		    cmd == CMA_BUF_IOC_EXPORT_DMABUF)
			return;
		err = ioctl(f->fd, cmd, iobuf) ? errno : 0;
		fz_result(OP_IOCTL, err, "unknown ioctl");
		if (err != ENOTTY)
			fz_fail("unknown ioctl 0x%lx: errno %d", cmd, err);
		break;
	}
}

static void op_export(void)
{
	struct cma_buf_export exp;
	struct fz_fd *f;
	int err;

	if (!nfds)
		return;
	if (nfds >= MAX_FDS)
		close_fd_slot(R(nfds));
	f = &fds[R(nfds)];
	if (f->idx < 0)
		return;
	memset(&exp, 0, sizeof(exp));
	switch (R(6)) {
	case 0: /* hostile */
		exp.offset = R(2) ? R(f->size * 2) : fz_rand(&rng);
		exp.size = R(2) ? R(f->size * 2) : fz_rand(&rng);
		exp.flags = R(2) ? O_RDWR | O_CLOEXEC : (uint32_t)fz_rand(&rng);
		exp.fd = R(4) ? 0 : 3;
		exp.reserved = R(4) ? 0 : 1;
		break;
	case 1:
		exp.flags = O_RDWR | O_CLOEXEC;	/* whole */
		break;
	default:
		exp.offset = R(f->size / CB_PAGE) * CB_PAGE;
		exp.size = (1 + R((f->size - exp.offset) / CB_PAGE)) * CB_PAGE;
		exp.flags = (R(3) ? O_RDWR : O_RDONLY) | O_CLOEXEC;
		break;
	}
	err = ioctl(f->fd, CMA_BUF_IOC_EXPORT_DMABUF, R(32) ? &exp : (void *)24) ? errno : 0;
	fz_result(OP_DMABUF, err, "EXPORT_DMABUF");
	if (err)
		return;
	if (!exp.size && !exp.offset)
		exp.size = f->size;
	if (exp.offset % CB_PAGE || exp.size % CB_PAGE || exp.offset + exp.size > f->size ||
	    exp.offset + exp.size < exp.offset)
		fz_fail("EXPORT_DMABUF of off %llu size %llu of %zu succeeded",
			(unsigned long long)exp.offset, (unsigned long long)exp.size, f->size);
	fds[nfds++] = (struct fz_fd){ exp.fd, -1, f->own, (exp.flags & O_ACCMODE) == O_RDWR,
				     f->phys ? f->phys + exp.offset : 0, exp.size };
}

static int attr_fd_index(void)
{
	return R(2) && nfds && fds[0].idx >= 0 ? fds[R(nfds)].idx : any_index();
}

static void op_cache(void)
{
	static const char *const words[] = { "cached", "uncached", "writecombine",
		"cached\n", "uncached\n", "wc", "", "CACHED", "cachedx", "writecombine\n\n" };
	char path[128];
	const char *w = words[R(10)];
	int idx = R(2) ? own_index() : attr_fd_index();
	int err;

	cb_attr_path(path, sizeof(path), idx, "cache");
	err = sysfs_write(path, w, strlen(w));
	fz_result(OP_CACHE, err, w);
}

/*
 * Bind buffers to devices and unbind them: our own platform device
 * (every kernel has it), the first PCI device and edu where the VM has
 * them, and names that are not devices. Buffers are then freed, unloaded
 * and unplugged from while bound.
 */
static void op_bind(void)
{
	static const char *const names[] = { "cma_buf\n", "cma_buf", "\n", "0000:00:04.0",
		"0000:00:00.0\n", "0000:01:00.0", "nosuch", "../cma_buf", "cma buf", "\n\n" };
	const char *w = names[R(10)];
	char path[128], b[64];
	int idx = R(2) ? own_index() : attr_fd_index();
	int err;

	cb_attr_path(path, sizeof(path), idx, R(4) ? "dma_device" : "dma_addr");
	if (strstr(path, "dma_addr")) {
		err = cb_read(path, b, sizeof(b));
		fz_result(OP_BIND, err < 0 ? -err : 0, "read dma_addr");
		return;
	}
	err = sysfs_write(path, w, strlen(w));
	fz_result(OP_BIND, err, w);
}

static void op_sync_attr(void)
{
	char path[128], s[96];
	int idx = R(2) ? own_index() : attr_fd_index();
	int err;

	switch (R(4)) {
	case 0:
		s[0] = 0;
		break;
	case 1:
		snprintf(s, sizeof(s), "%llu %llu %s", R(1ULL << R(40)), R(1ULL << R(40)),
			 (const char *[]){ "bidirectional", "to_device", "from_device",
			 "sideways", "" }[R(5)]);
		break;
	default:
		snprintf(s, sizeof(s), "%lluK %lluK %s\n", R(64), 1 + R(64),
			 (const char *[]){ "bidirectional", "to_device", "from_device" }[R(3)]);
		break;
	}
	cb_attr_path(path, sizeof(path), idx, R(2) ? "sync_for_device" : "sync_for_cpu");
	err = sysfs_write(path, s, strlen(s));
	fz_result(OP_SYNC, err, s);
}

static void read_attr_file(const char *path)
{
	char b[4096];
	int ret = cb_read(path, b, sizeof(b));

	fz_result(OP_ATTR, ret < 0 ? -ret : 0, path);
}


static void op_attr_fd(void)
{
	static const char *const names[] = { "phys_addr", "size", "origin", "cache",
		"sync_for_device", "sync_for_cpu", "dev", "uevent" };
	char path[128], b[256];
	int i, err, k;

	if (nafds < MAX_AFDS && (!nafds || !R(16))) {
		k = R(8);
		cb_attr_path(path, sizeof(path), R(2) ? own_index() : attr_fd_index(), names[k]);
		i = open(path, (k == 4 || k == 5 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		fz_result(OP_ATTR, i < 0 ? errno : 0, path);
		if (i >= 0)
			afds[nafds++] = (typeof(afds[0])){ i, k == 4 || k == 5 };
		return;
	}
	i = R(nafds);
	if (!R(12)) {
		close(afds[i].fd);
		afds[i] = afds[--nafds];
		return;
	}
	if (afds[i].write) {
		static const char *const syncs[] = { "", "0 4K to_device", "4K 4K from_device",
						     "0 0 bidirectional", "1G 4K to_device" };
		const char *w = syncs[R(5)];

		err = pwrite(afds[i].fd, w, strlen(w), 0) < 0 ? errno : 0;
		fz_result(OP_SYNC, err, w);
	} else {
		err = pread(afds[i].fd, b, sizeof(b), 0) < 0 ? errno : 0;
		fz_result(OP_ATTR, err, "pread attribute");
	}
}

static void op_attrs(void)
{
	static const char *const names[] = { "phys_addr", "size", "origin", "cache", "mappings",
		"sync_for_device", "sync_for_cpu", "dev", "uevent" };
	char path[128];
	int idx = R(2) ? own_index() : attr_fd_index();

	switch (R(4)) {
	case 0:
		read_attr_file(CB_CLASS "/backend");
		read_attr_file(CB_CLASS "/alloc");
		read_attr_file(CB_CLASS "/free");
		read_attr_file(CB_PARAMS "/max_buffers");
		read_attr_file(CB_PARAMS "/max_bytes");
		read_attr_file(CB_PARAMS "/backend");
		break;
	default:
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			cb_attr_path(path, sizeof(path), idx, names[i]);
			read_attr_file(path);
		}
		break;
	}
}

/* ---- the pool and fd-owned buffers ---- */

static const char *const hostile_pool[] = {
	"x", "4K", "4K*", "*2", "4K*-1", "4K*1025", "0*1", "4K*1,4K*2", "4K*1,", ",4K*1",
	"4K*1 ", "4K*1\n\n", "16E*1", "4K*0x1", "4K**1", "4K*1,,8K*1", " 4K*1",
	"4K*1,8K*1,12K*1,16K*1,20K*1,24K*1,28K*1,32K*1,36K*1",
};

/*
 * A pool spec, hostile or small: EINVAL for the bad ones (nothing changed),
 * and the pool file stays well formed with READY <= COUNT. Buffers the
 * pool hands out are checked like any fresh one (op_alloc: zero).
 */
static void op_pool(void)
{
	unsigned long long size;
	unsigned int count, ready, refilling;
	bool must_einval = false;
	char s[160], b[1024], *l;
	int err, n;

	switch (R(5)) {
	case 0:
		snprintf(s, sizeof(s), "%s", hostile_pool[R(sizeof(hostile_pool) /
						       sizeof(hostile_pool[0]))]);
		must_einval = true;
		break;
	case 1:
		snprintf(s, sizeof(s), "\n");
		break;
	default:
		n = snprintf(s, sizeof(s), "%lluK*%llu", 4 * (1 + R(32)), R(4));
		if (R(2))
			snprintf(s + n, sizeof(s) - n, ",%lluK*%llu", 4 * (33 + R(32)), R(3));
		break;
	}
	err = sysfs_write(CB_CLASS "/pool", s, strlen(s));
	fz_result(OP_POOL, err, s);
	if (must_einval && err != EINVAL && !(fz_module_may_vanish && (err == ENOENT ||
									err == ENODEV)))
		fz_fail("pool '%s' gave %d, expected EINVAL", s, err);
	n = cb_read(CB_CLASS "/pool", b, sizeof(b));
	fz_result(OP_ATTR, n < 0 ? -n : 0, "read pool");
	for (l = b; n > 0 && l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "%llu %u %u %u", &size, &count, &ready, &refilling) != 4 ||
		    !size || ready > count || refilling != count - ready)
			fz_fail("pool file line '%.40s' malformed or inconsistent", l);
	}
}

/*
 * CMA_BUF_IOC_ALLOC on /dev/cma_buf: hostile arguments fail with EINVAL
 * (ENOENT for a well-formed area name that is absent); a good one gives an
 * fd that owns its buffer, reads zero, and joins the fds the other
 * operations use (their close frees the buffer).
 */
static void op_owned(void)
{
	struct cma_buf_alloc a = { .node = CMA_BUF_NODE_ANY };
	struct cma_buf_info info;
	bool hostile = !R(4);
	int ctl, err;

	a.size = (1 + R(32)) * CB_PAGE;
	a.flags = (R(3) ? 0 : CMA_BUF_ALLOC_PINNABLE) | CMA_BUF_ALLOC_CLOEXEC;
	if (hostile) {
		switch (R(7)) {
		case 0:
			a.size = 0;
			break;
		case 1:
			a.flags |= 1U << (2 + R(30));
			break;
		case 2:
			a.reserved[R(4)] = 1 + R(1000);
			break;
		case 3:
			a.align = 3 * CB_PAGE;
			break;
		case 4:
			memset(a.area, 'a', sizeof(a.area));	/* no NUL */
			break;
		case 5:
			strcpy(a.area, "reserved");
			a.node = 0;	/* both */
			break;
		default:
			a.node = -2 - R(1000);
			break;
		}
	}
	ctl = open("/dev/cma_buf", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fz_result(OP_OPEN, errno, "open /dev/cma_buf");
		return;
	}
	err = ioctl(ctl, CMA_BUF_IOC_ALLOC, &a) ? errno : 0;
	close(ctl);
	fz_result(OP_ALLOC, err, hostile ? "CMA_BUF_IOC_ALLOC hostile" : "CMA_BUF_IOC_ALLOC");
	if (hostile && err != EINVAL && !(fz_module_may_vanish && (err == ENOENT ||
								   err == ENODEV)))
		fz_fail("hostile CMA_BUF_IOC_ALLOC gave %d, expected EINVAL", err);
	if (err)
		return;
	if (hostile) {
		close(a.fd);
		return;
	}
	if (ioctl(a.fd, CMA_BUF_IOC_GET_INFO, &info)) {
		fz_result(OP_IOCTL, errno, "GET_INFO owned");
		close(a.fd);
		return;
	}
	fz_result(OP_IOCTL, 0, "GET_INFO owned");
	if (!(info.flags & CMA_BUF_INFO_FD_OWNED) || info.index != a.index ||
	    info.size != a.size)
		fz_fail("owned cma_buf%u: GET_INFO flags %u index %u size %llu", a.index,
			info.flags, info.index, (unsigned long long)info.size);
	if (!phys_reachable(info.phys_addr) && !all_zero_at(a.fd, 0, info.size))
		fz_fail("fresh owned cma_buf%u does not read zero", a.index);
	if (!phys_reachable(info.phys_addr))
		rec_forget(info.phys_addr, info.size);
	if (nfds < MAX_FDS)
		fds[nfds++] = (struct fz_fd){ a.fd, a.index, false, true, info.phys_addr,
					     info.size };
	else
		close(a.fd);
}

/* Fork with live mappings: the child checks and touches them, then exits. */
static void op_fork(void)
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0) {
		fz_result(OP_FORK, errno, "fork");
		return;
	}
	if (!pid) {
		unsigned long before = fz_st->bad;

		for (int i = 0; i < nmaps; i++) {
			if (maps[i].phys)
				rec_check(maps[i].addr, maps[i].phys, maps[i].len, "child mapping");
			else
				(void)*(volatile uint8_t *)maps[i].addr;
		}
		/* Rewrite one record in place with its own bytes. */
		for (int i = 0; i < nmaps; i++) {
			struct fz_map *m = &maps[i];

			if (!m->own || !m->prot_write || !m->phys)
				continue;
			for (int r = 0; r < nrecs; r++) {
				if (recs[r].phys >= m->phys &&
				    recs[r].phys + recs[r].len <= m->phys + m->len) {
					uint8_t *p = m->addr + (recs[r].phys - m->phys);

					for (size_t k = 0; k < recs[r].len; k++)
						p[k] = cb_pattern(k, recs[r].seed);
					break;
				}
			}
			break;
		}
		if (R(2) && nfds)
			close(fds[0].fd);
		_exit(fz_st->bad != before);
	}
	fz_result(OP_FORK, 0, "fork");
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		fz_fail("fork child with %d mappings ended with status 0x%x", nmaps, st);
}

static void op_close(void)
{
	if (!nfds)
		return;
	close_fd_slot(R(nfds));
	rec_gc();
}

static void quiesce_point(void)
{
	if (!__atomic_load_n(&ctl->quiesce, __ATOMIC_ACQUIRE))
		return;
	drop_all();
	__atomic_add_fetch(&ctl->acked, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&ctl->quiesce, __ATOMIC_ACQUIRE))
		usleep(2000);
	__atomic_sub_fetch(&ctl->acked, 1, __ATOMIC_ACQ_REL);
}

/*
 * Worker 0 only: try to unload (others' files make that EAGAIN); now and
 * then have the others let go first, so that it works: then every buffer
 * must be gone with its pages, and the module loads again.
 */
static int parked_now(void)
{
	char b[32];

	return cb_read(CB_CLASS "/parked", b, sizeof(b)) < 0 ? -1 : atoi(b);
}

/* Pinnable buffers keep the module loaded: free them all (others are quiet). */
static void free_pinnable(void)
{
	DIR *d = opendir(CB_CLASS);
	struct dirent *e;
	char b[8];
	int idx;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "cma_buf%d", &idx) == 1 &&
		    cb_attr(idx, "pinnable", b, sizeof(b)) > 0 && b[0] == '1')
			cb_free(idx);
	closedir(d);
}

static void op_reload(void)
{
	bool together = !R(8);
	double until;
	int ret;

	if (together || !R(4))
		drop_all();
	if (together) {
		__atomic_store_n(&ctl->quiesce, 1, __ATOMIC_RELEASE);
		until = fz_now() + 10;
		while (__atomic_load_n(&ctl->acked, __ATOMIC_ACQUIRE) < nworkers - 1 &&
		       fz_now() < until)
			usleep(2000);
	}
	/* Pipes just dropped: parked buffers go within the module's poll. */
	if (together)
		free_pinnable();
	for (int i = 0; together && i < 30 && parked_now() > 0; i++)
		usleep(100000);
	ret = cb_module_unload(O_NONBLOCK);
	if (together && ret && __atomic_load_n(&ctl->acked, __ATOMIC_ACQUIRE) == nworkers - 1)
		fz_fail("unload with every file closed: %s", strerror(-ret));
	if (together && !ret) {
		long used = cb_cma_used();

		for (int i = 0; i < 20 && used != cma_used0; i++) {
			usleep(50000);
			used = cb_cma_used();
		}
		if (used != cma_used0)
			fz_fail("after unload CMA used is %ld pages, baseline %ld", used, cma_used0);
	}
	if (ret) {
		fz_result(OP_UNLOAD, -ret, "delete_module");
		__atomic_store_n(&ctl->quiesce, 0, __ATOMIC_RELEASE);
		return;
	}
	fz_result(OP_UNLOAD, 0, "delete_module");
	fz_st->reloads++;
	usleep(R(20000));
	ret = cb_module_load();
	fz_result(OP_LOAD, -ret, "finit_module");
	if (ret && ret != -EEXIST)
		fz_fail("reload after unload: %s", strerror(-ret));
	__atomic_store_n(&ctl->quiesce, 0, __ATOMIC_RELEASE);
}

static const char *const bucket_names[] = { "alloc", "free", "open", "mmap", "munmap",
	"mremap", "mprotect", "pin", "store", "rw", "pool", "owned", "checkmap", "lseek", "ioctl", "export", "cache",
	"syncattr", "bind", "attrs", "fork", "close", "attrfd", "reload" };
static const unsigned short bucket_end[] = { 12, 21, 46, 81, 109, 129, 174, 189, 314, 468, 470, 474, 584,
	684, 924, 942, 947, 950, 952, 954, 956, 981, 998, 1000 };
#define NBUCKETS	(sizeof(bucket_end) / sizeof(bucket_end[0]))

static void worker(int w, uint64_t seed, unsigned long max_ops, double deadline, bool reload)
{
	double spent[NBUCKETS] = { 0 };
	unsigned long calls[NBUCKETS] = { 0 }, ops_before[NBUCKETS] = { 0 };
	unsigned int b = 0;
	double t = fz_now();

	fz_worker = w;
	rng = seed ^ (0x9E3779B97F4A7C15ULL * (w + 1));
	if (!rng)
		rng = 1;
	idx_base = w * IDX_PER_WORKER;
	/* max_ops counts operations made, not loop turns (many turns make none). */
	for (unsigned long n = 0; fz_st->ops < max_ops; n++) {
		unsigned int k = R(1000);

		if (!(n % 64) && t > deadline)
			break;
		if (!reload)
			quiesce_point();
		if (fz_verbose) {
			for (b = 0; k >= bucket_end[b]; b++)
				;
			ops_before[b] -= fz_st->ops;
		}
		if (k < 12)
			op_alloc();
		else if (k < 21)
			op_free();
		else if (k < 46)
			op_open();
		else if (k < 81)
			op_mmap();
		else if (k < 109)
			op_munmap();
		else if (k < 129)
			op_mremap();
		else if (k < 174)
			op_mprotect();
		else if (k < 189)
			op_pin();
		else if (k < 314)
			op_store();
		else if (k < 468)
			op_rw();
		else if (k < 470)
			op_pool();
		else if (k < 474)
			op_owned();
		else if (k < 584)
			op_check_maps();
		else if (k < 684)
			op_lseek();
		else if (k < 924)
			op_ioctl();
		else if (k < 942)
			op_export();
		else if (k < 947)
			op_cache();
		else if (k < 950)
			op_sync_attr();
		else if (k < 952)
			op_bind();
		else if (k < 954)
			op_attrs();
		else if (k < 956)
			op_fork();
		else if (k < 981)
			op_close();
		else if (k < 998)
			op_attr_fd();
		else if (reload && k < 1000)
			op_reload();
		if (fz_verbose) {
			double now = fz_now();

			spent[b] += now - t;
			calls[b]++;
			ops_before[b] += fz_st->ops;
			t = now;
		} else if (!(n % 64)) {
			t = fz_now();
		}
	}
	drop_all();
	for (b = 0; fz_verbose && b < NBUCKETS; b++)
		fprintf(stderr, "fuzz[%d]: %-8s %7lu calls %8lu ops %7.1f s %7.2f ms/call\n", w,
			bucket_names[b], calls[b], ops_before[b], spent[b],
			calls[b] ? spent[b] * 1000 / calls[b] : 0.0);
}

static void sum_stats(const struct fz_stats *all, struct fz_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int w = 0; w < FZ_MAXPROC; w++) {
		sum->ops += all[w].ops;
		sum->unexpected += all[w].unexpected;
		sum->bad += all[w].bad;
		sum->faults += all[w].faults;
		sum->reloads += all[w].reloads;
		for (int e = 0; e < FZ_NERR; e++)
			sum->errs[e] += all[w].errs[e];
	}
}

/* Faults phase (faults.c). */
int fz_faults(uint64_t seed, unsigned long max_ops, double seconds, struct fz_stats *st);

static void usage(void)
{
	fprintf(stderr, "usage: fuzz [-s SEED] [-w WORKERS] [-n OPS] [-t SECONDS] [-R] [-v] "
		"[-F FAULT_SECONDS] [-f FAULT_OPS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t seed = 0;
	int workers = 2, opt, ret;
	unsigned long ops = 100000, fault_ops = 0;
	double seconds = 30, fault_seconds = 0, t0;
	bool reload = false, have_seed = false;
	struct fz_stats *all, sum = { 0 };
	long used0, used;
	int leaked = 0, failed = 0;

	while ((opt = getopt(argc, argv, "s:w:n:t:RvF:f:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'R':
			reload = true;
			break;
		case 'v':
			fz_verbose = true;
			break;
		case 'F':
			fault_seconds = atof(optarg);
			break;
		case 'f':
			fault_ops = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (workers < 1 || workers > FZ_MAXPROC - 1)
		usage();
	if (!have_seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("fuzz: seed %llu workers %d ops %lu seconds %g reload %d\n",
	       (unsigned long long)seed, workers, ops, seconds, reload);
	fflush(stdout);

	all = mmap(NULL, sizeof(*all) * FZ_MAXPROC, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED)
		return 2;
	fz_st = &all[FZ_MAXPROC - 1];
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		return 2;
	nworkers = workers;
	if (cb_module_ensure_loaded()) {
		fprintf(stderr, "fuzz: module not loaded and cannot load it\n");
		return 2;
	}
	cb_free_all();
	used0 = cb_cma_used();
	cma_used0 = used0;
	t0 = fz_now();
	fz_module_may_vanish = reload;

	if (ops && seconds > 0) {
		for (int w = 0; w < workers; w++) {
			pid_t pid = fork();

			if (pid < 0)
				return 2;
			if (!pid) {
				fz_st = &all[w];
				worker(w, seed, ops, t0 + seconds, reload && w == 0);
				_exit(0);
			}
		}
		for (int w = 0; w < workers; w++) {
			int st;
			pid_t pid = wait(&st);

			if (pid > 0 && (!WIFEXITED(st) || WEXITSTATUS(st))) {
				fprintf(stderr, "fuzz: a worker died: status 0x%x\n", st);
				fz_st->bad++;
			}
		}
	}
	fz_module_may_vanish = false;
	ret = cb_module_ensure_loaded();
	/* The pool holds CMA pages and refills behind the fault phase's back. */
	if (!ret)
		cb_write_str(CB_CLASS "/pool", "\n");
	if (ret) {
		fprintf(stderr, "fuzz: cannot reload the module: %s\n", strerror(-ret));
		fz_st->bad++;
	}

	sum_stats(all, &sum);
	printf("phase fuzz: ops %lu unexpected %lu bad %lu reloads %lu seconds %.0f\n", sum.ops,
	       sum.unexpected, sum.bad, sum.reloads, fz_now() - t0);
	fflush(stdout);
	if (fault_ops && fault_seconds > 0) {
		struct fz_stats before = sum;
		double t1 = fz_now();

		ret = fz_faults(seed, fault_ops, fault_seconds, fz_st);
		if (ret)
			fz_st->bad++;
		sum_stats(all, &sum);
		printf("phase faults: ops %lu unexpected %lu bad %lu faults_injected %lu seconds %.0f\n",
		       sum.ops - before.ops, sum.unexpected - before.unexpected,
		       sum.bad - before.bad, sum.faults - before.faults, fz_now() - t1);
		fflush(stdout);
	}

	/* Everything freed; the pages must all come back. */
	for (int tries = 0; tries < 50 && cb_count() > 0; tries++)
		cb_free_all();
	used = cb_cma_used();
	for (int tries = 0; tries < 50 && used != used0; tries++) {
		usleep(100000);
		used = cb_cma_used();
	}
	if (used0 >= 0 && used >= 0)
		leaked = used - used0;
	if (cb_count() != 0) {
		fprintf(stderr, "fuzz: %d buffers left after freeing all\n", cb_count());
		fz_st->bad++;
	}

	sum_stats(all, &sum);
	printf("fuzz: reloads %lu faults_injected %lu bad %lu cma_used %ld -> %ld\n",
	       sum.reloads, sum.faults, sum.bad, used0, used);
	printf("ops %lu errors_by_errno {", sum.ops);
	for (int e = 0, first = 1; e < FZ_NERR; e++) {
		if (!sum.errs[e])
			continue;
		printf("%s%s: %lu", first ? "" : ", ", e ? strerrorname_np(e) : "other", sum.errs[e]);
		first = 0;
	}
	printf("} unexpected %lu leaked_pages %d seconds %.0f faults_injected %lu bad %lu\n",
	       sum.unexpected, leaked, fz_now() - t0, sum.faults, sum.bad);
	failed = sum.unexpected || sum.bad || leaked;
	return failed ? 1 : 0;
}
