// SPDX-License-Identifier: GPL-2.0
/*
 * cma_probe: a measuring aid for make bench, never shipped. At load it times,
 * on the default CMA area, the parts cma_buf's alloc and free are made of:
 * cma_alloc(), zeroing (memset in 2 MiB strides as cma_buf does, memset64,
 * and clear_page() per page) and cma_release(), for a few sizes, prints one
 * "P,..." line per measurement and refuses to stay loaded. It also times
 * what every buffer costs beyond its pages, whatever its size: a class
 * device with a char device number.
 */
#define pr_fmt(fmt) "cma_probe: " fmt

#include <linux/cma.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#define PROBE_REPS	7

static int cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

static void probe_report(const char *what, unsigned long bytes, s64 *v)
{
	sort(v, PROBE_REPS, sizeof(*v), cmp_s64, NULL);
	pr_info("P,%s,%lu,%d,%lld,%lld,%lld\n", what, bytes, PROBE_REPS,
		v[PROBE_REPS / 2], v[0], v[PROBE_REPS - 1]);
}

static void zero_memset(struct page *pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i += SZ_2M >> PAGE_SHIFT) {
		unsigned long chunk = min(n - i, SZ_2M >> PAGE_SHIFT);

		memset(page_address(pfn_to_page(page_to_pfn(pages) + i)), 0, chunk << PAGE_SHIFT);
		cond_resched();
	}
}

/* memset64() is "rep stosq" on x86-64, whatever memset() is patched to. */
static void zero_memset64(struct page *pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i += SZ_2M >> PAGE_SHIFT) {
		unsigned long chunk = min(n - i, SZ_2M >> PAGE_SHIFT);

		memset64(page_address(pfn_to_page(page_to_pfn(pages) + i)), 0, (chunk << PAGE_SHIFT) / 8);
		cond_resched();
	}
}

static void zero_clear_page(struct page *pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		clear_page(page_address(pfn_to_page(page_to_pfn(pages) + i)));
}

static int probe_size(struct cma *cma, unsigned long bytes)
{
	s64 a[PROBE_REPS], m[PROBE_REPS], c[PROBE_REPS], r[PROBE_REPS];
	s64 a2[PROBE_REPS], q[PROBE_REPS];
	unsigned long n = bytes >> PAGE_SHIFT;
	struct page *pages;
	ktime_t t0;
	int i;

	for (i = 0; i < PROBE_REPS; i++) {
		t0 = ktime_get();
		pages = cma_alloc(cma, n, 0, true);
		a[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		if (!pages)
			return -ENOMEM;
		t0 = ktime_get();
		zero_memset(pages, n);
		m[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		t0 = ktime_get();
		zero_clear_page(pages, n);
		c[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		t0 = ktime_get();
		zero_memset64(pages, n);
		q[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		t0 = ktime_get();
		cma_release(cma, pages, n);
		r[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		/* Again at once: the pages just went back through the free path. */
		t0 = ktime_get();
		pages = cma_alloc(cma, n, 0, true);
		a2[i] = ktime_to_ns(ktime_sub(ktime_get(), t0));
		if (!pages)
			return -ENOMEM;
		cma_release(cma, pages, n);
	}
	probe_report("cma_alloc", bytes, a);
	probe_report("cma_alloc_again", bytes, a2);
	probe_report("memset_2m_strides", bytes, m);
	probe_report("clear_page_loop", bytes, c);
	probe_report("memset64_2m_strides", bytes, q);
	probe_report("cma_release", bytes, r);
	return 0;
}

/*
 * A class device with a device number: its sysfs folder, its uevent and
 * the devtmpfs node device_add() waits for. One without a number (no
 * node) beside it splits off the node's part.
 */
static struct class probe_class = { .name = "cma_probe" };

static s64 probe_elapsed(ktime_t t0)
{
	return ktime_to_ns(ktime_sub(ktime_get(), t0));
}

static int probe_devices(void)
{
	s64 cn[PROBE_REPS], dn[PROBE_REPS], c0[PROBE_REPS], d0[PROBE_REPS];
	struct device *dev;
	dev_t devt;
	ktime_t t0;
	int i, ret;

	ret = class_register(&probe_class);
	if (ret)
		return ret;
	ret = alloc_chrdev_region(&devt, 0, 1, "cma_probe");
	if (ret)
		goto out_class;
	for (i = 0; i < PROBE_REPS; i++) {
		t0 = ktime_get();
		dev = device_create(&probe_class, NULL, devt, NULL, "cma_probe%d", i);
		cn[i] = probe_elapsed(t0);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto out_region;
		}
		t0 = ktime_get();
		device_destroy(&probe_class, devt);
		dn[i] = probe_elapsed(t0);
		t0 = ktime_get();
		dev = device_create(&probe_class, NULL, 0, NULL, "cma_probe_nonode%d", i);
		c0[i] = probe_elapsed(t0);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto out_region;
		}
		t0 = ktime_get();
		device_unregister(dev);
		d0[i] = probe_elapsed(t0);
	}
	probe_report("device_create_node", 0, cn);
	probe_report("device_destroy_node", 0, dn);
	probe_report("device_create_nonode", 0, c0);
	probe_report("device_destroy_nonode", 0, d0);
out_region:
	unregister_chrdev_region(devt, 1);
out_class:
	class_unregister(&probe_class);
	return ret;
}

static int __init cma_probe_init(void)
{
	static const unsigned long sizes[] = { SZ_4K, SZ_1M, SZ_4M, SZ_16M, SZ_64M };
	struct cma *cma = dev_get_cma_area(NULL);
	int i, ret;

	if (!cma)
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ret = probe_size(cma, sizes[i]);
		if (ret)
			return ret;
	}
	ret = probe_devices();
	if (ret)
		return ret;
	/* Measured; nothing to keep loaded. */
	return -EAGAIN;
}
module_init(cma_probe_init);

MODULE_DESCRIPTION("cma_buf bench: time cma_alloc, zeroing and cma_release in the guest");
MODULE_LICENSE("GPL");
