// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf: physically contiguous buffers from the Contiguous Memory
 * Allocator, handed to user space through sysfs and a char device each.
 *
 * This file: the buffer objects, their registry and lifetime, allocation,
 * and module setup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/cma_buf.h>

#include "backend.h"
#include "cma_buf.h"
#include "compat.h"
#include "fault.h"

/* Minors reserved at load; max_buffers may be raised up to this. */
#define CMA_BUF_MINORS		(MINORMASK + 1)

static int cma_buf_set_max_buffers(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 1 || n > CMA_BUF_MINORS)
		return -EINVAL;
	return param_set_uint(val, kp);
}

static const struct kernel_param_ops cma_buf_max_buffers_ops = {
	.set = cma_buf_set_max_buffers,
	.get = param_get_uint,
};

static unsigned int max_buffers = 1024;
module_param_cb(max_buffers, &cma_buf_max_buffers_ops, &max_buffers, 0644);
MODULE_PARM_DESC(max_buffers, "Buffer indices 0..max_buffers-1 may be used (default 1024, at most 1048576)");

static unsigned long max_bytes;
module_param(max_bytes, ulong, 0644);
MODULE_PARM_DESC(max_bytes, "Most bytes all buffers together may hold, 0 for no limit (default 0)");

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "Allocator: auto (cma where the kernel exports it, else dma), cma or dma");

/*
 * Index -> buffer. An index is reserved (NULL entry) from the start of an
 * allocation until its device is registered, and stays reserved until its
 * device is gone, so a name is never registered twice.
 */
static DEFINE_XARRAY_ALLOC(cma_buf_registry);
/* Serialises device registration and removal against each other. */
static DEFINE_MUTEX(cma_buf_lock);
static atomic64_t cma_buf_bytes_held = ATOMIC64_INIT(0);
static dev_t cma_buf_devt;
static const struct cma_buf_backend *cma_buf_backend;
static struct platform_device *cma_buf_pdev;

const char *cma_buf_backend_name(void)
{
	return cma_buf_backend->name;
}

static void cma_buf_free_memory(struct cma_buf *buf)
{
	bool pinnable = buf->pinnable;

	cma_buf_reset_cache(buf);
	/* A pooled size goes back to the pool (zeroed there), its bytes with it. */
	if (!cma_buf_pool_give(buf)) {
		buf->area->backend->free(buf);
		cma_buf_unaccount(buf->area, buf->size);
	}
	mutex_destroy(&buf->lock);
	kfree(buf);
	/* Taken in cma_buf_create(): see there. */
	if (pinnable)
		module_put(THIS_MODULE);
}

/*
 * A pinnable buffer's pages each hold one reference of their own, the
 * allocator's. Any other is the kernel's: a pin of an O_DIRECT request or
 * io_uring, a pipe buffer from vmsplice(), a reader of another process's
 * memory. The pages must not go back while one is left: the next buffer
 * would be written by a request meant for this one, or read out of a pipe.
 */
static bool cma_buf_pages_referenced(struct cma_buf *buf)
{
	unsigned long i, n = cma_buf_nr_pages(buf);

	for (i = 0; i < n; i++)
		if (page_count(cma_buf_nth_page(buf->pages, i)) != 1)
			return true;
	return false;
}

/*
 * Freed buffers whose pages are still referenced wait here. Nothing tells
 * when a reference goes, so they are looked at every CMA_BUF_PARK_POLL. The
 * module stays loaded meanwhile: every pinnable buffer holds it.
 */
#define CMA_BUF_PARK_POLL	(HZ / 10)
static LIST_HEAD(cma_buf_parked_list);
static DEFINE_SPINLOCK(cma_buf_parked_lock);
static unsigned int cma_buf_parked_count;

static void cma_buf_unpark(struct work_struct *work);
static DECLARE_DELAYED_WORK(cma_buf_park_work, cma_buf_unpark);

unsigned int cma_buf_nr_parked(void)
{
	return READ_ONCE(cma_buf_parked_count);
}

static void cma_buf_park(struct cma_buf *buf)
{
	spin_lock(&cma_buf_parked_lock);
	list_add_tail(&buf->parked, &cma_buf_parked_list);
	WRITE_ONCE(cma_buf_parked_count, cma_buf_parked_count + 1);
	spin_unlock(&cma_buf_parked_lock);
	schedule_delayed_work(&cma_buf_park_work, CMA_BUF_PARK_POLL);
}

/* Free the parked buffers nobody references any more. */
static void cma_buf_unpark(struct work_struct *work)
{
	struct cma_buf *buf, *tmp;
	LIST_HEAD(todo);

	/* Looking at every page takes a while: not under the lock. */
	spin_lock(&cma_buf_parked_lock);
	list_splice_init(&cma_buf_parked_list, &todo);
	spin_unlock(&cma_buf_parked_lock);

	list_for_each_entry_safe(buf, tmp, &todo, parked) {
		if (cma_buf_pages_referenced(buf))
			continue;
		list_del(&buf->parked);
		spin_lock(&cma_buf_parked_lock);
		WRITE_ONCE(cma_buf_parked_count, cma_buf_parked_count - 1);
		spin_unlock(&cma_buf_parked_lock);
		cma_buf_free_memory(buf);
	}

	spin_lock(&cma_buf_parked_lock);
	list_splice(&todo, &cma_buf_parked_list);
	if (!list_empty(&cma_buf_parked_list))
		schedule_delayed_work(&cma_buf_park_work, CMA_BUF_PARK_POLL);
	spin_unlock(&cma_buf_parked_lock);
}

/* Last reference gone: no file, mapping or registry entry refers to @dev. */
static void cma_buf_release(struct device *dev)
{
	struct cma_buf *buf = to_cma_buf(dev);

	if (buf->pinnable && cma_buf_pages_referenced(buf))
		cma_buf_park(buf);
	else
		cma_buf_free_memory(buf);
}

/*
 * CMA hands out pages as they were; nobody may see another buffer's data.
 * clear_page() per page: the architecture's fastest way to zero (memset of
 * large strides measured 7x slower in the benchmark VM, tests/bench).
 */
void cma_buf_zero(struct cma_buf *buf)
{
	unsigned long i, n = cma_buf_nr_pages(buf);

	for (i = 0; i < n; i++) {
		clear_highpage(cma_buf_nth_page(buf->pages, i));
		if (!(i % 512))
			cond_resched();
	}
}

static int cma_buf_reserve_index(s64 index, u32 *id)
{
	u32 limit = READ_ONCE(max_buffers);
	int ret;

	if (index == CMA_BUF_INDEX_ANY) {
		ret = xa_alloc(&cma_buf_registry, id, NULL, XA_LIMIT(0, limit - 1), GFP_KERNEL);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	if (index < 0 || index >= limit)
		return -EINVAL;
	*id = index;
	ret = xa_insert(&cma_buf_registry, index, NULL, GFP_KERNEL);
	return ret == -EBUSY ? -EEXIST : ret;
}

/* The module's max_bytes, and the area's own (a device-tree max-bytes). */
int cma_buf_account(struct cma_buf_area *area, size_t size)
{
	u64 limit = READ_ONCE(max_bytes);
	int ret;

	if (atomic64_add_return(size, &cma_buf_bytes_held) > limit && limit) {
		atomic64_sub(size, &cma_buf_bytes_held);
		return -ENOSPC;
	}
	ret = cma_buf_area_account(area, size);
	if (ret)
		atomic64_sub(size, &cma_buf_bytes_held);
	return ret;
}

void cma_buf_unaccount(struct cma_buf_area *area, size_t size)
{
	cma_buf_area_unaccount(area, size);
	atomic64_sub(size, &cma_buf_bytes_held);
}

/*
 * Without an alignment asked for, a buffer of 2 MiB or more starts on a
 * 2 MiB boundary if the allocator has such a place (EINVAL: it cannot
 * promise one; ENOMEM: none free), so mappings of it can use PMD entries;
 * otherwise it starts where it can, as any buffer.
 */
static int cma_buf_backend_alloc(struct cma_buf *buf, size_t align)
{
	const struct cma_buf_backend *backend = buf->area->backend;
	int ret;

	if (align)
		return backend->alloc(buf, align);
	if (buf->size >= PMD_SIZE) {
		ret = backend->alloc(buf, PMD_SIZE);
		if (ret != -EINVAL && ret != -ENOMEM)
			return ret;
	}
	return backend->alloc(buf, PAGE_SIZE);
}

/**
 * cma_buf_alloc_pages() - a buffer's pages from its area's backend
 * @buf:	size and area set
 * @align:	as for cma_buf_new()
 *
 * Return: 0, or -errno as the backend's alloc (or an injected -ENOMEM).
 */
int cma_buf_alloc_pages(struct cma_buf *buf, size_t align)
{
	if (cma_buf_should_fail_alloc(buf->size))
		return -ENOMEM;
	return cma_buf_backend_alloc(buf, align);
}

/*
 * Struct-page mappings take a reference on each page they map, and pins
 * take more: every page needs a count of its own. CMA's pages have one
 * (the cma backend, and the dma backend where the DMA API takes them from
 * CMA); a high-order page from the buddy allocator has it on its first
 * page only, and is not ours to split.
 */
static int cma_buf_check_pinnable(struct cma_buf *buf)
{
	unsigned long i, n = cma_buf_nr_pages(buf);

	if (!buf->pinnable)
		return 0;
	/* Not != 1: the kernel may hold a passing reference (compaction's scan). */
	for (i = 0; i < n; i++)
		if (!page_count(cma_buf_nth_page(buf->pages, i)))
			return -EOPNOTSUPP;
	return 0;
}

/**
 * cma_buf_new() - allocate a zeroed buffer and publish it
 * @size:	bytes, a whole number of pages
 * @index:	the N of cma_bufN, or CMA_BUF_INDEX_ANY for the lowest free one
 * @align:	physical alignment, a power of two, at least PAGE_SIZE; 0 for
 *		the default: 2 MiB for buffers of 2 MiB or more where the
 *		allocator can give it (huge mappings need it), else a page
 * @pinnable:	map with struct pages, which the kernel can pin (map.c)
 * @area:	where the pages come from (area.c)
 * @fd_owned:	for CMA_BUF_IOC_ALLOC: the file the caller makes of it owns it
 *
 * Return: the buffer, with a reference for the caller, or ERR_PTR of
 * -EINVAL (index out of range, alignment the backend cannot guarantee),
 * -EEXIST (index taken), -ENOSPC (over max_buffers, max_bytes or the area's
 * max-bytes), -EOPNOTSUPP (pinnable, but the allocator's pages are not
 * reference counted one by one), -ENOMEM. On failure nothing is left behind.
 */
struct cma_buf *cma_buf_new(size_t size, s64 index, size_t align, bool pinnable,
			    struct cma_buf_area *area, bool fd_owned)
{
	struct cma_buf *buf;
	bool pooled;
	u32 id;
	int ret;

	/* More than all of RAM cannot succeed; do not bother the allocator. */
	if (size >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);
	if (align > (size_t)totalram_pages() << PAGE_SHIFT)
		return ERR_PTR(-EINVAL);

	ret = cma_buf_reserve_index(index, &id);
	if (ret)
		return ERR_PTR(ret);
	buf = cma_buf_kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto err_index;
	}
	buf->index = id;
	buf->size = size;
	buf->area = area;
	buf->fd_owned = fd_owned;
	/*
	 * The kernel may hold references on a pinnable buffer's pages that we
	 * cannot see (a pipe, a request), even after the buffer is freed: an
	 * unload then could neither give the pages back nor keep them safely.
	 * So a pinnable buffer keeps the module loaded until its memory goes.
	 * (Our caller holds a module reference: this one cannot race unload.)
	 */
	buf->pinnable = pinnable;
	if (pinnable)
		__module_get(THIS_MODULE);
	INIT_LIST_HEAD(&buf->parked);
	mutex_init(&buf->lock);
	/* A pooled buffer is zeroed already, and its bytes counted. */
	pooled = cma_buf_pool_take(buf, align);
	if (!pooled) {
		ret = cma_buf_account(area, size);
		if (ret)
			goto err_free;
		ret = cma_buf_alloc_pages(buf, align);
		if (ret)
			goto err_account;
	}
	ret = cma_buf_area_check(area, buf);
	if (ret)
		goto err_backend;
	ret = cma_buf_check_pinnable(buf);
	if (ret)
		goto err_backend;
	if (!pooled)
		cma_buf_zero(buf);
	if (area->cache != CMA_BUF_CACHED) {
		ret = cma_buf_set_cache(buf, area->cache);
		if (ret)
			goto err_backend;
	}

	/* From here on the device's release callback owns buf and its pages. */
	device_initialize(&buf->dev);
	/* The caller's reference; the registry holds the initial one. */
	get_device(&buf->dev);
	buf->dev.class = &cma_buf_class;
	buf->dev.devt = MKDEV(MAJOR(cma_buf_devt), id);
	buf->dev.release = cma_buf_release;
	cdev_init(&buf->cdev, &cma_buf_fops);
	buf->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&buf->dev, "cma_buf%u", id);
	if (ret)
		goto err_put;

	mutex_lock(&cma_buf_lock);
	ret = cdev_device_add(&buf->cdev, &buf->dev);
	if (!ret)
		xa_store(&cma_buf_registry, id, buf, GFP_KERNEL);
	mutex_unlock(&cma_buf_lock);
	if (ret)
		goto err_put;
	cma_buf_pool_refill_after(buf);
	return buf;

err_put:
	/* A failed cdev_device_add() may have been seen by an opener: no kfree. */
	put_device(&buf->dev);
	put_device(&buf->dev);
	xa_erase(&cma_buf_registry, id);
	return ERR_PTR(ret);
err_backend:
	area->backend->free(buf);
err_account:
	cma_buf_unaccount(area, size);
err_free:
	if (pinnable)
		module_put(THIS_MODULE);
	mutex_destroy(&buf->lock);
	kfree(buf);
err_index:
	xa_erase(&cma_buf_registry, id);
	return ERR_PTR(ret);
}

/**
 * cma_buf_create() - allocate a buffer that lives until it is freed
 * @size:	as for cma_buf_new()
 * @index:	as for cma_buf_new()
 * @align:	as for cma_buf_new()
 * @pinnable:	as for cma_buf_new()
 * @area:	as for cma_buf_new()
 *
 * Return: the index, or -errno as cma_buf_new().
 */
int cma_buf_create(size_t size, s64 index, size_t align, bool pinnable,
		   struct cma_buf_area *area)
{
	struct cma_buf *buf = cma_buf_new(size, index, align, pinnable, area, false);
	unsigned int id;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	id = buf->index;
	put_device(&buf->dev);
	return id;
}

static int cma_buf_unpublish(unsigned int index, struct cma_buf *only)
{
	struct cma_buf *buf;

	mutex_lock(&cma_buf_lock);
	buf = xa_load(&cma_buf_registry, index);
	if (!buf || (only && buf != only)) {
		mutex_unlock(&cma_buf_lock);
		return -ENOENT;
	}
	cdev_device_del(&buf->cdev, &buf->dev);
	xa_erase(&cma_buf_registry, index);
	mutex_unlock(&cma_buf_lock);
	/*
	 * No attribute can bind it again now. Freed means no device may reach
	 * it either, even while processes still map it.
	 */
	cma_buf_unbind(buf);
	put_device(&buf->dev);
	return 0;
}

/**
 * cma_buf_remove() - unpublish a buffer and drop the registry's reference
 * @index:	the N of cma_bufN
 *
 * Its sysfs directory and /dev node go at once, and so does its mapping for
 * a bound device; open files and mappings keep the memory until they are gone.
 *
 * Return: 0, or -ENOENT if there is no such buffer.
 */
int cma_buf_remove(unsigned int index)
{
	return cma_buf_unpublish(index, NULL);
}

/**
 * cma_buf_remove_buf() - unpublish this buffer, if it still is published
 * @buf:	the buffer; the caller holds a reference
 *
 * For the owner of an fd-owned buffer, whose index may have been freed
 * and given to another buffer since.
 */
void cma_buf_remove_buf(struct cma_buf *buf)
{
	cma_buf_unpublish(buf->index, buf);
}

static const struct cma_buf_backend *cma_buf_pick_backend(const char *name)
{
#ifdef CMA_BUF_HAVE_CMA_API
	if (!strcmp(name, "auto") || !strcmp(name, "cma"))
		return &cma_buf_backend_cma;
#else
	if (!strcmp(name, "auto"))
		return &cma_buf_backend_dma;
	if (!strcmp(name, "cma")) {
		pr_err("backend=cma: this kernel does not export cma_alloc() to modules; use backend=dma\n");
		return ERR_PTR(-EOPNOTSUPP);
	}
#endif
	if (!strcmp(name, "dma"))
		return &cma_buf_backend_dma;
	pr_err("backend=%s: expected auto, cma or dma\n", name);
	return ERR_PTR(-EINVAL);
}

static int __init cma_buf_init(void)
{
	int ret;

	cma_buf_backend = cma_buf_pick_backend(backend);
	if (IS_ERR(cma_buf_backend))
		return PTR_ERR(cma_buf_backend);

	/*
	 * The devices the DMA API allocates for, and later syncs against: a
	 * "cma-buf" device-tree node's for its region, one of our own for the
	 * kernel's areas. Ours has no firmware description, so on
	 * architectures with non-coherent DMA (arm64) the sync calls do real
	 * cache maintenance for it.
	 */
	ret = cma_buf_of_register();
	if (ret)
		return ret;
	cma_buf_pdev = platform_device_register_simple(KBUILD_MODNAME, PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(cma_buf_pdev)) {
		ret = PTR_ERR(cma_buf_pdev);
		goto err_of;
	}
	ret = dma_coerce_mask_and_coherent(&cma_buf_pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_pdev;
	ret = cma_buf_areas_init(cma_buf_backend, &cma_buf_pdev->dev, cma_buf_of_regions());
	if (ret)
		goto err_pdev;
	ret = cma_buf_pool_init(cma_buf_area_find(NULL, 0, NUMA_NO_NODE));
	if (ret)
		goto err_pool;

	ret = cma_buf_bind_init();
	if (ret)
		goto err_areas;
	ret = alloc_chrdev_region(&cma_buf_devt, 0, CMA_BUF_MINORS, KBUILD_MODNAME);
	if (ret)
		goto err_bind;
	ret = class_register(&cma_buf_class);
	if (ret)
		goto err_chrdev;
	ret = cma_buf_control_init();
	if (ret)
		goto err_class;
	cma_buf_fault_init();
	return 0;

err_class:
	class_unregister(&cma_buf_class);
err_chrdev:
	unregister_chrdev_region(cma_buf_devt, CMA_BUF_MINORS);
err_bind:
	cma_buf_bind_exit();
err_areas:
	cma_buf_pool_exit();
err_pool:
	cma_buf_areas_exit();
err_pdev:
	platform_device_unregister(cma_buf_pdev);
err_of:
	cma_buf_of_unregister();
	return ret;
}

static void __exit cma_buf_exit(void)
{
	struct cma_buf *buf;
	unsigned long index;

	cma_buf_fault_exit();
	cma_buf_control_exit();
	/*
	 * No file is open (each pins the module, the owners of fd-owned
	 * buffers too) and no pinnable buffer is left (each pins it too,
	 * parked or not): each buffer goes now.
	 */
	xa_for_each(&cma_buf_registry, index, buf)
		cma_buf_remove(index);
	cancel_delayed_work_sync(&cma_buf_park_work);
	cma_buf_pool_exit();
	class_unregister(&cma_buf_class);
	unregister_chrdev_region(cma_buf_devt, CMA_BUF_MINORS);
	cma_buf_bind_exit();
	cma_buf_areas_exit();
	platform_device_unregister(cma_buf_pdev);
	cma_buf_of_unregister();
}

module_init(cma_buf_init);
module_exit(cma_buf_exit);

MODULE_DESCRIPTION("Physically contiguous CMA buffers for user space, through sysfs");
MODULE_LICENSE("GPL");
