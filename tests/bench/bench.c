// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf benchmark, run as root inside the bench VM with the module loaded.
 *
 * Compares, in one run and on the same CMA area:
 *   alloc  - cma_buf "alloc" write until /dev/cma_bufN exists (zeroed, usable)
 *            vs DMA_HEAP_IOCTL_ALLOC on the default CMA area's heap
 *            vs memset() of an already faulted-in anonymous buffer
 *   touch  - open + mmap + one write per page: cma_buf vs heap dma-buf vs
 *            anonymous memory vs the floor (the same write loop over memory
 *            that is already mapped)
 *   pt     - page-table bytes per GiB mapped (VmPTE), cma_buf mappings
 *   random - random 8-byte reads over a 256 MiB cma_buf mapping vs anonymous
 *            memory (TLB reach)
 *   bw     - memset (write) and u64 sum (read) over a whole cma_buf mapping
 *            vs the same over anonymous memory
 *   free   - "free" write / heap fd close until CMA "used" is back where it was
 *   scale  - alloc + free of 1 MiB with 10, 100, 1000, 4000 64 KiB buffers
 *            live, in interleaved rounds; what each live buffer costs
 *   probe  - small variants that split the alloc cost (fixed vs per byte)
 *   pin    - a pinnable buffer against a default one: mmap + touch, and a
 *            64 MiB O_DIRECT write to a RAM disk from its mapping vs from
 *            anonymous memory
 *   pool   - alloc of 16 MiB from a pool of four, vs a memset of 16 MiB
 *   phases - the kernel functions an alloc spends its time in, traced in
 *            place: cma_buf, heap and pooled allocs
 *   busy   - alloc of 4, 16 and 64 MiB, cma_buf vs heap, with the CMA area
 *            lent out to page cache and anonymous memory (last: it fills
 *            the guest's memory)
 *
 * Output: one CSV line per result on stdout,
 *   R,<test>,<impl>,<bytes>,<reps>,<median>,<min>,<max>,<unit>,<p90>
 * where unit is ns (latency), MBps (bandwidth) or what the test counts
 * (<bytes> is then a count or 0). Anything else is a comment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/cma_buf.h>

#define MIB		(1024UL * 1024)
#define SYS		"/sys/class/cma_buf"
/*
 * The default CMA area's heap: named after the area up to 6.18
 * ("reserved"), "default_cma_region" from 6.19 on.
 */
static const char *const heap_paths[] = {
	"/dev/dma_heap/default_cma_region",
	"/dev/dma_heap/reserved",
};
#define CMA_USED	"/sys/kernel/debug/cma/reserved/used"
#define MAX_REPS	64
#define SCALE_FILL_SIZE	(64 * 1024UL)

static int alloc_fd, free_fd, heap_fd;
static long page_size;
static int rep_scale = 1;
static volatile uint64_t sink;

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n values, which stay in their order. */
static uint64_t median_of(const uint64_t *v, int n)
{
	uint64_t c[MAX_REPS * 4];

	if (n > MAX_REPS * 4)
		n = MAX_REPS * 4;
	memcpy(c, v, n * sizeof(*v));
	qsort(c, n, sizeof(*c), cmp_u64);
	return c[n / 2];
}

static void report(const char *test, const char *impl, size_t bytes,
		   uint64_t *v, int n, const char *unit)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("R,%s,%s,%zu,%d,%llu,%llu,%llu,%s,%llu\n", test, impl, bytes, n,
	       (unsigned long long)v[n / 2], (unsigned long long)v[0],
	       (unsigned long long)v[n - 1], unit, (unsigned long long)v[(n - 1) * 9 / 10]);
	fflush(stdout);
}

static void write_str(int fd, const char *s)
{
	if (pwrite(fd, s, strlen(s), 0) != (ssize_t)strlen(s))
		die(s);
}

static long cma_used(void)
{
	char b[32];
	/* debugfs attributes are not seekable: read a fresh open file. */
	int fd = open(CMA_USED, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b) - 1);

	if (n <= 0)
		die("read " CMA_USED);
	close(fd);
	b[n] = 0;
	return atol(b);
}

static void wait_used(long want)
{
	while (cma_used() != want)
		;
}

static void node_name(char *p, size_t len, int index)
{
	snprintf(p, len, "/dev/cma_buf%d", index);
}

/* alloc write, then wait for the node: the buffer is zeroed and usable. */
static void cb_alloc(size_t size, int index)
{
	char cmd[64], node[64];
	struct stat st;

	if (index < 0)
		snprintf(cmd, sizeof(cmd), "%zu", size);
	else
		snprintf(cmd, sizeof(cmd), "%zu %d", size, index);
	write_str(alloc_fd, cmd);
	node_name(node, sizeof(node), index < 0 ? 0 : index);
	while (stat(node, &st))
		;
}

/* A fresh cma_buf0 of @size, opened read-write. */
static int cb_alloc_open(size_t size)
{
	int fd;

	cb_alloc(size, 0);
	fd = open("/dev/cma_buf0", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/cma_buf0");
	return fd;
}

static void cb_free(int index)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "%d", index);
	write_str(free_fd, cmd);
}

static int heap_alloc(size_t size)
{
	struct dma_heap_allocation_data d = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &d))
		die("DMA_HEAP_IOCTL_ALLOC");
	return d.fd;
}

/* One write per page: what map_touch() does after its mmap. */
static void touch_loop(char *p, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += page_size)
		((volatile char *)p)[off] = 1;
}

static char *map_touch(int fd, size_t size)
{
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	touch_loop(p, size);
	return p;
}

static void check_zero(int fd, size_t size, const char *who)
{
	uint64_t *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	uint64_t acc = 0;
	size_t i;

	if (p == MAP_FAILED)
		die("mmap check");
	for (i = 0; i < size / 8; i++)
		acc |= p[i];
	munmap(p, size);
	if (acc) {
		fprintf(stderr, "bench: %s buffer of %zu bytes not zeroed\n", who, size);
		exit(1);
	}
}

static int reps_for(size_t size)
{
	int r = size <= MIB ? 21 : size <= 4 * MIB ? 15 : size <= 16 * MIB ? 11 :
		size <= 64 * MIB ? 7 : 5;

	r *= rep_scale;
	return r > MAX_REPS ? MAX_REPS : r;
}

/*
 * What runs just before a timed allocation moves its time in this guest by
 * up to a millisecond: a user-space sweep over @size evicts the emulated
 * TLB and the caches the allocator's kernel paths were warm in. cma_buf used
 * to go right after bench_size's user-space loops and the heap right after
 * cma_buf's free: with the order swapped, cma_buf's 1 MiB alloc fell from
 * 2.7 to 1.6 ms and the heap's rose from 0.8 to 1.1 ms (2026-12-05). So
 * every contender's timed allocation follows the same sweep.
 */
static void settle(uint64_t *anon_buf, size_t size)
{
	touch_loop((char *)anon_buf, size);
}

/* alloc, touch and free for one size; all three contenders per repetition. */
static void bench_size(size_t size, uint64_t *anon_buf)
{
	uint64_t a_cb[MAX_REPS], a_heap[MAX_REPS], a_ms[MAX_REPS];
	uint64_t t_cb[MAX_REPS], t_heap[MAX_REPS], t_anon[MAX_REPS], t_floor[MAX_REPS];
	uint64_t f_cb[MAX_REPS], f_heap[MAX_REPS];
	int reps = reps_for(size), r, fd;
	long base = cma_used();
	uint64_t t0;
	char *p;

	for (r = 0; r < reps; r++) {
		/* cma_buf */
		settle(anon_buf, size);
		t0 = now_ns();
		cb_alloc(size, 0);
		a_cb[r] = now_ns() - t0;
		t0 = now_ns();
		fd = open("/dev/cma_buf0", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die("open /dev/cma_buf0");
		p = map_touch(fd, size);
		t_cb[r] = now_ns() - t0;
		munmap(p, size);
		if (r == 0) {
			/* Touched pages are dirty now: prove zeroing on a fresh one. */
			close(fd);
			cb_free(0);
			wait_used(base);
			cb_alloc(size, 0);
			fd = open("/dev/cma_buf0", O_RDWR | O_CLOEXEC);
			check_zero(fd, size, "cma_buf");
		}
		close(fd);
		t0 = now_ns();
		cb_free(0);
		wait_used(base);
		f_cb[r] = now_ns() - t0;

		/* CMA heap */
		settle(anon_buf, size);
		t0 = now_ns();
		fd = heap_alloc(size);
		a_heap[r] = now_ns() - t0;
		if (r == 0)
			check_zero(fd, size, "heap");
		t0 = now_ns();
		p = map_touch(fd, size);
		t_heap[r] = now_ns() - t0;
		munmap(p, size);
		t0 = now_ns();
		close(fd);
		wait_used(base);
		f_heap[r] = now_ns() - t0;

		/* user space: the zeroing floor, and anonymous first touch */
		t0 = now_ns();
		memset(anon_buf, 0, size);
		a_ms[r] = now_ns() - t0;
		sink += anon_buf[r];
		t0 = now_ns();
		p = map_touch(-1, size);
		t_anon[r] = now_ns() - t0;
		munmap(p, size);
		t0 = now_ns();
		touch_loop((char *)anon_buf, size);
		t_floor[r] = now_ns() - t0;
	}
	report("alloc", "cma_buf", size, a_cb, reps, "ns");
	report("alloc", "heap", size, a_heap, reps, "ns");
	report("alloc", "memset", size, a_ms, reps, "ns");
	report("touch", "cma_buf", size, t_cb, reps, "ns");
	report("touch", "heap", size, t_heap, reps, "ns");
	report("touch", "anon", size, t_anon, reps, "ns");
	report("touch", "floor", size, t_floor, reps, "ns");
	report("free", "cma_buf", size, f_cb, reps, "ns");
	report("free", "heap", size, f_heap, reps, "ns");
}

static uint64_t sum_u64(const uint64_t *p, size_t size)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < size / 8; i++)
		s += p[i];
	return s;
}

static uint64_t mbps(size_t size, uint64_t ns)
{
	return ns ? (uint64_t)size * 1000 / ns : 0;
}

#define RAMDISK		"/dev/ram0"	/* brd.rd_size= on the command line */

/* O_DIRECT write of @size from @p to the RAM disk; its time. */
static uint64_t direct_write(int rd, const char *p, size_t size)
{
	uint64_t t0 = now_ns();

	if (pwrite(rd, p, size, 0) != (ssize_t)size)
		die("O_DIRECT write to " RAMDISK);
	return now_ns() - t0;
}

/*
 * What "pinnable" costs: 4 KiB entries and a reference per page instead of
 * a PFN map's huge entries at mmap + first touch, and what it buys: O_DIRECT
 * straight from the buffer, against O_DIRECT from anonymous memory.
 */
static void bench_pin(uint64_t *anon_buf)
{
	static const size_t sizes[] = { 4 * MIB, 64 * MIB };
	uint64_t t_def[MAX_REPS], t_pin[MAX_REPS], w_pin[MAX_REPS], w_anon[MAX_REPS];
	int rd = open(RAMDISK, O_RDWR | O_DIRECT | O_CLOEXEC), reps, r, fd;
	char cmd[64];
	size_t i, size;
	uint64_t t0;
	char *p;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		reps = reps_for(size);
		for (r = 0; r < reps; r++) {
			fd = cb_alloc_open(size);
			t0 = now_ns();
			p = map_touch(fd, size);
			t_def[r] = now_ns() - t0;
			munmap(p, size);
			close(fd);
			cb_free(0);

			snprintf(cmd, sizeof(cmd), "%zu 0 pinnable", size);
			write_str(alloc_fd, cmd);
			fd = open("/dev/cma_buf0", O_RDWR | O_CLOEXEC);
			if (fd < 0)
				die("open pinnable /dev/cma_buf0");
			t0 = now_ns();
			p = map_touch(fd, size);
			t_pin[r] = now_ns() - t0;
			if (rd >= 0 && size == 64 * MIB) {
				w_pin[r] = direct_write(rd, p, size);
				w_anon[r] = direct_write(rd, (const char *)anon_buf, size);
			}
			munmap(p, size);
			close(fd);
			cb_free(0);
		}
		report("touch", "default", size, t_def, reps, "ns");
		report("touch", "pinnable", size, t_pin, reps, "ns");
		if (rd >= 0 && size == 64 * MIB) {
			report("odirect_write", "pinnable", size, w_pin, reps, "ns");
			report("odirect_write", "anon", size, w_anon, reps, "ns");
		}
	}
	if (rd < 0)
		printf("# pin: no %s, O_DIRECT not measured\n", RAMDISK);
	else
		close(rd);
}

/* Sequential write and read over a whole mapping, cma_buf vs anonymous. */
static void bench_bw(size_t size, uint64_t *anon_buf)
{
	uint64_t w_cb[MAX_REPS], r_cb[MAX_REPS], w_an[MAX_REPS], r_an[MAX_REPS];
	int reps = 9 * rep_scale, r, fd;
	uint64_t *p, t0;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	fd = cb_alloc_open(size);
	p = (uint64_t *)map_touch(fd, size);
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		memset(p, r, size);
		w_cb[r] = mbps(size, now_ns() - t0);
		t0 = now_ns();
		sink += sum_u64(p, size);
		r_cb[r] = mbps(size, now_ns() - t0);
		t0 = now_ns();
		memset(anon_buf, r, size);
		w_an[r] = mbps(size, now_ns() - t0);
		t0 = now_ns();
		sink += sum_u64(anon_buf, size);
		r_an[r] = mbps(size, now_ns() - t0);
	}
	munmap(p, size);
	close(fd);
	cb_free(0);
	report("write_bw", "cma_buf", size, w_cb, reps, "MBps");
	report("write_bw", "anon", size, w_an, reps, "MBps");
	report("read_bw", "cma_buf", size, r_cb, reps, "MBps");
	report("read_bw", "anon", size, r_an, reps, "MBps");
}

/*
 * alloc + free of 1 MiB (lowest free index) with 10, 100, 1000 and 4000
 * 64 KiB buffers live. One run of each once read 1.44 for 4000 against 10,
 * others 1.03-1.20: the VM shares two host cores, so a slow patch of a few
 * seconds moved one block of repetitions. The blocks are interleaved now:
 * SCALE_ROUNDS rounds of 10 -> 100 -> 1000 -> 4000 -> back to 10; each round
 * gives its own 4000-vs-10 ratio, and scale_4000_vs_10 is their median, so a
 * slow patch moves one round, not one end.
 *
 * What a live buffer still costs, measured on the way (scale_grow and
 * scale_shrink: the alloc and free of each 64 KiB buffer, by how many are
 * live; scale_free_oldest: the free of one of the first ten buffers): the
 * registry (xarray) and sysfs (kernfs red-black trees of the class and
 * device folders, the devtmpfs folder) grow by O(log n) a buffer, a few
 * nanoseconds. The one O(n) walk is the char device map: every cdev of one
 * major number sits on one list (fs/char_dev.c, kobj_map), newest first;
 * cdev_del() of a buffer walks it from the newest to that buffer, and the
 * first open() of a node walks it too. The 1 MiB buffer here is the newest,
 * so scale_4000_vs_10 does not see it; scale_free_oldest does.
 */
#define SCALE_ROUNDS	12
#define SCALE_MAX	4000
#define SCALE_BUCKET	500
#define SCALE_BLOCK	11
#define SCALE_OLDEST	10

static uint64_t scale_grow[SCALE_MAX / SCALE_BUCKET][SCALE_BUCKET * SCALE_ROUNDS];
static uint64_t scale_shrink[SCALE_MAX / SCALE_BUCKET][SCALE_BUCKET * SCALE_ROUNDS];

static void bench_scale(void)
{
	static const int lives[] = { 10, 100, 1000, SCALE_MAX };
	enum { NL = sizeof(lives) / sizeof(lives[0]) };
	static uint64_t v[NL][SCALE_BLOCK * SCALE_ROUNDS * 4];
	static uint64_t va[NL][SCALE_BLOCK * SCALE_ROUNDS * 4];
	static uint64_t vf[NL][SCALE_BLOCK * SCALE_ROUNDS * 4];
	static uint64_t vo[NL][SCALE_OLDEST * SCALE_ROUNDS * 4];
	int nv[NL] = { 0 }, no[NL] = { 0 }, ng[SCALE_MAX / SCALE_BUCKET] = { 0 };
	int ns[SCALE_MAX / SCALE_BUCKET] = { 0 };
	uint64_t ratios[SCALE_ROUNDS * 4];
	int live = 0, i, r, round, rounds = SCALE_ROUNDS * rep_scale;
	uint64_t t0, t1;
	char node[64], cmd[32];
	struct stat st;
	int mp = open("/sys/module/cma_buf/parameters/max_buffers", O_WRONLY);

	if (mp < 0)
		die("open max_buffers");
	write_str(mp, "8192");
	close(mp);
	if (rounds > SCALE_ROUNDS * 4)
		rounds = SCALE_ROUNDS * 4;
	for (round = 0; round < rounds; round++) {
		for (i = 0; i < NL; i++) {
			while (live < lives[i]) {
				t0 = now_ns();
				cb_alloc(SCALE_FILL_SIZE, live);
				t1 = now_ns() - t0;
				if (ng[live / SCALE_BUCKET] < SCALE_BUCKET * SCALE_ROUNDS)
					scale_grow[live / SCALE_BUCKET][ng[live / SCALE_BUCKET]++] = t1;
				live++;
			}
			node_name(node, sizeof(node), live);
			snprintf(cmd, sizeof(cmd), "%d", live);
			for (r = 0; r < SCALE_BLOCK; r++) {
				t0 = now_ns();
				write_str(alloc_fd, "1M");
				while (stat(node, &st))
					;
				t1 = now_ns();
				write_str(free_fd, cmd);
				va[i][nv[i]] = t1 - t0;
				vf[i][nv[i]] = now_ns() - t1;
				v[i][nv[i]] = va[i][nv[i]] + vf[i][nv[i]];
				nv[i]++;
			}
			/* The first ten buffers are the oldest: at the far end of the cdev list. */
			for (r = 0; r < SCALE_OLDEST; r++) {
				t0 = now_ns();
				cb_free(r);
				vo[i][no[i]++] = now_ns() - t0;
				cb_alloc(SCALE_FILL_SIZE, r);
			}
		}
		/* Each round's own ratio: both ends of it in the same minute. */
		ratios[round] = median_of(v[NL - 1] + nv[NL - 1] - SCALE_BLOCK, SCALE_BLOCK) * 1000 /
				median_of(v[0] + nv[0] - SCALE_BLOCK, SCALE_BLOCK);
		printf("# scale round %d: 4000 vs 10 %.3f\n", round, ratios[round] / 1000.0);
		while (live > lives[0]) {
			live--;
			t0 = now_ns();
			cb_free(live);
			t1 = now_ns() - t0;
			if (ns[live / SCALE_BUCKET] < SCALE_BUCKET * SCALE_ROUNDS)
				scale_shrink[live / SCALE_BUCKET][ns[live / SCALE_BUCKET]++] = t1;
		}
	}
	report("scale_round_ratio", "cma_buf", SCALE_MAX, ratios, rounds, "permille");
	for (i = 0; i < NL; i++) {
		report("scale", "cma_buf", lives[i], v[i], nv[i], "ns");
		report("scale_alloc", "cma_buf", lives[i], va[i], nv[i], "ns");
		report("scale_free", "cma_buf", lives[i], vf[i], nv[i], "ns");
		report("scale_free_oldest", "cma_buf", lives[i], vo[i], no[i], "ns");
	}
	/* Per 500 live buffers, reported at the middle of the bucket. */
	for (i = 0; i < SCALE_MAX / SCALE_BUCKET; i++) {
		if (ng[i])
			report("scale_grow", "cma_buf", i * SCALE_BUCKET + SCALE_BUCKET / 2,
			       scale_grow[i], ng[i], "ns");
		if (ns[i])
			report("scale_shrink", "cma_buf", i * SCALE_BUCKET + SCALE_BUCKET / 2,
			       scale_shrink[i], ns[i], "ns");
	}
	while (live > 0)
		cb_free(--live);
}

/*
 * Where the map + touch time goes at 64 MiB: mmap (the whole buffer is
 * mapped there), the touch loop alone, munmap; and the same loop over
 * anonymous memory that is already mapped, the floor for one write per page.
 */
static void probe_touch(uint64_t *anon_buf)
{
	uint64_t m[MAX_REPS], t[MAX_REPS], u[MAX_REPS], f[MAX_REPS], t0;
	size_t size = 64 * MIB, off;
	int reps = 9 * rep_scale, r, fd;
	char *p;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	fd = cb_alloc_open(size);
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		m[r] = now_ns() - t0;
		if (p == MAP_FAILED)
			die("mmap");
		t0 = now_ns();
		for (off = 0; off < size; off += page_size)
			p[off] = 1;
		t[r] = now_ns() - t0;
		t0 = now_ns();
		munmap(p, size);
		u[r] = now_ns() - t0;
		t0 = now_ns();
		for (off = 0; off < size; off += page_size)
			((char *)anon_buf)[off] = 1;
		f[r] = now_ns() - t0;
	}
	close(fd);
	cb_free(0);
	report("probe_mmap", "cma_buf", size, m, reps, "ns");
	report("probe_touchloop", "cma_buf", size, t, reps, "ns");
	report("probe_munmap", "cma_buf", size, u, reps, "ns");
	report("probe_touchloop", "anon_mapped", size, f, reps, "ns");
}

/*
 * Where the alloc time goes: the fixed cost (a page: sysfs write, cma_alloc
 * bookkeeping, device and node creation) against the heap's fixed cost, and
 * the per-byte cost at 16 MiB against memset's.
 */
static void bench_probe(uint64_t *anon_buf)
{
	uint64_t a[MAX_REPS], h[MAX_REPS], o[MAX_REPS], t0;
	int reps = 21 * rep_scale, r, fd;
	long base = cma_used();

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		cb_alloc(page_size, 0);
		a[r] = now_ns() - t0;
		cb_free(0);
		wait_used(base);
		t0 = now_ns();
		fd = heap_alloc(page_size);
		h[r] = now_ns() - t0;
		close(fd);
		wait_used(base);
		/* The sysfs write alone, refused by the parser: syscall + kernfs. */
		t0 = now_ns();
		if (pwrite(alloc_fd, "x", 1, 0) >= 0)
			die("bad alloc accepted");
		o[r] = now_ns() - t0;
	}
	report("probe_alloc", "cma_buf", page_size, a, reps, "ns");
	report("probe_alloc", "heap", page_size, h, reps, "ns");
	report("probe_sysfs_write", "cma_buf", 0, o, reps, "ns");
	probe_touch(anon_buf);
}

static long vm_pte_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		die("/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmPTE:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * Page tables per GiB mapped: four touched mappings of one 256 MiB buffer,
 * VmPTE before and after. 4 KiB entries need 2 MiB per GiB, PMD entries
 * 4 KiB (a page of them maps 1 GiB).
 */
static void bench_pt(void)
{
	size_t size = 256 * MIB;
	uint64_t v[1];
	char *p[4];
	long before;
	int fd, i;

	fd = cb_alloc_open(size);
	before = vm_pte_kb();
	for (i = 0; i < 4; i++)
		p[i] = map_touch(fd, size);
	v[0] = (uint64_t)(vm_pte_kb() - before) * 1024;
	for (i = 0; i < 4; i++)
		munmap(p[i], size);
	close(fd);
	cb_free(0);
	report("pt_bytes_per_gib", "cma_buf", 4 * size, v, 1, "B");
}

static uint64_t random_reads(const uint64_t *p, size_t size, unsigned long n)
{
	uint64_t x = 88172645463325252ULL, acc = 0, t0 = now_ns();
	size_t words = size / 8;

	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += p[x % words];
	}
	sink += acc;
	return now_ns() - t0;
}

/* Random reads over 256 MiB, both mappings faulted in before timing. */
static void bench_random(uint64_t *anon_buf)
{
	uint64_t c[MAX_REPS], a[MAX_REPS];
	size_t size = 256 * MIB;
	int reps = 7 * rep_scale, r, fd;
	unsigned long n = 1UL << 20;
	uint64_t *p;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	fd = cb_alloc_open(size);
	p = (uint64_t *)map_touch(fd, size);
	for (r = 0; r < reps; r++) {
		c[r] = random_reads(p, size, n);
		a[r] = random_reads(anon_buf, size, n);
	}
	munmap(p, size);
	close(fd);
	cb_free(0);
	report("random_read", "cma_buf", size, c, reps, "ns");
	report("random_read", "anon", size, a, reps, "ns");
}

/*
 * The pool (/sys/class/cma_buf/pool): POOL_COUNT buffers of POOL_SIZE held
 * ready and zeroed by the module's worker. Each repetition waits until the
 * worker has zeroed the one freed last time (not timed: that is the point
 * of a pool), allocates, proves the buffer reads zero after the previous
 * one was written all over, writes it, and frees it back to the pool. The
 * memset of as many bytes of touched anonymous memory, in the same
 * conditions (@before lends the CMA area out on a busy machine), is what
 * a pooled alloc is measured against: zeroing is the least any allocator
 * of fresh memory must do.
 */
#define POOL_FILE	SYS "/pool"
#define POOL_SIZE	(16 * MIB)
#define POOL_COUNT	4

/* READY of @size's line in the pool file, -1 if it has none. */
static int pool_ready(size_t size)
{
	unsigned long long sz;
	unsigned int count, ready, refilling;
	char b[1024], *l;
	int fd = open(POOL_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		die("read " POOL_FILE);
	b[n] = 0;
	for (l = b; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (sscanf(l, "%llu %u %u %u", &sz, &count, &ready, &refilling) == 4 &&
		    sz == size)
			return ready;
	return -1;
}

static void pool_set(const char *spec)
{
	int fd = open(POOL_FILE, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open " POOL_FILE);
	write_str(fd, spec);
	close(fd);
}

static void pool_wait(size_t size, int n)
{
	uint64_t t0 = now_ns();

	while (pool_ready(size) < n) {
		if (now_ns() - t0 > 120 * 1000000000ULL)
			die("the pool did not refill in 120 s");
		usleep(500);
	}
}

static int try_alloc(size_t size);

static void bench_pooled(const char *impl, void (*before)(size_t), uint64_t *anon_buf)
{
	uint64_t a[MAX_REPS], m[MAX_REPS], o[MAX_REPS], t0;
	int reps = 21 * rep_scale, r, fd, ctl;
	long base = cma_used();
	char spec[64], *p;

	if (reps > MAX_REPS)
		reps = MAX_REPS;
	snprintf(spec, sizeof(spec), "%zu*%d", POOL_SIZE, POOL_COUNT);
	pool_set(spec);
	for (r = 0; r < reps; r++) {
		if (before)
			before(POOL_SIZE);
		pool_wait(POOL_SIZE, POOL_COUNT);
		t0 = now_ns();
		if (try_alloc(POOL_SIZE))
			die("pooled alloc");
		a[r] = now_ns() - t0;
		fd = open("/dev/cma_buf0", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			die("open /dev/cma_buf0");
		check_zero(fd, POOL_SIZE, "pooled cma_buf");
		p = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap pooled");
		memset(p, 0xa5, POOL_SIZE);
		munmap(p, POOL_SIZE);
		close(fd);
		cb_free(0);

		t0 = now_ns();
		memset(anon_buf, r, POOL_SIZE);
		m[r] = now_ns() - t0;
		sink += anon_buf[r];
	}
	/* The same from /dev/cma_buf: no sysfs write to parse, a file to close. */
	ctl = open("/dev/cma_buf", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open /dev/cma_buf");
	for (r = 0; r < reps; r++) {
		struct cma_buf_alloc req = { .size = POOL_SIZE, .node = CMA_BUF_NODE_ANY,
					     .flags = CMA_BUF_ALLOC_CLOEXEC };

		if (before)
			before(POOL_SIZE);
		pool_wait(POOL_SIZE, POOL_COUNT);
		t0 = now_ns();
		if (ioctl(ctl, CMA_BUF_IOC_ALLOC, &req))
			die("CMA_BUF_IOC_ALLOC");
		o[r] = now_ns() - t0;
		close(req.fd);
	}
	close(ctl);
	pool_set("\n");
	wait_used(base);
	report("alloc_pooled", impl, POOL_SIZE, a, reps, "ns");
	report("alloc_pooled_ioctl", impl, POOL_SIZE, o, reps, "ns");
	report("memset", impl, POOL_SIZE, m, reps, "ns");
}

/*
 * Allocation on a busy machine. The kernel lends free CMA pages to movable
 * allocations (page cache, anonymous memory) once CMA holds more than half
 * of the free memory; cma_alloc() must then reclaim (clean page cache) or
 * migrate (anonymous memory: a copy per page) what lies in its range before
 * it can hand the range out. bench.sh boots the guest with a disk holding
 * BUSY_FILE, a file larger than the guest's RAM: reading it fills the page
 * cache, BUSY_ANON of anonymous memory on top, and before every timed
 * allocation lend() reads on until /proc/meminfo's CmaFree is at most
 * 1/BUSY_FREE_DIV of CmaTotal (debugfs "used" stays where it was: the pages
 * are lent, not allocated). Page cache of a file on a disk, not tmpfs: tmpfs
 * pages are movable too, but without swap they can only be migrated, like
 * anonymous memory; a machine's lent CMA pages are mostly page cache, which
 * cma_alloc() can drop, and the anonymous part here is the migrated rest.
 */
#define BUSY_FILE	"/fill"
#define BUSY_ANON	(512 * MIB)
#define BUSY_CHUNK	(4 * MIB)
#define BUSY_FREE_DIV	16
#define CMA_DIR		"/sys/kernel/debug/cma/reserved"
#define KPF_BUDDY	10
#define KPF_ANON	12
#define KPF_SWAPBACKED	14
#define KPF_NOPAGE	20

static struct {
	int file, kpf;
	off_t file_size, off;
	char *anon, *chunk;
	size_t anon_off;
	long cma_total_kb, lend_target_kb, base_pfn;
	uint64_t lend_kb_read;
	int lend_short;
} busy;

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t len = strlen(key);
	char line[256];
	long kb = -1;

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

static long read_long(const char *path)
{
	char b[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	b[n] = 0;
	return strtol(b, NULL, 0);
}

/*
 * Pages in [pfn, pfn + n) by what /proc/kpageflags says they hold:
 * [0] anonymous, [1] file page cache, [2] shmem/tmpfs, [3] free (no flags,
 * or a free block's first page), [4] anything else (kernel, page tables).
 * A page of a large folio reports its folio's flags.
 */
static void page_kinds(long pfn, long n, long kinds[5])
{
	uint64_t f[512];
	long i, done;
	ssize_t got;

	memset(kinds, 0, 5 * sizeof(*kinds));
	for (done = 0; done < n; done += got / 8) {
		long want = n - done < 512 ? n - done : 512;

		got = pread(busy.kpf, f, want * 8, (pfn + done) * 8);
		if (got < 8)
			die("read /proc/kpageflags");
		for (i = 0; i < got / 8; i++) {
			uint64_t k = f[i];

			if (k & (1ULL << KPF_ANON))
				kinds[0]++;
			else if (k & (1ULL << KPF_SWAPBACKED))
				kinds[2]++;
			else if ((k & ~(1ULL << KPF_BUDDY)) == 0)
				kinds[3]++;
			else if (k & ((1ULL << 5) | (1ULL << 3)))	/* LRU, UPTODATE */
				kinds[1]++;
			else
				kinds[4]++;
		}
	}
}

static void busy_area_report(const char *test)
{
	static const char *const names[] = { "anon", "file", "shmem", "free", "other" };
	long kinds[5], count = read_long(CMA_DIR "/count");
	uint64_t v;
	int i;

	page_kinds(busy.base_pfn, count, kinds);
	for (i = 0; i < 5; i++) {
		v = kinds[i];
		report(test, names[i], 0, &v, 1, "pages");
	}
	printf("# %s: CMA area %ld pages: %ld anonymous, %ld page cache, %ld shmem, %ld free, %ld other; CmaFree %ld kB, used %ld\n",
	       test, count, kinds[0], kinds[1], kinds[2], kinds[3], kinds[4],
	       meminfo_kb("CmaFree"), cma_used());
}

/* The next BUSY_CHUNK of the file, dropped first so that it is read anew. */
static void read_chunk(void)
{
	ssize_t n;

	if (busy.off + (off_t)BUSY_CHUNK > busy.file_size)
		busy.off = 0;
	posix_fadvise(busy.file, busy.off, BUSY_CHUNK, POSIX_FADV_DONTNEED);
	n = pread(busy.file, busy.chunk, BUSY_CHUNK, busy.off);
	if (n <= 0)
		die("read " BUSY_FILE);
	busy.off += n;
	busy.lend_kb_read += n / 1024;
}

/*
 * Lend the CMA area out again after an allocation gave a range back:
 * renew @size/2 of the anonymous memory (the kernel puts the new pages in
 * CMA while CMA holds over half of what is free), then read the file until
 * CmaFree is down to the target, at most the guest's RAM worth.
 */
static void lend(size_t size)
{
	size_t i, renew = size / 2;
	uint64_t limit = busy.lend_kb_read + (uint64_t)meminfo_kb("MemTotal");

	for (i = 0; i < renew; i += BUSY_CHUNK) {
		if (busy.anon_off + BUSY_CHUNK > BUSY_ANON)
			busy.anon_off = 0;
		madvise(busy.anon + busy.anon_off, BUSY_CHUNK, MADV_DONTNEED);
		touch_loop(busy.anon + busy.anon_off, BUSY_CHUNK);
		busy.anon_off += BUSY_CHUNK;
	}
	while (meminfo_kb("CmaFree") > busy.lend_target_kb) {
		if (busy.lend_kb_read > limit) {
			busy.lend_short++;
			break;
		}
		read_chunk();
	}
}

/* Per mille of [pfn, pfn + pages) lent out: neither free nor ours. */
static uint64_t lent_permille(long pfn, long pages)
{
	long kinds[5];

	page_kinds(pfn, pages, kinds);
	return (uint64_t)(pages - kinds[3]) * 1000 / pages;
}

/* One alloc write; 0 or -errno. */
static int try_alloc(size_t size)
{
	char cmd[64], node[64];
	struct stat st;

	snprintf(cmd, sizeof(cmd), "%zu 0", size);
	if (pwrite(alloc_fd, cmd, strlen(cmd), 0) != (ssize_t)strlen(cmd))
		return -errno;
	node_name(node, sizeof(node), 0);
	while (stat(node, &st))
		;
	return 0;
}

static void bench_busy(uint64_t *anon_buf)
{
	static const size_t sizes[] = { 4 * MIB, 16 * MIB, 64 * MIB };
	uint64_t a_cb[MAX_REPS], a_heap[MAX_REPS], fr_cb[MAX_REPS], fr_heap[MAX_REPS];
	uint64_t lw_cb[MAX_REPS], lw_heap[MAX_REPS], used[MAX_REPS * 2], t0, t;
	int reps, r, n_cb, n_heap, nu = 0, fail_cb = 0, fail_heap = 0, fd, ret;
	long base, pfn, phys_pfn;
	struct dma_heap_allocation_data d;
	struct stat st;
	size_t i, size;
	uint64_t start = now_ns();

	busy.file = open(BUSY_FILE, O_RDONLY | O_CLOEXEC);
	busy.kpf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (busy.file < 0 || busy.kpf < 0 || fstat(busy.file, &st)) {
		printf("# busy: no %s or /proc/kpageflags, not measured\n", BUSY_FILE);
		return;
	}
	busy.file_size = st.st_size;
	busy.base_pfn = read_long(CMA_DIR "/base_pfn");
	busy.cma_total_kb = meminfo_kb("CmaTotal");
	busy.lend_target_kb = busy.cma_total_kb / BUSY_FREE_DIV;
	busy.chunk = malloc(BUSY_CHUNK);
	if (!busy.chunk || busy.base_pfn < 0)
		die("busy setup");
	base = cma_used();

	/* Fill: the page cache first, then anonymous memory on top. */
	while (busy.off + (off_t)BUSY_CHUNK <= busy.file_size)
		read_chunk();
	busy.anon = mmap(NULL, BUSY_ANON, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (busy.anon == MAP_FAILED)
		die("mmap busy anon");
	touch_loop(busy.anon, BUSY_ANON);
	lend(0);
	printf("# busy: filled in %llu ms; MemFree %ld kB, Cached %ld kB, AnonPages %ld kB, CmaTotal %ld kB, target CmaFree <= %ld kB\n",
	       (unsigned long long)(now_ns() - start) / 1000000, meminfo_kb("MemFree"),
	       meminfo_kb("Cached"), meminfo_kb("AnonPages"), busy.cma_total_kb,
	       busy.lend_target_kb);
	busy_area_report("busy_area_start");

	pfn = busy.base_pfn + base;	/* first fit, until cma_buf says where */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		reps = (size < 64 * MIB ? 11 : 9) * rep_scale;
		if (reps > MAX_REPS)
			reps = MAX_REPS;
		n_cb = n_heap = 0;
		for (r = 0; r < reps; r++) {
			/* cma_buf */
			lend(size);
			fr_cb[n_cb] = meminfo_kb("CmaFree");
			lw_cb[n_cb] = lent_permille(pfn, size / page_size);
			used[nu++] = cma_used();
			t0 = now_ns();
			ret = try_alloc(size);
			t = now_ns() - t0;
			if (ret) {
				fail_cb++;
				printf("# busy: cma_buf alloc of %zu: %s\n", size, strerror(-ret));
			} else {
				phys_pfn = read_long(SYS "/cma_buf0/phys_addr");
				if (phys_pfn > 0)
					pfn = phys_pfn / page_size;
				a_cb[n_cb++] = t;
				cb_free(0);
				wait_used(base);
			}

			/* CMA heap: the same first fit */
			lend(size);
			fr_heap[n_heap] = meminfo_kb("CmaFree");
			lw_heap[n_heap] = lent_permille(pfn, size / page_size);
			used[nu++] = cma_used();
			/* heap_flags must be zero (EINVAL otherwise), fd out. */
			d = (struct dma_heap_allocation_data){ .len = size,
							       .fd_flags = O_RDWR | O_CLOEXEC };
			t0 = now_ns();
			ret = ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &d) ? -errno : 0;
			t = now_ns() - t0;
			if (ret) {
				fail_heap++;
				printf("# busy: heap alloc of %zu: %s\n", size, strerror(-ret));
			} else {
				a_heap[n_heap++] = t;
				close(d.fd);
				wait_used(base);
			}
		}
		if (n_cb) {
			report("alloc_busy", "cma_buf", size, a_cb, n_cb, "ns");
			report("busy_cma_free", "cma_buf", size, fr_cb, n_cb, "kB");
			report("busy_lent", "cma_buf", size, lw_cb, n_cb, "permille");
		}
		if (n_heap) {
			report("alloc_busy", "heap", size, a_heap, n_heap, "ns");
			report("busy_cma_free", "heap", size, fr_heap, n_heap, "kB");
			report("busy_lent", "heap", size, lw_heap, n_heap, "permille");
		}
	}
	report("busy_cma_used", "both", 0, used, nu, "pages");
	t = fail_cb;
	report("busy_failed", "cma_buf", 0, &t, 1, "allocs");
	t = fail_heap;
	report("busy_failed", "heap", 0, &t, 1, "allocs");
	t = busy.lend_short;
	report("busy_lend_short", "both", 0, &t, 1, "times");
	busy_area_report("busy_area_end");
	printf("# busy: %llu ms, %llu MiB read to lend CMA out\n",
	       (unsigned long long)(now_ns() - start) / 1000000,
	       (unsigned long long)busy.lend_kb_read / 1024);

	/* The pool, with the area lent out between repetitions. */
	bench_pooled("busy", lend, anon_buf);

	/* Give the memory back: later steps (the kernel probe) see an idle machine. */
	munmap(busy.anon, BUSY_ANON);
	close(busy.file);
	close(busy.kpf);
	free(busy.chunk);
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		write_str(fd, "3");
		close(fd);
	}
}

/*
 * Where an allocation's time goes, in place. The function graph tracer (the
 * bench kernel has it: tests/kernel/bench.config) times the kernel functions
 * below, for this process only, while it allocates as bench_size does (the
 * same sweep before each call): 1 and 16 MiB from cma_buf and from the heap,
 * 16 MiB from a pool through the alloc file and through the ioctl. Every
 * traced call adds microseconds of tracing, so these wall times run a little
 * over bench_size's: the split is the result, not the sum. Output:
 * R,phase_<what>,<function>,<bytes>,... (the calls of one allocation added
 * up) and R,phase_<what>,wall,... for the whole allocation.
 */
#define TRACEFS		"/sys/kernel/tracing"
#define PHASE_REPS	11

static const char *const phase_funcs[] = {
	"kernfs_fop_write_iter",	/* the alloc write, parsing and all */
	"cma_buf_control_ioctl",
	"dma_heap_ioctl",
	"cma_buf_new",
	"cma_buf_pool_take",
	"cma_alloc",
	"cma_buf_zero",
	"cma_heap_allocate",
	"dma_buf_export",
	"cdev_device_add",
	"device_add",
	"sysfs_create_groups",
	"devtmpfs_create_node",
	"kobject_uevent_env",
	"anon_inode_getfile",
};
#define N_PHASE_FUNCS	(sizeof(phase_funcs) / sizeof(phase_funcs[0]))

struct phase_set {
	const char *what;
	size_t size;
	int n;
	uint64_t wall[MAX_REPS];
	uint64_t fn[N_PHASE_FUNCS][MAX_REPS];
	int seen[N_PHASE_FUNCS];
};

static int trace_on_fd = -1;
static char trace_text[1 << 20];

static int tracefs_write(const char *file, const char *s, int flags)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return ret;
}

struct tracefs_setting {
	const char *file, *value;
};

/* Write each setting in turn; 0 or the first -errno. */
static int tracefs_apply(const struct tracefs_setting *set, size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = tracefs_write(set[i].file, set[i].value, O_TRUNC);
		if (ret)
			return ret;
	}
	return 0;
}

/* The function graph tracer on phase_funcs for this process; 0 or -errno. */
static int phase_setup(void)
{
	char pid[16];
	const struct tracefs_setting before[] = {
		{ "tracing_on", "0" }, { "current_tracer", "nop" },
		{ "set_ftrace_filter", "" }, { "set_ftrace_pid", pid },
	}, after[] = {
		{ "current_tracer", "function_graph" },
		/*
		 * Name the function on a closing brace too: one line per call
		 * to read. (A tracer's options exist while it is the current one.)
		 */
		{ "trace_options", "funcgraph-tail" },
	};
	size_t i;
	int ret, n = 0;

	if (access(TRACEFS "/trace", F_OK) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", getpid());
	ret = tracefs_apply(before, sizeof(before) / sizeof(before[0]));
	if (ret)
		return ret;
	for (i = 0; i < N_PHASE_FUNCS; i++) {
		if (tracefs_write("set_ftrace_filter", phase_funcs[i], O_APPEND))
			printf("# phases: %s cannot be traced\n", phase_funcs[i]);
		else
			n++;
	}
	ret = tracefs_apply(after, sizeof(after) / sizeof(after[0]));
	if (ret)
		return ret;
	trace_on_fd = open(TRACEFS "/tracing_on", O_WRONLY | O_CLOEXEC);
	if (trace_on_fd < 0)
		return -errno;
	return n ? 0 : -ENOENT;
}

static void phase_teardown(void)
{
	static const struct tracefs_setting off[] = {
		{ "current_tracer", "nop" }, { "set_ftrace_filter", "" },
		{ "set_ftrace_pid", "" }, { "tracing_on", "1" },
	};

	size_t i;

	close(trace_on_fd);
	/* Each one even if another fails: leave as little tracing on as we can. */
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		tracefs_write(off[i].file, off[i].value, O_TRUNC);
}

static void phase_begin(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		die("clear " TRACEFS "/trace");
	close(fd);
	write_str(trace_on_fd, "1");
}

/*
 * One line of the graph, "CPU) [mark] DURATION us | name();" or
 * "... | } / * name [module] * /" (funcgraph-tail): the phase_funcs index of
 * a timed call, its duration in ns to *@ns; N_PHASE_FUNCS for any other
 * line.
 */
static size_t phase_line(const char *l, uint64_t *ns)
{
	const char *bar = strchr(l, '|'), *us = strstr(l, " us "), *num, *name;
	size_t i, len;

	if (!bar || !us || us > bar)
		return N_PHASE_FUNCS;
	for (num = us; num > l && (num[-1] == '.' || (num[-1] >= '0' && num[-1] <= '9')); num--)
		;
	if (num == us)
		return N_PHASE_FUNCS;
	for (name = bar + 1; *name == ' '; name++)
		;
	if (!strncmp(name, "} /* ", 5))
		name += 5;
	len = strcspn(name, " ();");
	for (i = 0; i < N_PHASE_FUNCS; i++)
		if (strlen(phase_funcs[i]) == len && !strncmp(name, phase_funcs[i], len)) {
			*ns = (uint64_t)(strtod(num, NULL) * 1000);
			return i;
		}
	return N_PHASE_FUNCS;
}

static void phase_end(struct phase_set *set, uint64_t wall)
{
	int fd, r = set->n, k;
	ssize_t n, len = 0;
	char *l, *e;
	uint64_t ns;
	size_t i;

	write_str(trace_on_fd, "0");
	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open " TRACEFS "/trace");
	while ((n = read(fd, trace_text + len, sizeof(trace_text) - 1 - len)) > 0)
		len += n;
	close(fd);
	trace_text[len] = 0;
	set->wall[r] = wall;
	for (i = 0; i < N_PHASE_FUNCS; i++)
		set->fn[i][r] = 0;
	for (l = trace_text, k = 0; l < trace_text + len; l = e + 1) {
		e = strchrnul(l, '\n');
		*e = 0;
		i = phase_line(l, &ns);
		if (i < N_PHASE_FUNCS) {
			set->fn[i][r] += ns;
			set->seen[i] = 1;
			k++;
		}
	}
	/* Nothing timed: show what the tracer wrote, to see why. */
	if (!k && !r) {
		for (l = trace_text; l < trace_text + len; l++)
			if (!*l)
				*l = '\n';
		printf("# phases: no timed call in the trace of %s %zu:\n# %.*s\n", set->what,
		       set->size, (int)(len < 2000 ? len : 2000), trace_text);
	}
	set->n++;
}

static void phase_report(struct phase_set *set)
{
	char test[64];
	size_t i;

	snprintf(test, sizeof(test), "phase_%s", set->what);
	report(test, "wall", set->size, set->wall, set->n, "ns");
	for (i = 0; i < N_PHASE_FUNCS; i++)
		if (set->seen[i])
			report(test, phase_funcs[i], set->size, set->fn[i], set->n, "ns");
}

static void bench_phases(uint64_t *anon_buf)
{
	static struct phase_set sets[] = {
		{ .what = "cma_buf", .size = 1 * MIB }, { .what = "heap", .size = 1 * MIB },
		{ .what = "cma_buf", .size = 16 * MIB }, { .what = "heap", .size = 16 * MIB },
		{ .what = "pooled", .size = POOL_SIZE },
		{ .what = "pooled_ioctl", .size = POOL_SIZE },
	};
	char spec[64];
	long base = cma_used();
	uint64_t t0, t;
	size_t i;
	int r, fd, ctl, ret = phase_setup();

	if (ret) {
		printf("# phases: no function graph tracer (%s), not measured\n", strerror(-ret));
		return;
	}
	for (i = 0; i < 4; i += 2)
		for (r = 0; r < PHASE_REPS; r++) {
			settle(anon_buf, sets[i].size);
			phase_begin();
			t0 = now_ns();
			cb_alloc(sets[i].size, 0);
			t = now_ns() - t0;
			phase_end(&sets[i], t);
			cb_free(0);
			wait_used(base);

			settle(anon_buf, sets[i + 1].size);
			phase_begin();
			t0 = now_ns();
			fd = heap_alloc(sets[i + 1].size);
			t = now_ns() - t0;
			phase_end(&sets[i + 1], t);
			close(fd);
			wait_used(base);
		}

	snprintf(spec, sizeof(spec), "%zu*%d", POOL_SIZE, POOL_COUNT);
	pool_set(spec);
	ctl = open("/dev/cma_buf", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open /dev/cma_buf");
	for (r = 0; r < PHASE_REPS; r++) {
		struct cma_buf_alloc req = { .size = POOL_SIZE, .node = CMA_BUF_NODE_ANY,
					     .flags = CMA_BUF_ALLOC_CLOEXEC };

		pool_wait(POOL_SIZE, POOL_COUNT);
		settle(anon_buf, POOL_SIZE);
		phase_begin();
		t0 = now_ns();
		if (try_alloc(POOL_SIZE))
			die("pooled alloc");
		t = now_ns() - t0;
		phase_end(&sets[4], t);
		cb_free(0);

		pool_wait(POOL_SIZE, POOL_COUNT);
		settle(anon_buf, POOL_SIZE);
		phase_begin();
		t0 = now_ns();
		if (ioctl(ctl, CMA_BUF_IOC_ALLOC, &req))
			die("CMA_BUF_IOC_ALLOC");
		t = now_ns() - t0;
		phase_end(&sets[5], t);
		close(req.fd);
	}
	close(ctl);
	pool_set("\n");
	wait_used(base);
	phase_teardown();
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		phase_report(&sets[i]);
}

/* Is @step in @only, "all" or a comma-separated list of steps? */
static int step_wanted(const char *only, const char *step)
{
	size_t n = strlen(step);
	const char *p;

	if (!strcmp(only, "all"))
		return 1;
	for (p = only; (p = strstr(p, step)); p += n)
		if ((p == only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1 * MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB };
	const char *only = argc > 1 ? argv[1] : "all";
#define STEP(name)	step_wanted(only, name)
	uint64_t *anon_buf;
	size_t i;

	if (getenv("BENCH_REP_SCALE"))
		rep_scale = atoi(getenv("BENCH_REP_SCALE")) ?: 1;
	page_size = sysconf(_SC_PAGESIZE);
	alloc_fd = open(SYS "/alloc", O_WRONLY | O_CLOEXEC);
	free_fd = open(SYS "/free", O_WRONLY | O_CLOEXEC);
	heap_fd = -1;
	for (size_t i = 0; i < sizeof(heap_paths) / sizeof(heap_paths[0]) && heap_fd < 0; i++)
		heap_fd = open(heap_paths[i], O_RDONLY | O_CLOEXEC);
	if (alloc_fd < 0 || free_fd < 0 || heap_fd < 0)
		die("open control files");

	/* The zeroing floor runs on memory that is already faulted in. */
	anon_buf = (uint64_t *)map_touch(-1, sizes[4]);
	printf("# cma_buf bench: page %ld, CMA used at start %ld pages\n",
	       page_size, cma_used());

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (STEP("size"))
			bench_size(sizes[i], anon_buf);
	if (STEP("bw"))
		bench_bw(64 * MIB, anon_buf);
	if (STEP("scale"))
		bench_scale();
	if (STEP("pt"))
		bench_pt();
	if (STEP("random"))
		bench_random(anon_buf);
	if (STEP("probe"))
		bench_probe(anon_buf);
	if (STEP("pin"))
		bench_pin(anon_buf);
	if (STEP("pool"))
		bench_pooled("idle", NULL, anon_buf);
	if (STEP("phases"))
		bench_phases(anon_buf);
	/* Last: it fills the guest's memory (and gives it back after). */
	if (STEP("busy"))
		bench_busy(anon_buf);
	printf("# done (%llu)\n", (unsigned long long)(sink & 1));
	return 0;
}
