/**
 * The `openaccel` sysfs class: one directory per device under `class/openaccel/`, one file per
 * attribute, plus `memories/<i>/` and `links/<i>/` subdirectories. Each attribute has a format, a
 * unit, a mode and a `since`; where it may be absent, what absence means (absent is never zero).
 */
import { openaccelV1 } from '@openaccel/uapi';
import { bool, hex32, oneOf, s32, text, u32, u64, version, wordList, type ValueFormat } from './value.js';

export interface SysfsAttribute<K extends string = string> {
  /** File name inside the object's directory. */
  readonly file: string;
  /** Property of the typed object that holds the value. */
  readonly key: K;
  readonly format: ValueFormat<any>;
  readonly doc: string;
  readonly unit?: string;
  readonly mode: number;
  readonly since: string;
  /** When set, the file may be absent and this says what that means; otherwise it is required. */
  readonly absentMeans?: string;
  /** The oa_device_info field (OA_IOCTL_GET_INFO) that reports the same value. */
  readonly infoField?: string;
}

/** Attribute words for flag bits and opcodes: `OA_CAP_DMABUF_IMPORT` -> `dmabuf_import`, `OA_OP_SHA256` -> `sha256`. */
export const CAP_WORDS = openaccelV1.flags.find((f) => f.name === 'oa_caps')!.bits.map((b) => b.name.replace(/^OA_CAP_/, '').toLowerCase());
export const FUNCTION_WORDS = openaccelV1.opcodes.map((o) => o.name.replace(/^OA_OP_/, '').toLowerCase());
export const MEMORY_KINDS = ['ddr', 'hbm', 'sram', 'cxl'] as const;
export const LINK_KINDS = ['pcie', 'cxl', 'fabric', 'onchip'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];
export type LinkKind = (typeof LINK_KINDS)[number];

export const CLASS_DIR = 'class/openaccel';

export const DEVICE_ATTRIBUTES = [
  { file: 'api_version', key: 'apiVersion', format: version, doc: 'uAPI version the driver implements.', mode: 0o444, since: '1.0', infoField: 'api_major.api_minor' },
  { file: 'model', key: 'model', format: text, doc: 'Model name.', mode: 0o444, since: '1.0', infoField: 'name' },
  { file: 'caps', key: 'caps', format: wordList(CAP_WORDS), doc: 'Capabilities (OA_CAP_* without prefix, lower case).', mode: 0o444, since: '1.0', infoField: 'caps' },
  { file: 'functions', key: 'functions', format: wordList(FUNCTION_WORDS), doc: 'Functions implemented (OA_OP_* without prefix, lower case).', mode: 0o444, since: '1.0', infoField: 'functions' },
  { file: 'vendor_id', key: 'vendorId', format: hex32, doc: 'PCI vendor id.', mode: 0o444, since: '1.0', absentMeans: 'no PCI identity (GET_INFO reports 0)', infoField: 'vendor_id' },
  { file: 'device_id', key: 'deviceId', format: hex32, doc: 'PCI device id.', mode: 0o444, since: '1.0', absentMeans: 'no PCI identity (GET_INFO reports 0)', infoField: 'device_id' },
  { file: 'max_queues', key: 'maxQueues', format: u32, unit: 'queues', doc: 'Queues the device supports across all contexts.', mode: 0o444, since: '1.0', infoField: 'max_queues' },
  { file: 'free_queues', key: 'freeQueues', format: u32, unit: 'queues', doc: 'Queues that can be created now (like uacce available_instances).', mode: 0o444, since: '1.0', infoField: 'free_queues' },
  { file: 'max_sq_entries', key: 'maxSqEntries', format: u32, unit: 'entries', doc: 'Largest submission ring.', mode: 0o444, since: '1.0', infoField: 'max_sq_entries' },
  { file: 'max_cq_entries', key: 'maxCqEntries', format: u32, unit: 'entries', doc: 'Largest completion ring.', mode: 0o444, since: '1.0', infoField: 'max_cq_entries' },
  { file: 'max_transfer_bytes', key: 'maxTransferBytes', format: u32, unit: 'bytes', doc: 'Largest length of one command.', mode: 0o444, since: '1.0', infoField: 'max_transfer_bytes' },
  { file: 'sqe_size', key: 'sqeSize', format: u32, unit: 'bytes', doc: 'Submission entry size.', mode: 0o444, since: '1.0', infoField: 'sqe_size' },
  { file: 'cqe_size', key: 'cqeSize', format: u32, unit: 'bytes', doc: 'Completion entry size.', mode: 0o444, since: '1.0', infoField: 'cqe_size' },
  { file: 'doorbell_size', key: 'doorbellSize', format: u32, unit: 'bytes', doc: 'Doorbell region size.', mode: 0o444, since: '1.0', infoField: 'doorbell_size' },
  { file: 'numa_node', key: 'numaNode', format: s32, unit: 'node', doc: 'Nearest NUMA node; -1 = unknown.', mode: 0o444, since: '1.0', infoField: 'numa_node' },
  { file: 'pasid_bits', key: 'pasidBits', format: u32, unit: 'bits', doc: 'PASID width; 0 = no PASID (no SVA).', mode: 0o444, since: '1.0', infoField: 'pasid_bits' },
  { file: 'dev', key: 'dev', format: text, doc: 'major:minor of the character device.', mode: 0o444, since: '1.0', absentMeans: 'the node is not a character device (the software reference device serves a socket)' },
] as const satisfies readonly SysfsAttribute[];

export const MEMORY_ATTRIBUTES = [
  { file: 'kind', key: 'kind', format: oneOf(MEMORY_KINDS), doc: 'Kind of memory.', mode: 0o444, since: '1.0' },
  { file: 'size_bytes', key: 'sizeBytes', format: u64, unit: 'bytes', doc: 'Capacity.', mode: 0o444, since: '1.0' },
  { file: 'numa_node', key: 'numaNode', format: s32, unit: 'node', doc: 'NUMA node of the memory; -1 = not a host NUMA node.', mode: 0o444, since: '1.0' },
  { file: 'shared_with', key: 'sharedWith', format: wordList(), doc: 'Other devices (class device names) that reach this same memory; empty = none.', mode: 0o444, since: '1.0' },
  { file: 'cpu_visible', key: 'cpuVisible', format: bool, doc: 'The CPU can map this memory through an exported dma-buf.', mode: 0o444, since: '1.0' },
] as const satisfies readonly SysfsAttribute[];

export const LINK_ATTRIBUTES = [
  { file: 'peer', key: 'peer', format: text, doc: 'Class device name of the peer.', mode: 0o444, since: '1.0' },
  { file: 'kind', key: 'kind', format: oneOf(LINK_KINDS), doc: 'Kind of link.', mode: 0o444, since: '1.0' },
  { file: 'bandwidth_mbps', key: 'bandwidthMBps', format: u32, unit: 'MB/s', doc: 'Bandwidth towards the peer, in megabytes per second.', mode: 0o444, since: '1.0' },
  { file: 'latency_ns', key: 'latencyNs', format: u32, unit: 'ns', doc: 'One-way latency towards the peer.', mode: 0o444, since: '1.0' },
  { file: 'coherent', key: 'coherent', format: bool, doc: 'Accesses over the link are cache-coherent.', mode: 0o444, since: '1.0' },
  { file: 'p2p', key: 'p2p', format: bool, doc: "The device can read and write the peer's memory directly, so work can be chained across the link.", mode: 0o444, since: '1.0' },
] as const satisfies readonly SysfsAttribute[];

export interface OpenAccelMemory {
  /** Index: the directory name under memories/, and memory_id of the uAPI. */
  index: number;
  kind: MemoryKind;
  sizeBytes: bigint;
  numaNode: number;
  sharedWith: string[];
  cpuVisible: boolean;
}

export interface OpenAccelLink {
  index: number;
  peer: string;
  kind: LinkKind;
  bandwidthMBps: number;
  latencyNs: number;
  coherent: boolean;
  p2p: boolean;
}

export interface OpenAccelDevice {
  /** Class device name, e.g. `accel0`; also the device node name under `<dev root>/openaccel/`. */
  name: string;
  apiVersion: { major: number; minor: number };
  model: string;
  caps: string[];
  functions: string[];
  vendorId?: number;
  deviceId?: number;
  maxQueues: number;
  freeQueues: number;
  maxSqEntries: number;
  maxCqEntries: number;
  maxTransferBytes: number;
  sqeSize: number;
  cqeSize: number;
  doorbellSize: number;
  numaNode: number;
  pasidBits: number;
  dev?: string;
  memories: OpenAccelMemory[];
  links: OpenAccelLink[];
}

/** Every file of one device, as (path relative to the device directory, content). */
export function formatDevice(d: OpenAccelDevice): Map<string, string> {
  const files = new Map<string, string>();
  const put = (dir: string, attrs: readonly SysfsAttribute[], obj: Record<string, unknown>) => {
    for (const a of attrs) {
      const v = obj[a.key];
      if (v === undefined) {
        if (!a.absentMeans) throw new Error(`${dir}${a.file} is required but ${a.key} is undefined`);
        continue;
      }
      files.set(`${dir}${a.file}`, a.format.format(v));
    }
  };
  put('', DEVICE_ATTRIBUTES, d as unknown as Record<string, unknown>);
  for (const m of d.memories) put(`memories/${m.index}/`, MEMORY_ATTRIBUTES, m as unknown as Record<string, unknown>);
  for (const l of d.links) put(`links/${l.index}/`, LINK_ATTRIBUTES, l as unknown as Record<string, unknown>);
  return files;
}
