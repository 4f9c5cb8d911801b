/** Running one native test in this process: the outcome as a result, everything it opened released. */
import { ConformanceFailure, SkipTest, type TestResult } from '../model.js';
import { NativeEnv } from './native-env.js';
import type { NativeTest } from './native-model.js';
import type { NodeIdentity } from './node-kind.js';

export interface NativeResult extends TestResult {
  profile: string;
  /** Where the rule comes from (document and section, or source file and function). */
  source: string;
  facts?: Record<string, string | number | boolean>;
}

export async function executeNativeTest(t: NativeTest, node: NodeIdentity, sysfsRoot: string): Promise<NativeResult> {
  const start = performance.now();
  const done = (r: Omit<NativeResult, 'id' | 'profile' | 'source' | 'durationMs'>): NativeResult => ({ id: t.id, profile: t.profile, source: t.source, durationMs: Math.round(performance.now() - start), ...r });
  const env = new NativeEnv(node, sysfsRoot);
  try {
    const o = await t.run(env);
    const facts = o?.facts && Object.keys(o.facts).length ? { facts: o.facts } : {};
    return o?.warn ? done({ status: 'warn', message: o.warn, ...facts }) : done({ status: 'pass', ...facts });
  } catch (e) {
    if (e instanceof SkipTest) return done({ status: 'skip', missing: e.missing, message: e.message });
    if (e instanceof ConformanceFailure) return done({ status: 'fail', message: e.message, expected: e.expected, seen: e.seen });
    const err = e as Error & { errno?: string };
    // A syscall the rule needs failed (SyscallError): the rule does not hold.
    if (err.errno) return done({ status: 'fail', message: err.message, seen: err.errno });
    return done({ status: 'error', message: `${err.name}: ${err.message}` });
  } finally {
    env.cleanup();
  }
}
