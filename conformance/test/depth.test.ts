import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { openaccelV1, openaccelV2 } from '@openaccel/uapi';
import { ALL_TESTS, ruleCoverage, RULE_TESTS, runConformance, selectTests, specRules, type RunReport } from '@openaccel/conformance';

const STARTUP_MS = 60000;
const budget = (filters: string[]) => selectTests(filters).reduce((sum, t) => sum + (t.timeoutMs ?? 10000), STARTUP_MS);

const target = (r: RefdevProcess) => {
  const manifestPath = join(r.runtimeDir, 'manifests', 'accel0.json');
  return { device: r.node('accel0'), sysfsRoot: r.sysfsRoot, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath };
};

const statusOf = (report: RunReport) => Object.fromEntries(report.tests.map((t) => [t.id, `${t.status}${t.status === 'pass' ? '' : `: ${t.message}`}`]));

describe('rule coverage', () => {
  it('every rule of 1.0 has a test or a reasoned exemption, and the mapping names only rules and tests that exist', () => {
    const report = ruleCoverage();
    expect(report.untested).toEqual([]);
    expect(report.stale).toEqual([]);
    for (const r of report.rules.filter((x) => x.exemption !== undefined)) expect(r.exemption!.length, r.id).toBeGreaterThan(40);
  });

  it('lists every kind of rule: common, errno, mmap, protocol, opcode, status, sysfs', () => {
    const kinds = new Set(specRules().map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['common', 'errno', 'mmap', 'opcode', 'protocol', 'status', 'sysfs']);
    const ids = specRules().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['common.device_gone', 'ioctl.submit.wait_timeout', 'mmap.twice', 'protocol.ring.consume', 'opcode.inflate.data_error', 'sysfs.link.p2p']));
  });

  it('a rule whose tests are removed is reported untested, and a mapping to a missing test is stale', () => {
    const without = ALL_TESTS.filter((t) => !t.id.startsWith('queue.consume.'));
    expect(ruleCoverage(openaccelV1, without).untested).toEqual(['protocol.ring.consume']);
    const stale = ruleCoverage(openaccelV1, ALL_TESTS, { ...RULE_TESTS, 'protocol.ring.consume': ['queue.consume.nothing_here'] });
    expect(stale.stale).toEqual(['protocol.ring.consume: no test queue.consume.nothing_here']);
    expect(stale.untested).toEqual(['protocol.ring.consume']);
  });

  it("reads 2.0's rules from its spec, so they slot in when 2.0 is served", () => {
    const v2 = specRules(openaccelV2 as never);
    expect(v2.length).toBeGreaterThan(0);
    expect(v2.every((r) => !r.id.startsWith('sysfs.'))).toBe(true);
  });
});

describe('rules of devices without a capability, on a refdev configured without them', () => {
  const filters = [
    'ioctl.set_eventfd.eventfd_unsupported',
    'ioctl.alloc_memory.alloc_unsupported',
    'ioctl.import_dmabuf.import_unsupported',
    'ioctl.export_dmabuf.export_unsupported',
    'ioctl.bind_context.no_pasid',
    'functions.*.invalid_opcode',
  ];
  let refdev: RefdevProcess;
  let report: RunReport;

  beforeAll(async () => {
    refdev = await startRefdev({
      config: {
        devices: [{ name: 'accel0', model: 'refdev-lean', functions: ['nop', 'copy', 'crc32c'], caps: ['sva'], numaNode: 0, maxQueues: 8, maxSqEntries: 256, maxCqEntries: 512, maxTransferBytes: 1 << 20, pasidBits: 3 }],
        memories: [{ id: 'ddr0', kind: 'ddr', sizeBytes: 1 << 20, numaNode: 0, devices: ['accel0'], cpuVisible: true }],
      },
    });
    report = await runConformance({ target: { device: refdev.node('accel0'), sysfsRoot: refdev.sysfsRoot }, filters });
  }, budget(filters));

  afterAll(async () => {
    await refdev?.stop();
  });

  it('each runs (no skip) and passes; PASIDs were exhausted', () => {
    expect(report.tests.map((t) => `${t.id}: ${t.status}${t.message ? ` ${t.message}` : ''}`)).toEqual(report.tests.map((t) => `${t.id}: pass`));
    expect(report.tests.length).toBe(5 + 8);
    expect(report.tests.find((t) => t.id === 'ioctl.bind_context.no_pasid')!.metrics).toEqual({ pasid_space: 8, bound: 7, exhausted: true });
  });
});

describe('the deeper tests on the default refdev', () => {
  const filters = ['ioctl.*.arg_fault', 'ioctl.*.*_unsupported', 'ioctl.bind_context.no_pasid', 'ioctl.submit.**', 'ioctl.export_dmabuf.too_many_fds', 'ioctl.bind_context.context_id', 'ioctl.create_queue.**', 'queue.consume.**', 'queue.complete.**', 'queue.ring.cq_larger_than_sq', 'queue.arming.**', 'queue.wakeup.race', 'memory.lifetime.**', 'memory.handle.offset_edges', 'sysfs.links.**', 'functions.**'];
  let refdev: RefdevProcess;
  let report: RunReport;

  beforeAll(async () => {
    refdev = await startRefdev();
    report = await runConformance({ target: target(refdev), filters });
  }, budget(filters));

  afterAll(async () => {
    await refdev?.stop();
  });

  it('pass (the *_unsupported and invalid_opcode rules from the side of a device with everything)', () => {
    const bad = report.tests.filter((t) => t.status !== 'pass');
    expect(bad.map((t) => `${t.id}: ${t.status} ${t.message}`)).toEqual([]);
    // EXPORT_DMABUF with no free fd is EMFILE; the socket transport used to call the device gone (ENODEV).
    expect(statusOf(report)['ioctl.export_dmabuf.too_many_fds']).toBe('pass');
  });
});
