/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Probe of issue 10's dma_resv item: while a command writes an exported GEM object, an importer of the
 * dma-buf sees it busy (poll, DMA_BUF_IOCTL_EXPORT_SYNC_FILE); a buffer the command only reads is busy
 * for writers, not for readers; both are idle once the command completed.
 */
#ifndef OA_FENCES_H
#define OA_FENCES_H

#include <linux/dma-buf.h>
#include <poll.h>
#include "client-v2.h"

/* Whether fd does not poll ready for ev right now. */
static inline int poll_busy(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, 0) == 0;
}

static inline int prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle ex = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };

	return xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ex) ? -1 : ex.fd;
}

static void fences(void)
{
	const uint32_t n = 16, len = 128 * 1024;
	int fd = open_bound(DEV0), sbuf, dbuf, wbusy = 0, rbusy = 0, rbusy_in = 0, sync_busy = 0, samples = 0;
	uint32_t hs, hd, i;
	uint8_t *src = gem(fd, len, &hs), *dst = gem(fd, 2 * len, &hd);
	uint64_t x = 88172645463325252ull, end = now_ns() + 120ull * 1000000000ull;
	struct oa_cqe e;
	struct q q;
	int idle_before, idle_after;

	if (!src || !dst || queue_open(&q, fd, 64, 64, 0) || (sbuf = prime_export(fd, hs)) < 0 ||
	    (dbuf = prime_export(fd, hd)) < 0) {
		report("fence.setup", 0, "objects, exports and queue");
		return;
	}
	for (i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* incompressible: each DEFLATE takes a while */
		src[i] = (uint8_t)x;
	}
	idle_before = !poll_busy(dbuf, POLLIN) && !poll_busy(sbuf, POLLOUT);
	for (i = 0; i < n; i++)
		push(&q, &(struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_handle = hs, .src_length = len,
					   .dst_handle = hd, .dst_length = 2 * len, .arg = 9 }, i == n - 1);
	/* Sampled while a command runs: taken by the engine (sq_head) and not yet completed (cq_tail). */
	while (__atomic_load_n(&q.st->cq_tail, __ATOMIC_ACQUIRE) < n && now_ns() < end) {
		if (__atomic_load_n(&q.st->sq_head, __ATOMIC_ACQUIRE) <= q.st->cq_tail)
			continue;
		samples++;
		wbusy += poll_busy(dbuf, POLLIN);
		rbusy += poll_busy(sbuf, POLLOUT);
		rbusy_in += poll_busy(sbuf, POLLIN);
		if (sync_busy < 1) {
			struct dma_buf_export_sync_file sf = { .flags = DMA_BUF_SYNC_READ, .fd = -1 };

			if (!xioctl(dbuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &sf)) {
				sync_busy += poll_busy(sf.fd, POLLIN);
				close(sf.fd);
			}
		}
		usleep(1000);
	}
	wait_all(&q, q.tail);
	while (pop(&q, &e))
		;
	idle_after = !poll_busy(dbuf, POLLIN) && !poll_busy(sbuf, POLLOUT);
	report("fence.dmabuf_busy", idle_before && wbusy > 0 && rbusy > 0 && rbusy_in == 0 && sync_busy && idle_after,
	       "%d samples while a DEFLATE ran: dst dma-buf busy for readers %d, src busy for writers %d and for "
	       "readers %d, EXPORT_SYNC_FILE busy %d; idle before %d and after %d",
	       samples, wbusy, rbusy, rbusy_in, sync_busy, idle_before, idle_after);
	close(sbuf);
	close(dbuf);
	close(fd);
}

#endif
