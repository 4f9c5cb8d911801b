/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers of the guest probes (static C programs run in the test guest, which has no compiler).
 * Each probe prints "probe <id> pass|FAIL <detail>"; a program exits with the number of failures.
 */
#ifndef OA_PROBE_H
#define OA_PROBE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int probe_failures;

static inline void report(const char *id, int ok, const char *fmt, ...)
{
	va_list ap;

	printf("probe %s %s ", id, ok ? "pass" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		probe_failures++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A page holding a copy of an argument struct, then made read-only: drm copies in, cannot copy out. */
static inline void *ro_copy(const void *arg, size_t len)
{
	void *p = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, arg, len);
	mprotect(p, 4096 * 4, PROT_READ);
	return p;
}

static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The scheduler state letter of a thread of this process ('S' sleeping, 'D' uninterruptible, ...). */
static inline char task_state(pid_t tid)
{
	char path[64], buf[512], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

/* The number of the system call a thread is blocked in, or -1 (/proc/<pid>/task/<tid>/syscall). */
static inline long task_syscall(pid_t tid)
{
	char path[64], buf[64];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return buf[0] >= '0' && buf[0] <= '9' ? strtol(buf, NULL, 10) : -1;
}

/* Polls until a thread sleeps inside ioctl(), under a generous deadline; returns whether it did. */
static inline int wait_sleeping(pid_t tid)
{
	uint64_t end = now_ns() + 60ull * 1000000000ull;

	while (now_ns() < end) {
		char s = task_state(tid);

		if ((s == 'S' || s == 'D') && task_syscall(tid) == SYS_ioctl)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* CPU ticks (utime + stime) of the kernel thread whose comm is name, or -1. */
static inline long kthread_ticks(const char *name)
{
	char path[300], buf[512], *p;
	long utime, stime;
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int fd, n;

		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		p = strchr(buf, '(');
		if (!p || strncmp(p + 1, name, strlen(name)) || p[1 + strlen(name)] != ')')
			continue;
		p = strrchr(buf, ')');
		/* fields after the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
			   &utime, &stime) == 2) {
			closedir(d);
			return utime + stime;
		}
	}
	closedir(d);
	return -1;
}

static inline int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* Forks a child whose pid number is `want` (root: ns_last_pid), to reuse the number of a dead process. */
static inline pid_t fork_with_pid(pid_t want)
{
	char text[32];
	int i;

	for (i = 0; i < 50; i++) {
		pid_t pid;

		snprintf(text, sizeof(text), "%d", want - 1);
		if (write_file("/proc/sys/kernel/ns_last_pid", text))
			return -1;
		pid = fork();
		if (pid <= 0 || pid == want)
			return pid;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

/*
 * Defect 7: a context bound by a process that exited, used by a new process given the same pid number.
 * bind and create are the uAPI's BIND_CONTEXT and CREATE_QUEUE on fd, returning 0 or -errno.
 */
static inline void probe_pid_reuse(int fd, int (*bind)(int), int (*create)(int))
{
	pid_t c1, c2;
	int st = 0;

	c1 = fork();
	if (c1 == 0)
		_exit(bind(fd) ? 1 : 0);
	waitpid(c1, &st, 0);
	c2 = fork_with_pid(c1);
	if (c2 == 0)
		_exit(-create(fd));
	if (c2 < 0) {
		report("7.pid_reuse", 0, "could not fork a process with pid %d", c1);
		return;
	}
	waitpid(c2, &st, 0);
	report("7.pid_reuse", WEXITSTATUS(st) == EPERM,
	       "a new process with the binder's pid number %d: CREATE_QUEUE errno %d (EPERM expected)", c1,
	       WEXITSTATUS(st));
}

static volatile sig_atomic_t probe_usr1_seen;

static inline void on_usr1(int sig)
{
	(void)sig;
	probe_usr1_seen = 1;
}

/* Defect 2: the engine's CPU time over two seconds while the CQ is full and a command is pending. */
static inline void probe_engine_idle(void)
{
	long t0 = kthread_ticks("openaccel/0"), t1, wall;
	uint64_t w0 = now_ns(), w1;

	sleep(2);
	t1 = kthread_ticks("openaccel/0");
	w1 = now_ns();
	wall = (long)((w1 - w0) * sysconf(_SC_CLK_TCK) / 1000000000ull);
	report("2.cq_full_idle", t0 >= 0 && t1 - t0 < wall / 2,
	       "engine used %ld of %ld ticks with the CQ full and a command pending", t1 - t0, wall);
}

/*
 * Defect 1: a signal with SA_RESTART during SUBMIT's wait. The handler has run when probe_usr1_seen is
 * set; then the call either returned (done) or sleeps in ioctl again (restarted, as ERESTARTSYS does).
 */
static inline void probe_signal_restarts(pthread_t t, pid_t tid, atomic_int *done, const int *ret)
{
	uint64_t end = now_ns() + 60ull * 1000000000ull;

	probe_usr1_seen = 0;
	pthread_kill(t, SIGUSR1);
	while (!probe_usr1_seen && now_ns() < end)
		usleep(1000);
	while (!atomic_load(done) && now_ns() < end &&
	       !((task_state(tid) == 'S' || task_state(tid) == 'D') && task_syscall(tid) == SYS_ioctl))
		usleep(1000);
	report("1.signal_restarts", !atomic_load(done), "after SIGUSR1 (SA_RESTART) SUBMIT %s",
	       atomic_load(done) ? strerror(*ret) : "waits again");
}

static inline void install_restarting_usr1(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };

	sigaction(SIGUSR1, &sa, NULL);
}

/* CRC-32C (Castagnoli, reflected) bit by bit: the probes' own reference, built from nothing shared. */
static inline uint32_t crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

/*
 * Defect 6: the first CRC32C commands after the module loaded, on two engines at once. Each lane is a
 * queue on one device whose SQ already holds CRC_RACE_N commands over slices of one random buffer;
 * start(lane) publishes them and waits. The lanes start together from a spin barrier.
 */
#define CRC_RACE_N 32
#define CRC_RACE_BYTES (64 * 1024)

struct crc_lane {
	int (*start)(struct crc_lane *l); /* publish and wait: 0 or -errno */
	void *ctx;
	atomic_int *go;
	int ret;
};

static inline void crc_race_slice(int i, size_t *off, size_t *len)
{
	*off = (size_t)i * 997;
	*len = 2048 + (size_t)i * 997;
}

/* The buffer the slices are taken from: xorshift bytes, the same in both probe programs. */
static inline void crc_race_data(uint8_t *data)
{
	uint64_t x = 88172645463325252ull;

	for (int i = 0; i < CRC_RACE_BYTES; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		data[i] = (uint8_t)x;
	}
}

/* Checks one lane's CQ; both uAPIs lay a completion out as tag, result, status, flags (u32 each). */
static inline void crc_race_check(const uint8_t *data, const volatile uint32_t *cq, uint32_t phase,
				  int *done, int *wrong)
{
	for (int i = 0; i < CRC_RACE_N; i++) {
		const volatile uint32_t *e = cq + 4 * i;
		size_t off, len;

		crc_race_slice(e[0] % CRC_RACE_N, &off, &len);
		*done += (e[3] & phase) != 0;
		*wrong += !(e[3] & phase) || e[2] || e[1] != crc32c_ref(data + off, len);
	}
}

static inline void *crc_lane_main(void *p)
{
	struct crc_lane *l = p;

	while (!atomic_load(l->go))
		;
	l->ret = l->start(l);
	return NULL;
}

static inline void crc_race_run(struct crc_lane lanes[2])
{
	atomic_int go = 0;
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		lanes[i].go = &go;
		pthread_create(&t[i], NULL, crc_lane_main, &lanes[i]);
	}
	atomic_store(&go, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

#endif
