import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drmCoreIoctl } from '@openaccel/uapi';
import { identifyNode, NATIVE_PROFILES, NATIVE_TESTS, NativeRunError, formatNativeConsole, nativeConformanceForCli, profilesFor, runNativeConformance, splitDevt } from '@openaccel/conformance';

const fixtures = join(import.meta.dirname, '../../spec/sysfs/fixtures');
/** Test processes start slowly on a busy machine; a run of nine sysfs reads gets minutes. */
const RUN_MS = 180000;

describe('native profiles: the test registry', () => {
  it('every test has a unique id, a known profile and a rule traced to a kernel document or source', () => {
    const ids = NATIVE_TESTS.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of NATIVE_TESTS) {
      expect(t.id).toMatch(/^(drm|dmabuf|uacce)(\.[a-z0-9_]+)+$/);
      expect(NATIVE_PROFILES).toContain(t.profile);
      expect(t.source, t.id).toMatch(/^(drivers|include|Documentation)\/\S+(: |\.rst)/);
    }
    for (const p of NATIVE_PROFILES) expect(NATIVE_TESTS.filter((t) => t.profile === p).length).toBeGreaterThan(5);
  });

  it('the drm-core errno tests take their errno and source from the 2.0 spec', () => {
    const t = NATIVE_TESTS.find((x) => x.id === 'drm.gem_close.handle_not_found')!;
    const rule = drmCoreIoctl('DRM_IOCTL_GEM_CLOSE').compiled.spec.errors.find((e) => e.id === 'handle_not_found')!;
    expect(t.source).toBe(rule.source);
    expect(t.doc).toContain(rule.errno);
  });
});

describe('what a node is', () => {
  it('splits dev_t as glibc does', () => {
    expect(splitDevt((226 << 8) | 128)).toEqual({ major: 226, minor: 128 });
    // major 0x1012, minor 0x56734: the high bits of each sit above bit 32 and at bits 20..31.
    expect(splitDevt(Number((0x1000n << 32n) | (0x567n << 20n) | (0x12n << 8n) | 0x34n))).toEqual({ major: 0x1012, minor: 0x56734 });
  });

  it('maps kinds of node to the profiles that apply', () => {
    expect(profilesFor('drm-render')).toEqual(['drm-core']);
    expect(profilesFor('drm-accel')).toEqual(['drm-core']);
    expect(profilesFor('dma-heap')).toEqual(['dmabuf-exporter']);
    expect(profilesFor('udmabuf')).toEqual(['dmabuf-exporter']);
    expect(profilesFor('drm-primary')).toEqual(['dmabuf-exporter']);
    expect(profilesFor('uacce')).toEqual(['uacce']);
    expect(profilesFor('openaccel')).toEqual([]);
  });

  it('finds a UACCE device of a fixture tree by its class directory', () => {
    const id = identifyNode('/dev/hisi_zip-0', join(fixtures, 'two-socket-hbm'));
    expect(id.kind).toBe('uacce');
    expect(id.sysfsDir).toBe(join(fixtures, 'two-socket-hbm/class/uacce/hisi_zip-0'));
  });

  it('calls a character device of another subsystem unknown, and the run refuses it', async () => {
    expect(identifyNode('/dev/null').kind).toBe('unknown');
    await expect(runNativeConformance({ device: '/dev/null' })).rejects.toBeInstanceOf(NativeRunError);
  });
});

describe('the uacce profile on fixture trees (no UACCE hardware is reachable here)', () => {
  it('passes the sysfs ABI of a HiSilicon ZIP engine and skips the queue tests, which need the node', { timeout: RUN_MS }, async () => {
    const r = await runNativeConformance({ device: '/dev/hisi_zip-0', sysfsRoot: join(fixtures, 'two-socket-hbm') });
    expect(r.schema).toBe('openaccel-native-conformance/1');
    const by = Object.fromEntries(r.tests.map((t) => [t.id, t]));
    for (const id of ['uacce.sysfs.api', 'uacce.sysfs.flags', 'uacce.sysfs.available_instances', 'uacce.sysfs.algorithms', 'uacce.sysfs.region_sizes', 'uacce.sysfs.isolation']) expect(by[id]?.status, id).toBe('pass');
    const skipped = ['uacce.queue.start_put', 'uacce.queue.restart', 'uacce.queue.instances', 'uacce.mmap.regions', 'uacce.mmap.remap', 'uacce.node.dev'];
    const dataPath = ['uacce.openaccel.commands', 'uacce.openaccel.fault', 'uacce.openaccel.restart', 'uacce.openaccel.poll'];
    for (const id of [...skipped, ...dataPath]) expect(by[id]?.status, id).toBe('skip');
    // The data path is the api's: a HiSilicon device is not driven by the OpenAccel user driver.
    for (const id of dataPath) expect(by[id]!.message, id).toContain('"hisi_qm_v3"');
    expect(by['uacce.sysfs.algorithms']!.facts).toEqual({ algorithms: 'deflate,gzip,zlib,lz77_zstd' });
    expect(r.profiles).toEqual([expect.objectContaining({ profile: 'uacce', verdict: 'conformant', skipped: skipped.length + dataPath.length })]);
    expect(formatNativeConsole(r)).toContain('uacce: conformant');
  });

  it('fails each broken attribute of a faulty device, with the rule\'s source', { timeout: RUN_MS }, async () => {
    const r = await runNativeConformance({ device: 'faulty_engine-0', sysfsRoot: join(fixtures, 'uacce-abi-faults') });
    const failed = r.tests.filter((t) => t.status === 'fail').map((t) => t.id).sort();
    expect(failed).toEqual(['uacce.sysfs.algorithms', 'uacce.sysfs.api', 'uacce.sysfs.flags', 'uacce.sysfs.isolation', 'uacce.sysfs.region_sizes']);
    const flags = r.tests.find((t) => t.id === 'uacce.sysfs.flags')!;
    expect(flags).toMatchObject({ expected: 'UACCE_DEV_SVA (bit 0) only', seen: '0x3' });
    expect(flags.source).toContain('Documentation/ABI/testing/sysfs-driver-uacce');
    expect(r.verdict).toBe('not-conformant');
    expect(r.profiles[0]!.failing.map((f) => f.id).sort()).toEqual(failed);
  });
});

describe('accelctl conformance run --device: which runner takes the node', () => {
  const zip = { device: 'hisi_zip-0', sysfsRoot: join(fixtures, 'two-socket-hbm') };

  it('leaves nodes that are not of another driver to the OpenAccel runner', async () => {
    expect(await nativeConformanceForCli({ device: '/dev/null', profiles: [], format: 'console' })).toBeUndefined();
  });

  it('runs the profiles of what the node is, as versioned JSON, exit 0 when conformant', { timeout: RUN_MS }, async () => {
    const a = await nativeConformanceForCli({ ...zip, profiles: [], format: 'json' });
    expect(a?.exit).toBe(0);
    expect(JSON.parse(a!.text!)).toMatchObject({ schema: 'openaccel-native-conformance/1', device: { kind: 'uacce' }, verdict: 'conformant' });
  });

  it('refuses what it cannot do with exit 2 and says why: OpenAccel profiles, formats other than console and json', async () => {
    expect(await nativeConformanceForCli({ ...zip, profiles: ['core'], format: 'console' })).toMatchObject({ exit: 2, error: expect.stringContaining('core is an OpenAccel profile') });
    expect(await nativeConformanceForCli({ ...zip, profiles: [], format: 'junit' })).toMatchObject({ exit: 2, error: expect.stringContaining('console or json') });
    expect(await nativeConformanceForCli({ device: '/dev/null', profiles: ['drm-core'], format: 'console' })).toMatchObject({ exit: 2 });
  });
});
