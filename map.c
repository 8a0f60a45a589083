// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf mappings: how a buffer gets into a process's page tables, for its
 * device node and for its dma-bufs alike.
 *
 * Where the kernel has huge PFN maps, mappings fill by fault: a PMD (or PUD)
 * entry wherever the virtual and physical addresses of a 2 MiB (1 GiB) block
 * line up inside the mapping, and elsewhere the 4 KiB entries of the whole
 * 2 MiB block around the fault at once, so no mapping takes a fault per
 * page. Elsewhere the buffer is mapped whole with remap_pfn_range() at mmap
 * time, which never makes huge entries.
 *
 * A pinnable buffer is mapped with its struct pages instead (VM_MIXEDMAP),
 * by fault, 2 MiB around the fault at a time, in 4 KiB entries: the kernel
 * can then take references on its pages (get_user_pages(): O_DIRECT,
 * vmsplice(), process_vm_readv()), which it refuses for PFN maps. The price
 * is a reference and an rmap count per mapped page, and no huge entries.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"
#include "compat.h"

/*
 * Where mappings are counted once they exist (vm_ops->mapped), a mapping
 * being made carries a cookie rather than the buffer: the buffer, the mode
 * it was prepared in and a pending bit. A mapping that fails before it is
 * counted keeps the cookie, so its close does not uncount it.
 */
#define CMA_BUF_MAP_PENDING	1UL
#define CMA_BUF_MAP_MODE_SHIFT	1
#define CMA_BUF_MAP_TAG_MASK	7UL

static void *cma_buf_map_cookie(struct cma_buf *buf, u32 mode)
{
	BUILD_BUG_ON(CMA_BUF_WRITECOMBINE > 3 || ARCH_KMALLOC_MINALIGN < 8);
	return (void *)((unsigned long)buf | (unsigned long)mode << CMA_BUF_MAP_MODE_SHIFT |
			CMA_BUF_MAP_PENDING);
}

static bool cma_buf_map_is_pending(void *data)
{
	return (unsigned long)data & CMA_BUF_MAP_PENDING;
}

static struct cma_buf *cma_buf_map_buf(void *data)
{
	return (struct cma_buf *)((unsigned long)data & ~CMA_BUF_MAP_TAG_MASK);
}

static u32 cma_buf_map_mode(void *data)
{
	return ((unsigned long)data & CMA_BUF_MAP_TAG_MASK) >> CMA_BUF_MAP_MODE_SHIFT;
}

/* Count mappings (split, copied at fork, moved by mremap: each VMA). */
static void cma_buf_vm_open(struct vm_area_struct *vma)
{
	struct cma_buf *buf = vma->vm_private_data;

	atomic_inc(&buf->mappings);
}

static void cma_buf_vm_close(struct vm_area_struct *vma)
{
	if (cma_buf_map_is_pending(vma->vm_private_data))
		return;
	atomic_dec(&cma_buf_map_buf(vma->vm_private_data)->mappings);
}

/* The mapping exists: count it, unless the buffer's mode moved meanwhile. */
static int __maybe_unused cma_buf_vm_mapped(unsigned long start, unsigned long end, pgoff_t pgoff,
					    const struct file *file, void **data)
{
	struct cma_buf *buf = cma_buf_map_buf(*data);
	int ret;

	mutex_lock(&buf->lock);
	ret = cma_buf_check_mapping_mode(buf, cma_buf_map_mode(*data));
	if (!ret) {
		atomic_inc(&buf->mappings);
		*data = buf;
	}
	mutex_unlock(&buf->lock);
	return ret;
}

/* The mapping's offset is the frame of its first page (see cma_buf_map_prepare()). */
static unsigned long cma_buf_vma_pfn(struct vm_area_struct *vma, unsigned long addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * Entries are made dirty (and writable, where the mapping is): nothing
 * tracks the dirtiness of these pages, and a CPU without hardware dirty
 * bits (arm64 before ARMv8.1) would otherwise take a second fault per page
 * on the first write to each.
 */
static pgprot_t cma_buf_fault_prot(struct vm_area_struct *vma)
{
	return pte_pgprot(pte_mkdirty(pfn_pte(0, vma->vm_page_prot)));
}

/*
 * One 4 KiB entry at @addr: the PFN with @prot, or (pinnable buffers) its
 * struct page, whose insert takes the mapping's own protection.
 */
typedef vm_fault_t (*cma_buf_insert_t)(struct vm_fault *vmf, unsigned long addr, pgprot_t prot);

static vm_fault_t cma_buf_insert_pfn(struct vm_fault *vmf, unsigned long addr, pgprot_t prot)
{
	struct vm_area_struct *vma = vmf->vma;

	return vmf_insert_pfn_prot(vma, addr, cma_buf_vma_pfn(vma, addr), prot);
}

static vm_fault_t cma_buf_insert_struct_page(struct vm_fault *vmf, unsigned long addr,
					     pgprot_t prot)
{
	struct vm_area_struct *vma = vmf->vma;

	return cma_buf_insert_page(vmf, addr, pfn_to_page(cma_buf_vma_pfn(vma, addr)),
				   vma->vm_flags & VM_WRITE);
}

/*
 * A 4 KiB fault: the faulting page, then the rest of its 2 MiB block inside
 * the mapping. The core asks here when no huge entry fits: the block is not
 * whole in the mapping, its virtual and physical offsets differ, or the PMD
 * already holds a page table (after a split); and for every fault of a
 * pinnable buffer's mapping, which has no huge entries.
 */
static __always_inline vm_fault_t cma_buf_fill_block(struct vm_fault *vmf, cma_buf_insert_t insert)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long start = max(ALIGN_DOWN(vmf->address, PMD_SIZE), vma->vm_start);
	unsigned long end = min(ALIGN_DOWN(vmf->address, PMD_SIZE) + PMD_SIZE, vma->vm_end);
	unsigned long fault = vmf->address & PAGE_MASK, addr;
	pgprot_t prot = cma_buf_fault_prot(vma);
	vm_fault_t ret;

	ret = insert(vmf, fault, prot);
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	/* Best effort: a page left out faults in later by itself. */
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (addr == fault)
			continue;
		ret = insert(vmf, addr, prot);
		if (ret != VM_FAULT_NOPAGE)
			break;
	}
	return VM_FAULT_NOPAGE;
}

static vm_fault_t cma_buf_map_block(struct vm_fault *vmf)
{
	return cma_buf_fill_block(vmf, cma_buf_insert_pfn);
}

static vm_fault_t cma_buf_map_pages_block(struct vm_fault *vmf)
{
	return cma_buf_fill_block(vmf, cma_buf_insert_struct_page);
}

/*
 * May run under the per-VMA lock only: reads the VMA, never changes it.
 * VM_FAULT_FALLBACK tells the core to try the next smaller size.
 */
static vm_fault_t __maybe_unused cma_buf_vm_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, size);
	unsigned long pfn;

	if (!order)
		return cma_buf_map_block(vmf);
	if (addr < vma->vm_start || addr + size > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pfn = cma_buf_vma_pfn(vma, addr);
	if (!IS_ALIGNED(pfn, 1UL << order))
		return VM_FAULT_FALLBACK;
	/* Dirty and writable at once where the mapping is: see above. */
	return cma_buf_insert_pfn_order(vmf, pfn, order, vma->vm_flags & VM_WRITE);
}

/*
 * Never called: the core calls pfn_mkwrite() only for entries without a
 * struct page. Having it makes the kernel track writes to the mapping,
 * and since 6.5 ("mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to
 * file-backed mappings") get_user_pages() then refuses a long-term pin for
 * writing with EFAULT. Such a pin of our pages could never succeed: they
 * sit in a CMA area, so the kernel tries to migrate them out first, cannot
 * isolate them, and retries for ever (mm/gup.c, __gup_longterm_locked()).
 * The cost: where entries start clean (compat.h), a fault on the first
 * write to each page.
 */
static vm_fault_t cma_buf_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	return 0;
}

static const struct vm_operations_struct cma_buf_vm_ops_pages = {
	.open = cma_buf_vm_open,
	.close = cma_buf_vm_close,
	CMA_BUF_VM_OPS_MAPPED
	.fault = cma_buf_map_pages_block,
	.pfn_mkwrite = cma_buf_vm_pfn_mkwrite,
};

static const struct vm_operations_struct cma_buf_vm_ops = {
	.open = cma_buf_vm_open,
	.close = cma_buf_vm_close,
	CMA_BUF_VM_OPS_MAPPED
};

static const struct vm_operations_struct cma_buf_vm_ops_by_fault = {
	.open = cma_buf_vm_open,
	.close = cma_buf_vm_close,
	CMA_BUF_VM_OPS_MAPPED
	.fault = cma_buf_map_block,
	CMA_BUF_VM_OPS_HUGE_FAULT
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

/* The whole mapping at once, where mappings are made from a VMA (compat.h). */
int cma_buf_remap_vma(struct vm_area_struct *vma, unsigned long pfn)
{
	int ret = cma_buf_prepare_page_tables(vma);

	return ret ?: remap_pfn_range(vma, vma->vm_start, pfn, vma->vm_end - vma->vm_start,
				      vma->vm_page_prot);
}

struct cma_buf_map_req {
	struct cma_buf *buf;
	u32 mode;
	unsigned long first;
	unsigned long npages;
};

static int cma_buf_map_prepare(struct cma_buf_map_target *t, void *arg)
{
	const struct vm_operations_struct *ops;
	struct cma_buf_map_req *req = arg;
	struct cma_buf *buf = req->buf;
	unsigned long off = cma_buf_target_pgoff(t);
	unsigned long count = cma_buf_target_pages(t);
	u32 mode = req->mode;
	int ret;

	/* A private mapping would copy pages on write: not the device's memory. */
	if (!cma_buf_target_shared(t))
		return -EINVAL;
	/* Overflow-safe: never off + count > npages. */
	if (off >= req->npages || count > req->npages - off)
		return -EINVAL;

	mutex_lock(&buf->lock);
	if (mode == CMA_BUF_MODE_OF_BUFFER)
		mode = buf->cache;
	ret = cma_buf_check_mapping_mode(buf, mode);
	if (ret)
		goto out;
	*cma_buf_target_prot(t) = cma_buf_pgprot(*cma_buf_target_prot(t), mode);
	if (buf->pinnable)
		cma_buf_target_set_mixedmap(t);
	else
		cma_buf_target_set_pfnmap(t);
	/*
	 * From here on the offset is the frame of the mapping's first page,
	 * as remap_pfn_range() makes it for the mappings it may copy: the
	 * core's huge-page suitability (smaps' THPeligible) then compares
	 * virtual with physical addresses, which is the rule here.
	 */
	off += page_to_pfn(buf->pages) + req->first;
	cma_buf_target_set_pgoff(t, off);
	if (buf->pinnable) {
		ops = &cma_buf_vm_ops_pages;
	} else if (cma_buf_have_huge_pfnmap()) {
		ops = &cma_buf_vm_ops_by_fault;
	} else {
		ret = cma_buf_target_remap(t, off);
		if (ret)
			goto out;
		ops = &cma_buf_vm_ops;
	}
	/* The file (or dma-buf) the mapping pins keeps buf alive. */
	if (cma_buf_map_counted_when_mapped()) {
		cma_buf_target_set_ops(t, ops, cma_buf_map_cookie(buf, mode));
	} else {
		cma_buf_target_set_ops(t, ops, buf);
		atomic_inc(&buf->mappings);
	}
out:
	mutex_unlock(&buf->lock);
	return ret;
}

/**
 * cma_buf_map() - map pages of a buffer into a shared mapping being made
 * @buf:	the buffer
 * @t:		the mapping; its page offset counts from @first
 * @mode:	cache mode of this mapping, or CMA_BUF_MODE_OF_BUFFER
 * @first:	first page of the range the mapping may see
 * @npages:	pages in that range
 *
 * Return: 0, -EINVAL for a private mapping, one outside the range, or one
 * whose mode the architecture cannot give (see cache.c), or -ENOMEM.
 */
int cma_buf_map(struct cma_buf *buf, struct cma_buf_map_target *t, u32 mode, unsigned long first,
		unsigned long npages)
{
	struct cma_buf_map_req req = { buf, mode, first, npages };

	return cma_buf_map_prepare(t, &req);
}

/**
 * cma_buf_map_vma() - cma_buf_map() for an mmap() that is handed a VMA
 * @buf:	the buffer
 * @vma:	the mapping (a dma-buf's); vm_pgoff counts from @first
 * @mode:	cache mode of this mapping, or CMA_BUF_MODE_OF_BUFFER
 * @first:	first page of the range the mapping may see
 * @npages:	pages in that range
 *
 * Return: as cma_buf_map().
 */
int cma_buf_map_vma(struct cma_buf *buf, struct vm_area_struct *vma, u32 mode,
		    unsigned long first, unsigned long npages)
{
	struct cma_buf_map_req req = { buf, mode, first, npages };

	return cma_buf_map_target_vma(vma, cma_buf_map_prepare, &req);
}

/**
 * cma_buf_get_unmapped_area() - where a new mapping of the node goes
 * @file:	the open node
 * @addr:	the caller's hint, or 0
 * @len:	bytes
 * @pgoff:	first page of the buffer mapped
 * @flags:	mmap() flags
 *
 * Without a hint, an address whose offset inside the largest huge entry
 * that fits the range is the offset of the buffer's physical address: the
 * mapping then gets huge entries wherever it can. A pinnable buffer's
 * mapping has none: any address.
 *
 * Return: the address, or an error from the process's own allocator.
 */
unsigned long cma_buf_get_unmapped_area(struct file *file, unsigned long addr, unsigned long len,
					unsigned long pgoff, unsigned long flags)
{
	struct cma_buf *buf = file->private_data;
	unsigned long size, ret;
	phys_addr_t phys, lead;

	if (addr || (flags & MAP_FIXED) || pgoff >= cma_buf_nr_pages(buf) || buf->pinnable)
		goto plain;
	phys = page_to_phys(buf->pages) + ((phys_addr_t)pgoff << PAGE_SHIFT);
	for (size = cma_buf_huge_pfnmap_max_size(); size >= PMD_SIZE;
	     size >>= PUD_SHIFT - PMD_SHIFT) {
		/* Does a whole block of this size start inside the range? */
		lead = round_up(phys, size) - phys;
		if (lead < len && len - lead >= size)
			break;
	}
	if (size < PMD_SIZE || len > ULONG_MAX - size)
		goto plain;
	ret = cma_buf_default_unmapped_area(file, 0, len + size, pgoff, flags);
	if (!IS_ERR_VALUE(ret))
		return ret + ((phys - ret) & (size - 1));
plain:
	return cma_buf_default_unmapped_area(file, addr, len, pgoff, flags);
}
