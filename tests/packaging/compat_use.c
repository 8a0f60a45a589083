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

static int __init compat_use_init(void)
{
	struct page **p = cma_buf_kzalloc_obj(*p, GFP_KERNEL);

	kfree(p);
#ifdef CONFIG_X86
	pr_info("pat %d\n", cma_buf_pat_enabled());
#endif
#ifdef CMA_BUF_HAVE_CMA_API
	pr_info("%s\n", cma_buf_cma_name(cma_buf_dev_cma_area(NULL)));
#endif
	return class_attr_compat_use.attr.mode ? 0 : -EINVAL;
}
module_init(compat_use_init);

CMA_BUF_IMPORT_NS_DMA_BUF();
MODULE_DESCRIPTION("cma_buf compat.h build check");
MODULE_LICENSE("GPL");
