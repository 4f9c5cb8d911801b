import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaccelV2 } from '@openaccel/uapi';
import { accelNodePath, startRefdev } from '@openaccel/refdev';
import { ruleCoverage, ruleCoverageV2, runConformance, selectTests, specOfNode, specRules, testsOf, V2_EXEMPTIONS, V2_RULE_TESTS, V2_TESTS } from '@openaccel/conformance';

describe('the 2.0 suite as data', () => {
  it('test ids are unique and each names a rule of 2.0 or sits under one area of the suite', () => {
    const ids = V2_TESTS.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^(sysfs|protocol|common|ioctl|core|mmap|functions|fdinfo|latency)\./);
  });

  it('is the suite of spec 2.0 and only of it: 1.0 selection is unchanged', () => {
    expect(testsOf('2.0')).toBe(V2_TESTS);
    expect(selectTests(['protocol.ring.*'], '2.0').map((t) => t.id)).toContain('protocol.ring.overrun');
    expect(selectTests(['protocol.ring.*']).length).toBe(0);
  });

  it('has a test for each rule the brief names (acquire/release, CQ full, asleep, eventfd, doorbell, overrun, GEM offsets, PRIME, syncobjs, sync_file, fdinfo)', () => {
    const ids = new Set(V2_TESTS.map((t) => t.id));
    for (const id of [
      'protocol.ring.order-pairs',
      'protocol.ring.cq-full',
      'protocol.queue.created-while-asleep',
      'protocol.ring.eventfd-drain',
      'protocol.ring.doorbell-store',
      'protocol.ring.overrun',
      'mmap.gem_offsets_per_file',
      'core.prime.round_trip',
      'protocol.sync.fd_round_trip',
      'protocol.sync.export',
      'fdinfo.keys',
    ])
      expect(ids.has(id), id).toBe(true);
  });
});

describe('2.0 rule coverage', () => {
  it("lists 2.0's kinds of rules: driver and DRM core errno rules, sections, fdinfo keys, and no 1.0 sysfs class", () => {
    const rules = specRules(openaccelV2 as never);
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(rules.map((r) => r.kind))).toEqual(new Set(['common', 'errno', 'core', 'mmap', 'protocol', 'opcode', 'status', 'fdinfo']));
    expect(ids).toEqual(expect.arrayContaining(['ioctl.gem_create.size_invalid', 'core.syncobj_wait.timed_out', 'protocol.size.drm-ioctl', 'protocol.queue.initial-state', 'fdinfo.drm-client-id']));
  });

  it('every rule of 2.0 has a test or a reasoned exemption; the mapping names only rules and tests that exist', () => {
    const report = ruleCoverageV2();
    expect(report.untested).toEqual([]);
    expect(report.stale).toEqual([]);
    const ids = new Set(report.rules.map((r) => r.id));
    for (const e of V2_EXEMPTIONS) {
      expect(ids.has(e.rule), e.rule).toBe(true);
      expect(e.reason.length, e.rule).toBeGreaterThan(20);
      expect(report.rules.find((r) => r.id === e.rule)!.tests, `${e.rule} is exempt and tested`).toEqual([]);
    }
  });

  it('a rule whose test is removed becomes untested, and a mapping to a missing test is stale', () => {
    const without = V2_TESTS.filter((t) => t.id !== 'protocol.ring.overrun');
    const r = ruleCoverage(openaccelV2 as never, without, V2_RULE_TESTS);
    expect(r.untested).toContain('protocol.ring.overrun');
    expect(ruleCoverageV2().untested).not.toContain('protocol.ring.overrun');
    const stale = ruleCoverage(openaccelV2 as never, V2_TESTS, { ...V2_RULE_TESTS, 'protocol.ring.order': ['protocol.ring.nothing_here'] });
    expect(stale.stale).toEqual(['protocol.ring.order: no test protocol.ring.nothing_here']);
  });
});

describe('which uAPI a node speaks', () => {
  let dir: string;
  const servers: Server[] = [];
  const listen = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const s = createServer();
      servers.push(s);
      s.once('error', reject);
      s.listen(path, () => resolve());
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oa-node-spec-'));
    for (const d of ['dev/accel', 'dev/openaccel', 'dev/other']) mkdirSync(join(dir, d), { recursive: true });
    await listen(join(dir, 'dev/accel/accel0'));
    await listen(join(dir, 'dev/openaccel/accel0'));
    await listen(join(dir, 'dev/other/accel0'));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a socket node under dev/accel is 2.0, under dev/openaccel 1.0, elsewhere unknown', () => {
    expect(specOfNode(join(dir, 'dev/accel/accel0'))).toBe('2.0');
    expect(specOfNode(join(dir, 'dev/openaccel/accel0'))).toBe('1.0');
    expect(specOfNode(join(dir, 'dev/other/accel0'))).toBeUndefined();
    expect(specOfNode(join(dir, 'dev/accel/accel9'))).toBeUndefined();
  });

  it('a character device that is not an OpenAccel device is neither', () => {
    expect(specOfNode('/dev/null')).toBeUndefined();
  });
});

describe('the 2.0 suite on refdev', () => {
  it('passes every test a device with every feature can pass, through the 2.0 node and the accel sysfs tree', async () => {
    const refdev = await startRefdev();
    try {
      const report = await runConformance({
        target: { device: accelNodePath(refdev.runtimeDir, 'accel0'), sysfsRoot: refdev.sysfsRoot, spec: '2.0' },
        // Latency is judged by its own tests; everything else, in one run.
        filters: V2_TESTS.filter((t) => !t.id.startsWith('latency.')).map((t) => t.id),
      });
      const bad = report.tests.filter((t) => t.status !== 'pass' && t.status !== 'skip').map((t) => `${t.id}: ${t.status} ${t.message ?? ''}`);
      expect(bad).toEqual([]);
      expect(report.specVersion).toBe('2.0');
      // Skips are only the rules of devices without a feature, which refdev has.
      for (const t of report.tests.filter((x) => x.status === 'skip')) expect(t.missing, t.id).toMatch(/^a device without|cannot be allocated from/);
    } finally {
      await refdev.stop();
    }
  }, 240000);
});

describe('2.0 rules of devices without a feature, on refdevs configured without it', () => {
  const lean = (caps: string[]) => ({
    devices: [{ name: 'accel0', model: 'refdev-lean', functions: ['nop', 'copy', 'crc32c'], caps, numaNode: 0, maxQueues: 8, maxSqEntries: 256, maxCqEntries: 512, maxTransferBytes: 1 << 20, pasidBits: 3 }],
    memories: [{ id: 'ddr0', kind: 'ddr', sizeBytes: 1 << 20, numaNode: 0, devices: ['accel0'], cpuVisible: true }],
  });
  const run = async (caps: string[], filters: string[]) => {
    const refdev = await startRefdev({ config: lean(caps) as never });
    try {
      const report = await runConformance({ target: { device: accelNodePath(refdev.runtimeDir, 'accel0'), sysfsRoot: refdev.sysfsRoot, spec: '2.0' }, filters });
      return report.tests.map((t) => `${t.id}: ${t.status}${t.message ? ` ${t.message}` : ''}`);
    } finally {
      await refdev.stop();
    }
  };

  it('without SVA, eventfd and most functions: sva_unsupported, eventfd_unsupported and invalid_opcode run (no skip) and pass', async () => {
    const seen = await run(['device_memory'], ['ioctl.bind_context.sva_unsupported', 'ioctl.set_eventfd.eventfd_unsupported', 'functions.*.invalid_opcode']);
    expect(seen).toEqual(seen.map((l) => `${l.split(':')[0]}: pass`));
    expect(seen.length).toBe(2 + 8);
  }, 240000);

  it('without device memory: GEM_CREATE is EOPNOTSUPP (alloc_unsupported runs and passes)', async () => {
    expect(await run([], ['ioctl.gem_create.alloc_unsupported'])).toEqual(['ioctl.gem_create.alloc_unsupported: pass']);
  }, 240000);
});
