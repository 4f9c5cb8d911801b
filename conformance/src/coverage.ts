/**
 * Rule coverage as data: every rule of the spec (common and per-ioctl errno rules, mmap rules, the
 * data-path protocol, each opcode's semantics and statuses, sysfs attributes) and the conformance tests
 * that check it. A rule is covered when a test named after it exists (`ioctl.submit.wait_timeout` checks
 * rule `ioctl.submit.wait_timeout`) or when RULE_TESTS names tests for it; otherwise it must carry a
 * reasoned exemption in the spec. Rules are read from a spec version, so 2.0's slot in when it is served.
 */
import { DEVICE_ATTRIBUTES, LINK_ATTRIBUTES, MEMORY_ATTRIBUTES } from '@openaccel/sysfs';
import { conformanceExemptions, openaccelV1, openaccelV2, type UapiSpec } from '@openaccel/uapi';
import type { AnyTest } from './model.js';
import { ALL_TESTS, globMatcher } from './registry.js';
import { V2_EXEMPTIONS } from './v2/exemptions.js';

export type RuleKind = 'common' | 'errno' | 'core' | 'mmap' | 'protocol' | 'opcode' | 'status' | 'sysfs' | 'fdinfo';

export interface SpecRule {
  /** `common.<id>`, `ioctl.<ioctl>.<id>`, `core.<drm ioctl>.<id>`, `mmap.<id>`, `protocol.<id>`, `opcode.<fn>[.<status>]`, `sysfs.<dir>.<file>`, `fdinfo.<key>`. */
  id: string;
  kind: RuleKind;
  /** The rule in the spec's words. */
  text: string;
}

export interface RuleCoverage extends SpecRule {
  /** Test ids that check the rule, in run order. */
  tests: string[];
  /** The spec's reason when the rule cannot be tested. */
  exemption?: string;
}

export interface CoverageReport {
  schema: 'openaccel-coverage/1';
  specVersion: string;
  rules: RuleCoverage[];
  /** Rules with neither a test nor an exemption: the check fails while any is left. */
  untested: string[];
  /** RULE_TESTS entries that name a rule the spec lacks or tests that do not exist (stale data). */
  stale: string[];
}

const word = (name: string, prefix: RegExp) => name.replace(prefix, '').toLowerCase();

/** Every rule of a spec version, in the spec's order. */
export function specRules(spec: UapiSpec = openaccelV1): SpecRule[] {
  const rules: SpecRule[] = [];
  for (const e of spec.commonErrors) rules.push({ id: `common.${e.id}`, kind: 'common', text: `${e.errno} when ${e.when}` });
  for (const io of spec.ioctls) {
    for (const e of io.errors) rules.push({ id: `ioctl.${word(io.name, /^(OA_IOCTL_|DRM_IOCTL_OA_)/)}.${e.id}`, kind: 'errno', text: `${io.name}: ${e.errno} when ${e.when}` });
  }
  for (const io of spec.coreIoctls ?? []) {
    for (const e of io.errors) rules.push({ id: `core.${word(io.name, /^DRM_IOCTL_/)}.${e.id}`, kind: 'core', text: `${io.name}: ${e.errno} when ${e.when}` });
  }
  const mmapSeen = new Set<string>();
  for (const r of spec.regions) {
    for (const e of r.errors) {
      if (mmapSeen.has(e.id)) continue; // the three regions share one table
      mmapSeen.add(e.id);
      rules.push({ id: `mmap.${e.id.replace(/^mmap_/, '')}`, kind: 'mmap', text: `${e.errno} when ${e.when}` });
    }
  }
  for (const r of spec.sections ?? []) rules.push({ id: `protocol.${r.id}`, kind: 'protocol', text: `${r.title}: ${r.paragraphs[0]}` });
  for (const r of spec.rules) rules.push({ id: `protocol.${r.id}`, kind: 'protocol', text: `${r.title}: ${r.text}` });
  for (const o of spec.opcodes) {
    const fn = word(o.name, /^OA_OP_/);
    rules.push({ id: `opcode.${fn}`, kind: 'opcode', text: o.doc });
    for (const s of o.operands.statuses) rules.push({ id: `opcode.${fn}.${word(s, /^OA_STATUS_/)}`, kind: 'status', text: `${o.name} may complete with ${s}` });
  }
  for (const k of spec.fdinfo ?? []) rules.push({ id: `fdinfo.${k.key}`, kind: 'fdinfo', text: `${k.key}: ${k.value}${k.required ? '' : ' (optional)'}: ${k.doc}` });
  if (spec.version.startsWith('1.')) {
    // The openaccel sysfs class belongs to 1.0's character device; 2.0 uses the accel class.
    for (const [dir, attrs] of [['device', DEVICE_ATTRIBUTES], ['memory', MEMORY_ATTRIBUTES], ['link', LINK_ATTRIBUTES]] as const) {
      for (const a of attrs) rules.push({ id: `sysfs.${dir}.${a.file}`, kind: 'sysfs', text: a.doc });
    }
  }
  return rules;
}

const sysfsDevice = DEVICE_ATTRIBUTES.map((a) => [`sysfs.device.${a.file}`, ['sysfs.attributes.format', ...('infoField' in a ? ['sysfs.attributes.match_get_info'] : [])]] as const);
const sysfsMemory = MEMORY_ATTRIBUTES.map((a) => [`sysfs.memory.${a.file}`, ['sysfs.attributes.format', 'sysfs.memories.match_query_memory']] as const);
const sysfsLink = LINK_ATTRIBUTES.map((a) => [`sysfs.link.${a.file}`, ['sysfs.attributes.format', 'sysfs.links.match_manifest']] as const);

/**
 * Tests for rules whose tests are not named after them (globs over test ids). A test named after a rule
 * needs no entry here.
 */
export const RULE_TESTS: Readonly<Record<string, readonly string[]>> = {
  'common.unknown_ioctl': ['ioctl.common.unknown_nr', 'ioctl.common.wrong_type', 'ioctl.common.wrong_direction'],
  'common.foreign_process': ['isolation.context.foreign_process'],
  'common.size_too_small': ['ioctl.*.size_too_small'],
  'common.size_mismatch': ['ioctl.*.size_mismatch'],
  'common.nonzero_tail': ['ioctl.*.nonzero_tail', 'ioctl.*.zero_tail_accepted'],
  'common.unknown_flags': ['ioctl.*.unknown_flags.*'],
  'common.reserved_nonzero': ['ioctl.*.reserved_nonzero.*'],
  'common.not_bound': ['ioctl.*.not_bound'],
  'common.arg_fault': ['ioctl.*.arg_fault'],
  'ioctl.bind_context.sva_unsupported': ['ioctl.bind_context.sva'],
  'ioctl.set_eventfd.queue_not_found': ['ioctl.set_eventfd.rules'],
  'ioctl.set_eventfd.eventfd_bad_fd': ['ioctl.set_eventfd.rules'],
  'ioctl.set_eventfd.eventfd_not_eventfd': ['ioctl.set_eventfd.rules'],
  'ioctl.submit.queue_not_found': ['ioctl.submit.rules'],
  'ioctl.submit.sq_overrun': ['ioctl.submit.rules'],
  'ioctl.alloc_memory.memory_not_found': ['ioctl.alloc_memory.rules'],
  'ioctl.alloc_memory.length_invalid': ['ioctl.alloc_memory.rules'],
  'ioctl.alloc_memory.out_of_memory': ['ioctl.alloc_memory.rules'],
  'ioctl.import_dmabuf.dmabuf_bad_fd': ['ioctl.import_dmabuf.rules'],
  'ioctl.import_dmabuf.dmabuf_not_dmabuf': ['ioctl.import_dmabuf.rules'],
  'mmap.twice': ['mmap.map_once'],
  'protocol.ring.indices': ['queue.ring.wraparound', 'queue.ring.full_sq', 'queue.ring.cq_larger_than_sq'],
  'protocol.ring.submit': ['queue.lifecycle.create_use_destroy', 'queue.order.exactly_once', 'ioctl.submit.queue_error'],
  'protocol.ring.consume': ['queue.consume.*'],
  'protocol.ring.complete': ['queue.order.exactly_once', 'queue.complete.*'],
  'protocol.ring.phase': ['queue.ring.wraparound', 'queue.ring.cq_larger_than_sq'],
  'protocol.ring.release-cq': ['queue.ring.cq_full_no_overwrite', 'ioctl.submit.wait_timeout'],
  'protocol.ring.order': ['queue.order.exactly_once', 'queue.fence.after_earlier', 'queue.many_queues'],
  'protocol.ring.wakeup': ['queue.wakeup.*'],
  'protocol.ring.arming': ['queue.eventfd.arming', 'queue.arming.*'],
  'protocol.memory.access': ['memory.sva.unmapped_faults', 'memory.sva.needs_sva_bind', 'memory.handle.*', 'memory.lifetime.use_after_free', 'functions.*.address_fault'],
  'protocol.context.lifetime': ['isolation.client_death.no_leak', 'memory.lifetime.export_outlives_context', 'memory.lifetime.accounting_across_export'],
  'opcode.nop': ['functions.nop.completes'],
  'opcode.nop.ok': ['functions.nop.completes'],
  'opcode.nop.invalid_opcode': ['functions.nop.unknown_opcode'],
  'opcode.nop.invalid_field': ['functions.nop.unused_operands', 'functions.nop.reserved_nonzero'],
  'opcode.copy': ['functions.copy.random', 'functions.copy.edges', 'functions.copy.overlap'],
  'opcode.copy.ok': ['functions.copy.random'],
  'opcode.fill': ['functions.fill.pattern', 'functions.fill.edges'],
  'opcode.fill.ok': ['functions.fill.pattern'],
  'opcode.crc32c': ['functions.crc32c.random', 'functions.crc32c.check_value', 'functions.crc32c.edges'],
  'opcode.crc32c.ok': ['functions.crc32c.random'],
  'opcode.crc32c.invalid_field': ['functions.crc32c.arg_high_bits'],
  'opcode.sha256': ['functions.sha256.random', 'functions.sha256.edges'],
  'opcode.sha256.ok': ['functions.sha256.random'],
  'opcode.deflate': ['functions.deflate.roundtrip', 'functions.deflate.edges'],
  'opcode.deflate.ok': ['functions.deflate.roundtrip'],
  'opcode.deflate.invalid_field': ['functions.deflate.level_invalid'],
  'opcode.inflate': ['functions.inflate.random', 'functions.inflate.edges'],
  'opcode.inflate.ok': ['functions.inflate.random'],
  'opcode.inflate.data_error': ['functions.inflate.random', 'functions.inflate.edges'],
  'opcode.aes_gcm_encrypt': ['functions.aes_gcm_encrypt.random', 'functions.aes_gcm_encrypt.edges'],
  'opcode.aes_gcm_encrypt.ok': ['functions.aes_gcm_encrypt.random'],
  'opcode.aes_gcm_encrypt.invalid_field': ['functions.aes_gcm_encrypt.bad_key_length'],
  'opcode.aes_gcm_decrypt': ['functions.aes_gcm_encrypt.random', 'functions.aes_gcm_encrypt.edges', 'functions.aes_gcm_decrypt.tag_in_full'],
  'opcode.aes_gcm_decrypt.ok': ['functions.aes_gcm_encrypt.random'],
  'opcode.aes_gcm_decrypt.auth_failed': ['functions.aes_gcm_decrypt.auth_failed', 'functions.aes_gcm_decrypt.tag_in_full'],
  ...Object.fromEntries([...sysfsDevice, ...sysfsMemory, ...sysfsLink].map(([r, t]) => [r, [...t]])),
};

/** Test ids that carry a rule's name: the rule id itself, and `functions.<fn>.<status>` for an opcode status. */
function namedAfter(rule: SpecRule): string[] {
  return rule.kind === 'status' ? [rule.id, rule.id.replace(/^opcode\./, 'functions.')] : [rule.id];
}

function testsFor(rule: SpecRule, explicit: readonly string[] | undefined, tests: readonly AnyTest[]): string[] {
  const matchers = [...namedAfter(rule), ...(explicit ?? [])].map(globMatcher); // a name also covers tests below it
  return tests.filter((t) => matchers.some((m) => m(t.id))).map((t) => t.id);
}

/** The coverage matrix of a spec version over a test list (the registry by default). */
export function ruleCoverage(spec: UapiSpec = openaccelV1, tests: readonly AnyTest[] = ALL_TESTS, map: Readonly<Record<string, readonly string[]>> = RULE_TESTS): CoverageReport {
  const exemptions = spec === openaccelV1 ? conformanceExemptions : spec === openaccelV2 ? V2_EXEMPTIONS : [];
  const exempt = new Map<string, string>(exemptions.map((e) => [e.rule, e.reason]));
  const rules = specRules(spec).map((r): RuleCoverage => {
    const covered = testsFor(r, map[r.id], tests);
    const reason = exempt.get(r.id);
    return { ...r, tests: covered, ...(reason !== undefined ? { exemption: reason } : {}) };
  });
  const ids = new Set(rules.map((r) => r.id));
  const stale: string[] = [];
  for (const [rule, globs] of Object.entries(map)) {
    if (!ids.has(rule)) stale.push(`${rule}: no such rule in ${spec.version}`);
    for (const g of globs) {
      const m = globMatcher(g);
      if (!tests.some((t) => m(t.id))) stale.push(`${rule}: no test ${g}`);
    }
  }
  for (const rule of exempt.keys()) if (!ids.has(rule)) stale.push(`exemption ${rule}: no such rule in ${spec.version}`);
  return {
    schema: 'openaccel-coverage/1',
    specVersion: spec.version,
    rules,
    untested: rules.filter((r) => r.tests.length === 0 && r.exemption === undefined).map((r) => r.id),
    stale,
  };
}
