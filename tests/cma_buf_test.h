/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-VM tests: sysfs access that returns -errno,
 * buffer bookkeeping, CMA accounting from debugfs and physical reads
 * through /dev/mem.
 */
#ifndef CMA_BUF_TEST_H
#define CMA_BUF_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/cma_buf.h>

#define CB_CLASS	"/sys/class/cma_buf"
#define CB_CMA_DEBUGFS	"/sys/kernel/debug/cma"
#define CB_PAGE		4096UL
#define CB_MIB		(1024UL * 1024)

/* One write() of @s; 0 or -errno. */
static inline int cb_write(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)len ? 0 : -EIO;
}

static inline int cb_write_str(const char *path, const char *s)
{
	return cb_write(path, s, strlen(s));
}

/* Read a small file into @buf (NUL-terminated); length or -errno. */
static inline int cb_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = 0;
	return n;
}

static inline int cb_alloc(const char *spec)
{
	return cb_write_str(CB_CLASS "/alloc", spec);
}

/* Allocate @size bytes as cma_buf<@index>; 0 or -errno. */
static inline int cb_alloc_at(unsigned long size, int index)
{
	char s[64];

	snprintf(s, sizeof(s), "%lu %d\n", size, index);
	return cb_alloc(s);
}

static inline int cb_free(int index)
{
	char s[32];

	snprintf(s, sizeof(s), "%d\n", index);
	return cb_write_str(CB_CLASS "/free", s);
}

static inline void cb_attr_path(char *path, size_t len, int index, const char *attr)
{
	snprintf(path, len, CB_CLASS "/cma_buf%d/%s", index, attr);
}

static inline int cb_attr(int index, const char *attr, char *buf, size_t len)
{
	char path[128];

	cb_attr_path(path, sizeof(path), index, attr);
	return cb_read(path, buf, len);
}

/* An attribute parsed as a number (0x allowed); ULLONG_MAX when absent. */
static inline unsigned long long cb_attr_ull(int index, const char *attr)
{
	char buf[64];

	if (cb_attr(index, attr, buf, sizeof(buf)) < 0)
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

static inline unsigned long long cb_phys(int index)
{
	return cb_attr_ull(index, "phys_addr");
}

static inline unsigned long long cb_size(int index)
{
	return cb_attr_ull(index, "size");
}

static inline bool cb_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static inline bool cb_buf_exists(int index)
{
	char path[128];

	snprintf(path, sizeof(path), CB_CLASS "/cma_buf%d", index);
	return cb_exists(path);
}

static inline bool cb_node_exists(int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cma_buf%d", index);
	return cb_exists(path);
}

static inline int cb_open(int index, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cma_buf%d", index);
	return open(path, flags);
}

/* How many cma_bufN entries the class shows. */
static inline int cb_count(void)
{
	DIR *d = opendir(CB_CLASS);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "cma_buf", 7))
			n++;
	closedir(d);
	return n;
}

/* Free every buffer the class shows; returns how many. */
static inline int cb_free_all(void)
{
	DIR *d = opendir(CB_CLASS);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "cma_buf", 7) && !cb_free(atoi(e->d_name + 7)))
			n++;
	closedir(d);
	return n;
}

static inline long cb_debugfs_ul(const char *area, const char *file)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), CB_CMA_DEBUGFS "/%s/%s", area, file);
	if (cb_read(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 0);
}

/*
 * Pages in use in all CMA areas: from debugfs (CONFIG_CMA_DEBUGFS, the test
 * kernels), else from /sys/kernel/mm/cma/<area>/{total,available}_pages
 * (CONFIG_CMA_SYSFS, as distribution kernels have it); -1 where neither shows
 * CMA.
 */
#define CB_CMA_SYSFS	"/sys/kernel/mm/cma"

static inline long cb_cma_sum(const char *dir, long (*used_of)(const char *area))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long sum = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		long used;

		if (e->d_name[0] == '.')
			continue;
		used = used_of(e->d_name);
		if (used >= 0)
			sum = (sum < 0 ? 0 : sum) + used;
	}
	closedir(d);
	return sum;
}

static inline long cb_debugfs_used(const char *area)
{
	return cb_debugfs_ul(area, "used");
}

static inline long cb_sysfs_used(const char *area)
{
	char path[256], buf[64];
	long total, avail;

	snprintf(path, sizeof(path), CB_CMA_SYSFS "/%s/total_pages", area);
	if (cb_read(path, buf, sizeof(buf)) < 0)
		return -1;
	total = strtol(buf, NULL, 0);
	snprintf(path, sizeof(path), CB_CMA_SYSFS "/%s/available_pages", area);
	if (cb_read(path, buf, sizeof(buf)) < 0)
		return -1;
	avail = strtol(buf, NULL, 0);
	return total - avail;
}

static inline long cb_cma_used(void)
{
	long used = cb_cma_sum(CB_CMA_DEBUGFS, cb_debugfs_used);

	return used >= 0 ? used : cb_cma_sum(CB_CMA_SYSFS, cb_sysfs_used);
}

/* Whether debugfs shows the CMA areas' bounds and bitmaps. */
static inline bool cb_have_cma_debugfs(void)
{
	return access(CB_CMA_DEBUGFS, R_OK) == 0;
}

/*
 * The CMA area holding [phys, phys + size) whole, copied into @area, or
 * false. With @all_used, also require every page of the range to be marked
 * in the area's bitmap (debugfs shows it as u32 words, bit 0 first).
 */
static inline bool cb_in_cma_area(unsigned long long phys, unsigned long long size,
				  bool all_used, char *area, size_t area_len)
{
	DIR *d = opendir(CB_CMA_DEBUGFS);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		unsigned long long first = phys / CB_PAGE, n = size / CB_PAGE;
		long base, count, order;

		if (e->d_name[0] == '.')
			continue;
		base = cb_debugfs_ul(e->d_name, "base_pfn");
		count = cb_debugfs_ul(e->d_name, "count");
		order = cb_debugfs_ul(e->d_name, "order_per_bit");
		if (base < 0 || count < 0 || first < (unsigned long long)base ||
		    first + n > (unsigned long long)(base + count))
			continue;
		found = true;
		if (all_used) {
			char path[256];
			FILE *f;
			unsigned long long bit = 0, want_lo = (first - base) >> order;
			unsigned long long want_hi = (first - base + n - 1) >> order;
			unsigned int word;

			snprintf(path, sizeof(path), CB_CMA_DEBUGFS "/%s/bitmap", e->d_name);
			f = fopen(path, "r");
			if (!f)
				return false;
			while (found && fscanf(f, "%u", &word) == 1) {
				for (int b = 0; b < 32; b++, bit++)
					if (bit >= want_lo && bit <= want_hi && !(word & (1U << b)))
						found = false;
			}
			if (bit <= want_hi)
				found = false;
			fclose(f);
		}
		if (found && area)
			snprintf(area, area_len, "%s", e->d_name);
	}
	closedir(d);
	return found;
}

/*
 * x86: the memory type the kernel's linear map gives the buffer's pages, from
 * the page table dump: "cached" (no PCD, PWT or PAT bit), "uncached" (PCD:
 * UC-), "writecombine" (PWT: the kernel's PAT puts WC there), "mixed", or
 * NULL where there is no dump to read.
 */
#define CB_PTDUMP_KERNEL	"/sys/kernel/debug/page_tables/kernel"

static inline const char *cb_linear_map_mode(unsigned long long phys, unsigned long long size)
{
	unsigned long long base = 0, start, end;
	const char *mode = NULL;
	bool low = false;
	char line[256];
	FILE *f = fopen(CB_PTDUMP_KERNEL, "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		const char *m;

		if (line[0] == '-') {
			if (low)
				break;
			low = strstr(line, "Low Kernel Mapping");
			continue;
		}
		if (!low || sscanf(line, "%llx-%llx", &start, &end) != 2)
			continue;
		if (!base)
			base = start;	/* the linear map starts at physical 0 */
		if (end <= base + phys || start >= base + phys + size)
			continue;
		if (strstr(line, " PCD ") && !strstr(line, " PWT "))
			m = "uncached";
		else if (strstr(line, " PWT ") && !strstr(line, " PCD "))
			m = "writecombine";
		else if (!strstr(line, " PCD ") && !strstr(line, " PWT ") && !strstr(line, " PAT "))
			m = "cached";
		else
			m = "other";
		mode = !mode || !strcmp(mode, m) ? m : "mixed";
	}
	fclose(f);
	return mode;
}

/* Without page table isolation, current_kernel holds the user half too. */
#define CB_PTDUMP	(cb_exists(CB_PTDUMP_USER) ? CB_PTDUMP_USER : CB_PTDUMP_ALL)
#define CB_PTDUMP_USER	"/sys/kernel/debug/page_tables/current_user"
#define CB_PTDUMP_ALL	"/sys/kernel/debug/page_tables/current_kernel"

/*
 * The cache bits of the page table entries mapping @addr in this process,
 * from the x86 page table dump: "PWT", "PCD", both, or "" for write-back.
 * Returns false where the dump is not available.
 */
static inline bool cb_pte_cache_bits(void *addr, char *out, size_t len)
{
	unsigned long a = (unsigned long)addr;
	char line[512];
	bool found = false;
	FILE *f = fopen(CB_PTDUMP, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "0x%lx-0x%lx", &lo, &hi) != 2 || a < lo || a >= hi)
			continue;
		snprintf(out, len, "%s%s%s", strstr(line, " PWT") ? "PWT" : "",
			 strstr(line, " PWT") && strstr(line, " PCD") ? " " : "",
			 strstr(line, " PCD") ? "PCD" : "");
		found = true;
	}
	fclose(f);
	return found;
}

/* Each cache mode and the x86 entry bits it gives ("" for write-back). */
static const struct { const char *mode, *bits; } cb_cache_modes[] = {
	{ "uncached", "PCD" }, { "writecombine", "PWT" }, { "cached", "" },
};
#define CB_NR_CACHE_MODES	(sizeof(cb_cache_modes) / sizeof(cb_cache_modes[0]))

/* Set cma_buf<@index>'s cache mode, then map @len of it shared from @fd. */
static inline void *cb_map_in_mode(int index, int fd, const char *mode, size_t len)
{
	char path[128];

	cb_attr_path(path, sizeof(path), index, "cache");
	if (cb_write_str(path, mode))
		return MAP_FAILED;
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/* Read physical memory; bytes read or -errno (EPERM where /dev/mem is strict). */
static inline ssize_t cb_devmem_read(unsigned long long phys, void *buf, size_t len)
{
	int fd = open("/dev/mem", O_RDONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, phys);
	err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

/* Byte @i of the test pattern for buffer @seed. */
static inline uint8_t cb_pattern(unsigned long i, unsigned int seed)
{
	uint32_t x = (uint32_t)i * 2654435761u + seed * 40503u;

	return (uint8_t)(x >> 13) ^ (uint8_t)(i >> 12);
}

static inline void cb_fill(uint8_t *p, size_t len, unsigned long start, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = cb_pattern(start + i, seed);
}

/* Index of the first byte that differs from the pattern, or -1. */
static inline long cb_check(const uint8_t *p, size_t len, unsigned long start, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != cb_pattern(start + i, seed))
			return (long)i;
	return -1;
}

static inline bool cb_all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* The backend this run expects the module to use ("cma" or "dma"). */
static inline const char *cb_expected_backend(void)
{
	const char *p = getenv("CMA_BUF_MODPARAMS");

	if (p && strstr(p, "backend=dma"))
		return "dma";
	if (p && strstr(p, "backend=cma"))
		return "cma";
	p = getenv("CMA_BUF_KERNEL");
	return p && !strcmp(p, "stock") ? "dma" : "cma";
}

/* Module parameters under /sys/module/cma_buf/parameters. */
#define CB_PARAMS	"/sys/module/cma_buf/parameters"
#define CB_MODNAME	"cma_buf"

static inline int cb_param_write(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), CB_PARAMS "/%s", name);
	return cb_write_str(path, val);
}

/* A parameter as a number, or ULLONG_MAX when unreadable. */
static inline unsigned long long cb_param_ull(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), CB_PARAMS "/%s", name);
	if (cb_read(path, buf, sizeof(buf)) < 0)
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

static inline bool cb_module_loaded(void)
{
	return cb_exists("/sys/module/" CB_MODNAME) && cb_exists(CB_CLASS);
}

/* delete_module(2); 0 or -errno. */
static inline int cb_module_unload(unsigned int flags)
{
	return syscall(SYS_delete_module, CB_MODNAME, flags) ? -errno : 0;
}

/*
 * finit_module(2) of $CMA_BUF_MODULE, the module the VM started with, with
 * @params; 0, -EEXIST if already loaded, or -errno.
 */
static inline int cb_module_load_params(const char *params)
{
	const char *ko = getenv("CMA_BUF_MODULE");
	int fd, ret = 0;

	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* The module with $CMA_BUF_MODPARAMS, the parameters the VM started with. */
static inline int cb_module_load(void)
{
	return cb_module_load_params(getenv("CMA_BUF_MODPARAMS"));
}

/* Load the module if it is not loaded; 0 when it is loaded afterwards. */
static inline int cb_module_ensure_loaded(void)
{
	int ret;

	if (cb_module_loaded())
		return 0;
	ret = cb_module_load();
	return ret == -EEXIST ? 0 : ret;
}

/*
 * The VmFlags line of the mapping that starts at @addr in /proc/self/smaps,
 * copied into @flags (" sh dd ... " with a blank on each side); false if
 * there is no such mapping.
 */
static inline bool cb_vmflags(const void *addr, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char dash;

		if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(flags, len, "%s ", line + 8);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static inline bool cb_has_vmflag(const char *flags, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s ", flag);
	return strstr(flags, want) != NULL;
}

/* A dma-buf of [offset, offset + size) of the buffer open on @fd, or -errno. */
static inline int cb_export(int fd, uint64_t offset, uint64_t size, uint32_t flags)
{
	struct cma_buf_export req = { .offset = offset, .size = size, .flags = flags };

	if (ioctl(fd, CMA_BUF_IOC_EXPORT_DMABUF, &req))
		return -errno;
	return req.fd;
}

/* Pipe helpers for tests that step a child process along. */
static inline int cb_send(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

/* The next byte from @fd, or -1 on EOF or error. */
static inline int cb_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

/* Wait for @pid; its exit status, or 128 + signal, or -1. */
static inline int cb_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

#endif /* CMA_BUF_TEST_H */
