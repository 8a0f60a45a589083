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

TEST_HARNESS_MAIN
