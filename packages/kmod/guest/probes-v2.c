// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest probes of the 2.0 driver (/dev/accel/accelN): a smoke run of every function, syncobjs and PRIME,
 * then one probe per defect of issue 10, in the same scenario as its 1.0 form in probes-v1.c, and the
 * probes of dma_resv fences, per-file limits and SVA (fences.h, limits.h, sva.h).
 * usage: probes-v2 [crc_race|smoke|defects|page_size|inflight|fences|limits|sva]... (crc_race first after load)
 */
#include "client-v2.h"

#define OA_MAX_TRANSFER_PROBE (256 * 1024)

static size_t page;

#include "fences.h"
#include "limits.h"
#include "sva.h"

static void smoke(void)
{
	static const uint8_t key[16] = "0123456789abcdef";
	int fd = open_bound(DEV0), fd1 = open_bound(DEV1);
	struct oa_device_info info = {};
	struct oa_aes_gcm_params *par;
	uint32_t hs, hd, hp, h1;
	uint8_t *src, *dst, *p1;
	struct oa_cqe e;
	struct q q;
	char line[256];
	FILE *f;
	int keys = 0, r;

	report("smoke.open", fd >= 0 && fd1 >= 0, "open and bind accel0 and accel1: %d %d", fd, fd1);
	if (fd < 0 || fd1 < 0)
		return;
	r = xioctl(fd, DRM_IOCTL_OA_GET_INFO, &info);
	report("smoke.info", !r && info.api_major == 2 &&
	       info.page_size == page, "api %u.%u page_size %u (CPU %zu) caps %#llx", info.api_major,
	       info.api_minor, info.page_size, page, (unsigned long long)info.caps);
	src = gem(fd, page * 64, &hs);
	dst = gem(fd, page * 64, &hd);
	par = (void *)gem(fd, page, &hp);
	report("smoke.gem", src && dst && par, "GEM_CREATE, GEM_INFO and mmap of three objects");
	if (!src || !dst || !par || queue_open(&q, fd, 64, 64, 0)) {
		report("smoke.queue", 0, "CREATE_QUEUE and mmap of its regions");
		return;
	}
	report("smoke.queue", 1, "queue %u, regions %u/%u/%u/%u/%u bytes", q.c.queue_id, q.c.doorbell_size,
	       q.c.control_size, q.c.status_size, q.c.sq_size, q.c.cq_size);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_NOP, .tag = 7 });
	report("smoke.nop", e.status == OA_STATUS_OK && e.tag == 7, "status %u tag %u", e.status, e.tag);
	memcpy(src, "123456789", 9);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_CRC32C, .src_handle = hs, .src_length = 9 });
	report("smoke.crc32c", e.status == 0 && e.result == 0xe3069283, "crc32c(123456789) = %#x", e.result);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_FILL, .dst_handle = hd, .dst_length = 100,
				      .arg = 0x0807060504030201ull });
	report("smoke.fill", e.status == 0 && dst[0] == 1 && dst[9] == 2 && dst[99] == 4, "fill status %u", e.status);
	memset(src, 0, page * 64);
	memcpy(src, "abc", 3);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_SHA256, .src_handle = hs, .src_length = 3,
				      .dst_handle = hd, .dst_length = 32 });
	report("smoke.sha256", e.status == 0 && dst[0] == 0xba && dst[31] == 0xad, "sha256(abc) starts %02x", dst[0]);
	for (int i = 0; i < 65536; i++)
		src[i] = (uint8_t)(i % 251);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_handle = hs, .src_length = 65536,
				      .dst_handle = hd, .dst_length = 65536 * 2, .arg = 6 });
	{
		uint32_t clen = e.result;

		e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_INFLATE, .src_handle = hd, .src_length = clen,
					      .dst_handle = hs, .dst_addr = 65536, .dst_length = 65536 });
		report("smoke.deflate", e.status == 0 && e.result == 65536 && !memcmp(src, src + 65536, 65536),
		       "65536 bytes deflated to %u and back", clen);
	}
	memcpy(par->key, key, 16);
	memset(par->iv, 3, 12);
	par->key_bytes = 16;
	memcpy(src, "attack at dawn!!", 16);
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_AES_GCM_ENCRYPT, .src_handle = hs, .src_length = 16,
				      .dst_handle = hd, .dst_length = 16, .param_handle = hp });
	{
		int enc = e.status == 0;

		e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_AES_GCM_DECRYPT, .src_handle = hd, .src_length = 16,
					      .dst_handle = hs, .dst_addr = 100, .dst_length = 16, .param_handle = hp });
		int dec = e.status == 0 && !memcmp(src + 100, "attack at dawn!!", 16);

		par->tag[0] ^= 1;
		e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_AES_GCM_DECRYPT, .src_handle = hd, .src_length = 16,
					      .dst_handle = hs, .dst_addr = 100, .dst_length = 16, .param_handle = hp });
		report("smoke.aes_gcm", enc && dec && e.status == OA_STATUS_AUTH_FAILED,
		       "encrypt, decrypt, and a changed tag is AUTH_FAILED (%u)", e.status);
	}
	e = run1(&q, (struct oa_sqe){ .opcode = OA_OP_COPY, .src_handle = hs, .src_addr = page * 64 - 8,
				      .src_length = 16, .dst_handle = hd, .dst_length = 16 });
	report("smoke.bounds", e.status == OA_STATUS_ADDRESS_FAULT, "a range past the object: status %u", e.status);

	/* PRIME: accel0's object imported by accel1, copied there. */
	{
		struct drm_prime_handle ex = { .handle = hs, .flags = DRM_CLOEXEC | DRM_RDWR };
		struct drm_prime_handle im = {};
		struct oa_gem_info gi = {};
		struct q q1;

		memcpy(src, "shared through prime", 21);
		int ok = !xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ex);

		im.fd = ex.fd;
		ok = ok && !xioctl(fd1, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im);
		gi.handle = im.handle;
		ok = ok && !xioctl(fd1, DRM_IOCTL_OA_GEM_INFO, &gi);
		p1 = gem(fd1, page, &h1);
		ok = ok && p1 && !queue_open(&q1, fd1, 4, 4, 0);
		if (ok)
			e = run1(&q1, (struct oa_sqe){ .opcode = OA_OP_COPY, .src_handle = im.handle, .src_length = 21,
						       .dst_handle = h1, .dst_length = 21 });
		report("smoke.prime", ok && e.status == 0 && !strcmp((char *)p1, "shared through prime") &&
		       gi.memory_id == OA_MEMORY_ID_IMPORTED, "export on accel0, import and COPY on accel1: %s",
		       ok ? (char *)p1 : "setup failed");
		close(ex.fd);
	}

	/* A syncobj queue: a wait point signalled from the CPU releases the batch; its signal point signals. */
	{
		struct drm_syncobj_create in = {}, out = {};
		struct oa_syncobj_point w = {}, s = {};
		struct drm_syncobj_wait sw = {};
		struct q qs;
		int ok = !xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &in) && !xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &out) &&
			 !queue_open(&qs, fd, 4, 4, OA_QUEUE_SYNCOBJ);
		struct oa_submit a = { .num_waits = 1, .num_signals = 1 };

		/* the wait point is timeline point 1 of `in`, which has no fence yet: EINVAL (wait_no_fence) */
		w.handle = in.handle;
		w.point = 1;
		s.handle = out.handle;
		a.queue_id = qs.c.queue_id;
		a.waits_ptr = (uintptr_t)&w;
		a.signals_ptr = (uintptr_t)&s;
		qs.sq[0] = (struct oa_sqe){ .opcode = OA_OP_NOP, .tag = 42 };
		a.sq_tail = 1;
		int nofence = ok ? xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a) : 0;
		w.point = 0;
		{
			/* a binary wait on a syncobj created signalled: the batch runs at once */
			struct drm_syncobj_create sgn = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };

			ok = ok && !xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sgn);
			w.handle = sgn.handle;
		}
		ok = ok && !xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a);
		uint32_t h = out.handle;

		sw.handles = (uintptr_t)&h;
		sw.count_handles = 1;
		sw.timeout_nsec = (int64_t)(now_ns() + 60ull * 1000000000ull);
		sw.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
		ok = ok && !xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw);
		report("smoke.syncobj", ok && nofence == -EINVAL && pop(&qs, &e) && e.tag == 42,
		       "wait without fence %d; signal point signalled after the batch ran", nofence);

		/* A signal point naming no syncobj is ENOENT and takes no batch: the same batch with a real one runs. */
		int unknown = 0;

		qs.sq[1] = (struct oa_sqe){ .opcode = OA_OP_NOP, .tag = 43 };
		a.num_waits = 0;
		a.sq_tail = 2;
		s.handle = 0x7fffffff;
		unknown = ok ? xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a) : 0;
		s.handle = out.handle;
		ok = ok && !xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a);
		sw.timeout_nsec = (int64_t)(now_ns() + 60ull * 1000000000ull);
		ok = ok && !xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw);
		report("smoke.syncobj_signal_unknown", ok && unknown == -ENOENT && pop(&qs, &e) && e.tag == 43,
		       "signal point on no syncobj: %d (ENOENT is %d); then the batch with a real one ran", unknown, -ENOENT);
	}

	/* fdinfo keys of the drm-usage-stats document */
	snprintf(line, sizeof(line), "/proc/self/fdinfo/%d", fd);
	f = fopen(line, "r");
	while (f && fgets(line, sizeof(line), f))
		keys += !strncmp(line, "drm-driver:", 11) + !strncmp(line, "drm-client-id:", 14) +
			!strncmp(line, "drm-engine-crc32c:", 18) + !strncmp(line, "drm-total-hbm0:", 15) +
			!strncmp(line, "openaccel-queues:", 17);
	if (f)
		fclose(f);
	report("smoke.fdinfo", keys == 5, "%d of 5 keys", keys);
	close(fd);
	close(fd1);
}

/* Defects 1 and 2: a SUBMIT that waits on a full CQ, and what else the fd can do meanwhile. */
struct waiter {
	struct q *q;
	uint32_t tail;
	pid_t tid;
	atomic_int done;
	int ret;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;
	struct oa_submit a = { .queue_id = w->q->c.queue_id, .sq_tail = w->tail, .flags = OA_SUBMIT_WAIT,
			       .timeout_ns = (int64_t)(now_ns() + 30ull * 1000000000ull) };

	w->tid = syscall(SYS_gettid);
	w->ret = ioctl(w->q->fd, DRM_IOCTL_OA_SUBMIT, &a) ? errno : 0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void defect_wait(void)
{
	int fd = open_bound(DEV0);
	struct oa_device_info info = {};
	struct waiter w = {};
	pthread_t t;
	struct q q;
	int info_ok, mmap_ok;
	void *m;

	if (fd < 0 || queue_open(&q, fd, 2, 2, 0)) {
		report("1.setup", 0, "open and queue");
		return;
	}
	/* two completions fill the CQ (never consumed); a third command cannot complete */
	push(&q, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 0);
	push(&q, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 1);
	wait_all(&q, q.tail);
	push(&q, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 1);
	install_restarting_usr1();
	w.q = &q;
	w.tail = q.tail;
	pthread_create(&t, NULL, waiter_main, &w);
	while (!w.tid)
		usleep(1000);
	wait_sleeping(w.tid);
	info_ok = !xioctl(fd, DRM_IOCTL_OA_GET_INFO, &info) && !atomic_load(&w.done);
	report("1.get_info_during_wait", info_ok, "GET_INFO on the fd answered %s",
	       info_ok ? "while SUBMIT waits" : "only after SUBMIT's wait ended");
	m = map(fd, q.c.control_size, PROT_READ, q.c.control_offset);
	mmap_ok = m && !atomic_load(&w.done);
	report("1.mmap_during_wait", mmap_ok, "mmap of the fd answered %s",
	       mmap_ok ? "while SUBMIT waits" : "only after SUBMIT's wait ended");
	probe_engine_idle(); /* defect 2 */
	probe_signal_restarts(t, w.tid, &w.done, &w.ret);
	/* destroying the queue wakes its waiter */
	{
		struct oa_destroy_queue d = { .queue_id = q.c.queue_id };

		xioctl(fd, DRM_IOCTL_OA_DESTROY_QUEUE, &d);
	}
	pthread_join(t, NULL);
	report("1.stop_wakes", w.ret == EIO, "the waiter of a destroyed queue returns %s", strerror(w.ret));
	/* a deadline that has passed polls once */
	{
		struct q q2;
		struct oa_submit a = { .flags = OA_SUBMIT_WAIT, .timeout_ns = 0 };
		int r;

		queue_open(&q2, fd, 2, 2, 0);
		push(&q2, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 0);
		push(&q2, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 1);
		wait_all(&q2, q2.tail);
		push(&q2, &(struct oa_sqe){ .opcode = OA_OP_NOP }, 1);
		a.queue_id = q2.c.queue_id;
		a.sq_tail = q2.tail;
		alarm(20);
		r = ioctl(fd, DRM_IOCTL_OA_SUBMIT, &a) ? errno : 0;
		alarm(0);
		report("1.wait_zero", r == ETIME, "SUBMIT WAIT with deadline 0 returns %s", strerror(r));
	}
	close(fd);
}

/* Defect 3: a new queue asks for a system call until the engine polls it. */
static void defect_initial_state(void)
{
	int fd = open_bound(DEV0);
	struct q q;

	usleep(100000); /* let the engine go idle, as in the 1.0 form */
	if (fd < 0 || queue_open(&q, fd, 4, 4, 0)) {
		report("3.setup", 0, "open and queue");
		return;
	}
	report("3.need_wakeup", q.st->flags & OA_QUEUE_NEED_WAKEUP, "status flags of a new queue %#x", q.st->flags);
	close(fd);
}

/* Defect 4: an argument in a read-only page: EFAULT, and nothing done. */
static void defect_ro_arg(void)
{
	int fd = open_bound(DEV0);
	struct oa_device_info i0 = {}, i1 = {};
	struct oa_memory_info m0 = {}, m1 = {};
	struct oa_create_queue c = { .sq_entries = 4 };
	struct oa_gem_create g = { .size = 4096 * 16 };
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC };
	uint32_t h;
	void *ro;
	int r, n0, n1;

	xioctl(fd, DRM_IOCTL_OA_GET_INFO, &i0);
	ro = ro_copy(&c, sizeof(c));
	r = xioctl(fd, DRM_IOCTL_OA_CREATE_QUEUE, ro);
	xioctl(fd, DRM_IOCTL_OA_GET_INFO, &i1);
	report("4.create_queue", r == -EFAULT && i1.free_queues == i0.free_queues,
	       "CREATE_QUEUE %d, free queues %u -> %u", r, i0.free_queues, i1.free_queues);
	xioctl(fd, DRM_IOCTL_OA_QUERY_MEMORY, &m0);
	ro = ro_copy(&g, sizeof(g));
	r = xioctl(fd, DRM_IOCTL_OA_GEM_CREATE, ro);
	xioctl(fd, DRM_IOCTL_OA_QUERY_MEMORY, &m1);
	report("4.gem_create", r == -EFAULT && m1.free == m0.free, "GEM_CREATE %d, free %llu -> %llu", r,
	       (unsigned long long)m0.free, (unsigned long long)m1.free);
	gem(fd, page, &h);
	ph.handle = h;
	n0 = fd_count();
	ro = ro_copy(&ph, sizeof(ph));
	r = xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, ro);
	n1 = fd_count();
	report("4.prime_export", r == -EFAULT && n1 == n0, "PRIME_HANDLE_TO_FD %d, fds %d -> %d", r, n0, n1);
	close(fd);
}

/* Defect 5: another context's allocation while a tenant's long batch runs. */
static void defect_device_lock(void)
{
	int fa = open_bound(DEV0), fb = open_bound(DEV0);
	uint32_t hs, hd, hb;
	uint8_t *src = gem(fa, OA_MAX_TRANSFER_PROBE, &hs), *dst = gem(fa, OA_MAX_TRANSFER_PROBE * 2, &hd);
	struct q q;
	uint32_t before, after;
	uint64_t x;
	int n = 48, i, ok;

	if (!src || !dst || queue_open(&q, fa, 64, 64, 0)) {
		report("5.setup", 0, "objects and queue");
		return;
	}
	for (i = 0, x = 88172645463325252ull; i < OA_MAX_TRANSFER_PROBE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: data deflate cannot shrink quickly */
		src[i] = (uint8_t)x;
	}
	for (i = 0; i < n; i++)
		push(&q, &(struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_handle = hs,
					   .src_length = OA_MAX_TRANSFER_PROBE / 2, .dst_handle = hd,
					   .dst_length = OA_MAX_TRANSFER_PROBE, .arg = 9 }, i == n - 1);
	while (!__atomic_load_n(&q.st->sq_head, __ATOMIC_ACQUIRE))
		; /* the engine has taken the batch */
	before = q.st->cq_tail;
	ok = gem(fb, page, &hb) != NULL;
	after = q.st->cq_tail;
	report("5.alloc_during_batch", ok && after < (uint32_t)n,
	       "GEM_CREATE of another context returned after %u of %d commands (%u at the call)", after, n, before);
	wait_all(&q, q.tail);
	close(fa);
	close(fb);
}

/* Defect 7: a context bound by a process whose pid number is reused by another. */
static int bind_v2(int fd)
{
	struct oa_bind_context b = {};

	return xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b);
}

static int create_v2(int fd)
{
	struct oa_create_queue c = { .sq_entries = 4 };

	return xioctl(fd, DRM_IOCTL_OA_CREATE_QUEUE, &c);
}

static void defect_pid_reuse(void)
{
	int fd = open(DEV0, O_RDWR);

	probe_pid_reuse(fd, bind_v2, create_v2);
	close(fd);
}

/*
 * Defect 8: the page size comes from the kernel, never 4 KiB. On a 4 KiB-page guest this can only check
 * that every size and offset the driver reports agrees with the CPU's page size and that objects of
 * alloc_align bytes map; it cannot fail on a driver that assumes 4 KiB (see DEFECTS.md).
 */
static void defect_page_size(void)
{
	int fd = open_bound(DEV0), aligned, half;
	struct oa_device_info info = {};
	struct oa_memory_info m = {};
	struct oa_gem_create g = {};
	struct oa_gem_info gi = {};
	struct q q;
	uint32_t h;

	xioctl(fd, DRM_IOCTL_OA_GET_INFO, &info);
	xioctl(fd, DRM_IOCTL_OA_QUERY_MEMORY, &m);
	if (queue_open(&q, fd, 2, 2, 0) || !gem(fd, m.alloc_align, &h)) {
		report("8.page_size", 0, "queue and an alloc_align object");
		return;
	}
	gi.handle = h;
	xioctl(fd, DRM_IOCTL_OA_GEM_INFO, &gi);
	aligned = q.c.doorbell_size % page == 0 && q.c.control_size % page == 0 && q.c.status_size % page == 0 &&
		  q.c.sq_size % page == 0 && q.c.cq_size % page == 0 && q.c.doorbell_offset % page == 0 &&
		  q.c.control_offset % page == 0 && q.c.status_offset % page == 0 && q.c.sq_offset % page == 0 &&
		  q.c.cq_offset % page == 0 && gi.mmap_offset % page == 0;
	g.size = page / 2;
	half = xioctl(fd, DRM_IOCTL_OA_GEM_CREATE, &g);
	report("8.page_size", info.page_size == page && m.alloc_align == page && aligned && half == -EINVAL,
	       "CPU page %zu: GET_INFO.page_size %u, alloc_align %u, every region size and mmap offset a multiple "
	       "%d, GEM_CREATE of half a page %s; an alloc_align object maps", page, info.page_size, m.alloc_align,
	       aligned, strerror(-half));
	close(fd);
}

/* Defect 6: the first CRC32C commands after load on accel0 and accel1 at once (probe.h). */
struct crc_v2 {
	struct q q;
};

static int crc_start_v2(struct crc_lane *l)
{
	struct crc_v2 *c = l->ctx;
	struct oa_submit a = { .queue_id = c->q.c.queue_id, .sq_tail = CRC_RACE_N, .flags = OA_SUBMIT_WAIT,
			       .timeout_ns = (int64_t)(now_ns() + 120ull * 1000000000ull) };

	return xioctl(c->q.fd, DRM_IOCTL_OA_SUBMIT, &a);
}

static void crc_race(void)
{
	static const char *const paths[2] = { DEV0, DEV1 };
	static uint8_t data[CRC_RACE_BYTES];
	struct crc_lane lanes[2] = {};
	struct crc_v2 c[2];
	int wrong = 0, done = 0, d, i;

	crc_race_data(data);
	for (d = 0; d < 2; d++) {
		int fd = open_bound(paths[d]);
		uint32_t h;
		uint8_t *p = fd < 0 ? NULL : gem(fd, CRC_RACE_BYTES, &h);

		if (!p || queue_open(&c[d].q, fd, CRC_RACE_N, CRC_RACE_N, 0)) {
			report("6.crc_race", 0, "setup of %s", paths[d]);
			return;
		}
		memcpy(p, data, CRC_RACE_BYTES);
		for (i = 0; i < CRC_RACE_N; i++) {
			size_t off, len;

			crc_race_slice(i, &off, &len);
			c[d].q.sq[i] = (struct oa_sqe){ .opcode = OA_OP_CRC32C, .tag = i, .src_handle = h,
							.src_addr = off, .src_length = len };
		}
		lanes[d] = (struct crc_lane){ .start = crc_start_v2, .ctx = &c[d] };
	}
	crc_race_run(lanes);
	for (d = 0; d < 2; d++)
		crc_race_check(data, (const volatile uint32_t *)c[d].q.cq, OA_CQE_PHASE, &done, &wrong);
	report("6.crc_race", !wrong && !lanes[0].ret && !lanes[1].ret,
	       "%d CRC32C commands on accel0 and accel1 at once, the first after load: %d completed, %d wrong",
	       2 * CRC_RACE_N, done, wrong);
	close(c[0].q.fd);
	close(c[1].q.fd);
}

/* Defect 9: peers are symlinks to accel devices. */
static void defect_sysfs(void)
{
	char a[512] = "", b[512] = "", c[512] = "";

	realpath("/sys/class/accel/accel0/openaccel/memories/0/shared_with/accel1", a);
	realpath("/sys/class/accel/accel0/openaccel/links/0/peer", b);
	realpath("/sys/class/accel/accel1", c);
	report("9.sysfs_peers", *a && !strcmp(a, c) && !strcmp(b, c), "shared_with/accel1 -> %s, links/0/peer -> %s",
	       a, b);
}

/* Closing with commands in flight: the close returns, the module stays unloadable later (checked by the script). */
static void inflight(void)
{
	int fd = open_bound(DEV0);
	uint32_t hs, hd;
	uint8_t *src = gem(fd, OA_MAX_TRANSFER_PROBE, &hs), *dst = gem(fd, OA_MAX_TRANSFER_PROBE * 2, &hd);
	struct q q;
	uint64_t x;
	uint32_t done;
	int i;

	if (!src || !dst || queue_open(&q, fd, 64, 64, 0)) {
		report("inflight.setup", 0, "objects and queue");
		return;
	}
	for (i = 0, x = 88172645463325252ull; i < OA_MAX_TRANSFER_PROBE; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		src[i] = (uint8_t)x;
	}
	for (i = 0; i < 64; i++)
		push(&q, &(struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_handle = hs,
					   .src_length = OA_MAX_TRANSFER_PROBE / 2, .dst_handle = hd,
					   .dst_length = OA_MAX_TRANSFER_PROBE, .arg = 9 }, i == 63);
	done = q.st->cq_tail;
	munmap((void *)q.st, q.c.status_size);
	munmap((void *)q.cq, q.c.cq_size);
	munmap(q.ctl, q.c.control_size);
	munmap(q.sq, q.c.sq_size);
	munmap(q.doorbell, q.c.doorbell_size);
	munmap(src, OA_MAX_TRANSFER_PROBE);
	munmap(dst, OA_MAX_TRANSFER_PROBE * 2);
	report("inflight.close", close(fd) == 0, "closed with 64 commands published, %u completed", done);
}

/*
 * BIND_CONTEXT's common checks: unknown flags are EINVAL and leave the file unbound; a process other than
 * the binder gets EPERM (not EBUSY: the foreign-process rule comes before "already bound").
 */
static void bind_common_checks(void)
{
	struct oa_bind_context b = { .flags = 1U << 31 };
	int fd = open(DEV0, O_RDWR | O_CLOEXEC), unknown, rebind, child = -1, status;
	pid_t pid;

	if (fd < 0) {
		report("smoke.bind_checks", 0, "open %s: %s", DEV0, strerror(errno));
		return;
	}
	unknown = xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b);
	b.flags = 0;
	rebind = xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b);
	pid = fork();
	if (pid == 0) {
		struct oa_bind_context c = {};

		_exit(-xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &c) & 0xff);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		child = WEXITSTATUS(status);
	report("smoke.bind_checks", unknown == -EINVAL && rebind == 0 && child == EPERM,
	       "unknown flags %d (EINVAL %d), then flags 0 %d; from another process errno %d (EPERM %d)", unknown,
	       -EINVAL, rebind, child, EPERM);
	close(fd);
}

/*
 * AES-GCM at process addresses reads what it only reads from read-only pages: encrypt's source, and
 * decrypt's parameter block (decrypt reads the tag there; only encrypt writes it).
 */
static void sva_read_only_inputs(void)
{
	int fd = open_sva(DEV0);
	uint8_t *src = anon(page, PROT_READ | PROT_WRITE), *ct = anon(page, PROT_READ | PROT_WRITE);
	uint8_t *pt = anon(page, PROT_READ | PROT_WRITE), *pp = anon(page, PROT_READ | PROT_WRITE);
	struct oa_aes_gcm_params *par = (struct oa_aes_gcm_params *)pp;
	struct oa_cqe enc = { .status = 0xffff }, dec = { .status = 0xffff };
	struct q q;

	if (fd < 0 || !src || !ct || !pt || !pp || queue_open(&q, fd, 8, 8, 0)) {
		report("sva.read_only_inputs", 0, "bind with OA_BIND_SVA (%d), buffers and a queue", fd);
		return;
	}
	memset(par->key, 7, 16);
	memset(par->iv, 5, 12);
	par->key_bytes = 16;
	memcpy(src, "read-only inputs", 16);
	if (!mprotect(src, page, PROT_READ))
		enc = run1(&q, (struct oa_sqe){ .opcode = OA_OP_AES_GCM_ENCRYPT, .src_addr = (uintptr_t)src, .src_length = 16,
						.dst_addr = (uintptr_t)ct, .dst_length = 16, .param_addr = (uintptr_t)pp });
	if (!mprotect(pp, page, PROT_READ))
		dec = run1(&q, (struct oa_sqe){ .opcode = OA_OP_AES_GCM_DECRYPT, .src_addr = (uintptr_t)ct, .src_length = 16,
						.dst_addr = (uintptr_t)pt, .dst_length = 16, .param_addr = (uintptr_t)pp });
	report("sva.read_only_inputs", enc.status == 0 && dec.status == 0 && !memcmp(pt, "read-only inputs", 16),
	       "encrypt from a read-only source: status %u; decrypt with a read-only parameter block: status %u",
	       enc.status, dec.status);
	close(fd);
	munmap(src, page);
	munmap(ct, page);
	munmap(pt, page);
	munmap(pp, page);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int i;

	sigaction(SIGALRM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "smoke")) {
			smoke();
			bind_common_checks();
		}
		if (!strcmp(argv[i], "defects")) {
			defect_initial_state();
			defect_ro_arg();
			defect_page_size();
			defect_sysfs();
			defect_pid_reuse();
			defect_device_lock();
			defect_wait();
		}
		if (!strcmp(argv[i], "page_size"))
			defect_page_size();
		if (!strcmp(argv[i], "inflight"))
			inflight();
		if (!strcmp(argv[i], "crc_race"))
			crc_race();
		if (!strcmp(argv[i], "fences"))
			fences();
		if (!strcmp(argv[i], "limits"))
			limits();
		if (!strcmp(argv[i], "sva")) {
			sva();
			sva_read_only_inputs();
		}
	}
	return probe_failures;
}
