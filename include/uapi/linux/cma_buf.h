/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cma_buf: ioctls on /dev/cma_bufN.
 *
 * Every struct has a fixed size and reserved fields that must be zero, so
 * later versions can give them a meaning without new ioctl numbers.
 */
#ifndef _UAPI_LINUX_CMA_BUF_H
#define _UAPI_LINUX_CMA_BUF_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CMA_BUF_UAPI_VERSION	1

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
 *		CMA_BUF_INFO_PINNABLE for a buffer allocated "pinnable"
 * @origin:	where the memory came from: a CMA area's name, or "dma"
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
	__u64 reserved[4];
};

#define CMA_BUF_INFO_PHYS_VALID	(1U << 0)
#define CMA_BUF_INFO_PINNABLE	(1U << 1)

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

#define CMA_BUF_IOC_MAGIC		0xC9	/* free in ioctl-number.rst as of 6.1 */
#define CMA_BUF_IOC_GET_INFO		_IOR(CMA_BUF_IOC_MAGIC, 0x00, struct cma_buf_info)
#define CMA_BUF_IOC_SYNC		_IOW(CMA_BUF_IOC_MAGIC, 0x01, struct cma_buf_sync)
#define CMA_BUF_IOC_EXPORT_DMABUF	_IOWR(CMA_BUF_IOC_MAGIC, 0x02, struct cma_buf_export)

#endif /* _UAPI_LINUX_CMA_BUF_H */
