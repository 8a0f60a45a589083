/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cma_buf: ioctls on /dev/cma_bufN, and on the control node /dev/cma_buf.
 *
 * Every struct has a fixed size and reserved fields that must be zero, so
 * later versions can give them a meaning without new ioctl numbers.
 */
#ifndef _UAPI_LINUX_CMA_BUF_H
#define _UAPI_LINUX_CMA_BUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CMA_BUF_UAPI_VERSION	2

/* Cache modes, as the sysfs attribute "cache" names them. */
#define CMA_BUF_CACHED		0
#define CMA_BUF_UNCACHED	1
#define CMA_BUF_WRITECOMBINE	2

/**
 * struct cma_buf_info - what CMA_BUF_IOC_GET_INFO returns
 * @version:	CMA_BUF_UAPI_VERSION of the module
 * @index:	N of /dev/cma_bufN
 * @size:	bytes, a whole number of pages
 * @phys_addr:	CPU physical address; 0 unless the caller has CAP_SYS_ADMIN
 * @cache:	CMA_BUF_CACHED, CMA_BUF_UNCACHED or CMA_BUF_WRITECOMBINE
 * @flags:	CMA_BUF_INFO_PHYS_VALID when @phys_addr is filled in,
 *		CMA_BUF_INFO_PINNABLE for a buffer allocated "pinnable",
 *		CMA_BUF_INFO_FD_OWNED for one that CMA_BUF_IOC_ALLOC made,
 *		CMA_BUF_INFO_NODE_VALID when @node is filled in (version 2)
 * @origin:	where the memory came from: a CMA area's name, or "dma"
 * @node:	NUMA node of the buffer's pages
 * @pad:	zero
 * @reserved:	zero
 */
struct cma_buf_info {
	__u32 version;
	__u32 index;
	__u64 size;
	__u64 phys_addr;
	__u32 cache;
	__u32 flags;
	char origin[32];
	__s32 node;
	__u32 pad;
	__u64 reserved[3];
};

#define CMA_BUF_INFO_PHYS_VALID	(1U << 0)
#define CMA_BUF_INFO_PINNABLE	(1U << 1)
#define CMA_BUF_INFO_FD_OWNED	(1U << 2)
#define CMA_BUF_INFO_NODE_VALID	(1U << 3)

/* Directions, as the DMA API has them. */
#define CMA_BUF_SYNC_BIDIRECTIONAL	0
#define CMA_BUF_SYNC_TO_DEVICE		1
#define CMA_BUF_SYNC_FROM_DEVICE	2

/* Who takes ownership of the range: the CPU or the device. */
#define CMA_BUF_SYNC_FOR_CPU		0
#define CMA_BUF_SYNC_FOR_DEVICE		1

/**
 * struct cma_buf_sync - argument of CMA_BUF_IOC_SYNC
 * @offset:	first byte of the range
 * @size:	bytes; 0 with @offset 0 means the whole buffer
 * @direction:	CMA_BUF_SYNC_BIDIRECTIONAL, _TO_DEVICE or _FROM_DEVICE
 * @target:	CMA_BUF_SYNC_FOR_CPU or CMA_BUF_SYNC_FOR_DEVICE
 * @reserved:	zero
 */
struct cma_buf_sync {
	__u64 offset;
	__u64 size;
	__u32 direction;
	__u32 target;
	__u64 reserved;
};

/**
 * struct cma_buf_export - argument of CMA_BUF_IOC_EXPORT_DMABUF
 * @offset:	first byte of the exported range, page aligned
 * @size:	bytes, page aligned; 0 with @offset 0 exports the whole buffer
 * @flags:	O_CLOEXEC, and O_RDONLY or O_RDWR, for the new file
 * @fd:		out: the dma-buf file descriptor
 * @reserved:	zero
 */
struct cma_buf_export {
	__u64 offset;
	__u64 size;
	__u32 flags;
	__s32 fd;
	__u64 reserved;
};

/* Longest CMA area name with its NUL, as the kernel's CMA_MAX_NAME. */
#define CMA_BUF_AREA_NAME_MAX	64

/* Flags of struct cma_buf_alloc. */
#define CMA_BUF_ALLOC_PINNABLE	(1U << 0)	/* as "pinnable" in sysfs */
#define CMA_BUF_ALLOC_CLOEXEC	(1U << 1)	/* the new fd gets FD_CLOEXEC */

/* No NUMA node asked for. */
#define CMA_BUF_NODE_ANY	(-1)

/**
 * struct cma_buf_alloc - argument of CMA_BUF_IOC_ALLOC, on /dev/cma_buf
 * @size:	bytes, rounded up to whole pages; not zero
 * @align:	physical alignment, a power of two; 0 for the default
 * @flags:	CMA_BUF_ALLOC_PINNABLE, CMA_BUF_ALLOC_CLOEXEC
 * @node:	NUMA node whose CMA area to use, or CMA_BUF_NODE_ANY
 * @area:	name of the CMA area to use, NUL terminated; "" for the default
 * @index:	out: N of the new buffer's cma_bufN
 * @fd:		out: a file descriptor of the buffer, as if /dev/cma_bufN was
 *		opened read-write. The buffer belongs to it: when the last
 *		file descriptor and mapping of it are gone (close, exit, kill),
 *		the buffer is freed as if by writing N to the free file.
 * @reserved:	zero
 *
 * At most one of @area and @node may be given (EINVAL otherwise).
 */
struct cma_buf_alloc {
	__u64 size;
	__u64 align;
	__u32 flags;
	__s32 node;
	char area[CMA_BUF_AREA_NAME_MAX];
	__u32 index;
	__s32 fd;
	__u64 reserved[4];
};

#define CMA_BUF_IOC_MAGIC		0xC9	/* free in ioctl-number.rst as of 6.1 */
#define CMA_BUF_IOC_GET_INFO		_IOR(CMA_BUF_IOC_MAGIC, 0x00, struct cma_buf_info)
#define CMA_BUF_IOC_SYNC		_IOW(CMA_BUF_IOC_MAGIC, 0x01, struct cma_buf_sync)
#define CMA_BUF_IOC_EXPORT_DMABUF	_IOWR(CMA_BUF_IOC_MAGIC, 0x02, struct cma_buf_export)
/* On the control node /dev/cma_buf only. */
#define CMA_BUF_IOC_ALLOC		_IOWR(CMA_BUF_IOC_MAGIC, 0x10, struct cma_buf_alloc)

#endif /* _UAPI_LINUX_CMA_BUF_H */
