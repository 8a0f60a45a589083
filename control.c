// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf control node: /dev/cma_buf, root's by default as the alloc file
 * is (the udev rule gives both to the cmabuf group). CMA_BUF_IOC_ALLOC on it
 * makes a buffer owned by a file descriptor: published in sysfs like any
 * other, and freed when the descriptor's last copy and mapping are gone, so
 * a program that crashes or is killed leaks nothing.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"
#include "parse.h"

#define CMA_BUF_ALLOC_FLAGS	(CMA_BUF_ALLOC_PINNABLE | CMA_BUF_ALLOC_CLOEXEC)

/* The area asked for: EINVAL malformed, ENOENT well-formed but absent. */
static struct cma_buf_area *cma_buf_control_area(const struct cma_buf_alloc *req)
{
	size_t len = strnlen(req->area, sizeof(req->area));
	int ret;

	if (len == sizeof(req->area))
		return ERR_PTR(-EINVAL);
	if (len && req->node != CMA_BUF_NODE_ANY)
		return ERR_PTR(-EINVAL);
	if (len) {
		ret = cma_buf_check_area_name(req->area, len);
		return ret ? ERR_PTR(ret) : cma_buf_area_find(req->area, len, NUMA_NO_NODE);
	}
	if (req->node == CMA_BUF_NODE_ANY)
		return cma_buf_area_find(NULL, 0, NUMA_NO_NODE);
	ret = cma_buf_check_node(req->node);
	return ret ? ERR_PTR(ret) : cma_buf_area_find(NULL, 0, req->node);
}

static long cma_buf_control_alloc(struct cma_buf_alloc __user *uarg)
{
	struct cma_buf_alloc req;
	struct cma_buf_area *area;
	struct cma_buf *buf;
	struct file *file;
	size_t size, align;
	int fd, i;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(req.reserved); i++)
		if (req.reserved[i])
			return -EINVAL;
	if (req.flags & ~CMA_BUF_ALLOC_FLAGS || req.index || req.fd)
		return -EINVAL;
	if (!req.size || req.size > SIZE_MAX - (PAGE_SIZE - 1) || req.align > SIZE_MAX ||
	    (req.align & (req.align - 1)))
		return -EINVAL;
	area = cma_buf_control_area(&req);
	if (IS_ERR(area))
		return PTR_ERR(area);
	size = PAGE_ALIGN((size_t)req.size);
	align = req.align ? max_t(size_t, req.align, PAGE_SIZE) : 0;

	fd = get_unused_fd_flags(O_RDWR | (req.flags & CMA_BUF_ALLOC_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	buf = cma_buf_new(size, CMA_BUF_INDEX_ANY, align, req.flags & CMA_BUF_ALLOC_PINNABLE, area,
			  true);
	if (IS_ERR(buf)) {
		put_unused_fd(fd);
		return PTR_ERR(buf);
	}
	/* The file takes over our reference; its release frees the buffer. */
	file = anon_inode_getfile("[cma_buf]", &cma_buf_owner_fops, buf, O_RDWR);
	if (IS_ERR(file)) {
		cma_buf_remove_buf(buf);
		put_device(&buf->dev);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* As an opened device file has them. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	req.index = buf->index;
	req.fd = fd;
	if (copy_to_user(uarg, &req, sizeof(req))) {
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

static long cma_buf_control_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case CMA_BUF_IOC_ALLOC:
		return cma_buf_control_alloc((struct cma_buf_alloc __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations cma_buf_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = cma_buf_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cma_buf_control = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KBUILD_MODNAME,
	.fops = &cma_buf_control_fops,
	.mode = 0600,
};

int cma_buf_control_init(void)
{
	return misc_register(&cma_buf_control);
}

void cma_buf_control_exit(void)
{
	misc_deregister(&cma_buf_control);
}
