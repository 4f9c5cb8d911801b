/**
 * What machines show without any accelerator class: PCI functions that are accelerators by class (with
 * or without a driver), what each NUMA node's memory is, and device memory that Linux onlines as a
 * CPU-less NUMA node, attached to its device so "nearest my memory" and "share memory" see it.
 */
import {
  memoryTechnology,
  readAccelClass,
  readDeviceTreeGpuMemory,
  readDrmRenderNodes,
  readKfdTopology,
  readNodeMemory,
  readOpenAccelDevice,
  readPciAccelerators,
  readUacceClass,
  ACCEL_CLASS_DIR,
  ACCEL_OPENACCEL_DIR,
  CLASS_DIR,
  GPU_VENDORS,
  SysfsTree,
  type NodeMemory,
  type PciAccelerator,
} from '@openaccel/sysfs';
import type { DeviceVertex, PciPlace, TopologyGraph } from './graph.js';
import { formatBytes } from './openaccel-edges.js';

/**
 * PCI address -> ids of the devices another source already made of that function (uacce, accel, drm,
 * kfd, openaccel). Read from a tree of its own: the main build already recorded these files' problems.
 */
export function claimedPciFunctions(root: string): Map<string, string[]> {
  const tree = new SysfsTree(root);
  const out = new Map<string, string[]>();
  const claim = (address: string | undefined, id: string) => {
    if (address) out.set(address, [...(out.get(address) ?? []), id]);
  };
  for (const u of readUacceClass(tree)) claim(u.pciAddress, `uacce:${u.name}`);
  for (const a of readAccelClass(tree)) {
    // An OpenAccel 2.0 device is in the graph as openaccel:<name>; as accel:<name> when its openaccel directory could not be read.
    if (tree.isDirectory(`${ACCEL_CLASS_DIR}/${a.name}/${ACCEL_OPENACCEL_DIR}`)) claim(a.pciAddress, `openaccel:${a.name}`);
    claim(a.pciAddress, `accel:${a.name}`);
  }
  const kfd = readKfdTopology(tree);
  const kfdRender = new Set<string>();
  for (const n of kfd.nodes) {
    if (n.gpuId === 0) continue;
    const minor = n.properties.get('drm_render_minor');
    if (minor !== undefined) kfdRender.add(`renderD${minor}`);
    const domain = Number(n.properties.get('domain') ?? 0n);
    const location = Number(n.properties.get('location_id') ?? 0n); // bus << 8 | devfn
    const h = (v: number, w: number) => v.toString(16).padStart(w, '0');
    claim(`${h(domain, 4)}:${h(location >> 8, 2)}:${h((location >> 3) & 0x1f, 2)}.${location & 7}`, `kfd:${n.id}`);
  }
  for (const r of readDrmRenderNodes(tree)) if (!kfdRender.has(r.name)) claim(r.pciAddress, `drm:${r.name}`);
  // The 1.0 openaccel class has no device link: a function with the device's PCI ids on its node is the one it presents.
  const pci = readPciAccelerators(tree);
  for (const name of tree.list(CLASS_DIR)) {
    const d = readOpenAccelDevice(tree, name);
    if (d?.vendorId === undefined) continue;
    for (const p of pci) if (p.vendorId === d.vendorId && p.deviceId === d.deviceId && p.numaNode === d.numaNode) claim(p.address, `openaccel:${name}`);
  }
  return out;
}

function place(p: PciAccelerator): PciPlace {
  return { address: p.address, kind: p.kind, ...(p.driver ? { driver: p.driver } : {}), ...p.locality };
}

const hex = (n: number) => n.toString(16).padStart(4, '0');

/**
 * Adds every PCI accelerator no other source claimed as `pci:<address>`, driver or not, and gives the
 * claimed ones their PCI place. Returns PCI address -> the graph's devices for that function.
 */
export function addPciAccelerators(g: TopologyGraph, tree: SysfsTree, claimed: ReadonlyMap<string, readonly string[]>): Map<string, DeviceVertex[]> {
  const out = new Map<string, DeviceVertex[]>();
  for (const p of readPciAccelerators(tree)) {
    const ids = claimed.get(p.address) ?? [];
    const known = ids.map((id) => g.devices.get(id)).filter((d): d is DeviceVertex => d !== undefined);
    if (known.length) {
      for (const d of known) d.pci ??= place(p);
      out.set(p.address, known);
      continue;
    }
    const vendor = GPU_VENDORS.get(p.vendorId);
    out.set(p.address, [
      g.addDevice({
        id: `pci:${p.address}`,
        name: p.address,
        source: 'pci',
        model: `${vendor ? `${vendor} ` : ''}${hex(p.vendorId)}:${hex(p.deviceId)} ${p.kind}, ${p.driver ? `driver ${p.driver}` : 'no driver'}`,
        functions: ['compute'],
        numa: p.numaNode,
        features: [],
        pci: place(p),
      }),
    ]);
  }
  return out;
}

/**
 * The CPU-less memory nodes that are a device's own memory, by two rules Linux gives evidence for:
 * - the device's node is not a CPU node (a generic initiator, ACPI SRAT type 5) and the memory node is
 *   that node, or HMAT names the device's node, and no CPU node, among the memory's best initiators (access0);
 * - the device tree ties the GPU to the memory (POWER9 NVLink: see readDeviceTreeGpuMemory).
 */
function deviceMemoryNodes(nodes: readonly NodeMemory[], devNode: number, dtNodes: readonly number[]): NodeMemory[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const cpuNode = (id: number) => (byId.get(id)?.cpus.length ?? 0) > 0;
  return nodes.filter((m) => {
    if (m.cpus.length > 0 || !m.memTotalBytes) return false;
    if (dtNodes.includes(m.id)) return true;
    if (devNode < 0 || cpuNode(devNode)) return false;
    if (m.id === devNode) return true;
    const best = m.access0?.initiators ?? [];
    return best.includes(devNode) && !best.some(cpuNode);
  });
}

/** Gives each NUMA node its memory kind and tier, and attaches device memory nodes to their devices. */
export function addNodeMemories(g: TopologyGraph, tree: SysfsTree, pciDevices: ReadonlyMap<string, readonly DeviceVertex[]>): void {
  // cpulist and meminfo were read (and their problems recorded) by the main build: keep only new problems.
  const side = new SysfsTree(tree.root);
  const nodes = readNodeMemory(side);
  for (const p of side.problems) if (!tree.problems.some((q) => q.file === p.file)) tree.problems.push(p);
  const tech = new Map(nodes.map((n) => [n.id, memoryTechnology(n, nodes)]));
  for (const n of nodes) {
    const v = g.numa.get(n.id);
    if (!v) continue;
    const t = tech.get(n.id);
    if (t) Object.assign(v, { memKind: t.kind, memKindBecause: t.because });
    if (n.memoryTier !== undefined) v.memoryTier = n.memoryTier;
  }
  const dt = readDeviceTreeGpuMemory(tree);
  const owners = new Map<number, DeviceVertex[]>();
  for (const [address, devices] of pciDevices) {
    const devNode = devices[0]!.numa;
    const dtNodes = dt.filter((m) => m.gpu === address).map((m) => m.numaNode);
    for (const m of deviceMemoryNodes(nodes, devNode, dtNodes)) owners.set(m.id, [...(owners.get(m.id) ?? []), ...devices]);
  }
  for (const [id, devices] of owners) {
    const n = nodes.find((x) => x.id === id)!;
    const kind = tech.get(id)?.kind ?? 'device-memory';
    const v = g.numa.get(id);
    if (v && !v.memKind) Object.assign(v, { memKind: kind, memKindBecause: `the memory of ${devices.map((d) => d.name).join(', ')}; Linux does not say its technology` });
    g.addMemory({
      id: `numa-mem:${id}`,
      label: `${kind} ${formatBytes(n.memTotalBytes!)} of ${devices.map((d) => d.name).join(', ')} (node ${id})`,
      memKind: kind,
      sizeBytes: n.memTotalBytes!,
      numa: id,
      devices: devices.map((d) => d.id),
    });
  }
}
