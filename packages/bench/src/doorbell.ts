/**
 * The doorbell benchmark: NOP round trip (submit, doorbell store, completion by phase bit) with
 * percentiles, next to same-run baselines, the ioctl path, batched throughput and COPY bandwidth.
 */
import { loadavg } from 'node:os';
import { CompletionBatch, emptyCompletion, PreparedCommand, type Command, type RingQueue } from '@openaccel/driver';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { openBenchDevice, type BenchDevice } from './bench-device.js';
import { cBaselines, jsPingPong, type CBaseline } from './baselines.js';
import { latencyStats, timeBlocks, timerPairNs, type LatencyStats } from './stats.js';

export interface DoorbellBenchOptions {
  /** A device node (2.0 or 1.0); without it a refdev is started for the run and its 2.0 accel0 measured. */
  device?: string;
  /** Round trips measured after warm-up (default 100,000). */
  iterations?: number;
  /** Progress for a person watching; libraries print nothing. */
  onProgress?: (step: string) => void;
  /**
   * A prebuilt `c/pingpong.c` executable for the C baselines, where no compiler is (a kernel test
   * guest); without it the baselines are compiled with gcc when present.
   */
  cBaselineExe?: string;
  /**
   * Round trips per timed block (default 16): every latency figure, the C baselines' too, is one clock
   * pair around this many dependent round trips, divided by it (see `timing` in the result).
   */
  block?: number;
}

/** How the latency figures were timed, the same way on the JavaScript and the C side. */
export interface BenchTiming {
  method: 'blocks';
  /** Dependent round trips per clock pair; a sample (and each percentile) is a block's time divided by this. */
  round_trips_per_block: number;
  clock: { js: 'process.hrtime.bigint()'; c: 'clock_gettime(CLOCK_MONOTONIC)' };
  /** The median cost of one clock pair with nothing between, measured in this run (never subtracted); null without C. */
  timer_pair_ns: { js: number; c: number | null };
}

/** COPY bandwidth, device against memcpy, in interleaved trials on the same buffers. */
export interface CopyFigures {
  bytes: number;
  /** Medians over the trials. */
  device_gbps: number;
  memcpy_gbps: number;
  /** The median of each trial's device / memcpy (the two halves of a trial run back to back). */
  ratio: number;
  trials: number;
  rounds_per_trial: number;
  /** What memcpy copies: the device's own two buffers mapped into the client, or (no mapping) two private buffers. */
  memcpy_buffers: 'device memory, mapped' | 'private';
  /** Untimed 4 KiB COPYs on the same handles before the trials (see warmCopyPath). */
  warmup_copies: number;
}

export interface DoorbellBenchResult {
  schema: 'openaccel-bench/1';
  bench: 'doorbell';
  device: string;
  /** The uAPI of the device measured. */
  uapi: '1.0' | '2.0';
  node: string;
  cpus: number;
  timing: BenchTiming;
  doorbell: LatencyStats;
  baseline_js: LatencyStats;
  baseline_c: CBaseline;
  ioctl: LatencyStats;
  throughput: { nop_per_s: number; batch: number; in_flight: number };
  copy: CopyFigures;
  ratios: {
    doorbell_over_c_command_doorbell: number | null;
    doorbell_p99_over_c_command_doorbell_p99: number | null;
    doorbell_over_js_pingpong: number;
    ioctl_over_doorbell: number;
    copy_device_over_memcpy: number;
  };
  /** The targets of issue #12, judged on percentiles of this run (never the maximum). */
  targets: {
    doorbell_p50_within_1_5x_of_c: boolean | null;
    doorbell_p99_within_3x_of_c: boolean | null;
    batched_nop_10m_per_s: boolean;
    copy_0_9_of_memcpy: boolean;
    ioctl_50x_doorbell: boolean;
  };
  /** The 1-minute load average before and after the run: other work on the machine moves every figure. */
  load: { before: number; after: number };
}

const done = emptyCompletion();
/** A command prepared for the device's SQE layout (1.0 and 2.0 differ). */
const prepared = (dev: BenchDevice, cmd: Command) => new PreparedCommand(cmd, dev.uapi === '2.0' ? 2 : 1);

/** One round trip as an application on the fast path does it: a prepared command, a reused completion. */
function nopRoundTrip(q: RingQueue, nop: PreparedCommand): void {
  q.waitSpin(q.submit(nop), undefined, done);
  if (!done.ok) throw new Error(`NOP completed with ${done.statusName}`);
}

/** Batches of NOPs kept in flight (submit while earlier batches complete), reaped in CQ order. */
function throughput(q: RingQueue, nop: PreparedCommand, batch: number, inFlight: number, ms: number): number {
  const cmds = new Array<PreparedCommand>(batch).fill(nop);
  const tags = new Uint32Array(batch);
  const reaped = new CompletionBatch(batch * inFlight);
  let completed = 0;
  let failed = 0;
  const t0 = performance.now();
  let now = t0;
  for (let i = 0; now - t0 < ms; i++) {
    while (q.pending + batch <= batch * inFlight) q.submitBatch(cmds, tags);
    reaped.count = 0;
    q.reap(reaped);
    for (let k = 0; k < reaped.count; k++) if (reaped.status[k] !== 0) failed++;
    completed += reaped.count;
    if ((i & 255) === 0) now = performance.now();
  }
  while (q.pending) {
    reaped.count = 0;
    q.reap(reaped);
    completed += reaped.count;
  }
  if (failed) throw new Error(`${failed} NOPs failed`);
  return Math.round(completed / ((performance.now() - t0) / 1000));
}

/** `rounds` COPYs of the prepared command, each completion checked; returns GB/s. */
function deviceCopies(q: RingQueue, cmd: PreparedCommand, bytes: number, rounds: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    q.waitSpin(q.submit(cmd), undefined, done);
    if (!done.ok) throw new Error(`COPY of ${bytes} bytes completed with ${done.statusName}`);
  }
  return (bytes * rounds) / Number(process.hrtime.bigint() - t0);
}

function memcpys(src: Uint8Array, dst: Uint8Array, rounds: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) dst.set(src);
  return (src.length * rounds) / Number(process.hrtime.bigint() - t0);
}

/**
 * Untimed COPYs before the trials, so the device's command path is measured as it runs in a stream of
 * commands. A software device is JIT-compiled: refdev's COPY path was still in V8's baseline tier after
 * 400 COPYs, optimized after 5,400, and its cost per command settled after about 12,000 (the first COPYs
 * after the NOP runs send V8 back to re-optimize the queue service). Small copies on the same handles: the
 * path is the same at any size, and they cost little on a device under emulation.
 */
const COPY_WARMUP = 32768;

function warmCopyPath(dev: BenchDevice, a: number, b: number, bytes: number, count: number): void {
  deviceCopies(dev.queue, prepared(dev, { op: 'copy', src: { handle: a }, srcLength: bytes, dst: { handle: b }, dstLength: bytes }), bytes, count);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * COPY of `bytes` between two device memory handles against memcpy between the same two buffers
 * mapped into this process (where the device lets them be mapped): trials alternate which side
 * goes first, both sides start warm (pages faulted, the first copy done), and the figures are
 * medians. Undefined when the device refuses that size.
 */
function timedCopy(dev: BenchDevice, bytes: number, trials: number, rounds: number): CopyFigures | undefined {
  const q = dev.queue;
  const a = dev.alloc(bytes);
  const b = dev.alloc(bytes);
  try {
    const cmd = prepared(dev, { op: 'copy', src: { handle: a }, srcLength: bytes, dst: { handle: b }, dstLength: bytes });
    const mapped = dev.view(a) && dev.view(b) ? ([dev.view(a)!, dev.view(b)!] as const) : undefined;
    const [src, dst] = mapped ?? [new Uint8Array(bytes), new Uint8Array(bytes)];
    for (let i = 0; i < bytes; i += 4096) src[i] = (i >>> 12) | 1; // every page touched, and a pattern to check
    if (mapped) dst.fill(0);
    if (!q.waitSpin(q.submit(cmd)).ok) return undefined; // past the device's max_transfer_bytes: INVALID_FIELD at once
    if (mapped && Buffer.compare(src, dst) !== 0) throw new Error(`COPY of ${bytes} bytes completed OK but the destination differs from the source`);
    dst.set(src);
    warmCopyPath(dev, a, b, Math.min(bytes, 4096), COPY_WARMUP);
    const deviceGbps: number[] = [];
    const memcpyGbps: number[] = [];
    const ratios: number[] = [];
    for (let t = 0; t < trials; t++) {
      // Odd trials run memcpy first, so neither side always finds the buffers in the other's cache.
      const m0 = t & 1 ? memcpys(src, dst, rounds) : 0;
      const d = deviceCopies(q, cmd, bytes, rounds);
      const m = t & 1 ? m0 : memcpys(src, dst, rounds);
      deviceGbps.push(d);
      memcpyGbps.push(m);
      ratios.push(d / m);
    }
    const r2 = (x: number) => Number(x.toFixed(2));
    return {
      bytes,
      device_gbps: r2(median(deviceGbps)),
      memcpy_gbps: r2(median(memcpyGbps)),
      ratio: r2(median(ratios)),
      trials,
      rounds_per_trial: rounds,
      warmup_copies: COPY_WARMUP,
      memcpy_buffers: mapped ? 'device memory, mapped' : 'private',
    };
  } finally {
    dev.free(a);
    dev.free(b);
  }
}

/**
 * COPY bandwidth at the largest size up to `maxBytes` the device takes in one command (a device may
 * cap src/dst_length below it), each completion checked: a refused COPY is never timed as bandwidth.
 */
function copyBandwidth(dev: BenchDevice, maxBytes: number, trials: number, rounds: number): CopyFigures {
  for (let bytes = maxBytes; bytes >= 4096; bytes /= 2) {
    const figures = timedCopy(dev, bytes, trials, rounds);
    if (figures) return figures;
  }
  throw new Error('the device completed no COPY of 4 KiB or more between device memory handles');
}

/** The device's figures: doorbell round trips, the ioctl path, batched throughput, COPY bandwidth. */
function measureDevice(dev: BenchDevice, n: number, block: number, progress: (step: string) => void) {
  const q = dev.queue;
  const nop = prepared(dev, { op: 'nop' });
  progress(`doorbell: warm-up, then ${n} NOP round trips in blocks of ${block}`);
  timeBlocks(Math.max(10_000, Math.floor(n / 10), block), block, () => nopRoundTrip(q, nop));
  const doorbell = latencyStats(timeBlocks(n, block, () => nopRoundTrip(q, nop)));
  progress(`ioctl path: NOP by ${dev.uapi === '2.0' ? 'DRM_IOCTL_OA_SUBMIT' : 'OA_IOCTL_SUBMIT'} with OA_SUBMIT_WAIT`);
  const ioN = Math.max(Math.min(5000, Math.max(500, Math.floor(n / 50))), block);
  timeBlocks(Math.max(Math.floor(ioN / 10), block), block, () => dev.submitByIoctl(nop));
  const ioctl = latencyStats(timeBlocks(ioN, block, () => dev.submitByIoctl(nop)));
  progress('throughput: batches of 64 NOPs, 4 in flight, for 1 s');
  const nopPerS = throughput(q, nop, 64, 4, 1000);
  progress('COPY bandwidth: up to 1 MiB between device memory handles, against memcpy, 31 interleaved trials');
  const copy = copyBandwidth(dev, 1 << 20, 31, 16);
  return { doorbell, ioctl, nopPerS, copy };
}

export async function runDoorbellBench(opts: DoorbellBenchOptions = {}): Promise<DoorbellBenchResult> {
  const n = opts.iterations ?? 100_000;
  const block = opts.block ?? 16;
  if (!(Number.isInteger(block) && block >= 1 && block <= n)) throw new RangeError(`block must be an integer from 1 to iterations (${n}), not ${block}`);
  const progress = opts.onProgress ?? (() => {});
  const loadBefore = loadavg()[0]!;
  let refdev: RefdevProcess | undefined;
  if (!opts.device) {
    progress('starting a reference device');
    refdev = await startRefdev({ config: { engineSpinNs: 1e9 } });
  }
  const path = opts.device ?? refdev!.accelNode('accel0');
  try {
    const dev = openBenchDevice(path);
    let measured;
    try {
      measured = measureDevice(dev, n, block, progress);
    } finally {
      dev.close();
    }
    const { doorbell, ioctl, nopPerS, copy } = measured;
    if (refdev) await refdev.stop();
    refdev = undefined;
    // Baselines run with the device gone: two spinning threads take both cores.
    progress('baselines: JS main <-> worker ping-pong, C ping-pong and command+doorbell');
    const baseline_js = await jsPingPong(n, block);
    const baseline_c = cBaselines(n, opts.cBaselineExe, block);
    const jsTimer = timerPairNs();
    const cp50 = 'unavailable' in baseline_c ? null : baseline_c.p50_ns;
    const cp99 = 'unavailable' in baseline_c ? null : baseline_c.p99_ns;
    const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
    return {
      schema: 'openaccel-bench/1',
      bench: 'doorbell',
      device: path,
      uapi: dev.uapi,
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      timing: {
        method: 'blocks',
        round_trips_per_block: block,
        clock: { js: 'process.hrtime.bigint()', c: 'clock_gettime(CLOCK_MONOTONIC)' },
        timer_pair_ns: { js: jsTimer, c: 'unavailable' in baseline_c ? null : baseline_c.timer_pair_ns },
      },
      doorbell,
      baseline_js,
      baseline_c,
      ioctl,
      throughput: { nop_per_s: nopPerS, batch: 64, in_flight: 4 },
      copy,
      ratios: {
        doorbell_over_c_command_doorbell: cp50 === null ? null : ratio(doorbell.p50_ns, cp50),
        doorbell_p99_over_c_command_doorbell_p99: cp99 === null ? null : ratio(doorbell.p99_ns, cp99),
        doorbell_over_js_pingpong: ratio(doorbell.p50_ns, baseline_js.p50_ns),
        ioctl_over_doorbell: ratio(ioctl.p50_ns, doorbell.p50_ns),
        copy_device_over_memcpy: copy.ratio,
      },
      targets: {
        doorbell_p50_within_1_5x_of_c: cp50 === null ? null : doorbell.p50_ns <= 1.5 * cp50,
        doorbell_p99_within_3x_of_c: cp99 === null ? null : doorbell.p99_ns <= 3 * cp99,
        batched_nop_10m_per_s: nopPerS >= 10_000_000,
        copy_0_9_of_memcpy: copy.ratio >= 0.9,
        ioctl_50x_doorbell: ioctl.p50_ns >= 50 * doorbell.p50_ns,
      },
      load: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
    };
  } finally {
    await refdev?.stop();
  }
}

/** The result as a table for a person. */
export function formatDoorbellBench(r: DoorbellBenchResult): string {
  const row = (name: string, s: { p50_ns: number; p90_ns: number; p99_ns: number; p99_9_ns: number; max_ns: number }) =>
    `${name.padEnd(34)}${[s.p50_ns, s.p90_ns, s.p99_ns, s.p99_9_ns, s.max_ns].map((x) => String(x).padStart(10)).join('')}`;
  const tm = r.timing;
  const lines = [`round trips timed in blocks of ${tm.round_trips_per_block} per clock pair (a pair costs ${tm.timer_pair_ns.js} ns in JS, ${tm.timer_pair_ns.c ?? 'n/a'} ns in C)`];
  lines.push(`${'round trip (ns)'.padEnd(34)}${['p50', 'p90', 'p99', 'p99.9', 'max'].map((x) => x.padStart(10)).join('')}`);
  lines.push(row('doorbell NOP (driver -> refdev)', r.doorbell));
  if ('unavailable' in r.baseline_c) lines.push(`${'C baselines'.padEnd(34)}unavailable: ${r.baseline_c.unavailable}`);
  else {
    lines.push(row('baseline C command+doorbell', r.baseline_c));
    lines.push(row('baseline C cache-line ping-pong', r.baseline_c.cacheline_pingpong));
  }
  lines.push(row('baseline JS main<->worker', r.baseline_js));
  lines.push(row('ioctl path (SUBMIT with WAIT)', r.ioctl));
  lines.push('');
  const t = r.targets;
  lines.push(`doorbell p50 / C command+doorbell p50: ${r.ratios.doorbell_over_c_command_doorbell ?? 'n/a'} (target <= 1.5: ${t.doorbell_p50_within_1_5x_of_c ?? 'n/a'})`);
  lines.push(`doorbell p99 / C command+doorbell p99: ${r.ratios.doorbell_p99_over_c_command_doorbell_p99 ?? 'n/a'} (target <= 3: ${t.doorbell_p99_within_3x_of_c ?? 'n/a'})`);
  lines.push(`ioctl p50 / doorbell p50: ${r.ratios.ioctl_over_doorbell} (target >= 50: ${t.ioctl_50x_doorbell})`);
  lines.push(`batched NOP throughput: ${r.throughput.nop_per_s.toLocaleString('en')} /s (batches of ${r.throughput.batch}, ${r.throughput.in_flight} in flight; target >= 10,000,000: ${t.batched_nop_10m_per_s})`);
  lines.push(`COPY ${r.copy.bytes / 1024} KiB: device ${r.copy.device_gbps} GB/s, memcpy ${r.copy.memcpy_gbps} GB/s (${r.copy.memcpy_buffers} buffers), median of ${r.copy.trials} paired trials: ${r.ratios.copy_device_over_memcpy} (target >= 0.9: ${t.copy_0_9_of_memcpy})`);
  lines.push(`load average (1 min): ${r.load.before} before, ${r.load.after} after`);
  return lines.join('\n');
}
