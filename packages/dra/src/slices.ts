/**
 * ResourceSlices from the topology graph: one pool per node, one device per accelerator, attributes for
 * functions, NUMA placement, PCIe root, the memory it shares and the chain domain it belongs to, queues as capacity.
 */
import type { DeviceVertex, MemoryVertex, TopologyGraph } from '@openaccel/topology';
import { DRIVER, DraNameError, attributeId, deviceLabel, isDnsSubdomain, shortHash } from './names.js';
import { formatQuantity } from './quantity.js';
import { API_VERSION, type Device, type DeviceAttribute, type DeviceCapacity, type ResourceSlice } from './types.js';

/** API server limits (resource.k8s.io/v1 at Kubernetes 1.34). */
export const LIMITS = { devicesPerSlice: 128, attributesPerDevice: 32, stringValue: 64 } as const;

/** Attribute IDs (bare names live in the driver's domain: `openaccel.dev/<id>`). */
export const ATTR = {
  source: 'source',
  kernelName: 'kernelName',
  model: 'model',
  numaNode: 'numaNode',
  memoryDomain: 'memoryDomain',
  linkDomain: 'linkDomain',
  pasidBits: 'pasidBits',
} as const;

/** Capacity names (in the driver's domain). */
export const CAPACITY = { queues: 'queues', memory: 'memory' } as const;

/** Kubernetes' standard attributes (KEP-4381), so claims can align devices across drivers by PCIe root. */
export const STANDARD_ATTR = {
  pcieRoot: 'resource.kubernetes.io/pcieRoot',
  pciBusID: 'resource.kubernetes.io/pciBusID',
} as const;

export const fnAttr = (fn: string) => attributeId('fn_', fn);
export const capAttr = (cap: string) => attributeId('cap_', cap);
export const profileAttr = (p: string) => attributeId('profile_', p);
export const distAttr = (numa: number) => attributeId('numaDist', String(numa));
export const qualified = (id: string) => `${DRIVER}/${id}`;

export interface SliceOptions {
  /** The Kubernetes node (and pool) name. */
  node: string;
  /** Pool generation; the publisher bumps it on every change. */
  generation?: number;
  /** Conformance profiles each device passed, by graph id (`openaccel:accel0`). */
  profiles?: ReadonlyMap<string, readonly string[]>;
}

export interface NodeExport {
  slices: ResourceSlice[];
  /** Device name in the pool -> graph vertex. */
  devices: Map<string, DeviceVertex>;
  /** Where the export is coarser than the graph (a device in two shared memories, a chain domain that is not a clique). */
  notes: string[];
}

const KIND_RANK: Record<string, number> = { sram: 0, hbm: 1, ddr: 2, cxl: 3 };
const collator = new Intl.Collator('en', { numeric: true });

export function exportNode(g: TopologyGraph, opts: SliceOptions): NodeExport {
  if (!isDnsSubdomain(opts.node)) throw new DraNameError('node', opts.node, 'is not a DNS subdomain of at most 253 characters');
  const notes: string[] = [];
  const vertices = [...g.devices.values()].sort((a, b) => collator.compare(a.id, b.id));
  const memoryDomain = memoryDomains(g, vertices, notes);
  const linkDomain = linkDomains(g, vertices, notes);
  const names = new Set<string>();
  const devices = new Map<string, DeviceVertex>();
  const out: Device[] = [];
  for (const d of vertices) {
    const name = deviceLabel(d.id, names);
    names.add(name);
    devices.set(name, d);
    out.push(deviceFor(g, d, name, { memoryDomain: memoryDomain.get(d.id), linkDomain: linkDomain.get(d.id), profiles: opts.profiles?.get(d.id) ?? [] }));
  }
  const chunks: Device[][] = [];
  for (let i = 0; i < out.length; i += LIMITS.devicesPerSlice) chunks.push(out.slice(i, i + LIMITS.devicesPerSlice));
  if (!chunks.length) chunks.push([]);
  const slices = chunks.map((chunk, i): ResourceSlice => ({
    apiVersion: API_VERSION,
    kind: 'ResourceSlice',
    metadata: { name: sliceName(opts.node, i) },
    spec: { driver: DRIVER, pool: { name: opts.node, generation: opts.generation ?? 0, resourceSliceCount: chunks.length }, nodeName: opts.node, devices: chunk },
  }));
  return { slices, devices, notes };
}

function sliceName(node: string, i: number): string {
  const name = `${node}-${DRIVER}-${i}`;
  return name.length <= 253 ? name : `${node.slice(0, 200).replace(/[-.]+$/, '')}-${shortHash(node)}-${i}`;
}

function deviceFor(g: TopologyGraph, d: DeviceVertex, name: string, x: { memoryDomain: string | undefined; linkDomain: string | undefined; profiles: readonly string[] }): Device {
  const attributes: Record<string, DeviceAttribute> = {};
  const put = (id: string, v: DeviceAttribute) => {
    if ('string' in v && v.string.length > LIMITS.stringValue) throw new DraNameError('attribute value', v.string, `of ${id} on ${d.id} is longer than ${LIMITS.stringValue} characters`);
    attributes[id] = v;
  };
  put(ATTR.source, { string: d.source });
  put(ATTR.kernelName, { string: d.name });
  put(ATTR.model, { string: d.model });
  for (const f of [...new Set(d.functions)].sort()) put(fnAttr(f), { bool: true });
  for (const c of [...new Set(d.features)].sort()) put(capAttr(c), { bool: true });
  for (const p of [...new Set(x.profiles)].sort()) put(profileAttr(p), { bool: true });
  if (d.numa >= 0) put(ATTR.numaNode, { int: d.numa });
  for (const n of [...g.numa.keys()].sort((a, b) => a - b)) {
    const dist = distanceTo(g, d, n);
    if (dist !== undefined) put(distAttr(n), { int: dist });
  }
  if (d.pasidBits !== undefined) put(ATTR.pasidBits, { int: d.pasidBits });
  if (d.pci) put(STANDARD_ATTR.pciBusID, { string: d.pci.address });
  if (d.pci?.hostBridge) put(STANDARD_ATTR.pcieRoot, { string: d.pci.hostBridge });
  if (x.memoryDomain) put(ATTR.memoryDomain, { string: x.memoryDomain });
  if (x.linkDomain) put(ATTR.linkDomain, { string: x.linkDomain });
  const { shared, capacity } = capacityFor(g, d);
  const count = Object.keys(attributes).length + Object.keys(capacity).length;
  if (count > LIMITS.attributesPerDevice) throw new DraNameError('device', d.id, `needs ${count} attributes and capacities; a device may have ${LIMITS.attributesPerDevice}`);
  return { name, ...(shared ? { allowMultipleAllocations: true } : {}), attributes, ...(count > Object.keys(attributes).length ? { capacity } : {}) };
}

/**
 * Queues as consumable capacity: a device with free queues is shared by allocations, each taking one queue
 * unless its request asks for more, until none is left. Memory only this device reaches is capacity too,
 * consumed only by requests that ask for it; a memory several devices share is not (each device would
 * offer all of it). A device whose free queues are unknown or zero is allocated whole, as before.
 */
function capacityFor(g: TopologyGraph, d: DeviceVertex): { shared: boolean; capacity: Record<string, DeviceCapacity> } {
  const shared = d.freeQueues !== undefined && d.freeQueues > 0;
  const capacity: Record<string, DeviceCapacity> = {};
  if (d.freeQueues !== undefined) {
    const value = String(d.freeQueues);
    // step 1 rounds a fractional ask up to whole queues; the API server allows a step only when min + step <= value.
    capacity[CAPACITY.queues] = shared ? { value, requestPolicy: { default: '1', validRange: { min: '1', ...(d.freeQueues >= 2 ? { step: '1' } : {}) } } } : { value };
  }
  const own = g.memoriesOf(d.id).filter((m) => m.devices.length === 1 && m.sizeBytes > 0n).sort(byMemoryRank)[0];
  if (own) {
    const value = formatQuantity(own.sizeBytes * 1_000_000_000n);
    capacity[CAPACITY.memory] = shared ? { value, requestPolicy: { default: '0', validRange: { min: '0' } } } : { value };
  }
  return { shared, capacity };
}

/** The distance `nearest` weighs: 10 when the device's own memory is that node, else the SLIT distance. */
export function distanceTo(g: TopologyGraph, d: DeviceVertex, numa: number): number | undefined {
  if (g.memoriesOf(d.id).some((m) => m.numa === numa)) return 10;
  return g.numaDistance(d.numa, numa);
}

/** Each device's best memory that another device also reaches; one value per device is all a scalar attribute holds. */
function memoryDomains(g: TopologyGraph, vertices: readonly DeviceVertex[], notes: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of vertices) {
    const shared = g.memoriesOf(d.id).filter((m) => m.devices.length > 1).sort(byMemoryRank);
    if (!shared.length) continue;
    if (shared.length > 1) notes.push(`${d.id} reaches ${shared.length} shared memories; memoryDomain names only ${shared[0]!.label}`);
    out.set(d.id, `mem-${shortHash(shared[0]!.id)}`);
  }
  return out;
}

function byMemoryRank(p: MemoryVertex, q: MemoryVertex): number {
  const k = (KIND_RANK[p.memKind] ?? 9) - (KIND_RANK[q.memKind] ?? 9);
  if (k) return k;
  return p.sizeBytes === q.sizeBytes ? collator.compare(p.id, q.id) : p.sizeBytes > q.sizeBytes ? -1 : 1;
}

/** Whether `b` can consume `a`'s output without a CPU copy: a memory both reach, or a p2p link from a to b. */
export function chainable(g: TopologyGraph, a: string, b: string): boolean {
  if (g.memoriesOf(a).some((m) => m.devices.includes(b))) return true;
  return g.linksFromDevice(a).some((l) => l.to === b && l.p2p);
}

/**
 * Groups of devices in which every ordered pair is chainable. matchAttribute is symmetric and transitive, so
 * only such cliques can share a value; a connected group that is not one gets none (and a note) rather than
 * letting the scheduler pair devices that cannot be chained.
 */
function linkDomains(g: TopologyGraph, vertices: readonly DeviceVertex[], notes: string[]): Map<string, string> {
  const parent = new Map(vertices.map((d) => [d.id, d.id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const a of vertices) for (const b of vertices) if (a !== b && chainable(g, a.id, b.id)) parent.set(find(a.id), find(b.id));
  const groups = new Map<string, string[]>();
  for (const d of vertices) groups.set(find(d.id), [...(groups.get(find(d.id)) ?? []), d.id]);
  const out = new Map<string, string>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const clique = members.every((a) => members.every((b) => a === b || chainable(g, a, b)));
    if (!clique) {
      notes.push(`${members.join(', ')} are linked but not every pair can be chained both ways; no linkDomain is published for them`);
      continue;
    }
    const value = `link-${shortHash(members.join('+'))}`;
    for (const m of members) out.set(m, value);
  }
  return out;
}
