/**
 * `accelctl fuzz`: malformed ioctls generated from the spec and abused rings against any device node,
 * in worker processes watched for hangs; the device's free resources compared before and after.
 * Replayable: the same seed and input count give the same inputs in the same order.
 */
import { Client, parseLine, withDeadline } from './clients.js';
import { probeResources, RELIABILITY_CLIENTS, settleResources, uapiOfNode, type NodeUapi, type Resources } from './resources.js';
import { Rng } from '../rng.js';
import { RunAborted } from '../runner.js';

export const FUZZ_SCHEMA = 'openaccel-fuzz/1';

export interface FuzzOptions {
  device: string;
  seed: number;
  /** Malformed ioctls to try in all (abused rings come on top, one per 250). */
  inputs: number;
  /** A worker silent this long is hung (it reports every 100 inputs). */
  hangMs?: number;
  /** How long released resources may take to come back before they count as leaked. */
  leakDeadlineMs?: number;
  onProgress?: (p: { tried: number; inputs: number }) => void;
  /** Aborting kills the worker and rejects with RunAborted (no leak check: the run did not finish). */
  signal?: AbortSignal;
  /** The device as the replay command should name it: omitted for a refdev started for the run (the command starts another). */
  replayDevice?: string;
}

export interface FuzzFinding {
  /** Worker round (each round is one process of INPUTS_PER_ROUND inputs) and its seed. */
  round: number;
  roundSeed: number;
  /** Index of the input within the round (for a hang: the last the worker reported reaching). */
  index: number;
  what: string;
}

export interface ErrnoMismatch extends FuzzFinding {
  errno: string;
  allowed: string[];
  request?: string;
  bytes?: number;
}

export interface FuzzReport {
  schema: typeof FUZZ_SCHEMA;
  device: string;
  /** The uAPI whose spec drove the inputs: 2.0 on a DRM accel node, 1.0 on an openaccel class node. */
  uapi: NodeUapi;
  seed: number;
  inputs: number;
  /** Malformed ioctls actually sent, and rings abused. */
  tried: number;
  rings: number;
  durationMs: number;
  crashes: FuzzFinding[];
  hangs: FuzzFinding[];
  errnoMismatches: ErrnoMismatch[];
  /** Rounds after which the worker held more open fds than before it started (2.0 workers count them). */
  fdLeaks: FuzzFinding[];
  /** Free resources before and after; leaked is true when they did not come back. */
  resources: { before: Resources; after: Resources | { error: string } | null; leaked: boolean };
  ok: boolean;
  replay: string;
}

/** The run could not start or had to stop: the device cannot be reached. */
export class ReliabilityError extends Error {
  constructor(readonly device: string, detail: string) {
    super(`${device}: ${detail}`);
    this.name = 'ReliabilityError';
  }
}

export const INPUTS_PER_ROUND = 1000;
const MAX_MISMATCHES = 100;

/** Free resources of a device that must answer, for the start of a run. */
export async function resourcesBefore(device: string, deadlineMs: number): Promise<Resources> {
  const r = await probeResources(device, deadlineMs);
  if (!r) throw new ReliabilityError(device, `the device did not answer within ${deadlineMs} ms`);
  if ('error' in r) throw new ReliabilityError(device, `cannot open the device: ${r.error}`);
  return r;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  const hangMs = opts.hangMs ?? 30000;
  const before = await resourcesBefore(opts.device, hangMs);
  const rng = new Rng(opts.seed);
  const uapi = uapiOfNode(opts.device);
  const report: FuzzReport = {
    schema: FUZZ_SCHEMA,
    device: opts.device,
    uapi,
    seed: opts.seed,
    inputs: opts.inputs,
    tried: 0,
    rings: 0,
    durationMs: 0,
    crashes: [],
    hangs: [],
    errnoMismatches: [],
    fdLeaks: [],
    resources: { before, after: null, leaked: false },
    ok: false,
    replay: `accelctl fuzz${opts.replayDevice ? ` --device ${opts.replayDevice}` : ''} --seed ${opts.seed} --inputs ${opts.inputs}`,
  };
  let deviceDown = false;
  for (let round = 0, left = opts.inputs; left > 0 && !deviceDown; round++, left -= INPUTS_PER_ROUND) {
    const roundSeed = rng.fork();
    const count = Math.min(left, INPUTS_PER_ROUND);
    if (opts.signal?.aborted) throw new RunAborted(String(opts.signal.reason));
    const worker = new Client(RELIABILITY_CLIENTS[uapi].fuzz, [opts.device, String(roundSeed), String(count)]);
    const abort = () => worker.kill();
    opts.signal?.addEventListener('abort', abort);
    const at = (index: number, what: string): FuzzFinding => ({ round, roundSeed, index, what });
    let reached = 0;
    let summary = false;
    try {
      if (!(await worker.started())) throw new ReliabilityError(opts.device, 'a fuzz worker process did not start');
      for (;;) {
        const line = await withDeadline(worker.nextLine(), hangMs);
        if (line === 'deadline') {
          report.hangs.push(at(reached, `no progress for ${hangMs} ms after input ${reached}`));
          worker.kill();
          deviceDown = (await probeResources(opts.device, hangMs)) === undefined;
          break;
        }
        if (line === undefined) {
          const { code, signal } = await worker.exited;
          if (!summary && !deviceDown) {
            report.crashes.push(at(reached, `the fuzz worker died (${signal ?? `exit ${code}`}) after input ${reached}`));
            const probe = await probeResources(opts.device, hangMs);
            deviceDown = probe === undefined || 'error' in probe;
          }
          break;
        }
        const m = parseLine<{ i?: number; mismatch?: Omit<ErrnoMismatch, keyof FuzzFinding> & { index: number; what: string }; gone?: { index: number; what: string }; summary?: { tried: number; rings: number; fds?: { before: number; after: number } } }>(line);
        if (m?.i !== undefined) {
          reached = m.i;
          opts.onProgress?.({ tried: report.tried + m.i, inputs: opts.inputs });
        } else if (m?.mismatch && report.errnoMismatches.length < MAX_MISMATCHES) report.errnoMismatches.push({ round, roundSeed, ...m.mismatch });
        else if (m?.gone) {
          report.crashes.push(at(m.gone.index, `the device stopped answering after ${m.gone.what}`));
          deviceDown = true;
        } else if (m?.summary) {
          summary = true;
          report.tried += m.summary.tried;
          report.rings += m.summary.rings;
          const fds = m.summary.fds;
          if (fds && fds.after !== fds.before) report.fdLeaks.push(at(count, `the worker held ${fds.after} open fds after its inputs, ${fds.before} before`));
        }
      }
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      worker.kill();
    }
    if (opts.signal?.aborted) throw new RunAborted(String(opts.signal.reason));
    if (!summary) report.tried += reached;
  }
  opts.onProgress?.({ tried: report.tried, inputs: opts.inputs });
  if (!deviceDown) {
    const after = await settleResources(opts.device, before, opts.leakDeadlineMs ?? 30000);
    report.resources.after = after ?? null;
    report.resources.leaked = !after || 'error' in after || after.freeQueues !== before.freeQueues || after.freeBytes !== before.freeBytes;
  }
  report.durationMs = Math.round(performance.now() - t0);
  report.ok = report.crashes.length === 0 && report.hangs.length === 0 && report.fdLeaks.length === 0 && report.errnoMismatches.length === 0 && !report.resources.leaked && !deviceDown;
  return report;
}
