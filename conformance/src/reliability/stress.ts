/**
 * `accelctl stress`: PROCESSES worker processes x QUEUES queues x COMMANDS commands, every completion
 * checked exactly once and for its data; meanwhile victim clients running the same load are SIGKILLed at
 * rounds chosen by the seed; afterwards every queue and byte of device memory must be free again.
 */
import { Client, parseLine, withDeadline } from './clients.js';
import { ReliabilityError, resourcesBefore } from './fuzz.js';
import { RELIABILITY_CLIENTS, settleResources, uapiOfNode, type NodeUapi, type Resources } from './resources.js';
import { Rng } from '../rng.js';
import { RunAborted } from '../runner.js';

export const STRESS_SCHEMA = 'openaccel-stress/1';
/** Commands per round per queue (a FILL and 15 fenced CRC32C): see clients/stress.ts. */
export const STRESS_BATCH = 16;

export interface StressOptions {
  device: string;
  seed: number;
  processes: number;
  queues: number;
  /** Commands per queue (rounded up to a whole round of 16). */
  commands: number;
  /** Victim clients to SIGKILL at a random round; at most `processes` run at a time. */
  kills: number;
  /** A worker silent this long is hung (it reports after every round). */
  hangMs?: number;
  leakDeadlineMs?: number;
  onProgress?: (p: { rounds: number; of: number; kills: number }) => void;
  /** Aborting kills every client and rejects with RunAborted (no leak check: the run did not finish). */
  signal?: AbortSignal;
  /** The device as the replay command should name it: omitted for a refdev started for the run (the command starts another). */
  replayDevice?: string;
}

export interface StressReport {
  schema: typeof STRESS_SCHEMA;
  device: string;
  /** The uAPI the clients spoke: 2.0 on a DRM accel node, 1.0 on an openaccel class node. */
  uapi: NodeUapi;
  seed: number;
  processes: number;
  queues: number;
  commandsPerQueue: number;
  completions: { expected: number; seen: number };
  /** Lost, duplicated or wrong completions, and workers that hung or died: the first few of each worker. */
  errors: string[];
  kills: { requested: number; done: number; atRound: number[] };
  resources: { before: Resources; after: Resources | { error: string } | null; leaked: boolean };
  durationMs: number;
  ok: boolean;
  replay: string;
}

type Summary = { ok: boolean; errors: string[]; completions: number };

export async function runStress(opts: StressOptions): Promise<StressReport> {
  const t0 = performance.now();
  const hangMs = opts.hangMs ?? 60000;
  const before = await resourcesBefore(opts.device, hangMs);
  const needed = opts.queues * (opts.processes + Math.min(opts.processes, opts.kills));
  if (needed > before.freeQueues) throw new ReliabilityError(opts.device, `the run needs ${needed} queues at once (workers and victims), the device has ${before.freeQueues} free`);
  const rng = new Rng(opts.seed);
  const uapi = uapiOfNode(opts.device);
  const rounds = Math.ceil(opts.commands / STRESS_BATCH);
  const report: StressReport = {
    schema: STRESS_SCHEMA,
    device: opts.device,
    uapi,
    seed: opts.seed,
    processes: opts.processes,
    queues: opts.queues,
    commandsPerQueue: rounds * STRESS_BATCH,
    completions: { expected: opts.processes * opts.queues * rounds * STRESS_BATCH, seen: 0 },
    errors: [],
    kills: { requested: opts.kills, done: 0, atRound: [] },
    resources: { before, after: null, leaked: false },
    durationMs: 0,
    ok: false,
    replay: `accelctl stress${opts.replayDevice ? ` --device ${opts.replayDevice}` : ''} --seed ${opts.seed} --processes ${opts.processes} --queues ${opts.queues} --commands ${opts.commands} --kills ${opts.kills}`,
  };
  const live = new Set<Client>();
  const progress = { rounds: 0, of: opts.processes * rounds, kills: 0 };
  const spawnWorker = (seed: number) => {
    if (opts.signal?.aborted) throw new RunAborted(String(opts.signal.reason));
    // A lost completion must be noticed by the client well before its silence counts as a hang.
    const c = new Client(RELIABILITY_CLIENTS[uapi].stress, [opts.device, String(opts.queues), String(rounds * STRESS_BATCH), String(seed), 'progress', String(Math.ceil(hangMs / 4))]);
    live.add(c);
    return c;
  };

  /** A worker: reads its rounds under the hang watchdog and returns its summary, or why it has none. */
  const work = async (index: number, seed: number): Promise<void> => {
    const c = spawnWorker(seed);
    if (!(await c.started())) return void report.errors.push(`worker ${index} did not start`);
    for (;;) {
      const line = await withDeadline(c.nextLine(), hangMs);
      if (line === 'deadline') {
        report.errors.push(`worker ${index}: no progress for ${hangMs} ms`);
        c.kill();
        return;
      }
      const m = parseLine<{ round?: number } & Partial<Summary>>(line);
      if (line === undefined || !m) {
        const { code, signal } = await c.exited;
        report.errors.push(`worker ${index} ended without a summary (${signal ?? `exit ${code}`})`);
        return;
      }
      if (m.round !== undefined) {
        if (m.round > 0) progress.rounds++;
        opts.onProgress?.(progress);
      } else if (m.completions !== undefined) {
        report.completions.seen += m.completions;
        for (const e of m.errors ?? []) report.errors.push(`worker ${index}: ${e}`);
        return;
      }
    }
  };

  /** A victim: the same load, SIGKILLed once it reports reaching round `killAt` (0: right after setup). */
  const victim = async (seed: number, killAt: number): Promise<void> => {
    const c = spawnWorker(seed);
    if (!(await c.started())) return void report.errors.push(`a victim client did not start`);
    for (;;) {
      const line = await withDeadline(c.nextLine(), hangMs);
      if (line === 'deadline' || line === undefined) {
        report.errors.push(`victim to be killed at round ${killAt} ${line === undefined ? 'ended first' : `made no progress for ${hangMs} ms`}`);
        c.kill();
        return;
      }
      const m = parseLine<{ round?: number }>(line);
      if (m?.round !== undefined && m.round >= killAt) {
        c.kill();
        await c.exited;
        report.kills.done++;
        report.kills.atRound.push(killAt);
        progress.kills++;
        opts.onProgress?.(progress);
        return;
      }
    }
  };

  const abort = () => {
    for (const c of live) c.kill();
  };
  opts.signal?.addEventListener('abort', abort);
  try {
    const seeds = Array.from({ length: opts.processes }, () => rng.fork());
    const victims = Array.from({ length: opts.kills }, () => ({ seed: rng.fork(), killAt: rng.int(rounds) }));
    const killer = (async () => {
      // At most `processes` victims at a time, so victims add load alongside the workers without swamping the device.
      const lanes = Array.from({ length: Math.min(opts.processes, victims.length) }, async (_, lane) => {
        for (let v = lane; v < victims.length; v += opts.processes) await victim(victims[v]!.seed, victims[v]!.killAt);
      });
      await Promise.all(lanes);
    })();
    await Promise.all([...seeds.map((s, i) => work(i, s)), killer]);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    for (const c of live) c.kill();
  }
  if (opts.signal?.aborted) throw new RunAborted(String(opts.signal.reason));
  const after = await settleResources(opts.device, before, opts.leakDeadlineMs ?? 30000);
  report.resources.after = after ?? null;
  report.resources.leaked = !after || 'error' in after || after.freeQueues !== before.freeQueues || after.freeBytes !== before.freeBytes;
  report.durationMs = Math.round(performance.now() - t0);
  report.ok = report.errors.length === 0 && report.completions.seen === report.completions.expected && report.kills.done === opts.kills && !report.resources.leaked;
  return report;
}
