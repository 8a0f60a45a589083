/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A user-space driver for QEMU's edu PCI device (QEMU docs/specs/edu.rst),
 * the way FPGA users drive their own DMA engine: BAR0 through sysfs's
 * resource0, bus mastering switched on in config space, registers polled.
 *
 * edu copies between its 4 KiB internal buffer, at device address 0x40000,
 * and any bus address it is given. Each transfer starts 100 ms (of QEMU's
 * virtual clock) after the command is written.
 */
#ifndef CMA_BUF_EDU_DEV_H
#define CMA_BUF_EDU_DEV_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_VENDOR	"0x1234"
#define EDU_DEVICE	"0x11e8"
#define EDU_BUF		0x40000UL	/* the internal buffer's device address */
#define EDU_BUF_SIZE	4096U
#define EDU_XFER_MAX	(EDU_BUF_SIZE - 64)	/* the longest transfer we make */
#define EDU_REG_ID	0x00
#define EDU_REG_LIVE	0x04	/* reads back the inverse of what was written */
#define EDU_REG_SRC	0x80
#define EDU_REG_DST	0x88
#define EDU_REG_CNT	0x90
#define EDU_REG_CMD	0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BAR_SIZE	(1UL << 20)
#define EDU_PCI		"/sys/bus/pci/devices"

struct edu {
	char bdf[32];
	volatile uint8_t *bar;
};

static inline bool edu_sysfs_is(const char *bdf, const char *file, const char *want)
{
	char path[160], got[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), EDU_PCI "/%s/%s", bdf, file);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(got, sizeof(got), f))
		got[0] = 0;
	fclose(f);
	got[strcspn(got, "\n")] = 0;
	return !strcmp(got, want);
}

/* The first edu device's PCI address into @bdf; 0 or -ENODEV. */
static inline int edu_find(char *bdf, size_t len)
{
	DIR *d = opendir(EDU_PCI);
	struct dirent *e;
	int ret = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (edu_sysfs_is(e->d_name, "vendor", EDU_VENDOR) &&
		    edu_sysfs_is(e->d_name, "device", EDU_DEVICE)) {
			snprintf(bdf, len, "%s", e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Memory decoding and bus mastering on: without the latter no DMA happens. */
static inline int edu_enable(const char *bdf)
{
	char path[160];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(path, sizeof(path), EDU_PCI "/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, 4) != 2) {
		ret = -EIO;
	} else {
		cmd |= 0x2 | 0x4;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
		if (pwrite(fd, &cmd, 2, 4) != 2)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

static inline uint32_t edu_rd32(struct edu *e, unsigned int reg)
{
	return *(volatile uint32_t *)(e->bar + reg);
}

static inline void edu_wr32(struct edu *e, unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(e->bar + reg) = v;
}

static inline uint64_t edu_rd64(struct edu *e, unsigned int reg)
{
	return *(volatile uint64_t *)(e->bar + reg);
}

static inline void edu_wr64(struct edu *e, unsigned int reg, uint64_t v)
{
	*(volatile uint64_t *)(e->bar + reg) = v;
}

/* Find, enable and map the device, and check it answers; 0 or -errno. */
static inline int edu_open(struct edu *e)
{
	char path[160];
	void *p;
	int fd, ret;

	ret = edu_find(e->bdf, sizeof(e->bdf));
	if (ret)
		return ret;
	ret = edu_enable(e->bdf);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), EDU_PCI "/%s/resource0", e->bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = -errno;
	close(fd);
	if (p == MAP_FAILED)
		return ret;
	e->bar = p;
	edu_wr32(e, EDU_REG_LIVE, 0x12345678);
	if ((edu_rd32(e, EDU_REG_ID) & 0xff) != 0xed || edu_rd32(e, EDU_REG_LIVE) != ~0x12345678u) {
		munmap(p, EDU_BAR_SIZE);
		e->bar = NULL;
		return -EIO;
	}
	return 0;
}

static inline void edu_close(struct edu *e)
{
	if (e->bar)
		munmap((void *)e->bar, EDU_BAR_SIZE);
	e->bar = NULL;
}

/*
 * One transfer of @len bytes between bus address @bus and offset @off of
 * the device's buffer, to RAM if @to_ram; waits for the device to finish.
 * 0, -EINVAL (outside the device's own buffer, whose check in QEMU stops
 * the whole machine), or -ETIMEDOUT.
 */
static inline int edu_dma(struct edu *e, uint64_t bus, unsigned int off, unsigned int len,
			  bool to_ram)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	/* Not up to the very end: QEMU 7.2's range check is off by one and aborts. */
	if (!len || len >= EDU_BUF_SIZE || off >= EDU_BUF_SIZE - len)
		return -EINVAL;
	edu_wr64(e, to_ram ? EDU_REG_SRC : EDU_REG_DST, EDU_BUF + off);
	edu_wr64(e, to_ram ? EDU_REG_DST : EDU_REG_SRC, bus);
	edu_wr64(e, EDU_REG_CNT, len);
	edu_wr64(e, EDU_REG_CMD, EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (int i = 0; i < 1000; i++) {	/* 5 s */
		if (!(edu_rd64(e, EDU_REG_CMD) & EDU_CMD_RUN))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

#endif /* CMA_BUF_EDU_DEV_H */
