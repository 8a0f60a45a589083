// SPDX-License-Identifier: GPL-2.0
/*
 * edu-dma: one DMA transfer by QEMU's edu device, for the demo and by hand.
 *
 *   edu-dma to-device BUS_ADDR LEN     RAM at BUS_ADDR -> the device's buffer
 *   edu-dma to-ram BUS_ADDR LEN        the device's buffer -> RAM at BUS_ADDR
 *
 * BUS_ADDR is what the device must be given: phys_addr without an IOMMU,
 * the buffer's dma_addr (cmabuf bind) in any case. LEN is at most 4032.
 */
#include <stdlib.h>

#include "edu-dev.h"

int main(int argc, char **argv)
{
	struct edu e = { 0 };
	unsigned long long bus, len;
	char *end;
	int ret;

	if (argc != 4 || (strcmp(argv[1], "to-device") && strcmp(argv[1], "to-ram"))) {
		fprintf(stderr, "usage: edu-dma to-device|to-ram BUS_ADDR LEN\n");
		return 2;
	}
	errno = 0;
	bus = strtoull(argv[2], &end, 0);
	if (errno || *end || !argv[2][0])
		return fprintf(stderr, "edu-dma: bad address '%s'\n", argv[2]), 2;
	len = strtoull(argv[3], &end, 0);
	if (errno || *end || !len || len > EDU_XFER_MAX)
		return fprintf(stderr, "edu-dma: length must be 1..%u\n", EDU_XFER_MAX), 2;
	ret = edu_open(&e);
	if (ret) {
		fprintf(stderr, "edu-dma: no usable edu device: %s\n", strerror(-ret));
		return 1;
	}
	ret = edu_dma(&e, bus, 0, len, !strcmp(argv[1], "to-ram"));
	edu_close(&e);
	if (ret) {
		fprintf(stderr, "edu-dma: transfer failed: %s\n", strerror(-ret));
		return 1;
	}
	printf("edu %s: %llu bytes %s bus address 0x%llx (device %s)\n", argv[1], len,
	       strcmp(argv[1], "to-ram") ? "from" : "to", bus, e.bdf);
	return 0;
}
