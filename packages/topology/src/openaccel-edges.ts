/** The memories and links an OpenAccel device publishes (1.0 class or 2.0 accel layout) as graph vertices and edges. */
import type { OpenAccelLink, OpenAccelMemory } from '@openaccel/sysfs';
import type { TopologyGraph } from './graph.js';

export function formatBytes(b: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = b;
  let i = 0;
  while (v >= 1024n && v % 1024n === 0n && i < units.length - 1) {
    v /= 1024n;
    i++;
  }
  return `${v} ${units[i]}`;
}

/**
 * Adds one device's memories and links. A memory reached by several devices is published once per device
 * (they name each other); every copy gets the same id, so it is one vertex. `idOf` maps a device name of
 * the layout to its graph id.
 */
export function addMemoriesAndLinks(g: TopologyGraph, d: { name: string; memories: readonly OpenAccelMemory[]; links: readonly OpenAccelLink[] }, idOf: (name: string) => string): void {
  for (const m of d.memories) {
    const members = [d.name, ...m.sharedWith].sort();
    g.addMemory({
      id: `openaccel-mem:${members.join('+')}:${m.kind}:${m.sizeBytes}:${m.numaNode}`,
      label: `${m.kind} ${formatBytes(m.sizeBytes)} of ${members.join(', ')}`,
      memKind: m.kind,
      sizeBytes: m.sizeBytes,
      numa: m.numaNode,
      devices: members.map(idOf).filter((id) => g.devices.has(id)),
    });
  }
  for (const l of d.links) {
    g.addLink({ id: `openaccel-link:${d.name}/${l.index}`, from: idOf(d.name), to: idOf(l.peer), linkKind: l.kind, bandwidthMBps: l.bandwidthMBps, latencyNs: l.latencyNs, coherent: l.coherent, p2p: l.p2p });
  }
}
