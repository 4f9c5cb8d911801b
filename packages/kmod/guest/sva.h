/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Probes of SVA in the 2.0 module (issue 17): commands carry process virtual addresses on a context
 * bound with OA_BIND_SVA; an unmapped or read-only range faults and nothing is written; a process that
 * exits ends its contexts' binding; memory unmapped during a command is not written after.
 */
#ifndef OA_SVA_H
#define OA_SVA_H

#include <sys/mman.h>
#include "client-v2.h"

static inline int open_sva(const char *path)
{
	struct oa_bind_context b = { .flags = OA_BIND_SVA };
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0 && xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The value of openaccel-sva in the fdinfo of fd, or -1. */
static inline int fdinfo_sva(int fd)
{
	char line[256];
	int v = -1;
	FILE *f;

	snprintf(line, sizeof(line), "/proc/self/fdinfo/%d", fd);
	f = fopen(line, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "openaccel-sva:", 14))
			v = atoi(line + 14);
	if (f)
		fclose(f);
	return v;
}

static inline void *anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline struct oa_sqe sva_copy(const void *src, void *dst, uint32_t len)
{
	return (struct oa_sqe){ .opcode = OA_OP_COPY, .src_addr = (uintptr_t)src, .src_length = len,
				.dst_addr = (uintptr_t)dst, .dst_length = len };
}

static inline int all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return 0;
	return 1;
}

static void sva_basics(void)
{
	int fd = open_sva(DEV0), plain = open_bound(DEV0);
	uint8_t *src = anon(2 * page, PROT_READ | PROT_WRITE), *dst = anon(3 * page, PROT_READ | PROT_WRITE);
	uint8_t *ro = anon(page, PROT_READ), *gone = anon(page, PROT_READ | PROT_WRITE);
	struct oa_cqe e, f, g, h, k;
	struct q q, qp;

	if (fd < 0 || plain < 0 || !src || !dst || !ro || !gone || queue_open(&q, fd, 8, 8, 0) ||
	    queue_open(&qp, plain, 8, 8, 0)) {
		report("sva.copy", 0, "bind with OA_BIND_SVA (%d), buffers and queues", fd);
		return;
	}
	munmap(gone, page);
	for (size_t i = 0; i < 2 * page; i++)
		src[i] = (uint8_t)(i * 7 + 1);
	e = run1(&q, sva_copy(src + 100, dst + 50, 1000));
	f = run1(&qp, sva_copy(src, dst + page, 16));
	report("sva.copy", e.status == OA_STATUS_OK && e.result == 1000 && !memcmp(src + 100, dst + 50, 1000) &&
	       all_bytes(dst, 50, 0) && all_bytes(dst + 1050, 100, 0) && f.status == OA_STATUS_ADDRESS_FAULT &&
	       fdinfo_sva(fd) == 1 && fdinfo_sva(plain) == 0,
	       "COPY of 1000 bytes between process addresses: status %u; on a context without OA_BIND_SVA %u; "
	       "openaccel-sva %d and %d", e.status, f.status, fdinfo_sva(fd), fdinfo_sva(plain));
	memset(dst, 0xee, 3 * page);
	e = run1(&q, sva_copy((void *)8, dst, 256));
	f = run1(&q, sva_copy(src, gone, 256));
	g = run1(&q, sva_copy(src, ro, 256));
	/* a range whose first page is mapped and whose second is not: the mapped page stays untouched */
	munmap(dst + 2 * page, page);
	h = run1(&q, sva_copy(src, dst + page, 2 * page));
	k = run1(&q, (struct oa_sqe){ .opcode = OA_OP_CRC32C, .src_addr = (uintptr_t)(dst + page), .src_length = 2 * page });
	report("sva.fault", e.status == OA_STATUS_ADDRESS_FAULT && !e.result && f.status == OA_STATUS_ADDRESS_FAULT &&
	       g.status == OA_STATUS_ADDRESS_FAULT && all_bytes(ro, page, 0) && h.status == OA_STATUS_ADDRESS_FAULT &&
	       k.status == OA_STATUS_ADDRESS_FAULT && all_bytes(dst, 2 * page, 0xee),
	       "unmapped src %u (result %u), unmapped dst %u, read-only dst %u, dst half unmapped %u, src half "
	       "unmapped %u; the mapped bytes untouched: %d", e.status, e.result, f.status, g.status, h.status, k.status,
	       all_bytes(dst, 2 * page, 0xee) && all_bytes(ro, page, 0));
	close(fd);
	close(plain);
}

/* A context bound by a process that exited: its queue, still open in the parent, can reach nothing. */
static void sva_exit(void)
{
	struct shared {
		struct oa_create_queue c;
		int copied, sva;
	} *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open(DEV0, O_RDWR | O_CLOEXEC), kick = open_bound(DEV0), st = 0, after = -1;
	uint8_t *src = anon(page, PROT_READ | PROT_WRITE), *dst = anon(page, PROT_READ | PROT_WRITE);
	uint64_t end = now_ns() + 60ull * 1000000000ull;
	struct oa_cqe e = { .status = 0xffff };
	struct q q, qk;
	pid_t pid;

	if (sh == MAP_FAILED || fd < 0 || kick < 0 || !src || !dst || queue_open(&qk, kick, 4, 4, 0)) {
		report("sva.exit", 0, "setup");
		return;
	}
	memcpy(src, "bound by the child", 19);
	pid = fork();
	if (pid == 0) {
		struct oa_bind_context b = { .flags = OA_BIND_SVA };
		struct oa_cqe c = { .status = 0xffff };

		if (!xioctl(fd, DRM_IOCTL_OA_BIND_CONTEXT, &b) && !queue_open(&q, fd, 4, 4, 0))
			c = run1(&q, sva_copy(src, dst, 19));
		sh->copied = c.status == OA_STATUS_OK && !strcmp((char *)dst, "bound by the child");
		sh->sva = fdinfo_sva(fd);
		sh->c = q.c;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	after = fdinfo_sva(fd);
	/* the child's queue, mapped and driven by the parent through the same file (its SUBMIT is EPERM) */
	memset(&q, 0, sizeof(q));
	q.fd = fd;
	q.c = sh->c;
	q.doorbell = map(fd, q.c.doorbell_size, PROT_READ | PROT_WRITE, q.c.doorbell_offset);
	q.ctl = map(fd, q.c.control_size, PROT_READ | PROT_WRITE, q.c.control_offset);
	q.st = map(fd, q.c.status_size, PROT_READ, q.c.status_offset);
	q.sq = map(fd, q.c.sq_size, PROT_READ | PROT_WRITE, q.c.sq_offset);
	q.cq = map(fd, q.c.cq_size, PROT_READ, q.c.cq_offset);
	if (!sh->copied || !q.doorbell || !q.ctl || !q.st || !q.sq || !q.cq) {
		report("sva.exit", 0, "the child's SVA COPY %d, its queue mapped by the parent", sh->copied);
		return;
	}
	q.tail = q.head = 1;
	__atomic_store_n(&q.ctl->cq_head, 1, __ATOMIC_RELEASE);
	q.sq[q.tail++ & (q.c.sq_entries - 1)] = sva_copy(src, dst, 19);
	__atomic_store_n(q.doorbell, q.tail, __ATOMIC_RELEASE);
	/* a SUBMIT on another queue of the device wakes the engine, which serves every queue */
	while (!pop(&q, &e) && now_ns() < end) {
		run1(&qk, (struct oa_sqe){ .opcode = OA_OP_NOP });
		usleep(10000);
	}
	report("sva.exit", e.status == OA_STATUS_ADDRESS_FAULT && all_bytes(dst, page, 0) && sh->sva == 1 && after == 0,
	       "after the binder exited a COPY on its queue completes %u, dst untouched %d; openaccel-sva %d before, "
	       "%d after", e.status, all_bytes(dst, page, 0), sh->sva, after);
	close(fd);
	close(kick);
}

/*
 * The destination unmapped while a long command runs: what the file behind it holds after munmap
 * returned must not change. A command whose copy-out came first (status OK) is retried.
 */
static void sva_unmap_during(void)
{
	const uint32_t len = 128 * 1024;
	int fd = open_sva(DEV0), mfd = (int)syscall(SYS_memfd_create, "oa-dst", 0), tries, conclusive = 0, same = 0, zero = 0;
	uint8_t *src = anon(len, PROT_READ | PROT_WRITE), *s1 = malloc(2 * len), *s2 = malloc(2 * len);
	uint64_t x = 88172645463325252ull;
	struct oa_cqe e = { .status = 0xffff };
	struct q q;

	if (fd < 0 || mfd < 0 || !src || !s1 || !s2 || queue_open(&q, fd, 4, 4, 0)) {
		report("sva.unmap_during", 0, "setup");
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		src[i] = (uint8_t)x;
	}
	for (tries = 0; tries < 20 && !conclusive; tries++) {
		uint64_t end = now_ns() + 60ull * 1000000000ull;
		uint8_t *dst;

		if (ftruncate(mfd, 0) || ftruncate(mfd, 2 * len))
			break;
		dst = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (dst == MAP_FAILED)
			break;
		push(&q, &(struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_addr = (uintptr_t)src, .src_length = len,
					   .dst_addr = (uintptr_t)dst, .dst_length = 2 * len, .arg = 9 }, 1);
		while (__atomic_load_n(&q.st->sq_head, __ATOMIC_ACQUIRE) != q.tail && now_ns() < end)
			;
		munmap(dst, 2 * len);
		if (pread(mfd, s1, 2 * len, 0) != 2 * len)
			break;
		wait_all(&q, q.tail);
		pop(&q, &e);
		if (pread(mfd, s2, 2 * len, 0) != 2 * len)
			break;
		conclusive = e.status == OA_STATUS_ADDRESS_FAULT;
		same = !memcmp(s1, s2, 2 * len);
		zero = all_bytes(s2, 2 * len, 0);
	}
	report("sva.unmap_during", conclusive && same && zero,
	       "DEFLATE into a shmem mapping unmapped while it ran (%d tries): status %u, the file unchanged after "
	       "munmap %d, untouched %d", tries, e.status, same, zero);
	free(s1);
	free(s2);
	close(mfd);
	close(fd);
}

static void sva(void)
{
	sva_basics();
	sva_exit();
	sva_unmap_during();
}

#endif
