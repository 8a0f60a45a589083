// SPDX-License-Identifier: GPL-2.0
/*
 * The pool: buffers of chosen sizes held ready and zeroed. Specs are parsed
 * strictly (EINVAL, nothing changed); a pooled alloc takes a ready entry; a
 * freed buffer's pages come back zeroed; the pool counts against max_bytes,
 * shrinks on request, refills after injected failures, and gives every page
 * back on unload.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define PL_FILE		CB_CLASS "/pool"
#define PL_PAGES	(CB_MIB / CB_PAGE)

/* The line of @size in the pool file: count, ready, refilling; -1 if absent. */
static int pl_state(unsigned long size, unsigned int *count, unsigned int *ready,
		    unsigned int *refilling)
{
	char buf[1024], *line, *save = NULL;

	if (cb_read(PL_FILE, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s;

		if (sscanf(line, "%lu %u %u %u", &s, count, ready, refilling) == 4 && s == size)
			return 0;
	}
	return -1;
}

/* Wait for @size to have @want ready and nothing refilling. */
static bool pl_wait_ready(unsigned long size, unsigned int want)
{
	unsigned int c, r, f;
	int i;

	for (i = 0; i < 500; i++) {
		if (!pl_state(size, &c, &r, &f) && r == want && !f)
			return true;
		usleep(20000);
	}
	return false;
}

FIXTURE(pool) {
	long used0;
};

FIXTURE_SETUP(pool)
{
	ASSERT_EQ(0, cb_module_ensure_loaded());
	cb_free_all();
	ASSERT_EQ(0, cb_write_str(PL_FILE, "\n"));
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(pool)
{
	cb_free_all();
	cb_write_str(PL_FILE, "\n");
	cb_param_write("max_bytes", "0");
}

#define USED_DELTA()	(self->used0 < 0 ? 0 : cb_cma_used() - self->used0)
#define PAGES(n)	(self->used0 < 0 ? 0 : (long)(n))

TEST_F(pool, bad_specs_change_nothing)
{
	static const char * const bad[] = {
		"1M", "1M*", "*2", "1M*-1", "1M*2,1M*1", "1M*2,", ",1M*2", "0*2", "1M*2 ",
		" 1M*2", "1M*1025", "1M*0x2", "1MB*2", "1M*2,,4K*1", "1M**2", "4095*1,4096*1",
		"1M*2\n\n", "4K*1,8K*1,12K*1,16K*1,20K*1,24K*1,28K*1,32K*1,36K*1", "1M*2;4K*1",
		"99999999999999999999*1", "1024G*1",
	};
	char before[1024], after[1024];
	unsigned int i;

	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*1"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 1));
	ASSERT_LT(0, cb_read(PL_FILE, before, sizeof(before)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, cb_write(PL_FILE, bad[i], strlen(bad[i])))
			TH_LOG("'%s' accepted", bad[i]);
		ASSERT_LT(0, cb_read(PL_FILE, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("'%s' changed the pool", bad[i]);
	}
	EXPECT_EQ(PAGES(PL_PAGES), USED_DELTA());
}

TEST_F(pool, held_ready_counted_and_handed_out)
{
	unsigned int c, r, f;
	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*2,64K*3\n"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 2));
	ASSERT_TRUE(pl_wait_ready(64 * 1024, 3));
	/* The pool's pages are taken from CMA ahead. */
	EXPECT_EQ(PAGES(2 * PL_PAGES + 3 * 16), USED_DELTA());
	/* A pooled alloc takes a ready entry: one fewer ready until refilled. */
	ASSERT_EQ(0, cb_alloc("1M 0"));
	ASSERT_EQ(0, pl_state(CB_MIB, &c, &r, &f));
	EXPECT_EQ(2, c);
	EXPECT_LE(r + f, 2);
	EXPECT_TRUE(pl_wait_ready(CB_MIB, 2));
	EXPECT_EQ(PAGES(3 * PL_PAGES + 3 * 16), USED_DELTA());
	/* A size not pooled comes from CMA as always. */
	ASSERT_EQ(0, cb_alloc("2M 1"));
	EXPECT_EQ(PAGES(3 * PL_PAGES + 3 * 16 + 512), USED_DELTA());
	ASSERT_EQ(0, cb_free(1));
	/* Freed while the pool is full: back to CMA. */
	ASSERT_EQ(0, cb_free(0));
	EXPECT_TRUE(pl_wait_ready(CB_MIB, 2));
	EXPECT_EQ(PAGES(2 * PL_PAGES + 3 * 16), USED_DELTA());
	ASSERT_EQ(0, cb_write_str(PL_FILE, "\n"));
	EXPECT_EQ(0, USED_DELTA()) TH_LOG("an empty spec must give every page back");
	EXPECT_EQ(-1, pl_state(CB_MIB, &c, &r, &f));
}

/* Data written before free never shows in a pooled buffer. */
TEST_F(pool, pooled_buffers_are_zeroed)
{
	unsigned long long phys[3];
	int round, i, fd;

	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*3"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 3));
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 3; i++) {
			uint8_t *p;
			char spec[16];

			snprintf(spec, sizeof(spec), "1M %d", i);
			ASSERT_EQ(0, cb_alloc(spec));
			phys[i] = cb_phys(i);
			fd = cb_open(i, O_RDWR);
			ASSERT_LE(0, fd);
			p = mmap(NULL, CB_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			ASSERT_NE(MAP_FAILED, p);
			EXPECT_TRUE(cb_all_zero(p, CB_MIB))
				TH_LOG("round %d buffer %d at %#llx not zeroed", round, i, phys[i]);
			memset(p, 0xa5 + i, CB_MIB);
			munmap(p, CB_MIB);
			close(fd);
		}
		/* Freed with the pool short of all three: they come back dirty. */
		for (i = 0; i < 3; i++)
			ASSERT_EQ(0, cb_free(i));
		ASSERT_TRUE(pl_wait_ready(CB_MIB, 3));
		EXPECT_EQ(PAGES(3 * PL_PAGES), USED_DELTA())
			TH_LOG("recycled, not reallocated: CMA use stays at the pool's");
	}
}

TEST_F(pool, counts_against_max_bytes)
{
	unsigned int c, r, f;

	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*2"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 2));
	ASSERT_EQ(0, cb_param_write("max_bytes", "2097152"));
	/* The pool holds the whole limit: a size it has is handed out... */
	EXPECT_EQ(0, cb_alloc("1M 0"));
	/* ...another needs new bytes: ENOSPC, and the pool cannot refill. */
	EXPECT_EQ(-ENOSPC, cb_alloc("4K 1"));
	usleep(300000);
	ASSERT_EQ(0, pl_state(CB_MIB, &c, &r, &f));
	EXPECT_EQ(1, r);
	EXPECT_EQ(1, f) TH_LOG("the refill must wait for room under max_bytes");
	EXPECT_EQ(PAGES(2 * PL_PAGES), USED_DELTA());
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_param_write("max_bytes", "0"));
	EXPECT_TRUE(pl_wait_ready(CB_MIB, 2));
	EXPECT_EQ(PAGES(2 * PL_PAGES), USED_DELTA());
}

TEST_F(pool, change_while_buffers_are_out)
{
	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*2"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 2));
	ASSERT_EQ(0, cb_alloc("1M 0"));
	ASSERT_EQ(0, cb_alloc("1M 1"));
	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*1"));
	/* Shrunk: what was ready beyond one goes now. */
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 1));
	EXPECT_EQ(PAGES(3 * PL_PAGES), USED_DELTA());
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_free(1));
	EXPECT_TRUE(pl_wait_ready(CB_MIB, 1));
	EXPECT_EQ(PAGES(PL_PAGES), USED_DELTA());
}

TEST_F(pool, refills_after_injected_failures)
{
	const char *dir = "/sys/kernel/debug/cma_buf_fail_alloc";
	char path[128];
	unsigned int c, r, f;

	if (!cb_exists(dir))
		SKIP(return, "no fault injection in this kernel");
	/* Quiet: a stack dump per failure would read as a kernel splat. */
	snprintf(path, sizeof(path), "%s/verbose", dir);
	ASSERT_EQ(0, cb_write_str(path, "0"));
	snprintf(path, sizeof(path), "%s/probability", dir);
	ASSERT_EQ(0, cb_write_str(path, "100"));
	snprintf(path, sizeof(path), "%s/times", dir);
	ASSERT_EQ(0, cb_write_str(path, "-1"));
	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*2"));
	usleep(300000);
	ASSERT_EQ(0, pl_state(CB_MIB, &c, &r, &f));
	EXPECT_EQ(0, r);
	EXPECT_EQ(2, f);
	EXPECT_EQ(0, USED_DELTA()) TH_LOG("a failed refill must leave nothing");
	/* An alloc of the pooled size fails as any would, and leaves nothing. */
	EXPECT_EQ(-ENOMEM, cb_alloc("1M 0"));
	EXPECT_EQ(0, cb_count());
	snprintf(path, sizeof(path), "%s/probability", dir);
	ASSERT_EQ(0, cb_write_str(path, "0"));
	snprintf(path, sizeof(path), "%s/times", dir);
	ASSERT_EQ(0, cb_write_str(path, "1"));
	/* The worker retries by itself. */
	EXPECT_TRUE(pl_wait_ready(CB_MIB, 2));
	EXPECT_EQ(PAGES(2 * PL_PAGES), USED_DELTA());
}

TEST_F(pool, unload_gives_the_pool_back)
{
	const char *base = getenv("CMA_BUF_MODPARAMS");
	char params[256];

	ASSERT_EQ(0, cb_write_str(PL_FILE, "1M*2,128K*4"));
	ASSERT_TRUE(pl_wait_ready(CB_MIB, 2));
	ASSERT_TRUE(pl_wait_ready(128 * 1024, 4));
	ASSERT_EQ(0, cb_alloc("1M 0"));
	ASSERT_EQ(0, cb_module_unload(0));
	EXPECT_EQ(0, USED_DELTA()) TH_LOG("unload must return the pool's pages to CMA");
	/* pool= at load fills it from the start. */
	snprintf(params, sizeof(params), "%s pool=64K*2", base ? base : "");
	ASSERT_EQ(0, cb_module_load_params(params));
	EXPECT_TRUE(pl_wait_ready(64 * 1024, 2));
	EXPECT_EQ(PAGES(32), USED_DELTA());
	ASSERT_EQ(0, cb_module_unload(0));
	EXPECT_EQ(0, USED_DELTA());
	/* A bad pool= refuses the load. */
	snprintf(params, sizeof(params), "%s pool=64K", base ? base : "");
	EXPECT_EQ(-EINVAL, cb_module_load_params(params));
	EXPECT_EQ(0, cb_module_ensure_loaded());
}

TEST_HARNESS_MAIN
