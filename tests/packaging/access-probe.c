// SPDX-License-Identifier: GPL-2.0
/*
 * access-probe: one file operation, reporting the errno by name, for the
 * group-access test in the VM (tests/packaging/group-test.sh).
 *
 *   access-probe write FILE STRING   write STRING to FILE (sysfs alloc/free)
 *   access-probe read FILE           read FILE to stdout (phys_addr)
 *   access-probe map DEV             open O_RDWR, mmap the first page
 *                                    MAP_SHARED, write and read it back
 *
 * Prints "ok" or "error ENAME (message)"; exits 0 or 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	int e = errno;

	printf("error %s (%s: %s)\n", strerrorname_np(e) ? strerrorname_np(e) : "?", what,
	       strerror(e));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (argc == 4 && !strcmp(argv[1], "write")) {
		fd = open(argv[2], O_WRONLY);
		if (fd < 0)
			return fail("open");
		n = write(fd, argv[3], strlen(argv[3]));
		if (n < 0)
			return fail("write");
		close(fd);
	} else if (argc == 3 && !strcmp(argv[1], "read")) {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open");
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			return fail("read");
		buf[n] = 0;
		fputs(buf, stdout);
		close(fd);
	} else if (argc == 3 && !strcmp(argv[1], "map")) {
		long pg = sysconf(_SC_PAGESIZE);
		volatile unsigned char *p;

		fd = open(argv[2], O_RDWR);
		if (fd < 0)
			return fail("open");
		p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
		p[0] = 0x5a;
		p[pg - 1] = 0xa5;
		if (p[0] != 0x5a || p[pg - 1] != 0xa5) {
			printf("error EIO (read back a different byte)\n");
			return 1;
		}
		munmap((void *)p, pg);
		close(fd);
	} else {
		fprintf(stderr, "usage: access-probe write FILE STRING | read FILE | map DEV\n");
		return 2;
	}
	printf("ok\n");
	return 0;
}
