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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sysfs/libsysfs.h>
#include <linux/cma_buf.h>

#include "cmabuf.h"

#define CMABUF_ALLOC_TRIES	64	/* EEXIST retries when racing others */
#define CMABUF_DEV_WAIT_MS	1000	/* for the /dev node of a new buffer */
#define CMABUF_CONTROL_PATH	"/dev/" CMABUF_SYSFS_CLASS	/* CMA_BUF_IOC_ALLOC */

struct cmabuf {
	struct sysfs_class_device *cdev;
	char name[CMABUF_NAME_MAX];
	unsigned int index;
	uint64_t size;
	char origin[64];
	char cache[16];
	bool has_cache;
	unsigned int dev_major, dev_minor;
	int node;			/* -1 when the module has no node attribute */
	int owner;			/* CMABUF_OWNER_*, 0 when it has no owner attribute */
	char sys_path[SYSFS_PATH_MAX];	/* /sys/class/cma_buf/cma_bufN */
	char dev_path[PATH_MAX];	/* /dev/cma_bufN */
	int fd;				/* for CMABUF_OWNER_FD handles: the owner's */
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

/* A decimal count, as the module prints %d or %u: digits only, no sign. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!s[0] || strspn(s, "0123456789") != strlen(s) || cmabuf_parse_u64(s, &v) ||
	    v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The node attribute, -1 where the module has none. */
static int read_node(struct cmabuf *buf)
{
	char val[16];
	uint64_t v;
	int ret;

	buf->node = -1;
	ret = read_attr(buf, "node", val, sizeof(val));
	if (ret == -ENOENT)
		return 0;
	if (ret && ret != -ERANGE)
		return ret;
	if (ret || parse_decimal(val, INT_MAX, &v))
		return bad_value(buf, "node");
	buf->node = v;
	return 0;
}

/* The owner attribute, 0 where the module has none. */
static int read_owner(struct cmabuf *buf)
{
	char val[16];
	int ret;

	buf->owner = 0;
	ret = read_attr(buf, "owner", val, sizeof(val));
	if (ret == -ENOENT)
		return 0;
	if (ret && ret != -ERANGE)
		return ret;
	if (!ret && !strcmp(val, "sysfs"))
		buf->owner = CMABUF_OWNER_SYSFS;
	else if (!ret && !strcmp(val, "fd"))
		buf->owner = CMABUF_OWNER_FD;
	else
		return bad_value(buf, "owner");
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
	/* Optional too: modules before areas and owned buffers. */
	ret = read_node(buf);
	if (ret)
		goto err;
	ret = read_owner(buf);
	if (ret)
		goto err;
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

/*
 * Is @name one the module takes after area=? As the kernel checks it: 1 to
 * CMABUF_AREA_NAME_MAX - 1 bytes, each a graphic character of the kernel's
 * ctype (printable ASCII but blank, and Latin-1 from 0xa1), none a '/'.
 */
static bool area_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len >= CMABUF_AREA_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c <= ' ' || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == '/')
			return false;
	}
	return true;
}

/* Arguments both allocation calls check alike; -EINVAL as the module. */
static bool alloc_args_ok(uint64_t size, uint64_t align, unsigned int flags, const char *area,
			  int node, struct cmabuf **bufp)
{
	return bufp && size && !(align & (align - 1)) && !(flags & ~CMABUF_ALLOC_PINNABLE) &&
	       node >= CMABUF_NODE_ANY && (!area || (area_name_ok(area) && node == CMABUF_NODE_ANY));
}

/**
 * cmabuf_alloc_at() - allocate a buffer from a chosen CMA area
 * @size:	bytes, not zero; the module rounds up to whole pages
 * @align:	physical alignment in bytes, a power of two, or 0 for pages
 * @index:	N for exactly cma_bufN, or CMABUF_INDEX_ANY
 * @flags:	CMABUF_ALLOC_PINNABLE for mappings the kernel can pin
 *		(O_DIRECT, vmsplice, io_uring reads), or 0
 * @area:	the name of an area cmabuf_areas() lists, or NULL for the
 *		default one
 * @node:	a NUMA node: the first area on it; or CMABUF_NODE_ANY. At most
 *		one of @area and @node.
 * @bufp:	the handle, for cmabuf_close()
 *
 * With CMABUF_INDEX_ANY the lowest index not listed in sysfs is asked for
 * by number, so the caller knows which buffer is its own even when others
 * allocate at the same time; a lost race (-EEXIST) is retried. The buffer
 * lives until it is freed (cmabuf_free()), whoever closes what.
 *
 * Return: 0; -EINVAL (bad size, alignment, flags, area name or node, both
 * an area and a node, index out of range); -ENOENT (no such area, no area
 * on @node); -EEXIST (@index taken); -ENOSPC (module limits); -ENOMEM;
 * -EOPNOTSUPP (pinnable, but the module's allocator cannot give such pages,
 * or the module predates pinnable buffers); -ENOTSUP (@area or @node, but
 * the module predates areas); -EACCES (not root); -ENODEV (module not
 * loaded).
 */
int cmabuf_alloc_at(uint64_t size, uint64_t align, long index, unsigned int flags,
		    const char *area, int node, struct cmabuf **bufp)
{
	char path[PATH_MAX], cmd[200], alignstr[40] = "", where[80] = "";
	const char *pin = flags & CMABUF_ALLOC_PINNABLE ? " pinnable" : "";
	unsigned int want;
	int tries, ret;

	if (!alloc_args_ok(size, align, flags, area, node, bufp) || index < CMABUF_INDEX_ANY ||
	    (index >= 0 && (unsigned long)index > UINT_MAX))
		return fail(-EINVAL, NULL);
	ret = class_path(path, sizeof(path), "alloc");
	if (ret)
		return ret;
	ret = check_class();
	if (ret)
		return ret;
	if (align)
		snprintf(alignstr, sizeof(alignstr), " align=%llu", (unsigned long long)align);
	if (area)
		snprintf(where, sizeof(where), " area=%s", area);
	else if (node != CMABUF_NODE_ANY)
		snprintf(where, sizeof(where), " node=%d", node);

	for (tries = 0; tries < CMABUF_ALLOC_TRIES; tries++) {
		if (index == CMABUF_INDEX_ANY) {
			ret = lowest_free_index(&want);
			if (ret)
				return ret;
		} else {
			want = index;
		}
		snprintf(cmd, sizeof(cmd), "%llu %u%s%s%s\n", (unsigned long long)size, want,
			 alignstr, pin, where);
		ret = write_attr(path, cmd);
		/* A module without pinnable buffers refuses the word itself. */
		if (ret == -EINVAL && *pin && !class_has("parked"))
			ret = fail(-EOPNOTSUPP, path);
		/* And one without areas refuses area= and node=. */
		if (ret == -EINVAL && where[0] && !class_has("areas"))
			ret = fail(-ENOTSUP, path);
		if (ret != -EEXIST || index != CMABUF_INDEX_ANY)
			break;
	}
	if (ret)
		return ret;
	return open_index(want, bufp);
}

/**
 * cmabuf_alloc_flags() - allocate a buffer from the default area
 * @size:	bytes
 * @align:	physical alignment, or 0
 * @index:	N, or CMABUF_INDEX_ANY
 * @flags:	CMABUF_ALLOC_PINNABLE, or 0
 * @bufp:	the handle
 *
 * cmabuf_alloc_at() without an area or node.
 */
int cmabuf_alloc_flags(uint64_t size, uint64_t align, long index, unsigned int flags,
		       struct cmabuf **bufp)
{
	return cmabuf_alloc_at(size, align, index, flags, NULL, CMABUF_NODE_ANY, bufp);
}

/**
 * cmabuf_alloc_owned() - allocate a buffer that belongs to its handle
 * @size:	bytes, not zero; the module rounds up to whole pages
 * @align:	physical alignment in bytes, a power of two, or 0 for pages
 * @flags:	CMABUF_ALLOC_PINNABLE, or 0
 * @area:	an area's name, or NULL for the default one
 * @node:	a NUMA node, or CMABUF_NODE_ANY; at most one of @area and @node
 * @bufp:	the handle, for cmabuf_close()
 *
 * The module makes the buffer with CMA_BUF_IOC_ALLOC on /dev/cma_buf and
 * hands back a file descriptor of it, which the handle keeps as its
 * cmabuf_fd() (close-on-exec). The buffer is in sysfs and /dev like any
 * other (cmabuf_owner() says CMABUF_OWNER_FD), and is freed when that
 * descriptor, its copies (dup, fork) and the mappings made from them are
 * gone: cmabuf_close(), exit, or the process being killed. cmabuf_free()
 * frees it earlier, as any buffer. The index is the module's choice.
 *
 * Return: 0; the errors of cmabuf_alloc_at() but -EEXIST, with EACCES for
 * /dev/cma_buf (root's unless a udev rule gives it to a group); -ENOTSUP
 * when the module predates owned buffers; -EMFILE.
 */
int cmabuf_alloc_owned(uint64_t size, uint64_t align, unsigned int flags,
		       const char *area, int node, struct cmabuf **bufp)
{
	struct cma_buf_alloc req;
	struct cmabuf *buf;
	int ctl, ret;

	if (!alloc_args_ok(size, align, flags, area, node, bufp))
		return fail(-EINVAL, NULL);
	ret = check_class();
	if (ret)
		return ret;
	memset(&req, 0, sizeof(req));
	req.size = size;
	req.align = align;
	req.flags = CMA_BUF_ALLOC_CLOEXEC | (flags & CMABUF_ALLOC_PINNABLE ? CMA_BUF_ALLOC_PINNABLE : 0);
	req.node = node;
	if (area)
		memcpy(req.area, area, strlen(area));

	ctl = open(CMABUF_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		ret = neg_errno();
		/* Loaded, but without a control node: a module before 0.2's ABI. */
		if (ret == -ENOENT && !class_has("areas"))
			ret = -ENOTSUP;
		return fail(ret, CMABUF_CONTROL_PATH);
	}
	ret = ioctl(ctl, CMA_BUF_IOC_ALLOC, &req) ? neg_errno() : 0;
	close(ctl);
	if (ret == -ENOTTY)
		ret = -ENOTSUP;
	if (ret)
		return fail(ret, CMABUF_CONTROL_PATH);

	/* Freed through the free file meanwhile: the descriptor still goes. */
	ret = open_index(req.index, &buf);
	if (ret) {
		close(req.fd);
		return ret;
	}
	buf->fd = req.fd;
	*bufp = buf;
	return 0;
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
 * cmabuf_node() - the NUMA node of the buffer's pages
 * @buf:	the handle
 *
 * Return: the node; -ENOTSUP when the module does not publish it.
 */
int cmabuf_node(const struct cmabuf *buf)
{
	char path[PATH_MAX];

	if (buf->node >= 0)
		return buf->node;
	snprintf(path, sizeof(path), "%s/node", buf->sys_path);
	return fail(-ENOTSUP, path);
}

/**
 * cmabuf_owner() - what frees the buffer
 * @buf:	the handle
 *
 * Return: CMABUF_OWNER_SYSFS (a write to free), CMABUF_OWNER_FD (also the
 * last close of the descriptor cmabuf_alloc_owned() got); -ENOTSUP when the
 * module does not say (it predates owned buffers: then every buffer is of
 * the first kind).
 */
int cmabuf_owner(const struct cmabuf *buf)
{
	char path[PATH_MAX];

	if (buf->owner)
		return buf->owner;
	snprintf(path, sizeof(path), "%s/owner", buf->sys_path);
	return fail(-ENOTSUP, path);
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
 * mappings attribute gives @info->mappings -1, one without node and owner
 * @info->node -1 and @info->owner 0.
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
	info->node = buf->node;
	info->owner = buf->owner;
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

#ifdef CMABUF_SHARED
/*
 * struct cmabuf_info as 0.1 had it, for programs linked against 0.1: their
 * cmabuf_info() and cmabuf_list() (CMABUF_0.1) fill this shorter structure,
 * the default ones (CMABUF_0.2) the new one. Only the shared library has
 * versions; a static link gets the new layout, as its header has it.
 */
struct cmabuf_info_0_1 {
	char name[CMABUF_NAME_MAX];
	unsigned int index;
	uint64_t size;
	uint64_t phys_addr;
	int phys_err;
	char origin[64];
	char cache[16];
	unsigned int dev_major, dev_minor;
	long mappings;
};

_Static_assert(offsetof(struct cmabuf_info, node) >= sizeof(struct cmabuf_info_0_1),
	       "0.1's struct cmabuf_info is a prefix of 0.2's");

int cmabuf_info_0_1(struct cmabuf *buf, struct cmabuf_info_0_1 *old);
int cmabuf_list_0_1(struct cmabuf_info_0_1 **olds, size_t *count);
__asm__(".symver cmabuf_info_0_1, cmabuf_info@CMABUF_0.1");
__asm__(".symver cmabuf_list_0_1, cmabuf_list@CMABUF_0.1");
__asm__(".symver cmabuf_info, cmabuf_info@@@CMABUF_0.2");
__asm__(".symver cmabuf_list, cmabuf_list@@@CMABUF_0.2");

static void info_to_0_1(const struct cmabuf_info *in, struct cmabuf_info_0_1 *old)
{
	memcpy(old, in, sizeof(*old));	/* 0.2 only appended members */
}

int cmabuf_info_0_1(struct cmabuf *buf, struct cmabuf_info_0_1 *old)
{
	struct cmabuf_info info;
	int ret = cmabuf_info(buf, &info);

	info_to_0_1(&info, old);
	return ret;
}

int cmabuf_list_0_1(struct cmabuf_info_0_1 **olds, size_t *count)
{
	struct cmabuf_info *infos;
	struct cmabuf_info_0_1 *out = NULL;
	size_t n, i;
	int ret;

	ret = cmabuf_list(&infos, &n);
	if (ret)
		return ret;
	/* In place: each old entry is no longer than the new one it comes from. */
	if (n)
		out = (struct cmabuf_info_0_1 *)infos;
	for (i = 0; i < n; i++) {
		struct cmabuf_info tmp = infos[i];

		info_to_0_1(&tmp, &out[i]);
	}
	*olds = out;
	*count = n;
	return 0;
}
#endif

/*
 * The kernel's count @attr (total_pages, available_pages) of CMA area @name,
 * in bytes: /sys/kernel/mm/cma/NAME/ATTR. 1 when there, 0 when absent
 * (older kernels have neither, areas that are not the kernel's own no folder),
 * -EPROTO naming the file when it is not a page count.
 */
static int kernel_cma_bytes(const char *name, const char *attr, uint64_t *out)
{
	char mnt[SYSFS_PATH_MAX], path[PATH_MAX], val[32];
	uint64_t page = sysconf(_SC_PAGESIZE), v;
	struct sysfs_attribute *a;
	struct stat st;
	int ret = 1;

	if (sysfs_get_mnt_path(mnt, sizeof(mnt)))
		return 0;
	snprintf(path, sizeof(path), "%s/kernel/mm/cma/%s/%s", mnt, name, attr);
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	errno = 0;
	a = sysfs_open_attribute(path);
	if (!a)
		return fail(neg_errno(), path);
	errno = 0;
	if (sysfs_read_attribute(a))
		ret = fail(neg_errno(), path);
	else if (copy_value(val, sizeof(val), a->value ? a->value : "") ||
		 parse_decimal(val, UINT64_MAX / page, &v))
		ret = fail(-EPROTO, path);
	else
		*out = v * page;
	sysfs_close_attribute(a);
	return ret;
}

/* A field the module prints as "-" because the kernel does not tell it. */
static bool dash(const char *field)
{
	return !strcmp(field, "-");
}

/*
 * One line of the areas file, without its newline, into @area: "NAME BASE
 * SIZE NODE HELD", single blanks as the module prints them.
 */
static int parse_area_line(char *line, struct cmabuf_area *area)
{
	char *field[5], *p = line;
	uint64_t v;
	int i;

	for (i = 0; i < 5; i++) {
		field[i] = strsep(&p, " ");
		if (!field[i] || !field[i][0])
			return -EINVAL;
	}
	if (p || !area_name_ok(field[0]))
		return -EINVAL;
	memset(area, 0, sizeof(*area));
	memcpy(area->name, field[0], strlen(field[0]) + 1);
	if (!dash(field[1])) {
		if (strncmp(field[1], "0x", 2) || cmabuf_parse_u64(field[1], &area->base))
			return -EINVAL;
		area->flags |= CMABUF_AREA_HAS_BASE;
	}
	if (!dash(field[2])) {
		if (parse_decimal(field[2], UINT64_MAX, &area->size))
			return -EINVAL;
		area->flags |= CMABUF_AREA_HAS_SIZE;
	}
	area->node = -1;
	if (!dash(field[3])) {
		if (parse_decimal(field[3], INT_MAX, &v))
			return -EINVAL;
		area->node = v;
	}
	return parse_decimal(field[4], UINT64_MAX, &area->held);
}

/* The areas file's lines into a malloc()ed array; -EPROTO when malformed. */
static int parse_areas(const char *text, struct cmabuf_area **out, size_t *count)
{
	struct cmabuf_area *areas = NULL, *grown;
	char *copy, *line, *p;
	size_t n = 0, i, len = strlen(text);
	int ret = 0;

	/* Lines, each with its newline; at least one. */
	if (!len || text[len - 1] != '\n')
		return -EPROTO;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	copy[len - 1] = '\0';
	for (p = copy; !ret && (line = strsep(&p, "\n"));) {
		grown = realloc(areas, (n + 1) * sizeof(*areas));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		areas = grown;
		if (parse_area_line(line, &areas[n])) {
			ret = -EPROTO;
			break;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(areas[i].name, areas[n].name))
				ret = -EPROTO;
		n++;
	}
	free(copy);
	if (ret) {
		free(areas);
		return ret;
	}
	areas[0].flags |= CMABUF_AREA_DEFAULT;
	*out = areas;
	*count = n;
	return 0;
}

/**
 * cmabuf_areas() - the CMA areas the module allocates from
 * @areas:	a malloc()ed array, the default area first
 * @count:	its length, at least 1
 *
 * From the module's areas file, each completed with the kernel's view where
 * it has one (/sys/kernel/mm/cma/NAME): the free bytes from
 * available_pages, and the size from total_pages when the module does not
 * know it. What neither tells has its CMABUF_AREA_HAS_* flag clear and
 * reads 0 (node: -1).
 *
 * Return: 0; -ENODEV when the module is not loaded; -ENOTSUP when it has
 * no areas file (a module before 0.2's ABI); -EPROTO, naming the file, for
 * a line or a kernel count this library does not understand; -ENOMEM.
 */
int cmabuf_areas(struct cmabuf_area **areas, size_t *count)
{
	struct cmabuf_area *out;
	struct sysfs_attribute *a;
	char path[PATH_MAX];
	struct stat st;
	size_t n, i;
	uint64_t v;
	int ret;

	if (!areas || !count)
		return fail(-EINVAL, NULL);
	ret = class_path(path, sizeof(path), "areas");
	if (ret)
		return ret;
	ret = check_class();
	if (ret)
		return ret;
	if (stat(path, &st))
		return fail(errno == ENOENT ? -ENOTSUP : neg_errno(), path);
	errno = 0;
	a = sysfs_open_attribute(path);
	if (!a)
		return fail(neg_errno(), path);
	errno = 0;
	if (sysfs_read_attribute(a))
		ret = fail(neg_errno(), path);
	else if ((ret = parse_areas(a->value ? a->value : "", &out, &n)))
		fail(ret, ret == -EPROTO ? path : NULL);
	sysfs_close_attribute(a);
	if (ret)
		return ret;

	for (i = 0; i < n; i++) {
		ret = kernel_cma_bytes(out[i].name, "available_pages", &out[i].free);
		if (ret > 0)
			out[i].flags |= CMABUF_AREA_HAS_FREE;
		if (ret >= 0 && !(out[i].flags & CMABUF_AREA_HAS_SIZE)) {
			ret = kernel_cma_bytes(out[i].name, "total_pages", &v);
			if (ret > 0) {
				out[i].size = v;
				out[i].flags |= CMABUF_AREA_HAS_SIZE;
			}
		}
		if (ret < 0) {
			free(out);
			return ret;
		}
	}
	*areas = out;
	*count = n;
	return 0;
}

void cmabuf_areas_free(struct cmabuf_area *areas)
{
	free(areas);
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

