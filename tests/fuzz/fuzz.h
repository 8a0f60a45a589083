/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the cma_buf fuzzer (fuzz.c) and the fault-injection driver
 * (faults.c): a small seeded PRNG, per-process statistics in shared memory,
 * and the table of errno values each operation may document.
 */
#ifndef CMA_BUF_FUZZ_H
#define CMA_BUF_FUZZ_H

#include "cma_buf_test.h"

#include <stdarg.h>
#include <time.h>

#define FZ_NERR		140	/* errno values counted one by one */
#define FZ_MAXPROC	16

/* Operations, each with its set of documented errno values. */
enum fz_op {
	OP_ALLOC, OP_FREE, OP_OPEN, OP_CLOSE, OP_MMAP, OP_MUNMAP, OP_MREMAP,
	OP_MPROTECT, OP_FORK, OP_RW, OP_LSEEK, OP_IOCTL, OP_DMABUF, OP_CACHE,
	OP_SYNC, OP_ATTR, OP_UNLOAD, OP_LOAD, OP_TOUCH, OP_PIN, OP_BIND, OP_POOL,
	OP_NR
};

struct fz_stats {
	unsigned long ops;
	unsigned long errs[FZ_NERR];	/* failed operations by errno */
	unsigned long unexpected;	/* errno not in the operation's table */
	unsigned long bad;		/* wrong data, wrong state, crashed child */
	unsigned long faults;		/* faults injected */
	unsigned long reloads;
};

extern struct fz_stats *fz_st;		/* this process's slot */
extern bool fz_module_may_vanish;	/* someone unloads: tolerate ENOENT etc. */
extern const char *const fz_op_names[OP_NR];

/* xorshift64*: reproducible from the seed, independent of libc. */
static inline uint64_t fz_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform-ish in [0, n). */
static inline uint64_t fz_below(uint64_t *s, uint64_t n)
{
	return n ? fz_rand(s) % n : 0;
}

static inline double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool fz_errno_ok(enum fz_op op, int err);
/* Count one operation; @err 0 for success, else a positive errno. */
void fz_result(enum fz_op op, int err, const char *what);

#endif /* CMA_BUF_FUZZ_H */
