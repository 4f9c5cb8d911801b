/**
 * What the three queries need, computed once per graph (again after the graph grows), as dense integer
 * tables: a device is its position in name order (its rank), a function and a memory are small numbers.
 * A query then walks typed arrays; it does no Map lookup, string compare or sort per candidate (a
 * profile of the Map-keyed index showed those, not the answers, were most of the time at 10,000 devices).
 */
import type { DeviceVertex, LinkEdge, MemoryVertex, TopologyGraph } from './graph.js';

/** One collator for every comparison: localeCompare with options builds a new one per call. */
const collator = new Intl.Collator('en', { numeric: true });

/** Fast memories first: SRAM and HBM beat DDR beat CXL. */
const KIND_RANK: Record<string, number> = { sram: 0, hbm: 1, ddr: 2, cxl: 3, nvm: 4 };

/** Devices with one function. */
interface FunctionTable {
  /** 1 at the rank of each device that has it. */
  has: Uint8Array;
  /** Ranks in the order the devices were added (the order rejected devices are listed in). */
  added: Int32Array;
  /** Ranks ascending: name order. */
  byName: Int32Array;
  /** Ranks by free queues (most first, unknown last), then name; rebuilt when a device's free queues change in place. */
  byQueues?: Int32Array;
  queuesSeen?: Float64Array;
}

export class QueryIndex {
  /** Devices in name order: index = rank. */
  readonly devices: DeviceVertex[];
  /** Distinct NUMA nodes of devices, and each device's position in that list. */
  readonly deviceNodes: number[] = [];
  readonly nodeSlot: Int32Array;
  /** Per rank: the device's first memory on each host NUMA node; undefined for a device without one (most). */
  readonly ownMemory: (Map<number, MemoryVertex> | undefined)[];
  /** Memories in graph order, each one's rank class (kind, then size, largest first), and the number of classes. */
  readonly memories: MemoryVertex[];
  readonly memoryClass: Int32Array;
  readonly classes: number;
  /** Per rank, the memories it reaches (memoriesOf order): memoryOf[memoryStart[r] .. memoryStart[r + 1]). */
  readonly memoryStart: Int32Array;
  readonly memoryOf: Int32Array;
  /** Per memory, the ranks reaching it, each once, ascending: member[memberStart[m] .. memberStart[m + 1]). */
  readonly memberStart: Int32Array;
  readonly member: Int32Array;
  private readonly functions = new Map<string, FunctionTable>();
  private readonly rankOf = new Map<DeviceVertex, number>();
  private p2p: { links: LinkEdge[]; from: Int32Array; to: Int32Array } | undefined;

  constructor(private readonly g: TopologyGraph) {
    const added = [...g.devices.values()];
    this.devices = [...added].sort((a, b) => collator.compare(a.id, b.id));
    const n = this.devices.length;
    this.devices.forEach((d, r) => this.rankOf.set(d, r));
    const slotOfNode = new Map<number, number>();
    this.nodeSlot = Int32Array.from(this.devices, (d) => {
      let s = slotOfNode.get(d.numa);
      if (s === undefined) slotOfNode.set(d.numa, (s = this.deviceNodes.push(d.numa) - 1));
      return s;
    });
    for (const d of added) {
      for (const f of new Set(d.functions)) {
        let t = this.functions.get(f);
        if (!t) this.functions.set(f, (t = { has: new Uint8Array(n), added: new Int32Array(0), byName: new Int32Array(0) }));
        t.has[this.rankOf.get(d)!] = 1;
      }
    }
    for (const t of this.functions.values()) {
      t.byName = Int32Array.from(ranksWhere(t.has));
      t.added = Int32Array.from(added.filter((d) => t.has[this.rankOf.get(d)!]), (d) => this.rankOf.get(d)!);
    }

    this.memories = [...g.memories.values()];
    const memoryIndex = new Map(this.memories.map((m, i) => [m, i]));
    const ranked = [...this.memories.keys()].sort((i, j) => compareMemories(this.memories[i]!, this.memories[j]!));
    this.memoryClass = new Int32Array(this.memories.length);
    let cls = -1;
    ranked.forEach((i, k) => {
      if (k === 0 || compareMemories(this.memories[ranked[k - 1]!]!, this.memories[i]!) !== 0) cls++;
      this.memoryClass[i] = cls;
    });
    this.classes = cls + 1;
    const members = this.memories.map((m) => [...new Set(m.devices)].flatMap((id) => (g.devices.has(id) ? [this.rankOf.get(g.devices.get(id)!)!] : [])).sort((a, b) => a - b));
    [this.memberStart, this.member] = packed(members);
    const reached = this.devices.map((d) => g.memoriesOf(d.id).map((m) => memoryIndex.get(m)!));
    [this.memoryStart, this.memoryOf] = packed(reached);
    this.ownMemory = this.devices.map((d) => {
      let own: Map<number, MemoryVertex> | undefined;
      for (const m of g.memoriesOf(d.id)) if (m.numa >= 0 && !own?.has(m.numa)) (own ??= new Map()).set(m.numa, m);
      return own;
    });
  }

  /** The table of a function, or undefined when no device has it. */
  function(fn: string): FunctionTable | undefined {
    return this.functions.get(fn);
  }

  rank(d: DeviceVertex): number {
    return this.rankOf.get(d)!;
  }

  /** Ranks of the devices with a function, most free queues first (unknown last), then by name. */
  byQueues(t: FunctionTable): Int32Array {
    const seen = t.queuesSeen;
    let fresh = seen !== undefined;
    for (let i = 0; fresh && i < t.byQueues!.length; i++) fresh = (this.devices[t.byQueues![i]!]!.freeQueues ?? -1) === seen![i];
    if (!fresh) {
      const queues = (r: number) => this.devices[r]!.freeQueues ?? -1;
      t.byQueues = Int32Array.from(t.byName).sort((a, b) => queues(b) - queues(a) || a - b);
      t.queuesSeen = Float64Array.from(t.byQueues, queues);
    }
    return t.byQueues!;
  }

  /**
   * Peer-to-peer links between devices of the graph, fastest first (bandwidth, then latency), ties in the
   * order the devices were added and then of their links; with the ranks of both ends.
   */
  p2pLinks(): { links: LinkEdge[]; from: Int32Array; to: Int32Array } {
    if (!this.p2p) {
      const out: { link: LinkEdge; from: number; to: number }[] = [];
      for (const d of this.g.devices.values()) {
        for (const link of this.g.linksFromDevice(d.id)) {
          const to = this.g.devices.get(link.to);
          if (to && link.p2p) out.push({ link, from: this.rankOf.get(d)!, to: this.rankOf.get(to)! });
        }
      }
      out.sort((p, q) => (q.link.bandwidthMBps ?? 0) - (p.link.bandwidthMBps ?? 0) || (p.link.latencyNs ?? Infinity) - (q.link.latencyNs ?? Infinity));
      this.p2p = { links: out.map((p) => p.link), from: Int32Array.from(out, (p) => p.from), to: Int32Array.from(out, (p) => p.to) };
    }
    return this.p2p;
  }
}

function compareMemories(a: MemoryVertex, b: MemoryVertex): number {
  return (KIND_RANK[a.memKind] ?? 9) - (KIND_RANK[b.memKind] ?? 9) || (b.sizeBytes > a.sizeBytes ? 1 : b.sizeBytes < a.sizeBytes ? -1 : 0);
}

function* ranksWhere(mask: Uint8Array): Generator<number> {
  for (let r = 0; r < mask.length; r++) if (mask[r]) yield r;
}

/** Lists of numbers as one array and the start of each list (CSR), so a walk reads two typed arrays. */
function packed(lists: readonly number[][]): [Int32Array, Int32Array] {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (start[i + 1] = start[i]! + l.length));
  const all = new Int32Array(start[lists.length]!);
  lists.forEach((l, i) => all.set(l, start[i]!));
  return [start, all];
}
