/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict parsing of what user space writes to cma_buf's control files.
 * Pure functions on (pointer, length) tokens: no allocation, no global state.
 */
#ifndef _CMA_BUF_PARSE_H
#define _CMA_BUF_PARSE_H

#include <linux/types.h>

#define CMA_BUF_MAX_TOKENS	6

struct cma_buf_token {
	const char *s;
	size_t len;
};

struct cma_buf_alloc_req {
	u64 size;		/* bytes as written, not yet rounded */
	u64 align;		/* 0 when not given */
	s64 index;		/* -1 when not given */
	bool pinnable;		/* "pinnable" given: struct-page mappings */
	struct cma_buf_token area;	/* area=NAME; len 0 when not given */
	int node;		/* node=N; NUMA_NO_NODE when not given */
};

/* Same numbering as CMA_BUF_SYNC_* in the uapi header. */
enum cma_buf_dir {
	CMA_BUF_DIR_BIDIRECTIONAL,
	CMA_BUF_DIR_TO_DEVICE,
	CMA_BUF_DIR_FROM_DEVICE,
};

struct cma_buf_sync_req {
	u64 offset;
	u64 size;
	enum cma_buf_dir dir;
};

/* A pool spec: up to CMA_BUF_POOL_MAX_SIZES sizes, each with a count. */
#define CMA_BUF_POOL_MAX_SIZES	8
#define CMA_BUF_POOL_MAX_COUNT	1024

struct cma_buf_pool_spec {
	unsigned int n;
	u64 size[CMA_BUF_POOL_MAX_SIZES];
	unsigned int count[CMA_BUF_POOL_MAX_SIZES];
};

int cma_buf_split(const char *buf, size_t count, struct cma_buf_token *tok, int max);
int cma_buf_parse_size(const struct cma_buf_token *tok, u64 *out);
int cma_buf_parse_index(const struct cma_buf_token *tok, unsigned int *out);
int cma_buf_check_area_name(const char *s, size_t len);
int cma_buf_check_node(s64 node);
int cma_buf_parse_alloc(const char *buf, size_t count, struct cma_buf_alloc_req *req);
int cma_buf_parse_free(const char *buf, size_t count, unsigned int *index);
int cma_buf_parse_sync(const char *buf, size_t count, struct cma_buf_sync_req *req);
int cma_buf_parse_pool(const char *buf, size_t count, struct cma_buf_pool_spec *spec);
int cma_buf_parse_device(const char *buf, size_t count, char *name, size_t len);

#endif /* _CMA_BUF_PARSE_H */
