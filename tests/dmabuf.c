// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export: validation, mapping, CPU access sync, lifetime, and an
 * importer driver's view of the scatterlist.
 */
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/cma_buf.h>
#include <linux/dma-buf.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define IMPORTER	"/sys/kernel/debug/cma_buf_importer"
#define SIZE		(256 * 1024UL)

FIXTURE(dmabuf) {
	int fd;
	uint8_t *map;
};

FIXTURE_SETUP(dmabuf)
{
	cb_free_all();
	ASSERT_EQ(0, cb_alloc_at(SIZE, 0));
	self->fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	cb_fill(self->map, SIZE, 0, 21);
}

FIXTURE_TEARDOWN(dmabuf)
{
	munmap(self->map, SIZE);
	close(self->fd);
	cb_free_all();
}

TEST_F(dmabuf, whole_buffer_export_maps_the_same_bytes)
{
	int dfd = cb_export(self->fd, 0, 0, O_RDWR | O_CLOEXEC);
	uint8_t *p;

	ASSERT_LE(0, dfd);
	EXPECT_EQ((off_t)SIZE, lseek(dfd, 0, SEEK_END));
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, SIZE, 0, 21));
	/* And writes through the dma-buf land in the buffer. */
	p[100] = 0x5a;
	EXPECT_EQ(0x5a, self->map[100]);
	munmap(p, SIZE);
	close(dfd);
}

TEST_F(dmabuf, range_export_starts_at_its_offset)
{
	int dfd = cb_export(self->fd, 8192, 3 * 4096, O_RDWR);
	uint8_t *p;

	ASSERT_LE(0, dfd);
	EXPECT_EQ(3 * 4096, lseek(dfd, 0, SEEK_END));
	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, 3 * 4096, 8192, 21));
	munmap(p, 3 * 4096);
	/* Its mmap is bounded by the range, not by the buffer. */
	p = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, dfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(dfd);
}

TEST_F(dmabuf, export_arguments_are_validated)
{
	struct cma_buf_export req;

	EXPECT_EQ(-EINVAL, cb_export(self->fd, 1, 4096, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 0, 4095, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, SIZE, 4096, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, SIZE - 4096, 8192, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 4096, ~0ULL & ~4095ULL, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 4096, 0, O_RDWR));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 0, 0, O_WRONLY));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 0, 0, O_RDWR | O_APPEND));
	EXPECT_EQ(-EINVAL, cb_export(self->fd, 0, 0, 0x80000000u));
	memset(&req, 0, sizeof(req));
	req.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, CMA_BUF_IOC_EXPORT_DMABUF, &req));
	EXPECT_EQ(EINVAL, errno);
	memset(&req, 0, sizeof(req));
	req.fd = 3;
	EXPECT_EQ(-1, ioctl(self->fd, CMA_BUF_IOC_EXPORT_DMABUF, &req));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dmabuf, cloexec_and_access_mode_follow_flags)
{
	int a = cb_export(self->fd, 0, 0, O_RDWR | O_CLOEXEC);
	int b = cb_export(self->fd, 0, 0, O_RDONLY);
	void *p;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(b, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(a, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY, fcntl(b, F_GETFL) & O_ACCMODE);
	/* A read-only dma-buf cannot be mapped writable. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	close(a);
	close(b);
}

TEST_F(dmabuf, dma_buf_ioctl_sync_brackets_cpu_access)
{
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	int dfd = cb_export(self->fd, 0, 0, O_RDWR);

	ASSERT_LE(0, dfd);
	EXPECT_EQ(0, ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_EQ(0, ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	EXPECT_EQ(0, ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	EXPECT_EQ(0, ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s));
	s.flags = 0x100;
	EXPECT_EQ(-1, ioctl(dfd, DMA_BUF_IOCTL_SYNC, &s));
	EXPECT_EQ(EINVAL, errno);
	close(dfd);
}

TEST_F(dmabuf, free_keeps_an_exported_buffer_until_its_last_fd)
{
	long used0 = cb_cma_used();
	int dfd = cb_export(self->fd, 0, 0, O_RDWR);
	uint8_t *p;

	ASSERT_LE(0, dfd);
	munmap(self->map, SIZE);
	self->map = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(used0, cb_cma_used());
	p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, SIZE, 0, 21));
	munmap(p, SIZE);
	close(dfd);
	if (used0 >= 0)
		EXPECT_EQ(used0 - (long)(SIZE / CB_PAGE), cb_cma_used());
}

TEST_F(dmabuf, importer_sees_one_segment_at_phys_addr)
{
	char s[256];
	unsigned int nents, len;
	unsigned long long phys, dma;
	int dfd, mfd;

	if (!cb_exists(IMPORTER)) {
		mfd = open("/tests/cma_buf_importer.ko", O_RDONLY);
		if (mfd < 0)
			SKIP(return, "no test importer module for this kernel");
		ASSERT_EQ(0, syscall(SYS_finit_module, mfd, "", 0));
		close(mfd);
	}
	dfd = cb_export(self->fd, 4 * 4096, 16 * 4096, O_RDWR);
	ASSERT_LE(0, dfd);
	snprintf(s, sizeof(s), "%d\n", dfd);
	ASSERT_EQ(0, cb_write_str(IMPORTER, s));
	ASSERT_LT(0, cb_read(IMPORTER, s, sizeof(s)));
	ASSERT_EQ(4, sscanf(s, "nents=%u phys=0x%llx dma=0x%llx len=%u", &nents, &phys, &dma,
			    &len)) TH_LOG("importer says '%s'", s);
	EXPECT_EQ(1, nents);
	EXPECT_EQ(cb_phys(0) + 4 * 4096, phys);
	EXPECT_EQ(16 * 4096, len);
	close(dfd);
	/* A descriptor that is not a dma-buf is refused by the core. */
	snprintf(s, sizeof(s), "%d\n", self->fd);
	EXPECT_EQ(-EINVAL, cb_write_str(IMPORTER, s));
}

TEST_HARNESS_MAIN
