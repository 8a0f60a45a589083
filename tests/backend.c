// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation backends: which one is active, alignment honoured or refused
 * (never ignored), and what a kernel without CMA can and cannot give.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

static bool is_dma(void)
{
	return !strcmp(cb_expected_backend(), "dma");
}

static bool stock_kernel(void)
{
	const char *k = getenv("CMA_BUF_KERNEL");

	return k && !strcmp(k, "stock");
}

FIXTURE(backend) {
	long used0;
};

FIXTURE_SETUP(backend)
{
	cb_free_all();
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(backend)
{
	cb_free_all();
}

TEST_F(backend, backend_file_names_the_expected_allocator)
{
	char s[16];

	ASSERT_LT(0, cb_read(CB_CLASS "/backend", s, sizeof(s)));
	EXPECT_EQ(0, strncmp(s, cb_expected_backend(), 3));
	EXPECT_EQ('\n', s[3]);
}

TEST_F(backend, alignment_within_what_the_backend_guarantees_is_honoured)
{
	ASSERT_EQ(0, cb_alloc("2M 0 align=1M"));
	EXPECT_EQ(0, cb_phys(0) % CB_MIB) TH_LOG("phys 0x%llx", cb_phys(0));
	ASSERT_EQ(0, cb_alloc("64K align=64K 1"));
	EXPECT_EQ(0, cb_phys(1) % (64 * 1024));
	ASSERT_EQ(0, cb_alloc("8K 2 align=1"));
	EXPECT_EQ(8192, cb_size(2));
}

TEST_F(backend, large_alignment_is_honoured_by_cma_and_refused_by_dma)
{
	int ret = cb_alloc("64K 0 align=16M");

	if (is_dma()) {
		EXPECT_EQ(-EINVAL, ret);
		EXPECT_EQ(0, cb_count());
		EXPECT_EQ(self->used0, cb_cma_used());
	} else {
		ASSERT_EQ(0, ret);
		EXPECT_EQ(0, cb_phys(0) % (16 * CB_MIB)) TH_LOG("phys 0x%llx", cb_phys(0));
		EXPECT_EQ(64 * 1024, cb_size(0));
	}
}

TEST_F(backend, impossible_alignments_are_einval_and_leave_nothing)
{
	const char *bad[] = { "64K align=3", "64K align=0", "64K align=", "64K align=1024G",
			      "64K align=4K align=4K", "64K align=0x", "64K align=-4K" };

	for (int i = 0; i < 7; i++) {
		const char *s = bad[i];

		EXPECT_EQ(-EINVAL, cb_alloc(s)) TH_LOG("'%s'", s);
	}
	EXPECT_EQ(0, cb_count());
	EXPECT_EQ(self->used0, cb_cma_used());
}

TEST_F(backend, stock_kernel_gives_1m_and_4m_end_to_end)
{
	unsigned long sizes[] = { CB_MIB, 4 * CB_MIB };

	if (!stock_kernel())
		SKIP(return, "for the stock kernel leg");
	for (int i = 0; i < 2; i++) {
		uint8_t *p;
		int fd;

		ASSERT_EQ(0, cb_alloc_at(sizes[i], i));
		EXPECT_EQ(sizes[i], cb_size(i));
		fd = cb_open(i, O_RDWR);
		ASSERT_LE(0, fd);
		p = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(cb_all_zero(p, sizes[i]));
		cb_fill(p, sizes[i], 0, 30 + i);
		EXPECT_EQ(-1, cb_check(p, sizes[i], 0, 30 + i));
		munmap(p, sizes[i]);
		close(fd);
	}
}

TEST_F(backend, stock_kernel_refuses_8m_and_64m_with_enomem)
{
	if (!stock_kernel())
		SKIP(return, "for the stock kernel leg");
	EXPECT_EQ(-ENOMEM, cb_alloc("8M"));
	EXPECT_EQ(-ENOMEM, cb_alloc("64M 5"));
	EXPECT_EQ(0, cb_count());
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_FALSE(cb_node_exists(5));
}

TEST_F(backend, cma_area_gives_64m_on_the_test_kernel)
{
	if (stock_kernel())
		SKIP(return, "the stock kernel has no CMA area");
	ASSERT_EQ(0, cb_alloc("64M"));
	EXPECT_EQ(self->used0 + 64 * 256, cb_cma_used());
	/* The area's bounds and bitmap: in debugfs only (the test kernels). */
	if (cb_have_cma_debugfs())
		EXPECT_TRUE(cb_in_cma_area(cb_phys(0), 64 * CB_MIB, true, NULL, 0));
}

TEST_F(backend, load_refuses_a_backend_the_kernel_cannot_give)
{
	if (!getenv("CMA_BUF_MODULE"))
		SKIP(return, "the module's path is not known here");
	ASSERT_EQ(0, cb_module_unload(O_NONBLOCK));
	EXPECT_EQ(-EINVAL, cb_module_load_params("backend=bogus"));
	EXPECT_FALSE(cb_module_loaded());
	/* Only where the kernel does not export cma_alloc() to modules. */
	if (stock_kernel()) {
		EXPECT_EQ(-EOPNOTSUPP, cb_module_load_params("backend=cma"));
		EXPECT_FALSE(cb_module_loaded());
	}
	ASSERT_EQ(0, cb_module_ensure_loaded());
	EXPECT_TRUE(cb_module_loaded());
}

TEST_HARNESS_MAIN
