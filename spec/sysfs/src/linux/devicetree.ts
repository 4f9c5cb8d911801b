/**
 * Coherent GPU memory described by the device tree (POWER9 with NVLink 2.0). Each NVLink bridge function
 * (an NPU, IBM 0x04ea) has an `of_node` with `ibm,gpu`, the phandle of its GPU's device-tree node, and
 * `memory-region`, the phandle of the `memory@...` node of that GPU's memory; Linux onlines that memory
 * as a CPU-less NUMA node. Its memory blocks (devices/system/memory, Documentation/admin-guide/mm/memory-hotplug.rst)
 * appear as nodeN/memoryM links, which tells which node holds the region's first block.
 */
import { readBoundedFile } from '../tree.js';
import { SysfsTree } from '../tree.js';
import { readPciDevices } from './pci.js';

const DT_BASE = 'firmware/devicetree/base';

/** A big-endian 32-bit cell property (a phandle); undefined when absent or not 4 bytes. */
function readPhandle(tree: SysfsTree, rel: string): number | undefined {
  try {
    const b = readBoundedFile(tree.path(rel), 8);
    return b.length === 4 ? b.readUInt32BE(0) : undefined;
  } catch {
    return undefined;
  }
}

/** The first (address, size) pair of a `reg` of two-cell addresses and sizes (the root node's layout on powernv). */
function readReg(tree: SysfsTree, rel: string): { address: bigint; size: bigint } | undefined {
  try {
    const b = readBoundedFile(tree.path(rel), 256);
    return b.length >= 16 && b.length % 16 === 0 ? { address: b.readBigUInt64BE(0), size: b.readBigUInt64BE(8) } : undefined;
  } catch {
    return undefined;
  }
}

/** devices/system/memory/block_size_bytes: hexadecimal without 0x (drivers/base/memory.c). */
function readBlockSize(tree: SysfsTree): bigint | undefined {
  const s = tree.raw('devices/system/memory/block_size_bytes', 'hexadecimal block size');
  return s !== undefined && /^[0-9a-f]{1,16}\n$/.test(s) ? BigInt(`0x${s.trim()}`) : undefined;
}

export interface DeviceTreeGpuMemory {
  /** PCI address of the GPU. */
  gpu: string;
  /** The NUMA node holding the GPU's memory. */
  numaNode: number;
  address: bigint;
  sizeBytes: bigint;
}

/** GPU memory regions the device tree ties to PCI GPUs through their NVLink bridges, one per GPU. */
export function readDeviceTreeGpuMemory(tree: SysfsTree): DeviceTreeGpuMemory[] {
  if (!tree.exists(DT_BASE)) return [];
  const pci = readPciDevices(tree);
  const byPhandle = new Map<number, string>();
  for (const p of pci) {
    const ph = readPhandle(tree, `bus/pci/devices/${p.address}/of_node/phandle`);
    if (ph !== undefined) byPhandle.set(ph, p.address);
  }
  const memoryNodes = new Map<number, string>();
  for (const m of tree.list(DT_BASE, /^memory@[0-9a-f]+$/)) {
    const ph = readPhandle(tree, `${DT_BASE}/${m}/phandle`);
    if (ph !== undefined) memoryNodes.set(ph, m);
  }
  const blockSize = readBlockSize(tree);
  const nodes = tree.list('devices/system/node', /^node\d+$/);
  const out = new Map<string, DeviceTreeGpuMemory>();
  for (const p of pci) {
    const gpu = byPhandle.get(readPhandle(tree, `bus/pci/devices/${p.address}/of_node/ibm,gpu`) ?? -1);
    const mem = memoryNodes.get(readPhandle(tree, `bus/pci/devices/${p.address}/of_node/memory-region`) ?? -1);
    if (!gpu || !mem || out.has(gpu) || !blockSize) continue;
    const reg = readReg(tree, `${DT_BASE}/${mem}/reg`);
    if (!reg) continue;
    const block = `memory${reg.address / blockSize}`;
    const node = nodes.find((n) => tree.exists(`devices/system/node/${n}/${block}`));
    if (node) out.set(gpu, { gpu, numaNode: Number(node.slice(4)), address: reg.address, sizeBytes: reg.size });
  }
  return [...out.values()];
}
