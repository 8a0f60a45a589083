// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer lifetime: free and module unload while files, mappings and other
 * processes still use a buffer. Its name goes at once; its memory stays
 * usable until the last user is gone, and only then returns to CMA.
 *
 * The unload tests reload the module with finit_module() from
 * $CMA_BUF_MODULE and $CMA_BUF_MODPARAMS, in teardown too, so that the tests
 * after them still have it.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

#include <linux/cma_buf.h>
#include <sys/ioctl.h>

#define LT_SIZE		CB_MIB
#define LT_PAGES	(LT_SIZE / CB_PAGE)

FIXTURE(life) {
	long used0;	/* CMA pages in use before the test, -1 without debugfs */
};

FIXTURE_SETUP(life)
{
	int ret = cb_module_ensure_loaded();

	ASSERT_EQ(0, ret) TH_LOG("cannot (re)load the module: %s", strerror(-ret));
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(life)
{
	int ret;

	if (cb_module_loaded())
		cb_free_all();
	ret = cb_module_ensure_loaded();
	EXPECT_EQ(0, ret) TH_LOG("cannot reload the module: %s", strerror(-ret));
}

/* CMA pages in use now, relative to the start of the test (0 without debugfs). */
#define USED_DELTA()	(self->used0 < 0 ? 0 : cb_cma_used() - self->used0)
#define HELD		(self->used0 < 0 ? 0 : (long)LT_PAGES)

/* The parts that need CMA accounting could not be checked: say so. */
#define SKIP_IF_NO_CMA_ACCOUNTING() do { \
	if (self->used0 < 0) \
		SKIP(return, "data and node checks passed; CMA accounting not " \
		     "verifiable (neither CMA debugfs nor sysfs on this kernel)"); \
} while (0)

TEST_F(life, free_while_open_keeps_fd_io_until_close)
{
	uint8_t buf[CB_PAGE], *p;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	cb_fill(buf, sizeof(buf), 0, 1);
	ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(HELD, USED_DELTA());

	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(-1, cb_open(0, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, cb_free(0));
	/* The open file still reads, writes, seeks and maps the buffer. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(-1, cb_check(buf, sizeof(buf), 0, 1));
	cb_fill(buf, sizeof(buf), LT_SIZE - CB_PAGE, 2);
	ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), LT_SIZE - CB_PAGE));
	EXPECT_EQ(LT_SIZE, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(-1, write(fd, buf, 1));
	EXPECT_EQ(ENOSPC, errno);
	p = mmap(NULL, LT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, CB_PAGE, 0, 1));
	EXPECT_EQ(-1, cb_check(p + LT_SIZE - CB_PAGE, CB_PAGE, LT_SIZE - CB_PAGE, 2));
	munmap(p, LT_SIZE);
	/* Only the last close gives the pages back. */
	EXPECT_EQ(HELD, USED_DELTA());
	close(fd);
	EXPECT_EQ(0, USED_DELTA());
	SKIP_IF_NO_CMA_ACCOUNTING();
}

TEST_F(life, index_reused_while_freed_buffer_is_open_gets_other_pages)
{
	uint8_t old[CB_PAGE], fresh[CB_PAGE];
	int fd_old, fd_new;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd_old = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd_old);
	cb_fill(old, sizeof(old), 0, 3);
	ASSERT_EQ(sizeof(old), pwrite(fd_old, old, sizeof(old), 0));
	ASSERT_EQ(0, cb_free(0));
	/* Same name, new buffer: zeroed, and writing it leaves the old one alone. */
	ASSERT_EQ(0, cb_alloc("1M"));
	EXPECT_TRUE(cb_buf_exists(0));
	fd_new = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd_new);
	ASSERT_EQ(sizeof(fresh), pread(fd_new, fresh, sizeof(fresh), 0));
	EXPECT_TRUE(cb_all_zero(fresh, sizeof(fresh)));
	cb_fill(fresh, sizeof(fresh), 0, 4);
	ASSERT_EQ(sizeof(fresh), pwrite(fd_new, fresh, sizeof(fresh), 0));
	ASSERT_EQ(sizeof(old), pread(fd_old, old, sizeof(old), 0));
	EXPECT_EQ(-1, cb_check(old, sizeof(old), 0, 3));
	EXPECT_EQ(2 * HELD, USED_DELTA());
	close(fd_old);
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(sizeof(fresh), pread(fd_new, fresh, sizeof(fresh), 0));
	EXPECT_EQ(-1, cb_check(fresh, sizeof(fresh), 0, 4));
	close(fd_new);
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(0, USED_DELTA());
	SKIP_IF_NO_CMA_ACCOUNTING();
}

TEST_F(life, pages_released_by_last_close_read_zero_when_reallocated)
{
	static uint8_t buf[LT_SIZE];
	unsigned long long phys1, phys2;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	phys1 = cb_phys(0);
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_free(0));
	/* Written after the free, through the fd that keeps the pages. */
	memset(buf, 0xc3, sizeof(buf));
	ASSERT_EQ(LT_SIZE, pwrite(fd, buf, LT_SIZE, 0));
	close(fd);
	ASSERT_EQ(0, cb_alloc("1M"));
	phys2 = cb_phys(0);
	TH_LOG("phys 0x%llx then 0x%llx: %s pages", phys1, phys2,
	       phys1 == phys2 ? "same" : "different");
	fd = cb_open(0, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(LT_SIZE, pread(fd, buf, LT_SIZE, 0));
	EXPECT_TRUE(cb_all_zero(buf, LT_SIZE));
	close(fd);
}

TEST_F(life, free_while_mapped_keeps_mapping_until_munmap)
{
	uint8_t *p;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, LT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	cb_fill(p, LT_SIZE, 0, 5);

	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(-1, cb_open(0, O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, cb_check(p, LT_SIZE, 0, 5));
	cb_fill(p, LT_SIZE, 0, 6);
	EXPECT_EQ(-1, cb_check(p, LT_SIZE, 0, 6));
	EXPECT_EQ(HELD, USED_DELTA());
	/* A partial munmap keeps the rest, and the pages. */
	ASSERT_EQ(0, munmap(p, LT_SIZE / 2));
	EXPECT_EQ(-1, cb_check(p + LT_SIZE / 2, LT_SIZE / 2, LT_SIZE / 2, 6));
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, munmap(p + LT_SIZE / 2, LT_SIZE / 2));
	EXPECT_EQ(0, USED_DELTA());
	SKIP_IF_NO_CMA_ACCOUNTING();
}

/*
 * Child of the fork tests: shares the parent's mapping @p. Waits for 'f'
 * (freed), checks the parent's pattern and that the node is gone, writes
 * pattern 12 over the first half, says 'w', waits for 'x', exits.
 * Exit codes: 0 fine, 10+ which check failed.
 */
static void fork_child(uint8_t *p, int in, int out)
{
	if (cb_recv(in) != 'f')
		_exit(10);
	if (cb_check(p, LT_SIZE, 0, 11) != -1)
		_exit(11);
	if (cb_node_exists(0))
		_exit(12);
	cb_fill(p, LT_SIZE / 2, 0, 12);
	if (cb_send(out, 'w'))
		_exit(13);
	if (cb_recv(in) != 'x')
		_exit(14);
	_exit(0);
}

/* Map a fresh 1M buffer, pattern 11, fork fork_child() on it; the child's pid. */
static pid_t map_and_fork(uint8_t **pp, int *to_child, int *from_child)
{
	int down[2], up[2], fd;
	uint8_t *p;
	pid_t pid;

	if (cb_alloc("1M"))
		return -1;
	fd = cb_open(0, O_RDWR);
	if (fd < 0)
		return -1;
	p = mmap(NULL, LT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	cb_fill(p, LT_SIZE, 0, 11);
	if (pipe(down) || pipe(up))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(down[1]);
		close(up[0]);
		fork_child(p, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	*pp = p;
	*to_child = down[1];
	*from_child = up[0];
	return pid;
}

TEST_F(life, fork_with_mapping_free_child_exits_first_then_parent_unmaps)
{
	int to_child, from_child;
	uint8_t *p;
	pid_t pid = map_and_fork(&p, &to_child, &from_child);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_buf_exists(0));
	ASSERT_EQ(0, cb_send(to_child, 'f'));
	ASSERT_EQ('w', cb_recv(from_child));
	/* The child's writes land in the memory the parent still maps. */
	EXPECT_EQ(-1, cb_check(p, LT_SIZE / 2, 0, 12));
	EXPECT_EQ(-1, cb_check(p + LT_SIZE / 2, LT_SIZE / 2, LT_SIZE / 2, 11));
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, cb_send(to_child, 'x'));
	EXPECT_EQ(0, cb_wait(pid));
	EXPECT_EQ(HELD, USED_DELTA());
	EXPECT_EQ(-1, cb_check(p, LT_SIZE / 2, 0, 12));
	ASSERT_EQ(0, munmap(p, LT_SIZE));
	EXPECT_EQ(0, USED_DELTA());
	close(to_child);
	close(from_child);
	SKIP_IF_NO_CMA_ACCOUNTING();
}

TEST_F(life, fork_with_mapping_free_parent_unmaps_first_then_child_exits)
{
	int to_child, from_child;
	uint8_t *p;
	pid_t pid = map_and_fork(&p, &to_child, &from_child);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_send(to_child, 'f'));
	ASSERT_EQ('w', cb_recv(from_child));
	EXPECT_EQ(-1, cb_check(p, LT_SIZE / 2, 0, 12));
	ASSERT_EQ(0, munmap(p, LT_SIZE));
	/* The child still maps it. */
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, cb_send(to_child, 'x'));
	EXPECT_EQ(0, cb_wait(pid));
	EXPECT_EQ(0, USED_DELTA());
	close(to_child);
	close(from_child);
	SKIP_IF_NO_CMA_ACCOUNTING();
}

/*
 * Second, unrelated user: opens and maps cma_buf0 itself, closes the fd,
 * says 'm'; after 'f' (freed) checks pattern 21, writes pattern 22, says
 * 'w'; exits on 'x'. Exit codes: 0 fine, 20+ which step failed.
 */
static void second_user(int in, int out)
{
	uint8_t *p;
	int fd = cb_open(0, O_RDWR);

	if (fd < 0)
		_exit(20);
	p = mmap(NULL, LT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		_exit(21);
	cb_fill(p, LT_SIZE, 0, 21);
	if (cb_send(out, 'm') || cb_recv(in) != 'f')
		_exit(22);
	if (cb_check(p, LT_SIZE, 0, 21) != -1)
		_exit(23);
	cb_fill(p, LT_SIZE, 0, 22);
	if (cb_send(out, 'w') || cb_recv(in) != 'x')
		_exit(24);
	_exit(0);
}

TEST_F(life, free_while_mapped_by_two_processes_keeps_pages_until_both_unmap)
{
	int down[2], up[2], fd;
	uint8_t *p;
	pid_t pid;

	ASSERT_EQ(0, cb_alloc("1M"));
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(down[1]);
		close(up[0]);
		second_user(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	ASSERT_EQ('m', cb_recv(up[0]));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, LT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	EXPECT_EQ(-1, cb_check(p, LT_SIZE, 0, 21));

	ASSERT_EQ(0, cb_free(0));
	EXPECT_FALSE(cb_node_exists(0));
	ASSERT_EQ(0, cb_send(down[1], 'f'));
	ASSERT_EQ('w', cb_recv(up[0]));
	EXPECT_EQ(-1, cb_check(p, LT_SIZE, 0, 22));
	ASSERT_EQ(0, munmap(p, LT_SIZE));
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, cb_send(down[1], 'x'));
	EXPECT_EQ(0, cb_wait(pid));
	EXPECT_EQ(0, USED_DELTA());
	close(down[1]);
	close(up[0]);
	SKIP_IF_NO_CMA_ACCOUNTING();
}

/* Linux 6.1 refuses with EWOULDBLOCK (== EAGAIN) while the refcount is held. */
TEST_F(life, unload_refused_while_open_or_mapped)
{
	uint8_t buf[16], *p;
	int fd;

	ASSERT_EQ(0, cb_alloc("1M"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, cb_module_unload(O_NONBLOCK));
	EXPECT_TRUE(cb_module_loaded());
	EXPECT_TRUE(cb_buf_exists(0));
	/* Freed but still open: still refused. */
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(-EWOULDBLOCK, cb_module_unload(O_NONBLOCK));
	EXPECT_TRUE(cb_module_loaded());
	/* Only a mapping left, no fd: still refused, and the mapping works. */
	p = mmap(NULL, LT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, cb_module_unload(O_NONBLOCK));
	EXPECT_TRUE(cb_module_loaded());
	cb_fill(p, sizeof(buf), 0, 31);
	EXPECT_EQ(-1, cb_check(p, sizeof(buf), 0, 31));
	EXPECT_EQ(HELD, USED_DELTA());
	ASSERT_EQ(0, munmap(p, LT_SIZE));
	EXPECT_EQ(0, USED_DELTA());
	/* Nothing left: the class and its files are still there and work. */
	EXPECT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(0));
}

TEST_F(life, unload_with_idle_buffers_frees_all_then_reload_works)
{
	int fd;

	ASSERT_EQ(0, cb_alloc_at(LT_SIZE, 0));
	ASSERT_EQ(0, cb_alloc_at(LT_SIZE, 1));
	ASSERT_EQ(0, cb_alloc_at(LT_SIZE, 7));
	/* One more that was freed while open, then closed. */
	ASSERT_EQ(0, cb_alloc_at(LT_SIZE, 2));
	fd = cb_open(2, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cb_free(2));
	close(fd);
	EXPECT_EQ(3 * HELD, USED_DELTA());

	ASSERT_EQ(0, cb_module_unload(O_NONBLOCK));
	EXPECT_FALSE(cb_exists("/sys/module/" CB_MODNAME));
	EXPECT_FALSE(cb_exists(CB_CLASS));
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_FALSE(cb_node_exists(1));
	EXPECT_FALSE(cb_node_exists(7));
	EXPECT_EQ(0, USED_DELTA());

	ASSERT_EQ(0, cb_module_load());
	EXPECT_TRUE(cb_module_loaded());
	EXPECT_EQ(0, cb_count());
	ASSERT_EQ(0, cb_alloc("1M"));
	EXPECT_TRUE(cb_buf_exists(0));
	EXPECT_TRUE(cb_node_exists(0));
	EXPECT_EQ(HELD, USED_DELTA());
	SKIP_IF_NO_CMA_ACCOUNTING();
}

TEST_F(life, unload_with_no_buffers_then_reload_keeps_params)
{
	const char *params = getenv("CMA_BUF_MODPARAMS");
	char backend[32];

	ASSERT_EQ(0, cb_module_unload(O_NONBLOCK));
	EXPECT_FALSE(cb_module_loaded());
	EXPECT_EQ(-ENOENT, cb_alloc("1M"));
	ASSERT_EQ(0, cb_module_load());
	EXPECT_EQ(-EEXIST, cb_module_load());
	ASSERT_LT(0, cb_read(CB_CLASS "/backend", backend, sizeof(backend)));
	EXPECT_EQ(0, strncmp(backend, cb_expected_backend(), strlen(cb_expected_backend())))
		TH_LOG("params '%s', backend reads '%s'", params ? params : "", backend);
}

static pid_t main_pid;

static void __attribute__((constructor)) remember_main_pid(void)
{
	main_pid = getpid();
}

/* Whatever happened above (a test killed by its timeout), leave the module loaded. */
static void __attribute__((destructor)) reload_at_exit(void)
{
	if (getpid() == main_pid && !cb_module_loaded() && cb_module_load())
		fprintf(stderr, "# lifetime: could not reload the cma_buf module\n");
}

/* The buffer's "mappings" attribute; -1 when it cannot be read. */
static long mappings(int index)
{
	char b[32];

	if (cb_attr(index, "mappings", b, sizeof(b)) <= 0)
		return -1;
	return strtol(b, NULL, 10);
}

/*
 * "mappings" counts every VMA, whatever made it: mmap of the node or of a
 * dma-buf, a split, a fork, mremap; failed mmaps and open files count
 * nothing. Checked against what each step must give, and it is read-only.
 */
TEST_F(life, mappings_counts_every_vma)
{
	struct cma_buf_export exp = { .flags = O_RDWR | O_CLOEXEC };
	int fd, wfd, err, down[2];
	uint8_t *p, *q, *d;
	pid_t pid;

	ASSERT_EQ(0, cb_alloc("1M"));
	EXPECT_EQ(0, mappings(0));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mappings(0));
	p = mmap(NULL, 3 * CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(1, mappings(0));
	q = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, 4 * CB_PAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(2, mappings(0));
	/* Refused mappings leave no count behind. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, CB_PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * CB_PAGE, PROT_READ, MAP_SHARED, fd, LT_SIZE - CB_PAGE));
	EXPECT_EQ(2, mappings(0));
	/* Unmapping the middle page leaves two areas of the first mapping. */
	ASSERT_EQ(0, munmap(p + CB_PAGE, CB_PAGE));
	EXPECT_EQ(3, mappings(0));
	/* Moved, not copied. */
	q = mremap(q, CB_PAGE, CB_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + CB_PAGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(3, mappings(0));
	/* A dma-buf's mapping counts for the buffer it exports. */
	ASSERT_EQ(0, ioctl(fd, CMA_BUF_IOC_EXPORT_DMABUF, &exp));
	d = mmap(NULL, LT_SIZE, PROT_READ, MAP_SHARED, exp.fd, 0);
	ASSERT_NE(MAP_FAILED, d);
	EXPECT_EQ(4, mappings(0));
	/* A child has its own copy of each area until it exits. */
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(down[1]);
		_exit(cb_recv(down[0]) == 'x' ? 0 : 1);
	}
	close(down[0]);
	EXPECT_EQ(8, mappings(0));
	ASSERT_EQ(0, cb_send(down[1], 'x'));
	EXPECT_EQ(0, cb_wait(pid));
	close(down[1]);
	EXPECT_EQ(4, mappings(0));
	/* Written by nobody: the attribute is read-only, even for root. */
	wfd = open(CB_CLASS "/cma_buf0/mappings", O_WRONLY);
	err = errno;
	EXPECT_EQ(-1, wfd);
	EXPECT_EQ(EACCES, err);
	ASSERT_EQ(0, munmap(d, LT_SIZE));
	close(exp.fd);
	ASSERT_EQ(0, munmap(p, 3 * CB_PAGE));
	EXPECT_EQ(0, mappings(0));
	close(fd);
}

TEST_HARNESS_MAIN
