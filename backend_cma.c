// SPDX-License-Identifier: GPL-2.0
/*
 * cma backend: pages straight from a CMA area with cma_alloc(), on kernels
 * that export the CMA API to modules (mainline 7.1, Android GKI, our test
 * kernel). Compiled in only where Module.symvers shows those exports.
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

static struct cma *cma_buf_area;

static int cma_backend_init(struct device *dev)
{
	/* The device's own area (device tree memory-region), else the default. */
	cma_buf_area = dev_get_cma_area(dev);
	if (!cma_buf_area) {
		dev_err(dev, "no CMA area: boot with cma=SIZE or declare a shared-dma-pool\n");
		return -ENODEV;
	}
	return 0;
}

static int cma_backend_alloc(struct cma_buf *buf, size_t align)
{
	unsigned int align_order = ilog2(align) - PAGE_SHIFT;

	buf->pages = cma_alloc(cma_buf_area, cma_buf_nr_pages(buf), align_order, true);
	if (!buf->pages)
		return -ENOMEM;
	/*
	 * A DMA address on the module's device, for the sync calls; the CPU
	 * has not written the pages yet, so skip the initial sync.
	 */
	buf->dma_addr = dma_map_page_attrs(cma_buf_dma_dev, buf->pages, 0, buf->size,
					   DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(cma_buf_dma_dev, buf->dma_addr)) {
		cma_release(cma_buf_area, buf->pages, cma_buf_nr_pages(buf));
		buf->pages = NULL;
		return -ENOMEM;
	}
	buf->origin = cma_buf_cma_name(cma_buf_area);
	return 0;
}

static void cma_backend_free(struct cma_buf *buf)
{
	dma_unmap_page_attrs(cma_buf_dma_dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL,
			     DMA_ATTR_SKIP_CPU_SYNC);
	cma_release(cma_buf_area, buf->pages, cma_buf_nr_pages(buf));
}

const struct cma_buf_backend cma_buf_backend_cma = {
	.name = "cma",
	.init = cma_backend_init,
	.alloc = cma_backend_alloc,
	.free = cma_backend_free,
};
