/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cma_buf: physically contiguous buffers for user space.
 * Internal interfaces shared by the module's files.
 */
#ifndef _CMA_BUF_H
#define _CMA_BUF_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "compat.h"

struct file;
struct platform_device;

struct cma_buf_backend;
struct cma_buf_binding;

/**
 * struct cma_buf - one buffer, with its class device and char device
 * @dev:	class device; its reference count is the buffer's lifetime
 * @cdev:	the buffer's own minor, /dev/cma_bufN
 * @index:	N in cma_bufN, also the minor number
 * @size:	length in bytes, a whole number of pages
 * @pages:	first of the buffer's physically contiguous pages
 * @dma_addr:	handle of the allocation for @area's device, for syncs
 * @area:	where the memory came from; its name is the origin
 * @lock:	serialises cache mode changes against new mappings
 * @cache:	cache mode for mappings made from now on (CMA_BUF_CACHED...)
 * @mappings:	VMAs that map the buffer, through its node or a dma-buf
 * @pinnable:	mapped with struct pages (map.c), so the kernel may take
 *		references on them (pins for O_DIRECT, pipe buffers...)
 * @parked:	on the list of freed buffers whose pages are still referenced
 * @binding:	its DMA mapping for another device, if bound (bind.c)
 * @fd_owned:	made by CMA_BUF_IOC_ALLOC: freed when its owner file goes
 *
 * The memory is returned only by the device's release callback, after the
 * last reference is gone: the registry's, open files' and (through the
 * file each mapping pins) mappings'; for a pinnable buffer, also the last
 * reference the kernel took on one of its pages.
 */
struct cma_buf {
	struct device dev;
	struct cdev cdev;
	unsigned int index;
	size_t size;
	struct page *pages;
	dma_addr_t dma_addr;
	struct cma_buf_area *area;
	struct mutex lock;	/* cache mode against new mappings */
	u32 cache;
	atomic_t mappings;
	bool pinnable;
	struct list_head parked;
	struct cma_buf_binding *binding;
	bool fd_owned;
};

static inline struct cma_buf *to_cma_buf(struct device *dev)
{
	return container_of(dev, struct cma_buf, dev);
}

static inline unsigned long cma_buf_nr_pages(const struct cma_buf *buf)
{
	return buf->size >> PAGE_SHIFT;
}

/* cma_buf.c */
#define CMA_BUF_INDEX_ANY	(-1)
struct cma_buf *cma_buf_new(size_t size, s64 index, size_t align, bool pinnable,
			    struct cma_buf_area *area, bool fd_owned);
int cma_buf_create(size_t size, s64 index, size_t align, bool pinnable,
		   struct cma_buf_area *area);
unsigned int cma_buf_nr_parked(void);
int cma_buf_remove(unsigned int index);
void cma_buf_remove_buf(struct cma_buf *buf);
const char *cma_buf_backend_name(void);

int cma_buf_account(struct cma_buf_area *area, size_t size);
void cma_buf_unaccount(struct cma_buf_area *area, size_t size);
int cma_buf_alloc_pages(struct cma_buf *buf, size_t align);
void cma_buf_zero(struct cma_buf *buf);

/* pool.c */
int cma_buf_pool_init(struct cma_buf_area *area);
void cma_buf_pool_exit(void);
bool cma_buf_pool_take(struct cma_buf *buf, size_t align);
void cma_buf_pool_refill_after(const struct cma_buf *buf);
bool cma_buf_pool_give(struct cma_buf *buf);
int cma_buf_pool_set(const char *buf, size_t count);
ssize_t cma_buf_pool_show(char *out);

/**
 * struct cma_buf_region - a device-tree node's own CMA region (of.c)
 * @list:	on the list cma_buf_of_register() fills
 * @dev:	the node's platform device: DMA API device of its buffers
 * @cma:	the region's CMA area
 * @name:	the reserved-memory node's name, the buffers' origin
 * @base:	physical start of the region
 * @size:	its length in bytes
 * @cache:	cache mode buffers start in
 * @max_bytes:	most bytes all its buffers together may hold, 0 for no limit
 */
struct cma_buf_region {
	struct list_head list;
	struct device *dev;
	struct cma *cma;
	const char *name;
	phys_addr_t base;
	phys_addr_t size;
	u32 cache;
	u64 max_bytes;
};

/* of.c: the regions of bound "cma-buf" nodes, until unregistered */
#ifdef CONFIG_OF
int cma_buf_of_register(void);
struct list_head *cma_buf_of_regions(void);
void cma_buf_of_unregister(void);
#else
static inline int cma_buf_of_register(void) { return 0; }
static inline struct list_head *cma_buf_of_regions(void) { return NULL; }
static inline void cma_buf_of_unregister(void) { }
#endif

/**
 * struct cma_buf_area - a CMA area buffers can come from (area.c)
 * @list:	on the list of areas, in the order "areas" shows
 * @name:	what area= and origin say
 * @backend:	the allocator for it
 * @cma:	the area itself, for the cma backend
 * @dev:	the device the DMA API allocates (dma backend) and syncs for
 * @node_pdev:	@dev, when it is the module's own device for @node
 * @base:	physical start, where known
 * @size:	length in bytes, 0 when unknown
 * @node:	NUMA node of its pages, NUMA_NO_NODE when unknown
 * @node_only:	the allocator may give pages elsewhere: accept @node's only
 * @cache:	cache mode buffers start in
 * @max_bytes:	most bytes its buffers may hold together, 0 for no limit
 * @held:	bytes its buffers hold
 */
struct cma_buf_area {
	struct list_head list;
	char name[CMA_MAX_NAME];
	const struct cma_buf_backend *backend;
	struct cma *cma;
	struct device *dev;
	struct platform_device *node_pdev;
	phys_addr_t base;
	phys_addr_t size;
	int node;
	bool node_only;
	u32 cache;
	u64 max_bytes;
	atomic64_t held;
};

int cma_buf_areas_init(const struct cma_buf_backend *backend, struct device *dev,
		       struct list_head *regions);
void cma_buf_areas_exit(void);
struct cma_buf_area *cma_buf_area_find(const char *name, size_t len, int node);
int cma_buf_area_check(const struct cma_buf_area *area, const struct cma_buf *buf);
int cma_buf_area_account(struct cma_buf_area *area, size_t size);
void cma_buf_area_unaccount(struct cma_buf_area *area, size_t size);
ssize_t cma_buf_areas_show(char *out);

/* cache.c */
#define CMA_BUF_MODE_OF_BUFFER	U32_MAX
extern const char * const cma_buf_cache_names[];
int cma_buf_set_cache(struct cma_buf *buf, u32 mode);
void cma_buf_reset_cache(struct cma_buf *buf);
pgprot_t cma_buf_pgprot(pgprot_t prot, u32 mode);
int cma_buf_check_mapping_mode(struct cma_buf *buf, u32 mode);
int cma_buf_sync(struct cma_buf *buf, u64 offset, u64 size, enum dma_data_direction dir,
		 bool for_device);

/* map.c */
int cma_buf_map(struct cma_buf *buf, struct cma_buf_map_target *t, u32 mode, unsigned long first,
		unsigned long npages);
int cma_buf_map_vma(struct cma_buf *buf, struct vm_area_struct *vma, u32 mode,
		    unsigned long first, unsigned long npages);
unsigned long cma_buf_get_unmapped_area(struct file *file, unsigned long addr, unsigned long len,
					unsigned long pgoff, unsigned long flags);

/* dmabuf.c */
int cma_buf_export_dmabuf(struct cma_buf *buf, u64 offset, u64 size, u32 flags);

/* bind.c */
#define CMA_BUF_DEVICE_NAME_MAX	128
int cma_buf_bind(struct cma_buf *buf, const char *name);
void cma_buf_unbind(struct cma_buf *buf);
ssize_t cma_buf_binding_show(struct cma_buf *buf, char *out, bool addr);
int cma_buf_bind_init(void);
void cma_buf_bind_exit(void);

/* ioctl.c */
long cma_buf_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* sysfs.c */
extern struct class cma_buf_class;

/* mmap.c: the node's files, and those CMA_BUF_IOC_ALLOC makes */
extern const struct file_operations cma_buf_fops;
extern const struct file_operations cma_buf_owner_fops;

/* control.c: /dev/cma_buf */
int cma_buf_control_init(void);
void cma_buf_control_exit(void);

#endif /* _CMA_BUF_H */
