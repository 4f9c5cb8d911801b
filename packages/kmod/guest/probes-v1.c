// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The 1.0 form of the defect probes of probes-v2.c: the same scenarios through the 1.0 uAPI
 * (/dev/openaccel/accelN), run once against the 1.0 module to record how it fails (DEFECTS.md).
 * usage: probes-v1 [crc_race] [page_size] [defects] (crc_race first after the module loads)
 */
#include <linux/openaccel.h>
#include <stdatomic.h>
#include "probe.h"

#define DEV0 "/dev/openaccel/accel0"

struct q {
	int fd;
	struct oa_create_queue c;
	struct oa_doorbell *db;
	struct oa_sqe *sq;
	uint32_t tail;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int open_bound(void)
{
	struct oa_bind_context b = { .size = sizeof(b) };
	int fd = open(DEV0, O_RDWR | O_CLOEXEC);

	if (fd < 0 || xioctl(fd, OA_IOCTL_BIND_CONTEXT, &b))
		return -1;
	return fd;
}

static int queue_open(struct q *q, int fd, uint32_t entries)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->c.size = sizeof(q->c);
	q->c.sq_entries = entries;
	q->c.cq_entries = entries;
	if (xioctl(fd, OA_IOCTL_CREATE_QUEUE, &q->c))
		return -1;
	q->db = mmap(NULL, q->c.doorbell_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, q->c.doorbell_offset);
	q->sq = mmap(NULL, q->c.sq_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, q->c.sq_offset);
	return q->db == MAP_FAILED || q->sq == MAP_FAILED ? -1 : 0;
}

static void push(struct q *q, struct oa_sqe s, int publish)
{
	struct oa_submit a = { .size = sizeof(a), .queue_id = q->c.queue_id };

	q->sq[q->tail & (q->c.sq_entries - 1)] = s;
	q->tail++;
	if (!publish)
		return;
	a.sq_tail = q->tail;
	xioctl(q->fd, OA_IOCTL_SUBMIT, &a);
}

static int wait_all(struct q *q)
{
	struct oa_submit a = { .size = sizeof(a), .queue_id = q->c.queue_id, .sq_tail = q->tail,
			       .flags = OA_SUBMIT_WAIT, .timeout_ns = 60ull * 1000000000ull };

	return xioctl(q->fd, OA_IOCTL_SUBMIT, &a);
}

static void defect_initial_state(void)
{
	int fd = open_bound();
	struct q q;

	usleep(100000); /* the engine sleeps after engine_spin_us idle */
	if (fd < 0 || queue_open(&q, fd, 4)) {
		report("3.setup", 0, "open and queue");
		return;
	}
	report("3.need_wakeup", q.db->flags & OA_DOORBELL_NEED_WAKEUP, "doorbell flags of a new queue %#x",
	       q.db->flags);
	close(fd);
}

static void defect_ro_arg(void)
{
	int fd = open_bound();
	struct oa_device_info i0 = { .size = sizeof(i0) }, i1 = { .size = sizeof(i1) };
	struct oa_memory_info m0 = { .size = sizeof(m0) }, m1 = { .size = sizeof(m1) };
	struct oa_create_queue c = { .size = sizeof(c), .sq_entries = 4, .cq_entries = 4 };
	struct oa_alloc_memory al = { .size = sizeof(al), .length = 4096 * 16 };
	struct oa_alloc_memory a2 = { .size = sizeof(a2), .length = 4096 };
	struct oa_export_dmabuf ex = { .size = sizeof(ex) };
	int r, n0, n1;

	xioctl(fd, OA_IOCTL_GET_INFO, &i0);
	r = xioctl(fd, OA_IOCTL_CREATE_QUEUE, ro_copy(&c, sizeof(c)));
	xioctl(fd, OA_IOCTL_GET_INFO, &i1);
	report("4.create_queue", r == -EFAULT && i1.free_queues == i0.free_queues,
	       "CREATE_QUEUE %d, free queues %u -> %u", r, i0.free_queues, i1.free_queues);
	xioctl(fd, OA_IOCTL_QUERY_MEMORY, &m0);
	r = xioctl(fd, OA_IOCTL_ALLOC_MEMORY, ro_copy(&al, sizeof(al)));
	xioctl(fd, OA_IOCTL_QUERY_MEMORY, &m1);
	report("4.gem_create", r == -EFAULT && m1.free_bytes == m0.free_bytes, "ALLOC_MEMORY %d, free %llu -> %llu",
	       r, (unsigned long long)m0.free_bytes, (unsigned long long)m1.free_bytes);
	xioctl(fd, OA_IOCTL_ALLOC_MEMORY, &a2);
	ex.handle = a2.handle;
	n0 = fd_count();
	r = xioctl(fd, OA_IOCTL_EXPORT_DMABUF, ro_copy(&ex, sizeof(ex)));
	n1 = fd_count();
	report("4.prime_export", r == -EFAULT && n1 == n0, "EXPORT_DMABUF %d, fds %d -> %d", r, n0, n1);
	close(fd);
}

static void defect_sysfs(void)
{
	char a[512] = "";

	realpath("/sys/class/openaccel/accel0/memories/0/shared_with/accel1", a);
	report("9.sysfs_peers", *a != 0, "memories/0/shared_with/accel1 %s", *a ? a : "does not exist (shared_with is a file of names)");
}

/*
 * Defect 8: 1.0 takes 4 KiB as the page size. GET_INFO.doorbell_size is OA_DOORBELL_REGION_SIZE and
 * allocations are multiples of OA_MEMORY_ALIGN (both 4096); on a 16 KiB-page kernel a queue's doorbell
 * region is a whole page and a 4 KiB allocation cannot be mapped through its dma-buf (dma-buf mmap counts
 * in CPU pages). Passes on 4 KiB pages.
 */
static void defect_page_size(void)
{
	struct oa_alloc_memory al = { .size = sizeof(al), .length = OA_MEMORY_ALIGN };
	struct oa_export_dmabuf ex = { .size = sizeof(ex) };
	struct oa_device_info info = { .size = sizeof(info) };
	int fd = open_bound(), r = -1, mapped = 0;
	struct q q;
	char *p;

	if (fd < 0 || xioctl(fd, OA_IOCTL_GET_INFO, &info) || queue_open(&q, fd, 4) ||
	    xioctl(fd, OA_IOCTL_ALLOC_MEMORY, &al)) {
		report("8.page_size", 0, "setup: queue and an OA_MEMORY_ALIGN allocation");
		return;
	}
	ex.handle = al.handle;
	r = xioctl(fd, OA_IOCTL_EXPORT_DMABUF, &ex);
	p = r ? MAP_FAILED : mmap(NULL, OA_MEMORY_ALIGN, PROT_READ | PROT_WRITE, MAP_SHARED, ex.fd, 0);
	if (p != MAP_FAILED) {
		p[0] = 1;
		mapped = 1;
		munmap(p, OA_MEMORY_ALIGN);
	} else if (!r) {
		r = -errno;
	}
	report("8.page_size", mapped && q.c.doorbell_size == info.doorbell_size,
	       "CPU page %ld: an allocation of OA_MEMORY_ALIGN (%d) bytes %s%s; doorbell region %u bytes, GET_INFO.doorbell_size %u",
	       sysconf(_SC_PAGESIZE), OA_MEMORY_ALIGN, mapped ? "maps through its dma-buf" : "cannot be mapped through its dma-buf: ",
	       mapped ? "" : strerror(-r), q.c.doorbell_size, info.doorbell_size);
	if (!r)
		close(ex.fd);
	close(fd);
}

static int bind_v1(int fd)
{
	struct oa_bind_context b = { .size = sizeof(b) };

	return xioctl(fd, OA_IOCTL_BIND_CONTEXT, &b);
}

static int create_v1(int fd)
{
	struct oa_create_queue c = { .size = sizeof(c), .sq_entries = 4, .cq_entries = 4 };

	return xioctl(fd, OA_IOCTL_CREATE_QUEUE, &c);
}

static void defect_pid_reuse(void)
{
	int fd = open(DEV0, O_RDWR);

	probe_pid_reuse(fd, bind_v1, create_v1);
	close(fd);
}

static void defect_device_lock(void)
{
	int fa = open_bound(), fb = open_bound();
	struct oa_alloc_memory s = { .size = sizeof(s), .length = 256 * 1024 };
	struct oa_alloc_memory d = { .size = sizeof(d), .length = 512 * 1024 };
	struct oa_alloc_memory b = { .size = sizeof(b), .length = 4096 };
	uint32_t before, after;
	int n = 48, i, ok;
	struct q q;

	if (xioctl(fa, OA_IOCTL_ALLOC_MEMORY, &s) || xioctl(fa, OA_IOCTL_ALLOC_MEMORY, &d) || queue_open(&q, fa, 64)) {
		report("5.setup", 0, "memory and queue");
		return;
	}
	{
		/* incompressible source, written through a dma-buf of the memory (1.0 maps memory no other way) */
		struct oa_export_dmabuf ex = { .size = sizeof(ex), .handle = s.handle };
		uint64_t x = 88172645463325252ull;
		uint8_t *p;

		if (xioctl(fa, OA_IOCTL_EXPORT_DMABUF, &ex) ||
		    (p = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE, MAP_SHARED, ex.fd, 0)) == MAP_FAILED) {
			report("5.setup", 0, "source through a dma-buf");
			return;
		}
		for (i = 0; i < 256 * 1024; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[i] = (uint8_t)x;
		}
		munmap(p, 256 * 1024);
		close(ex.fd);
	}
	for (i = 0; i < n; i++)
		push(&q, (struct oa_sqe){ .opcode = OA_OP_DEFLATE, .src_handle = s.handle, .src_length = 128 * 1024,
					  .dst_handle = d.handle, .dst_length = 256 * 1024, .arg = 9 }, i == n - 1);
	while (!__atomic_load_n(&q.db->sq_head, __ATOMIC_ACQUIRE))
		; /* the engine has taken the batch */
	before = q.db->cq_tail;
	ok = !xioctl(fb, OA_IOCTL_ALLOC_MEMORY, &b);
	after = q.db->cq_tail;
	report("5.alloc_during_batch", ok && after < (uint32_t)n,
	       "ALLOC_MEMORY of another context returned after %u of %d commands (%u at the call)", after, n, before);
	wait_all(&q);
	close(fa);
	close(fb);
}

/* Defect 6: the first CRC32C commands after load, on accel0 and accel1 at once, each result checked. */
struct crc_v1 {
	struct q q;
	volatile struct oa_cqe *cq;
};

static int crc_start_v1(struct crc_lane *l)
{
	struct crc_v1 *c = l->ctx;

	c->q.tail = CRC_RACE_N;
	return wait_all(&c->q);
}

static void defect_crc_race(void)
{
	static const char *const paths[2] = { DEV0, "/dev/openaccel/accel1" };
	struct crc_lane lanes[2] = {};
	struct crc_v1 c[2];
	static uint8_t data[CRC_RACE_BYTES];
	int wrong = 0, done = 0, d, i;

	crc_race_data(data);
	for (d = 0; d < 2; d++) {
		struct oa_bind_context b = { .size = sizeof(b) };
		struct oa_alloc_memory m = { .size = sizeof(m), .length = CRC_RACE_BYTES };
		struct oa_export_dmabuf ex = { .size = sizeof(ex) };
		int fd = open(paths[d], O_RDWR | O_CLOEXEC);
		uint8_t *p;

		if (fd < 0 || xioctl(fd, OA_IOCTL_BIND_CONTEXT, &b) || xioctl(fd, OA_IOCTL_ALLOC_MEMORY, &m)) {
			report("6.crc_race", 0, "setup of %s", paths[d]);
			return;
		}
		ex.handle = m.handle;
		if (xioctl(fd, OA_IOCTL_EXPORT_DMABUF, &ex) ||
		    (p = mmap(NULL, CRC_RACE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, ex.fd, 0)) == MAP_FAILED ||
		    queue_open(&c[d].q, fd, CRC_RACE_N) ||
		    (c[d].cq = mmap(NULL, c[d].q.c.cq_size, PROT_READ, MAP_SHARED, fd, c[d].q.c.cq_offset)) ==
			    MAP_FAILED) {
			report("6.crc_race", 0, "memory and queue of %s", paths[d]);
			return;
		}
		memcpy(p, data, CRC_RACE_BYTES);
		munmap(p, CRC_RACE_BYTES);
		close(ex.fd);
		for (i = 0; i < CRC_RACE_N; i++) {
			size_t off, len;

			crc_race_slice(i, &off, &len);
			c[d].q.sq[i] = (struct oa_sqe){ .opcode = OA_OP_CRC32C, .tag = i, .src_handle = m.handle,
							.src_addr = off, .src_length = len };
		}
		lanes[d] = (struct crc_lane){ .start = crc_start_v1, .ctx = &c[d] };
	}
	crc_race_run(lanes);
	for (d = 0; d < 2; d++)
		crc_race_check(data, (const volatile uint32_t *)c[d].cq, OA_CQE_PHASE, &done, &wrong);
	report("6.crc_race", !wrong, "%d CRC32C commands on accel0 and accel1 at once, the first after load: %d completed, %d wrong",
	       2 * CRC_RACE_N, done, wrong);
}

struct waiter {
	struct q *q;
	pid_t tid;
	atomic_int done;
	int ret;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;
	struct oa_submit a = { .size = sizeof(a), .queue_id = w->q->c.queue_id, .sq_tail = w->q->tail,
			       .flags = OA_SUBMIT_WAIT, .timeout_ns = 10ull * 1000000000ull };

	w->tid = syscall(SYS_gettid);
	w->ret = ioctl(w->q->fd, OA_IOCTL_SUBMIT, &a) ? errno : 0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void defect_wait(void)
{
	int fd = open_bound();
	struct oa_device_info info = { .size = sizeof(info) };
	struct waiter w = {};
	pthread_t t;
	struct q q;
	void *m;
	int ok;

	if (fd < 0 || queue_open(&q, fd, 2)) {
		report("1.setup", 0, "open and queue");
		return;
	}
	push(&q, (struct oa_sqe){ .opcode = OA_OP_NOP }, 0);
	push(&q, (struct oa_sqe){ .opcode = OA_OP_NOP }, 1);
	wait_all(&q);
	q.sq[q.tail & 1] = (struct oa_sqe){ .opcode = OA_OP_NOP };
	q.tail++;
	install_restarting_usr1();
	w.q = &q;
	pthread_create(&t, NULL, waiter_main, &w);
	while (!w.tid)
		usleep(1000);
	wait_sleeping(w.tid);
	ok = !xioctl(fd, OA_IOCTL_GET_INFO, &info) && !atomic_load(&w.done);
	report("1.get_info_during_wait", ok, "GET_INFO on the fd answered %s",
	       ok ? "while SUBMIT waits" : "only after SUBMIT's wait ended");
	m = mmap(NULL, q.c.doorbell_size, PROT_READ, MAP_SHARED, fd, q.c.doorbell_offset);
	ok = m != MAP_FAILED && !atomic_load(&w.done);
	report("1.mmap_during_wait", ok, "mmap of the fd answered %s",
	       ok ? "while SUBMIT waits" : "only after SUBMIT's wait ended");
	pthread_join(t, NULL);
	/* a fresh wait for defect 2 and the signal */
	w.done = 0;
	w.tid = 0;
	pthread_create(&t, NULL, waiter_main, &w);
	while (!w.tid)
		usleep(1000);
	wait_sleeping(w.tid);
	probe_engine_idle(); /* defect 2 */
	probe_signal_restarts(t, w.tid, &w.done, &w.ret);
	pthread_join(t, NULL);
	{
		/* the 1.0 form of "stop wakes the waiter": 1.0 has no stop but destroy, which needs the lock */
		struct oa_submit a = { .size = sizeof(a), .queue_id = q.c.queue_id, .sq_tail = q.tail,
				       .flags = OA_SUBMIT_WAIT, .timeout_ns = 0 };
		int r;

		alarm(20);
		r = ioctl(fd, OA_IOCTL_SUBMIT, &a) ? errno : 0;
		alarm(0);
		report("1.wait_zero", r == ETIME, "SUBMIT WAIT with timeout 0 returns %s", strerror(r));
	}
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "crc_race"))
			defect_crc_race();
		else if (!strcmp(argv[i], "page_size"))
			defect_page_size();
	if (argc > 1 && !strcmp(argv[argc - 1], "defects")) {
		defect_initial_state();
		defect_ro_arg();
		defect_page_size();
		defect_sysfs();
		defect_pid_reuse();
		defect_device_lock();
		defect_wait();
	}
	return probe_failures;
}
