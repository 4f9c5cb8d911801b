/** Latency of 2.0: the doorbell NOP round trip, judged as 1.0's is, and the SUBMIT + wait path beside it. */
import { latencyStats, timeEach } from '@openaccel/bench';
import { ConformanceFailure, type TestCase, type TestOutcome } from '../../model.js';
import { doorbellLatency } from '../../suites/latency.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, monotonicDeadline, SUBMIT_WAIT, type Cqe } from '../accel-queue.js';

type T = TestCase<AccelEnv>;

function expectOk(c: Cqe): void {
  if (c.status !== 0) throw new ConformanceFailure(`NOP completed with status ${c.status}`, 'OA_STATUS_OK', String(c.status));
}

export const latencySuite: T[] = [
  {
    id: 'latency.doorbell.round_trip',
    doc: 'NOP round trips through the doorbell (store, barrier, flags check), against the same-run ping-pong baseline and the manifest limits',
    profiles: ['queue'],
    timeoutMs: 240000,
    async run(env): Promise<TestOutcome> {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 64 });
      return doorbellLatency(() => expectOk(q.runSpin({})), env.manifest?.limits);
    },
  },
  {
    id: 'latency.ioctl.round_trip',
    doc: 'NOP round trips through DRM_IOCTL_OA_SUBMIT with OA_SUBMIT_WAIT (the syscall path, for comparison)',
    profiles: ['queue'],
    timeoutMs: 60000,
    run(env): TestOutcome {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 64 });
      const once = () => {
        const tag = q.write({});
        const r = q.submit({ sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: monotonicDeadline(20000) });
        if (r.errno) throw new ConformanceFailure(`SUBMIT with OA_SUBMIT_WAIT failed with ${r.errno}`, 'success', r.errno);
        expectOk(q.spinFor(tag));
      };
      timeEach(200, once);
      return { metrics: { ioctl: latencyStats(timeEach(2000, once)) } };
    },
  },
];
