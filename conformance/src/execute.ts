/** Running one test in this process: requirements (skip), the run, and the outcome as a TestResult. */
import { openDevice, openTransport } from '@openaccel/driver';
import { TestEnv, type Target } from './env.js';
import { ConformanceFailure, SkipTest, type AnyTest, type TestCase, type TestResult } from './model.js';
import { AccelEnv } from './v2/accel-env.js';

/** What requirement checks need of either suite's environment. */
interface Checked {
  info: { caps: readonly string[]; functions: readonly string[] };
  manifest: Target['manifest'];
  peers(): { node: string }[];
  cleanup(): void;
}

function missing(t: AnyTest, env: Checked, canOpen: (node: string) => boolean): string | undefined {
  const r = t.requires;
  if (!r) return undefined;
  for (const c of r.caps ?? []) if (!env.info.caps.includes(c)) return `capability ${c}`;
  for (const f of r.functions ?? []) if (!env.info.functions.includes(f)) return `function ${f}`;
  if (r.manifest && !env.manifest) return 'a capability manifest (--manifest)';
  if (r.devices && env.peers().filter((p) => canOpen(p.node)).length + 1 < r.devices) return `${r.devices} devices in the sysfs tree`;
  return undefined;
}

function opens(open: (node: string) => { close(): void } | unknown): (node: string) => boolean {
  return (node) => {
    try {
      const x = open(node) as { close?: () => void };
      x.close?.();
      return true;
    } catch {
      return false;
    }
  };
}

/** The environment of the target's suite: a TestEnv for 1.0, an AccelEnv for 2.0. */
export function envFor(target: Target): TestEnv | AccelEnv {
  return target.spec === '2.0' ? new AccelEnv(target) : new TestEnv(target);
}

export async function executeTest(t: AnyTest, target: Target): Promise<TestResult> {
  const start = performance.now();
  const done = (r: Omit<TestResult, 'id' | 'durationMs'>): TestResult => ({ id: t.id, durationMs: Math.round(performance.now() - start), ...r });
  let env: TestEnv | AccelEnv;
  try {
    env = envFor(target);
  } catch (e) {
    return done({ status: 'error', message: `cannot open the device: ${(e as Error).message}` });
  }
  const why = missing(t, env, opens(env instanceof AccelEnv ? openTransport : openDevice));
  if (why) return done({ status: 'skip', missing: why, message: `requires ${why}` });
  try {
    const outcome = await (t as TestCase<TestEnv | AccelEnv>).run(env);
    if (outcome?.warn) return done({ status: 'warn', message: outcome.warn, ...(outcome.metrics ? { metrics: outcome.metrics } : {}) });
    return done({ status: 'pass', ...(outcome?.metrics ? { metrics: outcome.metrics } : {}) });
  } catch (e) {
    const metrics = (e as { metrics?: Record<string, unknown> }).metrics;
    if (e instanceof SkipTest) return done({ status: 'skip', missing: e.missing, message: e.message });
    if (e instanceof ConformanceFailure) return done({ status: 'fail', message: e.message, expected: e.expected, seen: e.seen, ...(metrics ? { metrics } : {}) });
    // An unexpected typed error from the device (UapiError, SyscallError) is a failure of the rule under test.
    const err = e as Error & { errno?: string };
    if (err.errno) return done({ status: 'fail', message: err.message, seen: err.errno });
    return done({ status: 'error', message: `${err.name}: ${err.message}` });
  } finally {
    env.cleanup();
  }
}
