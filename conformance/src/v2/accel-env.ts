/**
 * What a 2.0 test gets: an OpenAccel DRM accel device reached only through its node path (a kernel
 * `/dev/accel/accelN` or a refdev socket node) and its sysfs directory (`class/accel/accelN`). Tests
 * send the exact bytes of the spec (driver-private and DRM core ioctls) and map regions themselves,
 * so they check the device, not a client library; everything a test opened is released when it ends.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openTransport, type Transport } from '@openaccel/driver';
import { addressOf } from '@openaccel/sys';
import { drmCoreIoctl, openaccelV2, uapi2 } from '@openaccel/uapi';
import { releaseAll, type Target } from '../env.js';
import { ConformanceFailure } from '../model.js';

/** GET_INFO decoded, with capability and function words as sysfs spells them. */
export interface AccelInfo {
  apiVersion: { major: number; minor: number };
  driver: string;
  caps: string[];
  capsMask: bigint;
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
  numaNode: number;
  maxTransferBytes: number;
  numOpcodes: number;
  pageSize: number;
  cacheLineSize: number;
  maxSyncobjPoints: number;
  name: string;
}

export const CAP_WORDS = openaccelV2.flags.find((f) => f.name === 'oa_caps')!.bits.map((b) => b.name.replace(/^OA_CAP_/, '').toLowerCase());
const OPCODES = new Map<number, string>(openaccelV2.opcodes.map((o) => [o.value, o.name.replace(/^OA_OP_/, '').toLowerCase()]));

/** A 2.0 ioctl name of the spec (driver-private). */
export type Oa2Ioctl = Parameters<typeof uapi2.ioctl>[0];

/** What io() and core() send through: a transport, or any open file that takes raw ioctls. */
export type Ioctls = Pick<Transport, 'ioctl'>;

/** The answer of one ioctl: errno (undefined on success) and the argument as the device left it. */
export interface Answer<V> {
  errno: string | undefined;
  out: V;
}

export class AccelEnv {
  readonly name: string;
  readonly info: AccelInfo;
  private readonly opened: { close(): void }[] = [];
  /** Buffers whose addresses were given to the device: kept reachable until the test ends. */
  private readonly pinned: Uint8Array[] = [];

  constructor(readonly target: Target) {
    this.name = basename(target.device);
    const t = openTransport(target.device);
    try {
      this.info = identify(t, this);
    } finally {
      t.close();
    }
  }

  get device(): string {
    return this.target.device;
  }

  get manifest(): Target['manifest'] {
    return this.target.manifest;
  }

  /** `<sysfsRoot>/class/accel/<name>`. */
  sysfsDir(name = this.name): string {
    return join(this.target.sysfsRoot, 'class/accel', name);
  }

  /** Other OpenAccel accel devices of the same tree, with their node paths beside this one. */
  peers(): { name: string; node: string }[] {
    let names: string[];
    try {
      names = readdirSync(join(this.target.sysfsRoot, 'class/accel'));
    } catch {
      return [];
    }
    return names
      .filter((n) => n !== this.name && /^accel\d+$/.test(n))
      .filter((n) => {
        try {
          return readdirSync(join(this.sysfsDir(n), 'openaccel')).length > 0;
        } catch {
          return false;
        }
      })
      .map((n) => ({ name: n, node: join(dirname(this.target.device), n) }));
  }

  /** A new open file of the node (an unbound context), closed when the test ends. */
  open(node = this.device): Transport {
    const t = openTransport(node); // the socket transport carries 2.0 fds too
    this.opened.push(t);
    return t;
  }

  /** A new open file, bound (no SVA unless asked). */
  bound(opts: { sva?: boolean; node?: string } = {}): Transport {
    const t = this.open(opts.node);
    const r = this.io(t, 'DRM_IOCTL_OA_BIND_CONTEXT', { flags: opts.sva ? 1 : 0 });
    if (r.errno) throw new ConformanceFailure(`DRM_IOCTL_OA_BIND_CONTEXT failed with ${r.errno}`, 'success', r.errno);
    return t;
  }

  /** A driver-private ioctl by name with the given fields (the rest zero). */
  io<N extends Oa2Ioctl>(t: Ioctls, name: N, fields: Record<string, unknown> = {}): Answer<ReturnType<ReturnType<typeof uapi2.ioctl<N>>['decode']>> {
    const codec = uapi2.ioctl(name);
    const arg = codec.encode(fields as never);
    const errno = t.ioctl(codec.request(), arg).errno;
    return { errno, out: codec.decode(arg) as never };
  }

  /** A DRM core ioctl by name; `bytes` (optional) is sent as is. */
  core(t: Ioctls, name: string, fields: Record<string, number | bigint> = {}): Answer<Record<string, number | bigint>> {
    const codec = drmCoreIoctl(name);
    const arg = codec.encode(fields);
    const errno = t.ioctl(codec.request, arg).errno;
    return { errno, out: codec.decode(arg) };
  }

  /** Memory whose address a test passes to the device (handle arrays, name buffers); kept until the end. */
  buffer(bytes: number | Uint8Array): { bytes: Uint8Array; address: bigint } {
    const b = typeof bytes === 'number' ? new Uint8Array(Math.max(bytes, 8)) : bytes;
    this.pinned.push(b);
    return { bytes: b, address: addressOf(b) };
  }

  /** u32 handles as an array in memory, for SYNCOBJ_* handle pointers. */
  u32s(values: readonly number[]): bigint {
    const b = this.buffer(values.length * 4);
    const v = new DataView(b.bytes.buffer, b.bytes.byteOffset);
    values.forEach((x, i) => v.setUint32(i * 4, x, true));
    return b.address;
  }

  /** u64 points as an array in memory; the view reads back what the device wrote. */
  u64s(values: readonly bigint[]): { address: bigint; read(i: number): bigint } {
    const b = this.buffer(values.length * 8);
    const v = new DataView(b.bytes.buffer, b.bytes.byteOffset);
    values.forEach((x, i) => v.setBigUint64(i * 8, x, true));
    return { address: b.address, read: (i) => v.getBigUint64(i * 8, true) };
  }

  track<T extends { close(): void }>(x: T): T {
    this.opened.push(x);
    return x;
  }

  has(cap: string): boolean {
    return this.info.caps.includes(cap);
  }

  /** Releases everything the test opened, newest first. */
  cleanup(): void {
    releaseAll(this.opened);
    this.pinned.length = 0;
  }
}

/** The driver name DRM_IOCTL_VERSION reports on an open file. */
export function driverName(env: AccelEnv, t: Transport): { errno: string | undefined; name: string; major: number; minor: number } {
  const buf = env.buffer(64);
  const r = env.core(t, 'DRM_IOCTL_VERSION', { name_len: 64n, name: buf.address });
  const len = Math.min(Number(r.out.name_len ?? 0n), 64);
  return { errno: r.errno, name: new TextDecoder().decode(buf.bytes.subarray(0, len)), major: Number(r.out.version_major), minor: Number(r.out.version_minor) };
}

/** binding.identify: VERSION names the driver, then GET_INFO and QUERY_FUNCTIONS answer. */
function identify(t: Transport, env: AccelEnv): AccelInfo {
  const v = driverName(env, t);
  if (v.errno) throw new ConformanceFailure(`DRM_IOCTL_VERSION failed with ${v.errno}: not a DRM node`, 'success', v.errno);
  if (v.name !== openaccelV2.binding.driverName) throw new ConformanceFailure(`DRM_IOCTL_VERSION names the driver '${v.name}': not an OpenAccel device`, openaccelV2.binding.driverName, v.name);
  const r = env.io(t, 'DRM_IOCTL_OA_GET_INFO');
  if (r.errno) throw new ConformanceFailure(`DRM_IOCTL_OA_GET_INFO failed with ${r.errno}`, 'success', r.errno);
  const o = r.out as Record<string, number | bigint | Uint8Array>;
  const caps = o.caps as bigint;
  const nameBytes = o.name as Uint8Array;
  const nul = nameBytes.indexOf(0);
  const numOpcodes = o.num_opcodes as number;
  return {
    apiVersion: { major: o.api_major as number, minor: o.api_minor as number },
    driver: v.name,
    caps: CAP_WORDS.filter((_, bit) => (caps >> BigInt(bit)) & 1n),
    capsMask: caps,
    functions: queryFunctions(env, t, numOpcodes).words,
    vendorId: o.vendor_id as number,
    deviceId: o.device_id as number,
    maxQueues: o.max_queues as number,
    freeQueues: o.free_queues as number,
    maxSqEntries: o.max_sq_entries as number,
    maxCqEntries: o.max_cq_entries as number,
    sqeSize: o.sqe_size as number,
    cqeSize: o.cqe_size as number,
    numMemories: o.num_memories as number,
    numaNode: o.numa_node as number,
    maxTransferBytes: o.max_transfer_bytes as number,
    numOpcodes,
    pageSize: o.page_size as number,
    cacheLineSize: o.cache_line_size as number,
    maxSyncobjPoints: o.max_syncobj_points as number,
    name: new TextDecoder().decode(nameBytes.subarray(0, nul < 0 ? nameBytes.length : nul)),
  };
}

/** The opcode bitmap of QUERY_FUNCTIONS: implemented opcodes, their words, and the words asked for. */
export function queryFunctions(env: AccelEnv, t: Transport, numOpcodes: number): { errno: string | undefined; opcodes: number[]; words: string[]; numWords: number } {
  const words = Math.ceil(numOpcodes / 64);
  const buf = env.buffer(words * 8);
  const r = env.io(t, 'DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: words, bitmap_ptr: buf.address });
  const view = new DataView(buf.bytes.buffer, buf.bytes.byteOffset);
  const opcodes: number[] = [];
  for (let op = 0; op < words * 64; op++) if ((view.getBigUint64((op >> 6) * 8, true) >> BigInt(op & 63)) & 1n) opcodes.push(op);
  return { errno: r.errno, opcodes, words: opcodes.map((op) => OPCODES.get(op) ?? `opcode_${op}`), numWords: (r.out as { num_words: number }).num_words };
}
