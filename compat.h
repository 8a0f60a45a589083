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

/* 6.4: class attribute callbacks take a const struct class * */
#ifdef CMA_BUF_HAVE_CONST_CLASS_ATTR
#define CMA_BUF_CLASS_CONST const
#else
#define CMA_BUF_CLASS_CONST
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

#endif /* _CMA_BUF_COMPAT_H */
