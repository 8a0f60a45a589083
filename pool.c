// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf pool: buffers of chosen sizes held ready, allocated and zeroed
 * ahead, so that alloc of such a size needs neither cma_alloc() (which must
 * first migrate the movable pages the kernel lent the area) nor zeroing.
 * Opt-in: pool=SIZE*COUNT,... as a module parameter or in the pool file.
 *
 * A worker keeps each size at its count: it allocates and zeroes new
 * entries, and zeroes the pages of freed buffers of a pooled size before
 * they are handed out again; nothing is handed out unzeroed. The pool's
 * pages come from the default area and count against max_bytes and the
 * area's max-bytes like buffers do; what they cost the rest of the system
 * is that they are not lent to movable pages meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "backend.h"
#include "cma_buf.h"
#include "parse.h"

/* After a failed refill, try again this much later. */
#define CMA_BUF_POOL_RETRY	HZ

/**
 * struct cma_buf_pool_entry - pages held for a buffer of one size
 * @list:	on its class's ready or dirty list
 * @pages:	the pages, as a backend allocated them for the pool's area
 * @dma_addr:	their handle for the area's device
 * @size:	their length in bytes
 */
struct cma_buf_pool_entry {
	struct list_head list;
	struct page *pages;
	dma_addr_t dma_addr;
	size_t size;
};

/**
 * struct cma_buf_pool_class - the entries of one size
 * @size:	bytes, a whole number of pages
 * @target:	how many to hold ready
 * @nr_ready:	on @ready: zeroed, to hand out
 * @nr_dirty:	on @dirty: given back by freed buffers, to zero
 * @ready:	zeroed entries
 * @dirty:	entries to zero
 */
struct cma_buf_pool_class {
	size_t size;
	unsigned int target;
	unsigned int nr_ready;
	unsigned int nr_dirty;
	struct list_head ready;
	struct list_head dirty;
};

static struct cma_buf_pool_class cma_buf_pool[CMA_BUF_POOL_MAX_SIZES];
static unsigned int cma_buf_pool_nr;
/* Guards the classes; never held across an allocation or zeroing. */
static DEFINE_MUTEX(cma_buf_pool_lock);
static struct cma_buf_area *cma_buf_pool_area;
static bool cma_buf_pool_open;

static void cma_buf_pool_refill(struct work_struct *work);
static DECLARE_DELAYED_WORK(cma_buf_pool_work, cma_buf_pool_refill);
/*
 * Unbound: a refill zeroes megabytes and may migrate pages; on the per-CPU
 * system workqueue it ran on the allocating CPU and delayed the very alloc
 * that started it by up to the zeroing time (bench: 1-5 ms for 16 MiB).
 */
static struct workqueue_struct *cma_buf_pool_wq;

static void cma_buf_pool_kick(unsigned long delay)
{
	queue_delayed_work(cma_buf_pool_wq, &cma_buf_pool_work, delay);
}

/* What pool= said before the module's setup could apply it. */
static struct cma_buf_pool_spec cma_buf_pool_param;

/* A carrier for the backend, which works on buffers. */
static struct cma_buf *cma_buf_pool_carrier(size_t size)
{
	struct cma_buf *buf = cma_buf_kzalloc_obj(*buf, GFP_KERNEL);

	if (buf) {
		buf->size = size;
		buf->area = cma_buf_pool_area;
	}
	return buf;
}

/* Give an entry's pages back to the area, and their bytes to the limits. */
static void cma_buf_pool_release(struct cma_buf_pool_entry *e)
{
	size_t size = e->size;
	struct cma_buf *buf = cma_buf_pool_carrier(size);

	if (WARN_ON_ONCE(!buf))
		return;	/* cannot happen often enough to matter: leak, do not crash */
	buf->pages = e->pages;
	buf->dma_addr = e->dma_addr;
	buf->area->backend->free(buf);
	cma_buf_unaccount(buf->area, size);
	kfree(buf);
	kfree(e);
}

static struct cma_buf_pool_class *cma_buf_pool_find(size_t size)
{
	unsigned int i;

	for (i = 0; i < cma_buf_pool_nr; i++)
		if (cma_buf_pool[i].size == size)
			return &cma_buf_pool[i];
	return NULL;
}

/* One new zeroed entry of @size, or NULL (limits, no memory, injected fault). */
static struct cma_buf_pool_entry *cma_buf_pool_new_entry(size_t size)
{
	struct cma_buf_pool_entry *e = cma_buf_kzalloc_obj(*e, GFP_KERNEL);
	struct cma_buf *buf = cma_buf_pool_carrier(size);

	if (!e || !buf)
		goto err;
	if (cma_buf_account(buf->area, size))
		goto err;
	if (cma_buf_alloc_pages(buf, 0)) {
		cma_buf_unaccount(buf->area, size);
		goto err;
	}
	cma_buf_zero(buf);
	e->pages = buf->pages;
	e->dma_addr = buf->dma_addr;
	e->size = size;
	kfree(buf);
	return e;
err:
	kfree(buf);
	kfree(e);
	return NULL;
}

/*
 * Bring class @i to its count: zero what freed buffers gave back, then add
 * new entries. Return: 0, -ENOENT past the last class (or closing), or
 * -ENOMEM when an entry could not be made (limits, memory, injected fault).
 */
static int cma_buf_pool_refill_class(unsigned int i)
{
	struct cma_buf_pool_class *c = &cma_buf_pool[i];

	for (;;) {
		struct cma_buf_pool_entry *e;
		struct cma_buf *buf;
		bool need;
		size_t size;

		mutex_lock(&cma_buf_pool_lock);
		if (i >= cma_buf_pool_nr || !cma_buf_pool_open) {
			mutex_unlock(&cma_buf_pool_lock);
			return -ENOENT;
		}
		size = c->size;
		e = list_first_entry_or_null(&c->dirty, struct cma_buf_pool_entry, list);
		if (e) {
			list_del(&e->list);
			c->nr_dirty--;
		}
		need = c->nr_ready + c->nr_dirty < c->target;
		mutex_unlock(&cma_buf_pool_lock);

		if (e) {
			buf = cma_buf_pool_carrier(size);
			if (!buf) {
				cma_buf_pool_release(e);
				return -ENOMEM;
			}
			buf->pages = e->pages;
			cma_buf_zero(buf);
			kfree(buf);
		} else if (need) {
			e = cma_buf_pool_new_entry(size);
			if (!e)
				return -ENOMEM;
		} else {
			return 0;
		}

		mutex_lock(&cma_buf_pool_lock);
		if (cma_buf_pool_open && c->size == size && c->nr_ready < c->target) {
			list_add_tail(&e->list, &c->ready);
			c->nr_ready++;
			e = NULL;
		}
		mutex_unlock(&cma_buf_pool_lock);
		if (e)
			cma_buf_pool_release(e);
		cond_resched();
	}
}

/* The worker: every size to its count; after a failure, again later. */
static void cma_buf_pool_refill(struct work_struct *work)
{
	bool failed = false;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < CMA_BUF_POOL_MAX_SIZES && ret != -ENOENT; i++) {
		ret = cma_buf_pool_refill_class(i);
		failed |= ret == -ENOMEM;
	}
	if (failed)
		cma_buf_pool_kick(CMA_BUF_POOL_RETRY);
}

/**
 * cma_buf_pool_take() - hand a buffer a zeroed entry of its size, if ready
 * @buf:	the new buffer: size and area set
 * @align:	the alignment asked for, 0 for the default
 *
 * The entry's bytes already count against the limits; now they are the
 * buffer's.
 *
 * Return: true if @buf got pages (zeroed) and their DMA handle.
 */
bool cma_buf_pool_take(struct cma_buf *buf, size_t align)
{
	struct cma_buf_pool_class *c;
	struct cma_buf_pool_entry *e = NULL;

	if (buf->area != cma_buf_pool_area)
		return false;
	mutex_lock(&cma_buf_pool_lock);
	c = cma_buf_pool_find(buf->size);
	if (c) {
		list_for_each_entry(e, &c->ready, list)
			if (!(page_to_phys(e->pages) & (align ? align - 1 : 0)))
				break;
		if (list_entry_is_head(e, &c->ready, list)) {
			e = NULL;
		} else {
			list_del(&e->list);
			c->nr_ready--;
		}
	}
	mutex_unlock(&cma_buf_pool_lock);
	if (!e)
		return false;
	buf->pages = e->pages;
	buf->dma_addr = e->dma_addr;
	kfree(e);
	return true;
}

/**
 * cma_buf_pool_refill_after() - refill behind a buffer of a pooled size
 * @buf:	the new buffer, published
 *
 * Not from cma_buf_pool_take(): started there, the refill (cma_alloc()
 * drains every CPU's page lists) competed with the rest of the allocation
 * that took from the pool.
 */
void cma_buf_pool_refill_after(const struct cma_buf *buf)
{
	bool pooled;

	if (buf->area != cma_buf_pool_area)
		return;
	mutex_lock(&cma_buf_pool_lock);
	pooled = cma_buf_pool_find(buf->size);
	mutex_unlock(&cma_buf_pool_lock);
	if (pooled)
		cma_buf_pool_kick(0);
}

/**
 * cma_buf_pool_give() - keep a freed buffer's pages for the pool
 * @buf:	the buffer, whose memory is being freed; nothing references it
 *
 * Return: true if the pool took the pages (and their share of the limits):
 * the worker zeroes them before they go out again. False: free them.
 */
bool cma_buf_pool_give(struct cma_buf *buf)
{
	struct cma_buf_pool_entry *e;
	struct cma_buf_pool_class *c;
	bool taken = false;

	if (buf->area != cma_buf_pool_area)
		return false;
	e = cma_buf_kzalloc_obj(*e, GFP_KERNEL);
	if (!e)
		return false;
	e->pages = buf->pages;
	e->dma_addr = buf->dma_addr;
	e->size = buf->size;
	mutex_lock(&cma_buf_pool_lock);
	c = cma_buf_pool_find(buf->size);
	if (cma_buf_pool_open && c && c->nr_ready + c->nr_dirty < c->target) {
		list_add_tail(&e->list, &c->dirty);
		c->nr_dirty++;
		taken = true;
	}
	mutex_unlock(&cma_buf_pool_lock);
	if (!taken) {
		kfree(e);
		return false;
	}
	cma_buf_pool_kick(0);
	return true;
}

/* Move the entries beyond each size's count to @out. */
static void cma_buf_pool_trim(struct list_head *out)
{
	unsigned int i;

	for (i = 0; i < cma_buf_pool_nr; i++) {
		struct cma_buf_pool_class *c = &cma_buf_pool[i];

		while (c->nr_ready + c->nr_dirty > c->target) {
			bool dirty = c->nr_dirty;
			struct cma_buf_pool_entry *e;

			e = list_last_entry(dirty ? &c->dirty : &c->ready,
					    struct cma_buf_pool_entry, list);
			list_move(&e->list, out);
			if (dirty)
				c->nr_dirty--;
			else
				c->nr_ready--;
		}
	}
}

/*
 * Take on a new spec: sizes kept keep their entries (up to the new count),
 * sizes dropped give theirs back at once, new sizes start empty.
 */
static void cma_buf_pool_apply(const struct cma_buf_pool_spec *spec)
{
	struct cma_buf_pool_class old[CMA_BUF_POOL_MAX_SIZES];
	struct cma_buf_pool_entry *e, *tmp;
	unsigned int i, j;
	LIST_HEAD(out);

	mutex_lock(&cma_buf_pool_lock);
	/* Closed (unloading): the pool stays empty. */
	if (!cma_buf_pool_open) {
		mutex_unlock(&cma_buf_pool_lock);
		return;
	}
	/* The classes in the spec's order; entries go with their size. */
	for (j = 0; j < cma_buf_pool_nr; j++) {
		old[j] = cma_buf_pool[j];
		INIT_LIST_HEAD(&old[j].ready);
		INIT_LIST_HEAD(&old[j].dirty);
		list_splice_init(&cma_buf_pool[j].ready, &old[j].ready);
		list_splice_init(&cma_buf_pool[j].dirty, &old[j].dirty);
	}
	for (i = 0; i < CMA_BUF_POOL_MAX_SIZES; i++) {
		struct cma_buf_pool_class *c = &cma_buf_pool[i];

		c->size = i < spec->n ? spec->size[i] : 0;
		c->target = i < spec->n ? spec->count[i] : 0;
		c->nr_ready = 0;
		c->nr_dirty = 0;
	}
	for (j = 0; j < cma_buf_pool_nr; j++) {
		struct cma_buf_pool_class *c = NULL;

		for (i = 0; i < spec->n; i++)
			if (cma_buf_pool[i].size == old[j].size)
				c = &cma_buf_pool[i];
		if (!c) {
			/* A size no longer pooled: all of its entries go. */
			list_splice_init(&old[j].ready, &out);
			list_splice_init(&old[j].dirty, &out);
			continue;
		}
		list_splice_init(&old[j].ready, &c->ready);
		list_splice_init(&old[j].dirty, &c->dirty);
		c->nr_ready = old[j].nr_ready;
		c->nr_dirty = old[j].nr_dirty;
	}
	cma_buf_pool_nr = spec->n;
	cma_buf_pool_trim(&out);
	mutex_unlock(&cma_buf_pool_lock);
	list_for_each_entry_safe(e, tmp, &out, list)
		cma_buf_pool_release(e);
	cma_buf_pool_kick(0);
}

/* Sizes as buffers have them, whole pages; two that round alike are one. */
static int cma_buf_pool_parse(const char *buf, size_t count, struct cma_buf_pool_spec *spec)
{
	unsigned int i, j;
	int ret;

	ret = cma_buf_parse_pool(buf, count, spec);
	if (ret)
		return ret;
	for (i = 0; i < spec->n; i++) {
		if (spec->size[i] > SIZE_MAX - (PAGE_SIZE - 1) ||
		    spec->size[i] >> PAGE_SHIFT > totalram_pages())
			return -EINVAL;
		spec->size[i] = PAGE_ALIGN(spec->size[i]);
		for (j = 0; j < i; j++)
			if (spec->size[j] == spec->size[i])
				return -EINVAL;
	}
	return 0;
}

/**
 * cma_buf_pool_set() - parse and apply a pool spec
 * @buf:	"SIZE*COUNT[,SIZE*COUNT...]", or empty for no pool
 * @count:	its length
 *
 * Return: 0, or -EINVAL for a bad spec, nothing changed.
 */
int cma_buf_pool_set(const char *buf, size_t count)
{
	struct cma_buf_pool_spec spec;
	int ret = cma_buf_pool_parse(buf, count, &spec);

	if (ret)
		return ret;
	cma_buf_pool_apply(&spec);
	return 0;
}

/* The pool file: "SIZE COUNT READY REFILLING" per size. */
ssize_t cma_buf_pool_show(char *out)
{
	ssize_t len = 0;
	unsigned int i;

	mutex_lock(&cma_buf_pool_lock);
	for (i = 0; i < cma_buf_pool_nr; i++) {
		struct cma_buf_pool_class *c = &cma_buf_pool[i];
		unsigned int refilling = c->target > c->nr_ready ? c->target - c->nr_ready : 0;

		len += sysfs_emit_at(out, len, "%zu %u %u %u\n", c->size, c->target, c->nr_ready,
				     refilling);
	}
	mutex_unlock(&cma_buf_pool_lock);
	return len;
}

/* pool= at load is parsed here, before setup; applied by cma_buf_pool_init(). */
static int cma_buf_pool_param_set(const char *val, const struct kernel_param *kp)
{
	struct cma_buf_pool_spec spec;
	int ret = cma_buf_pool_parse(val, strlen(val), &spec);

	if (ret)
		return ret;
	mutex_lock(&cma_buf_pool_lock);
	if (!cma_buf_pool_open) {
		cma_buf_pool_param = spec;
		mutex_unlock(&cma_buf_pool_lock);
		return 0;
	}
	mutex_unlock(&cma_buf_pool_lock);
	cma_buf_pool_apply(&spec);
	return 0;
}

static int cma_buf_pool_param_get(char *buffer, const struct kernel_param *kp)
{
	return cma_buf_pool_show(buffer);
}

static const struct kernel_param_ops cma_buf_pool_param_ops = {
	.set = cma_buf_pool_param_set,
	.get = cma_buf_pool_param_get,
};
module_param_cb(pool, &cma_buf_pool_param_ops, NULL, 0644);
MODULE_PARM_DESC(pool, "Buffers held ready, zeroed: SIZE*COUNT[,SIZE*COUNT...] (default none)");

/**
 * cma_buf_pool_init() - open the pool on the default area
 * @area:	the default area
 *
 * Return: 0, or -ENOMEM without a workqueue.
 */
int cma_buf_pool_init(struct cma_buf_area *area)
{
	unsigned int i;

	cma_buf_pool_wq = alloc_workqueue("cma_buf_pool", WQ_UNBOUND, 0);
	if (!cma_buf_pool_wq)
		return -ENOMEM;

	for (i = 0; i < CMA_BUF_POOL_MAX_SIZES; i++) {
		INIT_LIST_HEAD(&cma_buf_pool[i].ready);
		INIT_LIST_HEAD(&cma_buf_pool[i].dirty);
	}
	mutex_lock(&cma_buf_pool_lock);
	cma_buf_pool_area = area;
	cma_buf_pool_open = true;
	mutex_unlock(&cma_buf_pool_lock);
	cma_buf_pool_apply(&cma_buf_pool_param);
	return 0;
}

/*
 * At unload, after every buffer is gone: the pool's pages go back too.
 * Closed first, so that neither a late write of the pool parameter nor the
 * worker can fill it again.
 */
void cma_buf_pool_exit(void)
{
	struct cma_buf_pool_entry *e, *tmp;
	unsigned int i;
	LIST_HEAD(out);

	mutex_lock(&cma_buf_pool_lock);
	cma_buf_pool_open = false;
	mutex_unlock(&cma_buf_pool_lock);
	cancel_delayed_work_sync(&cma_buf_pool_work);
	destroy_workqueue(cma_buf_pool_wq);

	mutex_lock(&cma_buf_pool_lock);
	for (i = 0; i < cma_buf_pool_nr; i++) {
		list_splice_init(&cma_buf_pool[i].ready, &out);
		list_splice_init(&cma_buf_pool[i].dirty, &out);
		cma_buf_pool[i].nr_ready = 0;
		cma_buf_pool[i].nr_dirty = 0;
	}
	cma_buf_pool_nr = 0;
	mutex_unlock(&cma_buf_pool_lock);
	list_for_each_entry_safe(e, tmp, &out, list)
		cma_buf_pool_release(e);
}
