/**
 * The sysfs of an OpenAccel 2.0 device: a kobject `openaccel` under the DRM accel device
 * (`/sys/class/accel/accelN/openaccel/`) with the device attributes, and child kobjects `memories/<i>/`
 * and `links/<i>/` (kobjects, because an attribute group cannot nest). Peers are symlinks to their accel
 * devices, never printed names. Typed data: the Documentation/ABI file is generated from it.
 */
import { openaccelV2 } from '@openaccel/uapi';
import type { SysfsAttribute } from './openaccel-class.js';
import { LINK_KINDS, MEMORY_KINDS } from './openaccel-class.js';
import { bool, hex32, oneOf, s32, text, u32, u64, version, wordList } from './value.js';

/** A symlink of the layout: its name (`<peer>` for one per peer device) and what it points at. */
export interface SysfsSymlink {
  readonly name: string;
  readonly target: string;
  readonly doc: string;
  readonly since: string;
}

export const ACCEL_CLASS_DIR = 'class/accel';
/** The kobject under each accel device that holds the OpenAccel attributes. */
export const ACCEL_OPENACCEL_DIR = 'openaccel';

/** 2.0 attribute words: `OA_CAP_MMIO_DOORBELL` -> `mmio_doorbell`, `OA_OP_SHA256` -> `sha256`. */
export const ACCEL_CAP_WORDS = openaccelV2.flags.find((f) => f.name === 'oa_caps')!.bits.map((b) => b.name.replace(/^OA_CAP_/, '').toLowerCase());
export const ACCEL_FUNCTION_WORDS = openaccelV2.opcodes.map((o) => o.name.replace(/^OA_OP_/, '').toLowerCase());

export const ACCEL_DEVICE_ATTRIBUTES = [
  { file: 'api_version', key: 'apiVersion', format: version, doc: 'uAPI version the driver implements (OA_API_VERSION_MAJOR.OA_API_VERSION_MINOR).', mode: 0o444, since: '2.0', infoField: 'api_major.api_minor' },
  { file: 'model', key: 'model', format: text, doc: 'Model name.', mode: 0o444, since: '2.0', infoField: 'name' },
  { file: 'caps', key: 'caps', format: wordList(ACCEL_CAP_WORDS), doc: 'Capabilities: OA_CAP_* without the prefix, in lower case.', mode: 0o444, since: '2.0', infoField: 'caps' },
  { file: 'functions', key: 'functions', format: wordList(ACCEL_FUNCTION_WORDS), doc: 'Functions implemented: OA_OP_* without the prefix, in lower case; the same set as the bitmap of DRM_IOCTL_OA_QUERY_FUNCTIONS.', mode: 0o444, since: '2.0' },
  { file: 'vendor_id', key: 'vendorId', format: hex32, doc: 'PCI vendor id.', mode: 0o444, since: '2.0', absentMeans: 'no PCI identity (GET_INFO reports 0)', infoField: 'vendor_id' },
  { file: 'device_id', key: 'deviceId', format: hex32, doc: 'PCI device id.', mode: 0o444, since: '2.0', absentMeans: 'no PCI identity (GET_INFO reports 0)', infoField: 'device_id' },
  { file: 'max_queues', key: 'maxQueues', format: u32, unit: 'queues', doc: 'Queues the device supports across all open files.', mode: 0o444, since: '2.0', infoField: 'max_queues' },
  { file: 'free_queues', key: 'freeQueues', format: u32, unit: 'queues', doc: 'Queues that can be created now (a snapshot).', mode: 0o444, since: '2.0', infoField: 'free_queues' },
  { file: 'max_sq_entries', key: 'maxSqEntries', format: u32, unit: 'entries', doc: 'Largest submission ring.', mode: 0o444, since: '2.0', infoField: 'max_sq_entries' },
  { file: 'max_cq_entries', key: 'maxCqEntries', format: u32, unit: 'entries', doc: 'Largest completion ring.', mode: 0o444, since: '2.0', infoField: 'max_cq_entries' },
  { file: 'max_transfer_bytes', key: 'maxTransferBytes', format: u32, unit: 'bytes', doc: 'Largest length of one command.', mode: 0o444, since: '2.0', infoField: 'max_transfer_bytes' },
  { file: 'page_size', key: 'pageSize', format: u32, unit: 'bytes', doc: 'Granule of mmap regions and offsets.', mode: 0o444, since: '2.0', infoField: 'page_size' },
  { file: 'cache_line_size', key: 'cacheLineSize', format: u32, unit: 'bytes', doc: 'Coherence granule between CPU and device.', mode: 0o444, since: '2.0', infoField: 'cache_line_size' },
  { file: 'num_opcodes', key: 'numOpcodes', format: u32, unit: 'opcodes', doc: 'Size of the opcode space the device knows.', mode: 0o444, since: '2.0', infoField: 'num_opcodes' },
  { file: 'numa_node', key: 'numaNode', format: s32, unit: 'node', doc: 'Nearest NUMA node; -1 = unknown.', mode: 0o444, since: '2.0', infoField: 'numa_node' },
] as const satisfies readonly SysfsAttribute[];

export const ACCEL_MEMORY_ATTRIBUTES = [
  { file: 'kind', key: 'kind', format: oneOf(MEMORY_KINDS), doc: 'Kind of memory (enum oa_memory_kind without the prefix, lower case).', mode: 0o444, since: '2.0' },
  { file: 'size_bytes', key: 'sizeBytes', format: u64, unit: 'bytes', doc: 'Capacity.', mode: 0o444, since: '2.0' },
  { file: 'alloc_align', key: 'allocAlign', format: u32, unit: 'bytes', doc: 'Granule of GEM objects in this memory; 0 = cannot be allocated from.', mode: 0o444, since: '2.0' },
  { file: 'numa_node', key: 'numaNode', format: s32, unit: 'node', doc: 'NUMA node of the memory; -1 = not a host NUMA node.', mode: 0o444, since: '2.0' },
  { file: 'cpu_visible', key: 'cpuVisible', format: bool, doc: 'The CPU can map GEM objects of this memory.', mode: 0o444, since: '2.0' },
] as const satisfies readonly SysfsAttribute[];

export const ACCEL_MEMORY_LINKS = [
  { name: 'shared_with/<peer>', target: 'the accel device <peer> (../../../../<peer> from the memory directory)', doc: 'One symlink per other device that reaches this same memory, named by its accel device; an empty directory when none does.', since: '2.0' },
] as const satisfies readonly SysfsSymlink[];

export const ACCEL_LINK_ATTRIBUTES = [
  { file: 'kind', key: 'kind', format: oneOf(LINK_KINDS), doc: 'Kind of link.', mode: 0o444, since: '2.0' },
  { file: 'bandwidth_mbps', key: 'bandwidthMBps', format: u32, unit: 'MB/s', doc: 'Bandwidth towards the peer, in megabytes per second.', mode: 0o444, since: '2.0' },
  { file: 'latency_ns', key: 'latencyNs', format: u32, unit: 'ns', doc: 'One-way latency towards the peer.', mode: 0o444, since: '2.0' },
  { file: 'coherent', key: 'coherent', format: bool, doc: 'Accesses over the link are cache-coherent.', mode: 0o444, since: '2.0' },
  { file: 'p2p', key: 'p2p', format: bool, doc: "The device reads and writes the peer's memory directly, so work can be chained across the link.", mode: 0o444, since: '2.0' },
] as const satisfies readonly SysfsAttribute[];

export const ACCEL_LINK_LINKS = [
  { name: 'peer', target: 'the accel device of the peer (../../../../<peer> from the link directory)', doc: 'The device at the other end of the link.', since: '2.0' },
] as const satisfies readonly SysfsSymlink[];

/** One directory level of the layout, for generators and readers. */
export interface AccelSysfsDir {
  /** Path below `class/accel/accel<N>/`, with `<i>` for an index. */
  readonly path: string;
  readonly doc: string;
  readonly attributes: readonly SysfsAttribute[];
  readonly links: readonly SysfsSymlink[];
}

export const ACCEL_OPENACCEL_LAYOUT: readonly AccelSysfsDir[] = [
  { path: ACCEL_OPENACCEL_DIR, doc: 'The OpenAccel attributes of the device; present exactly when the accel driver is OpenAccel.', attributes: ACCEL_DEVICE_ATTRIBUTES, links: [] },
  { path: `${ACCEL_OPENACCEL_DIR}/memories/<i>`, doc: 'Memory region <i>, the memory_id of DRM_IOCTL_OA_QUERY_MEMORY.', attributes: ACCEL_MEMORY_ATTRIBUTES, links: ACCEL_MEMORY_LINKS },
  { path: `${ACCEL_OPENACCEL_DIR}/links/<i>`, doc: 'Link <i> from this device to a peer device.', attributes: ACCEL_LINK_ATTRIBUTES, links: ACCEL_LINK_LINKS },
];

