import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  memoryTechnology,
  pciAcceleratorKind,
  readDeviceTreeGpuMemory,
  readNodeMemory,
  readPciAccelerators,
  SysfsTree,
} from '../src/index.js';

const fixture = (name: string) => new SysfsTree(join(import.meta.dirname, '..', 'fixtures', name));

describe('PCI functions that are accelerators by class', () => {
  it.each([
    [0x1da3, 0x120000, 'processing-accelerator'],
    [0x19e5, 0x120000, 'processing-accelerator'],
    [0x8086, 0x0b4000, 'co-processor'],
    [0x10de, 0x030200, '3d-controller'],
    [0x10de, 0x030000, 'vga'],
    [0x1002, 0x038000, 'display'],
    [0x1a03, 0x030000, undefined], // ASPEED BMC
    [0x102b, 0x030000, undefined], // Matrox BMC
    [0x1a03, 0x030200, undefined],
    [0x8086, 0x020000, undefined], // a NIC
    [0x1014, 0x068000, undefined], // an NVLink bridge
    [0x8086, 0x0b2000, undefined], // a co-processor class but not 0x0b40
  ])('vendor %s class %s is %s', (vendor, cls, kind) => {
    expect(pciAcceleratorKind(vendor, cls)).toBe(kind);
  });

  it('lists the server without drivers: every accelerator with node, no driver, host bridge, bridges and local CPUs', () => {
    const tree = fixture('pci-no-drivers');
    const acc = readPciAccelerators(tree);
    expect(tree.problems).toEqual([]);
    expect(acc.map((a) => [a.address, a.kind, a.numaNode, a.driver])).toEqual([
      ['0000:19:00.0', 'processing-accelerator', 0, undefined],
      ['0000:1a:00.0', 'co-processor', 0, undefined],
      ['0000:98:00.0', '3d-controller', 1, undefined],
      ['0000:b8:00.0', 'display', 1, undefined],
    ]);
    const gaudi = acc[0]!.locality;
    expect(gaudi.hostBridge).toBe('pci0000:16');
    expect(gaudi.bridges).toEqual(['0000:16:01.0', '0000:17:00.0', '0000:18:00.0']);
    expect(gaudi.localCpus).toHaveLength(56);
    // The co-processor sits behind the same switch (0000:17:00.0), on another downstream port.
    expect(acc[1]!.locality.bridges.slice(0, 2)).toEqual(gaudi.bridges.slice(0, 2));
  });

  it('names the bound driver and leaves out the BMC VGA', () => {
    const acc = readPciAccelerators(fixture('grace-hopper'));
    expect(acc.map((a) => [a.address, a.kind, a.numaNode, a.driver])).toEqual([['0009:01:00.0', '3d-controller', 10, 'nvidia']]);
  });
});

describe('what each NUMA node holds', () => {
  it('Grace-Hopper-like: DRAM on the CPU node, HBM by its HMAT bandwidth, a generic initiator node for the GPU', () => {
    const nodes = readNodeMemory(fixture('grace-hopper'));
    const n = (id: number) => nodes.find((x) => x.id === id)!;
    expect(n(1).access0).toEqual({ initiators: [10], readBandwidthMBps: 3800000, writeBandwidthMBps: 3800000, readLatencyNs: 300, writeLatencyNs: 300 });
    expect(n(1).access1?.initiators).toEqual([0]);
    expect(n(10).genericInitiator).toBe(true);
    expect(n(0).genericInitiator).toBe(false);
    expect(memoryTechnology(n(0), nodes)?.kind).toBe('ddr');
    expect(memoryTechnology(n(1), nodes)).toEqual({ kind: 'hbm', because: "HMAT read bandwidth 3800000 MiB/s, at least 2x the DRAM nodes' 460000" });
    expect(n(5).memTotalBytes).toBe(0n);
  });

  it('persistent memory onlined by device-dax kmem is NVM in a slower tier', () => {
    const nodes = readNodeMemory(fixture('pci-no-drivers'));
    expect(nodes.map((n) => [n.id, n.memoryTier, n.daxSource, memoryTechnology(n, nodes)?.kind])).toEqual([
      [0, 4, undefined, 'ddr'],
      [1, 4, undefined, 'ddr'],
      [2, 22, 'nvdimm', 'nvm'],
      [3, 22, 'nvdimm', 'nvm'],
    ]);
  });

  it('a CPU-less node with nothing that decides has no technology (two-socket-hbm has no HMAT)', () => {
    const nodes = readNodeMemory(fixture('two-socket-hbm'));
    expect(memoryTechnology(nodes[2]!, nodes)).toBeUndefined();
  });
});

describe('POWER9 NVLink: the device tree ties each GPU to its memory node', () => {
  it('reads the four GPUs and their nodes through the NVLink bridges', () => {
    const mem = readDeviceTreeGpuMemory(fixture('power9-nvlink'));
    expect(mem.map((m) => [m.gpu, m.numaNode, m.sizeBytes])).toEqual([
      ['0004:04:00.0', 255, 16n << 30n],
      ['0004:05:00.0', 254, 16n << 30n],
      ['0035:03:00.0', 253, 16n << 30n],
      ['0035:04:00.0', 252, 16n << 30n],
    ]);
  });

  describe('hostile device trees', () => {
    const root = mkdtempSync(join(tmpdir(), 'oa-dt-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const put = (rel: string, content: string | Buffer) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), content);
    };
    const cell = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

    it('a phandle of the wrong size, a short reg or a region in no node gives nothing, and reads stay bounded', () => {
      put('firmware/devicetree/base/gpu/phandle', cell(1));
      put('firmware/devicetree/base/npu/ibm,gpu', cell(1));
      put('firmware/devicetree/base/npu/memory-region', Buffer.alloc(4096, 1)); // not a phandle
      put('firmware/devicetree/base/memory@0/phandle', cell(2));
      put('firmware/devicetree/base/memory@0/reg', Buffer.alloc(8));
      put('devices/system/memory/block_size_bytes', '10000000\n');
      for (const [a, cls] of [['0000:01:00.0', '0x030200'], ['0000:02:00.0', '0x068000']] as const) {
        put(`devices/pci0000:00/${a}/vendor`, a.startsWith('0000:01') ? '0x10de\n' : '0x1014\n');
        put(`devices/pci0000:00/${a}/device`, '0x1db1\n');
        put(`devices/pci0000:00/${a}/class`, `${cls}\n`);
        mkdirSync(join(root, 'bus/pci/devices'), { recursive: true });
        symlinkSync(join(root, 'devices/pci0000:00', a), join(root, 'bus/pci/devices', a));
      }
      symlinkSync(join(root, 'firmware/devicetree/base/gpu'), join(root, 'devices/pci0000:00/0000:01:00.0/of_node'));
      symlinkSync(join(root, 'firmware/devicetree/base/npu'), join(root, 'devices/pci0000:00/0000:02:00.0/of_node'));
      expect(readDeviceTreeGpuMemory(new SysfsTree(root))).toEqual([]);
      put('firmware/devicetree/base/npu/memory-region', cell(2));
      expect(readDeviceTreeGpuMemory(new SysfsTree(root))).toEqual([]); // reg too short
      const reg = Buffer.alloc(16);
      reg.writeBigUInt64BE(0x20000000n);
      reg.writeBigUInt64BE(0x10000000n, 8);
      put('firmware/devicetree/base/memory@0/reg', reg);
      expect(readDeviceTreeGpuMemory(new SysfsTree(root))).toEqual([]); // block 2 is in no node
      mkdirSync(join(root, 'devices/system/node/node7/memory2'), { recursive: true });
      expect(readDeviceTreeGpuMemory(new SysfsTree(root))).toEqual([{ gpu: '0000:01:00.0', numaNode: 7, address: 0x20000000n, sizeBytes: 0x10000000n }]);
    });
  });
});

describe("this machine's /sys", () => {
  it('reads PCI accelerators and node memory without format problems; every accelerator has a kind and an address', () => {
    const tree = new SysfsTree('/sys');
    const acc = readPciAccelerators(tree);
    const nodes = readNodeMemory(tree);
    readDeviceTreeGpuMemory(tree);
    expect(tree.problems.filter((p) => p.kind === 'format')).toEqual([]);
    for (const a of acc) expect(pciAcceleratorKind(a.vendorId, a.classCode)).toBe(a.kind);
    for (const n of nodes) if (n.cpus.length > 0) expect(memoryTechnology(n, nodes)?.kind).toMatch(/^(ddr|nvm|cxl)$/);
  });
});
