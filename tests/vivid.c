// SPDX-License-Identifier: GPL-2.0
/*
 * An in-kernel importer that writes our dma-bufs: vivid, the virtual V4L2
 * capture driver, takes them as V4L2_MEMORY_DMABUF capture buffers and draws
 * each frame into them through the exporter's vmap. No Debian tool queues a
 * foreign dma-buf into V4L2, so this is the client.
 *
 * Proof: frames of vivid's solid test patterns (red, then blue, switched
 * while streaming) read through the buffer's own mapping and /dev/mem at
 * phys_addr; sequence numbers and sizes of what comes back; buffers freed
 * while vivid still holds them, and their memory back in CMA once vivid lets
 * go.
 */
#define _GNU_SOURCE
#include <linux/videodev2.h>
#include <poll.h>

#include "cma_buf_test.h"
#include "kselftest_harness.h"

#define NBUF	4
#define IDX0	50
#define WIDTH	640
#define HEIGHT	480

/* vivid's capture node, or -1. */
static int open_vivid(void)
{
	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap = { 0 };
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING))
			return fd;
		close(fd);
	}
	return -1;
}

/* Set the menu control named @ctrl to its item named @item; 0 or -errno. */
static int set_menu(int fd, const char *ctrl, const char *item)
{
	struct v4l2_query_ext_ctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };

	while (!ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q)) {
		if (!strcmp(q.name, ctrl) && q.type == V4L2_CTRL_TYPE_MENU) {
			for (long long i = q.minimum; i <= q.maximum; i++) {
				struct v4l2_querymenu m = { .id = q.id, .index = i };
				struct v4l2_control c = { .id = q.id, .value = i };

				if (ioctl(fd, VIDIOC_QUERYMENU, &m) || strcmp((char *)m.name, item))
					continue;
				return ioctl(fd, VIDIOC_S_CTRL, &c) ? -errno : 0;
			}
			return -ENOENT;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return -ENOENT;
}

enum color { RED, BLUE };

/* Every pixel the same, of the expected color (RGB24, full range). */
static bool solid(const uint8_t *p, size_t len, enum color c)
{
	const uint8_t want[2][3] = { { 0xff, 0, 0 }, { 0, 0, 0xff } };

	for (size_t i = 0; i < len; i += 3)
		if (memcmp(p + i, want[c], 3))
			return false;
	return true;
}

FIXTURE(vivid) {
	int vfd;
	int node[NBUF], dbuf[NBUF];
	uint8_t *map[NBUF];
	size_t bufsize;
	struct v4l2_format fmt;
};

FIXTURE_VARIANT(vivid) {
	const char *cache;
};
FIXTURE_VARIANT_ADD(vivid, cached) { .cache = "cached" };
FIXTURE_VARIANT_ADD(vivid, writecombine) { .cache = "writecombine" };

FIXTURE_SETUP(vivid)
{
	struct v4l2_requestbuffers rb = {
		.count = NBUF, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
	};
	struct v4l2_format *f = &self->fmt;

	for (int i = 0; i < NBUF; i++) {
		self->node[i] = self->dbuf[i] = -1;
		self->map[i] = MAP_FAILED;
	}
	self->vfd = open_vivid();
	if (self->vfd < 0)
		SKIP(return, "no vivid capture device in this kernel");
	ASSERT_EQ(0, cb_module_ensure_loaded());
	f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f->fmt.pix.width = WIDTH;
	f->fmt.pix.height = HEIGHT;
	f->fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
	f->fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(self->vfd, VIDIOC_S_FMT, f));
	ASSERT_EQ(V4L2_PIX_FMT_RGB24, f->fmt.pix.pixelformat);
	ASSERT_EQ(WIDTH * 3, f->fmt.pix.bytesperline);
	ASSERT_EQ(WIDTH * HEIGHT * 3, f->fmt.pix.sizeimage);
	ASSERT_EQ(0, set_menu(self->vfd, "OSD Text Mode", "None"));
	ASSERT_EQ(0, set_menu(self->vfd, "Test Pattern", "100% Red"));
	ASSERT_EQ(0, ioctl(self->vfd, VIDIOC_REQBUFS, &rb));
	ASSERT_EQ(NBUF, rb.count);

	self->bufsize = (f->fmt.pix.sizeimage + CB_PAGE - 1) & ~(CB_PAGE - 1);
	for (int i = 0; i < NBUF; i++) {
		cb_free(IDX0 + i);
		ASSERT_EQ(0, cb_alloc_at(self->bufsize, IDX0 + i));
		self->node[i] = cb_open(IDX0 + i, O_RDWR);
		ASSERT_LE(0, self->node[i]);
		self->map[i] = cb_map_in_mode(IDX0 + i, self->node[i], variant->cache,
					      self->bufsize);
		ASSERT_NE(MAP_FAILED, self->map[i]);
		memset(self->map[i], 0x77, self->bufsize);
		self->dbuf[i] = cb_export(self->node[i], 0, 0, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->dbuf[i]);
	}
}

FIXTURE_TEARDOWN(vivid)
{
	for (int i = 0; i < NBUF; i++) {
		if (self->map[i] != MAP_FAILED)
			munmap(self->map[i], self->bufsize);
		if (self->node[i] >= 0)
			close(self->node[i]);
		if (self->dbuf[i] >= 0)
			close(self->dbuf[i]);
		cb_free(IDX0 + i);
	}
	if (self->vfd >= 0)
		close(self->vfd);
}

static int queue(FIXTURE_DATA(vivid) *self, int i)
{
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF, .index = i,
		.length = self->bufsize,
	};

	b.m.fd = self->dbuf[i];
	return ioctl(self->vfd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/* Dequeue a frame (waiting up to 10 s); its index, or -errno. */
static int dequeue(FIXTURE_DATA(vivid) *self, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = self->vfd, .events = POLLIN };

	if (poll(&p, 1, 10000) != 1)
		return -ETIMEDOUT;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = V4L2_MEMORY_DMABUF;
	if (ioctl(self->vfd, VIDIOC_DQBUF, b))
		return -errno;
	return b->index;
}

TEST_F(vivid, frames_land_in_our_buffers)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	size_t len = self->fmt.fmt.pix.sizeimage;
	uint8_t *phys_copy = malloc(len);
	long used_before = cb_cma_used();
	unsigned int last_seq = 0, frames = 0, blue = 0;
	bool seen[NBUF] = { 0 };
	enum color want = RED;

	ASSERT_NE(NULL, phys_copy);
	for (int i = 0; i < NBUF; i++) {
		ASSERT_EQ(0, queue(self, i));
	}
	ASSERT_EQ(0, ioctl(self->vfd, VIDIOC_STREAMON, &type));
	/* Red frames, then blue ones after the switch (queued frames may lag). */
	while (blue < 2 * NBUF) {
		struct v4l2_buffer b;
		int i = dequeue(self, &b);
		bool red_frame, blue_frame;

		ASSERT_LE(0, i);
		ASSERT_GT(NBUF, i);
		ASSERT_EQ(len, b.bytesused);
		ASSERT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		if (frames) {
			ASSERT_LT(last_seq, b.sequence);
		}
		last_seq = b.sequence;
		seen[i] = true;
		/* The frame through our own mapping... */
		red_frame = solid(self->map[i], len, RED);
		blue_frame = solid(self->map[i], len, BLUE);
		ASSERT_TRUE(want == RED ? red_frame : red_frame || blue_frame) {
			TH_LOG("frame %u in buffer %d: %02x %02x %02x...", b.sequence, i,
			       self->map[i][0], self->map[i][1], self->map[i][2]);
		}
		if (want == BLUE && blue_frame)
			blue++;
		else if (want == BLUE) {
			ASSERT_GT(4 * NBUF, frames - 8);	/* the switch takes effect */
		}
		/* ...and in physical memory at phys_addr. */
		ASSERT_EQ((ssize_t)len, cb_devmem_read(cb_phys(IDX0 + i), phys_copy, len));
		ASSERT_EQ(0, memcmp(phys_copy, self->map[i], len));
		/* The rest of the buffer, past the frame, untouched. */
		for (size_t j = len; j < self->bufsize; j++) {
			ASSERT_EQ(0x77, self->map[i][j]);
		}
		if (++frames == 8) {
			ASSERT_EQ(0, set_menu(self->vfd, "Test Pattern", "100% Blue"));
			want = BLUE;
		}
		ASSERT_EQ(0, queue(self, i));
	}
	for (int i = 0; i < NBUF; i++) {
		ASSERT_TRUE(seen[i]);
	}
	ASSERT_EQ(0, ioctl(self->vfd, VIDIOC_STREAMOFF, &type));
	TH_LOG("%u frames, %u blue", frames, blue);

	/* Free the buffers while vivid still holds them: they stay until it lets go. */
	for (int i = 0; i < NBUF; i++) {
		munmap(self->map[i], self->bufsize);
		self->map[i] = MAP_FAILED;
		close(self->node[i]);
		self->node[i] = -1;
		close(self->dbuf[i]);
		self->dbuf[i] = -1;
		ASSERT_EQ(0, cb_free(IDX0 + i));
		ASSERT_FALSE(cb_buf_exists(IDX0 + i));
	}
	if (used_before >= 0) {
		ASSERT_LE(used_before, cb_cma_used());
	}
	close(self->vfd);
	self->vfd = -1;
	if (used_before >= 0) {
		ASSERT_EQ(used_before - (long)(NBUF * self->bufsize / CB_PAGE), cb_cma_used());
	}
	free(phys_copy);
}

TEST_HARNESS_MAIN
