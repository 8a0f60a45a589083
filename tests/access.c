// SPDX-License-Identifier: GPL-2.0
/*
 * Every way to map a buffer (the node, an O_SYNC open, an offset into the
 * node, a dma-buf) in every cache mode takes every kind of access user code
 * makes: byte-wise, unaligned 16/32/64-bit and 128-bit (memcpy's vector
 * pairs), memset to zero (DC ZVA on arm64, which faults on Device memory),
 * across page boundaries, with sync calls of every range form in between.
 * The data must be right and nothing may fault: on arm64 a mapping of RAM
 * as Device memory would SIGBUS on the first unaligned access.
 */
#include <sys/ioctl.h>
#include <linux/cma_buf.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define SIZE	(64 * 1024UL)

static const char * const modes[] = { "cached", "uncached", "writecombine" };

enum map_kind { MAP_NODE, MAP_OSYNC, MAP_OFFSET, MAP_DMABUF, MAP_KINDS };
static const char * const kinds[] = { "node", "O_SYNC", "offset", "dma-buf" };

/* x86 with PAT: a mapping's type must match the buffer's (see cache.c). */
static bool x86_pat(void)
{
	return cb_exists("/sys/kernel/debug/x86/pat_memtype_list");
}

static int set_cache(const char *mode)
{
	char path[128];

	cb_attr_path(path, sizeof(path), 0, "cache");
	return cb_write_str(path, mode);
}

static int sync_attr(const char *file, const char *range)
{
	char path[128];

	cb_attr_path(path, sizeof(path), 0, file);
	return cb_write_str(path, range);
}

static int sync_ioctl(int fd, uint64_t off, uint64_t size, uint32_t dir, uint32_t target)
{
	struct cma_buf_sync s = { .offset = off, .size = size, .direction = dir,
				  .target = target };

	return ioctl(fd, CMA_BUF_IOC_SYNC, &s) ? -errno : 0;
}

/* Map SIZE bytes (or what the kind covers) of buffer 0; *len gets the length. */
static uint8_t *map_kind(int fd, enum map_kind kind, size_t *len, int *extra_fd)
{
	struct cma_buf_export req = { .flags = O_RDWR | O_CLOEXEC };
	uint8_t *p;

	*extra_fd = -1;
	*len = SIZE;
	switch (kind) {
	case MAP_NODE:
		return mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	case MAP_OSYNC:
		*extra_fd = cb_open(0, O_RDWR | O_SYNC);
		if (*extra_fd < 0)
			return MAP_FAILED;
		return mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *extra_fd, 0);
	case MAP_OFFSET:
		*len = SIZE - 3 * CB_PAGE;
		return mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 3 * CB_PAGE);
	case MAP_DMABUF:
		if (ioctl(fd, CMA_BUF_IOC_EXPORT_DMABUF, &req))
			return MAP_FAILED;
		*extra_fd = req.fd;
		p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, req.fd, 0);
		return p;
	default:
		return MAP_FAILED;
	}
}

/* Every sync range form, through the attributes and the ioctl. */
static void sync_every_form(struct __test_metadata *_metadata, int fd)
{
	const char *ranges[] = { "", "0 64K bidirectional", "0 4096 to_device",
				 "4095 2 from_device", "1 3 bidirectional", "65535 1 to_device",
				 "0x3001 0x5fff from_device" };
	const char *files[] = { "sync_for_device", "sync_for_cpu" };

	for (int f = 0; f < 2; f++) {
		for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
			EXPECT_EQ(0, sync_attr(files[f], ranges[i]))
				TH_LOG("%s <- '%s'", files[f], ranges[i]);
		}
	}
	for (uint32_t dir = 0; dir < 3; dir++) {
		EXPECT_EQ(0, sync_ioctl(fd, 0, 0, dir, CMA_BUF_SYNC_FOR_DEVICE));
		EXPECT_EQ(0, sync_ioctl(fd, 0, 0, dir, CMA_BUF_SYNC_FOR_CPU));
		EXPECT_EQ(0, sync_ioctl(fd, 7, 4093, dir, CMA_BUF_SYNC_FOR_DEVICE));
		EXPECT_EQ(0, sync_ioctl(fd, 7, 4093, dir, CMA_BUF_SYNC_FOR_CPU));
	}
}

/* All the access kinds on one mapping of @len bytes; data checked each time. */
static void exercise(struct __test_metadata *_metadata, int fd, volatile uint8_t *p,
		     size_t len, unsigned int seed)
{
	uint8_t *copy = malloc(len);
	size_t i;

	ASSERT_NE(NULL, copy);
	/* Byte-wise, through volatile: one store and one load per byte. */
	for (i = 0; i < len; i++)
		p[i] = cb_pattern(i, seed);
	sync_every_form(_metadata, fd);
	for (i = 0; i < len && p[i] == cb_pattern(i, seed); i++)
		;
	EXPECT_EQ(len, i) TH_LOG("byte-wise: first difference at %zu", i);

	/* Unaligned words of every width, some across a page boundary. */
	for (unsigned int off = 1; off < 8; off += 2) {
		volatile uint16_t *w16 = (volatile uint16_t *)(p + CB_PAGE - off);
		volatile uint32_t *w32 = (volatile uint32_t *)(p + 2 * CB_PAGE - off);
		volatile uint64_t *w64 = (volatile uint64_t *)(p + len - 8 - off);
		volatile uint64_t *x64 = (volatile uint64_t *)(p + 3 * CB_PAGE - 4 + off);

		*w16 = 0xa55a + off;
		*w32 = 0xdeadbeef + off;
		*w64 = 0x0123456789abcdefULL + off;
		*x64 = 0xfedcba9876543210ULL - off;
		EXPECT_EQ(0xa55a + off, *w16);
		EXPECT_EQ(0xdeadbeef + off, *w32);
		EXPECT_EQ(0x0123456789abcdefULL + off, *w64);
		EXPECT_EQ(0xfedcba9876543210ULL - off, *x64);
	}

	/* memset to zero, odd start and length, then all of it. */
	memset((uint8_t *)p + 5, 0, len - 9);
	EXPECT_EQ(0, p[5]);
	EXPECT_EQ(0, p[len - 5]);
	memset((uint8_t *)p, 0, len);
	EXPECT_TRUE(cb_all_zero((const uint8_t *)p, len));

	/* memcpy in (misaligned source and target) and out. */
	cb_fill(copy, len, 0, seed + 1);
	memcpy((uint8_t *)p + 3, copy + 3, len - 3);
	p[0] = copy[0];
	p[1] = copy[1];
	p[2] = copy[2];
	sync_every_form(_metadata, fd);
	memset(copy, 0, len);
	memcpy(copy + 1, (const uint8_t *)p + 1, len - 1);
	copy[0] = p[0];
	EXPECT_EQ(-1, cb_check(copy, len, 0, seed + 1));
	free(copy);
}

FIXTURE(access) {
	int fd;
};

FIXTURE_SETUP(access)
{
	cb_free_all();
	ASSERT_EQ(0, cb_alloc_at(SIZE, 0));
	self->fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(access)
{
	close(self->fd);
	cb_free_all();
}

/* Each mapping kind in each mode; x86 PAT refuses mismatches, checked in cache. */
TEST_F(access, every_mapping_kind_in_every_mode)
{
	for (int m = 0; m < 3; m++) {
		ASSERT_EQ(0, set_cache(modes[m]));
		for (int k = 0; k < MAP_KINDS; k++) {
			size_t len;
			int extra;
			uint8_t *p;

			if (k == MAP_OSYNC && x86_pat() && m != 1)
				continue;
			p = map_kind(self->fd, k, &len, &extra);
			ASSERT_NE(MAP_FAILED, p) TH_LOG("%s mapping, mode %s", kinds[k], modes[m]);
			exercise(_metadata, self->fd, p, len, m * 16 + k);
			munmap(p, len);
			if (extra >= 0)
				close(extra);
		}
	}
}

/*
 * Written through one mode, read through another after a mode change: the
 * module writes back and drops the CPU's lines on every change, so nothing
 * stale surfaces (on hardware; QEMU keeps no cache to go stale).
 */
TEST_F(access, data_survives_mode_changes)
{
	unsigned int seed = 77;
	uint8_t *p;

	for (int m = 0; m < 6; m++) {
		const char *mode = modes[(m + 1) % 3];

		ASSERT_EQ(0, set_cache(mode));
		p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mode %s", mode);
		if (m)
			EXPECT_EQ(-1, cb_check(p, SIZE, 0, seed + m - 1)) TH_LOG("into %s", mode);
		cb_fill(p, SIZE, 0, seed + m);
		munmap(p, SIZE);
	}
}

TEST_HARNESS_MAIN
