/**
 * The doorbell benchmark: NOP round trip (submit, doorbell store, completion by phase bit) with
 * percentiles, next to same-run baselines, the ioctl path, batched throughput and COPY bandwidth.
 */
import { openDevice, type Context, type Queue } from '@openaccel/driver';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { cBaselines, jsPingPong, type CBaseline } from './baselines.js';
import { latencyStats, timeEach, type LatencyStats } from './stats.js';

export interface DoorbellBenchOptions {
  /** A device node; without it a refdev is started for the run. */
  device?: string;
  /** Round trips measured after warm-up (default 100,000). */
  iterations?: number;
  /** Progress for a person watching; libraries print nothing. */
  onProgress?: (step: string) => void;
}

export interface DoorbellBenchResult {
  schema: 'openaccel-bench/1';
  bench: 'doorbell';
  device: string;
  node: string;
  cpus: number;
  doorbell: LatencyStats;
  baseline_js: LatencyStats;
  baseline_c: CBaseline;
  ioctl: LatencyStats;
  throughput: { nop_per_s: number; batch: number };
  copy: { bytes: number; device_gbps: number; memcpy_gbps: number };
  ratios: { doorbell_over_c_command_doorbell: number | null; doorbell_over_js_pingpong: number; ioctl_over_doorbell: number };
  /** The targets of the issue, judged on medians. */
  targets: { doorbell_within_2x_of_c: boolean | null; doorbell_20x_faster_than_ioctl: boolean };
}

function nopRoundTrip(q: Queue): void {
  const c = q.waitSpin(q.submit({ op: 'nop' }));
  if (!c.ok) throw new Error(`NOP completed with ${c.statusName}`);
}

function throughput(q: Queue, batch: number, ms: number): number {
  const cmds = Array.from({ length: batch }, () => ({ op: 'nop' as const }));
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const tags = q.submitBatch(cmds);
    q.waitSpin(tags.pop()!); // completions come in order here; the rest are collected already
    for (const t of tags) q.take(t) ?? q.waitSpin(t);
    done += batch;
  }
  return Math.round(done / ((performance.now() - t0) / 1000));
}

function copyBandwidth(ctx: Context, q: Queue, bytes: number, rounds: number): { device_gbps: number; memcpy_gbps: number } {
  const a = ctx.allocMemory(0, bytes);
  const b = ctx.allocMemory(0, bytes);
  const cmd = { op: 'copy' as const, src: { handle: a }, srcLength: bytes, dst: { handle: b }, dstLength: bytes };
  q.waitSpin(q.submit(cmd));
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) q.waitSpin(q.submit(cmd));
  const device = (bytes * rounds) / ((performance.now() - t0) / 1000) / 1e9;
  const x = Buffer.alloc(bytes, 1);
  const y = Buffer.alloc(bytes);
  x.copy(y);
  t0 = performance.now();
  for (let i = 0; i < rounds; i++) x.copy(y);
  const memcpy = (bytes * rounds) / ((performance.now() - t0) / 1000) / 1e9;
  ctx.freeMemory(a);
  ctx.freeMemory(b);
  return { device_gbps: Number(device.toFixed(2)), memcpy_gbps: Number(memcpy.toFixed(2)) };
}

export async function runDoorbellBench(opts: DoorbellBenchOptions = {}): Promise<DoorbellBenchResult> {
  const n = opts.iterations ?? 100_000;
  const progress = opts.onProgress ?? (() => {});
  let refdev: RefdevProcess | undefined;
  if (!opts.device) {
    progress('starting a reference device');
    refdev = await startRefdev({ config: { engineSpinNs: 1e9 } });
  }
  const path = opts.device ?? refdev!.node('accel0');
  try {
    const ctx = openDevice(path).openContext();
    const q = ctx.createQueue({ sqEntries: 256 });
    progress(`doorbell: warm-up, then ${n} NOP round trips`);
    timeEach(Math.max(10_000, n / 10), () => nopRoundTrip(q));
    const doorbell = latencyStats(timeEach(n, () => nopRoundTrip(q)));
    progress('ioctl path: NOP by OA_IOCTL_SUBMIT with OA_SUBMIT_WAIT');
    const ioN = Math.min(5000, Math.max(500, n / 50));
    timeEach(ioN / 10, () => q.submitByIoctl({ op: 'nop' }));
    const ioctl = latencyStats(timeEach(ioN, () => q.submitByIoctl({ op: 'nop' })));
    progress('throughput: batches of 64 NOPs for 1 s');
    const nopPerS = throughput(q, 64, 1000);
    progress('COPY bandwidth: 1 MiB between device memory handles, against memcpy');
    const copy = copyBandwidth(ctx, q, 1 << 20, 200);
    q.destroy();
    ctx.close();
    if (refdev) await refdev.stop();
    refdev = undefined;
    // Baselines run with the device gone: two spinning threads take both cores.
    progress('baselines: JS main <-> worker ping-pong, C ping-pong and command+doorbell');
    const baseline_js = await jsPingPong(n);
    const baseline_c = cBaselines(n);
    const cp50 = 'unavailable' in baseline_c ? null : baseline_c.p50_ns;
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    return {
      schema: 'openaccel-bench/1',
      bench: 'doorbell',
      device: path,
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      doorbell,
      baseline_js,
      baseline_c,
      ioctl,
      throughput: { nop_per_s: nopPerS, batch: 64 },
      copy: { bytes: 1 << 20, ...copy },
      ratios: {
        doorbell_over_c_command_doorbell: cp50 === null ? null : ratio(doorbell.p50_ns, cp50),
        doorbell_over_js_pingpong: ratio(doorbell.p50_ns, baseline_js.p50_ns),
        ioctl_over_doorbell: ratio(ioctl.p50_ns, doorbell.p50_ns),
      },
      targets: {
        doorbell_within_2x_of_c: cp50 === null ? null : doorbell.p50_ns <= 2 * cp50,
        doorbell_20x_faster_than_ioctl: ioctl.p50_ns >= 20 * doorbell.p50_ns,
      },
    };
  } finally {
    await refdev?.stop();
  }
}

/** The result as a table for a person. */
export function formatDoorbellBench(r: DoorbellBenchResult): string {
  const row = (name: string, s: { p50_ns: number; p90_ns: number; p99_ns: number; p99_9_ns: number; max_ns: number }) =>
    `${name.padEnd(34)}${[s.p50_ns, s.p90_ns, s.p99_ns, s.p99_9_ns, s.max_ns].map((x) => String(x).padStart(10)).join('')}`;
  const lines = [`${'round trip (ns)'.padEnd(34)}${['p50', 'p90', 'p99', 'p99.9', 'max'].map((x) => x.padStart(10)).join('')}`];
  lines.push(row('doorbell NOP (driver -> refdev)', r.doorbell));
  if ('unavailable' in r.baseline_c) lines.push(`${'C baselines'.padEnd(34)}unavailable: ${r.baseline_c.unavailable}`);
  else {
    lines.push(row('baseline C command+doorbell', r.baseline_c));
    lines.push(row('baseline C cache-line ping-pong', r.baseline_c.cacheline_pingpong));
  }
  lines.push(row('baseline JS main<->worker', r.baseline_js));
  lines.push(row('ioctl path (OA_IOCTL_SUBMIT wait)', r.ioctl));
  lines.push('');
  lines.push(`doorbell p50 / C command+doorbell p50: ${r.ratios.doorbell_over_c_command_doorbell ?? 'n/a'} (target <= 2: ${r.targets.doorbell_within_2x_of_c ?? 'n/a'})`);
  lines.push(`ioctl p50 / doorbell p50: ${r.ratios.ioctl_over_doorbell} (target >= 20: ${r.targets.doorbell_20x_faster_than_ioctl})`);
  lines.push(`batched NOP throughput: ${r.throughput.nop_per_s.toLocaleString('en')} /s (batches of ${r.throughput.batch})`);
  lines.push(`COPY 1 MiB: device ${r.copy.device_gbps} GB/s, memcpy ${r.copy.memcpy_gbps} GB/s`);
  return lines.join('\n');
}
