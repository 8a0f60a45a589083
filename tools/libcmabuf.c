// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcmabuf: cma_buf buffers through the module's sysfs files and device
 * nodes. Sysfs is read with libsysfs; see write_attr() for why writes are
 * not left to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sysfs/libsysfs.h>

#include "cmabuf.h"

#define CMABUF_ALLOC_TRIES	64	/* EEXIST retries when racing others */
#define CMABUF_DEV_WAIT_MS	1000	/* for the /dev node of a new buffer */

struct cmabuf {
	struct sysfs_class_device *cdev;
	char name[CMABUF_NAME_MAX];
	unsigned int index;
	uint64_t size;
	char origin[64];
	char cache[16];
	bool has_cache;
	unsigned int dev_major, dev_minor;
	char sys_path[SYSFS_PATH_MAX];	/* /sys/class/cma_buf/cma_bufN */
	char dev_path[PATH_MAX];	/* /dev/cma_bufN */
	int fd;
	void *map;
};

/* The last failure of this thread, for cmabuf_strerror(). */
static __thread int last_err;
static __thread char last_path[PATH_MAX];
static __thread char last_msg[PATH_MAX + 128];

static int fail(int err, const char *path)
{
	last_err = err;
	snprintf(last_path, sizeof(last_path), "%s", path ? path : "");
	return err;
}

/* errno as a negative value, never 0: some libsysfs paths leave it unset. */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/**
 * cmabuf_strerror() - describe an error returned by this library
 * @err:	a negative errno value
 *
 * Return: "PATH: text" when @err is this thread's last failure and a file
 * was involved, else the errno text. Valid until the next call in this
 * thread.
 */
const char *cmabuf_strerror(int err)
{
	const char *text = strerror(err < 0 ? -err : err);

	if (err && err == last_err && last_path[0])
		snprintf(last_msg, sizeof(last_msg), "%s: %s", last_path, text);
	else
		snprintf(last_msg, sizeof(last_msg), "%s", text);
	return last_msg;
}

/* The file of this thread's last failure, or "" when none was involved. */
const char *cmabuf_error_path(void)
{
	return last_path;
}

static int class_path(char *out, size_t len, const char *leaf)
{
	char mnt[SYSFS_PATH_MAX];
	int n;

	if (sysfs_get_mnt_path(mnt, sizeof(mnt)))
		return fail(-ENODEV, "/sys");
	if (leaf)
		n = snprintf(out, len, "%s/" SYSFS_CLASS_NAME "/" CMABUF_SYSFS_CLASS "/%s",
			     mnt, leaf);
	else
		n = snprintf(out, len, "%s/" SYSFS_CLASS_NAME "/" CMABUF_SYSFS_CLASS, mnt);
	return n < 0 || (size_t)n >= len ? fail(-ENAMETOOLONG, mnt) : 0;
}

/* -ENODEV naming the class folder when the module is not loaded, else 0. */
static int check_class(void)
{
	char path[PATH_MAX];
	int ret;

	ret = class_path(path, sizeof(path), NULL);
	if (ret)
		return ret;
	if (sysfs_path_is_dir(path))
		return fail(-ENODEV, path);
	return 0;
}

/* Whether the class has control file @leaf (a feature of newer modules). */
static bool class_has(const char *leaf)
{
	char path[PATH_MAX];
	struct stat st;

	return !class_path(path, sizeof(path), leaf) && !stat(path, &st);
}

/* Copy @value without its trailing newline; -ERANGE if it does not fit. */
static int copy_value(char *out, size_t len, const char *value)
{
	size_t n = strcspn(value, "\n");

	if (n >= len || (value[n] && value[n + 1]))
		return -ERANGE;
	memcpy(out, value, n);
	out[n] = '\0';
	return 0;
}

/*
 * Read attribute @attr of @buf, fresh, into @out. -ENOENT when the module
 * does not have it (optional attributes), -EACCES when it is privileged.
 */
static int read_attr(struct cmabuf *buf, const char *attr, char *out, size_t len)
{
	struct sysfs_attribute *a;
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", buf->sys_path, attr);
	errno = 0;
	a = sysfs_get_classdev_attr(buf->cdev, attr);
	if (!a)
		return fail(neg_errno(), path);
	/* libsysfs caches values: read again, attributes such as cache change. */
	errno = 0;
	if (sysfs_read_attribute(a))
		return fail(neg_errno(), path);
	ret = copy_value(out, len, a->value ? a->value : "");
	return ret ? fail(ret, path) : 0;
}

/*
 * Writes do not go through sysfs_write_attribute(), on purpose. In libsysfs
 * 2.1 it reports a short write to a write-only attribute as success, it
 * first reads a readable attribute and skips the write when the value looks
 * the same, and the errno of a failed write() reaches the caller only
 * because the close() after it happens to succeed. libsysfs opens the
 * attribute (and so resolves its path and tells whether it exists); the
 * write itself is one write() of the whole value, and its errno is kept.
 */
static int write_attr(const char *path, const char *value)
{
	struct sysfs_attribute *a;
	size_t len = strlen(value);
	ssize_t n;
	int fd, err;

	errno = 0;
	a = sysfs_open_attribute(path);
	if (!a)
		return fail(neg_errno(), path);
	fd = open(a->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = neg_errno();
		sysfs_close_attribute(a);
		return fail(err, path);
	}
	n = write(fd, value, len);
	err = n < 0 ? neg_errno() : (size_t)n != len ? -EIO : 0;
	close(fd);
	sysfs_close_attribute(a);
	return err ? fail(err, path) : 0;
}

/* An attribute whose value this library does not understand. */
static int bad_value(struct cmabuf *buf, const char *attr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", buf->sys_path, attr);
	return fail(-EPROTO, path);
}

static int parse_dev(const char *s, unsigned int *major, unsigned int *minor)
{
	char maj[16];
	const char *colon = strchr(s, ':');
	uint64_t a, b;

	if (!colon || (size_t)(colon - s) >= sizeof(maj))
		return -EINVAL;
	memcpy(maj, s, colon - s);
	maj[colon - s] = '\0';
	/* Decimal only: cmabuf_parse_u64() would take 0x too. */
	if (strspn(maj, "0123456789") != strlen(maj) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    cmabuf_parse_u64(maj, &a) || cmabuf_parse_u64(colon + 1, &b) ||
	    a > UINT_MAX || b > UINT_MAX)
		return -EINVAL;
	*major = a;
	*minor = b;
	return 0;
}

static int open_index(unsigned int index, struct cmabuf **bufp)
{
	struct cmabuf *buf;
	char val[64];
	int ret;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return fail(-ENOMEM, NULL);
	buf->fd = -1;
	buf->index = index;
	snprintf(buf->name, sizeof(buf->name), CMABUF_NAME_PREFIX "%u", index);
	snprintf(buf->dev_path, sizeof(buf->dev_path), "/dev/%s", buf->name);
	ret = class_path(buf->sys_path, sizeof(buf->sys_path), buf->name);
	if (ret)
		goto err;

	errno = 0;
	buf->cdev = sysfs_open_class_device(CMABUF_SYSFS_CLASS, buf->name);
	if (!buf->cdev) {
		ret = neg_errno();
		if (ret == -ENOENT)
			ret = check_class() ?: fail(-ENOENT, buf->sys_path);
		else
			fail(ret, buf->sys_path);
		goto err;
	}

	ret = read_attr(buf, "size", val, sizeof(val));
	if (ret)
		goto err;
	if (cmabuf_parse_u64(val, &buf->size) || !buf->size) {
		ret = bad_value(buf, "size");
		goto err;
	}
	ret = read_attr(buf, "origin", buf->origin, sizeof(buf->origin));
	if (ret)
		goto err;
	ret = read_attr(buf, "dev", val, sizeof(val));
	if (ret)
		goto err;
	if (parse_dev(val, &buf->dev_major, &buf->dev_minor)) {
		ret = bad_value(buf, "dev");
		goto err;
	}
	/* Optional: modules before the cache work do not have it. */
	ret = read_attr(buf, "cache", buf->cache, sizeof(buf->cache));
	if (ret && ret != -ENOENT)
		goto err;
	buf->has_cache = !ret;
	*bufp = buf;
	return 0;

err:
	if (buf->cdev)
		sysfs_close_class_device(buf->cdev);
	free(buf);
	return ret;
}

/**
 * cmabuf_open() - a handle on an existing buffer
 * @name:	"cma_bufN", "N" or "/dev/cma_bufN"
 * @bufp:	the handle, for cmabuf_close()
 *
 * Reads the buffer's sysfs attributes; the device node is opened on first
 * use, so a handle can inspect and free a buffer without access to it.
 *
 * Return: 0; -EINVAL for a malformed name; -ENOENT when there is no such
 * buffer; -ENODEV when the module is not loaded; -ENOMEM.
 */
int cmabuf_open(const char *name, struct cmabuf **bufp)
{
	unsigned int index;

	if (!bufp || cmabuf_parse_name(name, &index))
		return fail(-EINVAL, NULL);
	return open_index(index, bufp);
}

void cmabuf_close(struct cmabuf *buf)
{
	if (!buf)
		return;
	cmabuf_unmap(buf);
	if (buf->fd >= 0)
		close(buf->fd);
	sysfs_close_class_device(buf->cdev);
	free(buf);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * The indices in use, sorted, into a malloc()ed array. An empty class is
 * not an error: libsysfs returns no list for it.
 */
static int list_indices(unsigned int **out, size_t *count)
{
	struct sysfs_class *cls;
	struct sysfs_class_device *cdev;
	struct dlist *devs;
	unsigned int *idx = NULL, *grown;
	size_t n = 0, cap = 0;
	int ret;

	ret = check_class();
	if (ret)
		return ret;
	errno = 0;
	cls = sysfs_open_class(CMABUF_SYSFS_CLASS);
	if (!cls)
		return check_class() ?: fail(neg_errno(), NULL);
	devs = sysfs_get_class_devices(cls);
	if (devs) {
		dlist_for_each_data(devs, cdev, struct sysfs_class_device) {
			unsigned int i;

			if (cmabuf_parse_name(cdev->name, &i))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				grown = realloc(idx, cap * sizeof(*idx));
				if (!grown) {
					free(idx);
					sysfs_close_class(cls);
					return fail(-ENOMEM, NULL);
				}
				idx = grown;
			}
			idx[n++] = i;
		}
	}
	sysfs_close_class(cls);
	if (n)
		qsort(idx, n, sizeof(*idx), cmp_uint);
	*out = idx;
	*count = n;
	return 0;
}

/* The module's max_buffers, or UINT_MAX when it cannot be read. */
static unsigned long max_buffers(void)
{
	char mnt[SYSFS_PATH_MAX], path[PATH_MAX];
	struct sysfs_attribute *a;
	uint64_t v = UINT_MAX;
	char val[32];

	if (sysfs_get_mnt_path(mnt, sizeof(mnt)))
		return UINT_MAX;
	snprintf(path, sizeof(path), "%s/module/cma_buf/parameters/max_buffers", mnt);
	a = sysfs_open_attribute(path);
	if (!a)
		return UINT_MAX;
	if (sysfs_read_attribute(a) || copy_value(val, sizeof(val), a->value) ||
	    cmabuf_parse_u64(val, &v) || v > UINT_MAX)
		v = UINT_MAX;
	sysfs_close_attribute(a);
	return v;
}

static int lowest_free_index(unsigned int *index)
{
	unsigned int *idx, want = 0;
	size_t n, i;
	int ret;

	ret = list_indices(&idx, &n);
	if (ret)
		return ret;
	for (i = 0; i < n && idx[i] <= want; i++)
		if (idx[i] == want)
			want++;
	free(idx);
	if (want >= max_buffers())
		return fail(-ENOSPC, NULL);
	*index = want;
	return 0;
}

/**
 * cmabuf_alloc_flags() - allocate a buffer
 * @size:	bytes, not zero; the module rounds up to whole pages
 * @align:	physical alignment in bytes, a power of two, or 0 for pages
 * @index:	N for exactly cma_bufN, or CMABUF_INDEX_ANY
 * @flags:	CMABUF_ALLOC_PINNABLE for mappings the kernel can pin
 *		(O_DIRECT, vmsplice, io_uring reads), or 0
 * @bufp:	the handle, for cmabuf_close()
 *
 * With CMABUF_INDEX_ANY the lowest index not listed in sysfs is asked for
 * by number, so the caller knows which buffer is its own even when others
 * allocate at the same time; a lost race (-EEXIST) is retried.
 *
 * Return: 0; -EINVAL (bad size, alignment or flags, index out of range);
 * -EEXIST (@index taken); -ENOSPC (module limits); -ENOMEM; -EOPNOTSUPP
 * (pinnable, but the module's allocator cannot give such pages, or the
 * module predates pinnable buffers); -EACCES (not root); -ENODEV (module
 * not loaded).
 */
int cmabuf_alloc_flags(uint64_t size, uint64_t align, long index, unsigned int flags,
		       struct cmabuf **bufp)
{
	char path[PATH_MAX], cmd[112], alignstr[40] = "";
	const char *pin = flags & CMABUF_ALLOC_PINNABLE ? " pinnable" : "";
	unsigned int want;
	int tries, ret;

	if (!bufp || !size || (align & (align - 1)) || (flags & ~CMABUF_ALLOC_PINNABLE) ||
	    index < CMABUF_INDEX_ANY || (index >= 0 && (unsigned long)index > UINT_MAX))
		return fail(-EINVAL, NULL);
	ret = class_path(path, sizeof(path), "alloc");
	if (ret)
		return ret;
	ret = check_class();
	if (ret)
		return ret;
	if (align)
		snprintf(alignstr, sizeof(alignstr), " align=%llu", (unsigned long long)align);

	for (tries = 0; tries < CMABUF_ALLOC_TRIES; tries++) {
		if (index == CMABUF_INDEX_ANY) {
			ret = lowest_free_index(&want);
			if (ret)
				return ret;
		} else {
			want = index;
		}
		snprintf(cmd, sizeof(cmd), "%llu %u%s%s\n", (unsigned long long)size, want,
			 alignstr, pin);
		ret = write_attr(path, cmd);
		/* A module without pinnable buffers refuses the word itself. */
		if (ret == -EINVAL && *pin && !class_has("parked"))
			ret = fail(-EOPNOTSUPP, path);
		if (ret != -EEXIST || index != CMABUF_INDEX_ANY)
			break;
	}
	if (ret)
		return ret;
	return open_index(want, bufp);
}

int cmabuf_alloc_index(uint64_t size, uint64_t align, long index, struct cmabuf **bufp)
{
	return cmabuf_alloc_flags(size, align, index, 0, bufp);
}

int cmabuf_alloc(uint64_t size, uint64_t align, struct cmabuf **bufp)
{
	return cmabuf_alloc_index(size, align, CMABUF_INDEX_ANY, bufp);
}

/**
 * cmabuf_free() - ask the module to free the buffer
 * @buf:	the handle; still to be closed with cmabuf_close()
 *
 * The buffer leaves sysfs and /dev at once; its memory stays until every
 * mapping and open file, this handle's included, is gone.
 *
 * Return: 0; -ENOENT when it was already freed; -EACCES when not root.
 */
int cmabuf_free(struct cmabuf *buf)
{
	char path[PATH_MAX], cmd[32];
	int ret;

	if (!buf)
		return fail(-EINVAL, NULL);
	ret = class_path(path, sizeof(path), "free");
	if (ret)
		return ret;
	snprintf(cmd, sizeof(cmd), "%u\n", buf->index);
	ret = write_attr(path, cmd);
	/* Name the buffer, not the control file, when it is gone. */
	return ret == -ENOENT ? fail(ret, buf->sys_path) : ret;
}

const char *cmabuf_name(const struct cmabuf *buf)
{
	return buf->name;
}

unsigned int cmabuf_index(const struct cmabuf *buf)
{
	return buf->index;
}

uint64_t cmabuf_size(const struct cmabuf *buf)
{
	return buf->size;
}

const char *cmabuf_origin(const struct cmabuf *buf)
{
	return buf->origin;
}

const char *cmabuf_cache(const struct cmabuf *buf)
{
	return buf->has_cache ? buf->cache : NULL;
}

const char *cmabuf_dev_path(const struct cmabuf *buf)
{
	return buf->dev_path;
}

/* An address attribute's value: "0x" and hexadecimal digits. */
static int parse_addr(struct cmabuf *buf, const char *attr, const char *val, uint64_t *addr)
{
	if (strncmp(val, "0x", 2) || cmabuf_parse_u64(val, addr))
		return bad_value(buf, attr);
	return 0;
}

/**
 * cmabuf_phys_addr() - the physical address of the buffer's first byte
 * @buf:	the handle
 * @addr:	the address
 *
 * Return: 0, or -EACCES unless root (the attribute is 0400).
 */
int cmabuf_phys_addr(struct cmabuf *buf, uint64_t *addr)
{
	char val[40];
	int ret;

	ret = read_attr(buf, "phys_addr", val, sizeof(val));
	return ret ? ret : parse_addr(buf, "phys_addr", val, addr);
}

/**
 * cmabuf_mappings() - how many user-space mappings the buffer has now
 * @buf:	the handle
 * @count:	memory areas (VMAs) of all processes that map the buffer,
 *		through its node or an exported dma-buf; a mapping made with
 *		cmabuf_map() counts too
 *
 * Read afresh on every call: processes map, fork and unmap at any time.
 *
 * Return: 0; -ENOTSUP when the module does not publish the count (builds
 * before the mappings attribute); -ENOENT when the buffer was freed;
 * -EPROTO when the value is not a decimal count.
 */
/*
 * read_attr() of an attribute newer modules have: -ENOENT when the buffer is
 * gone, -ENOTSUP (naming the file) when it is there without the attribute.
 */
static int read_newer_attr(struct cmabuf *buf, const char *attr, char *val, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	int ret = read_attr(buf, attr, val, len);

	if (ret != -ENOENT)
		return ret;
	if (stat(buf->sys_path, &st))
		return fail(-ENOENT, buf->sys_path);
	snprintf(path, sizeof(path), "%s/%s", buf->sys_path, attr);
	return fail(-ENOTSUP, path);
}

/**
 * cmabuf_pinnable() - was the buffer allocated pinnable?
 * @buf:	the handle
 *
 * Return: 1 or 0; -ENOTSUP when the module has no pinnable buffers;
 * -ENOENT when the buffer was freed; -EPROTO for a value not 0 or 1.
 */
int cmabuf_pinnable(struct cmabuf *buf)
{
	char val[8];
	int ret;

	ret = read_newer_attr(buf, "pinnable", val, sizeof(val));
	if (ret)
		return ret;
	if (strcmp(val, "0") && strcmp(val, "1"))
		return fail(-EPROTO, buf->sys_path);
	return val[0] == '1';
}

/**
 * cmabuf_bind() - map the buffer for a device's DMA, or drop that mapping
 * @buf:	the handle
 * @device:	the device's bus name (a PCI address such as 0000:00:04.0, or a
 *		platform device's name); NULL or "" unbinds
 *
 * The device's address of the buffer is then cmabuf_dma_addr(): behind an
 * IOMMU it differs from the physical address, and only it works.
 *
 * Return: 0 (also when already bound to @device); -ENODEV (no such device);
 * -EBUSY (bound to another device); -ERANGE (no IOMMU and the device's DMA
 * mask does not reach the buffer); -EINVAL (not a device name); -EACCES,
 * -EPERM (not root); -ENOTSUP when the module cannot bind; -ENOENT when the
 * buffer was freed.
 */
int cmabuf_bind(struct cmabuf *buf, const char *device)
{
	char path[PATH_MAX], val[8];
	int ret;

	/* The attribute is read first: its absence means an older module. */
	ret = read_newer_attr(buf, "dma_device", val, sizeof(val));
	if (ret && ret != -ERANGE)
		return ret;
	snprintf(path, sizeof(path), "%s/dma_device", buf->sys_path);
	return write_attr(path, device && *device ? device : "\n");
}

/**
 * cmabuf_dma_device() - the device the buffer is bound to
 * @buf:	the handle
 * @out:	its bus name, "" when not bound
 * @len:	size of @out
 *
 * Return: 0; -ENOTSUP when the module cannot bind; -ENOENT when the buffer
 * was freed; -ERANGE when @out is too small.
 */
int cmabuf_dma_device(struct cmabuf *buf, char *out, size_t len)
{
	return read_newer_attr(buf, "dma_device", out, len);
}

/**
 * cmabuf_dma_addr() - the bound device's address of the buffer's first byte
 * @buf:	the handle
 * @addr:	the address
 *
 * Return: 0; -ENODEV when not bound; -EACCES unless root (the attribute is
 * 0400, as phys_addr); -ENOTSUP when the module cannot bind.
 */
int cmabuf_dma_addr(struct cmabuf *buf, uint64_t *addr)
{
	char val[40];
	int ret;

	ret = read_newer_attr(buf, "dma_addr", val, sizeof(val));
	return ret ? ret : parse_addr(buf, "dma_addr", val, addr);
}

int cmabuf_mappings(struct cmabuf *buf, long *count)
{
	char val[32];
	uint64_t v;
	int ret;

	ret = read_newer_attr(buf, "mappings", val, sizeof(val));
	if (ret && ret != -ERANGE)
		return ret;
	/* The module prints it with %d: decimal digits only, then a newline. */
	if (ret || !val[0] || strspn(val, "0123456789") != strlen(val) ||
	    cmabuf_parse_u64(val, &v) || v > LONG_MAX)
		return bad_value(buf, "mappings");
	*count = v;
	return 0;
}

/**
 * cmabuf_info() - everything about @buf in one structure
 * @buf:	the handle
 * @info:	filled in; phys_addr and mappings are read now
 *
 * An unreadable phys_addr is noted in @info->phys_err; a module without the
 * mappings attribute gives @info->mappings -1.
 *
 * Return: 0; -ENOENT when the buffer was freed; -EPROTO when the mappings
 * attribute holds no count. @info is filled in either way.
 */
int cmabuf_info(struct cmabuf *buf, struct cmabuf_info *info)
{
	int ret;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", buf->name);
	info->index = buf->index;
	info->size = buf->size;
	snprintf(info->origin, sizeof(info->origin), "%s", buf->origin);
	if (buf->has_cache)
		snprintf(info->cache, sizeof(info->cache), "%s", buf->cache);
	info->dev_major = buf->dev_major;
	info->dev_minor = buf->dev_minor;
	info->phys_err = cmabuf_phys_addr(buf, &info->phys_addr);
	ret = cmabuf_mappings(buf, &info->mappings);
	if (ret)
		info->mappings = -1;
	return ret == -ENOTSUP ? 0 : ret;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/**
 * cmabuf_fd() - the buffer's device node, open read-write
 * @buf:	the handle
 *
 * Return: the descriptor, owned by the handle; -EACCES without permission
 * on /dev/cma_bufN; -ENOENT when the node does not appear.
 */
int cmabuf_fd(struct cmabuf *buf)
{
	struct stat st;
	int waited = 0, ret;

	while (buf->fd < 0) {
		buf->fd = open(buf->dev_path, O_RDWR | O_CLOEXEC);
		if (buf->fd >= 0)
			break;
		ret = neg_errno();
		/*
		 * A new buffer's node may lag behind its sysfs folder; wait
		 * while the folder is there (stat: the class entry is a link).
		 */
		if (ret != -ENOENT || waited >= CMABUF_DEV_WAIT_MS || stat(buf->sys_path, &st) ||
		    !S_ISDIR(st.st_mode))
			return fail(ret, buf->dev_path);
		sleep_ms(10);
		waited += 10;
	}
	return buf->fd;
}

/**
 * cmabuf_map() - map the whole buffer, shared, readable and writable
 * @buf:	the handle
 * @addr:	where it is mapped; the same mapping on later calls
 *
 * Return: 0, or a negative errno of open() or mmap().
 */
int cmabuf_map(struct cmabuf *buf, void **addr)
{
	void *p;
	int fd;

	if (!buf->map) {
		if (buf->size > SIZE_MAX)
			return fail(-EFBIG, buf->dev_path);
		fd = cmabuf_fd(buf);
		if (fd < 0)
			return fd;
		p = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail(neg_errno(), buf->dev_path);
		buf->map = p;
	}
	*addr = buf->map;
	return 0;
}

int cmabuf_unmap(struct cmabuf *buf)
{
	if (buf->map && munmap(buf->map, buf->size))
		return fail(neg_errno(), buf->dev_path);
	buf->map = NULL;
	return 0;
}

/**
 * cmabuf_sync() - make CPU and device views of the buffer agree
 * @buf:	the handle
 * @direction:	CMABUF_SYNC_FOR_CPU or CMABUF_SYNC_FOR_DEVICE
 *
 * Writes an empty line to the buffer's sync_for_cpu or sync_for_device
 * attribute: the whole buffer, bidirectional (see the module's ABI document
 * for ranges and directions).
 *
 * Return: 0; -ENOTSUP when the module has no such attribute; -EINVAL.
 */
int cmabuf_sync(struct cmabuf *buf, int direction)
{
	const char *attr;
	char path[PATH_MAX];

	switch (direction) {
	case CMABUF_SYNC_FOR_CPU:
		attr = "sync_for_cpu";
		break;
	case CMABUF_SYNC_FOR_DEVICE:
		attr = "sync_for_device";
		break;
	default:
		return fail(-EINVAL, NULL);
	}
	snprintf(path, sizeof(path), "%s/%s", buf->sys_path, attr);
	if (sysfs_path_is_file(path))
		return fail(-ENOTSUP, path);
	return write_attr(path, "\n");
}

/**
 * cmabuf_list() - every buffer, sorted by index
 * @infos:	a malloc()ed array (NULL when there are none)
 * @count:	its length
 *
 * A buffer freed while the list is being made is left out.
 *
 * Return: 0; -ENODEV when the module is not loaded; -ENOMEM; -EPROTO when
 * an attribute holds a value this library does not understand.
 */
int cmabuf_list(struct cmabuf_info **infos, size_t *count)
{
	struct cmabuf_info *out = NULL;
	unsigned int *idx;
	size_t n, i, k = 0;
	int ret;

	ret = list_indices(&idx, &n);
	if (ret)
		return ret;
	if (n) {
		out = calloc(n, sizeof(*out));
		if (!out) {
			free(idx);
			return fail(-ENOMEM, NULL);
		}
	}
	for (i = 0; i < n; i++) {
		struct cmabuf *buf;

		ret = open_index(idx[i], &buf);
		if (!ret) {
			ret = cmabuf_info(buf, &out[k]);
			cmabuf_close(buf);
		}
		if (ret == -ENOENT)
			continue;
		if (ret) {
			free(idx);
			free(out);
			return ret;
		}
		k++;
	}
	free(idx);
	*infos = out;
	*count = k;
	return 0;
}

void cmabuf_list_free(struct cmabuf_info *infos)
{
	free(infos);
}

int cmabuf_backend(char *out, size_t len)
{
	struct sysfs_attribute *a;
	char path[PATH_MAX];
	int ret;

	ret = class_path(path, sizeof(path), "backend");
	if (ret)
		return ret;
	ret = check_class();
	if (ret)
		return ret;
	errno = 0;
	a = sysfs_open_attribute(path);
	if (!a)
		return fail(neg_errno(), path);
	errno = 0;
	if (sysfs_read_attribute(a))
		ret = fail(neg_errno(), path);
	else if (copy_value(out, len, a->value ? a->value : ""))
		ret = fail(-ERANGE, path);
	sysfs_close_attribute(a);
	return ret;
}

