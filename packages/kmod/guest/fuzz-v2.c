// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Spec-driven malformed ioctls and commands against the 2.0 driver, then several processes x queues of
 * checked commands; both end with a leak check (queues, device memory, fds).
 * usage: fuzz-v2 fuzz SEED COUNT | fuzz-v2 stress SEED PROCESSES QUEUES COMMANDS
 */
#include <sys/eventfd.h>
#include "client-v2.h"

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The errnos the spec allows each driver-private ioctl: the common rules and the ioctl's own. */
#define COMMON EPERM, EINVAL, EBADFD, EFAULT, ENOMEM
static const struct {
	unsigned long req;
	size_t size;
	int errnos[12]; /* zero-terminated */
} ioctls[] = {
	{ DRM_IOCTL_OA_GET_INFO, sizeof(struct oa_device_info), { COMMON } },
	{ DRM_IOCTL_OA_QUERY_FUNCTIONS, sizeof(struct oa_query_functions), { COMMON } },
	{ DRM_IOCTL_OA_BIND_CONTEXT, sizeof(struct oa_bind_context), { COMMON, EBUSY, EOPNOTSUPP, ENOSPC } },
	{ DRM_IOCTL_OA_CREATE_QUEUE, sizeof(struct oa_create_queue), { COMMON, EOPNOTSUPP, ENOSPC } },
	{ DRM_IOCTL_OA_DESTROY_QUEUE, sizeof(struct oa_destroy_queue), { COMMON, ENOENT } },
	{ DRM_IOCTL_OA_SET_EVENTFD, sizeof(struct oa_set_eventfd), { COMMON, EOPNOTSUPP, ENOENT, EBADF } },
	{ DRM_IOCTL_OA_SUBMIT, sizeof(struct oa_submit), { COMMON, ENOENT, EIO, EOPNOTSUPP, ETIME, EINTR } },
	{ DRM_IOCTL_OA_QUERY_MEMORY, sizeof(struct oa_memory_info), { COMMON, ENOENT } },
	{ DRM_IOCTL_OA_GEM_CREATE, sizeof(struct oa_gem_create), { COMMON, ENOENT, EOPNOTSUPP } },
	{ DRM_IOCTL_OA_GEM_INFO, sizeof(struct oa_gem_info), { COMMON, ENOENT } },
};

static int allowed(int k, int err)
{
	for (int i = 0; ioctls[k].errnos[i]; i++)
		if (ioctls[k].errnos[i] == err)
			return 1;
	return 0;
}

/* Every argument struct, so one buffer can be filled word by word and then fixed up field by field. */
union args {
	uint32_t w[32];
	struct oa_query_functions qf;
	struct oa_create_queue cq;
	struct oa_set_eventfd ev;
	struct oa_gem_create gc;
	struct oa_submit sub;
};

/* A pointer field: a valid buffer, NULL, an unmapped page, or a kernel address. */
static uint64_t pointer(void *valid)
{
	switch (next() % 4) {
	case 0:
		return (uintptr_t)valid;
	case 1:
		return 0;
	case 2:
		return 0x10000ull;
	default:
		return 0xffff888000000000ull;
	}
}

/* Mostly small numbers (ids, handles, flags) with the odd wild word, as a spec-aware fuzzer picks them. */
static uint32_t word(void)
{
	switch (next() % 6) {
	case 0:
		return 0;
	case 1:
		return 1u << (next() % 32);
	case 2:
		return (uint32_t)next();
	case 3:
		return 0xffffffffu;
	default:
		return next() % 8;
	}
}

static int free_queues(void)
{
	char buf[32] = "";
	int fd = open("/sys/class/accel/accel0/openaccel/free_queues", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = 0;
	if (fd >= 0)
		close(fd);
	return atoi(buf);
}

static uint64_t free_memory(void)
{
	int fd = open(DEV0, O_RDWR);
	struct oa_memory_info m = {};

	xioctl(fd, DRM_IOCTL_OA_QUERY_MEMORY, &m);
	close(fd);
	return m.free;
}

static void leak_check(const char *id, int q0, uint64_t m0, int f0)
{
	int q1 = free_queues(), f1 = fd_count();
	uint64_t m1 = free_memory();

	report(id, q1 == q0 && m1 == m0 && f1 == f0, "free queues %d -> %d, free memory %llu -> %llu, fds %d -> %d",
	       q0, q1, (unsigned long long)m0, (unsigned long long)m1, f0, f1);
}

/*
 * One round of malformed ioctls on a fresh bound file, in a child process: its mappings of queue regions
 * and GEM objects keep the file open until the process exits, so each round ends with the child.
 * Returns the number of errnos the spec does not allow, or -1.
 */
static int fuzz_round(long count, long *accepted)
{
	int fd = open_bound(DEV0), unexpected = 0, efd = eventfd(0, EFD_CLOEXEC);
	uint64_t scratch[64] = { 0 };
	union args buf;
	long i;
	uint32_t h;
	struct q q;

	if (fd < 0)
		return -1;
	gem(fd, sysconf(_SC_PAGESIZE), &h);
	if (queue_open(&q, fd, 8, 8, 0))
		q.sq = NULL;
	for (i = 0; i < count; i++) {
		int k = next() % (sizeof(ioctls) / sizeof(ioctls[0])), r;
		size_t n;

		for (n = 0; n < ioctls[k].size / 4; n++)
			buf.w[n] = word();
		switch (ioctls[k].req) {
		case DRM_IOCTL_OA_QUERY_FUNCTIONS:
			buf.qf.bitmap_ptr = pointer(scratch);
			break;
		case DRM_IOCTL_OA_CREATE_QUEUE:
			buf.cq.sq_entries = 1u << (next() % 14);
			break;
		case DRM_IOCTL_OA_SET_EVENTFD:
			buf.ev.eventfd = next() % 2 ? efd : (int)word();
			break;
		case DRM_IOCTL_OA_GEM_CREATE:
			buf.gc.size = (next() % 64) * 4096 + (next() % 8 ? 0 : word());
			break;
		case DRM_IOCTL_OA_SUBMIT:
			buf.sub.waits_ptr = pointer(scratch);
			buf.sub.signals_ptr = pointer(scratch);
			/* a wait is bounded: a deadline that has passed, or one a millisecond away */
			buf.sub.timeout_ns = next() % 2 ? 0 : (int64_t)(now_ns() + 1000000);
			break;
		}
		/* the argument itself: mostly valid memory, sometimes none */
		r = xioctl(fd, ioctls[k].req, next() % 50 ? (void *)&buf : (void *)(uintptr_t)pointer(&buf));
		if (!r) {
			(*accepted)++;
		} else if (!allowed(k, -r)) {
			if (unexpected++ < 5)
				printf("fuzz: ioctl %#lx returned unexpected %s\n", ioctls[k].req, strerror(-r));
		}
		/* a random command on the doorbell queue now and then: the engine's checks */
		if (i % 16 == 0 && q.sq) {
			union {
				struct oa_sqe s;
				uint32_t w[16];
			} u;

			for (n = 0; n < 16; n++)
				u.w[n] = word();
			u.s.opcode %= 12;
			u.s.src_length %= 1u << 20;
			u.s.dst_length %= 1u << 20;
			push(&q, &u.s, 1);
		}
	}
	return unexpected;
}

static void fuzz(uint64_t seed, long count)
{
	int q0 = free_queues(), f0 = fd_count(), unexpected = 0, rounds = 0, st;
	uint64_t m0 = free_memory();
	long done, accepted = 0;
	int pipefd[2];

	for (done = 0; done < count; done += 1000, rounds++) {
		long n = count - done < 1000 ? count - done : 1000, acc = 0;
		pid_t pid;

		if (pipe(pipefd))
			break;
		pid = fork();
		if (pid == 0) {
			int u;

			rng = (seed + rounds) | 1;
			u = fuzz_round(n, &acc);
			if (write(pipefd[1], &acc, sizeof(acc)) != sizeof(acc))
				u = -1;
			_exit(u < 0 ? 255 : u > 254 ? 254 : u);
		}
		close(pipefd[1]);
		if (read(pipefd[0], &acc, sizeof(acc)) == sizeof(acc))
			accepted += acc;
		close(pipefd[0]);
		waitpid(pid, &st, 0);
		unexpected += !WIFEXITED(st) ? 1000 : WEXITSTATUS(st);
	}
	report("fuzz.ioctls", unexpected == 0,
	       "%ld malformed ioctls (seed %llu, %d rounds), %ld accepted, %d errnos the spec does not allow or rounds lost",
	       count, (unsigned long long)seed, rounds, accepted, unexpected);
	leak_check("fuzz.leaks", q0, m0, f0);
}

static uint32_t crc32c_sw(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & -(c & 1));
	}
	return ~c;
}

/* One process: queues x commands of CRC32C over random data, each result checked. Returns failures. */
static int stress_client(int queues, int commands)
{
	int fd = open_bound(DEV0), bad = 0;
	struct q q[8];
	uint32_t h;
	uint8_t *buf = gem(fd, 65536, &h);

	if (fd < 0 || !buf || queues > 8)
		return 1;
	for (int i = 0; i < 65536; i++)
		buf[i] = (uint8_t)next();
	for (int j = 0; j < queues; j++)
		if (queue_open(&q[j], fd, 16, 16, 0))
			return 1;
	for (int c = 0; c < commands; c++) {
		int j = c % queues;
		uint32_t off = next() % 60000, len = 1 + next() % 4096;
		struct oa_cqe e = run1(&q[j], (struct oa_sqe){ .opcode = OA_OP_CRC32C, .tag = c, .src_handle = h,
							       .src_addr = off, .src_length = len });

		bad += e.status != OA_STATUS_OK || e.tag != (uint32_t)c || e.result != crc32c_sw(buf + off, len);
	}
	close(fd);
	return bad;
}

static void stress(uint64_t seed, int procs, int queues, int commands)
{
	int q0 = free_queues(), f0 = fd_count(), bad = 0, st;
	uint64_t m0 = free_memory();
	pid_t pids[16];

	for (int p = 0; p < procs && p < 16; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			rng = (seed + p) | 1;
			_exit(stress_client(queues, commands) ? 1 : 0);
		}
	}
	for (int p = 0; p < procs && p < 16; p++) {
		waitpid(pids[p], &st, 0);
		bad += !WIFEXITED(st) || WEXITSTATUS(st);
	}
	report("stress.results", bad == 0, "%d processes x %d queues, %d checked CRC32C commands each; %d processes saw a wrong result",
	       procs, queues, commands, bad);
	leak_check("stress.leaks", q0, m0, f0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "fuzz"))
		fuzz(strtoull(argv[2], NULL, 0), atol(argv[3]));
	else if (argc == 6 && !strcmp(argv[1], "stress"))
		stress(strtoull(argv[2], NULL, 0), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	else
		return fprintf(stderr, "usage: fuzz-v2 fuzz SEED COUNT | fuzz-v2 stress SEED P Q C\n"), 2;
	return probe_failures;
}
