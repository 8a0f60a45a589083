/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small named bridges over kernel API changes. Each guard is set by
 * scripts/conftest.sh from the target kernel's headers or Module.symvers
 * and cites the upstream change it follows.
 */
#ifndef _CMA_BUF_COMPAT_H
#define _CMA_BUF_COMPAT_H

#include <linux/cma.h>
#include <linux/mm.h>

/* 6.3, "mm: introduce vma->vm_flags wrapper functions" */
static inline void cma_buf_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
#ifdef CMA_BUF_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * 6.4, "driver core: class: mark the struct class for sysfs callbacks as
 * constant": class attribute callbacks take a const struct class * and a
 * const struct class_attribute *. Probed one by one: a backport may take
 * only the first.
 */
#ifdef CMA_BUF_HAVE_CONST_CLASS_ATTR
#define CMA_BUF_CLASS_CONST const
#else
#define CMA_BUF_CLASS_CONST
#endif
#ifdef CMA_BUF_HAVE_CONST_CLASS_ATTR_ARG
#define CMA_BUF_CLASS_ATTR_CONST const
#else
#define CMA_BUF_CLASS_ATTR_CONST
#endif

/*
 * "slab: Introduce kmalloc_obj() and family" (in 7.2, not in 6.12): typed
 * allocations, which checkpatch asks for from then on.
 */
#ifdef CMA_BUF_HAVE_KZALLOC_OBJ
#define cma_buf_kzalloc_obj(obj, gfp)	kzalloc_obj(obj, gfp)
#else
#define cma_buf_kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

/* 6.2: struct class.devnode() takes a const struct device * */
#ifdef CMA_BUF_HAVE_CONST_DEVNODE
#define CMA_BUF_DEVNODE_CONST const
#else
#define CMA_BUF_DEVNODE_CONST
#endif

/* 6.4: struct class lost its owner; the core pins the module */
#ifdef CMA_BUF_HAVE_CLASS_OWNER
#define CMA_BUF_CLASS_OWNER_INIT .owner = THIS_MODULE,
#else
#define CMA_BUF_CLASS_OWNER_INIT
#endif

/* 6.13, "module: Convert symbol namespace to string literal" */
#ifdef CMA_BUF_HAVE_NS_STRING
#define CMA_BUF_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS("DMA_BUF")
#else
#define CMA_BUF_IMPORT_NS_DMA_BUF()	MODULE_IMPORT_NS(DMA_BUF)
#endif

#ifdef CMA_BUF_HAVE_CMA_API
/*
 * 7.1, "mm: cma: Export cma_alloc(), cma_release() and cma_get_name()";
 * kernels that export the first two without the name still get a name.
 */
static inline const char *cma_buf_cma_name(const struct cma *cma)
{
#ifdef CMA_BUF_HAVE_CMA_GET_NAME
	return cma_get_name(cma);
#else
	return "cma";
#endif
}
#endif

/*
 * Wrappers below are for constructs the module uses that changed upstream;
 * see Documentation/compat.md for the kernel versions whose headers were
 * read. Each one works on every version; the call sites adopt them.
 */

/*
 * 6.18, "mm: remove nth_page()": the n-th page of a physically contiguous
 * range. The fallback is what nth_page() was on SPARSEMEM without VMEMMAP,
 * correct on every memory model.
 */
static inline struct page *cma_buf_nth_page(struct page *page, unsigned long n)
{
#ifdef CMA_BUF_HAVE_NTH_PAGE
	return nth_page(page, n);
#else
	return pfn_to_page(page_to_pfn(page) + n);
#endif
}

/*
 * The largest order the page allocator hands out (the dma backend's limit
 * without CMA). 6.4, "mm, treewide: redefine MAX_ORDER sanely": MAX_ORDER
 * became inclusive (it was one past the largest order); 6.8, "mm, treewide:
 * rename MAX_ORDER to MAX_PAGE_ORDER".
 */
#if defined(CMA_BUF_HAVE_MAX_PAGE_ORDER)
#define CMA_BUF_MAX_PAGE_ORDER		MAX_PAGE_ORDER
#elif defined(CMA_BUF_HAVE_MAX_ORDER_INCLUSIVE)
#define CMA_BUF_MAX_PAGE_ORDER		MAX_ORDER
#else
#define CMA_BUF_MAX_PAGE_ORDER		(MAX_ORDER - 1)
#endif

/*
 * What dma_buf_ops.vmap() fills in: struct dma_buf_map since 5.11 ("dma-buf:
 * Use struct dma_buf_map in dma_buf_vmap() interfaces"), renamed struct
 * iosys_map in 5.18 ("dma-buf-map: Rename to iosys-map"). Before 5.11 vmap()
 * returned a void *: not supported.
 */
#if defined(CMA_BUF_HAVE_IOSYS_MAP)
#include <linux/iosys-map.h>
#define cma_buf_vmap_map		iosys_map
#define cma_buf_vmap_map_set_vaddr	iosys_map_set_vaddr
#elif defined(CMA_BUF_HAVE_DMA_BUF_MAP)
#include <linux/dma-buf-map.h>
#define cma_buf_vmap_map		dma_buf_map
#define cma_buf_vmap_map_set_vaddr	dma_buf_map_set_vaddr
#endif

#ifdef CONFIG_X86
/*
 * x86's page attribute tables: pat_enabled() is declared in <asm/memtype.h>
 * since 5.6, "x86/mm/pat: Rename <asm/pat.h> => <asm/memtype.h>".
 */
#ifdef CMA_BUF_HAVE_ASM_MEMTYPE_H
#include <asm/memtype.h>
#else
#include <asm/pat.h>
#endif
static inline bool cma_buf_pat_enabled(void)
{
	return pat_enabled();
}
#endif

/*
 * dev_is_dma_coherent() and pgprot_dmacoherent(): <linux/dma-map-ops.h>
 * since 5.10, "dma-mapping: split <linux/dma-mapping.h>"; before it, in
 * <linux/dma-noncoherent.h>.
 */
#ifdef CMA_BUF_HAVE_DMA_MAP_OPS_H
#include <linux/dma-map-ops.h>
#else
#include <linux/dma-noncoherent.h>
#endif

#ifdef CMA_BUF_HAVE_CMA_API
/*
 * 5.10, "dma-mapping: merge <linux/dma-contiguous.h> into
 * <linux/dma-map-ops.h>" (after "dma-mapping: split <linux/dma-mapping.h>"
 * created the latter): where dev_get_cma_area() is declared.
 */
#ifdef CMA_BUF_HAVE_DMA_MAP_OPS_H
#include <linux/dma-map-ops.h>
#else
#include <linux/dma-contiguous.h>
#endif
/* The default area: that of a device without one of its own. */
static inline struct cma *cma_buf_default_cma(void)
{
	return dev_get_cma_area(NULL);
}

/*
 * 7.2 exports dma_contiguous_get_area_by_idx(): every area reserved for
 * DMA, the default one and each reusable shared-dma-pool of the device
 * tree (not the per-node ones). Before it, a module knows the default area.
 */
static inline struct cma *cma_buf_cma_area_by_idx(unsigned int idx)
{
#ifdef CMA_BUF_HAVE_CMA_AREA_BY_IDX
	return dma_contiguous_get_area_by_idx(idx);
#else
	return idx ? NULL : cma_buf_default_cma();
#endif
}
#else
/* Without the CMA API only the dma backend exists, which needs none of these. */
static inline struct cma *cma_buf_default_cma(void)
{
	return NULL;
}

static inline struct cma *cma_buf_cma_area_by_idx(unsigned int idx)
{
	return NULL;
}

static inline const char *cma_buf_cma_name(const struct cma *cma)
{
	return "cma";
}
#endif

/*
 * Huge PFN maps, 6.12 ("mm: Support huge pfnmaps"): a VM_PFNMAP mapping may
 * hold PMD (x86-64, arm64) and PUD (x86-64) entries, inserted from
 * vm_ops->huge_fault(). The architecture selects these symbols only with
 * transparent huge pages, which the inserts need. 6.17, "mm: Remove pXX_devmap
 * page table bit and pfn_t type": the inserts take a plain pfn.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
/* map.c's handler, where vm_ops->huge_fault() can map PFNs */
#define CMA_BUF_VM_OPS_HUGE_FAULT	.huge_fault = cma_buf_vm_huge_fault,
#ifdef CMA_BUF_HAVE_PFN_T
#include <linux/pfn_t.h>
#define cma_buf_huge_pfn(pfn)		__pfn_to_pfn_t(pfn, PFN_DEV)
#else
#define cma_buf_huge_pfn(pfn)		(pfn)
#endif
#else
#define CMA_BUF_VM_OPS_HUGE_FAULT
#endif

static inline bool cma_buf_have_huge_pfnmap(void)
{
	return IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
}

/* The largest huge entry the architecture maps PFNs with, 0 for none. */
static inline unsigned long cma_buf_huge_pfnmap_max_size(void)
{
#if defined(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP)
	return PUD_SIZE;
#elif defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP)
	return PMD_SIZE;
#else
	return 0;
#endif
}

/* One huge entry of PAGE_SIZE << @order at the fault; VM_FAULT_FALLBACK if none. */
static inline vm_fault_t cma_buf_insert_pfn_order(struct vm_fault *vmf, unsigned long pfn,
						  unsigned int order, bool write)
{
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (order == PMD_SHIFT - PAGE_SHIFT)
		return vmf_insert_pfn_pmd(vmf, cma_buf_huge_pfn(pfn), write);
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_SHIFT - PAGE_SHIFT)
		return vmf_insert_pfn_pud(vmf, cma_buf_huge_pfn(pfn), write);
#endif
	return VM_FAULT_FALLBACK;
}

/*
 * Struct-page mappings (pinnable buffers, map.c). 6.15 added
 * vmf_insert_page_mkwrite(), which makes the entry dirty and writable at
 * once, as the PFN inserts above do; before it an entry starts clean, with
 * the mapping's protection, and a CPU without hardware dirty bits takes a
 * fault on the first write to each page.
 */
static inline vm_fault_t cma_buf_insert_page(struct vm_fault *vmf, unsigned long addr,
					     struct page *page, bool write)
{
#ifdef CMA_BUF_HAVE_INSERT_PAGE_MKWRITE
	struct vm_fault at = { .vma = vmf->vma, .address = addr, .flags = vmf->flags };

	return vmf_insert_page_mkwrite(&at, page, write);
#else
	return vmf_insert_page(vmf->vma, addr, page);
#endif
}

/*
 * The process's own choice of an address, as f_op->get_unmapped_area() is
 * expected to fall back to: 6.10, "mm: switch mm->get_unmapped_area() to a
 * flag" added mm_get_unmapped_area(mm, ...); 6.19 dropped its mm argument.
 */
#include <linux/sched/mm.h>
static inline unsigned long cma_buf_default_unmapped_area(struct file *file, unsigned long addr,
							  unsigned long len, unsigned long pgoff,
							  unsigned long flags)
{
#if defined(CMA_BUF_HAVE_MM_GET_UNMAPPED_AREA)
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
#elif defined(CMA_BUF_HAVE_MM_GET_UNMAPPED_AREA_MM)
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#else
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/*
 * How a mapping is described while it is being made. 6.16 added
 * f_op->mmap_prepare(struct vm_area_desc *), the kernel's way from then on,
 * and 7.1 vm_ops->mapped(), called once the mapping exists: the first
 * moment a mapping may be counted. Where both exist the node uses
 * mmap_prepare and a dma-buf's mmap() (still handed a VMA) goes through
 * the kernel's own bridge, so map.c is written once against a
 * struct cma_buf_map_target: the descriptor there, the VMA itself before.
 */
/* map.c: remap_pfn_range() of a whole VMA, as this kernel needs it done. */
int cma_buf_remap_vma(struct vm_area_struct *vma, unsigned long pfn);

#ifdef CMA_BUF_HAVE_MMAP_PREPARE
#define cma_buf_map_target		vm_area_desc
/* map.c's count of a mapping that exists */
#define CMA_BUF_VM_OPS_MAPPED		.mapped = cma_buf_vm_mapped,

static inline bool cma_buf_map_counted_when_mapped(void)
{
	return true;
}

static inline unsigned long cma_buf_target_pgoff(struct cma_buf_map_target *t)
{
	return t->pgoff;
}

static inline void cma_buf_target_set_pgoff(struct cma_buf_map_target *t, unsigned long pgoff)
{
	t->pgoff = pgoff;
}

static inline unsigned long cma_buf_target_pages(struct cma_buf_map_target *t)
{
	return vma_desc_pages(t);
}

static inline bool cma_buf_target_shared(struct cma_buf_map_target *t)
{
	return vma_desc_test(t, VMA_MAYSHARE_BIT);
}

static inline pgprot_t *cma_buf_target_prot(struct cma_buf_map_target *t)
{
	return &t->page_prot;
}

/* PFNs, no growing past the buffer with mremap, no buffers in core dumps. */
static inline void cma_buf_target_set_pfnmap(struct cma_buf_map_target *t)
{
	vma_desc_set_flags(t, VMA_IO_BIT, VMA_PFNMAP_BIT, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
}

/* Struct pages (which may be pinned), and the same limits. */
static inline void cma_buf_target_set_mixedmap(struct cma_buf_map_target *t)
{
	vma_desc_set_flags(t, VMA_MIXEDMAP_BIT, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
}

static inline void cma_buf_target_set_ops(struct cma_buf_map_target *t,
					  const struct vm_operations_struct *ops, void *data)
{
	t->vm_ops = ops;
	t->private_data = data;
}

/* Map it all once the mapping exists (remap_pfn_range() underneath). */
static inline int cma_buf_target_remap(struct cma_buf_map_target *t, unsigned long pfn)
{
	mmap_action_remap_full(t, pfn);
	return 0;
}

/* mmap.c's cma_buf_mmap(), as the node's mmap_prepare */
int cma_buf_mmap(struct file *file, struct cma_buf_map_target *t);

static inline int cma_buf_mmap_prepare(struct vm_area_desc *desc)
{
	return cma_buf_mmap(desc->file, desc);
}

#define CMA_BUF_FOPS_MMAP		.mmap_prepare = cma_buf_mmap_prepare,

/* A VMA handed to an old-style mmap() (a dma-buf's), made as above. */
static inline int cma_buf_map_target_vma(struct vm_area_struct *vma,
					 int (*prepare)(struct cma_buf_map_target *t, void *arg),
					 void *arg)
{
	struct vm_area_desc desc;
	int ret;

	compat_set_desc_from_vma(&desc, vma->vm_file, vma);
	ret = prepare(&desc, arg);
	return ret ?: __compat_vma_mmap(&desc, vma);
}
#else
#define cma_buf_map_target		vm_area_struct
#define CMA_BUF_VM_OPS_MAPPED

static inline bool cma_buf_map_counted_when_mapped(void)
{
	return false;
}

static inline unsigned long cma_buf_target_pgoff(struct cma_buf_map_target *t)
{
	return t->vm_pgoff;
}

static inline void cma_buf_target_set_pgoff(struct cma_buf_map_target *t, unsigned long pgoff)
{
	t->vm_pgoff = pgoff;
}

static inline unsigned long cma_buf_target_pages(struct cma_buf_map_target *t)
{
	return vma_pages(t);
}

static inline bool cma_buf_target_shared(struct cma_buf_map_target *t)
{
	return t->vm_flags & VM_MAYSHARE;
}

static inline pgprot_t *cma_buf_target_prot(struct cma_buf_map_target *t)
{
	return &t->vm_page_prot;
}

static inline void cma_buf_target_set_pfnmap(struct cma_buf_map_target *t)
{
	cma_buf_vm_flags_set(t, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
}

static inline void cma_buf_target_set_mixedmap(struct cma_buf_map_target *t)
{
	cma_buf_vm_flags_set(t, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
}

static inline void cma_buf_target_set_ops(struct cma_buf_map_target *t,
					  const struct vm_operations_struct *ops, void *data)
{
	t->vm_ops = ops;
	t->vm_private_data = data;
}

static inline int cma_buf_target_remap(struct cma_buf_map_target *t, unsigned long pfn)
{
	return cma_buf_remap_vma(t, pfn);
}

int cma_buf_mmap(struct file *file, struct cma_buf_map_target *t);
#define CMA_BUF_FOPS_MMAP		.mmap = cma_buf_mmap,

static inline int cma_buf_map_target_vma(struct vm_area_struct *vma,
					 int (*prepare)(struct cma_buf_map_target *t, void *arg),
					 void *arg)
{
	return prepare(vma, arg);
}
#endif

#endif /* _CMA_BUF_COMPAT_H */
