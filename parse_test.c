// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of cma_buf's input parsing (parse.c), built as the test-only
 * module cma_buf_kunit.ko when the kernel has KUnit and CMA_BUF_KUNIT=y.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/sizes.h>

#include "parse.c"

static int parse_size_str(const char *s, u64 *out)
{
	struct cma_buf_token tok = { .s = s, .len = strlen(s) };

	return cma_buf_parse_size(&tok, out);
}

static void parse_size_accepts_every_documented_form(struct kunit *test)
{
	static const struct {
		const char *in;
		u64 want;
	} cases[] = {
		{ "0", 0 }, { "1", 1 }, { "4096", 4096 }, { "0x1000", 4096 }, { "0X10", 16 },
		{ "0xabcDEF", 0xabcdef }, { "4k", 4096 }, { "4K", 4096 }, { "1m", SZ_1M },
		{ "1M", SZ_1M }, { "2G", 2ULL << 30 }, { "0x10M", 16ULL << 20 },
		{ "18446744073709551615", U64_MAX }, { "0xffffffffffffffff", U64_MAX },
		{ "17179869183G", 17179869183ULL << 30 }, { "007", 7 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0;

		KUNIT_EXPECT_EQ_MSG(test, 0, parse_size_str(cases[i].in, &v), "'%s'", cases[i].in);
		KUNIT_EXPECT_EQ_MSG(test, cases[i].want, v, "'%s'", cases[i].in);
	}
}

static void parse_size_refuses_everything_else(struct kunit *test)
{
	static const char * const bad[] = {
		"", "x", "0x", "0xK", "K", "-1", "+1", " 1", "1 ", "1KB", "1T", "16E", "1.5M",
		"1e6", "0x1g0", "18446744073709551616", "99999999999999999999",
		"17179869184G", "0x10000000000000000", "1\n", "0b101", "1kk",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 v;

		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, parse_size_str(bad[i], &v), "'%s'", bad[i]);
	}
}

static void split_allows_blanks_and_one_newline(struct kunit *test)
{
	struct cma_buf_token tok[CMA_BUF_MAX_TOKENS];
	const char *s = " \t4M  7\t\n";

	KUNIT_ASSERT_EQ(test, 2, cma_buf_split(s, strlen(s), tok, ARRAY_SIZE(tok)));
	KUNIT_EXPECT_EQ(test, 2, (int)tok[0].len);
	KUNIT_EXPECT_EQ(test, 0, memcmp(tok[0].s, "4M", 2));
	KUNIT_EXPECT_EQ(test, 1, (int)tok[1].len);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_split("\n", 1, tok, 3));
	KUNIT_EXPECT_EQ(test, 0, cma_buf_split("", 0, tok, 3));
	KUNIT_EXPECT_EQ(test, -EINVAL, cma_buf_split("1 2 3 4", 7, tok, 3));
	/* A second newline stays in the token, for the token parser to refuse. */
	KUNIT_ASSERT_EQ(test, 1, cma_buf_split("4M\n4M\n", 6, tok, 3));
	KUNIT_EXPECT_EQ(test, 5, (int)tok[0].len);
}

static int parse_alloc_str(const char *s, struct cma_buf_alloc_req *req)
{
	return cma_buf_parse_alloc(s, strlen(s), req);
}

static void parse_alloc_reads_size_index_align_and_pinnable(struct kunit *test)
{
	struct cma_buf_alloc_req req;

	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("4M\n", &req));
	KUNIT_EXPECT_EQ(test, (u64)SZ_4M, req.size);
	KUNIT_EXPECT_EQ(test, -1LL, req.index);
	KUNIT_EXPECT_EQ(test, 0ULL, req.align);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("5000 12", &req));
	KUNIT_EXPECT_EQ(test, 5000ULL, req.size);
	KUNIT_EXPECT_EQ(test, 12LL, req.index);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("1M align=64K 3", &req));
	KUNIT_EXPECT_EQ(test, (u64)SZ_64K, req.align);
	KUNIT_EXPECT_EQ(test, 3LL, req.index);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("1M 4294967295", &req));
	KUNIT_EXPECT_EQ(test, 4294967295LL, req.index);
	KUNIT_EXPECT_FALSE(test, req.pinnable);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("2M pinnable\n", &req));
	KUNIT_EXPECT_TRUE(test, req.pinnable);
	KUNIT_EXPECT_EQ(test, -1LL, req.index);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("1M pinnable 7 align=64K", &req));
	KUNIT_EXPECT_TRUE(test, req.pinnable);
	KUNIT_EXPECT_EQ(test, 7LL, req.index);
	KUNIT_EXPECT_EQ(test, (u64)SZ_64K, req.align);
	KUNIT_EXPECT_EQ(test, 0, (int)req.area.len);
	KUNIT_EXPECT_EQ(test, NUMA_NO_NODE, req.node);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("1M area=cmabuf@50000000 2 pinnable", &req));
	KUNIT_EXPECT_EQ(test, 15, (int)req.area.len);
	KUNIT_EXPECT_EQ(test, 0, memcmp(req.area.s, "cmabuf@50000000", 15));
	KUNIT_EXPECT_EQ(test, 2LL, req.index);
	KUNIT_ASSERT_EQ(test, 0, parse_alloc_str("1M node=0\n", &req));
	KUNIT_EXPECT_EQ(test, 0, req.node);
	KUNIT_EXPECT_EQ(test, 0, (int)req.area.len);
}

static void parse_alloc_refuses_hostile_input(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "0", "0x0", "-4M", "4M junk", "4M 1 2", "4M align=3", "4M align=0",
		"4M align=", "4M align=4K align=4K", "4M 4294967296", "4M -1", "4M 0x1",
		"4M\n4M\n", "4M ALIGN=4K", "align=4K 4M", "4M 1 align=4K x",
		"4M pinnable pinnable", "4M Pinnable", "4M pinnablex", "4M pinnabl", "pinnable 4M",
		"4M 1 align=4K pinnable x", "4M pinnable=1",
		"4M area=", "4M area=a/b", "4M area=x area=x", "4M area=x node=0",
		"4M node=0 area=x",
		"4M node=", "4M node=-1", "4M node=0x1", "4M node=1x", "4M node=99999999999",
		"4M node=0 node=0", "4M AREA=x", "4M area=\x01", "4M 1 align=4K pinnable area=x x",
		"4M area=0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct cma_buf_alloc_req req;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, parse_alloc_str(bad[i], &req), "'%s'", bad[i]);
}

static void parse_free_takes_n_or_name(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "cma_buf", "cma_bufx", "-1", "1 2", "cma_buf-1", "CMA_BUF1", "0x1",
		"cma_buf 1", "4294967296",
	};
	unsigned int index;
	int i;

	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_free("7\n", 2, &index));
	KUNIT_EXPECT_EQ(test, 7U, index);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_free(" cma_buf12 ", 11, &index));
	KUNIT_EXPECT_EQ(test, 12U, index);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = cma_buf_parse_free(bad[i], strlen(bad[i]), &index);

		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, ret, "'%s'", bad[i]);
	}
}

static void parse_device_takes_a_name_or_nothing(struct kunit *test)
{
	static const char * const bad[] = {
		"\n\n", "\t", " ", "0000:00:04.0 extra", "../cma_buf", "a/b", "name\n\n",
		"0123456789abcdef",
	};
	char name[16];
	int i;

	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_device("0000:00:04.0\n", 13, name, sizeof(name)));
	KUNIT_EXPECT_STREQ(test, "0000:00:04.0", name);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_device("cma_buf", 7, name, sizeof(name)));
	KUNIT_EXPECT_STREQ(test, "cma_buf", name);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_device("\n", 1, name, sizeof(name)));
	KUNIT_EXPECT_STREQ(test, "", name);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_device("", 0, name, sizeof(name)));
	KUNIT_EXPECT_STREQ(test, "", name);
	KUNIT_EXPECT_EQ(test, 0, cma_buf_parse_device("0123456789abcde", 15, name, sizeof(name)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = cma_buf_parse_device(bad[i], strlen(bad[i]), name, sizeof(name));

		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, ret, "'%s'", bad[i]);
	}
}

static void parse_sync_reads_range_and_direction(struct kunit *test)
{
	struct cma_buf_sync_req req;

	KUNIT_ASSERT_EQ(test, 0, cma_buf_parse_sync("\n", 1, &req));
	KUNIT_EXPECT_EQ(test, 0ULL, req.offset);
	KUNIT_EXPECT_EQ(test, 0ULL, req.size);
	KUNIT_EXPECT_EQ(test, CMA_BUF_DIR_BIDIRECTIONAL, req.dir);
	KUNIT_ASSERT_EQ(test, 0, cma_buf_parse_sync("4K 0x100 from_device", 20, &req));
	KUNIT_EXPECT_EQ(test, 4096ULL, req.offset);
	KUNIT_EXPECT_EQ(test, 256ULL, req.size);
	KUNIT_EXPECT_EQ(test, CMA_BUF_DIR_FROM_DEVICE, req.dir);
	KUNIT_EXPECT_EQ(test, -EINVAL, cma_buf_parse_sync("0 0 to_device", 13, &req));
	KUNIT_EXPECT_EQ(test, -EINVAL, cma_buf_parse_sync("0 1", 3, &req));
	KUNIT_EXPECT_EQ(test, -EINVAL, cma_buf_parse_sync("0 1 to_devic", 12, &req));
	KUNIT_EXPECT_EQ(test, -EINVAL, cma_buf_parse_sync("0 1 to_device x", 15, &req));
}

static struct kunit_case cma_buf_parse_cases[] = {
	KUNIT_CASE(parse_size_accepts_every_documented_form),
	KUNIT_CASE(parse_size_refuses_everything_else),
	KUNIT_CASE(split_allows_blanks_and_one_newline),
	KUNIT_CASE(parse_alloc_reads_size_index_align_and_pinnable),
	KUNIT_CASE(parse_alloc_refuses_hostile_input),
	KUNIT_CASE(parse_free_takes_n_or_name),
	KUNIT_CASE(parse_device_takes_a_name_or_nothing),
	KUNIT_CASE(parse_sync_reads_range_and_direction),
	{}
};

static struct kunit_suite cma_buf_parse_suite = {
	.name = "cma_buf_parse",
	.test_cases = cma_buf_parse_cases,
};

kunit_test_suite(cma_buf_parse_suite);

MODULE_DESCRIPTION("KUnit tests of cma_buf input parsing");
MODULE_LICENSE("GPL");
