// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf cache control: how mappings see the buffer (cached, uncached,
 * write-combined), and the DMA API's sync calls for devices that do not
 * snoop the CPU caches.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#ifdef CONFIG_X86
#include <asm/set_memory.h>
#endif
#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"
#include "compat.h"

const char * const cma_buf_cache_names[] = {
	[CMA_BUF_CACHED] = "cached",
	[CMA_BUF_UNCACHED] = "uncached",
	[CMA_BUF_WRITECOMBINE] = "writecombine",
	NULL,
};

/*
 * x86 tracks the memory type of RAM per page (PAT): a user mapping of RAM
 * gets the type of the kernel's linear mapping, whatever it asked for. So the
 * linear mapping has to change with the mode, and a mapping whose mode
 * differs from the buffer's cannot be made at all there. Other architectures
 * take the mapping's own page protection.
 */
static bool cma_buf_memtype_follows_linear_map(void)
{
#ifdef CONFIG_X86
	return cma_buf_pat_enabled();
#else
	return false;
#endif
}

static int cma_buf_set_linear_map(struct cma_buf *buf, u32 mode)
{
#ifdef CONFIG_X86
	unsigned long addr = (unsigned long)page_address(buf->pages);
	int n = cma_buf_nr_pages(buf);
	int ret;

	switch (mode) {
	case CMA_BUF_UNCACHED:
		ret = set_memory_uc(addr, n);
		break;
	case CMA_BUF_WRITECOMBINE:
		ret = set_memory_wc(addr, n);
		break;
	default:
		return set_memory_wb(addr, n);
	}
	/*
	 * Splitting the linear map takes page tables, so this can fail part
	 * way: the type is given back, but pages changed so far stay so.
	 * Put them back too, or they would alias the write-back mappings.
	 */
	if (ret)
		set_memory_wb(addr, n);
	return ret;
#else
	return 0;
#endif
}

/*
 * The kernel zeroed the buffer through its cached linear mapping, and a
 * cached mapping may have written it since: before mappings of another
 * memory type see the memory, write back and drop the CPU's lines (on
 * hardware, a dirty line evicted later would overwrite what an uncached
 * mapping wrote, and a stale one would hide it from a cached mapping). A
 * no-op where DMA is coherent (x86, whose set_memory_*() flush anyway).
 */
static void cma_buf_flush_cpu_caches(struct cma_buf *buf)
{
	dma_sync_single_for_device(buf->area->dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL);
	dma_sync_single_for_cpu(buf->area->dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL);
}

/**
 * cma_buf_set_cache() - choose the cache mode of mappings made from now on
 * @buf:	the buffer
 * @mode:	CMA_BUF_CACHED, CMA_BUF_UNCACHED or CMA_BUF_WRITECOMBINE
 *
 * Existing mappings keep the mode they were made with, except on x86 with
 * PAT: there two mappings of the same RAM with different memory types are an
 * alias the architecture forbids (PAT rewrites the type of a mapping copied
 * at fork), so the mode cannot change while the buffer is mapped.
 *
 * Return: 0, -EINVAL for an unknown mode, -EBUSY for a mapped buffer on
 * x86 with PAT, or what the architecture says.
 */
int cma_buf_set_cache(struct cma_buf *buf, u32 mode)
{
	int ret = 0;

	if (mode > CMA_BUF_WRITECOMBINE)
		return -EINVAL;
	mutex_lock(&buf->lock);
	if (mode != buf->cache && cma_buf_memtype_follows_linear_map() &&
	    atomic_read(&buf->mappings)) {
		ret = -EBUSY;
	} else if (mode != buf->cache) {
		cma_buf_flush_cpu_caches(buf);
		/*
		 * x86 changes a page's type only from write-back. Each step
		 * that fails leaves the type it started from (set_memory_*()
		 * drop or keep the reservation accordingly), and buf->cache
		 * must name that type: mappings are made in it.
		 */
		if (buf->cache != CMA_BUF_CACHED) {
			ret = cma_buf_set_linear_map(buf, CMA_BUF_CACHED);
			if (!ret)
				buf->cache = CMA_BUF_CACHED;
		}
		if (!ret && mode != CMA_BUF_CACHED) {
			ret = cma_buf_set_linear_map(buf, mode);
			if (!ret)
				buf->cache = mode;
		}
	}
	mutex_unlock(&buf->lock);
	return ret;
}

/* Before the pages go back: the allocator expects them write-back. */
void cma_buf_reset_cache(struct cma_buf *buf)
{
	if (buf->cache != CMA_BUF_CACHED) {
		cma_buf_set_linear_map(buf, CMA_BUF_CACHED);
		cma_buf_flush_cpu_caches(buf);
	}
}

/*
 * "uncached" maps as the kernel maps its own uncached DMA buffers:
 * pgprot_dmacoherent(), which is pgprot_noncached() (UC- on x86) except
 * where that would be MMIO's Device memory: on arm and arm64 it is Normal
 * Non-cacheable. Device memory faults (SIGBUS) on unaligned access and on
 * the DC ZVA that memset() uses, so user code could not treat the buffer as
 * memory; the price is that uncached and writecombine are the same memory
 * type there.
 */
pgprot_t cma_buf_pgprot(pgprot_t prot, u32 mode)
{
	switch (mode) {
	case CMA_BUF_UNCACHED:
		return pgprot_dmacoherent(prot);
	case CMA_BUF_WRITECOMBINE:
		return pgprot_writecombine(prot);
	default:
		return prot;
	}
}

/**
 * cma_buf_check_mapping_mode() - may a mapping of this mode be made now?
 * @buf:	the buffer, its lock held
 * @mode:	the mapping's cache mode
 *
 * Return: 0, or -EINVAL where the architecture gives a mapping of RAM the
 * buffer's memory type whatever it asks for (see above) and @mode is not it.
 */
int cma_buf_check_mapping_mode(struct cma_buf *buf, u32 mode)
{
	lockdep_assert_held(&buf->lock);
	if (cma_buf_memtype_follows_linear_map() && mode != buf->cache)
		return -EINVAL;
	return 0;
}

/**
 * cma_buf_sync() - hand a range of the buffer to the device or back to the CPU
 * @buf:	the buffer
 * @offset:	first byte
 * @size:	bytes; with @offset 0, 0 means the whole buffer
 * @dir:	DMA direction of the transfer the sync is for
 * @for_device:	true before the device accesses the range, false after
 *
 * Return: 0, or -EINVAL for an empty range or one outside the buffer.
 */
int cma_buf_sync(struct cma_buf *buf, u64 offset, u64 size, enum dma_data_direction dir,
		 bool for_device)
{
	if (!offset && !size)
		size = buf->size;
	if (!size || offset >= buf->size || size > buf->size - offset)
		return -EINVAL;
	if (for_device)
		dma_sync_single_for_device(buf->area->dev, buf->dma_addr + offset, size, dir);
	else
		dma_sync_single_for_cpu(buf->area->dev, buf->dma_addr + offset, size, dir);
	return 0;
}
