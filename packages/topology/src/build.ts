/** Builders: put what sysfs, the openaccel class and manifests say into one TopologyGraph. */
import type { Manifest } from '@openaccel/capabilities';
import {
  readAccelClass,
  readAccelOpenAccelDevices,
  readDrmRenderNodes,
  readKfdTopology,
  readNumaNodes,
  readOpenAccelDevice,
  readUacceClass,
  CLASS_DIR,
  SysfsTree,
  type OpenAccelDevice,
  type SysfsError,
} from '@openaccel/sysfs';
import { TopologyGraph } from './graph.js';
import { addNodeMemories, addPciAccelerators, claimedPciFunctions } from './build-machine.js';
import { addAccelOpenAccelDevices, openAccelVertex, sameDevice, type OpenAccelTwin } from './build-accel.js';
import { addMemoriesAndLinks, formatBytes } from './openaccel-edges.js';

/** OpenAccel function words that a uacce algorithm name implies (hisi_zip, hisi_sec2 naming). */
const UACCE_FUNCTIONS: Record<string, string[]> = {
  deflate: ['deflate', 'inflate'],
  zlib: ['deflate', 'inflate'],
  gzip: ['deflate', 'inflate'],
  digest: ['sha256'],
  aead: ['aes_gcm_encrypt', 'aes_gcm_decrypt'],
};

const KFD_FB_PUBLIC = 1;
const KFD_FB_PRIVATE = 2;
const KFD_LINK_KINDS: Record<number, string> = { 2: 'pcie', 11: 'xgmi' };

export interface BuildOptions {
  /** Where device nodes live: `/dev` for kernel drivers, refdev's runtime `dev` directory for the software device. */
  devRoot?: string;
}

/** Adds openaccel class (1.0) devices, their memories (shared ones become one vertex) and links. */
export function addOpenAccelDevices(g: TopologyGraph, devices: readonly OpenAccelDevice[], opts: BuildOptions = {}): void {
  addOpenAccel1(g, devices, opts.devRoot ?? '/dev', (name) => `openaccel:${name}`);
}

function addOpenAccel1(g: TopologyGraph, devices: readonly OpenAccelDevice[], devRoot: string, idOf: (name: string) => string): void {
  for (const d of devices) {
    g.addDevice({ ...openAccelVertex(idOf(d.name), d), pasidBits: d.pasidBits, node: `${devRoot}/openaccel/${d.name}` });
  }
  for (const d of devices) addMemoriesAndLinks(g, d, idOf);
}

/**
 * OpenAccel devices of both layouts: 2.0 devices of the accel class, then 1.0 devices of the openaccel class
 * that are not one of them. A 1.0 device whose name a different 2.0 device already has is `openaccel-1.0:<name>`.
 */
function addOpenAccel(g: TopologyGraph, tree: SysfsTree, devRoot: string): ReadonlySet<string> {
  const v2 = readAccelOpenAccelDevices(tree);
  const v1 = tree.list(CLASS_DIR).map((name) => readOpenAccelDevice(tree, name)).filter((d): d is OpenAccelDevice => d !== undefined);
  const byName = new Map(v2.map((d) => [d.name, d]));
  const twins = new Map<string, OpenAccelTwin>();
  const alone: OpenAccelDevice[] = [];
  for (const d of v1) {
    const other = byName.get(d.name);
    if (other && sameDevice(d, tree.linkTarget(`${CLASS_DIR}/${d.name}/device`), other)) twins.set(d.name, { v1: d, node: `${devRoot}/openaccel/${d.name}` });
    else alone.push(d);
  }
  addAccelOpenAccelDevices(g, v2, { devRoot, twins });
  addOpenAccel1(g, alone, devRoot, (name) => (byName.has(name) ? `openaccel-1.0:${name}` : `openaccel:${name}`));
  return new Set(byName.keys());
}

/** Adds the devices, memories and links a manifest declares, as `manifest:<id>` devices of unknown NUMA locality. */
export function addManifest(g: TopologyGraph, m: Manifest, prefix = 'manifest'): void {
  for (const d of m.devices) {
    g.addDevice({
      id: `${prefix}:${d.id}`,
      name: d.id,
      source: 'manifest',
      model: d.model,
      functions: d.functions.map((f) => f.name),
      numa: -1,
      features: [d.sva ? 'sva' : '', d.dmabufImport ? 'dmabuf_import' : '', d.dmabufExport ? 'dmabuf_export' : '', d.eventfd ? 'eventfd' : ''].filter(Boolean),
      ...(d.pasidBits !== undefined ? { pasidBits: d.pasidBits } : {}),
    });
  }
  for (const mem of m.memories ?? []) {
    g.addMemory({ id: `${prefix}-mem:${mem.id}`, label: `${mem.kind} ${formatBytes(BigInt(mem.sizeBytes))} (${mem.id})`, memKind: mem.kind, sizeBytes: BigInt(mem.sizeBytes), numa: -1, devices: mem.devices.map((d) => `${prefix}:${d}`) });
  }
  for (const l of m.links ?? []) {
    g.addLink({ id: `${prefix}-link:${l.id}`, from: `${prefix}:${l.from}`, to: `${prefix}:${l.to}`, linkKind: l.kind, bandwidthMBps: l.bandwidthMBps, latencyNs: l.latencyNs, coherent: l.coherent, p2p: l.p2p });
  }
}

export interface SysfsGraph {
  graph: TopologyGraph;
  problems: SysfsError[];
}

/** Everything a sysfs tree says: NUMA nodes, the openaccel class, uacce, the kfd topology, accel and drm render nodes, PCI accelerators, device memory nodes. */
export function buildFromSysfs(root = '/sys', opts: BuildOptions = {}): SysfsGraph {
  const tree = new SysfsTree(root);
  const g = new TopologyGraph();
  for (const n of readNumaNodes(tree)) g.addNuma({ numa: n.id, cpus: n.cpus, ...(n.memTotalBytes !== undefined ? { memBytes: n.memTotalBytes } : {}) }, n.distances);
  const openAccel2 = addOpenAccel(g, tree, opts.devRoot ?? '/dev');
  for (const u of readUacceClass(tree)) {
    if (u.isolate === 1) continue; // isolated: unusable until an administrator clears it
    const mapped = u.algorithms.flatMap((a) => UACCE_FUNCTIONS[a] ?? []);
    g.addDevice({
      id: `uacce:${u.name}`,
      name: u.name,
      source: 'uacce',
      model: u.api,
      functions: [...new Set([...mapped, ...u.algorithms])],
      numa: u.numaNode,
      features: u.flags & 1 ? ['sva'] : [],
      ...(u.availableInstances !== undefined ? { freeQueues: u.availableInstances } : {}),
      node: u.node,
    });
  }
  const kfd = readKfdTopology(tree);
  const renderOfKfd = new Set<string>();
  const cpuNodes = new Set(kfd.nodes.filter((n) => n.gpuId === 0).map((n) => n.id));
  for (const n of kfd.nodes) {
    if (n.gpuId === 0) continue;
    const minor = n.properties.get('drm_render_minor');
    if (minor !== undefined) renderOfKfd.add(`renderD${minor}`);
    // A GPU's NUMA node is the CPU node its PCIe link reaches (kfd CPU node ids follow NUMA node ids).
    const host = n.ioLinks.find((l) => cpuNodes.has(l.nodeTo));
    const id = `kfd:${n.id}`;
    g.addDevice({ id, name: `kfd node ${n.id}`, source: 'kfd', model: n.name || 'amdgpu', functions: ['compute'], numa: host ? host.nodeTo : -1, features: [], ...(minor !== undefined ? { node: `/dev/dri/renderD${minor}` } : {}) });
    n.memBanks.forEach((b, i) => {
      if (b.heapType !== KFD_FB_PUBLIC && b.heapType !== KFD_FB_PRIVATE) return;
      g.addMemory({ id: `kfd-mem:${n.id}/${i}`, label: `${b.widthBits >= 1024 ? 'hbm' : 'ddr'} ${formatBytes(b.sizeBytes)} of kfd node ${n.id}`, memKind: b.widthBits >= 1024 ? 'hbm' : 'ddr', sizeBytes: b.sizeBytes, numa: -1, devices: [id] });
    });
  }
  for (const n of kfd.nodes) {
    n.ioLinks.forEach((l, i) => {
      if (cpuNodes.has(l.nodeTo) || cpuNodes.has(l.nodeFrom)) return;
      g.addLink({ id: `kfd-link:${n.id}/${i}`, from: `kfd:${l.nodeFrom}`, to: `kfd:${l.nodeTo}`, linkKind: KFD_LINK_KINDS[l.type] ?? `kfd-${l.type}`, bandwidthMBps: l.maxBandwidthMBps, ...(l.minLatencyNs ? { latencyNs: l.minLatencyNs } : {}), p2p: l.p2p });
    });
  }
  for (const a of readAccelClass(tree)) {
    if (openAccel2.has(a.name)) continue; // listed above with what its openaccel directory says
    g.addDevice({ id: `accel:${a.name}`, name: a.name, source: 'accel', model: a.vendorId !== undefined ? `pci ${hex(a.vendorId)}:${hex(a.deviceId ?? 0)}` : 'accel', functions: ['compute'], numa: a.numaNode, features: [], node: a.node });
  }
  for (const r of readDrmRenderNodes(tree)) {
    if (renderOfKfd.has(r.name)) continue;
    g.addDevice({ id: `drm:${r.name}`, name: r.name, source: 'drm', model: r.vendorId !== undefined ? `pci ${hex(r.vendorId)}:${hex(r.deviceId ?? 0)}` : 'drm', functions: ['compute'], numa: r.numaNode, features: [], node: r.node });
  }
  // PCI accelerators no class above showed (no driver bound, or a driver with no class), and device memory nodes.
  addNodeMemories(g, tree, addPciAccelerators(g, tree, claimedPciFunctions(root)));
  return { graph: g, problems: tree.problems };
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0');
}
