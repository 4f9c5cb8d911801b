/** What a conformance test is, what it can conclude, and how it says so. */
import type { ProfileName } from '@openaccel/capabilities';
import type { TestEnv } from './env.js';

/**
 * pass: the rule holds. fail: it does not (expected and seen are given). skip: the device lacks what
 * the test needs (`missing` names it; never a pass). warn: holds, with a remark. error: the harness or
 * test broke. timeout: no answer within the test's time.
 */
export type Status = 'pass' | 'fail' | 'skip' | 'warn' | 'error' | 'timeout';

export interface Requirements {
  /** Capability words the device must have (sva, dmabuf_import, ...). */
  caps?: readonly string[];
  /** Functions the device must implement. */
  functions?: readonly string[];
  /** At least this many devices in the same sysfs tree (cross-device tests). */
  devices?: number;
  /** A capability manifest must be given. */
  manifest?: boolean;
}

/** A test of the 1.0 suite gets a TestEnv; one of the 2.0 suite an AccelEnv (v2/accel-env.ts). */
export interface TestCase<E = TestEnv> {
  /** Hierarchical id: area.subject.rule, e.g. `ioctl.create_queue.unknown_flags`. */
  id: string;
  /** What rule it checks, in one sentence. */
  doc: string;
  /** Profiles for which this test is mandatory. */
  profiles: readonly ProfileName[];
  requires?: Requirements;
  /** Time the test may take (default 60 s: it bounds only a hang). */
  timeoutMs?: number;
  run(env: E): Promise<TestOutcome | void> | TestOutcome | void;
}

/** A test of either suite, where only its id, profiles and requirements matter (verdicts, coverage). */
export type AnyTest = TestCase<never>;

/** What a test may return besides passing silently: a remark (warn) or measurements. */
export interface TestOutcome {
  warn?: string;
  metrics?: Record<string, unknown>;
}

export interface TestResult {
  id: string;
  status: Status;
  durationMs: number;
  /** Why it failed, errored, was skipped, or warned. */
  message?: string;
  expected?: string;
  seen?: string;
  /** For a skip: the capability, function or resource missing. */
  missing?: string;
  metrics?: Record<string, unknown>;
}

/** A rule that does not hold: what the spec expects and what the device did. */
export class ConformanceFailure extends Error {
  constructor(
    message: string,
    readonly expected: string,
    readonly seen: string,
  ) {
    super(message);
    this.name = 'ConformanceFailure';
  }
}

/** The device lacks what the test needs; `missing` is the capability or resource. */
export class SkipTest extends Error {
  constructor(readonly missing: string, message = `requires ${missing}`) {
    super(message);
    this.name = 'SkipTest';
  }
}

export function expectEqual<T>(what: string, expected: T, seen: T): void {
  const e = typeof expected === 'bigint' ? expected.toString() : JSON.stringify(expected);
  const s = typeof seen === 'bigint' ? seen.toString() : JSON.stringify(seen);
  if (e !== s) throw new ConformanceFailure(`${what}: expected ${e}, seen ${s}`, e, s);
}

export function expectTrue(what: string, ok: boolean, seen = 'false'): void {
  if (!ok) throw new ConformanceFailure(what, 'true', seen);
}
