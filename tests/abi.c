// SPDX-License-Identifier: GPL-2.0
/*
 * The user ABI, row by row: what the alloc and free control files accept and
 * refuse (with which errno, leaving nothing behind), the limits, the device
 * node's mmap/read/write/lseek semantics, zeroing, permissions and uevents.
 */
#include "cma_buf_test.h"

#include <grp.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kselftest_harness.h"

/* Bytes of a string literal, embedded NULs included, without the final one. */
#define LIT(s)	.in = s, .len = sizeof(s) - 1

/*
 * alloc_bad: one hostile write per row, each refused with its errno, and
 * afterwards no buffer, no node, no CMA page, no index and no byte of
 * max_bytes kept.
 */
FIXTURE(alloc_bad) {
	long used0;
	unsigned long long max_bytes;
};

FIXTURE_VARIANT(alloc_bad) {
	const char *in;
	size_t len;
	int err;
};

#define BAD(name, s, e) \
	FIXTURE_VARIANT_ADD(alloc_bad, name) { LIT(s), .err = e }

BAD(newline_only, "\n", EINVAL);
BAD(blanks_only, " \t \n", EINVAL);
BAD(zero, "0", EINVAL);
BAD(zero_hex, "0x0\n", EINVAL);
BAD(zero_with_suffix, "0K", EINVAL);
BAD(negative, "-1", EINVAL);
BAD(negative_page, "-4096\n", EINVAL);
BAD(plus_sign, "+4096", EINVAL);
BAD(junk_after_number, "4096junk", EINVAL);
BAD(junk_after_suffix, "4KB", EINVAL);
BAD(suffix_as_second_token, "4 K", EINVAL);
BAD(hex_prefix_alone, "0x", EINVAL);
BAD(hex_prefix_with_suffix_only, "0xK", EINVAL);
BAD(suffix_alone, "K", EINVAL);
BAD(bad_hex_digit, "0x1000g0", EINVAL);
BAD(decimal_point, "1.5M", EINVAL);
BAD(exponent, "1e3", EINVAL);
BAD(binary_prefix, "0b101", EINVAL);
BAD(overflow_decimal, "99999999999999999999", EINVAL);
BAD(overflow_exa_suffix, "16E", EINVAL);
BAD(overflow_by_suffix, "17179869184G", EINVAL);
BAD(overflow_rounding_max, "0xffffffffffffffff", EINVAL);
BAD(overflow_rounding_first, "0xfffffffffffff001", EINVAL);
BAD(two_lines, "4K\n4K\n", EINVAL);
BAD(two_newlines, "4K\n\n", EINVAL);
BAD(carriage_return, "4K\r\n", EINVAL);
BAD(embedded_nul, "4K\0", EINVAL);
BAD(nul_then_junk, "4K\0junk", EINVAL);
BAD(utf8_fullwidth_digit, "\xef\xbc\x94K", EINVAL);
BAD(align_without_size, "align=4K", EINVAL);
BAD(repeated_index, "4K 1 2", EINVAL);
BAD(repeated_align, "4K align=4K align=4K", EINVAL);
BAD(too_many_tokens, "4K 1 align=4K x", EINVAL);
BAD(too_many_options, "4K 1 align=4K pinnable area=x x x", EINVAL);
BAD(align_not_power_of_two, "4K align=3", EINVAL);
BAD(align_zero, "4K align=0", EINVAL);
BAD(align_empty, "4K align=", EINVAL);
BAD(align_junk, "4K align=4KB", EINVAL);
BAD(align_hex_prefix_alone, "4K align=0x", EINVAL);
BAD(align_beyond_memory, "4K align=0x8000000000000000", EINVAL);
BAD(index_negative, "4K -1", EINVAL);
BAD(index_hex, "4K 0x1", EINVAL);
BAD(index_with_suffix, "4K 1K", EINVAL);
BAD(index_int_min, "4K 2147483648", EINVAL);
BAD(index_uint_max, "4K 4294967295", EINVAL);
BAD(index_over_uint, "4K 4294967296", EINVAL);
BAD(index_overflow, "4K 99999999999999999999", EINVAL);
BAD(unknown_option, "4K flags=1", EINVAL);
BAD(area_empty, "4K area=", EINVAL);
BAD(area_unknown, "4K area=no-such-area", ENOENT);
BAD(area_slash, "4K area=a/b", EINVAL);
BAD(area_control_char, "4K area=a\x01", EINVAL);
BAD(area_nul, "4K area=a\0b", EINVAL);
BAD(area_too_long, "4K area=0123456789012345678901234567890123456789012345678901234567890123",
    EINVAL);
BAD(area_repeated, "4K area=x area=x", EINVAL);
BAD(area_and_node, "4K area=x node=0", EINVAL);
BAD(node_and_area, "4K node=0 area=x", EINVAL);
BAD(area_upper_case_key, "4K AREA=x", EINVAL);
BAD(node_empty, "4K node=", EINVAL);
BAD(node_negative, "4K node=-1", EINVAL);
BAD(node_hex, "4K node=0x1", EINVAL);
BAD(node_junk, "4K node=1x", EINVAL);
BAD(node_beyond_max_numnodes, "4K node=99999999", EINVAL);
BAD(node_overflow, "4K node=99999999999999999999", EINVAL);
BAD(node_repeated, "4K node=0 node=0", EINVAL);
BAD(more_than_ram, "4G", ENOMEM);
BAD(more_than_cma, "300M", ENOMEM);
BAD(largest_page_multiple, "0xfffffffffffff000", ENOMEM);

FIXTURE_SETUP(alloc_bad)
{
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	self->used0 = cb_cma_used();
	self->max_bytes = cb_param_ull("max_bytes");
	ASSERT_NE(~0ULL, self->max_bytes);
}

FIXTURE_TEARDOWN(alloc_bad)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu", self->max_bytes);
	EXPECT_EQ(0, cb_param_write("max_bytes", s));
	cb_free_all();
}

TEST_F(alloc_bad, refused_with_errno_and_nothing_left)
{
	int ret = cb_write(CB_CLASS "/alloc", variant->in, variant->len);

	EXPECT_EQ(-variant->err, ret)
		TH_LOG("expected %s, got %s", strerror(variant->err), strerror(-ret));
	EXPECT_EQ(0, cb_count());
	EXPECT_FALSE(cb_node_exists(0));
	EXPECT_EQ(self->used0, cb_cma_used());
	/* Neither an index nor a byte of max_bytes was kept. */
	ASSERT_EQ(0, cb_param_write("max_bytes", "65536"));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(0));
	EXPECT_EQ(1, cb_count());
}

/* alloc_good: accepted spellings, with the size and index they give. */
FIXTURE(alloc_good) {
	long used0;
};

FIXTURE_VARIANT(alloc_good) {
	const char *in;
	size_t len;
	unsigned long size;
	int index;
	unsigned long align;
};

#define GOOD(name, s, sz, idx, al) \
	FIXTURE_VARIANT_ADD(alloc_good, name) { LIT(s), .size = sz, .index = idx, .align = al }

GOOD(blanks_tab_newline, "  4K\t\n", 4096, 0, 0);
GOOD(hex, "0x1000", 4096, 0, 0);
GOOD(hex_upper_x, "0X1000\n", 4096, 0, 0);
GOOD(hex_upper_digits, "0xAB000", 0xab000, 0, 0);
GOOD(hex_with_suffix, "0x1k", 4096, 0, 0);
GOOD(lower_m, "1m", 1048576, 0, 0);
GOOD(upper_m_newline, "1M\n", 1048576, 0, 0);
GOOD(lower_k, "8k", 8192, 0, 0);
GOOD(leading_zeros, "0004096", 4096, 0, 0);
GOOD(one_byte_rounds_up, "1", 4096, 0, 0);
GOOD(page_plus_one_rounds_up, "4097", 8192, 0, 0);
GOOD(size_index, "4096 7", 4096, 7, 0);
GOOD(size_index_blanks, "\t4096   7 \n", 4096, 7, 0);
GOOD(align_page, "4K align=4K", 4096, 0, 4096);
GOOD(align_equal_size, "64K align=64K", 65536, 0, 65536);
GOOD(align_hex, "64K align=0x10000\n", 65536, 0, 65536);
GOOD(align_then_index, "64K align=64K 3", 65536, 3, 65536);
GOOD(index_then_align, "2M 5 align=1M", 2097152, 5, 1048576);

FIXTURE_SETUP(alloc_good)
{
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	self->used0 = cb_cma_used();
}

FIXTURE_TEARDOWN(alloc_good)
{
	cb_free_all();
}

TEST_F(alloc_good, creates_buffer_of_expected_size_and_index)
{
	unsigned long long phys;
	int ret = cb_write(CB_CLASS "/alloc", variant->in, variant->len);

	ASSERT_EQ(0, ret) TH_LOG("refused: %s", strerror(-ret));
	EXPECT_EQ(1, cb_count());
	ASSERT_TRUE(cb_buf_exists(variant->index));
	EXPECT_TRUE(cb_node_exists(variant->index));
	EXPECT_EQ(variant->size, cb_size(variant->index));
	phys = cb_phys(variant->index);
	ASSERT_NE(~0ULL, phys);
	EXPECT_EQ(0, phys % CB_PAGE);
	if (variant->align)
		EXPECT_EQ(0, phys % variant->align)
			TH_LOG("phys 0x%llx is not aligned to 0x%lx", phys, variant->align);
	ASSERT_EQ(0, cb_free(variant->index));
	EXPECT_EQ(0, cb_count());
	EXPECT_EQ(self->used0, cb_cma_used());
}

/* free_input: what the free file refuses, and what it takes, with cma_buf0 present. */
FIXTURE(free_input) {
	long used1;	/* CMA pages in use with cma_buf0 allocated */
};

FIXTURE_VARIANT(free_input) {
	const char *in;
	size_t len;
	int err;
};

#define FREE(name, s, e) \
	FIXTURE_VARIANT_ADD(free_input, name) { LIT(s), .err = e }

FREE(garbage, "garbage", EINVAL);
FREE(newline_only, "\n", EINVAL);
FREE(blanks_only, "  \t\n", EINVAL);
FREE(prefix_alone, "cma_buf", EINVAL);
FREE(prefix_letter, "cma_bufx", EINVAL);
FREE(prefix_negative, "cma_buf-0", EINVAL);
FREE(prefix_blank_index, "cma_buf 0", EINVAL);
FREE(prefix_upper_case, "CMA_BUF0", EINVAL);
FREE(wrong_prefix, "buf0", EINVAL);
FREE(negative, "-1", EINVAL);
FREE(plus_sign, "+0", EINVAL);
FREE(two_indices, "1 2", EINVAL);
FREE(same_index_twice, "0 0", EINVAL);
FREE(hex_index, "0x0", EINVAL);
FREE(junk_after_index, "0junk", EINVAL);
FREE(two_newlines, "0\n\n", EINVAL);
FREE(embedded_nul, "0\0", EINVAL);
FREE(over_uint, "4294967296", EINVAL);
FREE(absent_index, "5", ENOENT);
FREE(absent_name, "cma_buf5\n", ENOENT);
FREE(absent_uint_max, "4294967295", ENOENT);
FREE(absent_over_max_buffers, "1048576", ENOENT);
FREE(index, "0", 0);
FREE(index_newline_blanks, " 0\t\n", 0);
FREE(leading_zeros, "00", 0);
FREE(name, "cma_buf0", 0);
FREE(name_newline, "cma_buf0\n", 0);

FIXTURE_SETUP(free_input)
{
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	ASSERT_EQ(0, cb_alloc_at(CB_MIB, 0));
	self->used1 = cb_cma_used();
}

FIXTURE_TEARDOWN(free_input)
{
	cb_free_all();
}

TEST_F(free_input, gives_errno_and_frees_only_when_valid)
{
	int ret = cb_write(CB_CLASS "/free", variant->in, variant->len);

	EXPECT_EQ(-variant->err, ret)
		TH_LOG("expected %s, got %s", strerror(variant->err), strerror(-ret));
	if (variant->err) {
		EXPECT_TRUE(cb_buf_exists(0));
		EXPECT_TRUE(cb_node_exists(0));
		EXPECT_EQ(CB_MIB, cb_size(0));
		EXPECT_EQ(self->used1, cb_cma_used());
	} else {
		EXPECT_FALSE(cb_buf_exists(0));
		EXPECT_FALSE(cb_node_exists(0));
		if (self->used1 >= 0)
			EXPECT_EQ(self->used1 - 256, cb_cma_used());
	}
}

/* abi: everything else, one behaviour per test. */
FIXTURE(abi) {
	long used0;
	unsigned long long max_bytes, max_buffers;
};

FIXTURE_SETUP(abi)
{
	cb_free_all();
	ASSERT_EQ(0, cb_count());
	self->used0 = cb_cma_used();
	self->max_bytes = cb_param_ull("max_bytes");
	self->max_buffers = cb_param_ull("max_buffers");
	ASSERT_NE(~0ULL, self->max_bytes);
	ASSERT_NE(~0ULL, self->max_buffers);
}

FIXTURE_TEARDOWN(abi)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu", self->max_bytes);
	EXPECT_EQ(0, cb_param_write("max_bytes", s));
	snprintf(s, sizeof(s), "%llu", self->max_buffers);
	EXPECT_EQ(0, cb_param_write("max_buffers", s));
	cb_free_all();
}

/* A zero-byte write() never reaches the store callback: sysfs returns 0. */
TEST_F(abi, zero_length_write_to_alloc_creates_nothing)
{
	int fd = open(CB_CLASS "/alloc", O_WRONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, write(fd, "", 0));
	close(fd);
	EXPECT_EQ(0, cb_count());
	EXPECT_EQ(self->used0, cb_cma_used());
}

TEST_F(abi, free_of_already_freed_buffer_is_enoent)
{
	ASSERT_EQ(0, cb_alloc("64K"));
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(-ENOENT, cb_free(0));
	EXPECT_EQ(-ENOENT, cb_write_str(CB_CLASS "/free", "cma_buf0\n"));
	EXPECT_EQ(0, cb_count());
}

TEST_F(abi, alloc_at_taken_index_is_eexist_and_keeps_first)
{
	ASSERT_EQ(0, cb_alloc_at(CB_MIB, 4));
	EXPECT_EQ(-EEXIST, cb_alloc_at(2 * CB_MIB, 4));
	EXPECT_EQ(-EEXIST, cb_alloc("4K 4 align=4K"));
	EXPECT_EQ(1, cb_count());
	EXPECT_EQ(CB_MIB, cb_size(4));
	if (self->used0 >= 0)
		EXPECT_EQ(self->used0 + 256, cb_cma_used());
	/* The failed attempts did not take index 0 either. */
	ASSERT_EQ(0, cb_alloc("4K"));
	EXPECT_TRUE(cb_buf_exists(0));
}

TEST_F(abi, alloc_at_index_max_buffers_is_einval_and_below_works)
{
	char s[64];
	int last = (int)self->max_buffers - 1;

	snprintf(s, sizeof(s), "4K %llu", self->max_buffers);
	EXPECT_EQ(-EINVAL, cb_alloc(s));
	snprintf(s, sizeof(s), "4K %llu", self->max_buffers + 1000);
	EXPECT_EQ(-EINVAL, cb_alloc(s));
	EXPECT_EQ(0, cb_count());
	ASSERT_EQ(0, cb_alloc_at(CB_PAGE, last));
	EXPECT_TRUE(cb_buf_exists(last));
	EXPECT_TRUE(cb_node_exists(last));
}

TEST_F(abi, max_buffers_limit_gives_enospc)
{
	ASSERT_EQ(0, cb_param_write("max_buffers", "2"));
	ASSERT_EQ(0, cb_alloc("64K"));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_EQ(-ENOSPC, cb_alloc("64K"));
	EXPECT_EQ(-EINVAL, cb_alloc_at(64 * 1024, 2));
	EXPECT_EQ(2, cb_count());
	EXPECT_FALSE(cb_buf_exists(2));
	if (self->used0 >= 0)
		EXPECT_EQ(self->used0 + 32, cb_cma_used());
	ASSERT_EQ(0, cb_free(0));
	EXPECT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(0));
}

TEST_F(abi, max_buffers_param_refuses_zero_and_more_than_minors)
{
	EXPECT_EQ(-EINVAL, cb_param_write("max_buffers", "0"));
	EXPECT_EQ(-EINVAL, cb_param_write("max_buffers", "1048577"));
	EXPECT_EQ(-EINVAL, cb_param_write("max_buffers", "junk"));
	EXPECT_EQ(self->max_buffers, cb_param_ull("max_buffers"));
}

TEST_F(abi, max_bytes_limit_gives_enospc_on_rounded_size)
{
	/* 129K: room for 64K and 65537 bytes, but not once those round to 68K. */
	ASSERT_EQ(0, cb_param_write("max_bytes", "132096"));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_EQ(-ENOSPC, cb_alloc("65537 1"));
	EXPECT_EQ(1, cb_count());
	EXPECT_FALSE(cb_buf_exists(1));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_TRUE(cb_buf_exists(1));
	EXPECT_EQ(-ENOSPC, cb_alloc("1"));
	EXPECT_EQ(2, cb_count());
	if (self->used0 >= 0)
		EXPECT_EQ(self->used0 + 32, cb_cma_used());
	/* Freeing gives the bytes back. */
	ASSERT_EQ(0, cb_free(1));
	EXPECT_EQ(0, cb_alloc("64K"));
	EXPECT_EQ(-ENOSPC, cb_alloc("1"));
	/* 0 is no limit. */
	ASSERT_EQ(0, cb_param_write("max_bytes", "0"));
	EXPECT_EQ(0, cb_alloc("64K"));
	EXPECT_EQ(3, cb_count());
}

/*
 * sysfs hands a store callback at most PAGE_SIZE bytes and reports a short
 * write for the rest, so junk beyond the first page must not let a write
 * through: the module has to refuse a write that fills the page.
 */
TEST_F(abi, alloc_write_longer_than_a_page_with_junk_is_einval)
{
	char big[CB_PAGE + 1];
	int fd;
	ssize_t n;

	memset(big, ' ', sizeof(big));
	memcpy(big, "4K", 2);
	big[CB_PAGE] = 'X';
	fd = open(CB_CLASS "/alloc", O_WRONLY);
	ASSERT_LE(0, fd);
	n = write(fd, big, sizeof(big));
	close(fd);
	EXPECT_EQ(-1, n) TH_LOG("write of %zu bytes returned %zd", sizeof(big), n);
	EXPECT_EQ(0, cb_count());
	EXPECT_EQ(self->used0, cb_cma_used());
}

TEST_F(abi, alloc_write_of_a_page_of_digits_is_einval)
{
	char big[CB_PAGE];

	memset(big, '9', sizeof(big));
	EXPECT_EQ(-EINVAL, cb_write(CB_CLASS "/alloc", big, sizeof(big)));
	EXPECT_EQ(0, cb_count());
}

static unsigned int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? ~0U : (st.st_mode & 07777);
}

TEST_F(abi, control_and_buffer_files_have_documented_modes)
{
	char path[128];
	struct stat st;

	EXPECT_EQ(0200, mode_of(CB_CLASS "/alloc"));
	EXPECT_EQ(0200, mode_of(CB_CLASS "/free"));
	ASSERT_EQ(0, cb_alloc_at(CB_PAGE, 6));
	cb_attr_path(path, sizeof(path), 6, "phys_addr");
	EXPECT_EQ(0400, mode_of(path));
	cb_attr_path(path, sizeof(path), 6, "size");
	EXPECT_EQ(0444, mode_of(path));
	cb_attr_path(path, sizeof(path), 6, "origin");
	EXPECT_EQ(0444, mode_of(path));
	cb_attr_path(path, sizeof(path), 6, "dev");
	EXPECT_EQ(0444, mode_of(path));
	cb_attr_path(path, sizeof(path), 6, "uevent");
	EXPECT_TRUE(cb_exists(path));
	ASSERT_EQ(0, stat("/dev/cma_buf6", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

static int open_new(const char *spec, int flags)
{
	int fd;

	if (cb_alloc(spec))
		return -1;
	fd = cb_open(0, flags);
	return fd;
}

TEST_F(abi, mmap_private_is_einval)
{
	void *p;
	int fd = open_new("64K", O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(abi, mmap_at_huge_offset_is_einval)
{
	void *p;
	int fd = open_new("64K", O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, (off_t)1 << 40);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, 16 * CB_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* The last page itself is fine. */
	p = mmap(NULL, CB_PAGE, PROT_READ, MAP_SHARED, fd, 15 * CB_PAGE);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, CB_PAGE);
	close(fd);
}

TEST_F(abi, mremap_cannot_grow_a_mapping)
{
	void *p, *q;
	int fd = open_new("64K", O_RDWR);

	ASSERT_LE(0, fd);
	/* Even a grow that would stay inside the buffer is refused. */
	p = mmap(NULL, 8 * CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, 8 * CB_PAGE, 16 * CB_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, 8 * CB_PAGE, 16 * CB_PAGE, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, 8 * CB_PAGE, 32 * CB_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	munmap(p, 8 * CB_PAGE);
	close(fd);
}

TEST_F(abi, mremap_shrink_keeps_the_first_pages)
{
	uint8_t *p, *q;
	int fd = open_new("64K", O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, 16 * CB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	cb_fill(p, 16 * CB_PAGE, 0, 21);
	q = mremap(p, 16 * CB_PAGE, 4 * CB_PAGE, 0);
	ASSERT_EQ(p, q);
	EXPECT_EQ(-1, cb_check(q, 4 * CB_PAGE, 0, 21));
	cb_fill(q, CB_PAGE, 0, 22);
	EXPECT_EQ(0, munmap(q, 4 * CB_PAGE));
	/* The writes went to the buffer. */
	p = mmap(NULL, 16 * CB_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, cb_check(p, CB_PAGE, 0, 22));
	EXPECT_EQ(-1, cb_check(p + CB_PAGE, 15 * CB_PAGE, CB_PAGE, 21));
	munmap(p, 16 * CB_PAGE);
	close(fd);
}

TEST_F(abi, smaps_vmflags_show_shared_dontdump_dontexpand)
{
	char flags[256];
	void *p;
	int fd = open_new("64K", O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(cb_vmflags(p, flags, sizeof(flags)));
	EXPECT_TRUE(cb_has_vmflag(flags, "dd")) TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(cb_has_vmflag(flags, "de")) TH_LOG("VmFlags:%s", flags);
	EXPECT_TRUE(cb_has_vmflag(flags, "sh")) TH_LOG("VmFlags:%s", flags);
	munmap(p, 65536);
	close(fd);
}

#define RW_SIZE	(4 * CB_PAGE)

TEST_F(abi, read_gives_zeros_then_eof_at_size)
{
	static uint8_t buf[2 * RW_SIZE];
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	memset(buf, 0xa5, sizeof(buf));
	EXPECT_EQ(RW_SIZE, read(fd, buf, sizeof(buf)));
	EXPECT_TRUE(cb_all_zero(buf, RW_SIZE));
	EXPECT_EQ(0xa5, buf[RW_SIZE]);
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(RW_SIZE, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, pread(fd, buf, 1, RW_SIZE));
	EXPECT_EQ(0, pread(fd, buf, 1, (off_t)1 << 40));
	EXPECT_EQ(1, pread(fd, buf, 1, RW_SIZE - 1));
	EXPECT_EQ(-1, pread(fd, buf, 1, -1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(abi, lseek_within_buffer_and_seek_end_is_size)
{
	uint8_t buf[1000];
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(RW_SIZE, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(RW_SIZE - 100, lseek(fd, -100, SEEK_END));
	EXPECT_EQ(RW_SIZE - 90, lseek(fd, 10, SEEK_CUR));
	EXPECT_EQ(90, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(RW_SIZE, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(123, lseek(fd, 123, SEEK_SET));
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, RW_SIZE + 1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, 1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	/* Failed seeks leave the position where it was. */
	EXPECT_EQ(123, lseek(fd, 0, SEEK_CUR));
	close(fd);
}

TEST_F(abi, write_at_or_past_end_is_enospc)
{
	uint8_t buf[64], last;
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(RW_SIZE, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(-1, write(fd, buf, 1));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, sizeof(buf), RW_SIZE));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, sizeof(buf), RW_SIZE + CB_PAGE));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, sizeof(buf), (off_t)1 << 40));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(1, pread(fd, &last, 1, RW_SIZE - 1));
	EXPECT_EQ(0, last);
	close(fd);
}

TEST_F(abi, write_crossing_end_is_short_then_enospc)
{
	uint8_t buf[100], got[100];
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	cb_fill(buf, sizeof(buf), 0, 5);
	EXPECT_EQ(10, pwrite(fd, buf, sizeof(buf), RW_SIZE - 10));
	EXPECT_EQ(10, pread(fd, got, sizeof(got), RW_SIZE - 10));
	EXPECT_EQ(-1, cb_check(got, 10, 0, 5));
	ASSERT_EQ(RW_SIZE - 30, lseek(fd, -30, SEEK_END));
	EXPECT_EQ(30, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(RW_SIZE, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(ENOSPC, errno);
	close(fd);
}

/* What dd does: odd-sized sequential writes until ENOSPC, then read back. */
TEST_F(abi, sequential_io_like_dd_covers_exactly_size)
{
	static uint8_t chunk[3000], back[RW_SIZE + 3000];
	size_t total = 0;
	ssize_t n;
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	for (;;) {
		cb_fill(chunk, sizeof(chunk), total, 9);
		n = write(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		total += n;
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(RW_SIZE, total);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	total = 0;
	while ((n = read(fd, back + total, 3000)) > 0)
		total += n;
	EXPECT_EQ(0, n);
	EXPECT_EQ(RW_SIZE, total);
	EXPECT_EQ(-1, cb_check(back, RW_SIZE, 0, 9));
	close(fd);
}

TEST_F(abi, fd_io_and_mapping_see_the_same_bytes)
{
	static uint8_t buf[RW_SIZE];
	uint8_t *p;
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	p = mmap(NULL, RW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* pwrite, then the mapping reads it. */
	cb_fill(buf, RW_SIZE, 0, 31);
	ASSERT_EQ(RW_SIZE, pwrite(fd, buf, RW_SIZE, 0));
	EXPECT_EQ(-1, cb_check(p, RW_SIZE, 0, 31));
	/* The mapping writes, then pread at an odd offset reads it. */
	cb_fill(p, RW_SIZE, 0, 32);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(RW_SIZE - 777, pread(fd, buf, RW_SIZE, 777));
	EXPECT_EQ(-1, cb_check(buf, RW_SIZE - 777, 777, 32));
	munmap(p, RW_SIZE);
	close(fd);
}

TEST_F(abi, io_to_bad_user_memory_is_efault_or_short)
{
	uint8_t *two, *bad;
	int fd = open_new("16K", O_RDWR);

	ASSERT_LE(0, fd);
	/* A user buffer whose second page is inaccessible. */
	two = mmap(NULL, 2 * CB_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	bad = two + CB_PAGE;
	ASSERT_EQ(0, mprotect(bad, CB_PAGE, PROT_NONE));
	EXPECT_EQ(-1, read(fd, bad, 100));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, write(fd, bad, 100));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	/* Only the accessible page moves, and the count says so. */
	EXPECT_EQ(CB_PAGE, pread(fd, two, 2 * CB_PAGE, 0));
	cb_fill(two, CB_PAGE, 0, 41);
	EXPECT_EQ(CB_PAGE, pwrite(fd, two, 2 * CB_PAGE, CB_PAGE));
	EXPECT_EQ(0, mprotect(bad, CB_PAGE, PROT_READ | PROT_WRITE));
	memset(two, 0, 2 * CB_PAGE);
	EXPECT_EQ(2 * CB_PAGE, pread(fd, two, 2 * CB_PAGE, CB_PAGE));
	EXPECT_EQ(-1, cb_check(two, CB_PAGE, 0, 41));
	EXPECT_TRUE(cb_all_zero(two + CB_PAGE, CB_PAGE));
	munmap(two, 2 * CB_PAGE);
	close(fd);
}

/* Fill cma_buf<@index> (@size bytes) with pattern @seed through a mapping. */
static int fill_buffer(int index, size_t size, unsigned int seed)
{
	uint8_t *p;
	int fd = cb_open(index, O_RDWR);

	if (fd < 0)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	cb_fill(p, size, 0, seed);
	munmap(p, size);
	return 0;
}

/* -1 if cma_buf<@index> reads all zero through read() and a mapping, else the offset. */
static long first_nonzero(int index, size_t size)
{
	static uint8_t buf[4 * 1024 * 1024];
	uint8_t *p;
	long bad = -1;
	int fd = cb_open(index, O_RDONLY);

	if (fd < 0 || size > sizeof(buf))
		return -2;
	if (pread(fd, buf, size, 0) != (ssize_t)size)
		bad = -3;
	for (size_t i = 0; bad == -1 && i < size; i++)
		if (buf[i])
			bad = i;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -4;
	for (size_t i = 0; bad == -1 && i < size; i++)
		if (p[i])
			bad = i;
	munmap(p, size);
	return bad;
}

TEST_F(abi, realloc_after_free_reads_zero_even_on_same_pages)
{
	unsigned long long phys1, phys2;

	ASSERT_EQ(0, cb_alloc("1M"));
	phys1 = cb_phys(0);
	ASSERT_EQ(0, fill_buffer(0, CB_MIB, 51));
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_alloc("1M"));
	phys2 = cb_phys(0);
	TH_LOG("phys before free 0x%llx, after 0x%llx: %s pages", phys1, phys2,
	       phys1 == phys2 ? "same" : "different");
	EXPECT_EQ(-1, first_nonzero(0, CB_MIB));
}

TEST_F(abi, smaller_buffers_in_a_freed_big_one_read_zero)
{
	unsigned long long big, lo = ~0ULL, hi = 0;
	int i;

	ASSERT_EQ(0, cb_alloc("4M"));
	big = cb_phys(0);
	ASSERT_EQ(0, fill_buffer(0, 4 * CB_MIB, 52));
	ASSERT_EQ(0, cb_free(0));
	for (i = 0; i < 4; i++) {
		unsigned long long phys;

		ASSERT_EQ(0, cb_alloc("1M"));
		phys = cb_phys(i);
		lo = phys < lo ? phys : lo;
		hi = phys > hi ? phys : hi;
		EXPECT_EQ(-1, first_nonzero(i, CB_MIB)) TH_LOG("cma_buf%d", i);
	}
	TH_LOG("big buffer at 0x%llx; the small ones span 0x%llx..0x%llx%s", big, lo,
	       hi + CB_MIB, lo >= big && hi < big + 4 * CB_MIB ? " (inside it)" : "");
}

TEST_F(abi, buffer_written_through_fd_reads_zero_when_reallocated)
{
	static uint8_t buf[64 * 1024];
	int fd;

	ASSERT_EQ(0, cb_alloc("64K"));
	fd = cb_open(0, O_RDWR);
	ASSERT_LE(0, fd);
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(sizeof(buf), pwrite(fd, buf, sizeof(buf), 0));
	close(fd);
	ASSERT_EQ(0, cb_free(0));
	ASSERT_EQ(0, cb_alloc("64K"));
	EXPECT_EQ(-1, first_nonzero(0, sizeof(buf)));
}

TEST_F(abi, read_only_fd_cannot_write_or_map_writable)
{
	uint8_t c = 1;
	void *p;
	int fd = open_new("64K", O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, 65536, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 65536);
	close(fd);
}

struct perm_result {
	int setuid_ok;
	int alloc_err, free_err, phys_err, node_err, size_err;
	char size[32];
};

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void perm_child(int out)
{
	struct perm_result r = { 0 };
	char path[128];
	int ret;

	r.setuid_ok = !setgroups(0, NULL) && !setgid(65534) && !setuid(65534) &&
		      geteuid() == 65534;
	r.alloc_err = open_errno(CB_CLASS "/alloc", O_WRONLY);
	r.free_err = open_errno(CB_CLASS "/free", O_WRONLY);
	cb_attr_path(path, sizeof(path), 0, "phys_addr");
	r.phys_err = open_errno(path, O_RDONLY);
	r.node_err = open_errno("/dev/cma_buf0", O_RDWR);
	if (!r.node_err)
		r.node_err = -1;
	else if (r.node_err == EACCES)
		r.node_err = open_errno("/dev/cma_buf0", O_RDONLY);
	ret = cb_attr(0, "size", r.size, sizeof(r.size));
	r.size_err = ret < 0 ? -ret : 0;
	_exit(write(out, &r, sizeof(r)) == sizeof(r) ? 0 : 1);
}

TEST_F(abi, unprivileged_user_gets_eacces_but_reads_size)
{
	struct perm_result r;
	int pfd[2];
	pid_t pid;

	ASSERT_EQ(0, cb_alloc("64K"));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pfd[0]);
		perm_child(pfd[1]);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(r), read(pfd[0], &r, sizeof(r)));
	close(pfd[0]);
	EXPECT_EQ(0, cb_wait(pid));
	ASSERT_TRUE(r.setuid_ok);
	EXPECT_EQ(EACCES, r.alloc_err);
	EXPECT_EQ(EACCES, r.free_err);
	EXPECT_EQ(EACCES, r.phys_err);
	EXPECT_EQ(EACCES, r.node_err);
	EXPECT_EQ(0, r.size_err);
	EXPECT_STREQ("65536\n", r.size);
	/* The child changed nothing. */
	EXPECT_EQ(1, cb_count());
	EXPECT_TRUE(cb_buf_exists(0));
}

/* Uevents: a netlink socket on the kernel's uevent multicast group. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	struct timeval tv = { .tv_sec = 10 };
	int sk = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	int sz = 1 << 20;

	if (sk < 0)
		return -1;
	setsockopt(sk, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(sk, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(sk);
		return -1;
	}
	return sk;
}

/* The value of @key in a uevent of @len bytes, or NULL. */
static const char *uevent_get(const char *msg, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = strlen(msg) + 1; i < len; i += strlen(msg + i) + 1)
		if (!strncmp(msg + i, key, klen) && msg[i + klen] == '=')
			return msg + i + klen + 1;
	return NULL;
}

/*
 * Receive uevents until one of subsystem cma_buf arrives; copy its header
 * ("action@devpath") and DEVNAME into @head and @devname. 0, or -errno
 * (-EAGAIN when none came within the receive timeout).
 */
static int uevent_next_cma_buf(int sk, char *head, size_t hlen, char *devname, size_t dlen)
{
	char msg[8192];

	for (;;) {
		ssize_t n = recv(sk, msg, sizeof(msg) - 1, 0);
		const char *sub, *dn;

		if (n < 0)
			return -errno;
		msg[n] = 0;
		sub = uevent_get(msg, n, "SUBSYSTEM");
		if (!sub || strcmp(sub, "cma_buf"))
			continue;
		dn = uevent_get(msg, n, "DEVNAME");
		snprintf(head, hlen, "%s", msg);
		snprintf(devname, dlen, "%s", dn ? dn : "");
		return 0;
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

TEST_F(abi, uevents_add_and_remove_with_subsystem_and_devname)
{
	char head[512], devname[64];
	int sk = uevent_socket();

	ASSERT_LE(0, sk) TH_LOG("uevent socket: %s", strerror(errno));
	/* A refused write emits nothing: the first event is the good alloc's. */
	ASSERT_EQ(-EINVAL, cb_alloc("0"));
	ASSERT_EQ(-ENOMEM, cb_alloc("4G"));
	ASSERT_EQ(0, cb_alloc_at(CB_MIB, 3));
	ASSERT_EQ(0, uevent_next_cma_buf(sk, head, sizeof(head), devname, sizeof(devname)))
		TH_LOG("no cma_buf uevent within 10 s after alloc");
	EXPECT_EQ(0, strncmp(head, "add@", 4)) TH_LOG("got %s", head);
	EXPECT_TRUE(ends_with(head, "/cma_buf/cma_buf3")) TH_LOG("got %s", head);
	EXPECT_STREQ("cma_buf3", devname);
	ASSERT_EQ(0, cb_free(3));
	ASSERT_EQ(0, uevent_next_cma_buf(sk, head, sizeof(head), devname, sizeof(devname)))
		TH_LOG("no cma_buf uevent within 10 s after free");
	EXPECT_EQ(0, strncmp(head, "remove@", 7)) TH_LOG("got %s", head);
	EXPECT_TRUE(ends_with(head, "/cma_buf/cma_buf3")) TH_LOG("got %s", head);
	EXPECT_STREQ("cma_buf3", devname);
	close(sk);
}

TEST_HARNESS_MAIN
