import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cpuList,
  readAccelClass,
  readDrmRenderNodes,
  readKfdTopology,
  readNumaNodes,
  readOpenAccelClass,
  readPciDevices,
  readUacceClass,
  SysfsTree,
  writeOpenAccelAttribute,
  writeOpenAccelDevice,
  type OpenAccelDevice,
} from '../src/index.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

describe('two-socket server with HBM nodes and UACCE engines on both sockets', () => {
  const tree = new SysfsTree(fixture('two-socket-hbm'));

  it('reads NUMA nodes, CPU-less HBM nodes and the distance matrix', () => {
    const nodes = readNumaNodes(tree);
    expect(nodes.map((n) => n.id)).toEqual([0, 1, 2, 3]);
    expect(nodes[0]!.cpus).toHaveLength(16);
    expect(nodes[2]!.cpus).toEqual([]);
    expect(nodes[2]!.memTotalBytes).toBe(64n * 1024n ** 3n);
    expect(nodes[0]!.distances.get(2)).toBe(13);
    expect(nodes[1]!.distances.get(3)).toBe(13);
  });

  it('reads UACCE devices with their NUMA node, PCI parent and algorithms', () => {
    const devs = readUacceClass(tree);
    expect(devs.map((d) => [d.name, d.numaNode])).toEqual([
      ['hisi_sec2-1', 0],
      ['hisi_sec2-3', 1],
      ['hisi_zip-0', 0],
      ['hisi_zip-2', 1],
    ]);
    const zip = devs.find((d) => d.name === 'hisi_zip-0')!;
    expect(zip).toMatchObject({ api: 'hisi_qm_v3', flags: 1, availableInstances: 250, isolate: 0, pciAddress: '0000:75:00.0', node: '/dev/hisi_zip-0' });
    expect(zip.algorithms).toEqual(['deflate', 'gzip', 'zlib', 'lz77_zstd']);
  });

  it('reads PCI accelerators with class and NUMA node', () => {
    const pci = readPciDevices(tree);
    expect(pci.find((p) => p.address === '0000:b5:00.0')).toEqual({ address: '0000:b5:00.0', vendorId: 0x19e5, deviceId: 0xa250, classCode: 0x120000, numaNode: 1 });
  });

  it('reads the openaccel class: shared HBM and a peer link', () => {
    const { devices, problems } = readOpenAccelClass(fixture('two-socket-hbm'));
    expect(problems).toEqual([]);
    expect(devices.map((d) => d.name)).toEqual(['accel0', 'accel1']);
    const a0 = devices[0]!;
    expect(a0.memories).toEqual([{ index: 0, kind: 'hbm', sizeBytes: 16n * 1024n ** 3n, numaNode: 3, sharedWith: ['accel1'], cpuVisible: true }]);
    expect(a0.links[0]).toEqual({ index: 0, peer: 'accel1', kind: 'onchip', bandwidthMBps: 25600, latencyNs: 150, coherent: true, p2p: true });
    expect(a0.vendorId).toBe(0x10ee);
    expect(a0.dev).toBe('241:0');
    expect(a0.functions).toContain('deflate');
  });
});

describe('workstation with two XGMI-linked GPUs (amdkfd) and an NPU (accel class)', () => {
  const tree = new SysfsTree(fixture('kfd-xgmi-workstation'));

  it('reads kfd nodes, memory banks and directed io_links', () => {
    const kfd = readKfdTopology(tree);
    expect(kfd.generationId).toBe(2n);
    expect(kfd.nodes.map((n) => [n.id, n.gpuId])).toEqual([
      [0, 0],
      [1, 53767],
      [2, 2714],
    ]);
    const gpu = kfd.nodes[1]!;
    expect(gpu.memBanks).toEqual([{ heapType: 1, sizeBytes: 64n * 1024n ** 3n, widthBits: 4096 }]);
    expect(gpu.ioLinks.find((l) => l.type === 11)).toEqual({ type: 11, nodeFrom: 1, nodeTo: 2, weight: 15, minLatencyNs: 0, maxBandwidthMBps: 100000, p2p: true });
    expect(gpu.properties.get('hive_id')).toBe(6134557127359528281n);
  });

  it('reads render nodes and accel devices with their PCI parents', () => {
    expect(readDrmRenderNodes(tree).map((d) => [d.name, d.pciAddress, d.numaNode])).toEqual([
      ['renderD128', '0000:03:00.0', 0],
      ['renderD129', '0000:83:00.0', 0],
    ]);
    expect(readAccelClass(tree)).toEqual([{ name: 'accel0', node: '/dev/accel/accel0', pciAddress: '0000:00:0b.0', vendorId: 0x8086, deviceId: 0x7e4c, numaNode: 0 }]);
  });
});

describe('a tree with garbage attributes', () => {
  it('reports each broken attribute by file and keeps discovering the rest', () => {
    const { devices, problems } = readOpenAccelClass(fixture('garbage'));
    expect(devices.map((d) => d.name)).toEqual(['accel0', 'accel3']);
    expect(devices[1]!.memories.map((m) => m.index)).toEqual([0]);
    const byFile = new Map(problems.map((p) => [p.file, p]));
    expect(byFile.get('class/openaccel/accel1/numa_node')).toMatchObject({ kind: 'format', found: 'zero' });
    expect(byFile.get('class/openaccel/accel2/caps')?.expected).toMatch(/space-separated words from: sva/);
    expect(byFile.get('class/openaccel/accel3/memories/1/kind')).toMatchObject({ kind: 'format', found: 'dram' });
    expect(byFile.get('class/openaccel/accel4/max_queues')?.expected).toMatch(/ending in a newline/);
    expect(byFile.get('class/openaccel/accel5/functions')).toMatchObject({ kind: 'missing' });
  });

  it('keeps a NUMA node whose cpulist is broken, with the problem recorded', () => {
    const tree = new SysfsTree(fixture('garbage'));
    const nodes = readNumaNodes(tree);
    expect(nodes.map((n) => n.id)).toEqual([0, 1]);
    expect(tree.problems.map((p) => p.file)).toContain('devices/system/node/node1/cpulist');
  });
});

describe('openaccel writer', () => {
  const device: OpenAccelDevice = {
    name: 'accel7',
    apiVersion: { major: 1, minor: 0 },
    model: 'refdev',
    caps: ['sva', 'eventfd'],
    functions: ['nop', 'copy'],
    maxQueues: 8,
    freeQueues: 8,
    maxSqEntries: 1024,
    maxCqEntries: 1024,
    maxTransferBytes: 1 << 20,
    sqeSize: 64,
    cqeSize: 16,
    doorbellSize: 4096,
    numaNode: -1,
    pasidBits: 20,
    memories: [{ index: 0, kind: 'ddr', sizeBytes: 1n << 30n, numaNode: 0, sharedWith: [], cpuVisible: true }],
    links: [],
  };

  it('publishes a tree the reader reads back identically, and updates one attribute', () => {
    const root = mkdtempSync(join(tmpdir(), 'oa-sysfs-'));
    try {
      writeOpenAccelDevice(root, device);
      expect(readOpenAccelClass(root)).toEqual({ devices: [device], problems: [] });
      writeOpenAccelAttribute(root, 'accel7', 'free_queues', 5);
      expect(readOpenAccelClass(root).devices[0]!.freeQueues).toBe(5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("this machine's /sys", () => {
  it('reads NUMA nodes whose CPUs are exactly the online CPUs, and PCI devices, without format problems', () => {
    const tree = new SysfsTree('/sys');
    const nodes = readNumaNodes(tree);
    const pci = readPciDevices(tree);
    expect(tree.problems.filter((p) => p.kind === 'format')).toEqual([]);
    if (nodes.length > 0) {
      const online = tree.read('devices/system/cpu/online', cpuList, true)!;
      expect(nodes.flatMap((n) => n.cpus).sort((a, b) => a - b)).toEqual(online);
      for (const n of nodes) expect(n.distances.get(n.id)).toBe(10);
    }
    for (const p of pci) expect(p.address).toMatch(/^[0-9a-f]{4}:/);
  });
});
