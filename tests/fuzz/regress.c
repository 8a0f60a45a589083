// SPDX-License-Identifier: GPL-2.0
/*
 * Regression checks for what the fuzzer (tests/fuzz/fuzz.c) found, one test
 * each, in the kselftest harness. Run in the debug VM by tests/fuzz/stress.sh
 * after the fuzzer, and by hand: /extra/regress in make vm-run.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

/* /dev/kmsg positioned at its end: what the kernel logs from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Copy the first new kernel message containing @needle into @line. */
static bool kmsg_find(int fd, const char *needle, char *line, size_t len)
{
	char rec[2048];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		if (strstr(rec, needle)) {
			snprintf(line, len, "%s", rec);
			return true;
		}
	}
	return false;
}

FIXTURE(reg) {
	long used0;
};

FIXTURE_SETUP(reg)
{
	ASSERT_EQ(0, cb_module_ensure_loaded());
	cb_free_all();
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(reg)
{
	cb_free_all();
}

/*
 * fuzz seed 2 (x86, PAT): a mapping made while the buffer was cached stays
 * write-back after "writecombine" or "uncached" is written to cache, while
 * the pages' memory type (the kernel's linear map) changes: two mappings of
 * the same RAM with conflicting types. PAT notices when the mapping is copied
 * at fork: "x86/PAT: ... map pfn RAM range req write-back ..., got
 * write-combining". A cache mode change must not leave such an alias (refuse
 * it with EBUSY while mapped, or change the existing mappings too).
 */
TEST_F(reg, cache_change_while_mapped_leaves_no_memtype_alias)
{
	static const char *const modes[] = { "writecombine", "uncached" };

	for (int m = 0; m < 2; m++) {
		char path[128], line[2048];
		int fd, kfd, err;
		uint8_t *p;
		pid_t pid;

		cb_free_all();
		ASSERT_EQ(0, cb_alloc_at(64 * 1024, 0));
		fd = cb_open(0, O_RDWR);
		ASSERT_LE(0, fd);
		p = mmap(NULL, CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		p[0] = 1;
		kfd = kmsg_open();
		ASSERT_LE(0, kfd);
		cb_attr_path(path, sizeof(path), 0, "cache");
		err = cb_write_str(path, modes[m]);
		if (!err) {
			/* Allowed by the ABI; then nothing may alias. */
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid)
				_exit(p[0] != 1);
			EXPECT_EQ(0, cb_wait(pid));
			EXPECT_FALSE(kmsg_find(kfd, "x86/PAT", line, sizeof(line)))
				TH_LOG("cache=%s while mapped write-back: %s", modes[m], line);
		} else {
			EXPECT_EQ(-EBUSY, err);
		}
		close(kfd);
		munmap(p, CB_PAGE);
		close(fd);
		cb_free_all();
	}
	EXPECT_EQ(self->used0, cb_cma_used());
}

/* Guard: a mapping never grows past the buffer, whatever mremap is asked. */
TEST_F(reg, mremap_never_grows)
{
	int fd;
	void *p, *q;

	ASSERT_EQ(0, cb_alloc_at(2 * CB_PAGE, 0));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, CB_PAGE, 2 * CB_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	munmap(p, CB_PAGE);
	close(fd);
}

/*
 * make check (CI), x86: with fault injection, remap_pfn_range() failed to
 * allocate the page tables of a mapping's first page, and 6.1.y's error
 * path WARNed ("WARNING: ... at arch/x86/mm/pat/memtype.c:1028
 * untrack_pfn"): it reads the memory type back from that page's PTE. An
 * mmap that runs out of memory must fail with ENOMEM, log nothing, keep no
 * mapping count (a cache mode change works afterwards) and leave a working
 * buffer.
 *
 * Each try maps 4 pages across a 1 GiB boundary in a 512 GiB slot of its
 * own, so every page table level is allocated afresh: the sweep fails the
 * 1st, 2nd, ... allocation, covering both the first page's tables and the
 * ones remap_pfn_range() needs in the middle of the range.
 */
#define REG_FAIL_DBG	"/sys/kernel/debug"
#define REG_SLOT	0x8000000000UL		/* what one top-level entry maps */
#define REG_BASE	0x100000000000UL
#define REG_TRIES	100

static int reg_knob(const char *attr, const char *knob, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), REG_FAIL_DBG "/%s/%s", attr, knob);
	return cb_write_str(path, val);
}

TEST_F(reg, mmap_out_of_page_tables_fails_quietly)
{
	unsigned int nth, injected = 0, enomem = 0;
	char path[128], line[2048], s[16];
	int fd, kfd, nthfd;
	uint8_t *p;

	nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nthfd < 0 || reg_knob("fail_page_alloc", "verbose", "0"))
		SKIP(return, "no fault injection in this kernel");
	/* Page tables are order-0 GFP_KERNEL: not skipped, not a stack dump. */
	ASSERT_EQ(0, reg_knob("fail_page_alloc", "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, reg_knob("fail_page_alloc", "min-order", "0"));
	ASSERT_EQ(0, reg_knob("failslab", "verbose", "0"));
	ASSERT_EQ(0, reg_knob("failslab", "ignore-gfp-wait", "N"));

	ASSERT_EQ(0, cb_alloc_at(64 * 1024, 0));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, pwrite(fd, "abcd", 4, 4 * CB_PAGE));
	kfd = kmsg_open();
	ASSERT_LE(0, kfd);
	for (nth = 1; nth < REG_TRIES; nth++) {
		void *want = (void *)(REG_BASE + nth * REG_SLOT + (1UL << 30) - 2 * CB_PAGE);
		int err;

		snprintf(s, sizeof(s), "%u", nth);
		ASSERT_LT(0, pwrite(nthfd, s, strlen(s), 0));
		p = mmap(want, 4 * CB_PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, CB_PAGE);
		err = p == MAP_FAILED ? errno : 0;
		/* fail-nth reads 0 once the nth call failed, else what is left. */
		ASSERT_LT(0, pread(nthfd, s, sizeof(s) - 1, 0));
		s[sizeof(s) - 1] = 0;
		ASSERT_LT(0, pwrite(nthfd, "0", 1, 0));
		if (p != MAP_FAILED) {
			EXPECT_EQ(want, p);
			/* Buffer page 4 is the mapping's page 3: past the boundary. */
			EXPECT_EQ(0, memcmp(p + 3 * CB_PAGE, "abcd", 4));
			munmap(p, 4 * CB_PAGE);
		} else {
			EXPECT_EQ(ENOMEM, err);
			enomem += err == ENOMEM;
		}
		if (atoi(s))
			break;		/* the call made fewer than nth allocations */
		injected++;
	}
	TH_LOG("%u injected failures, %u mmap calls failed with ENOMEM", injected, enomem);
	EXPECT_LT(0, enomem);
	EXPECT_GT(REG_TRIES, nth);
	EXPECT_FALSE(kmsg_find(kfd, "WARNING", line, sizeof(line)))
		TH_LOG("kernel: %s", line);
	close(kfd);
	/* A failed mmap left no mapping counted: the mode may change (x86: EBUSY if mapped). */
	cb_attr_path(path, sizeof(path), 0, "cache");
	EXPECT_EQ(0, cb_write_str(path, "writecombine"));
	EXPECT_EQ(0, cb_write_str(path, "cached"));
	close(fd);
	close(nthfd);
	reg_knob("fail_page_alloc", "ignore-gfp-wait", "Y");
	reg_knob("fail_page_alloc", "min-order", "1");
	reg_knob("failslab", "ignore-gfp-wait", "Y");
}

TEST_HARNESS_MAIN
