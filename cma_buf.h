/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cma_buf: physically contiguous buffers for user space.
 * Internal interfaces shared by the module's files.
 */
#ifndef _CMA_BUF_H
#define _CMA_BUF_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mm_types.h>
#include <linux/types.h>

struct cma_buf_backend;

/**
 * struct cma_buf - one buffer, with its class device and char device
 * @dev:	class device; its reference count is the buffer's lifetime
 * @cdev:	the buffer's own minor, /dev/cma_bufN
 * @index:	N in cma_bufN, also the minor number
 * @size:	length in bytes, a whole number of pages
 * @pages:	first of the buffer's physically contiguous pages
 * @dma_addr:	handle of the allocation, for backends that have one
 * @origin:	where the memory came from (CMA area name, or "dma")
 * @backend:	allocator that owns @pages
 *
 * The memory is returned only by the device's release callback, after the
 * last reference is gone: the registry's, open files' and (through the
 * file each mapping pins) mappings'.
 */
struct cma_buf {
	struct device dev;
	struct cdev cdev;
	unsigned int index;
	size_t size;
	struct page *pages;
	dma_addr_t dma_addr;
	const char *origin;
	const struct cma_buf_backend *backend;
};

static inline struct cma_buf *to_cma_buf(struct device *dev)
{
	return container_of(dev, struct cma_buf, dev);
}

static inline unsigned long cma_buf_nr_pages(const struct cma_buf *buf)
{
	return buf->size >> PAGE_SHIFT;
}

/* cma_buf.c */
#define CMA_BUF_INDEX_ANY	(-1)
int cma_buf_create(size_t size, int index, size_t align);
int cma_buf_remove(unsigned int index);
const char *cma_buf_backend_name(void);
extern struct device *cma_buf_dma_dev;

/* sysfs.c */
extern struct class cma_buf_class;

/* mmap.c */
extern const struct file_operations cma_buf_fops;

#endif /* _CMA_BUF_H */
