/**
 * Latency: the doorbell round trip (NOP submit to completion) with warm-up and percentiles, next to a
 * shared-memory ping-pong measured in the same run, and the ioctl path. Verdicts use medians and
 * percentiles against limits a manifest states, never the maximum.
 */
import { jsPingPong, latencyStats, timeEach } from '@openaccel/bench';
import type { Queue } from '@openaccel/driver';
import { ConformanceFailure, type TestCase, type TestOutcome } from '../model.js';

const SAMPLES = 20000;

function nop(q: Queue): void {
  const c = q.waitSpin(q.submit({ op: 'nop' }), { timeoutMs: 5000 });
  if (!c.ok) throw new ConformanceFailure(`NOP completed with ${c.statusName}`, 'OK', c.statusName);
}

/** Log2 buckets of nanosecond samples, for the report's histogram. */
function histogram(samples: Float64Array): { fromNs: number; toNs: number; count: number }[] {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    const b = Math.max(6, Math.floor(Math.log2(Math.max(1, s))));
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, count]) => ({ fromNs: 2 ** b, toNs: 2 ** (b + 1), count }));
}

export const latencySuite: TestCase[] = [
  {
    id: 'latency.doorbell.round_trip',
    doc: 'NOP round trips through the doorbell, against the same-run ping-pong baseline and the manifest limits',
    profiles: ['queue'],
    timeoutMs: 60000,
    async run(env): Promise<TestOutcome> {
      const ctx = env.context();
      const q = ctx.createQueue({ sqEntries: 64 });
      timeEach(5000, () => nop(q));
      const samples = timeEach(SAMPLES, () => nop(q));
      const doorbell = latencyStats(samples);
      q.destroy();
      const baseline = await jsPingPong(SAMPLES);
      const ratio = Number((doorbell.p50_ns / baseline.p50_ns).toFixed(2));
      const metrics = { doorbell, baseline_js: baseline, ratio_p50: ratio, histogram: histogram(samples) };
      const lim = env.manifest?.limits;
      const over: string[] = [];
      if (lim?.doorbellP50Ns !== undefined && doorbell.p50_ns > lim.doorbellP50Ns) over.push(`p50 ${doorbell.p50_ns} ns > ${lim.doorbellP50Ns} ns`);
      if (lim?.doorbellP99Ns !== undefined && doorbell.p99_ns > lim.doorbellP99Ns) over.push(`p99 ${doorbell.p99_ns} ns > ${lim.doorbellP99Ns} ns`);
      if (over.length) {
        const f = new ConformanceFailure(`doorbell latency beyond the manifest's limits: ${over.join(', ')}`, `p50 <= ${lim?.doorbellP50Ns ?? '-'} ns, p99 <= ${lim?.doorbellP99Ns ?? '-'} ns`, `p50 ${doorbell.p50_ns} ns, p99 ${doorbell.p99_ns} ns`);
        Object.assign(f, { metrics });
        throw f;
      }
      return ratio > 20 ? { warn: `doorbell p50 is ${ratio}x the shared-memory ping-pong of this machine`, metrics } : { metrics };
    },
  },
  {
    id: 'latency.ioctl.round_trip',
    doc: 'NOP round trips through OA_IOCTL_SUBMIT with OA_SUBMIT_WAIT (the syscall path, for comparison)',
    profiles: ['queue'],
    timeoutMs: 60000,
    run(env): TestOutcome {
      const ctx = env.context();
      const q = ctx.createQueue({ sqEntries: 64 });
      timeEach(200, () => q.submitByIoctl({ op: 'nop' }));
      const ioctl = latencyStats(timeEach(2000, () => q.submitByIoctl({ op: 'nop' })));
      q.destroy();
      return { metrics: { ioctl } };
    },
  },
];
