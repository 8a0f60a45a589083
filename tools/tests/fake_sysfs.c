// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for tests/cli-host.sh: the cmabuf CLI on a host without
 * the module. libsysfs's sysfs_get_mnt_path() answers $CMABUF_FAKE_SYSFS;
 * open("/dev/cma_buf") gives a stand-in descriptor, and CMA_BUF_IOC_ALLOC on
 * it makes cma_bufN in the fake sysfs (owner "fd") and returns a memfd of
 * the size asked for as the buffer's descriptor; access() finds the node. Each request is appended
 * to $CMABUF_FAKE_SYSFS/ioctl.log. An area named "nosuch" and node 7 fail
 * with ENOENT, as the module's would.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/cma_buf.h>

static int control_fd = -1;

int sysfs_get_mnt_path(char *mnt_path, size_t len)
{
	const char *root = getenv("CMABUF_FAKE_SYSFS");

	if (!root || strlen(root) >= len) {
		errno = EINVAL;
		return -1;
	}
	strcpy(mnt_path, root);
	return 0;
}

static int real_open(const char *path, int flags, mode_t mode)
{
	static int (*next)(const char *, int, ...);

	if (!next)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	return next(path, flags, mode);
}

static int fake_open(const char *path, int flags, mode_t mode)
{
	if (strcmp(path, "/dev/cma_buf") || !getenv("CMABUF_FAKE_SYSFS"))
		return real_open(path, flags, mode);
	control_fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC), 0);
	return control_fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return fake_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return fake_open(path, flags, mode);
}

static void put(const char *dir, const char *attr, const char *value)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "w");
	if (f) {
		fputs(value, f);
		fclose(f);
	}
}

/* The lowest N without a cma_bufN in the fake sysfs. */
static unsigned int free_index(const char *root)
{
	char path[512];
	struct stat st;
	unsigned int i;

	for (i = 0;; i++) {
		snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u", root, i);
		if (stat(path, &st))
			return i;
	}
}

static int fake_alloc(struct cma_buf_alloc *req)
{
	const char *root = getenv("CMABUF_FAKE_SYSFS");
	char dir[256], value[64];
	unsigned int index;
	FILE *log;
	int fd;

	snprintf(dir, sizeof(dir), "%s/ioctl.log", root);
	log = fopen(dir, "a");
	if (log) {
		fprintf(log, "size=%llu align=%llu flags=%u node=%d area=%.*s\n",
			(unsigned long long)req->size, (unsigned long long)req->align, req->flags,
			req->node, (int)sizeof(req->area), req->area);
		fclose(log);
	}
	if (!strcmp(req->area, "nosuch") || req->node == 7) {
		errno = ENOENT;
		return -1;
	}
	fd = memfd_create("cma_buf", req->flags & CMA_BUF_ALLOC_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0 || ftruncate(fd, (req->size + 4095) & ~4095ULL))
		return -1;
	index = free_index(root);
	snprintf(dir, sizeof(dir), "%s/class/cma_buf/cma_buf%u", root, index);
	mkdir(dir, 0755);
	snprintf(value, sizeof(value), "%llu\n", (unsigned long long)((req->size + 4095) & ~4095ULL));
	put(dir, "size", value);
	put(dir, "origin", req->area[0] ? req->area : "reserved");
	snprintf(value, sizeof(value), "250:%u\n", index);
	put(dir, "dev", value);
	put(dir, "phys_addr", "0x0000000030400000\n");
	put(dir, "cache", "cached\n");
	put(dir, "mappings", "0\n");
	snprintf(value, sizeof(value), "%d\n", req->node < 0 ? 0 : req->node);
	put(dir, "node", value);
	put(dir, "owner", "fd\n");
	req->index = index;
	req->fd = fd;
	return 0;
}

/* The control node is there, for the CLI's look at it. */
int access(const char *path, int mode)
{
	static int (*next)(const char *, int);

	if (!strcmp(path, "/dev/cma_buf") && getenv("CMABUF_FAKE_SYSFS"))
		return 0;
	if (!next)
		next = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
	return next(path, mode);
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*next)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == control_fd && fd >= 0 && request == CMA_BUF_IOC_ALLOC)
		return fake_alloc(arg);
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return next(fd, request, arg);
}
