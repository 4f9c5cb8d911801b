/** A conformance test of an interface other people wrote: the rule, the profile, and where the rule comes from. */
import type { NativeEnv } from './native-env.js';
import type { NativeProfile } from './node-kind.js';

export interface NativeTest {
  /** Hierarchical id: profile area, subject, rule (drm.version.two_call, dmabuf.sync.unknown_flags). */
  id: string;
  profile: NativeProfile;
  /** The rule, in one sentence. */
  doc: string;
  /** Where the rule comes from: a kernel document and section, or a kernel source file and function. */
  source: string;
  /** Time the test may take (default 20 s: syscalls are slow under emulation). */
  timeoutMs?: number;
  run(env: NativeEnv): Promise<NativeOutcome | void> | NativeOutcome | void;
}

export interface NativeOutcome {
  /** A remark on a passing test (the rule holds, with something worth saying). */
  warn?: string;
  /** What the test saw, for the report (driver name, sizes, caps). */
  facts?: Record<string, string | number | boolean>;
}
