/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A minimal 2.0 client for the guest programs: open and bind, queues by the doorbell protocol, GEM objects. */
#ifndef OA_CLIENT_V2_H
#define OA_CLIENT_V2_H

#include <drm/drm.h>
#include <drm/openaccel_accel.h>
#include <stdatomic.h>
#include "probe.h"

#define DEV0 "/dev/accel/accel0"
#define DEV1 "/dev/accel/accel1"

struct q {
	int fd;
	struct oa_create_queue c;
	uint32_t *doorbell;
	struct oa_queue_control *ctl;
	volatile struct oa_queue_status *st;
	struct oa_sqe *sq;
	volatile struct oa_cqe *cq;
	uint32_t tail, head;
};

static inline int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR && req != DRM_IOCTL_OA_SUBMIT);
	return r < 0 ? -errno : 0;
}

static inline int open_bound(const char *path)
{
	struct oa_bind_context b = {};
	char name[32] = {};
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (xioctl(fd, DRM_IOCTL_VERSION, &v) || strcmp(name, "openaccel") ||
	    xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b)) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

static inline void *map(int fd, size_t len, int prot, uint64_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

static inline int queue_open(struct q *q, int fd, uint32_t sq, uint32_t cq, uint32_t flags)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->c.sq_entries = sq;
	q->c.cq_entries = cq;
	q->c.flags = flags;
	if (xioctl(fd, DRM_IOCTL_OA_CREATE_QUEUE, &q->c))
		return -1;
	if (!(flags & OA_QUEUE_SYNCOBJ))
		q->doorbell = map(fd, q->c.doorbell_size, PROT_READ | PROT_WRITE, q->c.doorbell_offset);
	q->ctl = map(fd, q->c.control_size, PROT_READ | PROT_WRITE, q->c.control_offset);
	q->st = map(fd, q->c.status_size, PROT_READ, q->c.status_offset);
	q->sq = map(fd, q->c.sq_size, PROT_READ | PROT_WRITE, q->c.sq_offset);
	q->cq = map(fd, q->c.cq_size, PROT_READ, q->c.cq_offset);
	return (q->doorbell || (flags & OA_QUEUE_SYNCOBJ)) && q->ctl && q->st && q->sq && q->cq ? 0 : -1;
}

/* Writes an entry and publishes it by the doorbell protocol (rules ring.submit, ring.wakeup). */
static inline void push(struct q *q, const struct oa_sqe *s, int publish)
{
	q->sq[q->tail & (q->c.sq_entries - 1)] = *s;
	q->tail++;
	if (!publish)
		return;
	__atomic_store_n(q->doorbell, q->tail, __ATOMIC_RELEASE);
	atomic_thread_fence(memory_order_seq_cst);
	if (__atomic_load_n(&q->st->flags, __ATOMIC_ACQUIRE) & OA_QUEUE_NEED_WAKEUP) {
		struct oa_submit a = { .queue_id = q->c.queue_id, .sq_tail = q->tail };

		xioctl(q->fd, DRM_IOCTL_OA_SUBMIT, &a);
	}
}

static inline int wait_all(struct q *q, uint32_t tail)
{
	struct oa_submit a = { .queue_id = q->c.queue_id, .sq_tail = tail, .flags = OA_SUBMIT_WAIT,
			       .timeout_ns = (int64_t)(now_ns() + 120ull * 1000000000ull) };

	return xioctl(q->fd, DRM_IOCTL_OA_SUBMIT, &a);
}

/* Takes the next completion (rule ring.phase) and releases its slot. */
static inline int pop(struct q *q, struct oa_cqe *out)
{
	uint32_t i = q->head & (q->c.cq_entries - 1);
	uint32_t phase = ((q->head / q->c.cq_entries) & 1) ? 0 : OA_CQE_PHASE;

	if ((__atomic_load_n(&q->cq[i].flags, __ATOMIC_ACQUIRE) & OA_CQE_PHASE) != phase)
		return 0;
	*out = *(struct oa_cqe *)&q->cq[i];
	q->head++;
	__atomic_store_n(&q->ctl->cq_head, q->head, __ATOMIC_RELEASE);
	return 1;
}

static uint8_t *gem(int fd, size_t size, uint32_t *handle)
{
	struct oa_gem_create c = { .memory_id = 0, .size = size };
	struct oa_gem_info i = {};

	if (xioctl(fd, DRM_IOCTL_OA_GEM_CREATE, &c))
		return NULL;
	i.handle = c.handle;
	if (xioctl(fd, DRM_IOCTL_OA_GEM_INFO, &i))
		return NULL;
	*handle = c.handle;
	return map(fd, size, PROT_READ | PROT_WRITE, i.mmap_offset);
}

/* Runs one command to completion on a doorbell queue and returns its CQE. */
static inline struct oa_cqe run1(struct q *q, struct oa_sqe s)
{
	struct oa_cqe e = { .status = 0xffff };

	push(q, &s, 1);
	if (!wait_all(q, q->tail))
		pop(q, &e);
	return e;
}

#endif
