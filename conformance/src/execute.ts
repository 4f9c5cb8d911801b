/** Running one test in this process: requirements (skip), the run, and the outcome as a TestResult. */
import { openDevice } from '@openaccel/driver';
import { TestEnv, type Target } from './env.js';
import { ConformanceFailure, SkipTest, type TestCase, type TestResult } from './model.js';

function missing(t: TestCase, env: TestEnv): string | undefined {
  const r = t.requires;
  if (!r) return undefined;
  for (const c of r.caps ?? []) if (!env.info.caps.includes(c)) return `capability ${c}`;
  for (const f of r.functions ?? []) if (!env.info.functions.includes(f)) return `function ${f}`;
  if (r.manifest && !env.manifest) return 'a capability manifest (--manifest)';
  if (r.devices && env.peers().filter((p) => safeOpen(p.node)).length + 1 < r.devices) return `${r.devices} devices in the sysfs tree`;
  return undefined;
}

function safeOpen(node: string): boolean {
  try {
    openDevice(node);
    return true;
  } catch {
    return false;
  }
}

export async function executeTest(t: TestCase, target: Target): Promise<TestResult> {
  const start = performance.now();
  const done = (r: Omit<TestResult, 'id' | 'durationMs'>): TestResult => ({ id: t.id, durationMs: Math.round(performance.now() - start), ...r });
  let env: TestEnv;
  try {
    env = new TestEnv(target);
  } catch (e) {
    return done({ status: 'error', message: `cannot open the device: ${(e as Error).message}` });
  }
  const why = missing(t, env);
  if (why) return done({ status: 'skip', missing: why, message: `requires ${why}` });
  try {
    const outcome = await t.run(env);
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
