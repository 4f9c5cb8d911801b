/**
 * Latency: the doorbell round trip (NOP submit to completion) with warm-up and percentiles, next to a
 * shared-memory ping-pong measured in the same run, and the ioctl path. Only the median decides, and
 * only when the machine's own baseline shows it could meet the limit; tails and maxima are remarks.
 */
import { jsPingPong, latencyStats, timeEach, type LatencyStats } from '@openaccel/bench';
import type { Queue } from '@openaccel/driver';
import { ConformanceFailure, type TestCase, type TestOutcome } from '../model.js';

const SAMPLES = 20000;
const ATTEMPTS = 3;

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

/**
 * The doorbell NOP round trip of either uAPI, judged against the manifest's limits: the median decides, and
 * only when this machine's own ping-pong baseline shows it could meet the limit; the tail is a remark.
 */
export async function doorbellLatency(roundTrip: () => void, lim: { doorbellP50Ns?: number; doorbellP99Ns?: number } | undefined): Promise<TestOutcome> {
  // A loaded machine moves latency, never the device's conformance: measure up to ATTEMPTS times and keep
  // the best median; fail only when every attempt missed the promised median while this machine's own
  // ping-pong shows it could have met it. The tail (p99) over its limit is a remark, never a failure.
  let best: { doorbell: LatencyStats; baseline: LatencyStats; samples: Float64Array } | undefined;
  let attempts = 0;
  while (attempts < ATTEMPTS) {
    attempts++;
    // Retries are shorter: the queue is warm, and a slow device must not make the test slow three times over.
    if (attempts === 1) timeEach(5000, roundTrip);
    const samples = timeEach(attempts === 1 ? SAMPLES : SAMPLES / 4, roundTrip);
    const doorbell = latencyStats(samples);
    const baseline = await jsPingPong(SAMPLES);
    if (!best || doorbell.p50_ns < best.doorbell.p50_ns) best = { doorbell, baseline, samples };
    const p50ok = lim?.doorbellP50Ns === undefined || doorbell.p50_ns <= lim.doorbellP50Ns;
    const p99ok = lim?.doorbellP99Ns === undefined || doorbell.p99_ns <= lim.doorbellP99Ns;
    if (p50ok && p99ok) break;
  }
  const { doorbell, baseline, samples } = best!;
  const ratio = Number((doorbell.p50_ns / baseline.p50_ns).toFixed(2));
  const metrics = { doorbell, baseline_js: baseline, ratio_p50: ratio, attempts, histogram: histogram(samples) };
  const remarks: string[] = [];
  if (lim?.doorbellP50Ns !== undefined && doorbell.p50_ns > lim.doorbellP50Ns) {
    if (baseline.p50_ns < lim.doorbellP50Ns / 4) {
      const f = new ConformanceFailure(
        `doorbell p50 ${doorbell.p50_ns} ns > the manifest's ${lim.doorbellP50Ns} ns in each of ${attempts} attempts, while this machine's ping-pong p50 is ${baseline.p50_ns} ns`,
        `p50 <= ${lim.doorbellP50Ns} ns`,
        `p50 ${doorbell.p50_ns} ns`,
      );
      Object.assign(f, { metrics });
      throw f;
    }
    remarks.push(`doorbell p50 ${doorbell.p50_ns} ns > ${lim.doorbellP50Ns} ns, but this machine's own ping-pong p50 (${baseline.p50_ns} ns) says it is too loaded to judge`);
  }
  if (lim?.doorbellP99Ns !== undefined && doorbell.p99_ns > lim.doorbellP99Ns) remarks.push(`doorbell p99 ${doorbell.p99_ns} ns > the manifest's ${lim.doorbellP99Ns} ns (a tail moves with machine load: a remark, not a verdict)`);
  if (ratio > 20) remarks.push(`doorbell p50 is ${ratio}x the shared-memory ping-pong of this machine`);
  return remarks.length ? { warn: remarks.join('; '), metrics } : { metrics };
}

export const latencySuite: TestCase[] = [
  {
    id: 'latency.doorbell.round_trip',
    doc: 'NOP round trips through the doorbell, against the same-run ping-pong baseline and the manifest limits',
    profiles: ['queue'],
    // 35,000 round trips and three baselines; a slow device (50 µs a command) on a busy machine takes minutes.
    timeoutMs: 240000,
    async run(env): Promise<TestOutcome> {
      const q = env.context().createQueue({ sqEntries: 64 });
      try {
        return await doorbellLatency(() => nop(q), env.manifest?.limits);
      } finally {
        q.destroy();
      }
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
