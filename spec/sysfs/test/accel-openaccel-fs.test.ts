import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SysfsTree, readAccelClass, readAccelOpenAccelDevices } from '../src/index.js';

const fixture = (name: string) => new SysfsTree(join(import.meta.dirname, '..', 'fixtures', name));

describe('OpenAccel 2.0 devices in the accel layout', () => {
  it('reads a kernel-like tree: attributes, memories with peers from symlinks, links to peers, the PCI parent', () => {
    const tree = fixture('accel-openaccel-2');
    const devices = readAccelOpenAccelDevices(tree);
    expect(tree.problems.map((p) => p.message)).toEqual([]);
    expect(devices.map((d) => d.name)).toEqual(['accel0', 'accel1']); // accel2 is an accel device of another driver
    const [a0, a1] = devices;
    expect(a0).toMatchObject({ apiVersion: { major: 2, minor: 0 }, model: 'fpga-deflate', freeQueues: 60, pageSize: 4096, cacheLineSize: 64, numOpcodes: 9, numaNode: 1, vendorId: 0x10ee, deviceId: 0x5048, parent: '0000:d8:00.0' });
    expect(a0!.caps).toContain('syncobj_timeline');
    expect(a0!.memories).toEqual([{ index: 0, kind: 'hbm', sizeBytes: 16n << 30n, allocAlign: 4096, numaNode: 3, cpuVisible: true, sharedWith: ['accel1'] }]);
    expect(a0!.links).toEqual([{ index: 0, peer: 'accel1', kind: 'onchip', bandwidthMBps: 25600, latencyNs: 150, coherent: true, p2p: true }]);
    expect(a1!.memories[0]!.sharedWith).toEqual(['accel0']);
    expect(a1!.parent).toBe('0000:d8:00.1');
    expect(readAccelClass(tree).map((a) => a.name)).toEqual(['accel0', 'accel1', 'accel2']);
  });

  it('reads the plain directories refdev writes beside its 1.0 class', () => {
    const tree = fixture('refdev-both-layouts');
    const devices = readAccelOpenAccelDevices(tree);
    expect(tree.problems).toEqual([]);
    expect(devices.map((d) => [d.name, d.model, d.parent, d.links[0]?.peer, d.memories[0]?.sharedWith])).toEqual([
      ['accel0', 'fpga-deflate', undefined, 'accel1', ['accel1']],
      ['accel1', 'fpga-aes-gcm', undefined, 'accel0', ['accel0']],
    ]);
  });

  it('a hostile tree: each bad peer link or memory is a problem, the rest of the device is read', () => {
    const tree = fixture('accel-openaccel-2-broken');
    const [a0, a1] = readAccelOpenAccelDevices(tree);
    expect(a0!.memories.map((m) => [m.index, m.sharedWith])).toEqual([[0, ['accel1']]]);
    expect(a0!.links.map((l) => [l.index, l.peer])).toEqual([[0, 'accel1']]);
    expect(a1!.memories).toEqual([]);
    const problems = tree.problems.map((p) => [p.kind, p.file.replace('class/accel/accel0/openaccel/', '')]);
    expect(problems).toEqual([
      ['format', 'memories/0/shared_with/accel9'], // a file, not a symlink
      ['format', 'memories/1/kind'],
      ['format', 'links/1/peer'], // points at devices/system/node
      ['missing', 'links/2/peer'],
    ]);
    expect(tree.problems[2]!.message).toContain('a symlink to an accel device');
  });

  it('an accel device without the openaccel directory is not an OpenAccel device', () => {
    const tree = fixture('kfd-xgmi-workstation');
    expect(readAccelOpenAccelDevices(tree)).toEqual([]);
    expect(tree.problems).toEqual([]);
  });
});
