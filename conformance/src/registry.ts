/** Every test, in run order, and selection by glob. */
import type { SpecVersionName } from './env.js';
import type { AnyTest, TestCase } from './model.js';
import { chainSuite } from './suites/chain.js';
import { functionsSuite } from './suites/functions.js';
import { functionsEdgesSuite } from './suites/functions-edges.js';
import { ioctlSuite } from './suites/ioctl.js';
import { ioctlRulesSuite } from './suites/ioctl-rules.js';
import { isolationSuite } from './suites/isolation.js';
import { latencySuite } from './suites/latency.js';
import { manifestSuite } from './suites/manifest.js';
import { memorySuite } from './suites/memory.js';
import { memoryLifetimeSuite } from './suites/memory-lifetime.js';
import { mmapSuite } from './suites/mmap.js';
import { queueSuite } from './suites/queue.js';
import { ringProtocolSuite } from './suites/ring-protocol.js';
import { sysfsSuite } from './suites/sysfs.js';
import { sysfsLinksSuite } from './suites/sysfs-links.js';
import { V2_TESTS } from './v2/registry.js';

export const ALL_TESTS: readonly TestCase[] = [
  ...sysfsSuite,
  ...sysfsLinksSuite,
  ...manifestSuite,
  ...ioctlSuite,
  ...ioctlRulesSuite,
  ...mmapSuite,
  ...queueSuite,
  ...ringProtocolSuite,
  ...functionsSuite,
  ...functionsEdgesSuite,
  ...memorySuite,
  ...memoryLifetimeSuite,
  ...chainSuite,
  ...isolationSuite,
  ...latencySuite,
];

export const AREAS = ['sysfs', 'manifest', 'ioctl', 'mmap', 'queue', 'functions', 'memory', 'chain', 'isolation', 'latency'] as const;

export function areaOf(id: string): string {
  return id.split('.')[0]!;
}

/** A glob over test ids: `*` matches within one segment, `**` across segments; a plain prefix matches its subtree. */
export function globMatcher(glob: string): (id: string) => boolean {
  if (!/[*?]/.test(glob)) return (id) => id === glob || id.startsWith(`${glob}.`);
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^.]*').replace(/\?/g, '.').replace(/\0/g, '.*')}$`);
  return (id) => re.test(id);
}

/** The suite of a spec version: 1.0's tests take a TestEnv, 2.0's an AccelEnv. */
export function testsOf(spec: SpecVersionName = '1.0'): readonly AnyTest[] {
  return spec === '2.0' ? (V2_TESTS as readonly AnyTest[]) : (ALL_TESTS as readonly AnyTest[]);
}

export function selectTests(filters?: readonly string[]): TestCase[];
export function selectTests(filters: readonly string[], spec: SpecVersionName): AnyTest[];
export function selectTests(filters: readonly string[] = [], spec: SpecVersionName = '1.0'): AnyTest[] {
  const all = testsOf(spec);
  if (filters.length === 0) return [...all];
  const ms = filters.map(globMatcher);
  return all.filter((t) => ms.some((m) => m(t.id)));
}

export function testById(id: string, spec: SpecVersionName = '1.0'): AnyTest | undefined {
  return testsOf(spec).find((t) => t.id === id);
}
