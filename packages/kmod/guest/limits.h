/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Probe of issue 10's bounds on what a user makes the kernel hold: per file, GEM handles (created or
 * imported), their bytes and syncobjs stop at the module's file_max_* limits (set low here, restored
 * after) while the device still has room, and another file is not affected; per syncobj queue, held
 * SUBMITs stop at 1024 with ENOMEM (rule sync.held-submits).
 */
#ifndef OA_LIMITS_H
#define OA_LIMITS_H

#include "client-v2.h"

#define PARAMS "/sys/module/openaccel/parameters/"

struct limit_param {
	const char *name;
	const char *probe_value;
	char saved[32];
};

static struct limit_param limit_params[] = {
	{ .name = "file_max_objects", .probe_value = "8" },
	{ .name = "file_max_memory_mib", .probe_value = "1" },
	{ .name = "file_max_syncobjs", .probe_value = "8" },
};

static int limits_set(int restore)
{
	char path[128];

	for (size_t i = 0; i < sizeof(limit_params) / sizeof(limit_params[0]); i++) {
		struct limit_param *p = &limit_params[i];

		snprintf(path, sizeof(path), PARAMS "%s", p->name);
		if (!restore) {
			int fd = open(path, O_RDONLY), n = fd < 0 ? -1 : read(fd, p->saved, sizeof(p->saved) - 1);

			if (fd >= 0)
				close(fd);
			if (n <= 0)
				return -1;
			p->saved[n] = 0;
		}
		if (write_file(path, restore ? p->saved : p->probe_value))
			return -1;
	}
	return 0;
}

/* GEM_CREATE of size bytes until it fails; returns how many succeeded and the errno of the failure. */
static int create_until(int fd, uint64_t size, int *err)
{
	int n = 0;

	for (;;) {
		struct oa_gem_create c = { .size = size };

		*err = xioctl(fd, DRM_IOCTL_OA_GEM_CREATE, &c);
		if (*err || n > 100)
			return n;
		n++;
	}
}

static void limit_objects(void)
{
	int fa = open_bound(DEV0), fb = open_bound(DEV0), fc = open_bound(DEV0), err, err2, err3, n, n2;
	struct oa_memory_info m = {};
	struct drm_prime_handle ex = { .flags = DRM_CLOEXEC }, im = {};
	struct oa_gem_create other = { .size = page };

	n = create_until(fa, page, &err);
	xioctl(fa, DRM_IOCTL_OA_QUERY_MEMORY, &m);
	err2 = xioctl(fb, DRM_IOCTL_OA_GEM_CREATE, &other);
	/* an import is a handle too */
	ex.handle = other.handle;
	xioctl(fb, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ex);
	im.fd = ex.fd;
	err3 = xioctl(fa, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im);
	report("limit.objects", n == 8 && err == -ENOSPC && m.free >= page && !err2 && err3 == -ENOSPC,
	       "file_max_objects 8: %d GEM_CREATE, then %s with %llu bytes free; another file's GEM_CREATE %d; "
	       "an import into the full file %s", n, strerror(-err), (unsigned long long)m.free, err2, strerror(-err3));
	close(ex.fd);
	n2 = create_until(fc, 512 * 1024, &err);
	report("limit.bytes", n2 == 2 && err == -ENOMEM, "file_max_memory_mib 1: %d GEM_CREATE of 512 KiB, then %s", n2,
	       strerror(-err));
	close(fa);
	close(fb);
	close(fc);
}

static void limit_syncobjs(void)
{
	int fd = open_bound(DEV0), n = 0, err, again;
	struct drm_syncobj_create c;
	struct drm_syncobj_destroy d;

	for (;;) {
		c = (struct drm_syncobj_create){ 0 };
		err = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
		if (err || n > 100)
			break;
		n++;
	}
	d = (struct drm_syncobj_destroy){ .handle = 1 };
	xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
	c = (struct drm_syncobj_create){ 0 };
	again = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);
	report("limit.syncobjs", n == 8 && err == -ENOSPC && !again,
	       "file_max_syncobjs 8: %d SYNCOBJ_CREATE, then %s; after a destroy %d", n, strerror(-err), again);
	close(fd);
}

/*
 * A syncobj array ioctl with a huge count_handles: ENOMEM, and no allocation the page allocator
 * WARNs about (dmesg is checked after the probes).
 */
static void limit_syncobj_array(void)
{
	int fd = open_bound(DEV0);
	uint32_t h = 1;
	uint64_t pt = 1, h_ptr = (uintptr_t)&h;
	struct drm_syncobj_timeline_array ts = { .handles = (uintptr_t)&h, .points = (uintptr_t)&pt,
						 .count_handles = 0x7fffffff };
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 0x7fffffff };
	/* the same number with a longer size in the command: drm_ioctl dispatches by number alone */
	uint64_t longer[5] = { (uintptr_t)&h, (uintptr_t)&pt, 0x7fffffffull };
	int signal = xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ts);
	int wait = xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	int resized = xioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
				      _IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL), sizeof(longer)), longer);

	/* a size that ends inside count_handles: drm_ioctl takes 3 of its bytes and zero-fills the 4th */
	uint8_t cut[27] = { 0 };
	int partial;

	memcpy(cut, &h_ptr, sizeof(h_ptr));
	memset(cut + 24, 0xff, 3);
	partial = xioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
				  _IOC_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT), sizeof(cut)), cut);
	report("limit.syncobj_array", signal == -ENOMEM && wait == -ENOMEM && resized == -ENOMEM &&
	       partial == -ENOMEM,
	       "count_handles 0x7fffffff: TIMELINE_SIGNAL %s, WAIT %s, TIMELINE_SIGNAL of %zu bytes %s; TIMELINE_WAIT of 27 bytes (count 0xffffff) %s",
	       strerror(-signal), strerror(-wait), sizeof(longer), strerror(-resized), strerror(-partial));
	close(fd);
}

/* Submits held behind a full CQ: batches whose commands cannot complete until the user pops. */
static void limit_held_submits(void)
{
	int fd = open_bound(DEV0), n = 0, err = 0, after;
	struct drm_syncobj_create s = {};
	struct oa_syncobj_point sig = {};
	struct oa_destroy_queue dq = {};
	struct q q, q2;
	uint32_t h;

	if (fd < 0 || xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &s) || queue_open(&q, fd, 2, 2, OA_QUEUE_SYNCOBJ)) {
		report("limit.held_submits", 0, "setup");
		return;
	}
	/* two NOPs fill the CQ; their batch signals s, which is waited for so the batch is gone */
	q.sq[0] = (struct oa_sqe){ .opcode = OA_OP_NOP };
	q.sq[1] = (struct oa_sqe){ .opcode = OA_OP_NOP };
	sig.handle = s.handle;
	{
		struct oa_submit a = { .queue_id = q.c.queue_id, .sq_tail = 2, .num_signals = 1,
				       .signals_ptr = (uintptr_t)&sig };
		struct drm_syncobj_wait w = { .count_handles = 1, .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
					      .timeout_nsec = (int64_t)(now_ns() + 60ull * 1000000000ull) };

		h = s.handle;
		w.handles = (uintptr_t)&h;
		if (xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a) || xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w)) {
			report("limit.held_submits", 0, "the first batch");
			return;
		}
	}
	q.sq[0] = (struct oa_sqe){ .opcode = OA_OP_NOP };
	for (;;) {
		struct oa_submit a = { .queue_id = q.c.queue_id, .sq_tail = 3 };

		err = xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a);
		if (err || n > 2048)
			break;
		n++;
	}
	dq.queue_id = q.c.queue_id;
	xioctl(fd, DRM_IOCTL_OA_DESTROY_QUEUE, &dq);
	after = queue_open(&q2, fd, 2, 2, OA_QUEUE_SYNCOBJ);
	if (!after) {
		struct oa_submit a = { .queue_id = q2.c.queue_id, .sq_tail = 0 };

		after = xioctl(fd, DRM_IOCTL_OA_SUBMIT, &a);
	}
	report("limit.held_submits", n == 1024 && err == -ENOMEM && !after,
	       "%d SUBMITs held behind a full CQ, then %s; after DESTROY_QUEUE a SUBMIT %d", n,
	       strerror(-err), after);
	close(fd);
}

static void limits(void)
{
	if (limits_set(0)) {
		report("limit.params", 0, "cannot set " PARAMS "file_max_*");
		return;
	}
	limit_objects();
	limit_syncobjs();
	limit_syncobj_array();
	limit_held_submits();
	report("limit.params", !limits_set(1), "file_max_* restored");
}

#endif
