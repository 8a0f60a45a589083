// SPDX-License-Identifier: GPL-2.0
/*
 * Strict parsing of cma_buf's control files.
 *
 * kstrto*() and memparse() are close but not enough: memparse() ignores junk
 * after the number and knows suffixes we do not want; kstrto*() needs a NUL
 * terminated copy and accepts a sign. Sizes here are decimal or 0x hex with an
 * optional K, M or G, and every byte written must be accounted for.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/numa.h>
#include <linux/string.h>

#include <uapi/linux/cma_buf.h>

#include "parse.h"

static bool cma_buf_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split a sysfs write into blank-separated tokens. One trailing newline is
 * allowed (echo adds it); any other byte, newlines and NULs included, stays
 * in a token for the token parsers to refuse.
 * Returns the number of tokens (0 for only blanks), or -EINVAL for more
 * than @max.
 */
int cma_buf_split(const char *buf, size_t count, struct cma_buf_token *tok, int max)
{
	size_t i = 0;
	int n = 0;

	if (count && buf[count - 1] == '\n')
		count--;
	while (i < count) {
		size_t start;

		if (cma_buf_is_blank(buf[i])) {
			i++;
			continue;
		}
		if (n == max)
			return -EINVAL;
		start = i;
		while (i < count && !cma_buf_is_blank(buf[i]))
			i++;
		tok[n].s = buf + start;
		tok[n].len = i - start;
		n++;
	}
	return n;
}

static int cma_buf_digit(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* Digits only, in @base, at least one, no overflow of u64. */
static int cma_buf_parse_digits(const char *s, size_t len, unsigned int base, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int d = cma_buf_digit(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (U64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/**
 * cma_buf_parse_size() - parse a size token
 * @tok:	decimal or 0x hex, optionally followed by K, M or G (either case)
 * @out:	the value in bytes
 *
 * Return: 0, or -EINVAL for anything else, including overflow of u64.
 * Zero is a valid result here; callers decide whether it is acceptable.
 */
int cma_buf_parse_size(const struct cma_buf_token *tok, u64 *out)
{
	const char *s = tok->s;
	size_t len = tok->len;
	unsigned int base = 10, shift = 0;
	u64 v;
	int ret;

	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K':
			shift = 10;
			break;
		case 'm': case 'M':
			shift = 20;
			break;
		case 'g': case 'G':
			shift = 30;
			break;
		}
		if (shift)
			len--;
	}
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	ret = cma_buf_parse_digits(s, len, base, &v);
	if (ret)
		return ret;
	if (v > (U64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/**
 * cma_buf_parse_index() - parse a buffer index: decimal digits, no sign
 * @tok:	the token
 * @out:	the index
 *
 * Return: 0, or -EINVAL if malformed or beyond unsigned int.
 */
int cma_buf_parse_index(const struct cma_buf_token *tok, unsigned int *out)
{
	u64 v;
	int ret;

	ret = cma_buf_parse_digits(tok->s, tok->len, 10, &v);
	if (ret)
		return ret;
	if (v > UINT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool cma_buf_token_has_prefix(const struct cma_buf_token *tok, const char *prefix)
{
	size_t n = strlen(prefix);

	return tok->len >= n && !memcmp(tok->s, prefix, n);
}

/**
 * cma_buf_check_area_name() - is this a name an area may have?
 * @s:		the name, not NUL terminated
 * @len:	its length
 *
 * Return: 0, or -EINVAL: empty, longer than CMA_BUF_AREA_NAME_MAX - 1, or
 * with a byte that is not printable or is a '/' (CMA names its sysfs and
 * debugfs directories after areas).
 */
int cma_buf_check_area_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= CMA_BUF_AREA_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isgraph(s[i]) || s[i] == '/')
			return -EINVAL;
	return 0;
}

/**
 * cma_buf_check_node() - is this a node number the kernel could have?
 * @node:	the number
 *
 * Return: 0, or -EINVAL for a negative one or one beyond MAX_NUMNODES.
 * Whether an area is on it is for later (ENOENT).
 */
int cma_buf_check_node(s64 node)
{
	return node >= 0 && node < MAX_NUMNODES ? 0 : -EINVAL;
}

static int cma_buf_parse_alloc_option(const struct cma_buf_token *t, struct cma_buf_alloc_req *req)
{
	struct cma_buf_token v;
	u64 n;
	int ret;

	if (t->len == 8 && !memcmp(t->s, "pinnable", 8)) {
		if (req->pinnable)
			return -EINVAL;
		req->pinnable = true;
		return 0;
	}
	if (cma_buf_token_has_prefix(t, "align=")) {
		v = (struct cma_buf_token){ .s = t->s + 6, .len = t->len - 6 };
		if (req->align)
			return -EINVAL;
		ret = cma_buf_parse_size(&v, &req->align);
		if (ret)
			return ret;
		return req->align && !(req->align & (req->align - 1)) ? 0 : -EINVAL;
	}
	if (cma_buf_token_has_prefix(t, "area=")) {
		v = (struct cma_buf_token){ .s = t->s + 5, .len = t->len - 5 };
		if (req->area.len || req->node != NUMA_NO_NODE)
			return -EINVAL;
		ret = cma_buf_check_area_name(v.s, v.len);
		if (!ret)
			req->area = v;
		return ret;
	}
	if (cma_buf_token_has_prefix(t, "node=")) {
		if (req->area.len || req->node != NUMA_NO_NODE)
			return -EINVAL;
		ret = cma_buf_parse_digits(t->s + 5, t->len - 5, 10, &n);
		if (!ret)
			ret = cma_buf_check_node(n > S64_MAX ? -1 : n);
		if (!ret)
			req->node = n;
		return ret;
	}
	return -ENOENT;		/* not an option: maybe the index */
}

/**
 * cma_buf_parse_alloc() - parse a write to the alloc file
 * @buf:	"SIZE [INDEX] [align=ALIGN] [pinnable] [area=NAME | node=N]",
 *		all but SIZE in any order
 * @count:	length of @buf
 * @req:	what was asked for
 *
 * Return: 0, or -EINVAL for a zero size, a zero or non power of two
 * alignment, a malformed area name or node number, area= with node=, a
 * repeated or unknown token, or a malformed number.
 */
int cma_buf_parse_alloc(const char *buf, size_t count, struct cma_buf_alloc_req *req)
{
	struct cma_buf_token tok[CMA_BUF_MAX_TOKENS];
	int n, i, ret;

	n = cma_buf_split(buf, count, tok, ARRAY_SIZE(tok));
	if (n <= 0)
		return -EINVAL;
	ret = cma_buf_parse_size(&tok[0], &req->size);
	if (ret)
		return ret;
	if (!req->size)
		return -EINVAL;
	req->align = 0;
	req->index = -1;
	req->pinnable = false;
	req->area.s = NULL;
	req->area.len = 0;
	req->node = NUMA_NO_NODE;
	for (i = 1; i < n; i++) {
		unsigned int index;

		ret = cma_buf_parse_alloc_option(&tok[i], req);
		if (ret != -ENOENT) {
			if (ret)
				return ret;
			continue;
		}
		if (req->index >= 0)
			return -EINVAL;
		ret = cma_buf_parse_index(&tok[i], &index);
		if (ret)
			return ret;
		req->index = index;
	}
	return 0;
}

/**
 * cma_buf_parse_free() - parse what user space gave the free control file
 * @buf:	"N" or "cma_bufN"
 * @count:	length of @buf
 * @index:	N
 *
 * Return: 0, or -EINVAL.
 */
int cma_buf_parse_free(const char *buf, size_t count, unsigned int *index)
{
	struct cma_buf_token tok;
	int n;

	n = cma_buf_split(buf, count, &tok, 1);
	if (n <= 0)
		return -EINVAL;
	if (cma_buf_token_has_prefix(&tok, "cma_buf")) {
		tok.s += 7;
		tok.len -= 7;
	}
	return cma_buf_parse_index(&tok, index);
}

/**
 * cma_buf_parse_pool() - parse a pool spec
 * @buf:	"SIZE*COUNT[,SIZE*COUNT...]", no blanks, one newline allowed at
 *		the end; empty for no pool. SIZE as for alloc, not zero; COUNT
 *		decimal, 0 to CMA_BUF_POOL_MAX_COUNT
 * @count:	length of @buf
 * @spec:	the sizes (as written, not rounded) and counts
 *
 * Return: 0, or -EINVAL for anything else, a repeated size, or more than
 * CMA_BUF_POOL_MAX_SIZES sizes.
 */
int cma_buf_parse_pool(const char *buf, size_t count, struct cma_buf_pool_spec *spec)
{
	size_t i = 0;

	if (count && buf[count - 1] == '\n')
		count--;
	spec->n = 0;
	while (i < count) {
		struct cma_buf_token size, n;
		const char *star, *end;
		u64 c;
		int ret;
		unsigned int j;

		end = memchr(buf + i, ',', count - i);
		if (!end)
			end = buf + count;
		star = memchr(buf + i, '*', end - (buf + i));
		if (!star || spec->n == CMA_BUF_POOL_MAX_SIZES)
			return -EINVAL;
		size = (struct cma_buf_token){ .s = buf + i, .len = star - (buf + i) };
		n = (struct cma_buf_token){ .s = star + 1, .len = end - star - 1 };
		ret = cma_buf_parse_size(&size, &spec->size[spec->n]);
		if (ret || !spec->size[spec->n])
			return -EINVAL;
		ret = cma_buf_parse_digits(n.s, n.len, 10, &c);
		if (ret || c > CMA_BUF_POOL_MAX_COUNT)
			return -EINVAL;
		for (j = 0; j < spec->n; j++)
			if (spec->size[j] == spec->size[spec->n])
				return -EINVAL;
		spec->count[spec->n++] = c;
		i = end - buf;
		if (i < count && ++i == count)
			return -EINVAL;	/* a trailing comma */
	}
	return 0;
}

/**
 * cma_buf_parse_device() - parse what user space gave a dma_device file
 * @buf:	a device's bus name, or empty, with at most one newline after
 * @count:	length of @buf
 * @name:	the name, NUL terminated; "" for none (unbind)
 * @len:	size of @name
 *
 * Device names are printable and have no '/' or blank.
 *
 * Return: 0, or -EINVAL (anything else, or a name that does not fit @name).
 */
int cma_buf_parse_device(const char *buf, size_t count, char *name, size_t len)
{
	size_t i;

	if (count && buf[count - 1] == '\n')
		count--;
	if (count >= len)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!isgraph(buf[i]) || buf[i] == '/')
			return -EINVAL;
	memcpy(name, buf, count);
	name[count] = '\0';
	return 0;
}

static bool cma_buf_token_is(const struct cma_buf_token *tok, const char *word)
{
	return tok->len == strlen(word) && !memcmp(tok->s, word, tok->len);
}

/**
 * cma_buf_parse_sync() - parse what user space gave a sync_for_* file
 * @buf:	empty (whole buffer, bidirectional) or "OFFSET SIZE DIRECTION",
 *		DIRECTION one of bidirectional, to_device, from_device
 * @count:	length of @buf
 * @req:	the range and direction; size 0 with offset 0 for the whole buffer
 *
 * Return: 0, or -EINVAL. The range is checked against the buffer later.
 */
int cma_buf_parse_sync(const char *buf, size_t count, struct cma_buf_sync_req *req)
{
	static const char * const dirs[] = {
		[CMA_BUF_DIR_BIDIRECTIONAL] = "bidirectional",
		[CMA_BUF_DIR_TO_DEVICE] = "to_device",
		[CMA_BUF_DIR_FROM_DEVICE] = "from_device",
	};
	struct cma_buf_token tok[CMA_BUF_MAX_TOKENS];
	int n, i, ret;

	n = cma_buf_split(buf, count, tok, ARRAY_SIZE(tok));
	if (n < 0)
		return n;
	req->offset = 0;
	req->size = 0;
	req->dir = CMA_BUF_DIR_BIDIRECTIONAL;
	if (!n)
		return 0;
	if (n != 3)
		return -EINVAL;
	ret = cma_buf_parse_size(&tok[0], &req->offset);
	if (ret)
		return ret;
	ret = cma_buf_parse_size(&tok[1], &req->size);
	if (ret)
		return ret;
	if (!req->size)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (cma_buf_token_is(&tok[2], dirs[i])) {
			req->dir = i;
			return 0;
		}
	}
	return -EINVAL;
}
