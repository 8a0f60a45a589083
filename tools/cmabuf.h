/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcmabuf: physically contiguous cma_buf buffers from user space.
 *
 * A thin layer over the cma_buf module's sysfs files (read through libsysfs)
 * and its /dev/cma_bufN nodes. Every function that can fail returns 0 (or a
 * non-negative value) on success and a negative errno value on failure; it
 * never prints. cmabuf_strerror() turns such a value into a message that
 * names the file whose access failed.
 *
 * Thread safety: handles are not shared-safe (one thread per handle at a
 * time); the last-failed-path used by cmabuf_strerror() is per thread.
 */
#ifndef CMABUF_H
#define CMABUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CMABUF_VERSION		"0.2.0"

#define CMABUF_SYSFS_CLASS	"cma_buf"
#define CMABUF_NAME_PREFIX	"cma_buf"
#define CMABUF_NAME_MAX		32	/* "cma_buf4294967295" and its NUL fit */

/* Pass as @index to cmabuf_alloc_index() to take the lowest free index. */
#define CMABUF_INDEX_ANY	(-1L)

/* Directions for cmabuf_sync(). */
#define CMABUF_SYNC_FOR_CPU	1	/* before the CPU reads what a device wrote */
#define CMABUF_SYNC_FOR_DEVICE	2	/* before a device reads what the CPU wrote */

struct cmabuf;

/* A snapshot of one buffer's sysfs attributes. */
struct cmabuf_info {
	char name[CMABUF_NAME_MAX];	/* "cma_bufN" */
	unsigned int index;		/* N */
	uint64_t size;			/* bytes, a whole number of pages */
	uint64_t phys_addr;		/* valid only when phys_err == 0 */
	int phys_err;			/* -EACCES when not root, ... */
	char origin[64];		/* CMA area name or "dma" */
	char cache[16];			/* "" when the module has no cache attribute */
	unsigned int dev_major, dev_minor;	/* from the dev attribute */
	long mappings;			/* user-space mappings (VMAs), -1 when not published */
	/* Since 0.2 (CMABUF_0.2 symbols; binaries built before get the old layout). */
	int node;			/* NUMA node of the pages, -1 when not published */
	int owner;			/* CMABUF_OWNER_*, 0 when not published */
};

/* Who frees a buffer: cmabuf_owner(), struct cmabuf_info's owner. */
#define CMABUF_OWNER_SYSFS	1	/* made through alloc: lives until freed */
#define CMABUF_OWNER_FD		2	/* made by cmabuf_alloc_owned(): also goes with its fd */

/* Pass as @node to take no NUMA node into account. */
#define CMABUF_NODE_ANY		(-1)
#define CMABUF_AREA_NAME_MAX	64	/* a CMA area's name and its NUL */

/* One CMA area the module can allocate from (cmabuf_areas()). */
struct cmabuf_area {
	char name[CMABUF_AREA_NAME_MAX];	/* what area= and origin say */
	unsigned int flags;		/* CMABUF_AREA_* */
	int node;			/* NUMA node, -1 when unknown */
	uint64_t base;			/* physical; with CMABUF_AREA_HAS_BASE */
	uint64_t size;			/* bytes; with CMABUF_AREA_HAS_SIZE */
	uint64_t free;			/* bytes the kernel has free in it; with CMABUF_AREA_HAS_FREE */
	uint64_t held;			/* bytes the module's buffers hold in it */
	uint64_t reserved[4];		/* zero */
};

#define CMABUF_AREA_DEFAULT	(1U << 0)	/* what alloc takes without area= or node= */
#define CMABUF_AREA_HAS_BASE	(1U << 1)
#define CMABUF_AREA_HAS_SIZE	(1U << 2)	/* from the module, else the kernel's total_pages */
#define CMABUF_AREA_HAS_FREE	(1U << 3)	/* the kernel's available_pages */

/* Buffers. */
int cmabuf_alloc(uint64_t size, uint64_t align, struct cmabuf **bufp);
int cmabuf_alloc_index(uint64_t size, uint64_t align, long index, struct cmabuf **bufp);
/* Flags of cmabuf_alloc_flags(). */
#define CMABUF_ALLOC_PINNABLE	(1U << 0)	/* struct-page mappings: O_DIRECT, vmsplice */
int cmabuf_alloc_flags(uint64_t size, uint64_t align, long index, unsigned int flags,
		       struct cmabuf **bufp);
/* Since 0.2: from a CMA area by name (NULL: the default) or by node. */
int cmabuf_alloc_at(uint64_t size, uint64_t align, long index, unsigned int flags,
		    const char *area, int node, struct cmabuf **bufp);
/* Since 0.2: a buffer that goes when the handle is closed (and its process dies). */
int cmabuf_alloc_owned(uint64_t size, uint64_t align, unsigned int flags,
		       const char *area, int node, struct cmabuf **bufp);
int cmabuf_open(const char *name, struct cmabuf **bufp);
int cmabuf_free(struct cmabuf *buf);
void cmabuf_close(struct cmabuf *buf);

/* Attributes, read when the handle was opened unless marked "now". */
const char *cmabuf_name(const struct cmabuf *buf);
unsigned int cmabuf_index(const struct cmabuf *buf);
uint64_t cmabuf_size(const struct cmabuf *buf);
const char *cmabuf_origin(const struct cmabuf *buf);
const char *cmabuf_cache(const struct cmabuf *buf);	/* NULL when absent */
int cmabuf_phys_addr(struct cmabuf *buf, uint64_t *addr);	/* now */
int cmabuf_mappings(struct cmabuf *buf, long *count);	/* now; -ENOTSUP when absent */
int cmabuf_pinnable(struct cmabuf *buf);	/* 1, 0, or -ENOTSUP when absent */
int cmabuf_node(const struct cmabuf *buf);	/* >= 0, or -ENOTSUP when absent (0.2) */
int cmabuf_owner(const struct cmabuf *buf);	/* CMABUF_OWNER_*, or -ENOTSUP (0.2) */
int cmabuf_info(struct cmabuf *buf, struct cmabuf_info *info);
/* Binding to a device for its DMA: "" or NULL unbinds. */
int cmabuf_bind(struct cmabuf *buf, const char *device);
int cmabuf_dma_device(struct cmabuf *buf, char *out, size_t len);	/* "" if none */
int cmabuf_dma_addr(struct cmabuf *buf, uint64_t *addr);	/* -ENODEV if unbound */	/* phys_addr, mappings now */

/* The device node, opened read-write on first use. */
int cmabuf_fd(struct cmabuf *buf);
const char *cmabuf_dev_path(const struct cmabuf *buf);
int cmabuf_map(struct cmabuf *buf, void **addr);
int cmabuf_unmap(struct cmabuf *buf);
int cmabuf_sync(struct cmabuf *buf, int direction);

/* All buffers, sorted by index. Free the array with cmabuf_list_free(). */
int cmabuf_list(struct cmabuf_info **infos, size_t *count);
void cmabuf_list_free(struct cmabuf_info *infos);

/* Since 0.2: the CMA areas, the default first. Free with cmabuf_areas_free(). */
int cmabuf_areas(struct cmabuf_area **areas, size_t *count);
void cmabuf_areas_free(struct cmabuf_area *areas);

/* The allocator the module uses: "cma" or "dma", into @out. */
int cmabuf_backend(char *out, size_t len);

/* Parsing, with the module's syntax. */
int cmabuf_parse_size(const char *s, uint64_t *out);
int cmabuf_parse_name(const char *s, unsigned int *index);
int cmabuf_parse_u64(const char *s, uint64_t *out);	/* no suffix */

/* Errors. */
const char *cmabuf_strerror(int err);
const char *cmabuf_error_path(void);

#ifdef __cplusplus
}
#endif

#endif /* CMABUF_H */
