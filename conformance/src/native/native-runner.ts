/**
 * The runner of the profiles for interfaces other people wrote (drm-core, dmabuf-exporter, uacce): which
 * profiles apply comes from what the node is; tests run one at a time in a test process of their own
 * process group, which is killed and replaced when a test hangs past its timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { arch, cpus, release } from 'node:os';
import type { NativeResult } from './native-execute.js';
import type { NativeTest } from './native-model.js';
import { NATIVE_TESTS } from './native-registry.js';
import { identifyNode, profileFits, profilesFor, type NativeProfile, type NodeIdentity } from './node-kind.js';

export const NATIVE_RESULTS_SCHEMA = 'openaccel-native-conformance/1';
const EXECUTOR = new URL('./native-executor.js', import.meta.url);
const DEFAULT_TIMEOUT_MS = 20000;

export interface NativeRunOptions {
  device: string;
  /** Sysfs root the node's class directory is under (default /sys; a fixture tree for UACCE). */
  sysfsRoot?: string;
  /** Profiles to run; default: those that apply to the kind of node. */
  profiles?: NativeProfile[];
  /** Caps every test's timeout (tests of the runner itself). */
  maxTestTimeoutMs?: number;
  onResult?: (r: NativeResult, index: number, total: number) => void;
}

export interface NativeProfileVerdict {
  profile: NativeProfile;
  /** conformant: no test of the profile failed, errored or timed out (skips name what the driver lacks). */
  verdict: 'conformant' | 'not-conformant';
  tests: number;
  passed: number;
  skipped: number;
  failing: { id: string; status: string; source: string }[];
}

export interface NativeRunReport {
  schema: typeof NATIVE_RESULTS_SCHEMA;
  startedAt: string;
  durationMs: number;
  device: NodeIdentity;
  environment: { node: string; arch: string; kernel: string; cpus: number };
  verdict: 'conformant' | 'not-conformant';
  profiles: NativeProfileVerdict[];
  totals: Record<NativeResult['status'], number>;
  tests: NativeResult[];
}

/** The run cannot happen: no profile applies to the node, or the test process cannot start. */
export class NativeRunError extends Error {
  constructor(
    message: string,
    readonly device: string,
  ) {
    super(message);
    this.name = 'NativeRunError';
  }
}

class NativeTestProcess {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly node: NodeIdentity,
    private readonly sysfsRoot: string,
  ) {}

  private async ensure(): Promise<ChildProcess> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      await this.ready;
      return this.child;
    }
    const child = fork(EXECUTOR, [], { detached: true, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new NativeRunError(`the test process exited at start (${signal ?? `exit ${code}`})`, this.node.path)));
    });
    child.send({ node: this.node, sysfsRoot: this.sysfsRoot });
    await this.ready;
    return child;
  }

  async run(t: NativeTest, timeoutMs: number): Promise<NativeResult> {
    const child = await this.ensure();
    const start = performance.now();
    const base = { id: t.id, profile: t.profile, source: t.source };
    return new Promise<NativeResult>((resolve) => {
      const finish = (r: NativeResult) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: { result?: NativeResult }) => m.result?.id === t.id && finish(m.result);
      const onExit = (code: number | null, signal: string | null) =>
        finish({ ...base, status: 'error', durationMs: Math.round(performance.now() - start), message: `the test process died (${signal ?? `exit ${code}`}) during the test` });
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        this.stop();
        finish({ ...base, status: 'timeout', durationMs: timeoutMs, message: `no result within ${timeoutMs} ms; the test process was killed` });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ run: t.id });
    });
  }

  /** SIGKILL to the test process's group while it is not yet reaped, so its pid cannot have been reused. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

export function nativeProfileVerdicts(profiles: readonly NativeProfile[], results: readonly NativeResult[]): NativeProfileVerdict[] {
  return profiles.map((profile) => {
    const mine = results.filter((r) => r.profile === profile);
    const failing = mine.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'timeout').map((r) => ({ id: r.id, status: r.status, source: r.source }));
    return {
      profile,
      verdict: failing.length ? 'not-conformant' : 'conformant',
      tests: mine.length,
      passed: mine.filter((r) => r.status === 'pass' || r.status === 'warn').length,
      skipped: mine.filter((r) => r.status === 'skip').length,
      failing,
    };
  });
}

/** Runs the profiles that apply to `device` (or those asked for) and reports per test and per profile. */
export async function runNativeConformance(opts: NativeRunOptions): Promise<NativeRunReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const sysfsRoot = opts.sysfsRoot ?? '/sys';
  const node = identifyNode(opts.device, sysfsRoot);
  const profiles = opts.profiles?.length ? opts.profiles : profilesFor(node.kind);
  if (profiles.length === 0) throw new NativeRunError(`no profile of drm-core, dmabuf-exporter or uacce applies to ${opts.device} (a ${node.kind} node)`, opts.device);
  const misfit = profiles.find((p) => !profileFits(p, node.kind));
  if (misfit) throw new NativeRunError(`profile ${misfit} does not apply to ${opts.device} (a ${node.kind} node)`, opts.device);
  const tests = NATIVE_TESTS.filter((t) => profiles.includes(t.profile));
  const proc = new NativeTestProcess(node, sysfsRoot);
  const results: NativeResult[] = [];
  try {
    for (const [i, t] of tests.entries()) {
      const r = await proc.run(t, Math.min(t.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.maxTestTimeoutMs ?? Infinity));
      results.push(r);
      opts.onResult?.(r, i + 1, tests.length);
    }
  } finally {
    proc.stop();
  }
  const verdicts = nativeProfileVerdicts(profiles, results);
  const totals = { pass: 0, fail: 0, skip: 0, warn: 0, error: 0, timeout: 0 };
  for (const r of results) totals[r.status]++;
  return {
    schema: NATIVE_RESULTS_SCHEMA,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    device: node,
    environment: { node: process.version, arch: arch(), kernel: release(), cpus: cpus().length },
    verdict: verdicts.some((v) => v.verdict === 'not-conformant') ? 'not-conformant' : 'conformant',
    profiles: verdicts,
    totals,
    tests: results,
  };
}
