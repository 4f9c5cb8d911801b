// OpenAccel 2.0 devices in the accel layout: discovered with their memories and links, one vertex per device
// when refdev publishes both layouts, and the accel devices of other drivers still listed as accel devices.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFromSysfs, chain, nearest, sharedMemory } from '../src/index.js';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', '..', 'spec', 'sysfs', 'fixtures', name);

describe('a 2.0 kernel driver (class/accel/accelN/openaccel)', () => {
  const { graph: g, problems } = buildFromSysfs(fixture('accel-openaccel-2'));

  it('lists the OpenAccel devices with their /dev/accel nodes, and the NPU of another driver as an accel device', () => {
    expect(problems.map((p) => p.message)).toEqual([]);
    expect([...g.devices.values()].map((d) => [d.id, d.source, d.model, d.numa, d.node])).toEqual([
      ['openaccel:accel0', 'openaccel', 'fpga-deflate', 1, '/dev/accel/accel0'],
      ['openaccel:accel1', 'openaccel', 'fpga-aes-gcm', 1, '/dev/accel/accel1'],
      ['accel:accel2', 'accel', 'pci 8086:7e4c', 0, '/dev/accel/accel2'],
    ]);
    const a0 = g.devices.get('openaccel:accel0')!;
    expect(a0.uapi).toEqual([{ version: '2.0', node: '/dev/accel/accel0' }]);
    expect(a0).toMatchObject({ freeQueues: 60, features: expect.arrayContaining(['syncobj_timeline']) });
    expect(a0.pasidBits).toBeUndefined();
    expect(a0.pci?.address).toBe('0000:d8:00.0'); // its PCI function, not listed again as a device without a driver
  });

  it('one vertex for the HBM both reach (peers from symlinks), a link each way', () => {
    expect([...g.memories.values()].filter((m) => m.id.startsWith('openaccel-mem:')).map((m) => [m.label, m.numa, m.devices])).toEqual([['hbm 16 GiB of accel0, accel1', 3, ['openaccel:accel0', 'openaccel:accel1']]]);
    expect(g.links.map((l) => [l.from, l.to, l.linkKind, l.p2p])).toEqual([
      ['openaccel:accel0', 'openaccel:accel1', 'onchip', true],
      ['openaccel:accel1', 'openaccel:accel0', 'onchip', true],
    ]);
  });

  it('the three queries answer over 2.0 devices', () => {
    expect(nearest(g, 'deflate', { numa: 3 }).answers[0]!.reason.text).toBe("accel0's own hbm is node 3: local");
    expect(sharedMemory(g, 'deflate', 'aes_gcm_encrypt').answers.map((a) => a.reason.text)).toEqual(['accel0 (deflate) and accel1 (aes_gcm_encrypt) both reach hbm 16 GiB of accel0, accel1']);
    expect(chain(g, 'deflate', 'aes_gcm_encrypt').answers.map((a) => `${a.via} ${a.from.id}>${a.to.id}`)).toEqual(['shared-memory openaccel:accel0>openaccel:accel1', 'p2p-link openaccel:accel0>openaccel:accel1']);
  });
});

describe('refdev: the same devices in the 1.0 class and the 2.0 accel layout', () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('each device is one vertex, reachable at both nodes; memories and links are not doubled', () => {
    const { graph: g, problems } = buildFromSysfs(fixture('refdev-both-layouts'), { devRoot: '/run/refdev/dev' });
    expect(problems).toEqual([]);
    expect([...g.devices.keys()]).toEqual(['openaccel:accel0', 'openaccel:accel1']);
    const a0 = g.devices.get('openaccel:accel0')!;
    expect(a0.node).toBe('/run/refdev/dev/openaccel/accel0'); // 1.0 clients keep finding it where they did
    expect(a0.uapi).toEqual([
      { version: '2.0', node: '/run/refdev/dev/accel/accel0' },
      { version: '1.0', node: '/run/refdev/dev/openaccel/accel0' },
    ]);
    expect(a0.pasidBits).toBe(0);
    expect([...g.memories.values()].map((m) => m.devices)).toEqual([['openaccel:accel0', 'openaccel:accel1']]);
    expect(g.links).toHaveLength(2);
    expect(chain(g, 'deflate', 'aes_gcm_encrypt').answers.map((a) => a.via)).toEqual(['shared-memory', 'p2p-link']);
  });

  it('a 1.0 device that only shares a name with a 2.0 device is a device of its own', () => {
    scratch = mkdtempSync(join(tmpdir(), 'topology-accel-'));
    cpSync(fixture('refdev-both-layouts'), scratch, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(scratch, 'class/openaccel/accel0/model'), 'other-card\n');
    const { graph: g } = buildFromSysfs(scratch);
    expect([...g.devices.keys()]).toEqual(['openaccel:accel0', 'openaccel:accel1', 'openaccel-1.0:accel0']);
    expect(g.devices.get('openaccel-1.0:accel0')).toMatchObject({ model: 'other-card', node: '/dev/openaccel/accel0' });
    expect(g.devices.get('openaccel:accel0')!.uapi).toEqual([{ version: '2.0', node: '/dev/accel/accel0' }]);
  });
});
