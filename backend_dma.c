// SPDX-License-Identifier: GPL-2.0
/*
 * dma backend: pages from the DMA API on the module's own device, for kernels
 * that do not export the CMA API. With CONFIG_DMA_CMA the DMA API takes them
 * from the default CMA area; without it, from the buddy allocator, which caps
 * a buffer at MAX_ORDER pages (4 MiB on x86). The device is the area's
 * (area.c): the module's own, a device-tree node's with its region, or one
 * placed on a NUMA node.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "backend.h"
#include "cma_buf.h"

/*
 * The DMA API promises no alignment, but its allocators give what follows
 * from how they work: the buddy allocator aligns a block to its order, and
 * dma_alloc_contiguous() asks CMA for the order capped at CMA_ALIGNMENT.
 * Anything beyond that cannot be guaranteed, so it is refused up front.
 */
static size_t dma_backend_guaranteed_align(size_t size)
{
	unsigned int order = get_order(size);

#ifdef CONFIG_DMA_CMA
	order = min_t(unsigned int, order, CONFIG_CMA_ALIGNMENT);
#endif
	return PAGE_SIZE << order;
}

static int dma_backend_alloc(struct cma_buf *buf, size_t align)
{
	struct device *dev = buf->area->dev;

	if (align > dma_backend_guaranteed_align(buf->size))
		return -EINVAL;
	buf->pages = dma_alloc_pages(dev, buf->size, &buf->dma_addr, DMA_BIDIRECTIONAL,
				     GFP_KERNEL | __GFP_NOWARN);
	if (!buf->pages)
		return -ENOMEM;
	/* An IOMMU or a bounce path could still break the promise: check it. */
	if (page_to_phys(buf->pages) & (align - 1)) {
		dma_free_pages(dev, buf->size, buf->pages, buf->dma_addr, DMA_BIDIRECTIONAL);
		buf->pages = NULL;
		return -EINVAL;
	}
	return 0;
}

static void dma_backend_free(struct cma_buf *buf)
{
	dma_free_pages(buf->area->dev, buf->size, buf->pages, buf->dma_addr,
		       DMA_BIDIRECTIONAL);
}

const struct cma_buf_backend cma_buf_backend_dma = {
	.name = "dma",
	.alloc = dma_backend_alloc,
	.free = dma_backend_free,
};
