// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID GID GROUPS COMMAND [ARGS]: drop from root to UID, primary group
 * GID and the supplementary groups GROUPS (numbers, comma separated, or "-"
 * for none), then exec COMMAND. For the group-access test in the VM, whose
 * busybox cannot set supplementary groups for another user.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned int *id)
{
	char *end;
	unsigned long v;

	if (!*s || s[0] == '-' || s[0] == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > 0xfffffffeUL)
		return -1;
	*id = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int uid, gid, id;
	gid_t groups[32];
	size_t n = 0;
	char *list, *tok, *save;

	if (argc < 5 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid))
		goto usage;
	if (strcmp(argv[3], "-")) {
		list = strdup(argv[3]);
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (n == sizeof(groups) / sizeof(groups[0]) || parse_id(tok, &id))
				goto usage;
			groups[n++] = id;
		}
	}
	if (setgroups(n, groups) || setgid(gid) || setuid(uid)) {
		perror("runas: dropping privileges");
		return 126;
	}
	if (!setuid(0)) {
		fprintf(stderr, "runas: still able to become root\n");
		return 126;
	}
	execvp(argv[4], argv + 4);
	fprintf(stderr, "runas: %s: %s\n", argv[4], strerror(errno));
	return 127;
usage:
	fprintf(stderr, "usage: runas UID GID GROUPS|- COMMAND [ARGS]\n");
	return 2;
}
