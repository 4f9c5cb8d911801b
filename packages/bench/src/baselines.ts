/** Baselines measured in the same run as the device, so results are read as ratios (ts-stack.md §3). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { latencyStats, timeBlocks, type LatencyStats } from './stats.js';

const ECHO = `
const { workerData } = require('node:worker_threads');
const a = new Int32Array(workerData.sab);
for (let i = 1; i <= workerData.n; i++) { while (Atomics.load(a, 0) !== i); Atomics.store(a, 16, i); }
`;

/**
 * Main thread <-> worker over a SharedArrayBuffer: store, spin on the answer. `n` round trips, timed
 * in blocks of `block` (timeBlocks); the first tenth of the samples is warm-up and left out.
 */
export async function jsPingPong(n: number, block = 1): Promise<LatencyStats> {
  const sab = new SharedArrayBuffer(128);
  const a = new Int32Array(sab);
  const w = new Worker(ECHO, { eval: true, workerData: { sab, n } });
  await new Promise((r) => w.once('online', r));
  const samples = timeBlocks(n, block, (i) => {
    Atomics.store(a, 0, i + 1);
    while (Atomics.load(a, 16) !== i + 1);
  });
  await w.terminate();
  return latencyStats(samples.subarray(Math.floor(samples.length / 10)));
}

/**
 * The C command+doorbell round trip (the floor a doorbell is compared with), and the plain cache-line
 * ping-pong, both timed in blocks of `block` round trips; `timer_pair_ns` is one clock_gettime pair there.
 */
export type CBaseline =
  | (LatencyStats & { what: 'command+doorbell'; block: number; timer_pair_ns: number; cacheline_pingpong: LatencyStats })
  | { unavailable: string };

/**
 * The C ping-pong and command+doorbell round trips: from `prebuilt` (c/pingpong.c compiled elsewhere,
 * e.g. for a test guest without a compiler), else compiled with gcc when present.
 */
export function cBaselines(n: number, prebuilt?: string, block = 1): CBaseline {
  if (prebuilt) return existsSync(prebuilt) ? runPingpong(prebuilt, n, block) : { unavailable: `${prebuilt}: no such file (compile c/pingpong.c there first)` };
  if (spawnSync('gcc', ['--version']).status !== 0) return { unavailable: 'gcc is not installed' };
  const src = fileURLToPath(new URL('../c/pingpong.c', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'oa-bench-'));
  try {
    const exe = join(dir, 'pingpong');
    const cc = spawnSync('gcc', ['-O2', '-std=c11', '-pthread', '-o', exe, src], { encoding: 'utf8' });
    if (cc.status !== 0) return { unavailable: `gcc failed: ${cc.stderr.trim().split('\n')[0]}` };
    return runPingpong(exe, n, block);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type PingpongOutput = { block?: number; timer_pair_ns?: number; pingpong: LatencyStats; command_doorbell: LatencyStats };

function runPingpong(exe: string, n: number, block: number): CBaseline {
  const r = JSON.parse(execFileSync(exe, [String(n), String(block)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as PingpongOutput;
  // A program built from an older pingpong.c ignores BLOCK and says nothing of it: its samples are single round trips.
  if (r.block !== block) return { unavailable: `${exe} does not time blocks of ${block} round trips (rebuild it from c/pingpong.c)` };
  return { what: 'command+doorbell', ...r.command_doorbell, block, timer_pair_ns: r.timer_pair_ns ?? 0, cacheline_pingpong: r.pingpong };
}
