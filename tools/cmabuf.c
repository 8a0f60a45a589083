// SPDX-License-Identifier: GPL-2.0
/*
 * cmabuf: allocate, inspect, fill, dump, load and save cma_buf buffers.
 *
 * Exit status: 0 success, 1 the operation failed, 2 the command line is
 * wrong. Every failure names what failed, the file involved and the errno
 * text on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmabuf.h"
#include "format.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define CHUNK		(1 << 20)	/* I/O and progress granularity */
#define PROGRESS_MIN	(4 << 20)	/* smaller transfers draw no bar */
#define PROGRESS_WIDTH	30

static const char *prog = "cmabuf";

/* Command descriptions, for --help and the man page's synopsis. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct command *current;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	if (current)
		fprintf(stderr, "%s: %s: ", prog, current->name);
	else
		fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current)
		fprintf(stderr, "\nusage: %s %s\nTry '%s %s --help'.\n", prog, current->usage,
			prog, current->name);
	else
		fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

/* Report a failed library call: what, the file, the errno text, a hint. */
static int op_fail(const char *what, int err)
{
	const char *path;

	fprintf(stderr, "%s: %s: %s\n", prog, what, cmabuf_strerror(err));
	path = cmabuf_error_path();
	if (err == -EACCES || err == -EPERM) {
		if (!strncmp(path, "/dev/", 5))
			fprintf(stderr, "%s: hint: %s is for root only unless a udev rule "
				"gives the 'cmabuf' group access (see cmabuf(1)); run as root "
				"or join that group\n", prog, path);
		else
			fprintf(stderr, "%s: hint: the cma_buf sysfs control files and "
				"phys_addr are for root only; run as root (e.g. with sudo)\n",
				prog);
	} else if (err == -ENODEV) {
		fprintf(stderr, "%s: hint: is the cma_buf module loaded? (modprobe cma_buf)\n",
			prog);
	}
	return EXIT_FAIL;
}

/* A failure that is not a library call's. */
static int fail_msg(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail_msg(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", prog, what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/*
 * Options of a subcommand: "--name VALUE", "--name=VALUE" or "--flag";
 * "--" ends them, "-" alone is an argument (standard input or output).
 * Positional arguments are collected in order into @pos.
 * Return: 0; EXIT_USAGE after a message; -1 when --help was printed.
 */
struct option_spec {
	const char *name;
	const char **value;	/* NULL for a flag */
	bool *flag;
};

static void print_help(const struct command *c)
{
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
}

static int parse_options(int argc, char **argv, struct option_spec *opts,
			 char **pos, int max_pos, int *npos)
{
	bool only_args = false;
	int i;

	*npos = 0;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		struct option_spec *o;
		size_t n;

		if (only_args || a[0] != '-' || !a[1]) {
			if (*npos == max_pos)
				return usage_error("unexpected argument '%s'", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help(current);
			return -1;
		}
		for (o = opts; o && o->name; o++) {
			n = strlen(o->name);
			if (!strncmp(a + 2, o->name, n) && a[0] == '-' && a[1] == '-' &&
			    (a[2 + n] == '\0' || a[2 + n] == '='))
				break;
		}
		if (!o || !o->name)
			return usage_error("unknown option '%s'", a);
		if (!o->value) {
			if (a[2 + n] == '=')
				return usage_error("option '--%s' takes no value", o->name);
			*o->flag = true;
		} else if (a[2 + n] == '=') {
			*o->value = a + 3 + n;
		} else {
			if (i + 1 == argc)
				return usage_error("option '--%s' needs a value", o->name);
			*o->value = argv[++i];
		}
	}
	return 0;
}

/* Options, then exactly @min to @max positional arguments. */
static int parse_args(int argc, char **argv, struct option_spec *opts,
		      char **pos, int min, int max, int *npos)
{
	int ret = parse_options(argc, argv, opts, pos, max, npos);

	if (ret)
		return ret;
	if (*npos < min)
		return usage_error("missing argument");
	return 0;
}

static int parse_size_arg(const char *what, const char *s, uint64_t *v, bool nonzero)
{
	int ret = cmabuf_parse_size(s, v);

	if (ret == -ERANGE)
		return usage_error("%s '%s' is too large", what, s);
	if (ret)
		return usage_error("invalid %s '%s' (bytes: decimal or 0x hex, "
				   "optionally followed by K, M or G)", what, s);
	if (nonzero && !*v)
		return usage_error("%s must not be zero", what);
	return 0;
}

static int parse_name_arg(const char *s)
{
	unsigned int index;

	if (cmabuf_parse_name(s, &index))
		return usage_error("invalid buffer name '%s' (cma_bufN, N or /dev/cma_bufN)",
				   s);
	return 0;
}

/* Open buffer @name, reporting failure as "OP NAME". */
static int open_buf(const char *op, const char *name, struct cmabuf **bufp)
{
	char what[128];
	int ret = cmabuf_open(name, bufp);

	if (ret) {
		snprintf(what, sizeof(what), "%s %s", op, name);
		return op_fail(what, ret);
	}
	return 0;
}

static int buf_fail(const char *op, struct cmabuf *buf, int err)
{
	char what[128];

	snprintf(what, sizeof(what), "%s %s", op, cmabuf_name(buf));
	return op_fail(what, err);
}

/* Progress on stderr while @done of @total bytes moved, when it is a terminal. */
struct progress {
	bool on;
	const char *label;
	uint64_t total;
	int shown;	/* percent last drawn, -1 for none */
};

static void progress_init(struct progress *p, const char *op, const char *name,
			  uint64_t total)
{
	static char label[96];

	snprintf(label, sizeof(label), "%s %s", op, name);
	p->label = label;
	p->total = total;
	p->shown = -1;
	p->on = total >= PROGRESS_MIN && isatty(STDERR_FILENO);
}

static void progress_update(struct progress *p, uint64_t done)
{
	char bar[PROGRESS_WIDTH + 1], a[24], b[24];
	int pct, fill;

	if (!p->on)
		return;
	pct = p->total ? (int)(done * 100 / p->total) : 100;
	if (pct == p->shown)
		return;
	p->shown = pct;
	fill = pct * PROGRESS_WIDTH / 100;
	memset(bar, '#', fill);
	memset(bar + fill, '-', PROGRESS_WIDTH - fill);
	bar[PROGRESS_WIDTH] = '\0';
	format_size(done & ~1023ULL, a, sizeof(a));
	format_size(p->total, b, sizeof(b));
	fprintf(stderr, "\r%s [%s] %3d%% %s/%s\033[K", p->label, bar, pct,
		done < 1024 ? "0" : a, b);
	fflush(stderr);
}

static void progress_done(struct progress *p, bool ok)
{
	if (!p->on)
		return;
	if (ok)
		progress_update(p, p->total);
	fputc('\n', stderr);
}

/* alloc, run */

/* What alloc and run ask for besides the size. */
struct alloc_opts {
	const char *align_s, *area, *node_s;
	bool pinnable;
	uint64_t align;
	int node;
};

/* SIZE and the options alloc and run share; 0 or EXIT_USAGE after a message. */
static int check_alloc_opts(const char *size_s, uint64_t *size, struct alloc_opts *o)
{
	uint64_t v;
	int ret;

	ret = parse_size_arg("size", size_s, size, true);
	if (ret)
		return ret;
	if (o->align_s) {
		ret = parse_size_arg("alignment", o->align_s, &o->align, true);
		if (ret)
			return ret;
		if (o->align & (o->align - 1))
			return usage_error("alignment '%s' is not a power of two", o->align_s);
	}
	o->node = CMABUF_NODE_ANY;
	if (o->area && o->node_s)
		return usage_error("--area and --node exclude each other");
	if (o->area && (!o->area[0] || strlen(o->area) >= CMABUF_AREA_NAME_MAX ||
			strpbrk(o->area, "/ \t\n")))
		return usage_error("invalid area name '%s' (1 to %d bytes, no '/' or blank; "
				   "'cmabuf areas' lists them)", o->area, CMABUF_AREA_NAME_MAX - 1);
	if (o->node_s) {
		if (!o->node_s[0] || strspn(o->node_s, "0123456789") != strlen(o->node_s) ||
		    cmabuf_parse_u64(o->node_s, &v) || v > INT_MAX)
			return usage_error("invalid node '%s' (a decimal number)", o->node_s);
		o->node = v;
	}
	return 0;
}

/* A failed allocation; a missing area is told as such, not as a file. */
static int alloc_fail(const char *size_s, const struct alloc_opts *o, int err)
{
	char what[128];

	snprintf(what, sizeof(what), "%s %s", current->name, size_s);
	/* Not the control node missing: the module said so. */
	if (err == -ENOENT && !strcmp(cmabuf_error_path(), "/dev/cma_buf") &&
	    access("/dev/cma_buf", F_OK))
		return op_fail(what, err);
	if (err == -ENOENT && o->area)
		return fail_msg(what, "no CMA area '%s' ('cmabuf areas' lists them)", o->area);
	if (err == -ENOENT && o->node != CMABUF_NODE_ANY)
		return fail_msg(what, "no CMA area on node %d ('cmabuf areas' lists them)",
				o->node);
	return op_fail(what, err);
}

static int cmd_alloc(int argc, char **argv)
{
	const char *index_s = NULL;
	struct alloc_opts o = { 0 };
	struct option_spec opts[] = {
		{ "align", &o.align_s, NULL },
		{ "index", &index_s, NULL },
		{ "pinnable", NULL, &o.pinnable },
		{ "area", &o.area, NULL },
		{ "node", &o.node_s, NULL },
		{ NULL, NULL, NULL },
	};
	unsigned int index;
	struct cmabuf *buf;
	uint64_t size;
	char *pos[1];
	int npos, ret;

	ret = parse_args(argc, argv, opts, pos, 1, 1, &npos);
	if (ret)
		return ret;
	ret = check_alloc_opts(pos[0], &size, &o);
	if (ret)
		return ret;
	if (index_s && cmabuf_parse_name(index_s, &index))
		return usage_error("invalid index '%s' (a decimal number)", index_s);

	ret = cmabuf_alloc_at(size, o.align, index_s ? (long)index : CMABUF_INDEX_ANY,
			      o.pinnable ? CMABUF_ALLOC_PINNABLE : 0, o.area, o.node, &buf);
	if (ret)
		return alloc_fail(pos[0], &o, ret);
	printf("%s\n", cmabuf_name(buf));
	cmabuf_close(buf);
	return 0;
}

/*
 * run: COMMAND with a buffer that belongs to it. The buffer's descriptor is
 * this process's and, inherited, COMMAND's; the module frees the buffer
 * when both (and whatever COMMAND passed it on to) have closed it.
 */
static int cmd_run(int argc, char **argv)
{
	struct alloc_opts o = { 0 };
	struct option_spec opts[] = {
		{ "align", &o.align_s, NULL },
		{ "pinnable", NULL, &o.pinnable },
		{ "area", &o.area, NULL },
		{ "node", &o.node_s, NULL },
		{ NULL, NULL, NULL },
	};
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	char fd_s[16], size_env[24];
	struct cmabuf *buf;
	uint64_t size;
	int npos, ret, dash, fd, status;
	char *pos[1];
	pid_t pid;

	/* Everything after the first "--" is COMMAND's, options included. */
	for (dash = 1; dash < argc && strcmp(argv[dash], "--"); dash++) {
		if (!strcmp(argv[dash], "--help") || !strcmp(argv[dash], "-h")) {
			print_help(current);
			return -1;
		}
	}
	if (dash + 1 >= argc)
		return usage_error("missing '-- COMMAND'");
	ret = parse_args(dash, argv, opts, pos, 1, 1, &npos);
	if (ret)
		return ret;
	ret = check_alloc_opts(pos[0], &size, &o);
	if (ret)
		return ret;

	ret = cmabuf_alloc_owned(size, o.align, o.pinnable ? CMABUF_ALLOC_PINNABLE : 0, o.area,
				 o.node, &buf);
	if (ret)
		return alloc_fail(pos[0], &o, ret);
	fd = cmabuf_fd(buf);
	snprintf(fd_s, sizeof(fd_s), "%d", fd);
	snprintf(size_env, sizeof(size_env), "%llu", (unsigned long long)cmabuf_size(buf));
	/* As system(3): the terminal's ^C and ^\ are for COMMAND, we wait for it. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		if (fcntl(fd, F_SETFD, 0) || setenv("CMABUF_FD", fd_s, 1) ||
		    setenv("CMABUF_NAME", cmabuf_name(buf), 1) ||
		    setenv("CMABUF_SIZE", size_env, 1)) {
			fprintf(stderr, "%s: run: %s\n", prog, strerror(errno));
			_exit(EXIT_FAIL);
		}
		execvp(argv[dash + 1], argv + dash + 1);
		status = errno;
		fprintf(stderr, "%s: run: %s: %s\n", prog, argv[dash + 1], strerror(status));
		_exit(status == ENOENT ? 127 : 126);
	}
	if (pid < 0) {
		ret = buf_fail("run", buf, -errno);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		/* Its status, as a shell gives it: 128 + N for signal N. */
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	cmabuf_close(buf);
	return ret;
}

/* areas */

/* A byte count for the table: "-" when unknown. */
static void format_known(bool known, uint64_t v, char *out, size_t len)
{
	if (known)
		format_size(v, out, len);
	else
		snprintf(out, len, "-");
}

static void print_json_area(const struct cmabuf_area *a)
{
	char s[160];

	json_string(s, sizeof(s), a->name);
	printf("  {\"name\": %s, \"default\": %s, ", s,
	       a->flags & CMABUF_AREA_DEFAULT ? "true" : "false");
	if (a->flags & CMABUF_AREA_HAS_BASE)
		printf("\"base\": \"0x%016llx\", ", (unsigned long long)a->base);
	else
		printf("\"base\": null, ");
	if (a->flags & CMABUF_AREA_HAS_SIZE)
		printf("\"size\": %llu, ", (unsigned long long)a->size);
	else
		printf("\"size\": null, ");
	if (a->flags & CMABUF_AREA_HAS_FREE)
		printf("\"free\": %llu, ", (unsigned long long)a->free);
	else
		printf("\"free\": null, ");
	if (a->node >= 0)
		printf("\"node\": %d, ", a->node);
	else
		printf("\"node\": null, ");
	printf("\"held\": %llu}", (unsigned long long)a->held);
}

static int cmd_areas(int argc, char **argv)
{
	bool json = false;
	struct option_spec opts[] = {
		{ "json", NULL, &json },
		{ NULL, NULL, NULL },
	};
	struct cmabuf_area *areas;
	int npos, ret, wname = 4;
	size_t n, i;

	ret = parse_args(argc, argv, opts, NULL, 0, 0, &npos);
	if (ret)
		return ret;
	ret = cmabuf_areas(&areas, &n);
	if (ret == -ENOTSUP)
		return fail_msg("areas", "the cma_buf module does not list its areas (it "
				"predates %s)", cmabuf_error_path());
	if (ret)
		return op_fail("areas", ret);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			print_json_area(&areas[i]);
		}
		printf(n ? "\n]\n" : "]\n");
		cmabuf_areas_free(areas);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((int)strlen(areas[i].name) > wname)
			wname = strlen(areas[i].name);
	printf("%-*s  %-18s  %6s  %6s  %4s  %6s  %s\n", wname, "NAME", "BASE", "SIZE", "FREE",
	       "NODE", "HELD", "DEFAULT");
	for (i = 0; i < n; i++) {
		const struct cmabuf_area *a = &areas[i];
		char base[24], size[24], free_s[24], node[16], held[24];

		if (a->flags & CMABUF_AREA_HAS_BASE)
			snprintf(base, sizeof(base), "0x%016llx", (unsigned long long)a->base);
		else
			snprintf(base, sizeof(base), "-");
		format_known(a->flags & CMABUF_AREA_HAS_SIZE, a->size, size, sizeof(size));
		format_known(a->flags & CMABUF_AREA_HAS_FREE, a->free, free_s, sizeof(free_s));
		if (a->node >= 0)
			snprintf(node, sizeof(node), "%d", a->node);
		else
			snprintf(node, sizeof(node), "-");
		format_size(a->held, held, sizeof(held));
		printf("%-*s  %-18s  %6s  %6s  %4s  %6s  %s\n", wname, a->name, base, size, free_s,
		       node, held, a->flags & CMABUF_AREA_DEFAULT ? "yes" : "no");
	}
	cmabuf_areas_free(areas);
	return 0;
}

/* free */

static int cmd_free(int argc, char **argv)
{
	char **pos = calloc(argc, sizeof(*pos));
	int npos, i, ret, err, status = 0;

	if (!pos)
		return fail_msg("free", "%s", strerror(ENOMEM));
	ret = parse_args(argc, argv, NULL, pos, 1, argc, &npos);
	/* Every name is checked before anything is freed. */
	for (i = 0; !ret && i < npos; i++)
		ret = parse_name_arg(pos[i]);
	for (i = 0; !ret && i < npos; i++) {
		struct cmabuf *buf;

		if (open_buf("free", pos[i], &buf)) {
			status = EXIT_FAIL;
			continue;
		}
		err = cmabuf_free(buf);
		if (err)
			status = buf_fail("free", buf, err);
		cmabuf_close(buf);
	}
	free(pos);
	return ret ? ret : status;
}

/* list, info */

static const char *owner_name(int owner)
{
	return owner == CMABUF_OWNER_FD ? "fd" : owner == CMABUF_OWNER_SYSFS ? "sysfs" : "-";
}

/* The node for people: "-" when the module does not publish it. */
static void format_node(const struct cmabuf_info *in, char *out, size_t len)
{
	if (in->node >= 0)
		snprintf(out, len, "%d", in->node);
	else
		snprintf(out, len, "-");
}

static void print_json_info(const struct cmabuf_info *in, const char *indent)
{
	char s[256];

	printf("%s{", indent);
	json_string(s, sizeof(s), in->name);
	printf("\"name\": %s, \"index\": %u, ", s, in->index);
	snprintf(s, sizeof(s), "/dev/%s", in->name);
	printf("\"device\": \"%s\", \"dev\": \"%u:%u\", ", s, in->dev_major, in->dev_minor);
	printf("\"size\": %llu, ", (unsigned long long)in->size);
	if (in->phys_err)
		printf("\"phys_addr\": null, ");
	else
		printf("\"phys_addr\": \"0x%016llx\", ", (unsigned long long)in->phys_addr);
	json_string(s, sizeof(s), in->origin);
	printf("\"origin\": %s, ", s);
	if (in->node >= 0)
		printf("\"node\": %d, ", in->node);
	else
		printf("\"node\": null, ");
	if (in->owner)
		printf("\"owner\": \"%s\", ", owner_name(in->owner));
	else
		printf("\"owner\": null, ");
	if (in->cache[0]) {
		json_string(s, sizeof(s), in->cache);
		printf("\"cache\": %s, ", s);
	} else {
		printf("\"cache\": null, ");
	}
	if (in->mappings >= 0)
		printf("\"mappings\": %ld}", in->mappings);
	else
		printf("\"mappings\": null}");
}

/* The mapping count for people: "-" when the module does not publish it. */
static void format_mappings(const struct cmabuf_info *in, char *out, size_t len)
{
	if (in->mappings >= 0)
		snprintf(out, len, "%ld", in->mappings);
	else
		snprintf(out, len, "-");
}

static int cmd_list(int argc, char **argv)
{
	bool json = false;
	struct option_spec opts[] = {
		{ "json", NULL, &json },
		{ NULL, NULL, NULL },
	};
	struct cmabuf_info *infos;
	int npos, ret, wname = 4, worigin = 6, wcache = 5, wmaps = 4;
	char maps[24];
	size_t n, i;

	ret = parse_args(argc, argv, opts, NULL, 0, 0, &npos);
	if (ret)
		return ret;
	ret = cmabuf_list(&infos, &n);
	if (ret)
		return op_fail("list", ret);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			print_json_info(&infos[i], "  ");
		}
		printf(n ? "\n]\n" : "]\n");
		cmabuf_list_free(infos);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if ((int)strlen(infos[i].name) > wname)
			wname = strlen(infos[i].name);
		if ((int)strlen(infos[i].origin) > worigin)
			worigin = strlen(infos[i].origin);
		if ((int)strlen(infos[i].cache) > wcache)
			wcache = strlen(infos[i].cache);
		format_mappings(&infos[i], maps, sizeof(maps));
		if ((int)strlen(maps) > wmaps)
			wmaps = strlen(maps);
	}
	printf("%-*s  %6s  %-18s  %-*s  %4s  %-5s  %-*s  %*s\n", wname, "NAME", "SIZE",
	       "PHYS_ADDR", worigin, "ORIGIN", "NODE", "OWNER", wcache, "CACHE", wmaps, "MAPS");
	for (i = 0; i < n; i++) {
		char size[24], phys[24], node[16];

		format_size(infos[i].size, size, sizeof(size));
		if (infos[i].phys_err)
			snprintf(phys, sizeof(phys), "-");
		else
			snprintf(phys, sizeof(phys), "0x%016llx",
				 (unsigned long long)infos[i].phys_addr);
		format_mappings(&infos[i], maps, sizeof(maps));
		format_node(&infos[i], node, sizeof(node));
		printf("%-*s  %6s  %-18s  %-*s  %4s  %-5s  %-*s  %*s\n", wname, infos[i].name, size,
		       phys, worigin, infos[i].origin, node, owner_name(infos[i].owner), wcache,
		       infos[i].cache[0] ? infos[i].cache : "-", wmaps, maps);
	}
	cmabuf_list_free(infos);
	return 0;
}

/* The bound device and its address of the buffer, when bound. */
static void print_binding(struct cmabuf *buf)
{
	char dev[128];
	uint64_t addr;
	int err;

	if (cmabuf_dma_device(buf, dev, sizeof(dev)) || !dev[0])
		return;
	printf("bound to:  %s\n", dev);
	err = cmabuf_dma_addr(buf, &addr);
	if (err)
		printf("dma_addr:  - (%s)\n", strerror(-err));
	else
		printf("dma_addr:  0x%016llx\n", (unsigned long long)addr);
}

static int cmd_info(int argc, char **argv)
{
	bool json = false;
	struct option_spec opts[] = {
		{ "json", NULL, &json },
		{ NULL, NULL, NULL },
	};
	struct cmabuf_info in;
	struct cmabuf *buf;
	char *pos[1], size[24];
	int npos, ret;

	ret = parse_args(argc, argv, opts, pos, 1, 1, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	ret = open_buf("info", pos[0], &buf);
	if (ret)
		return ret;
	ret = cmabuf_info(buf, &in);
	if (ret) {
		ret = buf_fail("info", buf, ret);
	} else if (json) {
		print_json_info(&in, "");
		printf("\n");
	} else {
		format_size(in.size, size, sizeof(size));
		printf("name:      %s\n", in.name);
		printf("device:    %s (%u:%u)\n", cmabuf_dev_path(buf), in.dev_major, in.dev_minor);
		printf("size:      %llu (%s)\n", (unsigned long long)in.size, size);
		if (in.phys_err)
			printf("phys_addr: - (%s)\n", strerror(-in.phys_err));
		else
			printf("phys_addr: 0x%016llx\n", (unsigned long long)in.phys_addr);
		printf("origin:    %s\n", in.origin);
		if (in.node >= 0)
			printf("node:      %d\n", in.node);
		if (in.owner)
			printf("owner:     %s\n", owner_name(in.owner));
		if (in.cache[0])
			printf("cache:     %s\n", in.cache);
		if (in.mappings >= 0)
			printf("mappings:  %ld\n", in.mappings);
		if (cmabuf_pinnable(buf) == 1)
			printf("pinnable:  yes\n");
		print_binding(buf);
	}
	cmabuf_close(buf);
	return ret;
}

/* bind, unbind */

static int bind_args(int argc, char **argv, int want, char **pos, struct cmabuf **bufp)
{
	int npos, ret;

	ret = parse_args(argc, argv, NULL, pos, want, want, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	return open_buf(current->name, pos[0], bufp);
}

static int cmd_bind(int argc, char **argv)
{
	struct cmabuf *buf;
	char *pos[2];
	uint64_t addr;
	int ret;

	ret = bind_args(argc, argv, 2, pos, &buf);
	if (ret)
		return ret;
	if (!pos[1][0])
		ret = usage_error("empty device name (unbind with 'cmabuf unbind NAME')");
	else if ((ret = cmabuf_bind(buf, pos[1])) == -ENODEV)
		/* Not the module missing: the device is. */
		ret = fail_msg("bind", "%s: no device '%s' on the PCI or platform bus",
			       cmabuf_name(buf), pos[1]);
	else if (ret || (ret = cmabuf_dma_addr(buf, &addr)))
		ret = buf_fail("bind", buf, ret);
	else
		printf("0x%016llx\n", (unsigned long long)addr);
	cmabuf_close(buf);
	return ret;
}

static int cmd_unbind(int argc, char **argv)
{
	struct cmabuf *buf;
	char *pos[1];
	int ret;

	ret = bind_args(argc, argv, 1, pos, &buf);
	if (ret)
		return ret;
	ret = cmabuf_bind(buf, NULL);
	if (ret)
		ret = buf_fail("unbind", buf, ret);
	cmabuf_close(buf);
	return ret;
}

/* fill, verify */

static int pattern_args(int argc, char **argv, struct cmabuf **bufp, struct pattern *p)
{
	char *pos[2];
	int npos, ret;

	ret = parse_args(argc, argv, NULL, pos, 2, 2, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	if (pattern_parse(pos[1], p))
		return usage_error("invalid pattern '%s' (0xHH, zero, ones, inc or "
				   "random:SEED)", pos[1]);
	return open_buf(current->name, pos[0], bufp);
}

static int cmd_fill(int argc, char **argv)
{
	struct cmabuf *buf;
	struct pattern p;
	void *map;
	int ret;

	ret = pattern_args(argc, argv, &buf, &p);
	if (ret)
		return ret;
	ret = cmabuf_map(buf, &map);
	if (ret) {
		ret = buf_fail("fill", buf, ret);
	} else {
		pattern_fill(&p, 0, map, cmabuf_size(buf));
		ret = cmabuf_unmap(buf);
		if (ret)
			ret = buf_fail("fill", buf, ret);
	}
	cmabuf_close(buf);
	return ret;
}

static int cmd_verify(int argc, char **argv)
{
	struct cmabuf *buf;
	struct pattern p;
	char name[40];
	uint8_t *map;
	size_t at;
	int ret;

	ret = pattern_args(argc, argv, &buf, &p);
	if (ret)
		return ret;
	ret = cmabuf_map(buf, (void **)&map);
	if (ret) {
		ret = buf_fail("verify", buf, ret);
		goto out;
	}
	pattern_name(&p, name, sizeof(name));
	at = pattern_check(&p, 0, map, cmabuf_size(buf));
	if (at < cmabuf_size(buf)) {
		char what[64];

		snprintf(what, sizeof(what), "verify %s", cmabuf_name(buf));
		ret = fail_msg(what, "mismatch at offset 0x%zx: expected 0x%02x, found 0x%02x "
			       "(pattern %s)", at, pattern_byte(&p, at), map[at], name);
	} else {
		printf("%s: %llu bytes match %s\n", cmabuf_name(buf),
		       (unsigned long long)cmabuf_size(buf), name);
	}
out:
	cmabuf_close(buf);
	return ret;
}

/* dump */

static int cmd_dump(int argc, char **argv)
{
	const char *offset_s = NULL, *length_s = NULL;
	struct option_spec opts[] = {
		{ "offset", &offset_s, NULL },
		{ "length", &length_s, NULL },
		{ NULL, NULL, NULL },
	};
	uint64_t off = 0, len = UINT64_MAX, size, pos_off, end;
	static uint8_t chunk[64 * 1024];
	struct hexdump h;
	struct cmabuf *buf;
	char *pos[1];
	int npos, ret, fd;

	ret = parse_args(argc, argv, opts, pos, 1, 1, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	if (offset_s && (ret = parse_size_arg("offset", offset_s, &off, false)))
		return ret;
	if (length_s && (ret = parse_size_arg("length", length_s, &len, false)))
		return ret;
	ret = open_buf("dump", pos[0], &buf);
	if (ret)
		return ret;
	size = cmabuf_size(buf);
	if (off > size) {
		char what[64];

		snprintf(what, sizeof(what), "dump %s", cmabuf_name(buf));
		ret = fail_msg(what, "offset %s is beyond the end of the buffer (%llu bytes)",
			       offset_s, (unsigned long long)size);
		goto out;
	}
	end = len > size - off ? size : off + len;
	fd = cmabuf_fd(buf);
	if (fd < 0) {
		ret = buf_fail("dump", buf, fd);
		goto out;
	}
	hexdump_init(&h);
	for (pos_off = off; pos_off < end;) {
		size_t want = end - pos_off < sizeof(chunk) ? end - pos_off : sizeof(chunk);
		ssize_t n = pread(fd, chunk, want, pos_off);

		if (n <= 0) {
			ret = buf_fail("dump", buf, n < 0 ? -errno : -EIO);
			goto out;
		}
		/* Keep calls to whole lines: the device may return less. */
		if ((size_t)n != want && n >= 16)
			n &= ~(ssize_t)15;
		hexdump_feed(&h, stdout, pos_off, chunk, n);
		pos_off += n;
	}
	hexdump_end(&h, stdout, end);
	if (fflush(stdout) || ferror(stdout))
		ret = fail_msg("dump", "standard output: %s", strerror(errno));
out:
	cmabuf_close(buf);
	return ret;
}

/* load, save */

static int cmd_load(int argc, char **argv)
{
	struct progress prog_bar;
	struct cmabuf *buf;
	struct stat st;
	uint64_t size, done = 0;
	char *pos[2], what[128];
	uint8_t *map;
	int npos, ret, fd;

	ret = parse_args(argc, argv, NULL, pos, 2, 2, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	ret = open_buf("load", pos[0], &buf);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "load %s", cmabuf_name(buf));
	size = cmabuf_size(buf);
	fd = strcmp(pos[1], "-") ? open(pos[1], O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		ret = fail_msg(what, "%s: %s", pos[1], strerror(errno));
		goto out;
	}
	if (fstat(fd, &st)) {
		ret = fail_msg(what, "%s: %s", pos[1], strerror(errno));
		goto out_fd;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > size) {
		ret = fail_msg(what, "%s: %s (%llu bytes, the buffer holds %llu)", pos[1],
			       strerror(EFBIG), (unsigned long long)st.st_size,
			       (unsigned long long)size);
		goto out_fd;
	}
	ret = cmabuf_map(buf, (void **)&map);
	if (ret) {
		ret = op_fail(what, ret);
		goto out_fd;
	}
	progress_init(&prog_bar, "load", cmabuf_name(buf),
		      S_ISREG(st.st_mode) ? (uint64_t)st.st_size : size);
	while (done < size) {
		size_t want = size - done < CHUNK ? size - done : CHUNK;
		ssize_t n = read(fd, map + done, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			progress_done(&prog_bar, false);
			ret = fail_msg(what, "%s: %s", pos[1], strerror(errno));
			goto out_fd;
		}
		if (!n)
			break;
		done += n;
		progress_update(&prog_bar, done);
	}
	/* A pipe or device may hold more than the buffer. */
	if (done == size) {
		uint8_t extra;
		ssize_t n;

		do
			n = read(fd, &extra, 1);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			progress_done(&prog_bar, false);
			ret = fail_msg(what, "%s: %s (more than the buffer's %llu bytes; "
				       "those were loaded)", pos[1], strerror(EFBIG),
				       (unsigned long long)size);
			goto out_fd;
		}
	}
	progress_done(&prog_bar, true);
out_fd:
	if (fd != STDIN_FILENO)
		close(fd);
out:
	cmabuf_close(buf);
	return ret;
}

static int cmd_save(int argc, char **argv)
{
	struct progress prog_bar;
	struct cmabuf *buf;
	uint64_t size, done = 0;
	bool direct = false;
	struct option_spec opts[] = {
		{ "direct", NULL, &direct },
		{ NULL, NULL, NULL },
	};
	char *pos[2], what[128];
	int npos, ret, fd, oflags;
	uint8_t *map;

	ret = parse_args(argc, argv, opts, pos, 2, 2, &npos);
	if (ret || (ret = parse_name_arg(pos[0])))
		return ret;
	if (direct && !strcmp(pos[1], "-"))
		return usage_error("--direct needs a FILE, not standard output");
	ret = open_buf("save", pos[0], &buf);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "save %s", cmabuf_name(buf));
	size = cmabuf_size(buf);
	ret = cmabuf_map(buf, (void **)&map);
	if (ret) {
		ret = op_fail(what, ret);
		goto out;
	}
	/* O_DIRECT: from the buffer's own pages to the device, no page cache. */
	oflags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (direct ? O_DIRECT : 0);
	fd = strcmp(pos[1], "-") ? open(pos[1], oflags, 0666) : STDOUT_FILENO;
	if (fd < 0) {
		ret = fail_msg(what, "%s: %s", pos[1], strerror(errno));
		goto out;
	}
	progress_init(&prog_bar, "save", cmabuf_name(buf), size);
	while (done < size) {
		size_t want = size - done < CHUNK ? size - done : CHUNK;
		ssize_t n = write(fd, map + done, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			progress_done(&prog_bar, false);
			if (n && errno == EFAULT && direct && cmabuf_pinnable(buf) != 1)
				ret = fail_msg(what, "%s: O_DIRECT needs a pinnable buffer (alloc --pinnable)",
					       pos[1]);
			else
				ret = fail_msg(what, "%s: %s", pos[1], strerror(n ? errno : EIO));
			goto out_fd;
		}
		done += n;
		progress_update(&prog_bar, done);
	}
	progress_done(&prog_bar, true);
out_fd:
	if (fd != STDOUT_FILENO && close(fd) && !ret)
		ret = fail_msg(what, "%s: %s", pos[1], strerror(errno));
out:
	cmabuf_close(buf);
	return ret;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "alloc", cmd_alloc,
	  "alloc SIZE [--align A] [--index N] [--pinnable] [--area NAME | --node N]",
	  "Allocate a physically contiguous buffer of SIZE bytes (rounded up to whole\n"
	  "pages) and print its name. SIZE and A are decimal or 0x hex, optionally\n"
	  "followed by K, M or G (either case); A is a power of two. Without --index\n"
	  "the lowest free index is taken. --pinnable maps it with struct pages, so\n"
	  "O_DIRECT, vmsplice and io_uring reads work on its mappings (4 KiB page\n"
	  "table entries only). --area takes it from the CMA area NAME, --node from\n"
	  "the first area on NUMA node N ('cmabuf areas' lists them); else from the\n"
	  "default area. The buffer stays until 'cmabuf free'. Needs root.\n" },
	{ "run", cmd_run,
	  "run SIZE [--align A] [--pinnable] [--area NAME | --node N] -- COMMAND [ARG...]",
	  "Allocate a buffer owned by a file descriptor and run COMMAND with that\n"
	  "descriptor inherited: CMABUF_FD is its number, CMABUF_NAME the buffer's\n"
	  "name (cma_bufN), CMABUF_SIZE its size. The module frees the buffer when\n"
	  "COMMAND and cmabuf have closed it and nothing maps it, however they end\n"
	  "(even killed). The exit status is COMMAND's (128 + N when killed by\n"
	  "signal N; 127 when it is not found, 126 when it cannot run). Options as\n"
	  "for alloc. Needs root or access to /dev/cma_buf.\n" },
	{ "free", cmd_free, "free NAME...",
	  "Free the named buffers. Mappings and open files keep the memory until they\n"
	  "go. NAME is cma_bufN, N or /dev/cma_bufN. Needs root.\n" },
	{ "list", cmd_list, "list [--json]",
	  "List all buffers: name, size, physical address (root only, else -), origin\n"
	  "(CMA area or dma), NUMA node, owner (sysfs: until freed; fd: also freed\n"
	  "with its file descriptor), cache mode and MAPS, the number of user-space\n"
	  "mappings of the buffer in all processes now (- for what the module does\n"
	  "not publish).\n" },
	{ "areas", cmd_areas, "areas [--json]",
	  "List the CMA areas buffers can come from: name, physical base, size, the\n"
	  "bytes the kernel has free in it, NUMA node, the bytes cma_buf buffers hold\n"
	  "in it, and whether it is the default one (- for what neither the module\n"
	  "nor /sys/kernel/mm/cma tells).\n" },
	{ "info", cmd_info, "info NAME [--json]",
	  "Show everything known about one buffer, its node, owner and the number of\n"
	  "its user-space mappings in all processes included (left out, or null in\n"
	  "JSON, when the module does not publish them).\n" },
	{ "bind", cmd_bind, "bind NAME DEVICE",
	  "Map the buffer for DEVICE's DMA and print the address DEVICE must be\n"
	  "given (dma_addr). DEVICE is a PCI address as in /sys/bus/pci/devices\n"
	  "(0000:00:04.0) or a platform device's name. Behind an IOMMU this address\n"
	  "is not the physical one, and only it works. One device per buffer; the\n"
	  "mapping goes on unbind, free, or when the device goes away. Needs root.\n" },
	{ "unbind", cmd_unbind, "unbind NAME",
	  "Drop the buffer's mapping for its device. Needs root.\n" },
	{ "fill", cmd_fill, "fill NAME PATTERN",
	  "Fill the whole buffer with PATTERN through a shared mapping:\n"
	  "  0xHH         every byte HH (one or two hex digits)\n"
	  "  zero, ones   0x00, 0xff\n"
	  "  inc          byte i is i & 0xff\n"
	  "  random:SEED  pseudo-random bytes, the same for the same SEED (decimal\n"
	  "               or 0x hex) everywhere\n" },
	{ "verify", cmd_verify, "verify NAME PATTERN",
	  "Check that the buffer holds PATTERN (see 'cmabuf fill --help'). Prints\n"
	  "the number of bytes that match, or reports the first mismatching offset\n"
	  "and exits with status 1.\n" },
	{ "dump", cmd_dump, "dump NAME [--offset O] [--length L]",
	  "Print the buffer, or L bytes of it from offset O, as hexdump -C does.\n"
	  "O and L take the SIZE syntax; the dump stops at the end of the buffer.\n" },
	{ "load", cmd_load, "load NAME FILE",
	  "Copy FILE (- for standard input) to the start of the buffer. A FILE\n"
	  "larger than the buffer is refused. Bytes after the FILE's end stay as\n"
	  "they were. A progress bar is drawn on a terminal for large transfers.\n" },
	{ "save", cmd_save, "save NAME FILE [--direct]",
	  "Write the whole buffer to FILE (- for standard output), created or\n"
	  "truncated. --direct writes with O_DIRECT, straight from the buffer's pages\n"
	  "to the disk without the page cache: the buffer must be pinnable (alloc\n"
	  "--pinnable). A progress bar is drawn on a terminal for large transfers.\n" },
	{ "help", cmd_help, "help [COMMAND]",
	  "Show the help of cmabuf or of one command.\n" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s COMMAND [ARGS]\n       %s --help | --version\n\ncommands:\n",
		prog, prog);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nNAME is cma_bufN, N or /dev/cma_bufN. Exit status: 0 success, "
		"1 failure,\n2 usage error. '%s COMMAND --help' describes a command.\n", prog);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *pos[1];
	int npos, ret;

	ret = parse_args(argc, argv, NULL, pos, 0, 1, &npos);
	if (ret)
		return ret;
	if (!npos) {
		main_usage(stdout);
		return 0;
	}
	c = find_command(pos[0]);
	if (!c)
		return usage_error("unknown command '%s'", pos[0]);
	print_help(c);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cmabuf %s\n", CMABUF_VERSION);
		return 0;
	}
	current = find_command(argv[1]);
	if (!current)
		return usage_error("unknown command '%s'", argv[1]);
	ret = current->run(argc - 1, argv + 1);
	if (ret < 0)	/* --help was printed */
		ret = 0;
	if (fflush(stdout) && !ret)
		ret = fail_msg(current->name, "standard output: %s", strerror(errno));
	return ret;
}
