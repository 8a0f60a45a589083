// SPDX-License-Identifier: GPL-2.0
/*
 * demo-map: map a cma_buf node, write a pattern, read it back through the
 * mapping and again from physical memory at the published phys_addr.
 *
 *   demo-map /dev/cma_bufN PHYS_ADDR SIZE
 */
#include "cma_buf_test.h"

int main(int argc, char **argv)
{
	unsigned long long phys, size;
	uint8_t *p, page[4096];
	unsigned long off;
	long bad;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: demo-map /dev/cma_bufN PHYS_ADDR SIZE\n");
		return 2;
	}
	phys = strtoull(argv[2], NULL, 0);
	size = strtoull(argv[3], NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("  mapped %llu bytes of %s at %p\n", size, argv[1], (void *)p);
	if (!cb_all_zero(p, size)) {
		printf("  FAIL: a fresh buffer is not all zero\n");
		return 1;
	}
	printf("  the fresh buffer reads all zero\n");
	cb_fill(p, size, 0, 42);
	bad = cb_check(p, size, 0, 42);
	if (bad >= 0) {
		printf("  FAIL: byte %ld of the mapping does not read back\n", bad);
		return 1;
	}
	printf("  wrote a %llu-byte pattern through the mapping and read it back\n", size);
	for (off = 0; off < size; off += sizeof(page)) {
		if (cb_devmem_read(phys + off, page, sizeof(page)) != sizeof(page)) {
			printf("  FAIL: cannot read /dev/mem at 0x%llx\n", phys + off);
			return 1;
		}
		bad = cb_check(page, sizeof(page), off, 42);
		if (bad >= 0) {
			printf("  FAIL: /dev/mem at 0x%llx differs from the mapping\n",
			       phys + off + bad);
			return 1;
		}
	}
	printf("  /dev/mem from 0x%llx to 0x%llx holds the same bytes: phys_addr is the truth\n",
	       phys, phys + size - 1);
	munmap(p, size);
	close(fd);
	return 0;
}
