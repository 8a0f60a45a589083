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
	dma_sync_single_for_device(cma_buf_dma_dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL);
	dma_sync_single_for_cpu(cma_buf_dma_dev, buf->dma_addr, buf->size, DMA_BIDIRECTIONAL);
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
static pgprot_t cma_buf_pgprot(pgprot_t prot, u32 mode)
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

/* Count mappings (split, copied at fork, moved by mremap: each VMA). */
static void cma_buf_vm_open(struct vm_area_struct *vma)
{
	struct cma_buf *buf = vma->vm_private_data;

	atomic_inc(&buf->mappings);
}

static void cma_buf_vm_close(struct vm_area_struct *vma)
{
	struct cma_buf *buf = vma->vm_private_data;

	atomic_dec(&buf->mappings);
}

static const struct vm_operations_struct cma_buf_vm_ops = {
	.open = cma_buf_vm_open,
	.close = cma_buf_vm_close,
};

/*
 * x86 PAT kernels that track remapped ranges with VM_PAT (6.1.y among them)
 * WARN when remap_pfn_range() fails before the mapping's first page is in:
 * its error path reads the memory type back from that page's PTE. The only
 * way it fails there is a page table allocation, so allocate the first
 * page's tables beforehand: a failure then is a plain -ENOMEM, and one later
 * in the range finds the first page mapped and unwinds quietly.
 */
#ifdef CONFIG_X86_PAT
static int cma_buf_no_pte_change(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

static int cma_buf_prepare_page_tables(struct vm_area_struct *vma)
{
	return apply_to_page_range(vma->vm_mm, vma->vm_start, PAGE_SIZE, cma_buf_no_pte_change,
				   NULL);
}
#else
static int cma_buf_prepare_page_tables(struct vm_area_struct *vma)
{
	return 0;
}
#endif

/**
 * cma_buf_mmap_range() - map pages of a buffer into a shared mapping
 * @buf:	the buffer
 * @vma:	the mapping; vm_pgoff counts from @first
 * @mode:	cache mode of this mapping, or CMA_BUF_MODE_OF_BUFFER
 * @first:	first page of the range the mapping may see
 * @npages:	pages in that range
 *
 * Return: 0, -EINVAL for a private mapping, one outside the range, or one
 * whose mode the architecture cannot give (see above), or -ENOMEM.
 */
int cma_buf_mmap_range(struct cma_buf *buf, struct vm_area_struct *vma, u32 mode,
		       unsigned long first, unsigned long npages)
{
	unsigned long off = vma->vm_pgoff;
	unsigned long count = vma_pages(vma);
	int ret;

	/* A private mapping would copy pages on write: not the device's memory. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* Overflow-safe: never off + count > npages. */
	if (off >= npages || count > npages - off)
		return -EINVAL;

	mutex_lock(&buf->lock);
	if (mode == CMA_BUF_MODE_OF_BUFFER)
		mode = buf->cache;
	if (cma_buf_memtype_follows_linear_map() && mode != buf->cache) {
		mutex_unlock(&buf->lock);
		return -EINVAL;
	}
	vma->vm_page_prot = cma_buf_pgprot(vma->vm_page_prot, mode);
	/* No growing past the buffer with mremap, no buffers in core dumps. */
	cma_buf_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	/*
	 * The buffer is contiguous and resident: map it whole now rather than
	 * take a fault per page later.
	 */
	ret = cma_buf_prepare_page_tables(vma);
	if (!ret)
		ret = remap_pfn_range(vma, vma->vm_start, page_to_pfn(buf->pages) + first + off,
				      count << PAGE_SHIFT, vma->vm_page_prot);
	if (!ret) {
		/* The file (or dma-buf) the mapping pins keeps buf alive. */
		vma->vm_private_data = buf;
		vma->vm_ops = &cma_buf_vm_ops;
		atomic_inc(&buf->mappings);
	}
	mutex_unlock(&buf->lock);
	return ret;
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
		dma_sync_single_for_device(cma_buf_dma_dev, buf->dma_addr + offset, size, dir);
	else
		dma_sync_single_for_cpu(cma_buf_dma_dev, buf->dma_addr + offset, size, dir);
	return 0;
}
