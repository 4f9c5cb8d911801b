/** openDevice: a device node (character device or refdev socket), its info, and its contexts. */
import { CAP_WORDS_FROM_SPEC, FUNCTION_WORDS_FROM_SPEC } from './words.js';
import { Context } from './context.js';
import { ioctlError } from './errors.js';
import { openTransport, type Transport } from './transport.js';
import { uapi } from '@openaccel/uapi';

export interface DeviceInfo {
  apiVersion: { major: number; minor: number };
  /** Capability words: sva, dmabuf_import, dmabuf_export, device_memory, eventfd. */
  caps: string[];
  /** Function words: nop, copy, ... */
  functions: string[];
  vendorId: number;
  deviceId: number;
  maxQueues: number;
  freeQueues: number;
  maxSqEntries: number;
  maxCqEntries: number;
  sqeSize: number;
  cqeSize: number;
  numMemories: number;
  pasidBits: number;
  numaNode: number;
  maxTransferBytes: number;
  doorbellSize: number;
  name: string;
}

/** The GET_INFO fields 1.0 and 2.0 share, as decoded by either version's codec. */
export interface InfoWords {
  api_major: number;
  api_minor: number;
  vendor_id: number;
  device_id: number;
  max_queues: number;
  free_queues: number;
  max_sq_entries: number;
  max_cq_entries: number;
  sqe_size: number;
  cqe_size: number;
  num_memories: number;
  numa_node: number;
  max_transfer_bytes: number;
  name: Uint8Array;
}

/** The facts of GET_INFO that mean the same in 1.0 and 2.0. */
export function sharedInfo(v: InfoWords): Omit<DeviceInfo, 'caps' | 'functions' | 'pasidBits' | 'doorbellSize'> {
  const nul = v.name.indexOf(0);
  return {
    apiVersion: { major: v.api_major, minor: v.api_minor },
    vendorId: v.vendor_id,
    deviceId: v.device_id,
    maxQueues: v.max_queues,
    freeQueues: v.free_queues,
    maxSqEntries: v.max_sq_entries,
    maxCqEntries: v.max_cq_entries,
    sqeSize: v.sqe_size,
    cqeSize: v.cqe_size,
    numMemories: v.num_memories,
    numaNode: v.numa_node,
    maxTransferBytes: v.max_transfer_bytes,
    name: new TextDecoder().decode(v.name.subarray(0, nul < 0 ? v.name.length : nul)),
  };
}

export function queryInfo(t: Transport): DeviceInfo {
  const io = uapi.ioctl('OA_IOCTL_GET_INFO');
  const arg = io.encode({});
  const r = t.ioctl(io.request(), arg);
  if (r.errno) throw ioctlError('OA_IOCTL_GET_INFO', r.errno as never);
  const v = io.decode(arg);
  return {
    ...sharedInfo(v),
    caps: CAP_WORDS_FROM_SPEC.filter((_, bit) => (v.caps >> bit) & 1),
    functions: FUNCTION_WORDS_FROM_SPEC.filter((_, op) => (v.functions >> BigInt(op)) & 1n),
    pasidBits: v.pasid_bits,
    doorbellSize: v.doorbell_size,
  };
}

export class Device {
  readonly info: DeviceInfo;

  private constructor(readonly path: string) {
    const t = openTransport(path);
    try {
      this.info = queryInfo(t);
    } finally {
      t.close();
    }
  }

  static open(path: string): Device {
    return new Device(path);
  }

  /** A new context (a new open of the node), bound to this process; with `sva` the device gets a PASID for it. */
  openContext(opts: { sva?: boolean } = {}): Context {
    const t = openTransport(this.path);
    try {
      return new Context(t, this.info, opts);
    } catch (e) {
      t.close();
      throw e;
    }
  }
}

/** Opens a device node; the transport follows the node type (character device or refdev socket). */
export function openDevice(path: string): Device {
  return Device.open(path);
}
