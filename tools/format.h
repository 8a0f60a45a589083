/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmabuf CLI: the pure parts (fill patterns, sizes for people, JSON strings,
 * hexdump -C lines), kept apart from I/O so the host tests can reach them.
 */
#ifndef CMABUF_FORMAT_H
#define CMABUF_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum pattern_kind {
	PATTERN_BYTE,		/* 0xHH, zero, ones: every byte the same */
	PATTERN_INC,		/* byte i is i & 0xff */
	PATTERN_RANDOM,		/* random:SEED, a function of SEED and i */
};

struct pattern {
	enum pattern_kind kind;
	uint8_t byte;
	uint64_t seed;
};

int pattern_parse(const char *s, struct pattern *p);
void pattern_name(const struct pattern *p, char *out, size_t len);
uint8_t pattern_byte(const struct pattern *p, uint64_t off);
void pattern_fill(const struct pattern *p, uint64_t off, uint8_t *dst, size_t len);
size_t pattern_check(const struct pattern *p, uint64_t off, const uint8_t *src, size_t len);

/* "4M", "12K", "4097": the largest binary unit that divides @v exactly. */
void format_size(uint64_t v, char *out, size_t len);

/* @in as a quoted JSON string; like snprintf, returns the length needed. */
size_t json_string(char *out, size_t len, const char *in);

/* hexdump -C, with its squeezing of repeated lines into "*". */
struct hexdump {
	uint8_t prev[16];
	int have_prev;
	int squeezing;
};

#define HEXDUMP_LINE_MAX	80

void hexdump_line(char *out, uint64_t off, const uint8_t *p, size_t n);
void hexdump_init(struct hexdump *h);
void hexdump_feed(struct hexdump *h, FILE *f, uint64_t off, const uint8_t *p, size_t n);
void hexdump_end(struct hexdump *h, FILE *f, uint64_t end);

#endif /* CMABUF_FORMAT_H */
