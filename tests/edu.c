// SPDX-License-Identifier: GPL-2.0
/*
 * A device DMAs into our buffers: QEMU's edu PCI device, driven from user
 * space (edu-dev.h), reads a pattern the CPU wrote at one offset of a buffer
 * and writes it back at another, at the address the module publishes.
 * Without an IOMMU that is phys_addr; a buffer bound to the device
 * (dma_device) publishes dma_addr, which behind an IOMMU is the only number
 * that works: phys_addr, past the end, after unbind or free, the IOMMU
 * refuses and the memory is untouched. The bound device going away (sysfs
 * remove, and slot power-off, a real ACPI hot-unplug) takes the mapping.
 *
 * Proof: data through the mapping in every cache mode and through /dev/mem,
 * bytes around each transfer unchanged, dma_addr against phys_addr, the
 * IOMMU's fault reports in the kernel log, errno of every refusal.
 * Without an edu device (arm64, Debian's stock legs) every test skips.
 */
#define _GNU_SOURCE
#include <sys/klog.h>
#include <linux/capability.h>

#include "cma_buf_test.h"
#include "edu-dev.h"
#include "kselftest_harness.h"

#define SIZE	(4 * CB_MIB)
#define IDX	40

static bool behind_iommu(const char *bdf)
{
	char path[160];

	snprintf(path, sizeof(path), EDU_PCI "/%s/iommu_group", bdf);
	return cb_exists(path);
}

static int buf_sync(int fd, bool for_device)
{
	struct cma_buf_sync s = {
		.direction = CMA_BUF_SYNC_BIDIRECTIONAL,
		.target = for_device ? CMA_BUF_SYNC_FOR_DEVICE : CMA_BUF_SYNC_FOR_CPU,
	};

	return ioctl(fd, CMA_BUF_IOC_SYNC, &s) ? -errno : 0;
}

static int bind(int index, const char *dev)
{
	char path[128];

	cb_attr_path(path, sizeof(path), index, "dma_device");
	return cb_write_str(path, dev);
}

/* dma_addr, or ~0 with errno set when it cannot be read. */
static unsigned long long dma_addr(int index)
{
	char b[64];
	int n = cb_attr(index, "dma_addr", b, sizeof(b));

	if (n < 0) {
		errno = -n;
		return ~0ULL;
	}
	return strtoull(b, NULL, 16);
}

/*
 * How many IOMMU fault events the kernel has handled so far. The status line
 * comes with each event; the record line after it is rate limited apart.
 */
static int dmar_faults(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	int count = 0;

	if (n < 0)
		return -1;
	log[n] = 0;
	for (char *p = log; (p = strstr(p, "DMAR: DRHD: handling fault status")); p++)
		count++;
	return count;
}

FIXTURE(edu) {
	struct edu e;
	bool iommu;
	int fd;
	uint8_t *map;
	unsigned long long phys;
};

FIXTURE_SETUP(edu)
{
	int ret;

	self->fd = -1;
	self->map = MAP_FAILED;
	ret = edu_open(&self->e);
	if (ret == -ENODEV)
		SKIP(return, "no edu device in this VM");
	ASSERT_EQ(0, ret);
	self->iommu = behind_iommu(self->e.bdf);
	ASSERT_EQ(0, cb_module_ensure_loaded());
	cb_free(IDX);
	ASSERT_EQ(0, cb_alloc_at(SIZE, IDX));
	self->phys = cb_phys(IDX);
	self->fd = cb_open(IDX, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(edu)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, SIZE);
	if (self->fd >= 0)
		close(self->fd);
	cb_free(IDX);
	edu_close(&self->e);
}

/*
 * Pattern @seed at [@from, +@len) -> device -> [@to, +@len), with the
 * bytes around the destination set to a known value first. Checks the
 * destination through the mapping and /dev/mem, and the bytes around it.
 */
static void copy_through_device(struct __test_metadata *_metadata, FIXTURE_DATA(edu) *self,
				unsigned long long bus, unsigned long from, unsigned long to,
				unsigned int len, unsigned int seed)
{
	uint8_t *check = malloc(len);
	unsigned long lo = to >= 64 ? to - 64 : 0, hi = to + len + 64 > SIZE ? SIZE : to + len + 64;

	ASSERT_NE(NULL, check);
	memset(self->map + lo, 0x5a, hi - lo);
	cb_fill(self->map + from, len, from, seed);
	ASSERT_EQ(0, buf_sync(self->fd, true));
	ASSERT_EQ(0, edu_dma(&self->e, bus + from, 0, len, false));
	ASSERT_EQ(0, edu_dma(&self->e, bus + to, 0, len, true));
	ASSERT_EQ(0, buf_sync(self->fd, false));
	/* The device wrote the pattern of [from, ...) at [to, ...). */
	for (unsigned int i = 0; i < len; i++) {
		ASSERT_EQ(cb_pattern(from + i, seed), self->map[to + i]) {
			TH_LOG("offset %lu (+%u from %lu)", to + i, i, from);
		}
	}
	ASSERT_EQ((ssize_t)len, cb_devmem_read(self->phys + to, check, len));
	ASSERT_EQ(0, memcmp(check, self->map + to, len));
	for (unsigned long i = lo; i < to; i++) {
		ASSERT_EQ(0x5a, self->map[i]);
	}
	for (unsigned long i = to + len; i < hi; i++) {
		ASSERT_EQ(0x5a, self->map[i]);
	}
	free(check);
}

/*
 * Offsets across the buffer: start, unaligned, across a 2 MiB boundary, the
 * end; each destination 64 bytes or more away from its source.
 */
static const struct { unsigned long from, to; unsigned int len; } xfers[] = {
	{ 0, 8192, EDU_XFER_MAX },
	{ 12345, 5 * CB_PAGE + 17, 1000 },
	{ 2 * CB_MIB - 2048, 2 * CB_MIB + 8192 - 2048, EDU_XFER_MAX },
	{ SIZE - EDU_XFER_MAX, SIZE - 3 * 4096, EDU_XFER_MAX },
	{ 100, SIZE - 1, 1 },
};

TEST_F(edu, dma_at_phys_addr_every_mode)
{
	if (self->iommu)
		SKIP(return, "behind an IOMMU phys_addr is not the device's address");
	for (unsigned int m = 0; m < CB_NR_CACHE_MODES; m++) {
		self->map = cb_map_in_mode(IDX, self->fd, cb_cache_modes[m].mode, SIZE);
		ASSERT_NE(MAP_FAILED, self->map);
		for (unsigned int i = 0; i < sizeof(xfers) / sizeof(xfers[0]); i++)
			copy_through_device(_metadata, self, self->phys, xfers[i].from, xfers[i].to,
					    xfers[i].len, m * 16 + i);
		munmap(self->map, SIZE);
		self->map = MAP_FAILED;
	}
}

TEST_F(edu, bound_dma_addr_every_mode)
{
	unsigned long long addr;
	char b[64];

	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	ASSERT_LT(0, cb_attr(IDX, "dma_device", b, sizeof(b)));
	b[strcspn(b, "\n")] = 0;
	ASSERT_STREQ(self->e.bdf, b);
	addr = dma_addr(IDX);
	ASSERT_NE(~0ULL, addr);
	if (self->iommu) {
		ASSERT_NE(self->phys, addr);	/* an IOVA */
	} else {
		ASSERT_EQ(self->phys, addr);	/* dma-direct, no offset on x86 */
	}
	/* Binding again to the same device is no change. */
	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	ASSERT_EQ(addr, dma_addr(IDX));
	for (unsigned int m = 0; m < CB_NR_CACHE_MODES; m++) {
		self->map = cb_map_in_mode(IDX, self->fd, cb_cache_modes[m].mode, SIZE);
		ASSERT_NE(MAP_FAILED, self->map);
		for (unsigned int i = 0; i < sizeof(xfers) / sizeof(xfers[0]); i++)
			copy_through_device(_metadata, self, addr, xfers[i].from, xfers[i].to,
					    xfers[i].len, 100 + m * 16 + i);
		munmap(self->map, SIZE);
		self->map = MAP_FAILED;
	}
	ASSERT_EQ(0, bind(IDX, "\n"));
	ASSERT_EQ(~0ULL, dma_addr(IDX));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(1, cb_attr(IDX, "dma_device", b, sizeof(b)));
	ASSERT_STREQ("\n", b);
}

/*
 * Behind the IOMMU, a transfer to an address the device was not given is
 * refused: nothing lands in the buffer, and the IOMMU reports the fault.
 */
static void refused(struct __test_metadata *_metadata, FIXTURE_DATA(edu) *self,
		    unsigned long long bus, unsigned long check_at)
{
	int faults = dmar_faults();

	memset(self->map, 0x33, SIZE);
	ASSERT_EQ(0, edu_dma(&self->e, bus, 0, EDU_XFER_MAX, true));
	for (unsigned long i = check_at; i < check_at + EDU_XFER_MAX; i++) {
		ASSERT_EQ(0x33, self->map[i]);
	}
	ASSERT_LT(faults, dmar_faults());
}

TEST_F(edu, iommu_refuses_what_was_not_mapped)
{
	unsigned long long addr;

	if (!self->iommu)
		SKIP(return, "no IOMMU: the device reaches all memory");
	self->map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	addr = dma_addr(IDX);
	/* Load the device's buffer with a pattern, through the mapping. */
	cb_fill(self->map, EDU_XFER_MAX, 0, 7);
	ASSERT_EQ(0, edu_dma(&self->e, addr, 0, EDU_XFER_MAX, false));
	/* phys_addr, the most common mistake: refused. */
	refused(_metadata, self, self->phys, 0);
	/* Just past the end of the mapping (the last page stays ours). */
	refused(_metadata, self, addr + SIZE, SIZE - EDU_XFER_MAX);
	/* The right address works. */
	memset(self->map, 0, 8192);
	ASSERT_EQ(0, edu_dma(&self->e, addr + 4096, 0, EDU_XFER_MAX, true));
	ASSERT_EQ(-1, cb_check(self->map + 4096, EDU_XFER_MAX, 0, 7));
	/* After unbind the old address is refused too. */
	ASSERT_EQ(0, bind(IDX, "\n"));
	refused(_metadata, self, addr, 0);
}

TEST_F(edu, free_while_bound_unmaps)
{
	unsigned long long addr;

	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	addr = dma_addr(IDX);
	self->map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, cb_free(IDX));
	ASSERT_FALSE(cb_buf_exists(IDX));
	/* The memory stays while mapped; the device's way to it does not. */
	if (self->iommu)
		refused(_metadata, self, addr, 0);
	self->map[0] = 1;
	ASSERT_EQ(1, self->map[0]);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d);
}

/* Any PCI device but @bdf. */
static int other_device(const char *bdf, char *out, size_t len)
{
	DIR *d = opendir(EDU_PCI);
	struct dirent *e;
	int ret = -ENODEV;

	if (!d)
		return -errno;
	while (ret && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, bdf)) {
			snprintf(out, len, "%s", e->d_name);
			ret = 0;
		}
	closedir(d);
	return ret;
}

TEST_F(edu, bind_refusals)
{
	char other[32] = "", longname[200];
	char path[128];
	pid_t pid;
	int st;

	ASSERT_EQ(-ENODEV, bind(IDX, "0000:00:1f.7"));
	ASSERT_EQ(-ENODEV, bind(IDX, "nosuchdevice\n"));
	ASSERT_EQ(-EINVAL, bind(IDX, "0000:00:04.0 extra"));
	ASSERT_EQ(-EINVAL, bind(IDX, "../0000:00:04.0"));
	ASSERT_EQ(-EINVAL, bind(IDX, "\n\n"));
	ASSERT_EQ(-EINVAL, bind(IDX, "\t"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ASSERT_EQ(-EINVAL, bind(IDX, longname));
	ASSERT_EQ(~0ULL, dma_addr(IDX));
	ASSERT_EQ(ENODEV, errno);

	/* Bound to one device, another is refused until unbind. */
	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	ASSERT_EQ(0, other_device(self->e.bdf, other, sizeof(other)));
	ASSERT_EQ(-EBUSY, bind(IDX, other));
	ASSERT_EQ(0, bind(IDX, "\n"));

	/* Root only: by file mode, and by capability for uid 0 without it. */
	cb_attr_path(path, sizeof(path), IDX, "dma_device");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(cb_write_str(path, self->e.bdf) == -EACCES &&
		      dma_addr(IDX) == ~0ULL && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_cap_sys_admin())
			_exit(2);
		_exit(cb_write_str(path, self->e.bdf) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(~0ULL, dma_addr(IDX));
}

/* Wait up to 5 s for @path to (dis)appear. */
static bool wait_exists(const char *path, bool want)
{
	for (int i = 0; i < 500; i++) {
		if (cb_exists(path) == want)
			return true;
		usleep(10000);
	}
	return false;
}

static void bound_device_leaves(struct __test_metadata *_metadata, FIXTURE_DATA(edu) *self,
				const char *how, const char *path, const char *val)
{
	char dev[160], b[64];

	snprintf(dev, sizeof(dev), EDU_PCI "/%s", self->e.bdf);
	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	ASSERT_NE(~0ULL, dma_addr(IDX));
	edu_close(&self->e);
	TH_LOG("%s: %s", how, path);
	ASSERT_EQ(0, cb_write_str(path, val));
	ASSERT_TRUE(wait_exists(dev, false));
	/* The buffer lives on, unbound. */
	ASSERT_EQ(~0ULL, dma_addr(IDX));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(1, cb_attr(IDX, "dma_device", b, sizeof(b)));
	ASSERT_EQ(-ENODEV, bind(IDX, self->e.bdf));
	ASSERT_EQ(0, cb_free(IDX));
}

/* Software removal: the device comes back with a rescan and works. */
TEST_F(edu, sysfs_remove_of_bound_device)
{
	char path[160], dev[160];

	snprintf(path, sizeof(path), EDU_PCI "/%s/remove", self->e.bdf);
	snprintf(dev, sizeof(dev), EDU_PCI "/%s", self->e.bdf);
	bound_device_leaves(_metadata, self, "remove", path, "1");
	ASSERT_EQ(0, cb_write_str("/sys/bus/pci/rescan", "1"));
	ASSERT_TRUE(wait_exists(dev, true));
	ASSERT_EQ(0, edu_open(&self->e));
	ASSERT_EQ(0, cb_alloc_at(SIZE, IDX));
	ASSERT_EQ(0, bind(IDX, self->e.bdf));
	close(self->fd);
	self->fd = cb_open(IDX, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->phys = cb_phys(IDX);
	copy_through_device(_metadata, self, dma_addr(IDX), 0, 8192, EDU_XFER_MAX, 3);
}

/*
 * A real unplug: power the slot off, ACPI ejects the device and QEMU
 * deletes it. It does not come back, so this runs last, and only where
 * the leg asks for it (CMA_BUF_EDU_UNPLUG=1: a boot with one pass).
 */
TEST_F(edu, slot_power_off_of_bound_device)
{
	char path[160];
	DIR *d;
	struct dirent *e;
	bool found = false;

	if (!getenv("CMA_BUF_EDU_UNPLUG"))
		SKIP(return, "the leg keeps its device (CMA_BUF_EDU_UNPLUG unset)");
	d = opendir("/sys/bus/pci/slots");
	ASSERT_NE(NULL, d);
	while (!found && (e = readdir(d))) {
		char addr[64] = "";

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/address", e->d_name);
		if (cb_read(path, addr, sizeof(addr)) <= 0)
			continue;
		addr[strcspn(addr, "\n")] = 0;
		/* A slot's address is the device's without the function. */
		if (!strncmp(self->e.bdf, addr, strlen(addr)) && self->e.bdf[strlen(addr)] == '.') {
			snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/power", e->d_name);
			found = true;
		}
	}
	closedir(d);
	ASSERT_TRUE(found);
	bound_device_leaves(_metadata, self, "slot power off", path, "0");
}

TEST_HARNESS_MAIN
