// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf: a buffer mapped for another device's DMA.
 *
 * A buffer is bound to at most one device, PCI or platform, by name: the DMA
 * API maps the whole buffer for that device, and dma_addr publishes the
 * address the device must be given. Behind an IOMMU that is an IOVA, which is
 * not phys_addr: programming phys_addr there makes the IOMMU refuse the
 * transfer (or, worse, hit another mapping). The mapping goes on unbind, on
 * free, and when the device goes away (hot-unplug, sysfs remove), before the
 * device's IOMMU state does: nothing is left that lets a device reach pages
 * CMA has taken back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>

#include "cma_buf.h"

/**
 * struct cma_buf_binding - a buffer's DMA mapping for one device
 * @node:	on cma_buf_bindings
 * @buf:	the buffer, which points back here
 * @dev:	the device, referenced while bound
 * @addr:	the buffer's address for @dev
 */
struct cma_buf_binding {
	struct list_head node;
	struct cma_buf *buf;
	struct device *dev;
	dma_addr_t addr;
};

/*
 * Every binding, so that a departing device finds its own; the lock also
 * guards each buffer's @binding. It is taken inside PCI's rescan/remove lock
 * (the bus notifier runs under it) and never held while waiting for anything
 * of ours.
 */
static LIST_HEAD(cma_buf_bindings);
static DEFINE_MUTEX(cma_buf_bind_lock);

static void cma_buf_unbind_locked(struct cma_buf *buf)
{
	struct cma_buf_binding *b = buf->binding;

	lockdep_assert_held(&cma_buf_bind_lock);
	if (!b)
		return;
	dma_unmap_page_attrs(b->dev, b->addr, buf->size, DMA_BIDIRECTIONAL,
			     DMA_ATTR_SKIP_CPU_SYNC);
	list_del(&b->node);
	buf->binding = NULL;
	put_device(b->dev);
	kfree(b);
}

/**
 * cma_buf_unbind() - drop a buffer's device mapping, if it has one
 * @buf:	the buffer
 */
void cma_buf_unbind(struct cma_buf *buf)
{
	mutex_lock(&cma_buf_bind_lock);
	cma_buf_unbind_locked(buf);
	mutex_unlock(&cma_buf_bind_lock);
}

/*
 * PCI devices leave under the rescan/remove lock: holding it, a device found
 * on the bus is not half way out, so its notifier cannot have run already.
 */
#ifdef CONFIG_PCI
static struct device *cma_buf_find_pci(const char *name)
{
	return bus_find_device_by_name(&pci_bus_type, NULL, name);
}

static void cma_buf_lock_removal(void)
{
	pci_lock_rescan_remove();
}

static void cma_buf_unlock_removal(void)
{
	pci_unlock_rescan_remove();
}
#else
static struct device *cma_buf_find_pci(const char *name)
{
	return NULL;
}

static void cma_buf_lock_removal(void) { }
static void cma_buf_unlock_removal(void) { }
#endif

static struct device *cma_buf_find_device(const char *name)
{
	struct device *dev = cma_buf_find_pci(name);

	return dev ? dev : bus_find_device_by_name(&platform_bus_type, NULL, name);
}

/*
 * Without an IOMMU the DMA API would bounce a buffer the device cannot
 * address through swiotlb: the device would then write a bounce buffer, not
 * ours, and dma_addr would be a lie. Refuse instead.
 */
static int cma_buf_check_reach(struct cma_buf *buf, struct device *dev)
{
	phys_addr_t last = page_to_phys(buf->pages) + buf->size - 1;
	u64 limit;

	if (device_iommu_mapped(dev))
		return 0;
	if (!dev->dma_mask || is_swiotlb_force_bounce(dev))
		return -EOPNOTSUPP;
	limit = min_not_zero(*dev->dma_mask, dev->bus_dma_limit);
	return last > limit ? -ERANGE : 0;
}

static int cma_buf_bind_locked(struct cma_buf *buf, const char *name)
{
	struct cma_buf_binding *b;
	struct device *dev;
	int ret;

	dev = cma_buf_find_device(name);
	if (!dev)
		return -ENODEV;
	if (buf->binding) {
		ret = buf->binding->dev == dev ? 0 : -EBUSY;
		goto err_put;
	}
	ret = cma_buf_check_reach(buf, dev);
	if (ret)
		goto err_put;
	b = cma_buf_kzalloc_obj(*b, GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto err_put;
	}
	/* Our own device's sync calls keep the CPU caches right: skip them here. */
	b->addr = dma_map_page_attrs(dev, buf->pages, 0, buf->size, DMA_BIDIRECTIONAL,
				     DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dev, b->addr)) {
		kfree(b);
		ret = -ENOMEM;
		goto err_put;
	}
	b->buf = buf;
	b->dev = dev;
	list_add(&b->node, &cma_buf_bindings);
	buf->binding = b;
	return 0;

err_put:
	put_device(dev);
	return ret;
}

/**
 * cma_buf_bind() - map a buffer for a device's DMA
 * @buf:	the buffer
 * @name:	the device's name on the PCI bus (0000:00:04.0) or the platform
 *		bus, or "" to unbind
 *
 * Return: 0 (also when already bound to this device), or -ENODEV (no such
 * device), -EBUSY (bound to another device: unbind first), -ERANGE (no
 * IOMMU, and the device's DMA mask does not reach the buffer),
 * -EOPNOTSUPP (the device has no DMA mask, or all its DMA is bounced),
 * -ENOMEM (mapping failed, e.g. no IOVA space left).
 */
int cma_buf_bind(struct cma_buf *buf, const char *name)
{
	int ret;

	if (!*name) {
		cma_buf_unbind(buf);
		return 0;
	}
	cma_buf_lock_removal();
	mutex_lock(&cma_buf_bind_lock);
	ret = cma_buf_bind_locked(buf, name);
	mutex_unlock(&cma_buf_bind_lock);
	cma_buf_unlock_removal();
	return ret;
}

/**
 * cma_buf_binding_show() - print the bound device's name or the buffer's
 *	address for it
 * @buf:	the buffer
 * @out:	sysfs page
 * @addr:	print the DMA address rather than the device name
 *
 * Return: bytes printed; for @addr, -ENODEV when not bound (the name of no
 * device is an empty line).
 */
ssize_t cma_buf_binding_show(struct cma_buf *buf, char *out, bool addr)
{
	struct cma_buf_binding *b;
	ssize_t ret;

	mutex_lock(&cma_buf_bind_lock);
	b = buf->binding;
	if (!b)
		ret = addr ? -ENODEV : sysfs_emit(out, "\n");
	else if (addr)
		ret = sysfs_emit(out, "%pad\n", &b->addr);
	else
		ret = sysfs_emit(out, "%s\n", dev_name(b->dev));
	mutex_unlock(&cma_buf_bind_lock);
	return ret;
}

/* A device going away takes its mappings of our buffers with it, first. */
static int cma_buf_bus_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	struct cma_buf_binding *b, *tmp;

	if (action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;
	mutex_lock(&cma_buf_bind_lock);
	list_for_each_entry_safe(b, tmp, &cma_buf_bindings, node) {
		if (b->dev != dev)
			continue;
		dev_info(&b->buf->dev, "unbound: %s is going away\n", dev_name(dev));
		cma_buf_unbind_locked(b->buf);
	}
	mutex_unlock(&cma_buf_bind_lock);
	return NOTIFY_OK;
}

static struct notifier_block cma_buf_platform_nb = { .notifier_call = cma_buf_bus_notify };
#ifdef CONFIG_PCI
static struct notifier_block cma_buf_pci_nb = { .notifier_call = cma_buf_bus_notify };
#endif

int cma_buf_bind_init(void)
{
	int ret;

	ret = bus_register_notifier(&platform_bus_type, &cma_buf_platform_nb);
#ifdef CONFIG_PCI
	if (!ret) {
		ret = bus_register_notifier(&pci_bus_type, &cma_buf_pci_nb);
		if (ret)
			bus_unregister_notifier(&platform_bus_type, &cma_buf_platform_nb);
	}
#endif
	return ret;
}

/* After every buffer is gone, so no binding is left. */
void cma_buf_bind_exit(void)
{
#ifdef CONFIG_PCI
	bus_unregister_notifier(&pci_bus_type, &cma_buf_pci_nb);
#endif
	bus_unregister_notifier(&platform_bus_type, &cma_buf_platform_nb);
	WARN_ON(!list_empty(&cma_buf_bindings));
}
