// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of cmabuf's parsing and formatting, and of libcmabuf
 * reading a sysfs folder laid out as the module's: no module, no VM. Prints
 * TAP, one line per assertion named "group: case"; exits 1 when any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sysfs/libsysfs.h>

#include "cmabuf.h"
#include "format.h"

static int tests, failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failures++;
	printf("%s %d ", ok ? "ok" : "not ok", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* @s with control characters as \xHH: test names stay on one line. */
static const char *shown(const char *s)
{
	static char buf[4][128];
	static int next;
	char *out = buf[next++ % 4], *o = out;

	for (; *s && o < out + sizeof(buf[0]) - 5; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			o += sprintf(o, "\\x%02x", (unsigned char)*s);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;
	int ret = cmabuf_parse_size(s, &v);

	check(!ret && v == want, "size: '%s' is %llu", s, (unsigned long long)want);
	if (ret || v != want)
		printf("# got ret %d value %llu\n", ret, (unsigned long long)v);
}

static void size_bad(const char *s, int want)
{
	uint64_t v = 0xdeadbeef;
	int ret = cmabuf_parse_size(s, &v);

	check(ret == want && v == 0xdeadbeef, "size: '%s' is refused with %s", shown(s),
	      want == -ERANGE ? "ERANGE" : "EINVAL");
}

static void test_sizes(void)
{
	size_ok("0", 0);
	size_ok("4096", 4096);
	size_ok("4k", 4096);
	size_ok("4K", 4096);
	size_ok("1m", 1 << 20);
	size_ok("16M", 16 << 20);
	size_ok("1g", 1ULL << 30);
	size_ok("2G", 2ULL << 30);
	size_ok("0x1000", 4096);
	size_ok("0X1000", 4096);
	size_ok("0xfF", 255);
	size_ok("0x10K", 16 << 10);
	size_ok("0xBm", 11 << 20);
	size_ok("007", 7);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("0xffffffffffffffff", UINT64_MAX);
	size_ok("17179869183G", 17179869183ULL << 30);

	size_bad("", -EINVAL);
	size_bad("K", -EINVAL);
	size_bad("0x", -EINVAL);
	size_bad("0xK", -EINVAL);
	size_bad("4KB", -EINVAL);
	size_bad("4kk", -EINVAL);
	size_bad("4T", -EINVAL);
	size_bad(" 4", -EINVAL);
	size_bad("4 ", -EINVAL);
	size_bad("4\n", -EINVAL);
	size_bad("+4", -EINVAL);
	size_bad("-4", -EINVAL);
	size_bad("1.5M", -EINVAL);
	size_bad("0x1g0", -EINVAL);
	size_bad("12a", -EINVAL);
	size_bad("0b101", -EINVAL);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("0x10000000000000000", -ERANGE);
	size_bad("17179869184G", -ERANGE);
	size_bad("16777216T", -EINVAL);
}

static void name_ok(const char *s, unsigned int want)
{
	unsigned int i = 12345;

	check(!cmabuf_parse_name(s, &i) && i == want, "name: '%s' is buffer %u", s, want);
}

static void name_bad(const char *s)
{
	unsigned int i = 12345;

	check(cmabuf_parse_name(s, &i) == -EINVAL && i == 12345, "name: '%s' is refused", s);
}

static void test_names(void)
{
	name_ok("0", 0);
	name_ok("7", 7);
	name_ok("cma_buf0", 0);
	name_ok("cma_buf12", 12);
	name_ok("/dev/cma_buf3", 3);
	name_ok("4294967295", 4294967295U);
	name_ok("cma_buf4294967295", 4294967295U);

	name_bad("");
	name_bad("cma_buf");
	name_bad("/dev/cma_buf");
	name_bad("/dev/3");
	name_bad("/dev//cma_buf3");
	name_bad("cma_buf01");
	name_bad("00");
	name_bad("cma_buf-1");
	name_bad("+1");
	name_bad("cma_buf1 ");
	name_bad("cma_buf0x1");
	name_bad("CMA_BUF1");
	name_bad("cma_bufcma_buf1");
	name_bad("4294967296");
	name_bad("/sys/class/cma_buf/cma_buf1");
}

static void test_u64(void)
{
	uint64_t v = 0;

	check(!cmabuf_parse_u64("0x0000000012c00000", &v) && v == 0x12c00000,
	      "u64: phys_addr format parses");
	check(!cmabuf_parse_u64("42", &v) && v == 42, "u64: decimal parses");
	check(cmabuf_parse_u64("4K", &v) == -EINVAL, "u64: a size suffix is refused");
	check(cmabuf_parse_u64("", &v) == -EINVAL, "u64: empty is refused");
}

static void pattern_ok(const char *s, enum pattern_kind kind, uint8_t byte, uint64_t seed,
		       const char *canon)
{
	struct pattern p;
	char name[40] = "";
	bool ok = !pattern_parse(s, &p);

	if (ok)
		pattern_name(&p, name, sizeof(name));
	ok = ok && p.kind == kind && (kind != PATTERN_BYTE || p.byte == byte) &&
	     (kind != PATTERN_RANDOM || p.seed == seed) && !strcmp(name, canon);
	check(ok, "pattern: '%s' parses as %s", s, canon);
}

static void pattern_bad(const char *s)
{
	struct pattern p;

	check(pattern_parse(s, &p) == -EINVAL, "pattern: '%s' is refused", s);
}

static void test_patterns(void)
{
	static const uint8_t splitmix0[8] = { 0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2 };
	uint8_t a[300], b[300];
	struct pattern p;
	bool ok;
	size_t i;

	pattern_ok("0xAA", PATTERN_BYTE, 0xaa, 0, "0xaa");
	pattern_ok("0x5", PATTERN_BYTE, 0x05, 0, "0x05");
	pattern_ok("0X00", PATTERN_BYTE, 0, 0, "0x00");
	pattern_ok("zero", PATTERN_BYTE, 0, 0, "0x00");
	pattern_ok("ones", PATTERN_BYTE, 0xff, 0, "0xff");
	pattern_ok("inc", PATTERN_INC, 0, 0, "inc");
	pattern_ok("random:42", PATTERN_RANDOM, 0, 42, "random:42");
	pattern_ok("random:0x10", PATTERN_RANDOM, 0, 16, "random:16");
	pattern_bad("");
	pattern_bad("0x");
	pattern_bad("0x100");
	pattern_bad("0x0aa");
	pattern_bad("170");
	pattern_bad("aa");
	pattern_bad("random:");
	pattern_bad("random:x");
	pattern_bad("random:1K");
	pattern_bad("Inc");
	pattern_bad("inc ");

	pattern_parse("inc", &p);
	pattern_fill(&p, 250, a, 10);
	check(a[0] == 250 && a[5] == 255 && a[6] == 0 && a[9] == 3,
	      "pattern: inc wraps at 256, counted from the buffer start");
	check(pattern_byte(&p, 0x1234) == 0x34, "pattern: inc byte at 0x1234 is 0x34");

	/* SplitMix64's first output for seed 0 is 0xe220a8397b1dcdaf. */
	pattern_parse("random:0", &p);
	pattern_fill(&p, 0, a, 8);
	check(!memcmp(a, splitmix0, 8), "pattern: random:0 starts with SplitMix64's first word");

	/* Filling at any offset gives the same bytes as filling from 0. */
	pattern_parse("random:12345", &p);
	pattern_fill(&p, 0, a, sizeof(a));
	pattern_fill(&p, 13, b, sizeof(b) - 13);
	check(!memcmp(a + 13, b, sizeof(b) - 13), "pattern: random fill is position-addressed");
	ok = true;
	for (i = 0; i < sizeof(a); i++)
		ok = ok && pattern_byte(&p, i) == a[i];
	check(ok, "pattern: pattern_byte agrees with pattern_fill");
	pattern_parse("random:12346", &p);
	pattern_fill(&p, 0, b, sizeof(b));
	check(memcmp(a, b, sizeof(a)), "pattern: another seed gives other bytes");

	pattern_parse("random:7", &p);
	pattern_fill(&p, 0, a, sizeof(a));
	check(pattern_check(&p, 0, a, sizeof(a)) == sizeof(a), "pattern: check passes on a fill");
	a[257] ^= 1;
	check(pattern_check(&p, 0, a, sizeof(a)) == 257, "pattern: check finds the first mismatch");
	pattern_parse("0xaa", &p);
	memset(a, 0xaa, sizeof(a));
	a[0] = 0;
	check(pattern_check(&p, 0, a, sizeof(a)) == 0, "pattern: a mismatch at offset 0 is found");
}

static void fmt_size_is(uint64_t v, const char *want)
{
	char out[32];

	format_size(v, out, sizeof(out));
	check(!strcmp(out, want), "format_size: %llu is '%s'", (unsigned long long)v, want);
}

static void test_format_size(void)
{
	fmt_size_is(0, "0");
	fmt_size_is(1000, "1000");
	fmt_size_is(4096, "4K");
	fmt_size_is(4097, "4097");
	fmt_size_is(1536 << 10, "1536K");
	fmt_size_is(4 << 20, "4M");
	fmt_size_is(3ULL << 30, "3G");
	fmt_size_is(1ULL << 40, "1024G");
}

static void json_is(const char *in, const char *want, const char *what)
{
	char out[128];
	size_t n = json_string(out, sizeof(out), in);

	check(!strcmp(out, want) && n == strlen(want), "json: %s", what);
	if (strcmp(out, want))
		printf("# got %s\n", shown(out));
}

static void test_json(void)
{
	char small[6];
	size_t n;

	json_is("reserved", "\"reserved\"", "plain ASCII is only quoted");
	json_is("", "\"\"", "the empty string");
	json_is("a\"b", "\"a\\\"b\"", "a double quote is escaped");
	json_is("a\\b", "\"a\\\\b\"", "a backslash is escaped");
	json_is("a\nb\tc\r", "\"a\\nb\\tc\\r\"", "newline, tab, CR use short escapes");
	json_is("\b\f", "\"\\b\\f\"", "backspace and form feed use short escapes");
	json_is("\x01\x1f", "\"\\u0001\\u001f\"", "other controls are \\u00XX");
	json_is("\x7f/", "\"\x7f/\"", "DEL and slash stay as they are");
	json_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"valid UTF-8 is kept");
	json_is("a\xff" "b", "\"a\\ufffdb\"", "an invalid byte becomes U+FFFD");
	json_is("\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong form is invalid");
	json_is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "a UTF-16 surrogate is invalid");
	json_is("\xe2\x82", "\"\\ufffd\\ufffd\"", "a truncated sequence is invalid");

	n = json_string(small, sizeof(small), "abcdefgh");
	check(n == 10 && !strcmp(small, "\"abcd"), "json: truncation is snprintf-like");
}

static char *dump(uint64_t off, const uint8_t *p, size_t n, size_t step)
{
	struct hexdump h;
	char *text = NULL;
	size_t len = 0, done = 0;
	FILE *f = open_memstream(&text, &len);

	hexdump_init(&h);
	while (done < n) {
		size_t k = n - done < step ? n - done : step;

		hexdump_feed(&h, f, off + done, p + done, k);
		done += k;
	}
	hexdump_end(&h, f, off + n);
	fclose(f);
	return text;
}

static void dump_is(uint64_t off, const uint8_t *p, size_t n, size_t step, const char *want,
		    const char *what)
{
	char *got = dump(off, p, n, step);

	check(!strcmp(got, want), "hexdump: %s", what);
	if (strcmp(got, want))
		printf("# got:\n%s# want:\n%s", got, want);
	free(got);
}

static void test_hexdump(void)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ\x01\x7f\x80\xff ~";
	uint8_t zero[64] = { 0 }, mixed[80];
	char line[HEXDUMP_LINE_MAX];

	hexdump_line(line, 0, (const uint8_t *)abc, 16);
	check(!strcmp(line, "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  "
			    "|ABCDEFGHIJKLMNOP|"), "hexdump: a full line");
	hexdump_line(line, 0x20, zero, 1);
	check(!strcmp(line, "00000020  00                                                |.|"),
	      "hexdump: a one-byte line is padded");
	hexdump_line(line, 0x123456789ULL, zero, 8);
	check(!strcmp(line, "123456789  00 00 00 00 00 00 00 00                           "
			    "|........|"), "hexdump: offsets beyond 32 bits widen");

	/* The expected texts are util-linux hexdump -C output for the same bytes. */
	dump_is(0, (const uint8_t *)abc, 32, 16,
		"00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
		"00000010  51 52 53 54 55 56 57 58  59 5a 01 7f 80 ff 20 7e  |QRSTUVWXYZ.... ~|\n"
		"00000020\n", "non-printable bytes show as dots");
	dump_is(0, zero, 33, 16,
		"00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000020  00                                                |.|\n"
		"00000021\n", "repeated lines squeeze to one star");
	dump_is(5, zero, 40, 32,
		"00000005  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000025  00 00 00 00 00 00 00 00                           |........|\n"
		"0000002d\n", "offsets are absolute (hexdump -s 5 -n 40)");
	memset(mixed, 0, sizeof(mixed));
	memset(mixed + 32, 0x11, 16);
	dump_is(0, mixed, 80, 64,
		"00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000020  11 11 11 11 11 11 11 11  11 11 11 11 11 11 11 11  |................|\n"
		"00000030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000050\n", "a star per run, across feed calls");
	dump_is(0, zero, 48, 16,
		"00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
		"*\n"
		"00000030\n", "a run to the end ends with the final offset");
	dump_is(0, zero, 0, 16, "", "nothing at all for zero bytes at offset 0");
	dump_is(3, zero, 0, 16, "00000003\n", "only the offset for zero bytes at offset 3");
}

/*
 * The sysfs of the library tests: a temporary folder. libsysfs finds sysfs
 * through sysfs_get_mnt_path(), which this program interposes (libsysfs is
 * linked dynamically); its SYSFS_PATH variable will not do, as libsysfs
 * 2.1.1 takes it only when a sysfs is mounted there.
 */
static char fake_root[64];

int sysfs_get_mnt_path(char *mnt_path, size_t len)
{
	if (!fake_root[0] || strlen(fake_root) >= len) {
		errno = EINVAL;
		return -1;
	}
	strcpy(mnt_path, fake_root);
	return 0;
}

static void fake_put_path(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(value, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Write @value to FILE of the class folder (cma_bufN/attr), or remove it when NULL. */
static void fake_put(const char *file, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/class/cma_buf/%s", fake_root, file);
	if (!value) {
		unlink(path);
		return;
	}
	fake_put_path(path, value);
}

/* cma_bufN with the attributes of the module; no mappings file when NULL. */
static void fake_buffer(unsigned int index, const char *mappings)
{
	char path[256], file[64], dev[32];

	snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u", fake_root, index);
	if (mkdir(path, 0755)) {
		perror(path);
		exit(1);
	}
#define PUT(attr, value) do {						\
		snprintf(file, sizeof(file), "cma_buf%u/" attr, index);	\
		fake_put(file, value);					\
	} while (0)
	snprintf(dev, sizeof(dev), "250:%u\n", index);
	PUT("size", "65536\n");
	PUT("origin", "reserved\n");
	PUT("dev", dev);
	PUT("phys_addr", "0x0000000030400000\n");
	PUT("cache", "cached\n");
	PUT("mappings", mappings);
#undef PUT
}

static void fake_remove(unsigned int index)
{
	static const char *const attrs[] = {
		"size", "origin", "dev", "phys_addr", "cache", "mappings", "node", "owner", NULL,
	};
	char path[256], file[64];
	size_t i;

	for (i = 0; attrs[i]; i++) {
		snprintf(file, sizeof(file), "cma_buf%u/%s", index, attrs[i]);
		fake_put(file, NULL);
	}
	snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u", fake_root, index);
	rmdir(path);
}

static bool error_path_ends(const char *tail)
{
	const char *p = cmabuf_error_path();
	size_t n = strlen(p), t = strlen(tail);

	return n >= t && !strcmp(p + n - t, tail);
}

static void mappings_ok(struct cmabuf *buf, const char *value, long want)
{
	long count = -2;
	int ret;

	fake_put("cma_buf3/mappings", value);
	ret = cmabuf_mappings(buf, &count);
	check(!ret && count == want, "mappings: '%s' is %ld", shown(value), want);
	if (ret || count != want)
		printf("# got ret %d count %ld\n", ret, count);
}

static void mappings_bad(struct cmabuf *buf, const char *value)
{
	long count = -2;
	int ret;

	fake_put("cma_buf3/mappings", value);
	ret = cmabuf_mappings(buf, &count);
	check(ret == -EPROTO && count == -2 && error_path_ends("/cma_buf3/mappings"),
	      "mappings: '%s' is refused with EPROTO, naming the file", shown(value));
	if (ret != -EPROTO)
		printf("# got ret %d count %ld\n", ret, count);
}

/* A file under the fake sysfs root (folders made as needed), removed when NULL. */
static void fake_file(const char *rel, const char *value)
{
	char path[256], *slash;

	snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
	if (!value) {
		unlink(path);
		return;
	}
	for (slash = strchr(path + strlen(fake_root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	fake_put_path(path, value);
}

/* The fake alloc file's content, as the last write left it. */
static const char *alloc_written(void)
{
	static char text[256];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/class/cma_buf/alloc", fake_root);
	f = fopen(path, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	return text;
}

static void alloc_writes(uint64_t size, uint64_t align, unsigned int flags, const char *area,
			 int node, const char *want)
{
	struct cmabuf *buf = NULL;
	int ret;

	fake_put("alloc", "");
	ret = cmabuf_alloc_at(size, align, 9, flags, area, node, &buf);
	check(!ret && buf && cmabuf_index(buf) == 9 && !strcmp(alloc_written(), want),
	      "alloc_at: writes '%s'", shown(want));
	if (ret || strcmp(alloc_written(), want))
		printf("# got ret %d, wrote '%s'\n", ret, shown(alloc_written()));
	cmabuf_close(buf);
}

static void alloc_refused(uint64_t size, uint64_t align, unsigned int flags, const char *area,
			  int node, const char *what)
{
	struct cmabuf *buf = NULL;
	int ret, ret2;

	fake_put("alloc", "");
	ret = cmabuf_alloc_at(size, align, 9, flags, area, node, &buf);
	ret2 = cmabuf_alloc_owned(size, align, flags, area, node, &buf);
	check(ret == -EINVAL && ret2 == -EINVAL && !buf && !alloc_written()[0],
	      "alloc_at, alloc_owned: %s is EINVAL, nothing written", what);
	if (ret != -EINVAL || ret2 != -EINVAL)
		printf("# got %d and %d\n", ret, ret2);
}

static void test_alloc_at(void)
{
	char long_name[CMABUF_AREA_NAME_MAX + 1];
	struct cmabuf *buf = NULL;
	int ret;

	fake_buffer(9, "0\n");
	alloc_writes(4096, 0, 0, NULL, CMABUF_NODE_ANY, "4096 9\n");
	alloc_writes(4096, 0, 0, "reserved", CMABUF_NODE_ANY, "4096 9 area=reserved\n");
	alloc_writes(1 << 20, 1 << 16, CMABUF_ALLOC_PINNABLE, "cmabuf@50000000", CMABUF_NODE_ANY,
		     "1048576 9 align=65536 pinnable area=cmabuf@50000000\n");
	alloc_writes(8192, 0, 0, NULL, 0, "8192 9 node=0\n");
	alloc_writes(8192, 0, CMABUF_ALLOC_PINNABLE, NULL, 1023, "8192 9 pinnable node=1023\n");
	alloc_writes(4096, 0, 0, "\xe9t\xe9", CMABUF_NODE_ANY, "4096 9 area=\xe9t\xe9\n");
	memset(long_name, 'a', CMABUF_AREA_NAME_MAX - 1);
	long_name[CMABUF_AREA_NAME_MAX - 1] = '\0';
	alloc_writes(4096, 0, 0, long_name, CMABUF_NODE_ANY,
		     "4096 9 area=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");

	alloc_refused(4096, 0, 0, "", CMABUF_NODE_ANY, "an empty area name");
	alloc_refused(4096, 0, 0, "a/b", CMABUF_NODE_ANY, "an area name with '/'");
	alloc_refused(4096, 0, 0, "a b", CMABUF_NODE_ANY, "an area name with a blank");
	alloc_refused(4096, 0, 0, "a\n", CMABUF_NODE_ANY, "an area name with a newline");
	alloc_refused(4096, 0, 0, "a\x7f", CMABUF_NODE_ANY, "an area name with DEL");
	alloc_refused(4096, 0, 0, "a\xa0", CMABUF_NODE_ANY, "an area name with a no-break space");
	long_name[CMABUF_AREA_NAME_MAX - 1] = 'a';
	long_name[CMABUF_AREA_NAME_MAX] = '\0';
	alloc_refused(4096, 0, 0, long_name, CMABUF_NODE_ANY, "an area name of 64 bytes");
	alloc_refused(4096, 0, 0, "reserved", 0, "an area and a node");
	alloc_refused(4096, 0, 0, NULL, -2, "node -2");
	alloc_refused(0, 0, 0, NULL, CMABUF_NODE_ANY, "size 0");
	alloc_refused(4096, 3 << 12, 0, NULL, CMABUF_NODE_ANY, "an alignment not a power of two");
	alloc_refused(4096, 0, 1U << 5, NULL, CMABUF_NODE_ANY, "an unknown flag");
	ret = cmabuf_alloc_at(4096, 0, 9, 0, NULL, CMABUF_NODE_ANY, NULL);
	check(ret == -EINVAL, "alloc_at: no handle pointer is EINVAL");
	fake_put("alloc", NULL);

	/* Owned buffers: a module without areas has no control node either. */
	if (access("/dev/cma_buf", F_OK)) {
		ret = cmabuf_alloc_owned(4096, 0, 0, NULL, CMABUF_NODE_ANY, &buf);
		check(ret == -ENOTSUP && !buf && !strcmp(cmabuf_error_path(), "/dev/cma_buf"),
		      "alloc_owned: a module without /dev/cma_buf is ENOTSUP, naming it");
		fake_put("areas", "reserved - - 0 0\n");
		ret = cmabuf_alloc_owned(4096, 0, 0, NULL, CMABUF_NODE_ANY, &buf);
		check(ret == -ENOENT && !buf && !strcmp(cmabuf_error_path(), "/dev/cma_buf"),
		      "alloc_owned: a module with areas but no /dev/cma_buf: ENOENT, naming it");
		fake_put("areas", NULL);
	} else {
		check(true, "alloc_owned: ENOTSUP without /dev/cma_buf # SKIP this host has one");
		check(true, "alloc_owned: ENOENT without /dev/cma_buf # SKIP this host has one");
	}
	fake_remove(9);
}

static void node_owner(const char *node, const char *owner, int want_node, int want_owner)
{
	struct cmabuf_info info;
	struct cmabuf *buf = NULL;
	int ret;

	fake_buffer(4, "0\n");
	fake_put("cma_buf4/node", node);
	fake_put("cma_buf4/owner", owner);
	ret = cmabuf_open("4", &buf);
	check(!ret && cmabuf_node(buf) == want_node && cmabuf_owner(buf) == want_owner &&
	      !cmabuf_info(buf, &info) && info.node == (want_node < 0 ? -1 : want_node) &&
	      info.owner == (want_owner < 0 ? 0 : want_owner) && info.mappings == 0,
	      "node, owner: '%s' '%s' are %d %d", node ? shown(node) : "(none)",
	      owner ? shown(owner) : "(none)", want_node, want_owner);
	if (!ret && (cmabuf_node(buf) != want_node || cmabuf_owner(buf) != want_owner))
		printf("# got %d %d\n", cmabuf_node(buf), cmabuf_owner(buf));
	cmabuf_close(buf);
	fake_remove(4);
}

static void node_owner_bad(const char *node, const char *owner, const char *file)
{
	struct cmabuf *buf = NULL;
	int ret;

	fake_buffer(4, "0\n");
	fake_put("cma_buf4/node", node);
	fake_put("cma_buf4/owner", owner);
	ret = cmabuf_open("4", &buf);
	check(ret == -EPROTO && !buf && error_path_ends(file),
	      "node, owner: '%s' '%s': open is EPROTO naming %s", shown(node), shown(owner), file);
	cmabuf_close(buf);
	fake_remove(4);
}

static void test_node_owner(void)
{
	node_owner("0\n", "sysfs\n", 0, CMABUF_OWNER_SYSFS);
	node_owner("1\n", "fd\n", 1, CMABUF_OWNER_FD);
	node_owner("1023", "fd", 1023, CMABUF_OWNER_FD);
	node_owner(NULL, NULL, -ENOTSUP, -ENOTSUP);
	node_owner("3\n", NULL, 3, -ENOTSUP);
	node_owner_bad("-1\n", "sysfs\n", "/cma_buf4/node");
	node_owner_bad("x\n", "sysfs\n", "/cma_buf4/node");
	node_owner_bad("\n", "sysfs\n", "/cma_buf4/node");
	node_owner_bad("0x1\n", "sysfs\n", "/cma_buf4/node");
	node_owner_bad("2147483648\n", "sysfs\n", "/cma_buf4/node");
	node_owner_bad("0\n", "FD\n", "/cma_buf4/owner");
	node_owner_bad("0\n", "fd \n", "/cma_buf4/owner");
	node_owner_bad("0\n", "\n", "/cma_buf4/owner");
	node_owner_bad("0\n", "kernel\n", "/cma_buf4/owner");
}

static void areas_bad(const char *text, const char *what)
{
	struct cmabuf_area *areas = (struct cmabuf_area *)&areas;
	size_t n = 77;
	int ret;

	fake_put("areas", text);
	ret = cmabuf_areas(&areas, &n);
	check(ret == -EPROTO && n == 77 && areas == (struct cmabuf_area *)&areas &&
	      error_path_ends("/class/cma_buf/areas"), "areas: %s is EPROTO", what);
	if (ret != -EPROTO)
		printf("# got %d\n", ret);
	if (!ret)
		cmabuf_areas_free(areas);
}

static void test_areas(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct cmabuf_area *a = NULL;
	char name[80];
	size_t n = 0;
	int ret;

	ret = cmabuf_areas(&a, &n);
	check(ret == -ENOTSUP && error_path_ends("/class/cma_buf/areas"),
	      "areas: a module without the file is ENOTSUP, naming it");

	fake_put("areas", "reserved - - 0 4194304\ncmabuf@50000000 0x50000000 33554432 0 0\n"
		 "node1 - - 1 0\nfull - - - 8192\n");
	fake_file("kernel/mm/cma/reserved/total_pages", "65536\n");
	fake_file("kernel/mm/cma/reserved/available_pages", "60000\n");
	fake_file("kernel/mm/cma/cmabuf@50000000/total_pages", "1\n");
	fake_file("kernel/mm/cma/cmabuf@50000000/available_pages", "8192\n");
	fake_file("kernel/mm/cma/full/total_pages", "16\n");
	ret = cmabuf_areas(&a, &n);
	check(!ret && n == 4, "areas: four lines, four areas");
	if (ret || n != 4) {
		printf("# got %d %zu: %s\n", ret, n, cmabuf_strerror(ret));
		return;
	}
	check(!strcmp(a[0].name, "reserved") &&
	      a[0].flags == (CMABUF_AREA_DEFAULT | CMABUF_AREA_HAS_SIZE | CMABUF_AREA_HAS_FREE) &&
	      a[0].size == 65536ULL * page && a[0].free == 60000ULL * page && a[0].node == 0 &&
	      a[0].held == 4194304 && !a[0].base, "areas: the first is the default, size and "
	      "free from the kernel's total_pages and available_pages");
	check(!strcmp(a[1].name, "cmabuf@50000000") &&
	      a[1].flags == (CMABUF_AREA_HAS_BASE | CMABUF_AREA_HAS_SIZE | CMABUF_AREA_HAS_FREE) &&
	      a[1].base == 0x50000000 && a[1].size == 33554432 && a[1].free == 8192ULL * page &&
	      a[1].node == 0 && a[1].held == 0,
	      "areas: a region's base and size are the module's, not total_pages");
	check(!strcmp(a[2].name, "node1") && a[2].flags == 0 && a[2].node == 1 && !a[2].size &&
	      !a[2].free, "areas: an area the kernel has no folder for: no size, no free");
	check(!strcmp(a[3].name, "full") && a[3].flags == CMABUF_AREA_HAS_SIZE &&
	      a[3].size == 16ULL * page && a[3].node == -1 && a[3].held == 8192,
	      "areas: node '-' is -1; total_pages without available_pages");
	cmabuf_areas_free(a);

	fake_file("kernel/mm/cma/reserved/available_pages", "lots\n");
	ret = cmabuf_areas(&a, &n);
	check(ret == -EPROTO && error_path_ends("/kernel/mm/cma/reserved/available_pages"),
	      "areas: a kernel count that is no number is EPROTO, naming it");
	fake_file("kernel/mm/cma/reserved/available_pages", "60000\n");

	areas_bad("", "an empty file");
	areas_bad("\n", "an empty line");
	areas_bad("reserved - - 0 0", "a line without its newline");
	areas_bad("reserved - - 0 0\n\n", "an empty line after one");
	areas_bad("reserved - - 0\n", "four fields");
	areas_bad("reserved - - 0 0 0\n", "six fields");
	areas_bad("reserved  - - 0 0\n", "two blanks");
	areas_bad(" reserved - - 0 0\n", "a leading blank");
	areas_bad("reserved - - 0 0 \n", "a trailing blank");
	areas_bad("reserved\t- - 0 0\n", "a tab");
	areas_bad("reserved - - 0 0\r\n", "a CR");
	areas_bad("reserved 50000000 4096 0 0\n", "a base without 0x");
	areas_bad("reserved 0x - 0 0\n", "a base of 0x alone");
	areas_bad("reserved 0x5g - 0 0\n", "a base with junk");
	areas_bad("reserved - 4K 0 0\n", "a size with a suffix");
	areas_bad("reserved - 0x1000 0 0\n", "a size in hex");
	areas_bad("reserved - - -1 0\n", "node -1");
	areas_bad("reserved - - 0x1 0\n", "a node in hex");
	areas_bad("reserved - - 2147483648 0\n", "a node beyond int");
	areas_bad("reserved - - 0 -\n", "held '-'");
	areas_bad("reserved - - 0 -4096\n", "held negative");
	areas_bad("reserved - - 0 18446744073709551616\n", "held beyond 64 bits");
	areas_bad("a/b - - 0 0\n", "a name with '/'");
	areas_bad("reserved - - 0 0\nreserved - - 1 0\n", "a name twice");
	memset(name, 'n', 64);
	strcpy(name + 64, " - - 0 0\n");
	areas_bad(name, "a name of 64 bytes");
	fake_put("areas", NULL);
	fake_file("kernel/mm/cma/reserved/total_pages", NULL);
	fake_file("kernel/mm/cma/reserved/available_pages", NULL);
	fake_file("kernel/mm/cma/cmabuf@50000000/total_pages", NULL);
	fake_file("kernel/mm/cma/cmabuf@50000000/available_pages", NULL);
	fake_file("kernel/mm/cma/full/total_pages", NULL);
}

static void test_library(void)
{
	char dir[] = "/tmp/cmabuf-test-host.XXXXXX", path[128];
	struct cmabuf_info info, *infos = NULL;
	struct cmabuf *buf = NULL;
	long count = -2;
	size_t n = 0;
	int ret;

	if (!mkdtemp(dir) || strlen(dir) + 1 > sizeof(fake_root)) {
		perror("mkdtemp");
		exit(1);
	}
	strcpy(fake_root, dir);
	snprintf(path, sizeof(path), "%s/class", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/cma_buf", dir);
	mkdir(path, 0755);
	fake_buffer(3, "2\n");
	fake_buffer(5, NULL);

	ret = cmabuf_open("3", &buf);
	check(!ret, "library: cmabuf_open() of a buffer in the fake sysfs");
	if (ret) {
		printf("# %s\n", cmabuf_strerror(ret));
		goto out;
	}
	mappings_ok(buf, "0\n", 0);
	mappings_ok(buf, "1\n", 1);
	mappings_ok(buf, "3", 3);
	mappings_ok(buf, "2147483647\n", 2147483647L);
	mappings_bad(buf, "");
	mappings_bad(buf, "\n");
	mappings_bad(buf, "-1\n");
	mappings_bad(buf, "+1\n");
	mappings_bad(buf, " 1\n");
	mappings_bad(buf, "1 \n");
	mappings_bad(buf, "0x1\n");
	mappings_bad(buf, "1x\n");
	mappings_bad(buf, "1\n\n");
	mappings_bad(buf, "1\n2\n");
	mappings_bad(buf, "18446744073709551616\n");
	if (sizeof(long) == 8)
		mappings_bad(buf, "9223372036854775808\n");
	else
		mappings_bad(buf, "2147483648\n");

	fake_put("cma_buf3/mappings", "4\n");
	ret = cmabuf_info(buf, &info);
	check(!ret && info.mappings == 4 && info.size == 65536 && !strcmp(info.cache, "cached"),
	      "library: cmabuf_info() reads the count afresh");
	fake_put("cma_buf3/mappings", "x\n");
	ret = cmabuf_info(buf, &info);
	check(ret == -EPROTO && info.mappings == -1 && info.size == 65536,
	      "library: cmabuf_info() fails on a bad count, and still fills the rest");
	fake_put("cma_buf3/mappings", NULL);
	ret = cmabuf_mappings(buf, &count);
	check(ret == -ENOTSUP && count == -2 && error_path_ends("/cma_buf3/mappings"),
	      "library: no mappings attribute: cmabuf_mappings() is ENOTSUP");
	ret = cmabuf_info(buf, &info);
	check(!ret && info.mappings == -1 && info.size == 65536,
	      "library: no mappings attribute: cmabuf_info() gives -1, no error");

	fake_put("cma_buf3/mappings", "2\n");
	ret = cmabuf_list(&infos, &n);
	check(!ret && n == 2 && infos[0].index == 3 && infos[0].mappings == 2 &&
	      infos[1].index == 5 && infos[1].mappings == -1,
	      "library: cmabuf_list() has each buffer's count, -1 where absent");
	cmabuf_list_free(infos);

	fake_remove(3);
	ret = cmabuf_mappings(buf, &count);
	check(ret == -ENOENT && count == -2 && error_path_ends("/class/cma_buf/cma_buf3"),
	      "library: a freed buffer: cmabuf_mappings() is ENOENT, naming the buffer");
	ret = cmabuf_info(buf, &info);
	check(ret == -ENOENT && info.mappings == -1,
	      "library: a freed buffer: cmabuf_info() is ENOENT");
	test_alloc_at();
	test_node_owner();
	test_areas();
out:
	cmabuf_close(buf);
	fake_remove(3);
	fake_remove(5);
	snprintf(path, sizeof(path), "%s/class/cma_buf", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/class", dir);
	rmdir(path);
	/* The kernel's CMA folders of test_areas(). */
	snprintf(path, sizeof(path), "rm -rf '%s/kernel'", dir);
	if (system(path))
		printf("# could not remove %s/kernel\n", dir);
	rmdir(dir);
}

int main(void)
{
	test_sizes();
	test_names();
	test_u64();
	test_patterns();
	test_format_size();
	test_json();
	test_hexdump();
	test_library();
	printf("1..%d\n", tests);
	if (failures)
		printf("# %d of %d failed\n", failures, tests);
	return failures ? 1 : 0;
}
