// SPDX-License-Identifier: GPL-2.0
/*
 * cma backend: pages straight from a CMA area with cma_alloc(), on kernels
 * that export the CMA API to modules (mainline 7.1, Android GKI, our test
 * kernel). Compiled in only where Module.symvers shows those exports.
 * Each buffer comes from its area's struct cma (area.c).
 */
#include <linux/cma.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "backend.h"
#include "cma_buf.h"
#include "compat.h"

static int cma_backend_alloc(struct cma_buf *buf, size_t align)
{
	const struct cma_buf_area *area = buf->area;
	unsigned int align_order = ilog2(align) - PAGE_SHIFT;

	buf->pages = cma_alloc(area->cma, cma_buf_nr_pages(buf), align_order, true);
	if (!buf->pages)
		return -ENOMEM;
	/*
	 * A DMA address on the area's device, for the sync calls; the CPU
	 * has not written the pages yet, so skip the initial sync.
	 */
	buf->dma_addr = dma_map_page_attrs(area->dev, buf->pages, 0, buf->size,
					   DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(area->dev, buf->dma_addr)) {
		cma_release(area->cma, buf->pages, cma_buf_nr_pages(buf));
		buf->pages = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void cma_backend_free(struct cma_buf *buf)
{
	const struct cma_buf_area *area = buf->area;

	dma_unmap_page_attrs(area->dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL,
			     DMA_ATTR_SKIP_CPU_SYNC);
	cma_release(area->cma, buf->pages, cma_buf_nr_pages(buf));
}

const struct cma_buf_backend cma_buf_backend_cma = {
	.name = "cma",
	.alloc = cma_backend_alloc,
	.free = cma_backend_free,
};
