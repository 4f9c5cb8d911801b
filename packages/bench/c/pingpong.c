/*
 * C baselines measured in the same run as the doorbell: (1) a cache-line ping-pong between two
 * threads, (2) a 64-byte command into an SQ slot plus a doorbell store, answered by a device thread
 * that writes a 16-byte completion with a phase bit. Each sample times a block of BLOCK dependent
 * round trips with one clock pair and is divided by BLOCK, as the JavaScript side of the benchmark
 * does, so both sides pay the same share of their clock. Prints one JSON object: per-round-trip
 * percentiles over the blocks, and what one clock pair costs here.
 * Usage: pingpong ITERATIONS [BLOCK]   (ITERATIONS round trips, BLOCK of them per sample; default 1)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() do { } while (0)
#endif

#define ENTRIES 64
struct cmd { uint8_t b[64]; };
struct cqe { uint32_t tag, result, status; _Atomic uint32_t flags; };

static _Alignas(64) _Atomic uint32_t ping;
static _Alignas(64) _Atomic uint32_t pong;
static _Alignas(64) _Atomic uint32_t sq_tail;
static _Alignas(64) struct cmd sq[ENTRIES];
static _Alignas(64) struct cqe cq[ENTRIES];
static long iterations;
static long block = 1;

static inline uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *echo(void *arg) {
	(void)arg;
	for (uint32_t i = 1; i <= (uint32_t)iterations; i++) {
		while (atomic_load_explicit(&ping, memory_order_acquire) != i) cpu_relax();
		atomic_store_explicit(&pong, i, memory_order_release);
	}
	return NULL;
}

static void *device(void *arg) {
	(void)arg;
	uint32_t head = 0;
	while (head < (uint32_t)iterations) {
		uint32_t tail = atomic_load_explicit(&sq_tail, memory_order_acquire);
		while (head != tail) {
			struct cmd c;
			memcpy(&c, &sq[head % ENTRIES], sizeof(c));
			struct cqe *e = &cq[head % ENTRIES];
			memcpy(&e->tag, &c.b[4], 4);
			e->result = 0;
			e->status = 0;
			atomic_store_explicit(&e->flags, ((head / ENTRIES) & 1) ? 0 : 1, memory_order_release);
			head++;
		}
		cpu_relax();
	}
	return NULL;
}

static int cmp(const void *a, const void *b) {
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Samples are block totals; percentiles are printed per round trip, rounded as the JS side rounds. */
static void report(const char *name, uint64_t *s, long n, int last) {
	qsort(s, n, sizeof(*s), cmp);
#define PER(x) ((unsigned long)(((double)(x) / (double)block) + 0.5))
	printf("\"%s\":{\"samples\":%ld,\"p50_ns\":%lu,\"p90_ns\":%lu,\"p99_ns\":%lu,\"p99_9_ns\":%lu,\"max_ns\":%lu}%s", name, n,
	       PER(s[n / 2]), PER(s[n * 9 / 10]), PER(s[n * 99 / 100]), PER(s[n * 999 / 1000]), PER(s[n - 1]), last ? "" : ",");
#undef PER
}

/* The median cost of one clock pair with nothing between, in this run (reported, never subtracted). */
static uint64_t timer_pair_ns(uint64_t *s, long n) {
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		s[i] = now_ns() - t0;
	}
	qsort(s, n, sizeof(*s), cmp);
	return s[n / 2];
}

int main(int argc, char **argv) {
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	block = argc > 2 ? atol(argv[2]) : 1;
	if (iterations < 1 || block < 1 || iterations < block || iterations > (1L << 30)) {
		fprintf(stderr, "usage: pingpong ITERATIONS [BLOCK] (1 <= BLOCK <= ITERATIONS <= 2^30)\n");
		return 2;
	}
	long blocks = iterations / block;
	iterations = blocks * block; /* whole blocks only: the threads answer exactly this many */
	uint64_t *s = malloc(sizeof(*s) * (size_t)(blocks > 10000 ? blocks : 10000));
	if (!s) return 1;
	pthread_t t;
	printf("{\"block\":%ld,\"timer_pair_ns\":%lu,", block, (unsigned long)timer_pair_ns(s, 10000));
	pthread_create(&t, NULL, echo, NULL);
	uint32_t i = 1;
	for (long b = 0; b < blocks; b++) {
		uint64_t t0 = now_ns();
		for (long k = 0; k < block; k++, i++) {
			atomic_store_explicit(&ping, i, memory_order_release);
			while (atomic_load_explicit(&pong, memory_order_acquire) != i) cpu_relax();
		}
		s[b] = now_ns() - t0;
	}
	pthread_join(t, NULL);
	report("pingpong", s, blocks, 0);
	pthread_create(&t, NULL, device, NULL);
	i = 0;
	for (long b = 0; b < blocks; b++) {
		uint64_t t0 = now_ns();
		for (long k = 0; k < block; k++, i++) {
			struct cmd c = { 0 };
			memcpy(&c.b[4], &i, 4);
			memcpy(&sq[i % ENTRIES], &c, sizeof(c));
			atomic_store_explicit(&sq_tail, i + 1, memory_order_release);
			uint32_t phase = ((i / ENTRIES) & 1) ? 0 : 1;
			while (atomic_load_explicit(&cq[i % ENTRIES].flags, memory_order_acquire) != phase) cpu_relax();
		}
		s[b] = now_ns() - t0;
	}
	pthread_join(t, NULL);
	report("command_doorbell", s, blocks, 1);
	printf("}\n");
	free(s);
	return 0;
}
