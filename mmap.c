// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf device node: /dev/cma_bufN maps, reads and writes exactly the
 * buffer's pages. An open file holds a reference on the buffer, and every
 * mapping pins its file, so the memory outlives its removal from sysfs for
 * as long as anyone can still reach it.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uio.h>

#include <uapi/linux/cma_buf.h>

#include "cma_buf.h"
#include "compat.h"

static int cma_buf_open(struct inode *inode, struct file *file)
{
	struct cma_buf *buf = container_of(inode->i_cdev, struct cma_buf, cdev);

	get_device(&buf->dev);
	file->private_data = buf;
	return 0;
}

static int cma_buf_release_file(struct inode *inode, struct file *file)
{
	struct cma_buf *buf = file->private_data;

	put_device(&buf->dev);
	return 0;
}

/*
 * The owner's file of an fd-owned buffer (control.c) is gone: every
 * descriptor of it closed, every mapping made through it unmapped. The
 * buffer goes as if freed, unless it was already.
 */
static int cma_buf_release_owner(struct inode *inode, struct file *file)
{
	struct cma_buf *buf = file->private_data;

	cma_buf_remove_buf(buf);
	put_device(&buf->dev);
	return 0;
}

/* The node's mmap(), or what its mmap_prepare() calls (compat.h). */
int cma_buf_mmap(struct file *file, struct cma_buf_map_target *t)
{
	struct cma_buf *buf = file->private_data;
	/* O_SYNC asks for an uncached mapping, as /dev/mem gives one. */
	u32 mode = file->f_flags & O_SYNC ? CMA_BUF_UNCACHED : CMA_BUF_MODE_OF_BUFFER;

	return cma_buf_map(buf, t, mode, 0, cma_buf_nr_pages(buf));
}

static ssize_t cma_buf_copy_iter(struct kiocb *iocb, struct iov_iter *iter, bool write)
{
	struct cma_buf *buf = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	size_t done = 0;

	if (!iov_iter_count(iter))
		return 0;
	if (pos >= buf->size)
		return write ? -ENOSPC : 0;

	while (iov_iter_count(iter) && pos < buf->size) {
		struct page *page = cma_buf_nth_page(buf->pages, pos >> PAGE_SHIFT);
		size_t off = offset_in_page(pos);
		size_t chunk = min3(PAGE_SIZE - off, (size_t)(buf->size - pos),
				    iov_iter_count(iter));
		size_t copied;

		if (write)
			copied = copy_page_from_iter(page, off, chunk, iter);
		else
			copied = copy_page_to_iter(page, off, chunk, iter);
		pos += copied;
		done += copied;
		if (copied < chunk)
			break;
		cond_resched();
	}
	iocb->ki_pos = pos;
	return done ? done : -EFAULT;
}

static ssize_t cma_buf_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return cma_buf_copy_iter(iocb, to, false);
}

static ssize_t cma_buf_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return cma_buf_copy_iter(iocb, from, true);
}

static loff_t cma_buf_llseek(struct file *file, loff_t offset, int whence)
{
	struct cma_buf *buf = file->private_data;

	return fixed_size_llseek(file, offset, whence, buf->size);
}

/* What a buffer's files do, whoever made them. */
#define CMA_BUF_FILE_OPS						\
	.owner = THIS_MODULE,						\
	CMA_BUF_FOPS_MMAP						\
	.get_unmapped_area = cma_buf_get_unmapped_area,			\
	.read_iter = cma_buf_read_iter,					\
	.write_iter = cma_buf_write_iter,				\
	.llseek = cma_buf_llseek,					\
	.unlocked_ioctl = cma_buf_ioctl,				\
	.compat_ioctl = compat_ptr_ioctl

const struct file_operations cma_buf_fops = {
	CMA_BUF_FILE_OPS,
	.open = cma_buf_open,
	.release = cma_buf_release_file,
};

/* Not opened: made with the buffer by CMA_BUF_IOC_ALLOC, holding its reference. */
const struct file_operations cma_buf_owner_fops = {
	CMA_BUF_FILE_OPS,
	.release = cma_buf_release_owner,
};
