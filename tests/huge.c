// SPDX-License-Identifier: GPL-2.0
/*
 * Huge mappings: PMD entries wherever a mapping's virtual and physical 2 MiB
 * blocks line up (kernels with huge PFN maps, 6.12 on), 4 KiB entries
 * elsewhere with one fault per 2 MiB block, and data that stays right under
 * everything that splits them. On older kernels: the whole mapping is made
 * at mmap time, as before.
 *
 * Proof: the x86 page table dump of this process (test kernels), VmPTE, the
 * minor fault count, smaps' THPeligible, and /dev/mem for the frames.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <linux/cma_buf.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define HUGE		(2 * CB_MIB)
/* Stock kernels without CMA: the page allocator's largest block. */
#define SIZE		(self->size)
#define PTDUMP_USER	"/sys/kernel/debug/page_tables/current_user"
#define PTDUMP_ALL	"/sys/kernel/debug/page_tables/current_kernel"
#define PTDUMP		(cb_exists(PTDUMP_USER) ? PTDUMP_USER : PTDUMP_ALL)

/* Huge PFN maps came in 6.12, with transparent huge pages. */
static bool huge_kernel(void)
{
	struct utsname u;
	int maj, min;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return false;
	return (maj > 6 || (maj == 6 && min >= 12)) &&
	       cb_exists("/sys/kernel/mm/transparent_hugepage/enabled");
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			kb = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return kb;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* One write per 4 KiB page, of the byte already there; the faults it took. */
static long touch(uint8_t *p, size_t len)
{
	volatile uint8_t *v = p;
	long f0 = minflt();

	for (size_t off = 0; off < len; off += CB_PAGE)
		v[off] = v[off];
	return minflt() - f0;
}

/*
 * From the x86 dump: per 4 KiB page of [addr, addr + len), 'H' for a present
 * PMD entry, 'p' for a present PTE, '.' for anything else. False without a
 * dump (not x86, or not a test kernel).
 */
static bool pt_levels(const void *addr, size_t len, char *lvl)
{
	unsigned long a = (unsigned long)addr, end = a + len;
	char line[512];
	FILE *f = fopen(PTDUMP, "r");

	if (!f)
		return false;
	memset(lvl, '.', len / CB_PAGE);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, x;
		char kind;

		if (sscanf(line, "0x%lx-0x%lx", &lo, &hi) != 2 || hi <= a || lo >= end)
			continue;
		line[strcspn(line, "\n")] = 0;
		if (!strstr(line, "USR"))
			continue;
		if (strlen(line) > 3 && !strcmp(line + strlen(line) - 3, "pmd") && strstr(line, " PSE "))
			kind = 'H';
		else if (strlen(line) > 3 && !strcmp(line + strlen(line) - 3, "pte"))
			kind = 'p';
		else
			continue;
		for (x = lo < a ? a : lo; x < hi && x < end; x += CB_PAGE)
			lvl[(x - a) / CB_PAGE] = kind;
	}
	fclose(f);
	return true;
}

/* The dump line that maps @addr, or "" (and false) where there is none. */
static bool pt_line(const void *addr, char *out, size_t len)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	FILE *f = fopen(PTDUMP, "r");
	bool found = false;

	*out = 0;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "0x%lx-0x%lx", &lo, &hi) == 2 && a >= lo && a < hi) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s", line);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * What the entries over [p, p + len) must be, the mapping's first byte at
 * physical @phys: with huge PFN maps, 'H' for each page of a 2 MiB block
 * that is whole inside and whose virtual and physical offsets agree; 'p'
 * elsewhere.
 */
static void expect_levels(const void *p, size_t len, unsigned long long phys, char *want)
{
	unsigned long a = (unsigned long)p;
	bool lined_up = huge_kernel() && (a - phys) % HUGE == 0;

	for (size_t i = 0; i < len / CB_PAGE; i++) {
		unsigned long x = a + i * CB_PAGE, blk = x & ~(HUGE - 1);

		want[i] = lined_up && blk >= a && blk + HUGE <= a + len ? 'H' : 'p';
	}
}

/* Compare dump and expectation: the first difference as text, or "". */
static const char *levels_differ(const void *p, size_t len, unsigned long long phys,
				 char *msg, size_t msglen)
{
	size_t n = len / CB_PAGE;
	char *got = malloc(n), *want = malloc(n);
	const char *ret = "";

	if (!pt_levels(p, len, got)) {
		free(got);
		free(want);
		return "";
	}
	expect_levels(p, len, phys, want);
	for (size_t i = 0; i < n; i++) {
		if (got[i] != want[i]) {
			snprintf(msg, msglen, "page %zu (+0x%zx): entry '%c', want '%c'", i,
				 i * CB_PAGE, got[i], want[i]);
			ret = msg;
			break;
		}
	}
	free(got);
	free(want);
	return ret;
}

static bool have_devmem(void)
{
	uint8_t b;

	return cb_devmem_read(cb_phys(0), &b, 1) == 1;
}

/*
 * Bytes at @off of the mapping equal physical memory at phys + off, read
 * through /dev/mem; where the kernel keeps /dev/mem to itself (stock
 * kernels), the buffer's pages read through the kernel's own mapping of
 * them (the node's read()).
 */
static bool same_frames(const uint8_t *p, int fd, unsigned long long phys, size_t off, size_t len)
{
	uint8_t tmp[256];
	ssize_t n;

	if (len > sizeof(tmp))
		return false;
	n = have_devmem() ? cb_devmem_read(phys + off, tmp, len) : pread(fd, tmp, len, off);
	return n == (ssize_t)len && !memcmp(tmp, p + off, len);
}

/* An address with offset @shift inside 2 MiB, with room for @len after it. */
static void *reserve_at(size_t len, unsigned long shift)
{
	uint8_t *r = mmap(NULL, len + 2 * HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long a;

	if (r == MAP_FAILED)
		return NULL;
	a = (((unsigned long)r + HUGE - 1) & ~(HUGE - 1)) + shift;
	return (void *)a;
}

static char *smaps_field(const void *addr, const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;

	*out = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char dash;

		if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, key, strlen(key))) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s", line + strlen(key));
			break;
		}
	}
	fclose(f);
	return *out ? out : NULL;
}

FIXTURE(huge) {
	int fd;
	size_t size;
	unsigned long long phys;
	bool huge;
};

FIXTURE_SETUP(huge)
{
	const char *k = getenv("CMA_BUF_KERNEL");

	cb_free_all();
	self->size = k && !strcmp(k, "stock") ? 4 * CB_MIB : 16 * CB_MIB;
	ASSERT_EQ(0, cb_alloc_at(SIZE, 0));
	self->phys = cb_phys(0);
	self->fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->huge = huge_kernel();
}

FIXTURE_TEARDOWN(huge)
{
	close(self->fd);
	cb_free_all();
}

TEST_F(huge, default_alignment_is_2m_from_2m_up)
{
	/* The dma backend gets what the DMA API gives (see the ABI doc). */
	if (strcmp(cb_expected_backend(), "cma"))
		SKIP(return, "alignment by default is the cma backend's");
	EXPECT_EQ(0, self->phys % HUGE) TH_LOG("16M buffer at 0x%llx", self->phys);
	ASSERT_EQ(0, cb_alloc_at(2 * CB_MIB, 1));
	EXPECT_EQ(0, cb_phys(1) % HUGE);
	ASSERT_EQ(0, cb_alloc_at(6 * CB_MIB + CB_PAGE, 2));
	EXPECT_EQ(0, cb_phys(2) % HUGE);
	/* align= still rules. */
	ASSERT_EQ(0, cb_alloc("4M 3 align=4M"));
	EXPECT_EQ(0, cb_phys(3) % (4 * CB_MIB));
}

TEST_F(huge, mmap_null_lines_up_with_the_physical_address)
{
	uint8_t *p, *q;

	if (!self->huge)
		SKIP(return, "no huge PFN maps in this kernel");
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, ((unsigned long)p - self->phys) % HUGE) TH_LOG("%p for 0x%llx", p, self->phys);
	/* From an offset: the same rule for that page's address. */
	/* (The rest of a 4 or 16 MiB buffer always holds a whole 2 MiB block.) */
	q = mmap(NULL, SIZE - 3 * CB_PAGE, PROT_READ, MAP_SHARED, self->fd, 3 * CB_PAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, ((unsigned long)q - (self->phys + 3 * CB_PAGE)) % HUGE);
	munmap(q, SIZE - 3 * CB_PAGE);
	munmap(p, SIZE);
}

TEST_F(huge, whole_mapping_is_pmd_entries_one_fault_per_2m)
{
	long pte0 = status_kb("VmPTE"), faults, pte1;
	char msg[128], s[32];
	uint8_t *p;

	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	faults = touch(p, SIZE);
	pte1 = status_kb("VmPTE");
	if (!self->huge) {
		/* Mapped whole at mmap time: no fault, PTEs for all of it. */
		EXPECT_GE(1, faults);
		EXPECT_LE(SIZE / HUGE * 4, pte1 - pte0) TH_LOG("VmPTE %ld -> %ld kB", pte0, pte1);
		munmap(p, SIZE);
		return;
	}
	EXPECT_EQ(0, ((unsigned long)p - self->phys) % HUGE);
	EXPECT_GE(SIZE / HUGE + 1, faults) TH_LOG("%ld faults for %lu blocks", faults, SIZE / HUGE);
	EXPECT_LE(SIZE / HUGE, faults);
	/* 4 KiB entries would take 4 kB of tables per 2 MiB: 32 kB here. */
	EXPECT_GE(8, pte1 - pte0) TH_LOG("VmPTE %ld -> %ld kB", pte0, pte1);
	EXPECT_STREQ("", levels_differ(p, SIZE, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	ASSERT_NE(NULL, smaps_field(p, "THPeligible:", s, sizeof(s)));
	EXPECT_EQ(1, atoi(s));
	/* The frames are the buffer's: the pattern at physical addresses. */
	cb_fill(p, SIZE, 0, 3);
	for (size_t off = 0; off < SIZE; off += HUGE / 2 + 4 * CB_PAGE) {
		EXPECT_TRUE(same_frames(p, self->fd, self->phys, off, 256)) TH_LOG("offset 0x%zx", off);
	}
	munmap(p, SIZE);
}

TEST_F(huge, offset_mapping_huge_in_the_middle_ptes_at_the_ends)
{
	size_t len = SIZE / 2, off = 5 * CB_PAGE;
	char msg[128];
	uint8_t *p;
	long faults;

	if (!self->huge)
		SKIP(return, "no huge PFN maps in this kernel");
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 9);
	munmap(p, SIZE);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	faults = touch(p, len);
	/* Head, whole blocks, tail: no more than a fault per 2 MiB window. */
	EXPECT_GE(len / HUGE + 2, faults) TH_LOG("%ld faults", faults);
	EXPECT_STREQ("", levels_differ(p, len, self->phys + off, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(-1, cb_check(p, len, off, 9));
	munmap(p, len);
}

TEST_F(huge, map_fixed_off_line_is_ptes_one_fault_per_2m)
{
	size_t len = SIZE / 2;
	uint8_t *where = reserve_at(len, (self->phys + 16 * CB_PAGE) % HUGE), *p;
	char msg[128];
	long faults;

	ASSERT_NE(NULL, where);
	p = mmap(where, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, self->fd, 0);
	ASSERT_EQ(where, p);
	faults = touch(p, len);
	if (self->huge) {
		EXPECT_GE(len / HUGE + 1, faults) TH_LOG("%ld faults", faults);
	} else {
		EXPECT_GE(1, faults);
	}
	EXPECT_STREQ("", levels_differ(p, len, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	cb_fill(p, len, 0, 4);
	EXPECT_TRUE(same_frames(p, self->fd, self->phys, len - CB_MIB + 100, 200));
	munmap(p, len);
}

TEST_F(huge, partial_munmap_splits_and_keeps_the_rest)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	size_t hole = HUGE + 8 * CB_PAGE;
	char msg[128];

	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 5);
	ASSERT_EQ(0, munmap(p + hole, CB_PAGE));
	EXPECT_EQ(2, cb_attr_ull(0, "mappings"));
	/* Both sides of the hole still read the buffer, and refault right. */
	EXPECT_EQ(-1, cb_check(p, hole, 0, 5));
	EXPECT_EQ(-1, cb_check(p + hole + CB_PAGE, SIZE - hole - CB_PAGE, hole + CB_PAGE, 5));
	EXPECT_STREQ("", levels_differ(p, hole, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_STREQ("", levels_differ(p + hole + CB_PAGE, SIZE - hole - CB_PAGE,
				      self->phys + hole + CB_PAGE, msg, sizeof(msg))) TH_LOG("%s", msg);
	munmap(p, hole);
	munmap(p + hole + CB_PAGE, SIZE - hole - CB_PAGE);
	EXPECT_EQ(0, cb_attr_ull(0, "mappings"));
}

TEST_F(huge, mprotect_of_one_page_in_a_huge_entry)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	size_t ro = HUGE + 4 * CB_PAGE;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 6);
	ASSERT_EQ(0, mprotect(p + ro, CB_PAGE, PROT_READ));
	/* Readable, and the same bytes; writing it kills the writer. */
	EXPECT_EQ(-1, cb_check(p + ro, CB_PAGE, ro, 6));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		p[ro + 1] = 0;
		_exit(0);
	}
	EXPECT_EQ(128 + SIGSEGV, cb_wait(pid));
	/* Its neighbours in the same 2 MiB stay writable. */
	p[ro - 1] = 0xa1;
	p[ro + CB_PAGE] = 0xa2;
	EXPECT_EQ(0xa1, p[ro - 1]);
	EXPECT_TRUE(same_frames(p, self->fd, self->phys, ro + CB_PAGE, 16));
	ASSERT_EQ(0, mprotect(p + ro, CB_PAGE, PROT_READ | PROT_WRITE));
	p[ro + 1] = 0xa3;
	EXPECT_TRUE(same_frames(p, self->fd, self->phys, ro, 16));
	munmap(p, SIZE);
}

TEST_F(huge, mremap_move_keeps_data_and_refaults_huge)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	uint8_t *to = reserve_at(SIZE, self->phys % HUGE), *q, *r;
	char msg[128];

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(NULL, to);
	cb_fill(p, SIZE, 0, 7);
	q = mremap(p, SIZE, SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_EQ(to, q);
	EXPECT_EQ(-1, cb_check(q, SIZE, 0, 7));
	EXPECT_STREQ("", levels_differ(q, SIZE, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(1, cb_attr_ull(0, "mappings"));
	/* Moved off line: 4 KiB entries, the same bytes. */
	to = reserve_at(SIZE, (self->phys + CB_PAGE) % HUGE);
	ASSERT_NE(NULL, to);
	r = mremap(q, SIZE, SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_EQ(to, r);
	EXPECT_EQ(-1, cb_check(r, SIZE, 0, 7));
	EXPECT_STREQ("", levels_differ(r, SIZE, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	/* Growing stays refused (VM_DONTEXPAND). */
	EXPECT_EQ(MAP_FAILED, mremap(r, SIZE, SIZE + HUGE, 0));
	munmap(r, SIZE);
}

TEST_F(huge, fork_shares_the_huge_mapping)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	pid_t pid;

	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 8);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (cb_check(p, SIZE, 0, 8) != -1)
			_exit(1);
		p[SIZE - HUGE + 77] = 0xc4;
		_exit(0);
	}
	EXPECT_EQ(0, cb_wait(pid));
	EXPECT_EQ(0xc4, p[SIZE - HUGE + 77]);
	EXPECT_TRUE(same_frames(p, self->fd, self->phys, SIZE - HUGE, 128));
	EXPECT_EQ(1, cb_attr_ull(0, "mappings"));
	munmap(p, SIZE);
}

TEST_F(huge, madvise_dontneed_is_refused_and_data_stays)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 10);
	/* The kernel keeps PFN maps out of MADV_DONTNEED. */
	EXPECT_EQ(-1, madvise(p, SIZE, MADV_DONTNEED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, cb_check(p, SIZE, 0, 10));
	/* MADV_NOHUGEPAGE: from then on, faults map 4 KiB entries. */
	munmap(p, SIZE);
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, SIZE, MADV_NOHUGEPAGE));
	EXPECT_EQ(-1, cb_check(p, SIZE, 0, 10));
	if (cb_exists(PTDUMP)) {
		char *lvl = malloc(SIZE / CB_PAGE);

		ASSERT_TRUE(pt_levels(p, SIZE, lvl));
		EXPECT_EQ(NULL, memchr(lvl, 'H', SIZE / CB_PAGE));
		EXPECT_EQ(NULL, memchr(lvl, '.', SIZE / CB_PAGE));
		free(lvl);
	}
	munmap(p, SIZE);
}

/* x86 with PAT: a PMD entry carries the memory type as a 4 KiB one would. */
TEST_F(huge, cache_modes_reach_the_pmd_entries)
{
	char line[512];

	for (size_t i = 0; i < CB_NR_CACHE_MODES; i++) {
		const char *mode = cb_cache_modes[i].mode, *bits = cb_cache_modes[i].bits;
		uint8_t *p = cb_map_in_mode(0, self->fd, mode, SIZE);

		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", mode);
		cb_fill(p, SIZE, 0, 11 + i);
		EXPECT_EQ(-1, cb_check(p, SIZE, 0, 11 + i)) TH_LOG("%s", mode);
		EXPECT_TRUE(same_frames(p, self->fd, self->phys, SIZE - HUGE + 3, 100));
		if (self->huge && pt_line(p + HUGE, line, sizeof(line))) {
			EXPECT_NE(NULL, strstr(line, " PSE ")) TH_LOG("%s: %s", mode, line);
			if (*bits) {
				EXPECT_NE(NULL, strstr(line, bits)) TH_LOG("%s: %s", mode, line);
			} else {
				EXPECT_EQ(NULL, strstr(line, " PCD"));
				EXPECT_EQ(NULL, strstr(line, " PWT"));
			}
		}
		munmap(p, SIZE);
	}
}

TEST_F(huge, o_sync_of_an_uncached_buffer_maps_huge_uncached)
{
	char path[128], line[512];
	uint8_t *p;
	int fd;

	cb_attr_path(path, sizeof(path), 0, "cache");
	ASSERT_EQ(0, cb_write_str(path, "uncached"));
	fd = cb_open(0, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, SIZE, 0, 14);
	EXPECT_TRUE(same_frames(p, self->fd, self->phys, SIZE - 200, 200));
	if (self->huge && pt_line(p, line, sizeof(line))) {
		EXPECT_NE(NULL, strstr(line, " PSE ")) TH_LOG("%s", line);
		EXPECT_NE(NULL, strstr(line, " PCD ")) TH_LOG("%s", line);
	}
	munmap(p, SIZE);
	close(fd);
}

TEST_F(huge, free_while_mapped_then_first_touch)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	long used = cb_cma_used();
	bool devmem = have_devmem();
	uint8_t b[64];

	ASSERT_NE(MAP_FAILED, p);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	/* Nothing is mapped in yet: every fault comes after the free. */
	EXPECT_TRUE(cb_all_zero(p, SIZE));
	cb_fill(p, SIZE, 0, 15);
	if (devmem) {
		ASSERT_EQ(64, cb_devmem_read(self->phys + HUGE + 5, b, 64));
		EXPECT_EQ(-1, cb_check(b, 64, HUGE + 5, 15));
	}
	if (used >= 0) {
		EXPECT_EQ(used, cb_cma_used());
	}
	munmap(p, SIZE);
	if (used >= 0 && !strcmp(cb_expected_backend(), "cma")) {
		EXPECT_EQ(used - (long)(SIZE / CB_PAGE), cb_cma_used());
	}
}

TEST_F(huge, dmabuf_mappings_are_huge_where_they_line_up)
{
	size_t plen = SIZE - HUGE;
	int whole = cb_export(self->fd, 0, 0, O_RDWR), part = cb_export(self->fd, HUGE, plen, O_RDWR);
	uint8_t *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	uint8_t *where, *p;
	char msg[128];
	long faults;

	ASSERT_LE(0, whole);
	ASSERT_LE(0, part);
	ASSERT_NE(MAP_FAILED, map);
	cb_fill(map, SIZE, 0, 16);
	where = reserve_at(SIZE, self->phys % HUGE);
	ASSERT_NE(NULL, where);
	p = mmap(where, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, whole, 0);
	ASSERT_EQ(where, p);
	faults = touch(p, SIZE);
	if (self->huge) {
		EXPECT_GE(SIZE / HUGE + 1, faults);
	}
	EXPECT_STREQ("", levels_differ(p, SIZE, self->phys, msg, sizeof(msg))) TH_LOG("%s", msg);
	EXPECT_EQ(-1, cb_check(p, SIZE, 0, 16));
	munmap(p, SIZE);
	/* A slice from 2 MiB: its own offset counts. */
	where = reserve_at(plen, (self->phys + HUGE) % HUGE);
	ASSERT_NE(NULL, where);
	p = mmap(where, plen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, part, 0);
	ASSERT_EQ(where, p);
	EXPECT_EQ(-1, cb_check(p, plen, HUGE, 16));
	EXPECT_STREQ("", levels_differ(p, plen, self->phys + HUGE, msg, sizeof(msg)))
		TH_LOG("%s", msg);
	p[7] = 0xd7;
	EXPECT_EQ(0xd7, map[HUGE + 7]);
	munmap(p, plen);
	munmap(map, SIZE);
	close(whole);
	close(part);
}

TEST_HARNESS_MAIN
