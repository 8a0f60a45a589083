// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf areas: the CMA areas buffers can come from, found once at load and
 * fixed until unload. Each names its allocator and the device the DMA API
 * maps and syncs its buffers for. The kernel tells a module little about an
 * area: its name (cma_get_name()), and on 7.2 the list of areas reserved
 * for DMA (dma_contiguous_get_area_by_idx()); base and size only for a
 * device-tree region, whose node gives them; the NUMA node from a page of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "backend.h"
#include "cma_buf.h"
#include "compat.h"

/* In the order "areas" lists them; the first is the default. */
static LIST_HEAD(cma_buf_areas);

static struct cma_buf_area *cma_buf_area_new(const char *name,
					     const struct cma_buf_backend *backend,
					     struct device *dev)
{
	struct cma_buf_area *area = cma_buf_kzalloc_obj(*area, GFP_KERNEL);

	if (!area)
		return NULL;
	strscpy(area->name, name, sizeof(area->name));
	area->backend = backend;
	area->dev = dev;
	area->node = NUMA_NO_NODE;
	atomic64_set(&area->held, 0);
	list_add_tail(&area->list, &cma_buf_areas);
	return area;
}

static bool cma_buf_area_listed(const char *name, const struct cma *cma)
{
	struct cma_buf_area *area;

	list_for_each_entry(area, &cma_buf_areas, list)
		if ((cma && area->cma == cma) || !strcmp(area->name, name))
			return true;
	return false;
}

/*
 * The node of an area whose base the kernel keeps to itself: that of a page
 * of it. An area never spans zones, so never nodes. A full area stays "-".
 */
static void cma_buf_area_find_node(struct cma_buf_area *area)
{
	struct cma_buf *probe;

	if (area->size) {
		area->node = page_to_nid(pfn_to_page(PHYS_PFN(area->base)));
		return;
	}
	probe = cma_buf_kzalloc_obj(*probe, GFP_KERNEL);
	if (!probe)
		return;
	/* Two pages: the DMA API takes a single page from the buddy allocator. */
	probe->size = 2 * PAGE_SIZE;
	probe->area = area;
	if (!area->backend->alloc(probe, PAGE_SIZE)) {
		area->node = page_to_nid(probe->pages);
		area->backend->free(probe);
	}
	kfree(probe);
}

static int cma_buf_area_add_region(const struct cma_buf_region *region,
				   const struct cma_buf_backend *backend)
{
	struct cma_buf_area *area;

	area = cma_buf_area_new(region->name, backend, region->dev);
	if (!area)
		return -ENOMEM;
	area->cma = region->cma;
	area->base = region->base;
	area->size = region->size;
	area->cache = region->cache;
	area->max_bytes = region->max_bytes;
	return 0;
}

/*
 * The kernel's own areas. With the dma backend only the default one: the
 * DMA API takes any other only for a device it belongs to.
 */
static int cma_buf_area_add_kernel(const struct cma_buf_backend *backend, struct device *dev)
{
	struct cma *cma;
	unsigned int i;

	if (backend == &cma_buf_backend_dma) {
		if (cma_buf_area_listed("dma", NULL))
			return 0;
		return cma_buf_area_new("dma", backend, dev) ? 0 : -ENOMEM;
	}
	cma = cma_buf_default_cma();
	if (cma && !cma_buf_area_listed(cma_buf_cma_name(cma), cma)) {
		struct cma_buf_area *area = cma_buf_area_new(cma_buf_cma_name(cma), backend, dev);

		if (!area)
			return -ENOMEM;
		area->cma = cma;
	}
	for (i = 0; (cma = cma_buf_cma_area_by_idx(i)); i++) {
		struct cma_buf_area *area;

		if (cma_buf_area_listed(cma_buf_cma_name(cma), cma))
			continue;
		area = cma_buf_area_new(cma_buf_cma_name(cma), backend, dev);
		if (!area)
			return -ENOMEM;
		area->cma = cma;
	}
	return 0;
}

/*
 * Per-node areas (numa_cma=, cma_pernuma=) are the DMA API's alone: it
 * tries the area of the device's node before the default one, then falls
 * back to the page allocator, so what it gives is checked (cma_buf_area_check()).
 */
static int cma_buf_area_add_nodes(void)
{
	int nid;

	if (!IS_ENABLED(CONFIG_DMA_NUMA_CMA) || num_node_state(N_MEMORY) < 2)
		return 0;
	for_each_node_state(nid, N_MEMORY) {
		struct platform_device *pdev;
		struct cma_buf_area *area;
		char name[16];
		int ret;

		pdev = platform_device_register_simple("cma_buf_node", nid, NULL, 0);
		if (IS_ERR(pdev))
			return PTR_ERR(pdev);
		set_dev_node(&pdev->dev, nid);
		ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
		snprintf(name, sizeof(name), "node%d", nid);
		area = ret ? NULL : cma_buf_area_new(name, &cma_buf_backend_dma, &pdev->dev);
		if (!area) {
			platform_device_unregister(pdev);
			return ret ?: -ENOMEM;
		}
		area->node_pdev = pdev;
		area->node = nid;
		area->node_only = true;
	}
	return 0;
}

/**
 * cma_buf_areas_init() - find every area buffers can come from
 * @backend:	the allocator chosen at load
 * @dev:	the module's own device, for the kernel's areas
 * @regions:	the device-tree regions of bound "cma-buf" nodes, listed
 *		first, or NULL
 * @regions:	the device-tree regions of bound "cma-buf" nodes, listed first
 *
 * Return: 0, -ENODEV if there is no area at all, or -ENOMEM. On failure
 * nothing is left.
 */
int cma_buf_areas_init(const struct cma_buf_backend *backend, struct device *dev,
		       struct list_head *regions)
{
	struct cma_buf_region *region;
	struct cma_buf_area *area;
	int ret = 0;

	if (regions) {
		list_for_each_entry(region, regions, list) {
			ret = cma_buf_area_add_region(region, backend);
			if (ret)
				goto err;
		}
	}
	ret = cma_buf_area_add_kernel(backend, dev);
	if (!ret)
		ret = cma_buf_area_add_nodes();
	if (ret)
		goto err;
	area = list_first_entry_or_null(&cma_buf_areas, struct cma_buf_area, list);
	if (!area || (backend != &cma_buf_backend_dma && !area->cma)) {
		dev_err(dev, "no CMA area: boot with cma=SIZE or declare a shared-dma-pool\n");
		ret = -ENODEV;
		goto err;
	}
	list_for_each_entry(area, &cma_buf_areas, list) {
		if (area->node == NUMA_NO_NODE)
			cma_buf_area_find_node(area);
		dev_info(area->dev, "area %s, node %d, DMA %s\n", area->name, area->node,
			 dev_is_dma_coherent(area->dev) ? "coherent" :
			 "non-coherent: sync calls maintain the CPU caches");
	}
	return 0;
err:
	cma_buf_areas_exit();
	return ret;
}

void cma_buf_areas_exit(void)
{
	struct cma_buf_area *area, *tmp;

	list_for_each_entry_safe(area, tmp, &cma_buf_areas, list) {
		list_del(&area->list);
		platform_device_unregister(area->node_pdev);
		kfree(area);
	}
}

/**
 * cma_buf_area_find() - the area an allocation asks for
 * @name:	area name, NULL for none
 * @len:	its length
 * @node:	NUMA node, NUMA_NO_NODE for none
 *
 * Return: the named area, else the first on @node, else the default one;
 * ERR_PTR(-ENOENT) when none is named so, or none is on @node.
 */
struct cma_buf_area *cma_buf_area_find(const char *name, size_t len, int node)
{
	struct cma_buf_area *area;

	list_for_each_entry(area, &cma_buf_areas, list) {
		if (name ? strlen(area->name) == len && !memcmp(area->name, name, len) :
		    node == NUMA_NO_NODE || area->node == node)
			return area;
	}
	return ERR_PTR(-ENOENT);
}

/*
 * Where the allocator may give other pages than the area's, refuse them:
 * the DMA API falls back from a device's region, and from a node's area, to
 * other memory when they are full.
 */
int cma_buf_area_check(const struct cma_buf_area *area, const struct cma_buf *buf)
{
	phys_addr_t phys = page_to_phys(buf->pages);

	if (area->size && (phys < area->base || buf->size > area->size ||
			   phys - area->base > area->size - buf->size))
		return -ENOMEM;
	if (!area->node_only)
		return 0;
	if (page_to_nid(buf->pages) != area->node)
		return -ENOMEM;
	/* CMA's pages are counted one by one; a buddy block's tail pages are not. */
	if (cma_buf_nr_pages(buf) > 1 && !page_count(cma_buf_nth_page(buf->pages, 1)))
		return -ENOMEM;
	return 0;
}

/**
 * cma_buf_area_account() - count a buffer's bytes against the area's limit
 * @area:	the area
 * @size:	bytes
 *
 * Return: 0, or -ENOSPC over the area's max-bytes.
 */
int cma_buf_area_account(struct cma_buf_area *area, size_t size)
{
	if (atomic64_add_return(size, &area->held) > area->max_bytes && area->max_bytes) {
		atomic64_sub(size, &area->held);
		return -ENOSPC;
	}
	return 0;
}

void cma_buf_area_unaccount(struct cma_buf_area *area, size_t size)
{
	atomic64_sub(size, &area->held);
}

/* The areas file: "NAME BASE SIZE NODE HELD" per area, "-" where unknown. */
ssize_t cma_buf_areas_show(char *out)
{
	struct cma_buf_area *area;
	ssize_t len = 0;

	list_for_each_entry(area, &cma_buf_areas, list) {
		char base[24] = "-", size[24] = "-", node[12] = "-";

		if (area->size) {
			snprintf(base, sizeof(base), "%#llx", (unsigned long long)area->base);
			snprintf(size, sizeof(size), "%llu", (unsigned long long)area->size);
		}
		if (area->node != NUMA_NO_NODE)
			snprintf(node, sizeof(node), "%d", area->node);
		len += sysfs_emit_at(out, len, "%s %s %s %s %lld\n", area->name, base, size, node,
				     (long long)atomic64_read(&area->held));
	}
	return len;
}
