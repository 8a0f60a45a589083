// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf dma-buf export: share a buffer, or a page-aligned range of it,
 * with other drivers (V4L2, DRM, RDMA) as a dma-buf. Each exported dma-buf
 * holds a reference on the buffer, so freeing the buffer through sysfs only
 * unpublishes it while an importer or a file descriptor still uses it.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"
#include "compat.h"

struct cma_buf_export_priv {
	struct cma_buf *buf;
	unsigned long first;		/* first page of the range */
	unsigned long npages;
	struct mutex lock;		/* protects attachments */
	struct list_head attachments;
};

struct cma_buf_attachment {
	struct device *dev;		/* the importer's */
	struct sg_table sgt;
	struct list_head node;
	bool mapped;
};

static struct page *cma_buf_export_page(struct cma_buf_export_priv *priv)
{
	return cma_buf_nth_page(priv->buf->pages, priv->first);
}

static int cma_buf_dmabuf_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;
	struct cma_buf_attachment *a;
	int ret;

	a = cma_buf_kzalloc_obj(*a, GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	/* Physically contiguous: one segment says it all. */
	ret = sg_alloc_table(&a->sgt, 1, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	sg_set_page(a->sgt.sgl, cma_buf_export_page(priv), priv->npages << PAGE_SHIFT, 0);
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&priv->lock);
	list_add(&a->node, &priv->attachments);
	mutex_unlock(&priv->lock);
	return 0;
}

static void cma_buf_dmabuf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;
	struct cma_buf_attachment *a = attach->priv;

	mutex_lock(&priv->lock);
	list_del(&a->node);
	mutex_unlock(&priv->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

static struct sg_table *cma_buf_dmabuf_map(struct dma_buf_attachment *attach,
					   enum dma_data_direction dir)
{
	struct cma_buf_attachment *a = attach->priv;
	int ret;

	ret = dma_map_sgtable(attach->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	a->mapped = true;
	return &a->sgt;
}

static void cma_buf_dmabuf_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct cma_buf_attachment *a = attach->priv;

	a->mapped = false;
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
}

static int cma_buf_dmabuf_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir,
				     bool begin)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;
	struct cma_buf_attachment *a;

	/* The module's own device first, then every importer's mapping. */
	cma_buf_sync(priv->buf, (u64)priv->first << PAGE_SHIFT, (u64)priv->npages << PAGE_SHIFT,
		     dir, !begin);
	mutex_lock(&priv->lock);
	list_for_each_entry(a, &priv->attachments, node) {
		if (!a->mapped)
			continue;
		if (begin)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, dir);
		else
			dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	}
	mutex_unlock(&priv->lock);
	return 0;
}

static int cma_buf_dmabuf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cma_buf_dmabuf_cpu_access(dmabuf, dir, true);
}

static int cma_buf_dmabuf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return cma_buf_dmabuf_cpu_access(dmabuf, dir, false);
}

static int cma_buf_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;

	return cma_buf_map_vma(priv->buf, vma, CMA_BUF_MODE_OF_BUFFER, priv->first, priv->npages);
}

static int cma_buf_dmabuf_vmap(struct dma_buf *dmabuf, struct cma_buf_vmap_map *map)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;

	/* Highmem pages have no permanent kernel address to hand out. */
	if (PageHighMem(cma_buf_export_page(priv)))
		return -EOPNOTSUPP;
	cma_buf_vmap_map_set_vaddr(map, page_address(cma_buf_export_page(priv)));
	return 0;
}

static void cma_buf_dmabuf_release(struct dma_buf *dmabuf)
{
	struct cma_buf_export_priv *priv = dmabuf->priv;

	put_device(&priv->buf->dev);
	mutex_destroy(&priv->lock);
	kfree(priv);
}

static const struct dma_buf_ops cma_buf_dmabuf_ops = {
	.attach = cma_buf_dmabuf_attach,
	.detach = cma_buf_dmabuf_detach,
	.map_dma_buf = cma_buf_dmabuf_map,
	.unmap_dma_buf = cma_buf_dmabuf_unmap,
	.begin_cpu_access = cma_buf_dmabuf_begin_cpu_access,
	.end_cpu_access = cma_buf_dmabuf_end_cpu_access,
	.mmap = cma_buf_dmabuf_mmap,
	.vmap = cma_buf_dmabuf_vmap,
	.release = cma_buf_dmabuf_release,
};

/**
 * cma_buf_export_dmabuf() - export a range of a buffer as a dma-buf
 * @buf:	the buffer
 * @offset:	first byte, page aligned
 * @size:	bytes, page aligned; with @offset 0, 0 means the whole buffer
 * @flags:	O_CLOEXEC, and O_RDONLY or O_RDWR
 *
 * Return: a new file descriptor, or -EINVAL for a bad range or flags,
 * or another -errno.
 */
int cma_buf_export_dmabuf(struct cma_buf *buf, u64 offset, u64 size, u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct cma_buf_export_priv *priv;
	struct dma_buf *dmabuf;
	int fd;

	if (flags & ~(O_CLOEXEC | O_ACCMODE) || (flags & O_ACCMODE) == O_WRONLY)
		return -EINVAL;
	if (!offset && !size)
		size = buf->size;
	if (!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(size) || !size ||
	    offset >= buf->size || size > buf->size - offset)
		return -EINVAL;

	priv = cma_buf_kzalloc_obj(*priv, GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->buf = buf;
	priv->first = offset >> PAGE_SHIFT;
	priv->npages = size >> PAGE_SHIFT;
	mutex_init(&priv->lock);
	INIT_LIST_HEAD(&priv->attachments);

	exp_info.owner = THIS_MODULE;
	exp_info.ops = &cma_buf_dmabuf_ops;
	exp_info.size = size;
	exp_info.flags = flags & O_ACCMODE;
	exp_info.priv = priv;
	get_device(&buf->dev);
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		put_device(&buf->dev);
		mutex_destroy(&priv->lock);
		kfree(priv);
		return PTR_ERR(dmabuf);
	}
	fd = dma_buf_fd(dmabuf, flags & O_CLOEXEC);
	if (fd < 0)
		dma_buf_put(dmabuf);	/* release drops the reference */
	return fd;
}

CMA_BUF_IMPORT_NS_DMA_BUF();
