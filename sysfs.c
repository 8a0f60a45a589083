// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf sysfs: the class, its control files alloc and free, and the
 * per-buffer attributes. Everything written here is hostile: it is parsed
 * strictly (parse.c) and refused with a precise errno, quietly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/module.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include "cma_buf.h"
#include "compat.h"
#include "parse.h"

/*
 * sysfs hands a store at most a page and silently drops the rest of a longer
 * write, so a full page may be the valid-looking start of junk: refuse it.
 * No well-formed request comes near that length.
 */
static bool cma_buf_maybe_truncated(size_t count)
{
	return count >= PAGE_SIZE;
}

static ssize_t alloc_store(CMA_BUF_CLASS_CONST struct class *class,
			   CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr,
			   const char *buf, size_t count)
{
	struct cma_buf_alloc_req req;
	struct cma_buf_area *area;
	size_t size, align;
	int ret;

	if (cma_buf_maybe_truncated(count))
		return -EINVAL;
	ret = cma_buf_parse_alloc(buf, count, &req);
	if (ret)
		goto bad_input;
	/* Round up to whole pages without wrapping. */
	if (req.size > SIZE_MAX - (PAGE_SIZE - 1) || req.align > SIZE_MAX) {
		ret = -EINVAL;
		goto bad_input;
	}
	size = PAGE_ALIGN((size_t)req.size);
	align = req.align ? max_t(size_t, req.align, PAGE_SIZE) : 0;
	area = cma_buf_area_find(req.area.len ? req.area.s : NULL, req.area.len, req.node);
	if (IS_ERR(area)) {
		ret = PTR_ERR(area);
		goto bad_input;
	}

	/* Keep the module from unloading under a half-made buffer. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	ret = cma_buf_create(size, req.index, align, req.pinnable, area);
	module_put(THIS_MODULE);
	return ret < 0 ? ret : count;

bad_input:
	pr_debug_ratelimited("alloc: refused '%.*s': %d\n",
			     (int)min_t(size_t, count, 64), buf, ret);
	return ret;
}
static CLASS_ATTR_WO(alloc);

static ssize_t free_store(CMA_BUF_CLASS_CONST struct class *class,
			  CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr,
			  const char *buf, size_t count)
{
	unsigned int index;
	int ret;

	if (cma_buf_maybe_truncated(count))
		return -EINVAL;
	ret = cma_buf_parse_free(buf, count, &index);
	if (ret) {
		pr_debug_ratelimited("free: refused '%.*s'\n", (int)min_t(size_t, count, 64), buf);
		return ret;
	}
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	ret = cma_buf_remove(index);
	module_put(THIS_MODULE);
	return ret ? ret : count;
}
static CLASS_ATTR_WO(free);

static ssize_t areas_show(CMA_BUF_CLASS_CONST struct class *class,
			  CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr, char *buf)
{
	return cma_buf_areas_show(buf);
}
static CLASS_ATTR_RO(areas);

/* Buffers held ready (pool.c): "SIZE COUNT READY REFILLING" per size; write a spec. */
static ssize_t pool_show(CMA_BUF_CLASS_CONST struct class *class,
			 CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr, char *buf)
{
	return cma_buf_pool_show(buf);
}

static ssize_t pool_store(CMA_BUF_CLASS_CONST struct class *class,
			  CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr,
			  const char *buf, size_t count)
{
	int ret;

	if (cma_buf_maybe_truncated(count))
		return -EINVAL;
	ret = cma_buf_pool_set(buf, count);
	return ret ? ret : count;
}

/* 0644: as the pool module parameter; writing is root's (sysfs checks). */
static CLASS_ATTR_RW(pool);

static ssize_t backend_show(CMA_BUF_CLASS_CONST struct class *class,
			    CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", cma_buf_backend_name());
}
static CLASS_ATTR_RO(backend);

/* Freed buffers whose pages the kernel still references (cma_buf.c). */
static ssize_t parked_show(CMA_BUF_CLASS_CONST struct class *class,
			   CMA_BUF_CLASS_ATTR_CONST struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", cma_buf_nr_parked());
}
static CLASS_ATTR_RO(parked);

static struct attribute *cma_buf_class_attrs[] = {
	&class_attr_alloc.attr,
	&class_attr_free.attr,
	&class_attr_areas.attr,
	&class_attr_pool.attr,
	&class_attr_backend.attr,
	&class_attr_parked.attr,
	NULL,
};
ATTRIBUTE_GROUPS(cma_buf_class);

static ssize_t phys_addr_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	phys_addr_t phys = page_to_phys(to_cma_buf(dev)->pages);

	return sysfs_emit(buf, "%pa\n", &phys);
}

/* 0400: physical addresses are privileged, as in /proc/iomem and pagemap. */
static DEVICE_ATTR_ADMIN_RO(phys_addr);

static ssize_t size_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%zu\n", to_cma_buf(dev)->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t origin_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_cma_buf(dev)->area->name);
}
static DEVICE_ATTR_RO(origin);

static ssize_t node_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", page_to_nid(to_cma_buf(dev)->pages));
}
static DEVICE_ATTR_RO(node);

static ssize_t owner_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_cma_buf(dev)->fd_owned ? "fd" : "sysfs");
}
static DEVICE_ATTR_RO(owner);

/*
 * Who still maps the buffer, before it is freed or its mode changed: each
 * VMA counts, through the node or a dma-buf (a fork adds the child's).
 */
static ssize_t mappings_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_cma_buf(dev)->mappings));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t pinnable_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_cma_buf(dev)->pinnable);
}
static DEVICE_ATTR_RO(pinnable);

static ssize_t cache_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", cma_buf_cache_names[READ_ONCE(to_cma_buf(dev)->cache)]);
}

static ssize_t cache_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	int mode = __sysfs_match_string(cma_buf_cache_names, -1, buf);
	int ret;

	if (mode < 0)
		return -EINVAL;
	ret = cma_buf_set_cache(to_cma_buf(dev), mode);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(cache);

static const enum dma_data_direction cma_buf_dma_dirs[] = {
	[CMA_BUF_DIR_BIDIRECTIONAL] = DMA_BIDIRECTIONAL,
	[CMA_BUF_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[CMA_BUF_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
};

static ssize_t cma_buf_sync_store(struct device *dev, const char *buf, size_t count,
				  bool for_device)
{
	struct cma_buf_sync_req req;
	int ret;

	if (cma_buf_maybe_truncated(count))
		return -EINVAL;
	ret = cma_buf_parse_sync(buf, count, &req);
	if (!ret)
		ret = cma_buf_sync(to_cma_buf(dev), req.offset, req.size,
				   cma_buf_dma_dirs[req.dir], for_device);
	if (ret)
		pr_debug_ratelimited("sync: refused '%.*s': %d\n",
				     (int)min_t(size_t, count, 64), buf, ret);
	return ret ? ret : count;
}

static ssize_t sync_for_device_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return cma_buf_sync_store(dev, buf, count, true);
}
static DEVICE_ATTR_WO(sync_for_device);

static ssize_t sync_for_cpu_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t count)
{
	return cma_buf_sync_store(dev, buf, count, false);
}
static DEVICE_ATTR_WO(sync_for_cpu);

/*
 * The device the buffer is mapped for (bind.c), by its bus name, as in
 * /sys/bus/pci/devices: an empty line when none. Writing a name binds,
 * writing an empty line unbinds. Binding is root's decision, whoever may
 * otherwise use the buffer: it opens the buffer to that device's DMA.
 */
static ssize_t dma_device_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return cma_buf_binding_show(to_cma_buf(dev), buf, false);
}

static ssize_t dma_device_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	char name[CMA_BUF_DEVICE_NAME_MAX];
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = cma_buf_parse_device(buf, count, name, sizeof(name));
	if (!ret)
		ret = cma_buf_bind(to_cma_buf(dev), name);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(dma_device);

/* 0400: an address for the bound device, as privileged as phys_addr. */
static ssize_t dma_addr_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return cma_buf_binding_show(to_cma_buf(dev), buf, true);
}
static DEVICE_ATTR_ADMIN_RO(dma_addr);

static struct attribute *cma_buf_dev_attrs[] = {
	&dev_attr_phys_addr.attr,
	&dev_attr_size.attr,
	&dev_attr_origin.attr,
	&dev_attr_node.attr,
	&dev_attr_owner.attr,
	&dev_attr_cache.attr,
	&dev_attr_mappings.attr,
	&dev_attr_pinnable.attr,
	&dev_attr_sync_for_device.attr,
	&dev_attr_sync_for_cpu.attr,
	&dev_attr_dma_device.attr,
	&dev_attr_dma_addr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(cma_buf_dev);

static char *cma_buf_devnode(CMA_BUF_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return NULL;
}

struct class cma_buf_class = {
	.name = "cma_buf",
	CMA_BUF_CLASS_OWNER_INIT
	.class_groups = cma_buf_class_groups,
	.dev_groups = cma_buf_dev_groups,
	.devnode = cma_buf_devnode,
};
