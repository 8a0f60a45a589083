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
static inline struct cma *cma_buf_dev_cma_area(struct device *dev)
{
	return dev_get_cma_area(dev);
}
#endif

#endif /* _CMA_BUF_COMPAT_H */
