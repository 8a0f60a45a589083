// SPDX-License-Identifier: GPL-2.0
/*
 * Build-only check (tests/packaging/compat-test.sh): every wrapper in
 * compat.h, used once, so a wrapper no call site has adopted yet still has
 * to compile warning-free against each kernel. Never loaded.
 */
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "compat.h"

static ssize_t compat_use_show(CMA_BUF_CLASS_CONST struct class *class,
			       CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", CMA_BUF_MAX_PAGE_ORDER);
}
static CLASS_ATTR_RO(compat_use);

static char *compat_use_devnode(CMA_BUF_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	return NULL;
}

static struct class compat_use_class __maybe_unused = {
	.name = "cma_buf_compat_use",
	CMA_BUF_CLASS_OWNER_INIT
	.devnode = compat_use_devnode,
};

static int compat_use_vmap(struct dma_buf *dmabuf, struct cma_buf_vmap_map *map)
{
	cma_buf_vmap_map_set_vaddr(map, page_address(cma_buf_nth_page(dmabuf->priv, 1)));
	return 0;
}

static const struct dma_buf_ops compat_use_ops __maybe_unused = {
	.vmap = compat_use_vmap,
};

static int compat_use_mmap(struct file *file, struct vm_area_struct *vma)
{
	cma_buf_vm_flags_set(vma, VM_DONTEXPAND);
	return 0;
}

static const struct file_operations compat_use_fops __maybe_unused = {
	.mmap = compat_use_mmap,
};

/* The mapping helpers, under the names compat.h expects of map.c and mmap.c. */
int cma_buf_remap_vma(struct vm_area_struct *vma, unsigned long pfn)
{
	return remap_pfn_range(vma, vma->vm_start, pfn, PAGE_SIZE, vma->vm_page_prot);
}

static int __maybe_unused cma_buf_vm_mapped(unsigned long start, unsigned long end,
					    pgoff_t pgoff, const struct file *file, void **data)
{
	return 0;
}

static vm_fault_t __maybe_unused cma_buf_vm_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	if (!order)
		return cma_buf_insert_page(vmf, vmf->address, NULL, true);
	return cma_buf_insert_pfn_order(vmf, 0, order, false);
}

static const struct vm_operations_struct compat_use_vm_ops __maybe_unused = {
	CMA_BUF_VM_OPS_MAPPED
	CMA_BUF_VM_OPS_HUGE_FAULT
};

static int compat_use_target(struct cma_buf_map_target *t, void *arg)
{
	*cma_buf_target_prot(t) = pgprot_writecombine(*cma_buf_target_prot(t));
	if (arg)
		cma_buf_target_set_pfnmap(t);
	else
		cma_buf_target_set_mixedmap(t);
	cma_buf_target_set_pgoff(t, cma_buf_target_pgoff(t) + cma_buf_target_pages(t));
	cma_buf_target_set_ops(t, NULL, arg);
	if (!cma_buf_target_shared(t) || cma_buf_map_counted_when_mapped())
		return -EINVAL;
	return cma_buf_target_remap(t, 0);
}

int cma_buf_mmap(struct file *file, struct cma_buf_map_target *t)
{
	return compat_use_target(t, file);
}

static const struct file_operations compat_use_map_fops __maybe_unused = {
	CMA_BUF_FOPS_MMAP
};

static unsigned long __maybe_unused compat_use_area(struct file *file, struct vm_area_struct *vma)
{
	if (!cma_buf_have_huge_pfnmap() || cma_buf_map_target_vma(vma, compat_use_target, NULL))
		return 0;
	return cma_buf_default_unmapped_area(file, 0, cma_buf_huge_pfnmap_max_size(), 0, 0);
}

static int __init compat_use_init(void)
{
	struct page **p = cma_buf_kzalloc_obj(*p, GFP_KERNEL);

	kfree(p);
#ifdef CONFIG_X86
	pr_info("pat %d\n", cma_buf_pat_enabled());
#endif
	/* Every kernel has these: stubs where the CMA API is not exported. */
	pr_info("%s %p\n", cma_buf_default_cma() ? cma_buf_cma_name(cma_buf_default_cma()) : "",
		cma_buf_cma_area_by_idx(0));
	return class_attr_compat_use.attr.mode ? 0 : -EINVAL;
}
module_init(compat_use_init);

CMA_BUF_IMPORT_NS_DMA_BUF();
MODULE_DESCRIPTION("cma_buf compat.h build check");
MODULE_LICENSE("GPL");
