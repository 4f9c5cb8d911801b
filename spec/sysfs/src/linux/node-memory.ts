/**
 * What each NUMA node's memory is: its performance as HMAT describes it (Documentation/admin-guide/mm/numaperf.rst:
 * nodeN/access0 and access1), the memory tier the kernel put it in (Documentation/ABI/testing/sysfs-kernel-mm-memory-tiers),
 * whether it is a generic initiator's node, and whether a device-dax region onlined it (sysfs-bus-dax `target_node`).
 */
import { realpathSync } from 'node:fs';
import { s32, u32 } from '../value.js';
import { SysfsTree } from '../tree.js';
import { cpuList, nodeMemTotal } from './formats.js';

/** The performance of a memory target as seen from its best initiators (one access class). */
export interface NodeAccess {
  /** Nodes with the best performance to this memory (the `initiators/nodeX` links). */
  initiators: number[];
  /** MiB/s and nanoseconds, as HMAT gives them; undefined when the firmware did not. */
  readBandwidthMBps?: number;
  writeBandwidthMBps?: number;
  readLatencyNs?: number;
  writeLatencyNs?: number;
}

/** Where a device-dax region that the kmem driver onlined as system RAM comes from. */
export type DaxSource = 'nvdimm' | 'cxl' | 'soft-reserved';

export interface NodeMemory {
  id: number;
  cpus: number[];
  memTotalBytes?: bigint;
  /** The node is listed in has_generic_initiator: a device (not a CPU) initiates memory requests from it. */
  genericInitiator: boolean;
  /** Best initiators of any kind (access0) and CPU initiators only (access1). */
  access0?: NodeAccess;
  access1?: NodeAccess;
  /** N of memory_tierN that lists the node; smaller is faster. */
  memoryTier?: number;
  /** The device-dax region whose memory the node holds, when kmem onlined one. */
  daxSource?: DaxSource;
}

const NODE_BASE = 'devices/system/node';

function readAccess(tree: SysfsTree, dir: string): NodeAccess | undefined {
  if (!tree.exists(dir)) return undefined;
  const initiators = tree.list(`${dir}/initiators`, /^node\d+$/).map((n) => Number(n.slice(4)));
  const out: NodeAccess = { initiators };
  const fields = [['read_bandwidth', 'readBandwidthMBps'], ['write_bandwidth', 'writeBandwidthMBps'], ['read_latency', 'readLatencyNs'], ['write_latency', 'writeLatencyNs']] as const;
  for (const [file, key] of fields) {
    const v = tree.read(`${dir}/initiators/${file}`, u32, false);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Node id -> tier N, from every memory_tierN/nodelist. */
export function readMemoryTiers(tree: SysfsTree): Map<number, number> {
  const out = new Map<number, number>();
  const base = 'devices/virtual/memory_tiering';
  for (const t of tree.list(base, /^memory_tier\d+$/)) {
    for (const n of tree.read(`${base}/${t}/nodelist`, cpuList, false) ?? []) out.set(n, Number(t.slice('memory_tier'.length)));
  }
  return out;
}

/**
 * Node id -> source of the device-dax regions onlined on it. The region's real path says what is behind
 * it: an NVDIMM bus (ndbusN), a CXL root decoder (decoderX.Y), or firmware-reserved memory (hmem).
 */
export function readDaxNodes(tree: SysfsTree): Map<number, DaxSource> {
  const out = new Map<number, DaxSource>();
  for (const dax of tree.list('bus/dax/devices', /^dax\d+\.\d+$/)) {
    const node = tree.read(`bus/dax/devices/${dax}/target_node`, s32, false);
    if (node === undefined || node < 0) continue;
    let path: string;
    try {
      path = realpathSync(tree.path(`bus/dax/devices/${dax}`));
    } catch {
      continue;
    }
    const source: DaxSource | undefined = /\/ndbus\d+\//.test(path) ? 'nvdimm' : /\/decoder\d+\.\d+\//.test(path) ? 'cxl' : /\/hmem\.?\d*\//.test(path) ? 'soft-reserved' : undefined;
    if (source) out.set(node, source);
  }
  return out;
}

export function readNodeMemory(tree: SysfsTree): NodeMemory[] {
  const tiers = readMemoryTiers(tree);
  const dax = readDaxNodes(tree);
  const generic = new Set(tree.read(`${NODE_BASE}/has_generic_initiator`, cpuList, false) ?? []);
  return tree.list(NODE_BASE, /^node\d+$/).map((name) => {
    const id = Number(name.slice(4));
    const dir = `${NODE_BASE}/${name}`;
    const mem = tree.read(`${dir}/meminfo`, nodeMemTotal, false);
    const access0 = readAccess(tree, `${dir}/access0`);
    const access1 = readAccess(tree, `${dir}/access1`);
    const tier = tiers.get(id);
    const source = dax.get(id);
    return {
      id,
      cpus: tree.read(`${dir}/cpulist`, cpuList, false) ?? [],
      ...(mem !== undefined ? { memTotalBytes: mem } : {}),
      genericInitiator: generic.has(id),
      ...(access0 ? { access0 } : {}),
      ...(access1 ? { access1 } : {}),
      ...(tier !== undefined ? { memoryTier: tier } : {}),
      ...(source ? { daxSource: source } : {}),
    };
  });
}

/** What kind of memory a node holds, and the evidence that said so. */
export interface MemoryTechnology {
  kind: 'ddr' | 'hbm' | 'nvm' | 'cxl';
  because: string;
}

/** HBM delivers several times a DRAM channel set's bandwidth; twice is a margin no DDR node reaches. */
const HBM_BANDWIDTH_RATIO = 2;

/**
 * Tells DRAM, HBM, NVM and CXL memory apart from what the kernel shows; undefined when it shows nothing
 * that decides (a CPU-less node with neither HMAT data, nor a tier of its own, nor a dax region).
 */
export function memoryTechnology(node: NodeMemory, all: readonly NodeMemory[]): MemoryTechnology | undefined {
  if (node.daxSource === 'nvdimm') return { kind: 'nvm', because: 'onlined from an NVDIMM region by device-dax kmem' };
  if (node.daxSource === 'cxl') return { kind: 'cxl', because: 'onlined from a CXL region by device-dax kmem' };
  if (node.cpus.length > 0) return { kind: 'ddr', because: 'the memory of a node with CPUs' };
  const dram = all.filter((n) => n.cpus.length > 0 && n.memTotalBytes !== 0n);
  const dramBw = Math.max(0, ...dram.map((n) => n.access0?.readBandwidthMBps ?? 0));
  const bw = node.access0?.readBandwidthMBps;
  if (bw !== undefined && dramBw > 0) {
    if (bw >= HBM_BANDWIDTH_RATIO * dramBw) return { kind: 'hbm', because: `HMAT read bandwidth ${bw} MiB/s, at least ${HBM_BANDWIDTH_RATIO}x the DRAM nodes' ${dramBw}` };
    if (bw * HBM_BANDWIDTH_RATIO > dramBw) return { kind: 'ddr', because: `HMAT read bandwidth ${bw} MiB/s, like the DRAM nodes' ${dramBw}` };
  }
  const dramTier = dram.map((n) => n.memoryTier).find((t) => t !== undefined);
  if (node.memoryTier !== undefined && dramTier !== undefined && node.memoryTier < dramTier) return { kind: 'hbm', because: `memory tier ${node.memoryTier}, faster than DRAM's tier ${dramTier}` };
  return undefined;
}
