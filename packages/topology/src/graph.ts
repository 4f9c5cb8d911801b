/**
 * The topology graph: NUMA nodes (CPUs and/or memory), memories reached by devices, accelerators and
 * their functions, and the edges between them. Built by the builders in build.ts; read by queries.ts
 * through an index built on the first query after the graph last grew.
 */
import { QueryIndex } from './query-index.js';


export type DeviceSource = 'openaccel' | 'uacce' | 'kfd' | 'accel' | 'drm' | 'pci' | 'manifest';
/** `nvm`: persistent memory used as RAM; `device-memory`: a device's memory whose technology Linux does not show. */
export type MemoryKind = 'ddr' | 'hbm' | 'sram' | 'cxl' | 'nvm' | 'device-memory';

export interface NumaVertex {
  kind: 'numa';
  id: string;
  numa: number;
  cpus: number[];
  memBytes?: bigint;
  /** What the node's memory is, when the kernel shows it (HMAT, memory tiers, device-dax), and why. */
  memKind?: MemoryKind;
  memKindBecause?: string;
  /** N of /sys/devices/virtual/memory_tiering/memory_tierN; smaller is faster. */
  memoryTier?: number;
}

export interface MemoryVertex {
  kind: 'memory';
  id: string;
  label: string;
  memKind: MemoryKind;
  sizeBytes: bigint;
  /** Host NUMA node the memory appears as; -1 when it is not one. */
  numa: number;
  /** Devices that reach this memory directly (more than one = shared). */
  devices: string[];
}

export interface DeviceVertex {
  kind: 'device';
  id: string;
  /** Name as the source calls it: `accel0`, `hisi_zip-0`, `kfd node 1`. */
  name: string;
  source: DeviceSource;
  model: string;
  /** Functions: OpenAccel function words, plus source-specific words (uacce algorithms, `compute`). */
  functions: string[];
  /** NUMA node nearest the device; -1 = unknown. */
  numa: number;
  /** Capability words (`sva`, `dmabuf_import`, ...). */
  features: string[];
  freeQueues?: number;
  pasidBits?: number;
  /** Device node path, when known. */
  node?: string;
  /** The PCI function behind the device, when discovery knows it. */
  pci?: PciPlace;
  /** OpenAccel 2.0 devices: each uAPI version the device speaks and its node, newest first (refdev serves 1.0 beside 2.0). */
  uapi?: { version: string; node: string }[];
}

/** A PCI function and where it sits. */
export interface PciPlace {
  address: string;
  /** What its class code says: processing-accelerator, co-processor, 3d-controller, vga, display. */
  kind: string;
  /** The bound driver; absent when none is bound. */
  driver?: string;
  hostBridge?: string;
  /** Bridges from the host bridge down, nearest the root first. */
  bridges: string[];
  localCpus: number[];
}

export interface LinkEdge {
  id: string;
  from: string;
  to: string;
  linkKind: string;
  bandwidthMBps?: number;
  latencyNs?: number;
  coherent?: boolean;
  /** The `from` device can DMA into the `to` device's memory directly. */
  p2p: boolean;
}

export class TopologyGraph {
  readonly numa = new Map<number, NumaVertex>();
  readonly memories = new Map<string, MemoryVertex>();
  readonly devices = new Map<string, DeviceVertex>();
  readonly links: LinkEdge[] = [];
  /** SLIT distances: distance.get(a)?.get(b); 10 = local. */
  readonly distance = new Map<number, Map<number, number>>();
  private readonly byFunction = new Map<string, DeviceVertex[]>();
  private readonly memoriesByDevice = new Map<string, MemoryVertex[]>();
  private readonly linksFrom = new Map<string, LinkEdge[]>();
  private queryIndex: QueryIndex | undefined;

  /** @internal The queries' index: built once, again after anything is added. */
  index(): QueryIndex {
    return (this.queryIndex ??= new QueryIndex(this));
  }

  addNuma(v: Omit<NumaVertex, 'kind' | 'id'>, distances?: ReadonlyMap<number, number>): NumaVertex {
    this.queryIndex = undefined;
    const vertex: NumaVertex = { kind: 'numa', id: `numa:${v.numa}`, ...v };
    this.numa.set(v.numa, vertex);
    if (distances && distances.size) this.distance.set(v.numa, new Map(distances));
    return vertex;
  }

  addDevice(v: Omit<DeviceVertex, 'kind'>): DeviceVertex {
    if (this.devices.has(v.id)) throw new Error(`device ${v.id} is already in the graph`);
    this.queryIndex = undefined;
    const vertex: DeviceVertex = { kind: 'device', ...v };
    this.devices.set(v.id, vertex);
    for (const f of new Set(v.functions)) {
      const list = this.byFunction.get(f) ?? [];
      list.push(vertex);
      this.byFunction.set(f, list);
    }
    return vertex;
  }

  addMemory(v: Omit<MemoryVertex, 'kind'>): MemoryVertex {
    this.queryIndex = undefined;
    const existing = this.memories.get(v.id);
    if (existing) {
      for (const d of v.devices) if (!existing.devices.includes(d)) existing.devices.push(d);
      this.indexMemory(existing, v.devices);
      return existing;
    }
    const vertex: MemoryVertex = { kind: 'memory', ...v, devices: [...v.devices] };
    this.memories.set(v.id, vertex);
    this.indexMemory(vertex, vertex.devices);
    return vertex;
  }

  private indexMemory(m: MemoryVertex, devices: readonly string[]): void {
    for (const d of devices) {
      const list = this.memoriesByDevice.get(d) ?? [];
      if (!list.includes(m)) list.push(m);
      this.memoriesByDevice.set(d, list);
    }
  }

  addLink(e: LinkEdge): void {
    this.queryIndex = undefined;
    this.links.push(e);
    const list = this.linksFrom.get(e.from) ?? [];
    list.push(e);
    this.linksFrom.set(e.from, list);
  }

  devicesWith(fn: string): readonly DeviceVertex[] {
    return this.byFunction.get(fn) ?? [];
  }

  memoriesOf(device: string): readonly MemoryVertex[] {
    return this.memoriesByDevice.get(device) ?? [];
  }

  linksFromDevice(device: string): readonly LinkEdge[] {
    return this.linksFrom.get(device) ?? [];
  }

  /** SLIT distance between two NUMA nodes; undefined when unknown (a node is -1 or the table lacks it). */
  numaDistance(a: number, b: number): number | undefined {
    if (a < 0 || b < 0) return undefined;
    if (a === b) return 10;
    return this.distance.get(a)?.get(b) ?? this.distance.get(b)?.get(a);
  }

  /** NUMA node whose cpulist holds a CPU. */
  numaOfCpu(cpu: number): number | undefined {
    for (const n of this.numa.values()) if (n.cpus.includes(cpu)) return n.numa;
    return undefined;
  }
}
