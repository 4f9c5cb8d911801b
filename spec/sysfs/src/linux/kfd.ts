/** The amdkfd topology (class/kfd/kfd/topology): the one accelerator/memory graph Linux already has. */
import { u32, u64 } from '../value.js';
import { SysfsTree } from '../tree.js';
import { anyLine, keyValues } from './formats.js';

export interface KfdMemBank {
  /** SYSTEM 0, FB_PUBLIC 1, FB_PRIVATE 2, GPU_GDS 3, GPU_LDS 4, GPU_SCRATCH 5. */
  heapType: number;
  sizeBytes: bigint;
  /** Bus width in bits (HBM stacks are 1024 bits or wider). */
  widthBits: number;
}

export interface KfdIoLink {
  /** PCIe 2, XGMI 11, ... (kfd_sysfs.h). */
  type: number;
  nodeFrom: number;
  nodeTo: number;
  weight: number;
  minLatencyNs: number;
  maxBandwidthMBps: number;
  /** Flags bit 4 (NO_PEER_TO_PEER_DMA) clear. */
  p2p: boolean;
}

export interface KfdNode {
  id: number;
  /** 0 for a CPU node. */
  gpuId: number;
  name: string;
  properties: Map<string, bigint>;
  memBanks: KfdMemBank[];
  ioLinks: KfdIoLink[];
}

export const KFD_TOPOLOGY = 'class/kfd/kfd/topology';
const NO_PEER_TO_PEER_DMA = 1n << 4n;

export interface KfdTopology {
  generationId?: bigint;
  nodes: KfdNode[];
}

export function readKfdTopology(tree: SysfsTree): KfdTopology {
  const base = KFD_TOPOLOGY;
  if (!tree.exists(base)) return { nodes: [] };
  const generationId = tree.read(`${base}/generation_id`, u64, false);
  const nodes: KfdNode[] = [];
  for (const n of tree.list(`${base}/nodes`, /^\d+$/)) {
    const dir = `${base}/nodes/${n}`;
    const properties = tree.read(`${dir}/properties`, keyValues, true);
    if (!properties) continue;
    const memBanks: KfdMemBank[] = [];
    for (const b of tree.list(`${dir}/mem_banks`, /^\d+$/)) {
      const p = tree.read(`${dir}/mem_banks/${b}/properties`, keyValues, true);
      if (p) memBanks.push({ heapType: Number(p.get('heap_type') ?? 0n), sizeBytes: p.get('size_in_bytes') ?? 0n, widthBits: Number(p.get('width') ?? 0n) });
    }
    const ioLinks: KfdIoLink[] = [];
    for (const l of tree.list(`${dir}/io_links`, /^\d+$/)) {
      const p = tree.read(`${dir}/io_links/${l}/properties`, keyValues, true);
      if (!p) continue;
      ioLinks.push({
        type: Number(p.get('type') ?? 0n),
        nodeFrom: Number(p.get('node_from') ?? BigInt(n)),
        nodeTo: Number(p.get('node_to') ?? 0n),
        weight: Number(p.get('weight') ?? 0n),
        minLatencyNs: Number(p.get('min_latency') ?? 0n),
        maxBandwidthMBps: Number(p.get('max_bandwidth') ?? 0n),
        p2p: ((p.get('flags') ?? 0n) & NO_PEER_TO_PEER_DMA) === 0n,
      });
    }
    nodes.push({
      id: Number(n),
      gpuId: tree.read(`${dir}/gpu_id`, u32, false) ?? 0,
      name: tree.read(`${dir}/name`, anyLine, false) ?? '',
      properties,
      memBanks,
      ioLinks,
    });
  }
  return { ...(generationId !== undefined ? { generationId } : {}), nodes };
}
