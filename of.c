// SPDX-License-Identifier: GPL-2.0
/*
 * cma_buf device-tree binding: each node compatible with "cma-buf" whose
 * memory-region is a reusable shared-dma-pool gives the module a CMA region
 * of its own, an area (area.c) named after the reserved-memory node. A
 * buffer from it comes from that region (or the allocation fails), starts in
 * the node's cache-mode and counts against its max-bytes. The first bound
 * node's region is the default area. A node that does not bind is reported;
 * the others still work. See Documentation/devicetree/bindings/misc/cma-buf.yaml.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/string.h>

#include "cma_buf.h"

/* In the order the nodes bound. */
static LIST_HEAD(cma_buf_of_regions_list);

/* At unbind, which is only at module unload (no unbind through sysfs). */
static void cma_buf_of_release(void *data)
{
	struct cma_buf_region *region = data;

	list_del(&region->list);
	of_reserved_mem_device_release(region->dev);
}

static int cma_buf_of_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct cma_buf_region *region;
	struct reserved_mem *rmem;
	struct device_node *np;
	const char *mode;
	int ret;

	region = devm_kzalloc(dev, sizeof(*region), GFP_KERNEL);
	if (!region)
		return -ENOMEM;
	region->dev = dev;

	np = of_parse_phandle(dev->of_node, "memory-region", 0);
	if (!np) {
		dev_err(dev, "no memory-region\n");
		return -EINVAL;
	}
	rmem = of_reserved_mem_lookup(np);
	of_node_put(np);
	if (!rmem) {
		dev_err(dev, "memory-region is not a reserved-memory node\n");
		return -EINVAL;
	}
	region->name = rmem->name;
	region->base = rmem->base;
	region->size = rmem->size;

	ret = of_property_read_string(dev->of_node, "cache-mode", &mode);
	if (!ret) {
		ret = match_string(cma_buf_cache_names, -1, mode);
		if (ret < 0) {
			dev_err(dev, "cache-mode \"%s\": expected cached, uncached or writecombine\n",
				mode);
			return -EINVAL;
		}
		region->cache = ret;
	} else if (ret != -EINVAL) {
		dev_err(dev, "cache-mode: not a string\n");
		return ret;
	}
	ret = of_property_read_u64(dev->of_node, "max-bytes", &region->max_bytes);
	if (ret && ret != -EINVAL) {
		dev_err(dev, "max-bytes: expected a 64-bit number\n");
		return ret;
	}

	ret = of_reserved_mem_device_init(dev);
	if (ret) {
		dev_err(dev, "memory-region %s: %d\n", region->name, ret);
		return ret;
	}
#ifdef CONFIG_DMA_CMA
	region->cma = dev->cma_area;
#endif
	if (!region->cma) {
		dev_err(dev, "memory-region %s is not a reusable shared-dma-pool (CMA)\n",
			region->name);
		of_reserved_mem_device_release(dev);
		return -EINVAL;
	}
	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		of_reserved_mem_device_release(dev);
		return ret;
	}
	list_add_tail(&region->list, &cma_buf_of_regions_list);
	/* No .remove: its signature changed in 6.11; a devm action did not. */
	return devm_add_action_or_reset(dev, cma_buf_of_release, region);
}

static const struct of_device_id cma_buf_of_match[] = {
	{ .compatible = "cma-buf" },
	{ }
};
MODULE_DEVICE_TABLE(of, cma_buf_of_match);

static struct platform_driver cma_buf_of_driver = {
	.probe = cma_buf_of_probe,
	.driver = {
		/* Not KBUILD_MODNAME: that would match the module's own device by name. */
		.name = "cma_buf_of",
		.of_match_table = cma_buf_of_match,
		/* Buffers live in the region: the node stays bound until unload. */
		.suppress_bind_attrs = true,
		/* The node must be bound when module setup looks for it. */
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

/**
 * cma_buf_of_register() - bind to every "cma-buf" device-tree node
 *
 * A node that does not bind is reported and left out. If there are nodes
 * but none binds, the module does not load: buffers meant for a region
 * must not quietly come from the default area.
 *
 * Return: 0 (cma_buf_of_regions() lists the bound nodes' regions), or -errno.
 */
int cma_buf_of_register(void)
{
	struct device_node *np;
	unsigned int failed = 0;
	int ret;

	ret = platform_driver_register(&cma_buf_of_driver);
	if (ret)
		return ret;
	for_each_compatible_node(np, NULL, "cma-buf") {
		struct cma_buf_region *region;
		bool bound = false;

		if (!of_device_is_available(np))
			continue;
		list_for_each_entry(region, &cma_buf_of_regions_list, list)
			bound |= region->dev->of_node == np;
		if (!bound) {
			pr_err("%pOF did not bind (see above); its region is not used\n", np);
			failed++;
		}
	}
	if (failed && list_empty(&cma_buf_of_regions_list)) {
		pr_err("no cma-buf node bound; not loading\n");
		platform_driver_unregister(&cma_buf_of_driver);
		return -ENODEV;
	}
	return 0;
}

struct list_head *cma_buf_of_regions(void)
{
	return &cma_buf_of_regions_list;
}

void cma_buf_of_unregister(void)
{
	platform_driver_unregister(&cma_buf_of_driver);
}
