// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers owned by a file descriptor: CMA_BUF_IOC_ALLOC on /dev/cma_buf.
 * Such a buffer shows in sysfs like any other and goes when the last copy
 * of its descriptor and the last mapping made through it are gone: close,
 * exit, kill -9. fork() and SCM_RIGHTS keep it; free works as for any.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#define CB_CONTROL	"/dev/cma_buf"
#define OW_SIZE		CB_MIB
#define OW_PAGES	(OW_SIZE / CB_PAGE)

FIXTURE(owned) {
	long used0;	/* CMA pages in use before the test, -1 without accounting */
};

FIXTURE_SETUP(owned)
{
	int ret = cb_module_ensure_loaded();

	ASSERT_EQ(0, ret) TH_LOG("cannot (re)load the module: %s", strerror(-ret));
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	ASSERT_TRUE(cb_exists(CB_CONTROL)) TH_LOG(CB_CONTROL " missing");
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(owned)
{
	cb_free_all();
}

#define USED_DELTA()	(self->used0 < 0 ? 0 : cb_cma_used() - self->used0)
#define HELD		(self->used0 < 0 ? 0 : (long)OW_PAGES)

/* CMA_BUF_IOC_ALLOC of @req; the new fd, or -errno. */
static int ow_ioctl(struct cma_buf_alloc *req)
{
	int ctl = open(CB_CONTROL, O_RDWR | O_CLOEXEC), ret;

	if (ctl < 0)
		return -errno;
	ret = ioctl(ctl, CMA_BUF_IOC_ALLOC, req);
	ret = ret ? -errno : req->fd;
	close(ctl);
	return ret;
}

static int ow_alloc(uint64_t size, uint32_t flags, unsigned int *index)
{
	struct cma_buf_alloc req = {
		.size = size, .flags = flags, .node = CMA_BUF_NODE_ANY,
	};
	int fd = ow_ioctl(&req);

	if (fd >= 0 && index)
		*index = req.index;
	return fd;
}

/* An attribute without its newline; length or -errno. */
static int ow_attr(unsigned int index, const char *attr, char *buf, size_t len)
{
	int n = cb_attr(index, attr, buf, len);

	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

static uint32_t ow_devmem_u32(unsigned long long phys)
{
	uint32_t v;

	return cb_devmem_read(phys, &v, 4) == 4 ? v : ~0u;
}

/* Wait until the kernel has run the last release (exit closes files late). */
static bool ow_gone(unsigned int index)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (!cb_buf_exists(index))
			return true;
		usleep(10000);
	}
	return false;
}

TEST_F(owned, alloc_shows_in_sysfs_and_close_frees)
{
	struct cma_buf_info info;
	unsigned int index;
	char owner[16];
	uint32_t *p;
	int fd;

	fd = ow_alloc(OW_SIZE, 0, &index);
	ASSERT_LE(0, fd) TH_LOG("CMA_BUF_IOC_ALLOC: %s", strerror(-fd));
	ASSERT_TRUE(cb_buf_exists(index));
	ASSERT_EQ(OW_SIZE, cb_size(index));
	ASSERT_LT(0, ow_attr(index, "owner", owner, sizeof(owner)));
	ASSERT_STREQ("fd", owner);
	ASSERT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, ioctl(fd, CMA_BUF_IOC_GET_INFO, &info));
	EXPECT_EQ(index, info.index);
	EXPECT_TRUE(info.flags & CMA_BUF_INFO_FD_OWNED);
	EXPECT_TRUE(info.flags & CMA_BUF_INFO_NODE_VALID);
	EXPECT_EQ(cb_phys(index), info.phys_addr);
	/* Zeroed, and what the fd maps is what /dev/mem shows at phys_addr. */
	p = mmap(NULL, OW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[OW_SIZE / 4 - 1]);
	p[0] = 0xfd0a11c0;
	p[OW_SIZE / 4 - 1] = 0x0bad5eed;
	if (ow_devmem_u32(info.phys_addr) == ~0u) {
		TH_LOG("/dev/mem not readable here (STRICT_DEVMEM): addresses unchecked");
	} else {
		EXPECT_EQ(0xfd0a11c0, ow_devmem_u32(info.phys_addr));
		EXPECT_EQ(0x0bad5eed, ow_devmem_u32(info.phys_addr + OW_SIZE - 4));
	}
	munmap(p, OW_SIZE);
	/* Not cloexec unless asked. */
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(0, USED_DELTA());
}

TEST_F(owned, read_write_lseek_on_the_fd)
{
	char out[8] = "owned!!", in[8] = "";
	unsigned int index;
	int fd;

	fd = ow_alloc(OW_SIZE, CMA_BUF_ALLOC_CLOEXEC, &index);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(8, pwrite(fd, out, 8, 4096));
	EXPECT_EQ(8, pread(fd, in, 8, 4096));
	EXPECT_EQ(0, memcmp(in, out, 8));
	EXPECT_EQ((off_t)OW_SIZE, lseek(fd, 0, SEEK_END));
	close(fd);
	EXPECT_TRUE(ow_gone(index));
}

TEST_F(owned, mapping_outlives_close)
{
	unsigned int index;
	char mappings[16];
	uint8_t *p;
	int fd;

	fd = ow_alloc(OW_SIZE, 0, &index);
	ASSERT_LE(0, fd);
	p = mmap(NULL, OW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, OW_SIZE);
	close(fd);
	/* The mapping holds the file: the buffer is still there, data intact. */
	usleep(50000);
	ASSERT_TRUE(cb_buf_exists(index));
	ASSERT_LT(0, ow_attr(index, "mappings", mappings, sizeof(mappings)));
	EXPECT_STREQ("1", mappings);
	EXPECT_EQ(0x5a, p[0]);
	EXPECT_EQ(0x5a, p[OW_SIZE - 1]);
	EXPECT_EQ(HELD, USED_DELTA());
	munmap(p, OW_SIZE);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(0, USED_DELTA());
}

TEST_F(owned, kill_9_frees)
{
	unsigned int index;
	int pfd[2], st;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned int i;
		int fd = ow_alloc(OW_SIZE, 0, &i);
		uint8_t *p = fd < 0 ? MAP_FAILED :
			mmap(NULL, OW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			_exit(1);
		p[0] = 1;
		if (write(pfd[1], &i, sizeof(i)) != sizeof(i))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(index), read(pfd[0], &index, sizeof(index)));
	close(pfd[0]);
	ASSERT_TRUE(cb_buf_exists(index));
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(0, USED_DELTA()) TH_LOG("CMA pages not returned after kill -9");
}

TEST_F(owned, fork_keeps_it_for_the_child)
{
	unsigned int index;
	int fd, go[2], st;
	pid_t pid;

	fd = ow_alloc(OW_SIZE, 0, &index);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c, *p;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		/* The parent closed its copy: ours still holds the buffer. */
		p = mmap(NULL, OW_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || p[7] != 'x' || !cb_buf_exists(index))
			_exit(3);
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(1, pwrite(fd, "x", 1, 7));
	close(fd);
	usleep(50000);
	EXPECT_TRUE(cb_buf_exists(index));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("child status %d", st);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(0, USED_DELTA());
}

static int ow_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int ow_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

TEST_F(owned, passed_over_a_unix_socket_outlives_the_sender)
{
	unsigned int index;
	int sv[2], st, fd;
	pid_t pid;
	char *p;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned int i;
		int f = ow_alloc(OW_SIZE, 0, &i);

		close(sv[0]);
		if (f < 0 || pwrite(f, "sent", 4, 0) != 4 ||
		    write(sv[1], &i, sizeof(i)) != sizeof(i) || ow_send_fd(sv[1], f))
			_exit(1);
		_exit(0);	/* the sender's copy goes with it */
	}
	close(sv[1]);
	ASSERT_EQ(sizeof(index), read(sv[0], &index, sizeof(index)));
	fd = ow_recv_fd(sv[0]);
	ASSERT_LE(0, fd) TH_LOG("recvmsg: %s", strerror(-fd));
	close(sv[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The sender is gone; the fd in flight and now here kept the buffer. */
	ASSERT_TRUE(cb_buf_exists(index));
	p = mmap(NULL, OW_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, "sent", 4));
	munmap(p, OW_SIZE);
	close(fd);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(0, USED_DELTA());
}

/* free unpublishes it; closing the owner later must not touch the index's next user. */
TEST_F(owned, free_then_close_spares_the_next_buffer_of_that_index)
{
	unsigned int index;
	char spec[32];
	int fd;

	fd = ow_alloc(OW_SIZE, 0, &index);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_free(index));
	EXPECT_FALSE(cb_buf_exists(index));
	/* Still usable through the fd, memory still held. */
	EXPECT_EQ(4, pwrite(fd, "kept", 4, 0));
	EXPECT_EQ(HELD, USED_DELTA());
	snprintf(spec, sizeof(spec), "4K %u", index);
	ASSERT_EQ(0, cb_alloc(spec));
	close(fd);
	usleep(50000);
	EXPECT_TRUE(cb_buf_exists(index)) TH_LOG("closing the old owner removed the new buffer");
	EXPECT_EQ(0, cb_free(index));
	EXPECT_EQ(0, USED_DELTA());
}

TEST_F(owned, dmabuf_keeps_memory_not_the_name)
{
	struct cma_buf_export exp = { .flags = O_RDWR | O_CLOEXEC };
	unsigned int index;
	int fd;

	fd = ow_alloc(OW_SIZE, 0, &index);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, CMA_BUF_IOC_EXPORT_DMABUF, &exp));
	ASSERT_LE(0, exp.fd);
	close(fd);
	EXPECT_TRUE(ow_gone(index));
	EXPECT_EQ(HELD, USED_DELTA()) TH_LOG("memory must stay while the dma-buf lives");
	close(exp.fd);
	usleep(50000);
	EXPECT_EQ(0, USED_DELTA());
}

TEST_F(owned, pinnable_flag)
{
	unsigned int index;
	char pin[8];
	int fd = ow_alloc(OW_SIZE, CMA_BUF_ALLOC_PINNABLE, &index);

	if (fd == -EOPNOTSUPP)
		SKIP(return, "pinnable needs CMA pages (EOPNOTSUPP here, as for sysfs)");
	ASSERT_LE(0, fd);
	ASSERT_LT(0, ow_attr(index, "pinnable", pin, sizeof(pin)));
	EXPECT_STREQ("1", pin);
	close(fd);
	EXPECT_TRUE(ow_gone(index));
}

/* The default area's name, the first line of "areas". */
static void ow_default_area(char *name, size_t len)
{
	char buf[4096];

	name[0] = '\0';
	if (cb_read(CB_CLASS "/areas", buf, sizeof(buf)) > 0)
		sscanf(buf, "%63s", name);
	(void)len;
}

TEST_F(owned, area_by_name)
{
	struct cma_buf_alloc req = { .size = OW_SIZE, .node = CMA_BUF_NODE_ANY };
	char area[64], origin[64];
	int fd;

	ow_default_area(area, sizeof(area));
	ASSERT_NE(0, area[0]);
	strcpy(req.area, area);
	fd = ow_ioctl(&req);
	ASSERT_LE(0, fd) TH_LOG("area=%s: %s", area, strerror(-fd));
	ASSERT_LT(0, ow_attr(req.index, "origin", origin, sizeof(origin)));
	EXPECT_STREQ(area, origin);
	close(fd);
	EXPECT_TRUE(ow_gone(req.index));
}

/* Hostile requests: each refused with its errno, nothing left behind. */
FIXTURE(owned_bad) {
	long used0;
};

FIXTURE_VARIANT(owned_bad) {
	struct cma_buf_alloc req;
	int err;
};

/* A good request with one field made bad: the override is the point. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define OW_REQ(...) { .size = OW_SIZE, .node = CMA_BUF_NODE_ANY, __VA_ARGS__ }
FIXTURE_VARIANT_ADD(owned_bad, size_zero) { .req = OW_REQ(.size = 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, size_overflow) { .req = OW_REQ(.size = ~0ULL), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, align_3) { .req = OW_REQ(.align = 3), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, unknown_flag) { .req = OW_REQ(.flags = 1U << 7), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, reserved_set) { .req = OW_REQ(.reserved = { [3] = 1 }), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, index_in) { .req = OW_REQ(.index = 1), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, fd_in) { .req = OW_REQ(.fd = 3), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, node_negative) { .req = OW_REQ(.node = -2), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, node_huge) { .req = OW_REQ(.node = 1 << 30), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, area_and_node) { .req = OW_REQ(.area = "x", .node = 0), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, area_slash) { .req = OW_REQ(.area = "a/b"), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, area_blank) { .req = OW_REQ(.area = "a b"), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, area_control) { .req = OW_REQ(.area = "a\n"), .err = EINVAL };
FIXTURE_VARIANT_ADD(owned_bad, area_unknown) { .req = OW_REQ(.area = "no-such-area"), .err = ENOENT };
FIXTURE_VARIANT_ADD(owned_bad, more_than_ram) { .req = OW_REQ(.size = 1ULL << 50), .err = ENOMEM };

FIXTURE_SETUP(owned_bad)
{
	ASSERT_EQ(0, cb_module_ensure_loaded());
	cb_free_all();
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(owned_bad)
{
	cb_free_all();
}

TEST_F(owned_bad, refused)
{
	struct cma_buf_alloc req = variant->req;

	EXPECT_EQ(-variant->err, ow_ioctl(&req));
	EXPECT_EQ(0, cb_count());
	if (self->used0 >= 0)
		EXPECT_EQ(self->used0, cb_cma_used());
}

TEST(owned_area_not_terminated)
{
	struct cma_buf_alloc req = OW_REQ();

	memset(req.area, 'a', sizeof(req.area));
	EXPECT_EQ(-EINVAL, ow_ioctl(&req));
	EXPECT_EQ(0, cb_count());
}

TEST(owned_bad_pointer_and_command)
{
	int ctl = open(CB_CONTROL, O_RDWR), fd;

	ASSERT_LE(0, ctl);
	EXPECT_EQ(-1, ioctl(ctl, CMA_BUF_IOC_ALLOC, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, CMA_BUF_IOC_GET_INFO, NULL));
	EXPECT_EQ(ENOTTY, errno);
	close(ctl);
	EXPECT_EQ(0, cb_count());
	/* The buffer nodes do not allocate. */
	ASSERT_EQ(0, cb_alloc("4K 0"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, CMA_BUF_IOC_ALLOC, NULL));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
	EXPECT_EQ(0, cb_free(0));
}

/* Root's, like alloc: another user may not even open it. */
TEST(owned_control_node_is_roots)
{
	struct stat st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, stat(CB_CONTROL, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(CB_CONTROL, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
