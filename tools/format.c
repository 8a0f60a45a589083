// SPDX-License-Identifier: GPL-2.0
/*
 * cmabuf CLI: fill patterns, sizes for people, JSON strings and hexdump -C
 * lines. No I/O beyond the FILE handed to the hexdump functions.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cmabuf.h"
#include "format.h"

/*
 * PATTERN is one of
 *	0xH, 0xHH	every byte that value
 *	zero, ones	0x00, 0xff
 *	inc		byte i (from the start of the buffer) is i & 0xff
 *	random:SEED	SEED decimal or 0x hex; byte i depends only on SEED
 *			and i, the same on every machine
 */
int pattern_parse(const char *s, struct pattern *p)
{
	static const char random_prefix[] = "random:";
	uint64_t v;

	memset(p, 0, sizeof(*p));
	if (!strcmp(s, "zero")) {
		p->kind = PATTERN_BYTE;
		p->byte = 0;
		return 0;
	}
	if (!strcmp(s, "ones")) {
		p->kind = PATTERN_BYTE;
		p->byte = 0xff;
		return 0;
	}
	if (!strcmp(s, "inc")) {
		p->kind = PATTERN_INC;
		return 0;
	}
	if (!strncmp(s, random_prefix, sizeof(random_prefix) - 1)) {
		if (cmabuf_parse_u64(s + sizeof(random_prefix) - 1, &p->seed))
			return -EINVAL;
		p->kind = PATTERN_RANDOM;
		return 0;
	}
	/* A byte: 0x and one or two hex digits, nothing else. */
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s) < 3 || strlen(s) > 4 ||
	    cmabuf_parse_u64(s, &v) || v > 0xff)
		return -EINVAL;
	p->kind = PATTERN_BYTE;
	p->byte = v;
	return 0;
}

void pattern_name(const struct pattern *p, char *out, size_t len)
{
	switch (p->kind) {
	case PATTERN_BYTE:
		snprintf(out, len, "0x%02x", p->byte);
		break;
	case PATTERN_INC:
		snprintf(out, len, "inc");
		break;
	case PATTERN_RANDOM:
		snprintf(out, len, "random:%llu", (unsigned long long)p->seed);
		break;
	}
}

/* The 64-bit word @w of the random:SEED stream: SplitMix64's output step. */
static uint64_t random_word(uint64_t seed, uint64_t w)
{
	uint64_t x = seed + (w + 1) * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint8_t pattern_byte(const struct pattern *p, uint64_t off)
{
	switch (p->kind) {
	case PATTERN_INC:
		return off & 0xff;
	case PATTERN_RANDOM:
		return random_word(p->seed, off / 8) >> (8 * (off % 8));
	case PATTERN_BYTE:
	default:
		return p->byte;
	}
}

/* @dst gets the pattern's bytes @off to @off + @len of the buffer. */
void pattern_fill(const struct pattern *p, uint64_t off, uint8_t *dst, size_t len)
{
	size_t i = 0;

	switch (p->kind) {
	case PATTERN_BYTE:
		memset(dst, p->byte, len);
		return;
	case PATTERN_INC:
		for (i = 0; i < len; i++)
			dst[i] = (off + i) & 0xff;
		return;
	case PATTERN_RANDOM:
		/* Byte by byte up to a word boundary, then whole words. */
		for (; i < len && (off + i) % 8; i++)
			dst[i] = pattern_byte(p, off + i);
		for (; i + 8 <= len; i += 8) {
			uint64_t x = random_word(p->seed, (off + i) / 8);
			int b;

			for (b = 0; b < 8; b++)
				dst[i + b] = x >> (8 * b);
		}
		for (; i < len; i++)
			dst[i] = pattern_byte(p, off + i);
		return;
	}
}

/* The index in @src of the first byte that differs from the pattern, or @len. */
size_t pattern_check(const struct pattern *p, uint64_t off, const uint8_t *src, size_t len)
{
	uint8_t chunk[4096];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		pattern_fill(p, off + done, chunk, n);
		if (memcmp(chunk, src + done, n)) {
			size_t i;

			for (i = 0; chunk[i] == src[done + i]; i++)
				;
			return done + i;
		}
		done += n;
	}
	return len;
}

void format_size(uint64_t v, char *out, size_t len)
{
	static const char units[] = "KMG";
	int u = -1;

	while (v && !(v & 1023) && u < 2) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%llu", (unsigned long long)v);
	else
		snprintf(out, len, "%llu%c", (unsigned long long)v, units[u]);
}

/* Length of a valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF are invalid. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * @in as a JSON string with its quotes: '"' and '\' escaped, control
 * characters as \n, \t, ... or \u00XX, valid UTF-8 kept, each byte of
 * invalid UTF-8 replaced by U+FFFD. Returns the length of the whole result
 * (as snprintf does); @out gets as much as fits, NUL-terminated.
 */
size_t json_string(char *out, size_t len, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;

#define EMIT(str, l) do {					\
		size_t _l = (l);				\
		if (len && n < len - 1)				\
			memcpy(out + n, str,			\
			       n + _l < len - 1 ? _l : len - 1 - n); \
		n += _l;					\
	} while (0)

	EMIT("\"", 1);
	while (*s) {
		char esc[8];
		size_t u;

		switch (*s) {
		case '"':  EMIT("\\\"", 2); s++; continue;
		case '\\': EMIT("\\\\", 2); s++; continue;
		case '\b': EMIT("\\b", 2); s++; continue;
		case '\f': EMIT("\\f", 2); s++; continue;
		case '\n': EMIT("\\n", 2); s++; continue;
		case '\r': EMIT("\\r", 2); s++; continue;
		case '\t': EMIT("\\t", 2); s++; continue;
		}
		if (*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			EMIT(esc, 6);
			s++;
		} else if (*s < 0x80) {
			EMIT(s, 1);
			s++;
		} else if ((u = utf8_len(s))) {
			EMIT(s, u);
			s += u;
		} else {
			EMIT("\\ufffd", 6);
			s++;
		}
	}
	EMIT("\"", 1);
#undef EMIT
	if (len)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

/* One hexdump -C line for @n (1 to 16) bytes at @off, without the newline. */
void hexdump_line(char *out, uint64_t off, const uint8_t *p, size_t n)
{
	char *o = out;
	size_t i;

	o += sprintf(o, "%08llx  ", (unsigned long long)off);
	for (i = 0; i < 16; i++) {
		if (i < n)
			o += sprintf(o, "%02x ", p[i]);
		else
			o += sprintf(o, "   ");
		if (i == 7)
			*o++ = ' ';
	}
	*o++ = ' ';
	*o++ = '|';
	for (i = 0; i < n; i++)
		*o++ = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.';
	*o++ = '|';
	*o = '\0';
}

void hexdump_init(struct hexdump *h)
{
	memset(h, 0, sizeof(*h));
}

/*
 * Lines for @n bytes at @off. Call with multiples of 16 bytes, except for
 * the last call. A full line equal to the one before it prints as a single
 * "*" for the whole run, as hexdump does without -v.
 */
void hexdump_feed(struct hexdump *h, FILE *f, uint64_t off, const uint8_t *p, size_t n)
{
	char line[HEXDUMP_LINE_MAX];

	while (n) {
		size_t k = n < 16 ? n : 16;

		if (k == 16 && h->have_prev && !memcmp(h->prev, p, 16)) {
			if (!h->squeezing)
				fputs("*\n", f);
			h->squeezing = 1;
		} else {
			hexdump_line(line, off, p, k);
			fputs(line, f);
			fputc('\n', f);
			h->squeezing = 0;
		}
		if (k == 16) {
			memcpy(h->prev, p, 16);
			h->have_prev = 1;
		}
		off += k;
		p += k;
		n -= k;
	}
}

/* The closing offset line; nothing at all for an empty dump from offset 0. */
void hexdump_end(struct hexdump *h, FILE *f, uint64_t end)
{
	(void)h;
	if (end)
		fprintf(f, "%08llx\n", (unsigned long long)end);
}
