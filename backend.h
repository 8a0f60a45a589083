/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cma_buf allocation backends: where a buffer's pages come from.
 */
#ifndef _CMA_BUF_BACKEND_H
#define _CMA_BUF_BACKEND_H

#include <linux/types.h>

struct cma_buf;
struct device;

/**
 * struct cma_buf_backend - an allocator of physically contiguous pages
 * @name:	what /sys/class/cma_buf/backend reads
 * @alloc:	set @buf->pages and dma_addr (for @buf->area's device) for
 *		@buf->size bytes from @buf->area, at a physical address aligned
 *		to @align (a power of two, at least PAGE_SIZE); -EINVAL if the
 *		alignment cannot be guaranteed, -ENOMEM if the memory is not
 *		there. The pages need not be zeroed.
 * @free:	give @buf->pages back
 */
struct cma_buf_backend {
	const char *name;
	int (*alloc)(struct cma_buf *buf, size_t align);
	void (*free)(struct cma_buf *buf);
};

extern const struct cma_buf_backend cma_buf_backend_dma;
#ifdef CMA_BUF_HAVE_CMA_API
extern const struct cma_buf_backend cma_buf_backend_cma;
#endif

#endif /* _CMA_BUF_BACKEND_H */
