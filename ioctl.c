// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf ioctls on /dev/cma_bufN, for programs: information, sync and
 * dma-buf export (include/uapi/linux/cma_buf.h).
 */
#include <linux/capability.h>
#include <linux/dma-direction.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"

static const enum dma_data_direction cma_buf_directions[] = {
	[CMA_BUF_SYNC_BIDIRECTIONAL] = DMA_BIDIRECTIONAL,
	[CMA_BUF_SYNC_TO_DEVICE] = DMA_TO_DEVICE,
	[CMA_BUF_SYNC_FROM_DEVICE] = DMA_FROM_DEVICE,
};

static long cma_buf_ioctl_get_info(struct cma_buf *buf, void __user *arg)
{
	struct cma_buf_info info = {
		.version = CMA_BUF_UAPI_VERSION,
		.index = buf->index,
		.size = buf->size,
		.cache = READ_ONCE(buf->cache),
		.node = page_to_nid(buf->pages),
		.flags = CMA_BUF_INFO_NODE_VALID,
	};

	strscpy(info.origin, buf->area->name, sizeof(info.origin));
	if (buf->pinnable)
		info.flags |= CMA_BUF_INFO_PINNABLE;
	if (buf->fd_owned)
		info.flags |= CMA_BUF_INFO_FD_OWNED;
	/* Physical addresses are privileged, as in sysfs. */
	if (capable(CAP_SYS_ADMIN)) {
		info.phys_addr = page_to_phys(buf->pages);
		info.flags |= CMA_BUF_INFO_PHYS_VALID;
	}
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long cma_buf_ioctl_sync(struct cma_buf *buf, void __user *arg)
{
	struct cma_buf_sync req;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.direction >= ARRAY_SIZE(cma_buf_directions) ||
	    req.target > CMA_BUF_SYNC_FOR_DEVICE)
		return -EINVAL;
	return cma_buf_sync(buf, req.offset, req.size, cma_buf_directions[req.direction],
			    req.target == CMA_BUF_SYNC_FOR_DEVICE);
}

static long cma_buf_ioctl_export(struct cma_buf *buf, void __user *arg)
{
	struct cma_buf_export req;
	int fd;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.fd)
		return -EINVAL;
	fd = cma_buf_export_dmabuf(buf, req.offset, req.size, req.flags);
	if (fd < 0)
		return fd;
	req.fd = fd;
	/* The fd is installed already; a failed copy leaves it to the caller. */
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

long cma_buf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cma_buf *buf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case CMA_BUF_IOC_GET_INFO:
		return cma_buf_ioctl_get_info(buf, uarg);
	case CMA_BUF_IOC_SYNC:
		return cma_buf_ioctl_sync(buf, uarg);
	case CMA_BUF_IOC_EXPORT_DMABUF:
		return cma_buf_ioctl_export(buf, uarg);
	default:
		return -ENOTTY;
	}
}
