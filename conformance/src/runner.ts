/**
 * The runner: runs the selected tests in a separate test process, one at a time, with a timeout each;
 * records a hang as `timeout` and a dying test process as `error`, then goes on in a fresh process.
 * The test process leads its own process group, so ending it (timeout, end of run, abort) also ends
 * every client a test spawned.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { arch, cpus, release } from 'node:os';
import { basename } from 'node:path';
import type { DeviceInfo } from '@openaccel/driver';
import type { Manifest, ProfileName } from '@openaccel/capabilities';
import { UAPI_VERSIONS } from '@openaccel/uapi';
import type { Target } from './env.js';
import type { AnyTest, TestResult } from './model.js';
import { selectTests, testsOf } from './registry.js';
import type { AccelInfo } from './v2/accel-env.js';
import { claimedProfiles, profileVerdicts, type ProfileVerdict } from './verdict.js';

export const RESULTS_SCHEMA = 'openaccel-conformance/1';

export interface RunOptions {
  target: Target;
  /** Globs over test ids; all tests when empty. */
  filters?: string[];
  /** Only the mandatory tests of these profiles. */
  profiles?: ProfileName[];
  /** Progress events, for a person watching. */
  onEvent?: (e: RunEvent) => void;
  /** Caps every test's timeout (for quick runs and tests of the runner itself). */
  maxTestTimeoutMs?: number;
  /** Aborting ends the run at once: the test process and everything it spawned are killed, and the run rejects with RunAborted. */
  signal?: AbortSignal;
}

export type RunEvent = { type: 'start'; total: number } | { type: 'result'; index: number; total: number; result: TestResult };

export interface RunReport {
  schema: typeof RESULTS_SCHEMA;
  specVersion: string;
  startedAt: string;
  durationMs: number;
  /** What GET_INFO answered: the 1.0 DeviceInfo, or the 2.0 AccelInfo. */
  device: { node: string; name: string; sysfsRoot: string; info: DeviceInfo | AccelInfo };
  manifest: { path: string | null; product: string | null };
  environment: { node: string; arch: string; kernel: string; cpus: number };
  filters: string[];
  claimed: ProfileName[];
  /** conformant: every claimed profile conforms in a complete run. */
  verdict: 'conformant' | 'not-conformant' | 'incomplete';
  profiles: ProfileVerdict[];
  totals: Record<TestResult['status'], number>;
  tests: TestResult[];
}

const EXECUTOR = new URL('./executor.js', import.meta.url);
/** Bounds only a hung test: under software emulation on a busy host, even compiling a schema takes seconds. */
export const DEFAULT_TEST_TIMEOUT_MS = 60000;

class TestProcess {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly target: Target,
    private readonly maxTimeoutMs = Infinity,
  ) {}

  private start(): Promise<void> {
    // detached: a process group of its own, so that killing the group reaches the clients its tests spawned.
    const child = fork(EXECUTOR, [], { detached: true, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced', env: { ...process.env, UV_THREADPOOL_SIZE: '8' } });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new RunError(`the test process exited at start (${signal ?? `exit ${code}`})`)));
    });
    child.send({ target: this.target });
    return this.ready;
  }

  async run(t: AnyTest): Promise<TestResult> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) await this.start();
    await this.ready;
    // stop() (an abort) may have come while it started: no child then, and nothing to set a timer for.
    const child = this.child;
    if (!child) throw new RunError('the test process was stopped');
    const timeoutMs = Math.min(t.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS, this.maxTimeoutMs);
    const start = performance.now();
    return new Promise<TestResult>((resolve) => {
      const finish = (r: TestResult) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: { result?: TestResult }) => m.result && m.result.id === t.id && finish(m.result);
      const onExit = (code: number | null, signal: string | null) =>
        finish({ id: t.id, status: 'error', durationMs: Math.round(performance.now() - start), message: `the test process died (${signal ?? `exit ${code}`}) during the test` });
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        this.kill(child);
        finish({ id: t.id, status: 'timeout', durationMs: timeoutMs, message: `no result within ${timeoutMs} ms; the test process was killed` });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ run: t.id });
    });
  }

  /** The device's info and peers, asked of the test process; throws when the device does not answer in time. */
  async describe(timeoutMs: number): Promise<{ info: DeviceInfo | AccelInfo; peers: number }> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) await this.start();
    await this.ready;
    // stop() (an abort) may have come while it started: no child then, and nothing to set a timer for.
    const child = this.child;
    if (!child) throw new RunError('the test process was stopped');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        this.kill(child);
        reject(new RunError(`the device did not answer ${this.target.spec === '2.0' ? 'DRM_IOCTL_OA_GET_INFO' : 'OA_IOCTL_GET_INFO'} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: { described?: { info?: DeviceInfo | AccelInfo; peers?: number; error?: string } }) => {
        if (!m.described) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.described.error) reject(new RunError(`cannot open the device: ${m.described.error}`));
        else resolve({ info: m.described.info!, peers: m.described.peers! });
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new RunError(`the test process exited (${signal ?? `exit ${code}`}) while opening the device`));
      });
      child.send({ describe: true });
    });
  }

  stop(): void {
    if (this.child) this.kill(this.child);
  }

  /**
   * SIGKILL to the test process's group while the process is not yet reaped: its pid, and so the group id,
   * cannot have been reused. Clients left behind by a test process that died on its own end themselves
   * when their parent goes (see clients/lifeline.ts).
   */
  private kill(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

/** The run could not happen (the device cannot be opened or does not answer). */
export class RunError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'RunError';
  }
}

/** The run was ended by its caller (RunOptions.signal) before it finished; nothing it started is left. */
export class RunAborted extends RunError {
  constructor(readonly reason: string) {
    super(`the run was aborted (${reason})`);
    this.name = 'RunAborted';
  }
}

/** Settles with `work`, or rejects with RunAborted as soon as `signal` aborts (after `onAbort` ran). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  const reason = () => String(signal.reason instanceof Error ? signal.reason.message : (signal.reason ?? 'aborted'));
  if (signal.aborted) {
    // `work` has started: its failure once onAbort stopped it is expected, and must not go unhandled.
    work.catch(() => undefined);
    onAbort();
    return Promise.reject(new RunAborted(reason()));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(new RunAborted(reason()));
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

export async function runConformance(opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const proc = new TestProcess(opts.target, opts.maxTestTimeoutMs);
  const stop = () => proc.stop();
  const spec = opts.target.spec ?? '1.0';
  const all = testsOf(spec);
  let described: { info: DeviceInfo | AccelInfo; peers: number };
  try {
    described = await abortable(proc.describe(Math.min(10000, opts.maxTestTimeoutMs ?? 10000)), opts.signal, stop);
  } catch (e) {
    proc.stop();
    throw e;
  }
  const info = described.info;
  let tests = selectTests(opts.filters ?? [], spec);
  if (opts.profiles?.length) {
    const { mandatoryTests } = await import('./verdict.js');
    const keep = new Set(opts.profiles.flatMap((p) => mandatoryTests(p, all).map((t) => t.id)));
    tests = tests.filter((t) => keep.has(t.id));
  }
  opts.onEvent?.({ type: 'start', total: tests.length });
  const results: TestResult[] = [];
  try {
    for (const [i, t] of tests.entries()) {
      const r = await abortable(proc.run(t), opts.signal, stop);
      results.push(r);
      opts.onEvent?.({ type: 'result', index: i + 1, total: tests.length, result: r });
    }
  } finally {
    proc.stop();
  }
  const claimed = claimedProfiles({ manifest: opts.target.manifest, model: info.name, caps: info.caps, peers: described.peers });
  const profiles = profileVerdicts(all, results, claimed);
  const claimedVerdicts = profiles.filter((p) => p.claimed);
  const verdict = claimedVerdicts.some((p) => p.verdict === 'not-conformant') || claimedVerdicts.length === 0 ? 'not-conformant' : claimedVerdicts.some((p) => p.verdict === 'incomplete') ? 'incomplete' : 'conformant';
  const totals = { pass: 0, fail: 0, skip: 0, warn: 0, error: 0, timeout: 0 };
  for (const r of results) totals[r.status]++;
  return {
    schema: RESULTS_SCHEMA,
    specVersion: UAPI_VERSIONS[spec]!.compiled.spec.version,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    device: { node: opts.target.device, name: basename(opts.target.device), sysfsRoot: opts.target.sysfsRoot, info },
    manifest: { path: opts.target.manifestPath ?? null, product: (opts.target.manifest as Manifest | undefined)?.identity.product ?? null },
    environment: { node: process.version, arch: arch(), kernel: release(), cpus: cpus().length },
    filters: opts.filters ?? [],
    claimed,
    verdict,
    profiles,
    totals,
    tests: results,
  };
}

/** Exit status of `accelctl conformance run`: 0 conformant, 1 not (or a test failed). */
export function exitStatus(r: RunReport): 0 | 1 {
  return r.verdict === 'not-conformant' || r.totals.fail + r.totals.error + r.totals.timeout > 0 ? 1 : 0;
}
