/** NUMA nodes as the kernel publishes them under devices/system/node (drivers/base/node.c). */
import { SysfsError } from '../errors.js';
import { s32 } from '../value.js';
import { SysfsTree } from '../tree.js';
import { cpuList, distanceList, nodeMemTotal } from './formats.js';

export interface NumaNode {
  id: number;
  cpus: number[];
  /** SLIT distance to each node, keyed by node id; 10 means local. Empty when the node has no distance file. */
  distances: Map<number, number>;
  /** MemTotal of the node; undefined when meminfo is absent or malformed. */
  memTotalBytes?: bigint;
}

/** Reads every node; `[]` on a kernel without NUMA (no node directory). */
export function readNumaNodes(tree: SysfsTree): NumaNode[] {
  const base = 'devices/system/node';
  const ids = tree.list(base, /^node\d+$/).map((n) => Number(n.slice(4)));
  const nodes: NumaNode[] = [];
  for (const id of ids) {
    const dir = `${base}/node${id}`;
    const cpus = tree.read(`${dir}/cpulist`, cpuList, true) ?? [];
    const raw = tree.read(`${dir}/distance`, distanceList, true);
    const distances = new Map<number, number>();
    if (raw && raw.length === ids.length) raw.forEach((d, i) => distances.set(ids[i]!, d));
    else if (raw) tree.problems.push(new SysfsError('format', `${dir}/distance`, `one distance per node (${ids.length})`, raw.join(' ')));
    const mem = tree.read(`${dir}/meminfo`, nodeMemTotal, false);
    nodes.push({ id, cpus, distances, ...(mem !== undefined ? { memTotalBytes: mem } : {}) });
  }
  return nodes;
}

/** `numa_node` of a device directory; -1 when absent or unknown, as the kernel reports it. */
export function readDeviceNumaNode(tree: SysfsTree, deviceDir: string): number {
  return tree.read(`${deviceDir}/numa_node`, s32, false) ?? -1;
}
