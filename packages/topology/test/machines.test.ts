import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFromSysfs, nearest, sharedMemory } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const fixture = (n: string) => join(repo, 'spec/sysfs/fixtures', n);
const ids = (xs: { device: { id: string } }[]) => xs.map((x) => x.device.id);

describe('Grace-Hopper-like node: the GPU HBM is CPU-less node 1', () => {
  const { graph, problems } = buildFromSysfs(fixture('grace-hopper'));

  it('lists the GPU with its node and PCI place, and not the BMC VGA', () => {
    expect(problems).toEqual([]);
    expect([...graph.devices.keys()]).toEqual(['pci:0009:01:00.0']);
    const gpu = graph.devices.get('pci:0009:01:00.0')!;
    expect(gpu).toMatchObject({ source: 'pci', numa: 10, functions: ['compute'], model: 'NVIDIA 10de:2342 3d-controller, driver nvidia' });
    expect(gpu.pci).toMatchObject({ address: '0009:01:00.0', kind: '3d-controller', driver: 'nvidia', hostBridge: 'pci0009:00', bridges: ['0009:00:00.0'] });
  });

  it('attaches node 1 to the GPU as its HBM; the empty partition nodes stay unattached', () => {
    expect([...graph.memories.values()].map((m) => [m.id, m.memKind, m.sizeBytes, m.numa, m.devices])).toEqual([['numa-mem:1', 'hbm', 96n << 30n, 1, ['pci:0009:01:00.0']]]);
    expect(graph.numa.get(0)).toMatchObject({ memKind: 'ddr', memoryTier: 4 });
    expect(graph.numa.get(1)).toMatchObject({ memKind: 'hbm', memoryTier: 4 });
    expect(graph.numa.get(5)!.memKind).toBeUndefined();
  });

  it('"nearest my memory": from node 1 the GPU is local through its own HBM; from a CPU it is 80 away', () => {
    const r = nearest(graph, 'compute', { numa: 1 });
    expect(r.answers.map((a) => [a.device.id, a.distance, a.reason.text])).toEqual([['pci:0009:01:00.0', 10, "0009:01:00.0's own hbm is node 1: local"]]);
    expect(nearest(graph, 'compute', { cpu: 3 }).answers[0]!.distance).toBe(80);
  });

  it('"share memory": the GPU reaches its HBM', () => {
    const r = sharedMemory(graph, 'compute', 'compute');
    expect(r.answers.map((a) => [a.a.id, a.memory.id])).toEqual([['pci:0009:01:00.0', 'numa-mem:1']]);
  });
});

describe('Grace-Hopper-like node whose GPU driver also shows a DRM render node', () => {
  const root = mkdtempSync(join(tmpdir(), 'oa-gh-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the HBM goes to the render node the GPU is, and the GPU is not listed a second time', () => {
    cpSync(fixture('grace-hopper'), root, { recursive: true, verbatimSymlinks: true });
    const gpu = 'devices/pci0009:00/0009:00:00.0/0009:01:00.0';
    mkdirSync(join(root, gpu, 'drm/renderD128'), { recursive: true });
    writeFileSync(join(root, gpu, 'drm/renderD128/dev'), '226:128\n');
    symlinkSync('../..', join(root, gpu, 'drm/renderD128/device'));
    mkdirSync(join(root, 'class/drm'), { recursive: true });
    symlinkSync(`../../${gpu}/drm/renderD128`, join(root, 'class/drm/renderD128'));
    const { graph, problems } = buildFromSysfs(root);
    expect(problems).toEqual([]);
    expect([...graph.devices.keys()]).toEqual(['drm:renderD128']);
    expect(graph.devices.get('drm:renderD128')!.pci?.address).toBe('0009:01:00.0');
    expect([...graph.memories.values()].map((m) => [m.numa, m.memKind, m.devices])).toEqual([[1, 'hbm', ['drm:renderD128']]]);
    expect(nearest(graph, 'compute', { numa: 1 }).answers[0]!.reason.text).toBe("renderD128's own hbm is node 1: local");
  });
});

describe('POWER9 + NVLink: each V100 owns one CPU-less node', () => {
  const { graph, problems } = buildFromSysfs(fixture('power9-nvlink'));

  it('lists the four GPUs on their sockets, not the NVLink bridges nor the BMC VGA', () => {
    expect(problems).toEqual([]);
    expect([...graph.devices.values()].map((d) => [d.id, d.numa])).toEqual([
      ['pci:0004:04:00.0', 0],
      ['pci:0004:05:00.0', 0],
      ['pci:0035:03:00.0', 8],
      ['pci:0035:04:00.0', 8],
    ]);
  });

  it('attaches each memory node to its GPU as device memory (the device tree does not say it is HBM)', () => {
    expect([...graph.memories.values()].map((m) => [m.numa, m.memKind, m.devices])).toEqual([
      [255, 'device-memory', ['pci:0004:04:00.0']],
      [254, 'device-memory', ['pci:0004:05:00.0']],
      [253, 'device-memory', ['pci:0035:03:00.0']],
      [252, 'device-memory', ['pci:0035:04:00.0']],
    ]);
    expect(graph.numa.get(253)!.memKind).toBe('device-memory');
    expect(graph.numa.get(0)!.memKind).toBe('ddr');
  });

  it('"nearest my memory" on node 253 is the GPU that owns it, then the rest by distance', () => {
    const r = nearest(graph, 'compute', { numa: 253 });
    expect(ids(r.answers)).toEqual(['pci:0035:03:00.0', 'pci:0004:04:00.0', 'pci:0004:05:00.0', 'pci:0035:04:00.0']);
    expect(r.answers.map((a) => a.distance)).toEqual([10, 80, 80, 80]);
  });

  it('nearest to a CPU of socket 8 puts that socket\'s GPUs first', () => {
    expect(ids(nearest(graph, 'compute', { cpu: 100 }).answers)).toEqual(['pci:0035:03:00.0', 'pci:0035:04:00.0', 'pci:0004:04:00.0', 'pci:0004:05:00.0']);
  });
});

describe('a server with PCI accelerators and no drivers bound', () => {
  const { graph, problems } = buildFromSysfs(fixture('pci-no-drivers'));

  it('lists each accelerator with its node and "no driver"; the Matrox BMC VGA and the NIC are not accelerators', () => {
    expect(problems).toEqual([]);
    expect([...graph.devices.values()].map((d) => [d.id, d.numa, d.pci?.driver, d.model])).toEqual([
      ['pci:0000:19:00.0', 0, undefined, '1da3:1020 processing-accelerator, no driver'],
      ['pci:0000:1a:00.0', 0, undefined, 'Intel 8086:2250 co-processor, no driver'],
      ['pci:0000:98:00.0', 1, undefined, 'NVIDIA 10de:2331 3d-controller, no driver'],
      ['pci:0000:b8:00.0', 1, undefined, 'AMD 1002:740f display, no driver'],
    ]);
  });

  it('tells DRAM from NVM: nodes 2 and 3 are persistent memory in tier 22, no device owns them', () => {
    expect([...graph.numa.values()].map((n) => [n.numa, n.memKind, n.memoryTier])).toEqual([
      [0, 'ddr', 4],
      [1, 'ddr', 4],
      [2, 'nvm', 22],
      [3, 'nvm', 22],
    ]);
    expect(graph.memories.size).toBe(0);
  });

  it('nearest to CPU 30 (node 1) ranks the socket-1 devices first', () => {
    const r = nearest(graph, 'compute', { cpu: 30 });
    expect(r.answers.map((a) => a.distance)).toEqual([10, 10, 21, 21]);
    // Ties are ordered by the query index's name rank; which comes first within a tie is not the point here.
    expect(ids(r.answers).slice(0, 2).sort()).toEqual(['pci:0000:98:00.0', 'pci:0000:b8:00.0']);
  });
});

describe('functions a class already shows are not listed twice', () => {
  it('two-socket-hbm: the UACCE engines and the FPGA behind the openaccel devices stay as they were', () => {
    const { graph } = buildFromSysfs(fixture('two-socket-hbm'));
    expect([...graph.devices.keys()].sort()).toEqual(['openaccel:accel0', 'openaccel:accel1', 'uacce:hisi_sec2-1', 'uacce:hisi_sec2-3', 'uacce:hisi_zip-0', 'uacce:hisi_zip-2']);
    expect(graph.devices.get('uacce:hisi_zip-2')!.pci).toMatchObject({ address: '0000:b5:00.0', kind: 'processing-accelerator' });
    expect(graph.devices.get('openaccel:accel0')!.pci?.address).toBe('0000:d8:00.0');
  });

  it('kfd-xgmi-workstation: GPUs through kfd and the NPU through accel get their PCI place, and no pci: duplicates', () => {
    const { graph } = buildFromSysfs(fixture('kfd-xgmi-workstation'));
    expect([...graph.devices.keys()]).toEqual(['kfd:1', 'kfd:2', 'accel:accel0']);
    expect(graph.devices.get('kfd:2')!.pci?.address).toBe('0000:83:00.0');
    expect(graph.devices.get('accel:accel0')!.pci?.address).toBe('0000:00:0b.0');
  });
});

describe('problems of a broken tree', () => {
  it('each broken attribute is reported once: the memory pass does not report the NUMA files again', () => {
    const { problems } = buildFromSysfs(fixture('garbage'));
    const files = problems.map((p) => p.file);
    expect(files).toContain('devices/system/node/node1/cpulist');
    expect(new Set(files).size).toBe(files.length);
  });
});
