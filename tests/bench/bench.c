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
 *   scale  - alloc + free of 1 MiB with 10, 100, 1000, 4000 64 KiB buffers live
 *   probe  - small variants that split the alloc cost (fixed vs per byte)
 *   pin    - a pinnable buffer against a default one: mmap + touch, and a
 *            64 MiB O_DIRECT write to a RAM disk from its mapping vs from
 *            anonymous memory
 *
 * Output: one CSV line per result on stdout,
 *   R,<test>,<impl>,<bytes>,<reps>,<median>,<min>,<max>,<unit>
 * where unit is ns (latency) or MBps (bandwidth). Anything else is a comment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-heap.h>

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

static void report(const char *test, const char *impl, size_t bytes,
		   uint64_t *v, int n, const char *unit)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("R,%s,%s,%zu,%d,%llu,%llu,%llu,%s\n", test, impl, bytes, n,
	       (unsigned long long)v[n / 2], (unsigned long long)v[0],
	       (unsigned long long)v[n - 1], unit);
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

/* alloc + free of 1 MiB (lowest free index) with @live 64 KiB buffers around. */
static void bench_scale(void)
{
	static const int lives[] = { 10, 100, 1000, 4000 };
	uint64_t v[MAX_REPS], t0;
	int live = 0, i, r, reps = 21 * rep_scale;
	char node[64], cmd[32];
	struct stat st;
	int mp = open("/sys/module/cma_buf/parameters/max_buffers", O_WRONLY);

	if (mp < 0)
		die("open max_buffers");
	write_str(mp, "8192");
	close(mp);
	if (reps > MAX_REPS)
		reps = MAX_REPS;
	for (i = 0; i < 4; i++) {
		while (live < lives[i])
			cb_alloc(SCALE_FILL_SIZE, live++);
		node_name(node, sizeof(node), live);
		snprintf(cmd, sizeof(cmd), "%d", live);
		for (r = 0; r < reps; r++) {
			t0 = now_ns();
			write_str(alloc_fd, "1M");
			while (stat(node, &st))
				;
			write_str(free_fd, cmd);
			v[r] = now_ns() - t0;
		}
		report("scale", "cma_buf", lives[i], v, reps, "ns");
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

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1 * MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB };
	const char *only = argc > 1 ? argv[1] : "all";
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
		if (!strcmp(only, "all") || !strcmp(only, "size"))
			bench_size(sizes[i], anon_buf);
	if (!strcmp(only, "all") || !strcmp(only, "bw"))
		bench_bw(64 * MIB, anon_buf);
	if (!strcmp(only, "all") || !strcmp(only, "scale"))
		bench_scale();
	if (!strcmp(only, "all") || !strcmp(only, "pt"))
		bench_pt();
	if (!strcmp(only, "all") || !strcmp(only, "random"))
		bench_random(anon_buf);
	if (!strcmp(only, "all") || !strcmp(only, "probe"))
		bench_probe(anon_buf);
	if (!strcmp(only, "all") || !strcmp(only, "pin"))
		bench_pin(anon_buf);
	printf("# done (%llu)\n", (unsigned long long)(sink & 1));
	return 0;
}
