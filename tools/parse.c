// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcmabuf: strict parsing of sizes and buffer names, in the syntax the
 * cma_buf module accepts. No locale, no sign, no blanks, no junk: every byte
 * of the string must be part of the number.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cmabuf.h"

static int digit_value(char c, unsigned int base)
{
	unsigned int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? (int)d : -1;
}

/* At least one digit in @base, all of @len, without overflowing u64. */
static int parse_digits(const char *s, size_t len, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/**
 * cmabuf_parse_size() - parse a size as the module's alloc file does
 * @s:		decimal or 0x hex digits, then optionally K, M or G (either case)
 * @out:	bytes
 *
 * Return: 0; -EINVAL when malformed; -ERANGE when beyond 64 bits.
 * Zero is accepted here: callers decide whether it makes sense.
 */
int cmabuf_parse_size(const char *s, uint64_t *out)
{
	size_t len;
	unsigned int base = 10, shift = 0;
	uint64_t v;
	int ret;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
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
	ret = parse_digits(s, len, base, &v);
	if (ret)
		return ret;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/**
 * cmabuf_parse_u64() - parse a plain number: decimal or 0x hex, no suffix
 * @s:		the string
 * @out:	its value
 *
 * Return: 0; -EINVAL when malformed; -ERANGE when beyond 64 bits.
 */
int cmabuf_parse_u64(const char *s, uint64_t *out)
{
	size_t len;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, len - 2, 16, out);
	return parse_digits(s, len, 10, out);
}

/**
 * cmabuf_parse_name() - the index N of a buffer name
 * @s:		"cma_bufN", "N" or "/dev/cma_bufN"; N decimal without leading
 *		zeros (the kernel names buffers that way), at most UINT_MAX
 * @index:	N
 *
 * Return: 0, or -EINVAL.
 */
int cmabuf_parse_name(const char *s, unsigned int *index)
{
	static const char dev[] = "/dev/";
	size_t n = strlen(CMABUF_NAME_PREFIX);
	uint64_t v;

	if (!s || !index)
		return -EINVAL;
	if (!strncmp(s, dev, sizeof(dev) - 1)) {
		s += sizeof(dev) - 1;
		if (strncmp(s, CMABUF_NAME_PREFIX, n))
			return -EINVAL;
	}
	if (!strncmp(s, CMABUF_NAME_PREFIX, n))
		s += n;
	if (s[0] == '0' && s[1])
		return -EINVAL;
	if (parse_digits(s, strlen(s), 10, &v) || v > UINT_MAX)
		return -EINVAL;
	*index = v;
	return 0;
}
