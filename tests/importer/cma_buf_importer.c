// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf_importer: a test-only dma-buf importer. Write a dma-buf file
 * descriptor number (of the writing process) to
 * /sys/kernel/debug/cma_buf_importer; it attaches its own device, maps the
 * attachment and remembers the sg_table it got. Reading the file gives
 *   nents=N phys=0x... dma=0x... len=N
 * of the first segment, so a test can compare it with cma_buf's phys_addr.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/uaccess.h>

#include "compat.h"

static struct platform_device *importer_pdev;
static struct dentry *importer_file;
static DEFINE_MUTEX(importer_lock);
static char importer_result[128];

static int importer_import(int fd)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	int ret = 0;

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_attach(dmabuf, &importer_pdev->dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto put;
	}
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto detach;
	}
	snprintf(importer_result, sizeof(importer_result),
		 "nents=%u phys=0x%llx dma=0x%llx len=%u\n", sgt->nents,
		 (unsigned long long)sg_phys(sgt->sgl),
		 (unsigned long long)sg_dma_address(sgt->sgl), sg_dma_len(sgt->sgl));
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
detach:
	dma_buf_detach(dmabuf, attach);
put:
	dma_buf_put(dmabuf);
	return ret;
}

static ssize_t importer_write(struct file *file, const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	int fd, ret;

	ret = kstrtoint_from_user(ubuf, count, 10, &fd);
	if (ret)
		return ret;
	mutex_lock(&importer_lock);
	importer_result[0] = 0;
	ret = importer_import(fd);
	mutex_unlock(&importer_lock);
	return ret ? ret : count;
}

static ssize_t importer_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&importer_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, importer_result,
				      strlen(importer_result));
	mutex_unlock(&importer_lock);
	return ret;
}

static const struct file_operations importer_fops = {
	.owner = THIS_MODULE,
	.read = importer_read,
	.write = importer_write,
	.llseek = default_llseek,
};

static int __init importer_init(void)
{
	int ret;

	importer_pdev = platform_device_register_simple("cma_buf_importer", PLATFORM_DEVID_NONE,
							NULL, 0);
	if (IS_ERR(importer_pdev))
		return PTR_ERR(importer_pdev);
	ret = dma_coerce_mask_and_coherent(&importer_pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(importer_pdev);
		return ret;
	}
	importer_file = debugfs_create_file("cma_buf_importer", 0600, NULL, NULL, &importer_fops);
	return 0;
}

static void __exit importer_exit(void)
{
	debugfs_remove(importer_file);
	platform_device_unregister(importer_pdev);
}

module_init(importer_init);
module_exit(importer_exit);
MODULE_DESCRIPTION("Test-only dma-buf importer for the cma_buf tests");
MODULE_LICENSE("GPL");
CMA_BUF_IMPORT_NS_DMA_BUF();
