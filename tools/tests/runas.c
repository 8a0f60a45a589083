// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID GID COMMAND [ARGS]: drop from root to UID:GID, without
 * supplementary groups, and run COMMAND. The test VM's busybox has neither
 * chpst nor a setpriv with --reuid, and su wants a shell and a passwd entry.
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

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 0xfffffffeUL || s[0] == '-' || s[0] == '+')
		return -1;
	*id = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int uid, gid;

	if (argc < 4 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid)) {
		fprintf(stderr, "usage: runas UID GID COMMAND [ARGS]\n");
		return 2;
	}
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
		perror("runas: dropping privileges");
		return 126;
	}
	execvp(argv[3], argv + 3);
	fprintf(stderr, "runas: %s: %s\n", argv[3], strerror(errno));
	return 127;
}
