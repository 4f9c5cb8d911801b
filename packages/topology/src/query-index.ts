/**
 * What the three queries need in the order they need it, computed once per graph (again after the
 * graph grows): devices ranked by name, per function by free queues then name, each device's memory
 * on each NUMA node, each memory's devices by name, memories in rank order, p2p links in rank order.
 * A query is then one pass over its candidates with no sort by name and no string keys.
 */
import type { DeviceVertex, LinkEdge, MemoryVertex, TopologyGraph } from './graph.js';

/** One collator for every comparison: localeCompare with options builds a new one per call. */
const collator = new Intl.Collator('en', { numeric: true });

/** Fast memories first: SRAM and HBM beat DDR beat CXL. */
const KIND_RANK: Record<string, number> = { sram: 0, hbm: 1, ddr: 2, cxl: 3, nvm: 4 };

interface Ranked {
  devices: DeviceVertex[];
  /** freeQueues of each device when ranked: a device changed in place since then ranks it again. */
  freeQueues: Float64Array;
}

export class QueryIndex {
  /** Position of each device in name order. */
  readonly nameRank = new Map<DeviceVertex, number>();
  /** Memories in rank order (kind, then size, largest first); equal kind and size share a class. */
  readonly memoryClass = new Map<MemoryVertex, number>();
  private readonly members = new Map<MemoryVertex, DeviceVertex[]>();
  private readonly ownMemory = new Map<DeviceVertex, Map<number, MemoryVertex>>();
  private readonly byQueues = new Map<string, Ranked>();
  private readonly byName = new Map<string, DeviceVertex[]>();
  private p2p: { link: LinkEdge; from: DeviceVertex; to: DeviceVertex }[] | undefined;
  private readonly weightsCache = new Map<unknown, Map<unknown, Readonly<Record<string, number | string | null>>>>();

  constructor(private readonly g: TopologyGraph) {
    [...g.devices.values()].sort((a, b) => collator.compare(a.id, b.id)).forEach((d, i) => this.nameRank.set(d, i));
    const mems = [...g.memories.values()].sort((a, b) => (KIND_RANK[a.memKind] ?? 9) - (KIND_RANK[b.memKind] ?? 9) || (b.sizeBytes > a.sizeBytes ? 1 : b.sizeBytes < a.sizeBytes ? -1 : 0));
    let cls = -1;
    mems.forEach((m, i) => {
      const prev = mems[i - 1];
      if (!prev || prev.memKind !== m.memKind || prev.sizeBytes !== m.sizeBytes) cls++;
      this.memoryClass.set(m, cls);
      const devs = [...new Set(m.devices)].map((id) => g.devices.get(id)).filter((d): d is DeviceVertex => d !== undefined);
      this.members.set(m, devs.sort((a, b) => this.nameRank.get(a)! - this.nameRank.get(b)!));
    });
    for (const d of g.devices.values()) {
      const own = new Map<number, MemoryVertex>();
      for (const m of g.memoriesOf(d.id)) if (!own.has(m.numa)) own.set(m.numa, m);
      this.ownMemory.set(d, own);
    }
  }

  /**
   * Answers with the same weights share one frozen weights object (a memory's size as a decimal string,
   * a distance and node), so a query does not build thousands of equal ones.
   */
  weights(a: unknown, b: unknown, make: () => Record<string, number | string | null>): Readonly<Record<string, number | string | null>> {
    let inner = this.weightsCache.get(a);
    if (!inner) this.weightsCache.set(a, (inner = new Map()));
    let w = inner.get(b);
    if (!w) inner.set(b, (w = Object.freeze(make())));
    return w;
  }

  /** The device's first memory that is NUMA node `numa`. */
  memoryOn(d: DeviceVertex, numa: number): MemoryVertex | undefined {
    return this.ownMemory.get(d)?.get(numa);
  }

  /** Devices reaching a memory, each once, in name order. */
  membersOf(m: MemoryVertex): readonly DeviceVertex[] {
    return this.members.get(m) ?? [];
  }

  /** Devices with a function in name order. */
  withFunctionByName(fn: string): readonly DeviceVertex[] {
    let list = this.byName.get(fn);
    if (!list) this.byName.set(fn, (list = [...this.g.devicesWith(fn)].sort((a, b) => this.nameRank.get(a)! - this.nameRank.get(b)!)));
    return list;
  }

  /** Devices with a function, most free queues first (unknown last), then by name. */
  withFunctionByQueues(fn: string): readonly DeviceVertex[] {
    let r = this.byQueues.get(fn);
    if (r && r.devices.some((d, i) => (d.freeQueues ?? -1) !== r!.freeQueues[i])) r = undefined;
    if (!r) {
      const devices = [...this.withFunctionByName(fn)].sort((a, b) => (b.freeQueues ?? -1) - (a.freeQueues ?? -1) || this.nameRank.get(a)! - this.nameRank.get(b)!);
      r = { devices, freeQueues: Float64Array.from(devices, (d) => d.freeQueues ?? -1) };
      this.byQueues.set(fn, r);
    }
    return r.devices;
  }

  /**
   * Peer-to-peer links between devices of the graph, fastest first (bandwidth, then latency), ties in
   * the order of the devices and of their links.
   */
  p2pLinks(): readonly { link: LinkEdge; from: DeviceVertex; to: DeviceVertex }[] {
    if (!this.p2p) {
      const out: { link: LinkEdge; from: DeviceVertex; to: DeviceVertex }[] = [];
      for (const from of this.g.devices.values()) {
        for (const link of this.g.linksFromDevice(from.id)) {
          const to = this.g.devices.get(link.to);
          if (to && link.p2p) out.push({ link, from, to });
        }
      }
      this.p2p = out.sort((p, q) => (q.link.bandwidthMBps ?? 0) - (p.link.bandwidthMBps ?? 0) || (p.link.latencyNs ?? Infinity) - (q.link.latencyNs ?? Infinity) || 0);
    }
    return this.p2p;
  }
}
