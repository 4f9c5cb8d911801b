import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@openaccel/capabilities';
import { addManifest, buildFromSysfs, chain, nearest, sharedMemory, TopologyGraph } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const fixture = (n: string) => join(repo, 'spec/sysfs/fixtures', n);
const ids = (xs: { device: { id: string } }[]) => xs.map((x) => x.device.id);

describe('two-socket server with HBM and UACCE engines', () => {
  const { graph, problems } = buildFromSysfs(fixture('two-socket-hbm'));

  it('builds without problems: NUMA nodes, openaccel and uacce devices, one shared HBM, two links', () => {
    expect(problems).toEqual([]);
    expect([...graph.numa.keys()]).toEqual([0, 1, 2, 3]);
    expect([...graph.devices.keys()].sort()).toEqual(['openaccel:accel0', 'openaccel:accel1', 'uacce:hisi_sec2-1', 'uacce:hisi_sec2-3', 'uacce:hisi_zip-0', 'uacce:hisi_zip-2']);
    expect([...graph.memories.values()].map((m) => [m.memKind, m.devices])).toEqual([['hbm', ['openaccel:accel0', 'openaccel:accel1']]]);
    expect(graph.links).toHaveLength(2);
  });

  it('nearest deflate to node 0 is the engine on socket 0, then by distance', () => {
    const r = nearest(graph, 'deflate', { numa: 0 });
    expect(ids(r.answers)).toEqual(['uacce:hisi_zip-0', 'uacce:hisi_zip-2', 'openaccel:accel0']);
    expect(r.answers.map((a) => a.distance)).toEqual([10, 21, 21]);
    expect(r.answers[0]!.reason).toEqual({ path: ['uacce:hisi_zip-0', 'numa:0', 'numa:0'], weights: { distance: 10, deviceNode: 0 }, text: 'hisi_zip-0 is on node 0; distance to node 0 is 10 (local)' });
  });

  it('ties on distance go to the device with more free queues', () => {
    const r = nearest(graph, 'deflate', { numa: 1 });
    expect(ids(r.answers).slice(0, 2)).toEqual(['uacce:hisi_zip-2', 'openaccel:accel0']);
  });

  it('a CPU resolves to its node; memory on a CPU-less HBM node is nearest to the device that owns it', () => {
    expect(ids(nearest(graph, 'deflate', { cpu: 20 }).answers)[0]).toBe('uacce:hisi_zip-2');
    const r = nearest(graph, 'deflate', { numa: 3 });
    expect(ids(r.answers)).toEqual(['openaccel:accel0', 'uacce:hisi_zip-2', 'uacce:hisi_zip-0']);
    expect(r.answers[0]!.reason.text).toBe("accel0's own hbm is node 3: local");
  });

  it('constraints reject devices and say why', () => {
    const sva = nearest(graph, 'deflate', { numa: 1 }, { features: ['sva'] });
    expect(ids(sva.answers)).toEqual(['uacce:hisi_zip-2', 'uacce:hisi_zip-0']);
    expect(sva.rejected).toEqual([{ device: 'openaccel:accel0', why: "lacks feature 'sva' (has dmabuf_import, dmabuf_export, device_memory, eventfd)" }]);
    const busy = nearest(graph, 'deflate', { numa: 0 }, { minFreeQueues: 251 });
    expect(ids(busy.answers)).toEqual(['uacce:hisi_zip-2']);
    expect(busy.rejected.map((r) => r.why)).toEqual(['64 free queues; 251 needed', '250 free queues; 251 needed']);
  });

  it('functions that share HBM: the two FPGA functions', () => {
    const r = sharedMemory(graph, 'deflate', 'aes_gcm_encrypt');
    expect(r.answers.map((a) => [a.a.id, a.b.id, a.memory.memKind])).toEqual([['openaccel:accel0', 'openaccel:accel1', 'hbm']]);
    expect(r.answers[0]!.reason.text).toBe('accel0 (deflate) and accel1 (aes_gcm_encrypt) both reach hbm 16 GiB of accel0, accel1');
    expect(sharedMemory(graph, 'deflate', 'aead').answers).toEqual([]);
  });

  it('chaining deflate into AES-GCM: shared memory first, then the p2p link', () => {
    const r = chain(graph, 'deflate', 'aes_gcm_encrypt');
    expect(r.answers.map((a) => [a.via, a.from.id, a.to.id])).toEqual([
      ['shared-memory', 'openaccel:accel0', 'openaccel:accel1'],
      ['p2p-link', 'openaccel:accel0', 'openaccel:accel1'],
    ]);
    expect(r.answers[1]!.reason.weights).toEqual({ bandwidthMBps: 25600, latencyNs: 150, linkKind: 'onchip' });
  });

  it('a function the device has twice over chains on the same device first', () => {
    const r = chain(graph, 'deflate', 'crc32c');
    expect(r.answers[0]).toMatchObject({ via: 'same-device', from: { id: 'openaccel:accel0' } });
    expect(r.answers[0]!.reason.text).toMatch(/OA_SQE_FENCE/);
  });

  it('refuses a CPU or node that does not exist, naming what does', () => {
    expect(() => nearest(graph, 'deflate', { cpu: 999 })).toThrow(/CPU 999 is in no NUMA node's cpulist/);
    expect(() => nearest(graph, 'deflate', { numa: 9 })).toThrow(/no NUMA node 9; nodes are 0, 1, 2, 3/);
  });
});

describe('workstation with XGMI-linked GPUs', () => {
  const { graph } = buildFromSysfs(fixture('kfd-xgmi-workstation'));

  it('GPUs come from the kfd topology once (their render nodes are not listed again), the NPU from the accel class', () => {
    expect([...graph.devices.keys()]).toEqual(['kfd:1', 'kfd:2', 'accel:accel0']);
    expect(graph.devices.get('kfd:1')).toMatchObject({ numa: 0, node: '/dev/dri/renderD128', model: 'aldebaran' });
    expect(graph.memories.get('kfd-mem:1/0')).toMatchObject({ memKind: 'hbm', sizeBytes: 64n * 1024n ** 3n });
  });

  it('GPU to GPU work chains over the XGMI p2p link', () => {
    const r = chain(graph, 'compute', 'compute');
    const links = r.answers.filter((a) => a.via === 'p2p-link');
    expect(links.map((a) => [a.from.id, a.to.id, a.link!.linkKind, a.link!.bandwidthMBps])).toEqual([
      ['kfd:1', 'kfd:2', 'xgmi', 100000],
      ['kfd:2', 'kfd:1', 'xgmi', 100000],
    ]);
  });
});

describe('missing data has defined behaviour', () => {
  it('a device of unknown NUMA node is ranked after known ones, with the reason', () => {
    const g = new TopologyGraph();
    g.addNuma({ numa: 0, cpus: [0, 1] }, new Map([[0, 10]]));
    g.addDevice({ id: 'x:a', name: 'a', source: 'openaccel', model: 'm', functions: ['nop'], numa: -1, features: [] });
    g.addDevice({ id: 'x:b', name: 'b', source: 'openaccel', model: 'm', functions: ['nop'], numa: 0, features: [] });
    const r = nearest(g, 'nop', { cpu: 1 });
    expect(r.answers.map((a) => [a.device.id, a.distance])).toEqual([
      ['x:b', 10],
      ['x:a', null],
    ]);
    expect(r.answers[1]!.reason.text).toBe("a's NUMA node is unknown (-1): ranked after every device of known distance");
  });

  it('without a distance table, only the same node is known', () => {
    const g = new TopologyGraph();
    g.addNuma({ numa: 0, cpus: [0] });
    g.addNuma({ numa: 1, cpus: [1] });
    g.addDevice({ id: 'x:far', name: 'far', source: 'openaccel', model: 'm', functions: ['nop'], numa: 1, features: [] });
    const r = nearest(g, 'nop', { numa: 0 });
    expect(r.answers[0]!.distance).toBeNull();
    expect(r.answers[0]!.reason.text).toMatch(/no distance is known between node 1 and node 0/);
  });
});

describe('manifests in the graph', () => {
  it('the FPGA manifest answers the chain query without hardware', () => {
    const m = JSON.parse(readFileSync(join(repo, 'spec/capabilities/examples/fpga-chain.json'), 'utf8')) as Manifest;
    const g = new TopologyGraph();
    addManifest(g, m);
    const r = chain(g, 'deflate', 'aes_gcm_decrypt');
    expect(r.answers.map((a) => [a.via, a.from.id, a.to.id])).toEqual([
      ['shared-memory', 'manifest:deflate', 'manifest:aesgcm'],
      ['p2p-link', 'manifest:deflate', 'manifest:aesgcm'],
    ]);
  });
});

describe("this machine's /sys", () => {
  it('builds a graph whose NUMA nodes hold every online CPU, without format problems', () => {
    const { graph, problems } = buildFromSysfs('/sys');
    expect(problems.filter((p) => p.kind === 'format')).toEqual([]);
    const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    if (graph.numa.size) expect(graph.numaOfCpu(0)).toBeDefined();
    expect(online.length).toBeGreaterThan(0);
  });
});
