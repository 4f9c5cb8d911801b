/** A run report with every status and a latency histogram from 64 ns to 16 ms, for the reporters' tests. */
import type { RunReport } from '../src/index.js';
import type { TestResult } from '../src/model.js';

const stats = (p50: number) => ({ p50_ns: p50, p90_ns: p50 * 2, p99_ns: p50 * 8, p99_9_ns: p50 * 30, max_ns: 16_000_000 });

/** Counts fall from the mode at 512 ns; buckets 2^6 ns to 2^24 ns, so labels run from ns through µs to ms. */
export function histogramBuckets(): { fromNs: number; toNs: number; count: number }[] {
  return Array.from({ length: 19 }, (_, i) => ({ fromNs: 2 ** (i + 6), toNs: 2 ** (i + 7), count: Math.max(1, Math.round(200_000 / 4 ** Math.abs(i - 3))) }));
}

export function sampleReport(): RunReport {
  const tests: TestResult[] = [
    { id: 'sysfs.attributes.format', status: 'pass', durationMs: 3 },
    { id: 'ioctl.create_queue.unknown_flags.flags', status: 'fail', durationMs: 2, message: 'OA_IOCTL_CREATE_QUEUE with an unknown flag: expected EINVAL, seen 0', expected: 'EINVAL', seen: '0 (success)' },
    { id: 'ioctl.submit.unbound', status: 'pass', durationMs: 1 },
    { id: 'memory.sva.copy', status: 'skip', durationMs: 0, missing: 'sva', message: 'requires sva' },
    { id: 'memory.dmabuf.import', status: 'pass', durationMs: 4 },
    { id: 'queue.ring.wraparound', status: 'timeout', durationMs: 10000, message: 'no answer within 10000 ms' },
    { id: 'queue.ring.cq_full_no_overwrite', status: 'error', durationMs: 15, message: 'the test process exited (SIGSEGV)\nlast step: map the CQ' },
    { id: 'latency.doorbell.round_trip', status: 'warn', durationMs: 900, message: 'p99 is 8x p50', metrics: { doorbell: stats(900), baseline_js: stats(320), ratio_p50: 2.81, histogram: histogramBuckets() } },
    { id: 'latency.ioctl.round_trip', status: 'pass', durationMs: 300, metrics: { ioctl: stats(60000) } },
  ];
  const totals = { pass: 0, fail: 0, skip: 0, warn: 0, error: 0, timeout: 0 };
  for (const t of tests) totals[t.status]++;
  return {
    schema: 'openaccel-conformance/1',
    specVersion: '1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 11225,
    device: {
      node: '/tmp/oa/dev/openaccel/accel0',
      name: 'accel0',
      sysfsRoot: '/tmp/oa/sys',
      info: { apiVersion: { major: 1, minor: 0 }, caps: ['dmabuf_import'], functions: ['nop'], vendorId: 0, deviceId: 0, maxQueues: 4, freeQueues: 4, maxSqEntries: 64, maxCqEntries: 64, sqeSize: 64, cqeSize: 32, numMemories: 0, pasidBits: 0, numaNode: 0, maxTransferBytes: 4096, doorbellSize: 4096, name: 'sample-device' },
    },
    manifest: { path: null, product: null },
    environment: { node: 'v20', arch: 'x64', kernel: 'Linux 6.12', cpus: 2 },
    filters: [],
    claimed: ['core'],
    verdict: 'not-conformant',
    profiles: [{ profile: 'core', claimed: true, verdict: 'not-conformant', mandatory: 5, passed: 3, failing: [{ id: 'ioctl.create_queue.unknown_flags.flags', status: 'fail' }], notRun: 0 }],
    totals,
    tests,
  };
}
