// SPDX-License-Identifier: GPL-2.0
/*
 * CMA areas by name and by NUMA node: every area /sys/class/cma_buf/areas
 * lists gives buffers with area=NAME, whose origin is that name, whose
 * physical address lies in the area (where its range is known) and on its
 * node, and whose pages show in the area's CMA accounting; node=N gives a
 * buffer on node N, proven by the memory block its address falls in.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define AR_MAX		32
#define AR_SIZE		CB_MIB

struct ar_area {
	char name[64];
	unsigned long long base, size;	/* size 0: unknown */
	int node;			/* -1: unknown */
	unsigned long long held;
};

/* Parse the areas file strictly; how many, or -1 on a malformed line. */
static int ar_list(struct ar_area *a, int max)
{
	char buf[8192], *line, *save = NULL;
	int n = 0;

	if (cb_read(CB_CLASS "/areas", buf, sizeof(buf)) <= 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char base[32], size[32], node[16], extra[8];

		if (n == max)
			return -1;
		if (sscanf(line, "%63s %31s %31s %15s %llu %7s", a[n].name, base, size, node,
			   &a[n].held, extra) != 5)
			return -1;
		if (!strcmp(base, "-") != !strcmp(size, "-"))
			return -1;
		a[n].base = strcmp(base, "-") ? strtoull(base, NULL, 0) : 0;
		a[n].size = strcmp(size, "-") ? strtoull(size, NULL, 0) : 0;
		a[n].node = strcmp(node, "-") ? atoi(node) : -1;
		n++;
	}
	return n;
}

static int ar_attr(int index, const char *attr, char *buf, size_t len)
{
	int n = cb_attr(index, attr, buf, len);

	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* The node whose memory block holds @phys, from sysfs; -1 if none says. */
static int ar_node_of(unsigned long long phys)
{
	char buf[64], path[128];
	unsigned long long block;
	int nid;

	if (cb_read("/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf)) <= 0)
		return -1;
	block = strtoull(buf, NULL, 16);
	for (nid = 0; nid < 64; nid++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/memory%llu", nid,
			 phys / block);
		if (cb_exists(path))
			return nid;
	}
	return -1;
}

FIXTURE(areas) {
	struct ar_area a[AR_MAX];
	int n;
};

FIXTURE_SETUP(areas)
{
	ASSERT_EQ(0, cb_module_ensure_loaded());
	cb_free_all();
	self->n = ar_list(self->a, AR_MAX);
	ASSERT_LT(0, self->n) TH_LOG("areas missing, empty or malformed");
}

FIXTURE_TEARDOWN(areas)
{
	cb_free_all();
}

TEST_F(areas, listed_once_each_nothing_held)
{
	int i, j;

	for (i = 0; i < self->n; i++) {
		TH_LOG("area %s base %#llx size %llu node %d", self->a[i].name, self->a[i].base,
		       self->a[i].size, self->a[i].node);
		EXPECT_EQ(0, self->a[i].held);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(self->a[i].name, self->a[j].name);
	}
}

TEST_F(areas, default_is_the_first)
{
	char origin[64];

	ASSERT_EQ(0, cb_alloc("1M 0"));
	ASSERT_LT(0, ar_attr(0, "origin", origin, sizeof(origin)));
	EXPECT_STREQ(self->a[0].name, origin);
}

/* Each area by name: origin, range, node, held bytes, its CMA use. */
TEST_F(areas, each_by_name)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct ar_area *a = &self->a[i], now[AR_MAX];
		unsigned long long phys;
		char spec[128], origin[64], node[16], cma[64];
		long used0;
		int ret, nid;

		/* nodeN is the DMA API on node N: the kernel's own area there is numaN. */
		snprintf(cma, sizeof(cma), "%s", a->name);
		if (sscanf(a->name, "node%d", &nid) == 1)
			snprintf(cma, sizeof(cma), "numa%d", nid);
		used0 = cb_debugfs_used(cma);

		snprintf(spec, sizeof(spec), "%lu 0 area=%s", AR_SIZE, a->name);
		ret = cb_alloc(spec);
		ASSERT_EQ(0, ret) TH_LOG("area=%s: %s", a->name, strerror(-ret));
		ASSERT_LT(0, ar_attr(0, "origin", origin, sizeof(origin)));
		EXPECT_STREQ(a->name, origin);
		phys = cb_phys(0);
		if (a->size) {
			EXPECT_LE(a->base, phys);
			EXPECT_GE(a->base + a->size, phys + AR_SIZE);
		}
		ASSERT_LT(0, ar_attr(0, "node", node, sizeof(node)));
		if (a->node >= 0)
			EXPECT_EQ(a->node, atoi(node));
		if (ar_node_of(phys) >= 0)
			EXPECT_EQ(ar_node_of(phys), atoi(node));
		ASSERT_EQ(self->n, ar_list(now, AR_MAX));
		EXPECT_EQ(AR_SIZE, now[i].held) TH_LOG("area %s", a->name);
		if (used0 >= 0)
			EXPECT_EQ(used0 + (long)(AR_SIZE / CB_PAGE), cb_debugfs_used(cma))
				TH_LOG("area %s: CMA area %s's use did not grow", a->name, cma);
		ASSERT_EQ(0, cb_free(0));
		ASSERT_EQ(self->n, ar_list(now, AR_MAX));
		EXPECT_EQ(0, now[i].held);
		if (used0 >= 0)
			EXPECT_EQ(used0, cb_debugfs_used(cma));
	}
}

/* node=N for every node an area is on: the buffer's pages are on N. */
TEST_F(areas, each_node)
{
	int i, tried = 0;

	for (i = 0; i < self->n; i++) {
		char spec[64], node[16];
		int ret, j, first = i;

		if (self->a[i].node < 0)
			continue;
		for (j = 0; j < i; j++)
			if (self->a[j].node == self->a[i].node)
				first = j;
		if (first != i)
			continue;
		snprintf(spec, sizeof(spec), "%lu 0 node=%d", AR_SIZE, self->a[i].node);
		ret = cb_alloc(spec);
		ASSERT_EQ(0, ret) TH_LOG("node=%d: %s", self->a[i].node, strerror(-ret));
		ASSERT_LT(0, ar_attr(0, "node", node, sizeof(node)));
		EXPECT_EQ(self->a[i].node, atoi(node));
		if (ar_node_of(cb_phys(0)) >= 0)
			EXPECT_EQ(self->a[i].node, ar_node_of(cb_phys(0)))
				TH_LOG("phys %#llx is not in node %d's memory", cb_phys(0),
				       self->a[i].node);
		TH_LOG("node=%d: phys %#llx", self->a[i].node, cb_phys(0));
		ASSERT_EQ(0, cb_free(0));
		tried++;
	}
	if (!tried)
		SKIP(return, "no area with a known node");
}

/* A node the kernel has (possible) but no area is on: ENOENT, nothing left. */
TEST_F(areas, node_without_area)
{
	char buf[64], spec[64];
	int nid, last = 0, i;

	if (cb_read("/sys/devices/system/node/possible", buf, sizeof(buf)) <= 0)
		SKIP(return, "no NUMA in this kernel");
	sscanf(buf, "%*d-%d", &last);
	for (nid = 0; nid <= last; nid++) {
		for (i = 0; i < self->n && self->a[i].node != nid; i++)
			;
		if (i == self->n)
			break;
	}
	if (nid > last)
		SKIP(return, "every possible node has an area");
	snprintf(spec, sizeof(spec), "1M node=%d", nid);
	EXPECT_EQ(-ENOENT, cb_alloc(spec));
	EXPECT_EQ(0, cb_count());
}

/* With two nodes or more (the NUMA leg): each has an area, each area works. */
TEST(numa_every_node_has_an_area)
{
	struct ar_area a[AR_MAX];
	int n, nid, i, nodes[64], nr = 0;
	char path[64];

	ASSERT_EQ(0, cb_module_ensure_loaded());
	n = ar_list(a, AR_MAX);
	ASSERT_LT(0, n);
	for (nid = 0; nid < 64; nid++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", nid);
		if (cb_exists(path))
			nodes[nr++] = nid;
	}
	if (nr < 2)
		SKIP(return, "one NUMA node");
	for (nid = 0; nid < nr; nid++) {
		for (i = 0; i < n && a[i].node != nodes[nid]; i++)
			;
		EXPECT_GT(n, i) TH_LOG("node %d has no area", nodes[nid]);
	}
}

TEST_HARNESS_MAIN
