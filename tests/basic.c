// SPDX-License-Identifier: GPL-2.0
/*
 * The used-by path: alloc, publish, map, prove the physical address, free.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

FIXTURE(buf) {
	long used0;	/* CMA pages in use before the test, -1 without debugfs */
};

FIXTURE_SETUP(buf)
{
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(buf)
{
	cb_free_all();
}

TEST_F(buf, alloc_creates_sysfs_dir_and_node)
{
	char dev[32];
	struct stat st;
	unsigned int maj, mi;

	ASSERT_EQ(0, cb_alloc("4M\n"));
	ASSERT_TRUE(cb_buf_exists(0));
	ASSERT_EQ(0, stat("/dev/cma_buf0", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 0777);
	ASSERT_LT(0, cb_attr(0, "dev", dev, sizeof(dev)));
	ASSERT_EQ(2, sscanf(dev, "%u:%u", &maj, &mi));
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(0, mi);
	EXPECT_EQ(0, minor(st.st_rdev));
}

TEST_F(buf, phys_addr_is_0x_hex_and_page_aligned)
{
	char s[64], *end;
	unsigned long long phys;

	ASSERT_EQ(0, cb_alloc("4M"));
	ASSERT_LT(0, cb_attr(0, "phys_addr", s, sizeof(s)));
	ASSERT_EQ(0, strncmp(s, "0x", 2)) TH_LOG("phys_addr reads '%s'", s);
	phys = strtoull(s + 2, &end, 16);
	EXPECT_EQ('\n', *end);
	EXPECT_NE(0, phys);
	EXPECT_EQ(0, phys % CB_PAGE);
	EXPECT_EQ(4 * CB_MIB, cb_size(0));
}

TEST_F(buf, size_rounds_up_to_pages)
{
	ASSERT_EQ(0, cb_alloc_at(5000, 0));
	EXPECT_EQ(2 * CB_PAGE, cb_size(0));
	ASSERT_EQ(0, cb_alloc_at(1, 1));
	EXPECT_EQ(CB_PAGE, cb_size(1));
	ASSERT_EQ(0, cb_alloc_at(3 * CB_PAGE, 2));
	EXPECT_EQ(3 * CB_PAGE, cb_size(2));
}

TEST_F(buf, lowest_free_index_is_used)
{
	ASSERT_EQ(0, cb_alloc("64K"));
	ASSERT_EQ(0, cb_alloc("64K"));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(2));
	ASSERT_EQ(0, cb_free(1));
	EXPECT_FALSE(cb_buf_exists(1));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(1));
	EXPECT_FALSE(cb_buf_exists(3));
}

TEST_F(buf, mmap_whole_buffer_reads_zero_then_pattern)
{
	size_t size = 4 * CB_MIB;
	uint8_t *p;
	int fd;

	ASSERT_EQ(0, cb_alloc("4M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(cb_all_zero(p, size));
	cb_fill(p, size, 0, 1);
	EXPECT_EQ(-1, cb_check(p, size, 0, 1));
	ASSERT_EQ(0, munmap(p, size));
	/* A second mapping sees what the first wrote: same pages. */
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, size, 0, 1));
	munmap(p, size);
	close(fd);
}

TEST_F(buf, dev_mem_at_phys_addr_shows_mapped_bytes)
{
	size_t size = 4 * CB_MIB;
	unsigned long offs[] = { 0, 4096, 123457, size / 2 + 17, size - 4096 };
	unsigned long long phys;
	uint8_t *p, got[4096];
	int fd;

	ASSERT_EQ(0, cb_alloc("4M"));
	phys = cb_phys(0);
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, size, 0, 7);
	if (cb_devmem_read(phys, got, 1) < 0)
		SKIP(goto out, "/dev/mem is not readable here (STRICT_DEVMEM kernel)");
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t len = size - offs[i] < sizeof(got) ? size - offs[i] : sizeof(got);

		ASSERT_EQ((ssize_t)len, cb_devmem_read(phys + offs[i], got, len));
		EXPECT_EQ(-1, cb_check(got, len, offs[i], 7))
			TH_LOG("offset %lu differs from the mapping", offs[i]);
	}
out:
	munmap(p, size);
	close(fd);
}

TEST_F(buf, buffer_lies_in_a_cma_area_and_is_marked_used)
{
	char area[64];
	unsigned long long phys;

	/* Areas' bounds and bitmaps are in debugfs only (the test kernels). */
	if (!cb_have_cma_debugfs())
		SKIP(return, "no CMA debugfs on this kernel");
	ASSERT_EQ(0, cb_alloc("4M"));
	phys = cb_phys(0);
	ASSERT_TRUE(cb_in_cma_area(phys, 4 * CB_MIB, true, area, sizeof(area)))
		TH_LOG("0x%llx + 4M is not a used range of a CMA area", phys);
}

TEST_F(buf, free_returns_cma_pages)
{
	if (self->used0 < 0)
		SKIP(return, "no CMA accounting (debugfs or sysfs) on this kernel");
	ASSERT_EQ(0, cb_alloc("4M"));
	EXPECT_EQ(self->used0 + 1024, cb_cma_used());
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(self->used0, cb_cma_used());
}

TEST_F(buf, free_removes_sysfs_dir_and_node)
{
	ASSERT_EQ(0, cb_alloc("1M"));
	ASSERT_TRUE(cb_node_exists(0));
	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(-1, cb_open(0, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, cb_free(0));
}

TEST_F(buf, mmap_at_page_offset_maps_that_page)
{
	size_t size = CB_MIB;
	uint8_t *whole, *part;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	whole = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, whole);
	cb_fill(whole, size, 0, 3);
	part = mmap(NULL, 2 * CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 5 * CB_PAGE);
	ASSERT_NE(MAP_FAILED, part);
	EXPECT_EQ(-1, cb_check(part, 2 * CB_PAGE, 5 * CB_PAGE, 3));
	/* The last page, mapped alone, is the buffer's last page. */
	munmap(part, 2 * CB_PAGE);
	part = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, size - CB_PAGE);
	ASSERT_NE(MAP_FAILED, part);
	EXPECT_EQ(-1, cb_check(part, CB_PAGE, size - CB_PAGE, 3));
	munmap(part, CB_PAGE);
	munmap(whole, size);
	close(fd);
}

TEST_F(buf, mmap_past_the_end_is_einval)
{
	size_t size = CB_MIB;
	void *p;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size + CB_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * CB_PAGE, PROT_READ, MAP_SHARED, fd, size - CB_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, size);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(buf, two_buffers_do_not_overlap)
{
	unsigned long long a, b, sa, sb;
	uint8_t *pa, *pb;
	int fa, fb;

	ASSERT_EQ(0, cb_alloc_at(4 * CB_MIB, 0));
	ASSERT_EQ(0, cb_alloc_at(2 * CB_MIB, 1));
	a = cb_phys(0);
	b = cb_phys(1);
	sa = cb_size(0);
	sb = cb_size(1);
	EXPECT_TRUE(a + sa <= b || b + sb <= a)
		TH_LOG("[0x%llx,+0x%llx) overlaps [0x%llx,+0x%llx)", a, sa, b, sb);
	fa = cb_open(0, O_RDWR);
	fb = cb_open(1, O_RDWR);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	pa = mmap(NULL, sa, PROT_READ | PROT_WRITE, MAP_SHARED, fa, 0);
	pb = mmap(NULL, sb, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
	ASSERT_NE(MAP_FAILED, pa);
	ASSERT_NE(MAP_FAILED, pb);
	cb_fill(pa, sa, 0, 11);
	cb_fill(pb, sb, 0, 12);
	EXPECT_EQ(-1, cb_check(pa, sa, 0, 11));
	EXPECT_EQ(-1, cb_check(pb, sb, 0, 12));
	munmap(pa, sa);
	munmap(pb, sb);
	close(fa);
	close(fb);
}

TEST_F(buf, bigger_than_cma_is_enomem_and_leaves_nothing)
{
	ASSERT_EQ(-ENOMEM, cb_alloc("512M"));
	EXPECT_EQ(0, cb_count());
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(self->used0, cb_cma_used());
	/* And the next allocation still gets index 0. */
	ASSERT_EQ(0, cb_alloc("1M"));
	EXPECT_TRUE(cb_buf_exists(0));
}

TEST_F(buf, backend_and_origin_are_published)
{
	char s[64];
	const char *want = cb_expected_backend();

	ASSERT_LT(0, cb_read(CB_CLASS "/backend", s, sizeof(s)));
	EXPECT_EQ(0, strncmp(s, want, strlen(want))) TH_LOG("backend reads '%s'", s);
	ASSERT_EQ(0, cb_alloc("1M"));
	ASSERT_LT(0, cb_attr(0, "origin", s, sizeof(s)));
	if (!strcmp(want, "cma")) {
		EXPECT_STREQ("reserved\n", s);
	} else {
		EXPECT_STREQ("dma\n", s);
	}
}

TEST_HARNESS_MAIN
