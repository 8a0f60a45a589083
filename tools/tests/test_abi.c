// SPDX-License-Identifier: GPL-2.0
/*
 * The shared library's symbol versions: a program linked against
 * libcmabuf 0.1 calls cmabuf_info@CMABUF_0.1 and cmabuf_list@CMABUF_0.1,
 * which must fill 0.1's shorter struct cmabuf_info (an array of them, for
 * cmabuf_list), while the default versions fill 0.2's. Linked against
 * $(OUT)/libcmabuf.so, on a fake sysfs as in test_host.c. Prints TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmabuf.h"

/* struct cmabuf_info of cmabuf.h 0.1, as such a program has it. */
struct old_info {
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

int old_info(struct cmabuf *buf, struct old_info *info);
int old_list(struct old_info **infos, size_t *count);
__asm__(".symver old_info, cmabuf_info@CMABUF_0.1");
__asm__(".symver old_list, cmabuf_list@CMABUF_0.1");

static int tests, failures;

static void check(bool ok, const char *what)
{
	tests++;
	failures += !ok;
	printf("%s %d abi: %s\n", ok ? "ok" : "not ok", tests, what);
}

static char fake_root[64];

/* libsysfs asks this for the sysfs mount: the fake one (see test_host.c). */
int sysfs_get_mnt_path(char *mnt_path, size_t len)
{
	if (!fake_root[0] || strlen(fake_root) >= len) {
		errno = EINVAL;
		return -1;
	}
	strcpy(mnt_path, fake_root);
	return 0;
}

static const char *const attrs[][2] = {
	{ "size", "65536\n" }, { "origin", "reserved\n" }, { "phys_addr", "0x0000000030400000\n" },
	{ "cache", "cached\n" }, { "mappings", "1\n" }, { "node", "1\n" }, { "owner", "fd\n" },
	{ "dev", NULL },
};

#define NR_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

static void fake_buffer(unsigned int index, bool make)
{
	char path[256], value[32];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u", fake_root, index);
	if (make && mkdir(path, 0755)) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < NR_ATTRS; i++) {
		snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u/%s", fake_root, index,
			 attrs[i][0]);
		if (!make) {
			unlink(path);
			continue;
		}
		snprintf(value, sizeof(value), "250:%u\n", index);
		f = fopen(path, "w");
		if (!f || fputs(attrs[i][1] ? attrs[i][1] : value, f) < 0 || fclose(f)) {
			perror(path);
			exit(1);
		}
	}
	if (!make) {
		snprintf(path, sizeof(path), "%s/class/cma_buf/cma_buf%u", fake_root, index);
		rmdir(path);
	}
}

int main(void)
{
	char dir[] = "/tmp/cmabuf-test-abi.XXXXXX", path[128];
	struct cmabuf_info *infos = NULL, info;
	struct old_info *olds = NULL;
	unsigned char raw[sizeof(struct old_info) + 16];
	struct cmabuf *buf = NULL;
	size_t n = 0, i;
	bool untouched;
	int ret;

	if (!mkdtemp(dir) || strlen(dir) + 1 > sizeof(fake_root)) {
		perror("mkdtemp");
		return 1;
	}
	strcpy(fake_root, dir);
	snprintf(path, sizeof(path), "%s/class", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/cma_buf", dir);
	mkdir(path, 0755);
	fake_buffer(3, true);
	fake_buffer(5, true);

	ret = old_list(&olds, &n);
	check(!ret && n == 2 && olds[0].index == 3 && olds[1].index == 5 &&
	      !strcmp(olds[1].name, "cma_buf5") && olds[1].mappings == 1 &&
	      olds[1].dev_minor == 5 && !strcmp(olds[1].cache, "cached"),
	      "cmabuf_list@CMABUF_0.1 gives an array of 0.1's struct cmabuf_info");
	cmabuf_list_free((struct cmabuf_info *)olds);

	ret = cmabuf_list(&infos, &n);
	check(!ret && n == 2 && infos[1].index == 5 && infos[1].mappings == 1 &&
	      infos[1].node == 1 && infos[1].owner == CMABUF_OWNER_FD,
	      "cmabuf_list (default, CMABUF_0.2) gives 0.2's, node and owner included");
	cmabuf_list_free(infos);

	ret = cmabuf_open("5", &buf);
	check(!ret, "cmabuf_open of the fake buffer");
	if (ret)
		goto out;
	memset(raw, 0xa5, sizeof(raw));
	ret = old_info(buf, (struct old_info *)raw);
	untouched = true;
	for (i = sizeof(struct old_info); i < sizeof(raw); i++)
		untouched = untouched && raw[i] == 0xa5;
	check(!ret && ((struct old_info *)raw)->index == 5 &&
	      ((struct old_info *)raw)->mappings == 1 && untouched,
	      "cmabuf_info@CMABUF_0.1 fills 0.1's structure and not a byte past it");
	ret = cmabuf_info(buf, &info);
	check(!ret && info.index == 5 && info.node == 1 && info.owner == CMABUF_OWNER_FD,
	      "cmabuf_info (default) fills node and owner");
	cmabuf_close(buf);
out:
	fake_buffer(3, false);
	fake_buffer(5, false);
	snprintf(path, sizeof(path), "%s/class/cma_buf", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/class", dir);
	rmdir(path);
	rmdir(dir);
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
