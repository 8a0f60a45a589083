// SPDX-License-Identifier: GPL-2.0
/*
 * Pinnable buffers ("SIZE pinnable" in alloc): mapped with struct pages, so
 * that the kernel can take references on them. O_DIRECT (to a RAM disk),
 * vmsplice(), process_vm_readv/writev() and io_uring's plain reads work on
 * them; a long-term pin (io_uring buffer registration) fails with EFAULT
 * instead of retrying for ever. A buffer freed while the kernel still holds
 * a reference on one of its pages is parked: its pages go back only after
 * the last reference, and no other buffer gets them before.
 *
 * Proof: data through the mapping, the node's read(), /dev/mem and the RAM
 * disk; frames from /proc/self/pagemap; the parked count; where a new
 * buffer lands while the old pages are held.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/cma_buf.h>
#include <linux/io_uring.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define SIZE		(4 * CB_MIB)
#define RAMDISK		"/dev/ram0"	/* brd: 4 MiB by default */
#define PIPE_BYTES	(16 * CB_PAGE)	/* a pipe's default capacity */

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a, b;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

/*
 * Debian's kernels without a CMA area (stock 6.1 and 6.12, dma backend)
 * give high-order pages of the page allocator, counted on their first page
 * only: pinnable is refused there.
 */
static bool pinnable_expected(void)
{
	const char *k = getenv("CMA_BUF_KERNEL");

	return !k || strcmp(k, "stock");
}

static int parked(void)
{
	char b[32];

	if (cb_read(CB_CLASS "/parked", b, sizeof(b)) < 0)
		return -1;
	return atoi(b);
}

/* Wait up to @ms for the parked count to reach @n; the count last seen. */
static int wait_parked(int n, int ms)
{
	int p = parked();

	for (int i = 0; i < ms / 10 && p != n; i++) {
		usleep(10000);
		p = parked();
	}
	return p;
}

/* The frame /proc/self/pagemap gives for @addr, or -1 if none. */
static long long frame_of(const void *addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &e, sizeof(e), (unsigned long)addr / CB_PAGE * sizeof(e));
	close(fd);
	if (n != sizeof(e) || !(e >> 63))
		return -1;
	return e & ((1ULL << 55) - 1);
}

static bool ranges_overlap(unsigned long long a, unsigned long long b, size_t len)
{
	return a < b + len && b < a + len;
}

FIXTURE(pin) {
	int fd;
	uint8_t *p;
	unsigned long long phys;
};

/* cma_buf0, pinnable, opened, mapped whole and filled with pattern 1. */
static int new_buffer(FIXTURE_DATA(pin) *self)
{
	int ret = cb_alloc("4M 0 pinnable");

	if (ret)
		return ret;
	self->phys = cb_phys(0);
	self->fd = cb_open(0, O_RDWR);
	if (self->fd < 0)
		return self->fd;
	self->p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	if (self->p == MAP_FAILED)
		return -errno;
	cb_fill(self->p, SIZE, 0, 1);
	return 0;
}

FIXTURE_SETUP(pin)
{
	int ret;

	cb_free_all();
	ASSERT_EQ(0, wait_parked(0, 3000)) TH_LOG("buffers parked before the test");
	self->p = MAP_FAILED;
	self->fd = -1;
	ret = new_buffer(self);
	if (!pinnable_expected()) {
		ASSERT_EQ(-EOPNOTSUPP, ret);
		return;
	}
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(pin)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, SIZE);
	if (self->fd >= 0)
		close(self->fd);
	cb_free_all();
	wait_parked(0, 3000);
}

/* Page-aligned anonymous memory, as O_DIRECT wants (malloc()'s is not). */
static void *anon_map(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

#define NEED_RAMDISK(rd) do { \
	(rd) = open(RAMDISK, O_RDWR | O_DIRECT); \
	if ((rd) < 0) \
		SKIP(return, RAMDISK " not here (a test kernel has brd built in)"); \
} while (0)

#define NEED_PINNABLE() do { \
	if (!pinnable_expected()) \
		SKIP(return, "this kernel's dma backend pages cannot be pinned (see alloc_refused_...)"); \
} while (0)

TEST_F(pin, alloc_refused_where_pages_are_not_counted_one_by_one)
{
	char b[16];

	if (pinnable_expected())
		SKIP(return, "pinnable buffers work here (the other tests)");
	/* The setup saw EOPNOTSUPP; nothing may be left of it. */
	EXPECT_EQ(0, cb_count());
	EXPECT_FALSE(cb_buf_exists(0));
	/* The plain kind still works, and says it is not pinnable. */
	ASSERT_EQ(0, cb_alloc("4M 0"));
	ASSERT_LT(0, cb_attr(0, "pinnable", b, sizeof(b)));
	EXPECT_STREQ("0\n", b);
}

TEST_F(pin, attribute_and_info_say_pinnable)
{
	struct cma_buf_info info;
	char b[16];

	NEED_PINNABLE();
	ASSERT_LT(0, cb_attr(0, "pinnable", b, sizeof(b)));
	EXPECT_STREQ("1\n", b);
	ASSERT_EQ(0, ioctl(self->fd, CMA_BUF_IOC_GET_INFO, &info));
	EXPECT_TRUE(info.flags & CMA_BUF_INFO_PINNABLE);
	ASSERT_EQ(0, cb_alloc("1M 1"));
	ASSERT_LT(0, cb_attr(1, "pinnable", b, sizeof(b)));
	EXPECT_STREQ("0\n", b);
	/* Hostile spellings: refused, nothing created. */
	EXPECT_EQ(-EINVAL, cb_alloc("1M 2 pinnable pinnable"));
	EXPECT_EQ(-EINVAL, cb_alloc("1M 2 Pinnable"));
	EXPECT_EQ(-EINVAL, cb_alloc("1M 2 pinnable=1"));
	EXPECT_FALSE(cb_buf_exists(2));
	EXPECT_EQ(0, parked());
	/* A pinnable buffer, even idle, keeps the module loaded. */
	EXPECT_EQ(-EAGAIN, cb_module_unload(O_NONBLOCK));
}

TEST_F(pin, mapping_is_struct_pages_with_the_usual_limits)
{
	char flags[256];
	void *q;

	NEED_PINNABLE();
	ASSERT_TRUE(cb_vmflags(self->p, flags, sizeof(flags)));
	EXPECT_TRUE(cb_has_vmflag(flags, "mm")) TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(cb_has_vmflag(flags, "dd")) TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(cb_has_vmflag(flags, "de")) TH_LOG("VmFlags:%s", flags);
	EXPECT_FALSE(cb_has_vmflag(flags, "pf")) TH_LOG("VmFlags:%s", flags);
	EXPECT_FALSE(cb_has_vmflag(flags, "io")) TH_LOG("VmFlags:%s", flags);
	EXPECT_EQ(1, cb_attr_ull(0, "mappings"));
	/* Bounds: past the end, private, growing. */
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SIZE + CB_PAGE, PROT_READ, MAP_SHARED, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, CB_PAGE, PROT_READ, MAP_PRIVATE, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	q = mremap(self->p, SIZE, SIZE + CB_PAGE, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(-1, cb_check(self->p, SIZE, 0, 1));
}

TEST_F(pin, pagemap_frames_are_the_buffer_pages)
{
	unsigned long i;
	uint8_t b[64];
	long long f;

	NEED_PINNABLE();
	for (i = 0; i < SIZE / CB_PAGE; i++) {
		f = frame_of(self->p + i * CB_PAGE);
		ASSERT_EQ((long long)(self->phys / CB_PAGE + i), f) TH_LOG("page %lu", i);
	}
	/* And the bytes there are the mapping's. */
	if (cb_devmem_read(self->phys + SIZE - sizeof(b), b, sizeof(b)) == sizeof(b))
		EXPECT_EQ(0, memcmp(b, self->p + SIZE - sizeof(b), sizeof(b)));
}

TEST_F(pin, madvise_dontneed_then_touch_gets_the_same_pages)
{
	NEED_PINNABLE();
	/* Struct-page entries may be zapped; the next touch maps them again. */
	ASSERT_EQ(0, madvise(self->p + CB_MIB, CB_MIB, MADV_DONTNEED));
	EXPECT_EQ(-1, cb_check(self->p, SIZE, 0, 1));
	EXPECT_EQ((long long)((self->phys + CB_MIB) / CB_PAGE), frame_of(self->p + CB_MIB));
}

/* A pinnable buffer's dma-bufs map its struct pages too. */
TEST_F(pin, dma_buf_mappings_are_pinnable_too)
{
	uint8_t got[PIPE_BYTES];
	char flags[256];
	int dfd, pfd[2];
	struct iovec iov;
	uint8_t *d;

	NEED_PINNABLE();
	dfd = cb_export(self->fd, CB_MIB, CB_MIB, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dfd);
	d = mmap(NULL, CB_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, d);
	ASSERT_TRUE(cb_vmflags(d, flags, sizeof(flags)));
	EXPECT_TRUE(cb_has_vmflag(flags, "mm")) TH_LOG("VmFlags:%s", flags);
	EXPECT_FALSE(cb_has_vmflag(flags, "pf")) TH_LOG("VmFlags:%s", flags);
	/* Entries come by fault: touch first. */
	EXPECT_EQ(-1, cb_check(d, CB_PAGE, CB_MIB, 1));
	EXPECT_EQ((long long)((self->phys + CB_MIB) / CB_PAGE), frame_of(d));
	EXPECT_EQ(2, cb_attr_ull(0, "mappings"));
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = d;
	iov.iov_len = PIPE_BYTES;
	ASSERT_EQ((ssize_t)PIPE_BYTES, vmsplice(pfd[1], &iov, 1, 0));
	ASSERT_EQ((ssize_t)PIPE_BYTES, read(pfd[0], got, PIPE_BYTES));
	EXPECT_EQ(-1, cb_check(got, PIPE_BYTES, CB_MIB, 1));
	close(pfd[0]);
	close(pfd[1]);
	munmap(d, CB_MIB);
	close(dfd);
}

TEST_F(pin, process_vm_readv_and_writev_reach_the_buffer)
{
	uint8_t *tmp = malloc(CB_MIB), back[256];
	struct iovec local = { tmp, CB_MIB }, remote = { self->p + CB_MIB, CB_MIB };

	NEED_PINNABLE();
	ASSERT_NE(NULL, tmp);
	ASSERT_EQ((ssize_t)CB_MIB, process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(-1, cb_check(tmp, CB_MIB, CB_MIB, 1));
	cb_fill(tmp, CB_MIB, 0, 7);
	ASSERT_EQ((ssize_t)CB_MIB, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	ASSERT_EQ((ssize_t)sizeof(back), pread(self->fd, back, sizeof(back), CB_MIB));
	EXPECT_EQ(-1, cb_check(back, sizeof(back), 0, 7));
	free(tmp);
}

TEST_F(pin, o_direct_write_and_read_through_a_ram_disk)
{
	uint8_t *anon;
	int rd;

	NEED_PINNABLE();
	NEED_RAMDISK(rd);
	anon = anon_map(CB_MIB);
	ASSERT_NE(MAP_FAILED, anon);
	/* Mapping -> disk, disk -> anonymous memory: the pattern. */
	ASSERT_EQ((ssize_t)CB_MIB, pwrite(rd, self->p, CB_MIB, 0));
	ASSERT_EQ((ssize_t)CB_MIB, pread(rd, anon, CB_MIB, 0));
	EXPECT_EQ(-1, cb_check(anon, CB_MIB, 0, 1));
	/* Disk -> the buffer's third MiB: the first MiB's pattern, seen by read(). */
	ASSERT_EQ((ssize_t)CB_MIB, pread(rd, self->p + 2 * CB_MIB, CB_MIB, 0));
	memset(anon, 0, CB_MIB);
	ASSERT_EQ((ssize_t)CB_MIB, pread(self->fd, anon, CB_MIB, 2 * CB_MIB));
	EXPECT_EQ(-1, cb_check(anon, CB_MIB, 0, 1));
	munmap(anon, CB_MIB);
	close(rd);
}

/* Cache modes reach the struct-page entries; O_DIRECT works in each. */
TEST_F(pin, cache_modes_reach_the_entries_and_o_direct_works_in_each)
{
	int rd = open(RAMDISK, O_RDWR | O_DIRECT);
	char bits[16];
	uint8_t *anon;

	NEED_PINNABLE();
	anon = anon_map(CB_MIB);
	ASSERT_NE(MAP_FAILED, anon);
	/* x86 changes a mapped buffer's mode only unmapped (see cache.c). */
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	for (size_t i = 0; i < CB_NR_CACHE_MODES; i++) {
		const char *mode = cb_cache_modes[i].mode;
		uint8_t *p = cb_map_in_mode(0, self->fd, mode, SIZE);

		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", mode);
		cb_fill(p, CB_MIB, 0, 20 + i);
		EXPECT_EQ((long long)(self->phys / CB_PAGE), frame_of(p));
		if (cb_pte_cache_bits(p, bits, sizeof(bits)))
			EXPECT_STREQ(cb_cache_modes[i].bits, bits) TH_LOG("%s", mode);
		if (rd >= 0) {
			ASSERT_EQ((ssize_t)CB_MIB, pwrite(rd, p, CB_MIB, 0)) TH_LOG("%s", mode);
			ASSERT_EQ((ssize_t)CB_MIB, pread(rd, anon, CB_MIB, 0));
			EXPECT_EQ(-1, cb_check(anon, CB_MIB, 0, 20 + i)) TH_LOG("%s", mode);
		}
		munmap(p, SIZE);
	}
	munmap(anon, CB_MIB);
	if (rd >= 0)
		close(rd);
}

TEST_F(pin, plain_buffers_still_refuse_what_pins)
{
	int rd = open(RAMDISK, O_RDWR | O_DIRECT), fd, pfd[2];
	struct iovec iov;
	uint8_t *q;

	/* What pinnable is for: a PFN mapping cannot be pinned. */
	ASSERT_EQ(0, cb_alloc("1M 1"));
	fd = cb_open(1, O_RDWR);
	ASSERT_LE(0, fd);
	q = mmap(NULL, CB_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = q;
	iov.iov_len = CB_PAGE;
	errno = 0;
	EXPECT_EQ(-1, vmsplice(pfd[1], &iov, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	if (rd >= 0) {
		errno = 0;
		EXPECT_EQ(-1, pwrite(rd, q, CB_MIB, 0));
		EXPECT_EQ(EFAULT, errno);
		close(rd);
	}
	close(pfd[0]);
	close(pfd[1]);
	munmap(q, CB_MIB);
	close(fd);
}

/*
 * The pipe holds references on 16 pages after everything else is gone:
 * the buffer is parked, a new buffer does not get its pages, the pipe
 * still reads the old data; then the pages go back.
 */
TEST_F(pin, vmsplice_then_free_parks_until_the_pipe_lets_go)
{
	struct iovec iov = { self->p + CB_MIB, PIPE_BYTES };
	unsigned long long old = self->phys, again;
	uint8_t *got = malloc(PIPE_BYTES);
	int pfd[2], fd;
	long used0;

	NEED_PINNABLE();
	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ((ssize_t)PIPE_BYTES, vmsplice(pfd[1], &iov, 1, 0));
	used0 = cb_cma_used();
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(1, parked());
	/* Still held: CMA has not got them back... */
	if (used0 >= 0)
		EXPECT_EQ(used0, cb_cma_used());
	/* ...and nobody else gets them. */
	ASSERT_EQ(0, cb_alloc("4M 1"));
	EXPECT_FALSE(ranges_overlap(old, cb_phys(1), SIZE))
		TH_LOG("parked at 0x%llx, new buffer at 0x%llx", old, cb_phys(1));
	/* Still refuses to unload: the parked buffer holds the module. */
	EXPECT_EQ(-EAGAIN, cb_module_unload(O_NONBLOCK));
	ASSERT_EQ(0, cb_free(1));
	/* The parked pages still hold the old data (test kernels' /dev/mem). */
	if (cb_devmem_read(old + CB_MIB, got, PIPE_BYTES) == PIPE_BYTES)
		EXPECT_EQ(-1, cb_check(got, PIPE_BYTES, CB_MIB, 1));
	/* The pipe reads what the buffer held. */
	ASSERT_EQ((ssize_t)PIPE_BYTES, read(pfd[0], got, PIPE_BYTES));
	EXPECT_EQ(-1, cb_check(got, PIPE_BYTES, CB_MIB, 1));
	EXPECT_EQ(0, wait_parked(0, 3000));
	/* Back in CMA now: a new buffer may get them, zeroed. */
	ASSERT_EQ(0, cb_alloc("4M 0"));
	again = cb_phys(0);
	fd = cb_open(0, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)PIPE_BYTES, pread(fd, got, PIPE_BYTES, CB_MIB));
	EXPECT_TRUE(cb_all_zero(got, PIPE_BYTES)) TH_LOG("old 0x%llx new 0x%llx", old, again);
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	free(got);
}

/* A pipe that outlives the buffer's owner process, handed on at fork. */
TEST_F(pin, fork_while_referenced_then_both_let_go)
{
	struct iovec iov = { self->p, PIPE_BYTES };
	int pfd[2], sync[2];
	pid_t pid;

	NEED_PINNABLE();
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ((ssize_t)PIPE_BYTES, vmsplice(pfd[1], &iov, 1, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint8_t got[PIPE_BYTES];

		/* The child's copy of the mapping writes the parent's buffer. */
		self->p[SIZE - 1] = 0x5a;
		if (cb_recv(sync[0]) != 'r')
			_exit(2);
		if (read(pfd[0], got, sizeof(got)) != sizeof(got))
			_exit(3);
		_exit(cb_check(got, sizeof(got), 0, 1) == -1 ? 0 : 4);
	}
	EXPECT_EQ(2, cb_attr_ull(0, "mappings"));
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(0, cb_send(sync[1], 'r'));
	EXPECT_EQ(0, cb_wait(pid));
	EXPECT_EQ(0, wait_parked(0, 3000));
	close(sync[0]);
	close(sync[1]);
}

/*
 * O_DIRECT requests in flight when the last mapping goes: a thread keeps
 * writing the mapping to the RAM disk while the buffer is freed, closed and
 * unmapped under it. The request that was running holds its pins: the
 * buffer parks, and what reached the disk is the buffer's data, never a
 * newer buffer's zeroes.
 */
struct writer {
	int rd;
	const uint8_t *p;
	volatile int stop, writes, faults;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;

	while (!w->stop) {
		ssize_t n = pwrite(w->rd, w->p, SIZE, 0);

		if (n < 0) {
			w->faults += errno == EFAULT;
			break;
		}
		w->writes++;
	}
	return NULL;
}

TEST_F(pin, free_while_o_direct_in_flight_never_hands_its_pages_out)
{
	int rd, seen = 0, tries;
	uint8_t *check;

	NEED_PINNABLE();
	NEED_RAMDISK(rd);
	check = anon_map(SIZE);
	ASSERT_NE(MAP_FAILED, check);
	/* Where the free lands in a request is luck: try at varied moments. */
	srand(getpid());
	for (tries = 0; tries < 20 && !seen; tries++) {
		struct writer w = { .rd = rd, .p = self->p };
		unsigned long long old = self->phys;
		pthread_t t;
		int n;

		ASSERT_EQ(0, pthread_create(&t, NULL, write_loop, &w));
		while (w.writes < 1)
			usleep(100);
		usleep(rand() % 3000);
		ASSERT_EQ(0, cb_free(0));
		close(self->fd);
		self->fd = -1;
		munmap(self->p, SIZE);
		self->p = MAP_FAILED;
		n = parked();
		if (n == 1) {
			seen++;
			ASSERT_EQ(0, cb_alloc("4M 1"));
			EXPECT_FALSE(ranges_overlap(old, cb_phys(1), SIZE));
			ASSERT_EQ(0, cb_free(1));
		}
		w.stop = 1;
		pthread_join(t, NULL);
		/* Every byte on the disk came from the buffer. */
		ASSERT_EQ((ssize_t)SIZE, pread(rd, check, SIZE, 0));
		EXPECT_EQ(-1, cb_check(check, SIZE, 0, 1)) TH_LOG("try %d", tries);
		EXPECT_EQ(0, wait_parked(0, 3000));
		/* A fresh buffer for the next try. */
		ASSERT_EQ(0, new_buffer(self));
	}
	/*
	 * Whether a free lands inside a request is timing: on 7.2 (x86-64
	 * and arm64, both backends) it did in 5 of 7 runs, after 2 to 13
	 * tries; on 6.12 in none of 8 runs (cause not found). The parking itself is proven by the vmsplice
	 * tests; this one proves that whatever a request wrote came from the
	 * buffer, never from a newer one, and says whether it saw a park.
	 */
	TH_LOG("%s after %d tries", seen ? "parked under a request in flight" :
	       "no free landed inside a request", tries);
	munmap(check, SIZE);
	close(rd);
}

/* io_uring, raw: one ring, one request at a time. */
struct ring {
	int fd;
	struct io_uring_params par;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
};

static int ring_init(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 4, &r->par);
	if (r->fd < 0)
		return -errno;
	r->sq = mmap(NULL, r->par.sq_off.array + r->par.sq_entries * sizeof(__u32),
		     PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->par.cq_off.cqes + r->par.cq_entries * sizeof(struct io_uring_cqe),
		     PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->par.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQES);
	if (r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

/* Submit @sqe and wait for its completion; its result. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe)
{
	__u32 *tail = (__u32 *)((char *)r->sq + r->par.sq_off.tail);
	__u32 *array = (__u32 *)((char *)r->sq + r->par.sq_off.array);
	__u32 mask = *(__u32 *)((char *)r->sq + r->par.sq_off.ring_mask);
	__u32 *chead = (__u32 *)((char *)r->cq + r->par.cq_off.head);
	__u32 *ctail = (__u32 *)((char *)r->cq + r->par.cq_off.tail);
	__u32 cmask = *(__u32 *)((char *)r->cq + r->par.cq_off.ring_mask);
	struct io_uring_cqe *cqes = (void *)((char *)r->cq + r->par.cq_off.cqes);
	__u32 t = *tail, h;
	int res;

	r->sqes[t & mask] = *sqe;
	array[t & mask] = t & mask;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	h = __atomic_load_n(chead, __ATOMIC_ACQUIRE);
	if (h == __atomic_load_n(ctail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = cqes[h & cmask].res;
	__atomic_store_n(chead, h + 1, __ATOMIC_RELEASE);
	return res;
}

static void ring_exit(struct ring *r)
{
	close(r->fd);
}

TEST_F(pin, io_uring_reads_into_the_buffer)
{
	struct io_uring_sqe sqe = { 0 };
	uint8_t *back = malloc(CB_MIB);
	struct ring r;
	int rd;

	NEED_PINNABLE();
	NEED_RAMDISK(rd);
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, ring_init(&r));
	ASSERT_EQ((ssize_t)CB_MIB, pwrite(rd, self->p, CB_MIB, 0));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = rd;
	sqe.addr = (unsigned long)(self->p + 3 * CB_MIB);
	sqe.len = CB_MIB;
	sqe.off = 0;
	EXPECT_EQ((int)CB_MIB, ring_run(&r, &sqe));
	ASSERT_EQ((ssize_t)CB_MIB, pread(self->fd, back, CB_MIB, 3 * CB_MIB));
	EXPECT_EQ(-1, cb_check(back, CB_MIB, 0, 1));
	ring_exit(&r);
	free(back);
	close(rd);
}

/*
 * A long-term pin (registered buffers) would have the kernel migrate our
 * CMA pages away first, which cannot succeed: from 6.5 on, the mapping's
 * write notification makes it EFAULT; before, the kernel retries for ever.
 */
TEST_F(pin, io_uring_buffer_registration_fails_cleanly)
{
	struct iovec iov = { self->p, CB_MIB };
	struct ring r;
	long ret;

	NEED_PINNABLE();
	if (!kernel_at_least(6, 5))
		SKIP(return, "before 6.5 a long-term pin of CMA pages retries for ever");
	ASSERT_EQ(0, ring_init(&r));
	errno = 0;
	ret = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &iov, 1);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EFAULT, errno);
	/* Nothing stays pinned: the buffer goes at once when freed. */
	ring_exit(&r);
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(0, parked());
}

/*
 * Before 6.5 nothing refuses the long-term pin: the kernel retries the
 * migration it cannot do until the caller is killed. Shown, not hidden:
 * the caller is still in the kernel after 3 s, dies of SIGKILL, and
 * leaves no pin and no parked buffer behind.
 */
TEST_F(pin, long_term_pin_before_6_5_spins_until_killed)
{
	char path[64], stat[256], *state;
	pid_t pid;
	int fd;

	NEED_PINNABLE();
	if (kernel_at_least(6, 5))
		SKIP(return, "6.5 and later refuse it with EFAULT (the test above)");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct iovec iov = { self->p, CB_MIB };
		struct ring r;

		if (ring_init(&r))
			_exit(2);
		syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &iov, 1);
		_exit(3);
	}
	sleep(3);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, stat, sizeof(stat) - 1));
	close(fd);
	state = strrchr(stat, ')');
	ASSERT_NE(NULL, state);
	/* Running (R) in the kernel's retry, not finished (Z) nor asleep. */
	EXPECT_EQ('R', state[2]) TH_LOG("%s", stat);
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, cb_wait(pid));
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(0, wait_parked(0, 3000));
}

TEST_HARNESS_MAIN
