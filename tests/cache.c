// SPDX-License-Identifier: GPL-2.0
/*
 * Cache modes, O_SYNC, sync attributes and the info/sync ioctls.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <linux/cma_buf.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define PATLIST	"/sys/kernel/debug/x86/pat_memtype_list"

/* x86 with PAT: a mapping's type follows the buffer's (see cache.c). */
static bool x86_pat(void)
{
	return cb_exists(PATLIST);
}

static int set_cache(int index, const char *mode)
{
	char path[128];

	cb_attr_path(path, sizeof(path), index, "cache");
	return cb_write_str(path, mode);
}

/* Map the whole buffer, check data in every access width, return the mapping. */
static uint8_t *map_and_exercise(struct __test_metadata *_metadata, int fd, size_t size,
				 unsigned int seed)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile uint32_t *u32;
	volatile uint64_t *u64;

	if (p == MAP_FAILED)
		return p;
	cb_fill(p, size, 0, seed);
	EXPECT_EQ(-1, cb_check(p, size, 0, seed));
	/* Unaligned word accesses, as packed structures make them. */
	u32 = (volatile uint32_t *)(p + 1);
	*u32 = 0xdeadbeef;
	EXPECT_EQ(0xdeadbeef, *u32);
	u64 = (volatile uint64_t *)(p + size - 11);
	*u64 = 0x0123456789abcdefULL;
	EXPECT_EQ(0x0123456789abcdefULL, *u64);
	EXPECT_EQ(0xef, p[size - 11]);
	return p;
}

FIXTURE(cache) {
	int fd;
};

FIXTURE_SETUP(cache)
{
	cb_free_all();
	ASSERT_EQ(0, cb_alloc_at(64 * 1024, 0));
	self->fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(cache)
{
	close(self->fd);
	cb_free_all();
}

TEST_F(cache, default_mode_is_cached)
{
	char s[32], path[128];
	struct stat st;

	ASSERT_LT(0, cb_attr(0, "cache", s, sizeof(s)));
	EXPECT_STREQ("cached\n", s);
	cb_attr_path(path, sizeof(path), 0, "cache");
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0644, st.st_mode & 0777);
}

TEST_F(cache, modes_read_back_and_bad_modes_are_einval)
{
	const char *good[] = { "uncached", "writecombine\n", "cached" };
	/* (An empty write never reaches the kernel: sysfs returns 0 at once.) */
	const char *bad[] = { "\n", "cache", "uncached2", "UNCACHED", "wc", " cached",
			      "cached cached", "cached\n\n" };
	char s[32];

	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, set_cache(0, good[i])) TH_LOG("mode '%s'", good[i]);
		ASSERT_LT(0, cb_attr(0, "cache", s, sizeof(s)));
		EXPECT_EQ(0, strncmp(s, good[i], strcspn(good[i], "\n")));
	}
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(-EINVAL, set_cache(0, bad[i])) TH_LOG("mode '%s'", bad[i]);
		ASSERT_LT(0, cb_attr(0, "cache", s, sizeof(s)));
		EXPECT_STREQ("cached\n", s);
	}
}

TEST_F(cache, each_mode_maps_with_its_page_protection_and_correct_data)
{
	const char *modes[] = { "cached", "uncached", "writecombine" };
	/* Linux's PAT layout: WB none, WC = PWT, UC- = PCD. */
	const char *bits_pat[] = { "", "PCD", "PWT" };
	const char *bits_nopat[] = { "", "PCD", "PCD" };
	size_t size = 64 * 1024;

	for (int i = 0; i < 3; i++) {
		char bits[16];
		uint8_t *p;

		ASSERT_EQ(0, set_cache(0, modes[i]));
		p = map_and_exercise(_metadata, self->fd, size, i + 1);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mode %s", modes[i]);
		if (cb_pte_cache_bits(p, bits, sizeof(bits))) {
			EXPECT_STREQ(x86_pat() ? bits_pat[i] : bits_nopat[i], bits)
				TH_LOG("mode %s maps with '%s'", modes[i], bits);
		}
		munmap(p, size);
	}
	if (!cb_exists(CB_PTDUMP))
		SKIP(return, "no user page table dump here (x86 only): data checked, memory type not");
}

TEST_F(cache, existing_mapping_keeps_its_mode_or_x86_refuses_the_change)
{
	size_t size = 64 * 1024;
	char before[16], after[16], fresh[16];
	uint8_t *old, *new;

	old = map_and_exercise(_metadata, self->fd, size, 5);
	ASSERT_NE(MAP_FAILED, old);
	if (x86_pat()) {
		/* Two memory types for the same RAM are an alias x86 forbids. */
		EXPECT_EQ(-EBUSY, set_cache(0, "uncached"));
		munmap(old, size);
		EXPECT_EQ(0, set_cache(0, "uncached"));
		return;
	}
	if (!cb_exists(CB_PTDUMP))
		SKIP(return, "no page table dump here");
	ASSERT_TRUE(cb_pte_cache_bits(old, before, sizeof(before)));
	ASSERT_EQ(0, set_cache(0, "uncached"));
	ASSERT_TRUE(cb_pte_cache_bits(old, after, sizeof(after)));
	EXPECT_STREQ(before, after);
	new = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, new);
	ASSERT_TRUE(cb_pte_cache_bits(new, fresh, sizeof(fresh)));
	EXPECT_STREQ("PCD", fresh);
	EXPECT_EQ(0, memcmp(old, new, size));
	munmap(old, size);
	munmap(new, size);
}

TEST_F(cache, mode_change_refused_while_mapped_on_x86_through_any_mapping)
{
	size_t size = 64 * 1024;
	struct cma_buf_export exp = { .flags = O_RDWR };
	uint8_t *p, *q;
	pid_t pid;

	if (!x86_pat())
		SKIP(return, "only x86 with PAT forbids mixed memory types");
	/* A split mapping, a forked copy, a moved one and a dma-buf mapping all count. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + 4096, 4096));
	ASSERT_EQ(0, munmap(p, 4096));
	EXPECT_EQ(-EBUSY, set_cache(0, "writecombine"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		munmap(p + 8192, size - 8192);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-EBUSY, set_cache(0, "writecombine"));
	/* Move it onto a spare address range. */
	q = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	q = mremap(p + 8192, size - 8192, size - 8192, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-EBUSY, set_cache(0, "writecombine"));
	ASSERT_EQ(0, munmap(q, size - 8192));
	ASSERT_EQ(0, ioctl(self->fd, CMA_BUF_IOC_EXPORT_DMABUF, &exp));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, exp.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EBUSY, set_cache(0, "writecombine"));
	munmap(p, 4096);
	close(exp.fd);
	/* Every mapping gone: now it may change. */
	EXPECT_EQ(0, set_cache(0, "writecombine"));
}

TEST_F(cache, o_sync_maps_uncached)
{
	size_t size = 64 * 1024;
	char bits[16];
	uint8_t *p;
	int fd = cb_open(0, O_RDWR | O_SYNC);

	ASSERT_LE(0, fd);
	if (x86_pat()) {
		/* The memory type of RAM follows the buffer's mode on x86. */
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, set_cache(0, "uncached"));
	}
	p = map_and_exercise(_metadata, fd, size, 9);
	ASSERT_NE(MAP_FAILED, p);
	if (cb_pte_cache_bits(p, bits, sizeof(bits)))
		EXPECT_STREQ("PCD", bits);
	munmap(p, size);
	close(fd);
}

TEST_F(cache, mode_survives_free_and_pages_return_write_back)
{
	long used0 = cb_cma_used();
	char bits[16];
	uint8_t *p;

	ASSERT_EQ(0, set_cache(0, "writecombine"));
	close(self->fd);
	ASSERT_EQ(0, cb_free(0));
	self->fd = -1;
	EXPECT_EQ(used0 < 0 ? -1 : used0 - 16, cb_cma_used());
	/* The same pages again, cached: they must map write-back. */
	ASSERT_EQ(0, cb_alloc_at(64 * 1024, 0));
	self->fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, self->fd);
	p = map_and_exercise(_metadata, self->fd, 64 * 1024, 4);
	ASSERT_NE(MAP_FAILED, p);
	if (cb_pte_cache_bits(p, bits, sizeof(bits)))
		EXPECT_STREQ("", bits);
	munmap(p, 64 * 1024);
}

/*
 * x86 with PAT: the kernel's own linear mapping of the pages carries the
 * mode too (a user mapping takes its type from there), every page of it,
 * and goes back to write-back when the buffer is freed.
 */
TEST_F(cache, linear_map_follows_the_mode_on_x86)
{
	static const char *const modes[] = { "uncached", "writecombine", "cached", "writecombine" };
	unsigned long long phys;
	const char *lm;

	if (!x86_pat() || !cb_linear_map_mode(cb_phys(0), 64 * 1024))
		SKIP(return, "not x86 with PAT, or no kernel page table dump");
	/* More than one large page of the linear map: a 4 MiB buffer. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_alloc_at(4 * CB_MIB, 0));
	phys = cb_phys(0);
	EXPECT_STREQ("cached", cb_linear_map_mode(phys, 4 * CB_MIB));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, set_cache(0, modes[i]));
		lm = cb_linear_map_mode(phys, 4 * CB_MIB);
		ASSERT_NE(NULL, lm);
		EXPECT_STREQ(modes[i], lm);
	}
	ASSERT_EQ(0, cb_free(0));
	EXPECT_STREQ("cached", cb_linear_map_mode(phys, 4 * CB_MIB));
}

struct sync_case {
	const char *input;
	int err;
};

static const struct sync_case sync_cases[] = {
	{ "", 0 }, { "\n", 0 }, { "0 4096 to_device", 0 }, { "0x1000 4K from_device\n", 0 },
	{ "0 64K bidirectional", 0 }, { "65535 1 to_device", 0 }, { "  1 2 from_device  ", 0 },
	{ "0", -EINVAL }, { "0 4096", -EINVAL }, { "0 0 to_device", -EINVAL },
	{ "0 4096 sideways", -EINVAL }, { "64K 1 to_device", -EINVAL },
	{ "4096 64K to_device", -EINVAL }, { "0 4096 to_device extra", -EINVAL },
	{ "-1 4096 to_device", -EINVAL }, { "18446744073709551615 2 to_device", -EINVAL },
	{ "1 18446744073709551615 to_device", -EINVAL }, { "0 4096 TO_DEVICE", -EINVAL },
	{ "0 4096 to_device\n\n", -EINVAL }, { "0x 4096 to_device", -EINVAL },
};

TEST_F(cache, sync_attributes_validate_strictly)
{
	const char *files[] = { "sync_for_device", "sync_for_cpu" };

	for (int f = 0; f < 2; f++) {
		char path[128];

		cb_attr_path(path, sizeof(path), 0, files[f]);
		for (size_t i = 0; i < sizeof(sync_cases) / sizeof(sync_cases[0]); i++) {
			const struct sync_case *c = &sync_cases[i];

			EXPECT_EQ(c->err, cb_write_str(path, c->input))
				TH_LOG("%s <- '%s'", files[f], c->input);
		}
	}
}

TEST_F(cache, sync_ioctl_validates_strictly)
{
	struct cma_buf_sync ok[] = {
		{ .offset = 0, .size = 0 },
		{ .offset = 0, .size = 4096, .direction = CMA_BUF_SYNC_TO_DEVICE,
		  .target = CMA_BUF_SYNC_FOR_DEVICE },
		{ .offset = 65535, .size = 1, .direction = CMA_BUF_SYNC_FROM_DEVICE,
		  .target = CMA_BUF_SYNC_FOR_CPU },
	};
	struct cma_buf_sync bad[] = {
		{ .offset = 1, .size = 0 },
		{ .offset = 0, .size = 65537 },
		{ .offset = 65536, .size = 1 },
		{ .offset = 4096, .size = ~0ULL },
		{ .size = 4096, .direction = 3 },
		{ .size = 4096, .target = 2 },
		{ .size = 4096, .reserved = 1 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int n = i;

		EXPECT_EQ(0, ioctl(self->fd, CMA_BUF_IOC_SYNC, &ok[i])) TH_LOG("ok case %d", n);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = i;

		EXPECT_EQ(-1, ioctl(self->fd, CMA_BUF_IOC_SYNC, &bad[i])) TH_LOG("bad case %d", n);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1, ioctl(self->fd, CMA_BUF_IOC_SYNC, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(cache, get_info_matches_sysfs)
{
	struct cma_buf_info info;
	char origin[64];

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, ioctl(self->fd, CMA_BUF_IOC_GET_INFO, &info));
	EXPECT_EQ(CMA_BUF_UAPI_VERSION, info.version);
	EXPECT_EQ(0, info.index);
	EXPECT_EQ(64 * 1024, info.size);
	EXPECT_EQ(cb_phys(0), info.phys_addr);
	EXPECT_EQ(CMA_BUF_INFO_PHYS_VALID | CMA_BUF_INFO_NODE_VALID, info.flags);
	EXPECT_EQ(cb_attr_ull(0, "node"), (unsigned long long)info.node);
	EXPECT_EQ(0, info.pad);
	EXPECT_EQ(CMA_BUF_CACHED, info.cache);
	ASSERT_LT(0, cb_attr(0, "origin", origin, sizeof(origin)));
	origin[strcspn(origin, "\n")] = 0;
	EXPECT_STREQ(origin, info.origin);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0, info.reserved[i]);
	ASSERT_EQ(0, set_cache(0, "writecombine"));
	ASSERT_EQ(0, ioctl(self->fd, CMA_BUF_IOC_GET_INFO, &info));
	EXPECT_EQ(CMA_BUF_WRITECOMBINE, info.cache);
}

TEST_F(cache, get_info_hides_phys_addr_without_cap_sys_admin)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct cma_buf_info info;

		/* The descriptor was opened by root; the caller no longer is. */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (ioctl(self->fd, CMA_BUF_IOC_GET_INFO, &info))
			_exit(11);
		_exit(info.phys_addr == 0 && info.flags == CMA_BUF_INFO_NODE_VALID && info.size == 65536 ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(cache, unknown_ioctls_are_enotty)
{
	char junk[256] = { 0 };

	EXPECT_EQ(-1, ioctl(self->fd, _IOR(CMA_BUF_IOC_MAGIC, 0x7f, int), junk));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('x', 0x00, struct cma_buf_info), junk));
	EXPECT_EQ(ENOTTY, errno);
	/* Right number, wrong size: a different command. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOC(_IOC_READ, CMA_BUF_IOC_MAGIC, 0x00, 8), junk));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
