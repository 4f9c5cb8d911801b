/**
 * openAccelDevice: a 2.0 OpenAccel device, /dev/accel/accelN or a refdev socket node, as one DRM file
 * (the context). It is recognised as the spec says (DRM_IOCTL_VERSION names "openaccel", then GET_INFO
 * answers) before any other driver-private ioctl is sent.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { closeFd } from '@openaccel/sys';
import { drmConstant } from '@openaccel/uapi';
import { AccelIoctls } from './accel-ioctl.js';
import { AccelQueue, type AccelQueueOptions } from './accel-queue.js';
import { accelFlag, ACCEL_CAP_WORDS, ACCEL_FUNCTION_WORDS, ACCEL_MEMORY_KINDS } from './accel-words.js';
import { sharedInfo, type DeviceInfo } from './device.js';
import { DeviceGoneError, DriverError } from './errors.js';
import { GemObject } from './gem-object.js';
import { Syncobj } from './syncobj.js';
import { clearCloexec, openTransport, SocketTransport, type Transport } from './transport.js';
import { userAddress, withUserArrays } from './user-arrays.js';

export interface DrmVersion {
  major: number;
  minor: number;
  patchlevel: number;
  name: string;
  date: string;
  desc: string;
}

/** GET_INFO of 2.0: the 1.0 facts without the PASID and the doorbell page, plus what 2.0 reports. */
export interface AccelDeviceInfo extends Omit<DeviceInfo, 'caps' | 'functions' | 'pasidBits' | 'doorbellSize'> {
  /** Capability words: sva, dmabuf_import, dmabuf_export, device_memory, eventfd, syncobj, syncobj_timeline, mmio_doorbell, cq_tail. */
  caps: string[];
  numOpcodes: number;
  pageSize: number;
  cacheLineSize: number;
  maxSyncobjPoints: number;
}

export interface AccelMemoryInfo {
  memoryId: number;
  kind: string;
  shared: boolean;
  cpuVisible: boolean;
  /** Granule of GEM objects in this region; 0 when it cannot be allocated from. */
  allocAlign: number;
  size: bigint;
  free: bigint;
}

export interface GemInfo {
  memoryId: number;
  size: bigint;
  mmapOffset: bigint;
}

/** DRM_IOCTL_VERSION's name of an OpenAccel driver. */
export const ACCEL_DRIVER_NAME = 'openaccel';
/** Longest driver name, date or description read from DRM_IOCTL_VERSION. */
const MAX_VERSION_TEXT = 4096;

/** fdinfo is a few lines; more than this is not a DRM file's. */
const MAX_FDINFO_BYTES = 64 * 1024;

/** At most `max` bytes of a file (procfs files have no size to stat). */
function readBounded(path: string, max: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    for (let r; n < max && (r = readSync(fd, buf, n, max - n, null)) > 0; ) n += r;
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

const text = (b: Uint8Array, n: number) => new TextDecoder().decode(b.subarray(0, n));

export class AccelDevice {
  readonly ioctls: AccelIoctls;
  private infoCache: AccelDeviceInfo | undefined;
  private readonly gemRefs = new Map<number, { object: GemObject; refs: number }>();
  private readonly syncobjs = new Set<Syncobj>();
  private readonly queues = new Set<AccelQueue>();
  private closed = false;
  /** Set by bind(): whether commands of this file may name process addresses. */
  private svaBound = false;

  private constructor(readonly transport: Transport) {
    this.ioctls = new AccelIoctls(transport);
  }

  /** Opens a node and checks that it is an OpenAccel 2.0 device; throws DriverError (ENODEV) when it is not. */
  static open(path: string): AccelDevice {
    const d = new AccelDevice(openTransport(path));
    try {
      const v = d.identify('DRM_IOCTL_VERSION', () => d.version(), `${path} does not answer DRM_IOCTL_VERSION: not a DRM device`);
      if (v.name !== ACCEL_DRIVER_NAME) throw new DriverError('ENODEV', 'DRM_IOCTL_VERSION', `${path} is driven by '${v.name}', not ${ACCEL_DRIVER_NAME}`);
      d.identify('DRM_IOCTL_OA_GET_INFO', () => d.info(), `${path} names itself ${ACCEL_DRIVER_NAME} but does not answer GET_INFO`);
      return d;
    } catch (e) {
      d.transport.close();
      throw e;
    }
  }

  /** A failed identification step is ENODEV (rule binding.identify): the node is no OpenAccel 2.0 device. */
  private identify<T>(ioctl: string, step: () => T, detail: string): T {
    try {
      return step();
    } catch (e) {
      if (e instanceof DeviceGoneError) throw e;
      throw new DriverError('ENODEV', ioctl, `${detail} (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** DRM_IOCTL_VERSION: driver name, version and description. */
  version(): DrmVersion {
    let room = 64;
    for (;;) {
      const bufs = [new Uint8Array(room), new Uint8Array(room), new Uint8Array(room)] as const;
      const v = withUserArrays(bufs, () =>
        this.ioctls.core('DRM_IOCTL_VERSION', {
          name_len: BigInt(room),
          name: userAddress(bufs[0]),
          date_len: BigInt(room),
          date: userAddress(bufs[1]),
          desc_len: BigInt(room),
          desc: userAddress(bufs[2]),
        }),
      );
      const lens = [v.name_len, v.date_len, v.desc_len].map(Number);
      const need = Math.max(...lens);
      if (need > room && room < MAX_VERSION_TEXT) {
        room = Math.min(MAX_VERSION_TEXT, need);
        continue;
      }
      return {
        major: Number(v.version_major),
        minor: Number(v.version_minor),
        patchlevel: Number(v.version_patchlevel),
        name: text(bufs[0], Math.min(room, lens[0]!)),
        date: text(bufs[1], Math.min(room, lens[1]!)),
        desc: text(bufs[2], Math.min(room, lens[2]!)),
      };
    }
  }

  /** DRM_IOCTL_GET_CAP of a DRM_CAP_* name (DRM_CAP_PRIME, DRM_CAP_SYNCOBJ, DRM_CAP_SYNCOBJ_TIMELINE). */
  getCap(name: string): bigint {
    return BigInt(this.ioctls.core('DRM_IOCTL_GET_CAP', { capability: BigInt(drmConstant(name)) }).value!);
  }

  /** DRM_IOCTL_OA_GET_INFO (every field but freeQueues is constant; this reads it afresh). */
  info(): AccelDeviceInfo {
    const v = this.ioctls.call('DRM_IOCTL_OA_GET_INFO', {});
    this.infoCache = {
      ...sharedInfo(v),
      caps: ACCEL_CAP_WORDS.filter((w, bit) => w && (v.caps >> BigInt(bit)) & 1n),
      numOpcodes: v.num_opcodes,
      pageSize: v.page_size,
      cacheLineSize: v.cache_line_size,
      maxSyncobjPoints: v.max_syncobj_points,
    };
    return this.infoCache;
  }

  /** The device's facts as first read (constant for its life but freeQueues). */
  get facts(): AccelDeviceInfo {
    return this.infoCache ?? this.info();
  }

  /** Implemented opcodes (DRM_IOCTL_OA_QUERY_FUNCTIONS), as words; an opcode this spec does not name is `opcode_<n>`. */
  queryFunctions(): string[] {
    const need = this.ioctls.call('DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: 0, bitmap_ptr: 0n }).num_words;
    const bitmap = new BigUint64Array(need);
    if (need > 0) withUserArrays([bitmap], () => this.ioctls.call('DRM_IOCTL_OA_QUERY_FUNCTIONS', { num_words: need, bitmap_ptr: userAddress(bitmap) }));
    const out: string[] = [];
    for (let op = 0; op < need * 64; op++) if ((bitmap[op >> 6]! >> BigInt(op & 63)) & 1n) out.push(ACCEL_FUNCTION_WORDS.get(op) ?? `opcode_${op}`);
    return out;
  }

  queryMemory(memoryId: number): AccelMemoryInfo {
    const r = this.ioctls.call('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: memoryId });
    return { memoryId, kind: ACCEL_MEMORY_KINDS.get(r.kind) ?? `kind_${r.kind}`, shared: (r.properties & 1) !== 0, cpuVisible: (r.properties & 2) !== 0, allocAlign: r.alloc_align, size: r.size, free: r.free };
  }

  /** Binds the file to this process (once); with `sva`, commands may name process addresses. Returns drm-client-id. */
  bind(opts: { sva?: boolean } = {}): { contextId: number } {
    const contextId = this.ioctls.call('DRM_IOCTL_OA_BIND_CONTEXT', { flags: opts.sva ? accelFlag('oa_bind_flags', 'OA_BIND_SVA') : 0 }).context_id;
    this.svaBound = opts.sva ?? false;
    return { contextId };
  }

  /** Whether the file was bound with SVA (commands may carry process addresses). */
  get sva(): boolean {
    return this.svaBound;
  }

  /** Zeroed device memory from a region (DRM_IOCTL_OA_GEM_CREATE); `size` a multiple of the region's allocAlign. */
  gemCreate(opts: { memoryId: number; size: number | bigint }): GemObject {
    const handle = this.ioctls.call('DRM_IOCTL_OA_GEM_CREATE', { memory_id: opts.memoryId, size: BigInt(opts.size) } as never).handle;
    return this.adoptGem(handle);
  }

  gemInfo(handle: number): GemInfo {
    const r = this.ioctls.call('DRM_IOCTL_OA_GEM_INFO', { handle });
    return { memoryId: r.memory_id, size: r.size, mmapOffset: r.mmap_offset };
  }

  /** A dma-buf fd of a GEM handle (PRIME_HANDLE_TO_FD, read-write); the caller closes it. */
  primeExport(handle: number, opts: { cloexec?: boolean } = {}): number {
    const cloexec = opts.cloexec ?? true;
    const flags = drmConstant('DRM_RDWR') | (cloexec ? drmConstant('DRM_CLOEXEC') : 0);
    const fd = Number(this.ioctls.core('DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle, flags }).fd);
    if (!cloexec && this.transport.kind === 'socket') {
      try {
        clearCloexec(fd); // a socket node's fds arrive with O_CLOEXEC set
      } catch (e) {
        closeFd(fd);
        throw e;
      }
    }
    return fd;
  }

  /** A GEM object for a dma-buf fd (PRIME_FD_TO_HANDLE); the fd stays the caller's. The same dma-buf gives the same handle. */
  primeImport(fd: number): GemObject {
    const handle = Number(this.ioctls.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd }).handle);
    return this.adoptGem(handle);
  }

  /** A new reference to a handle: DRM gives one handle per object and file, closed (GEM_CLOSE) with its last reference. */
  private adoptGem(handle: number): GemObject {
    const known = this.gemRefs.get(handle);
    if (known) {
      known.refs++;
      const o = known.object;
      return new GemObject(this, handle, o.size, o.memoryId, o.mmapOffset);
    }
    let info: GemInfo;
    try {
      info = this.gemInfo(handle);
    } catch (e) {
      this.ioctls.core('DRM_IOCTL_GEM_CLOSE', { handle });
      throw e;
    }
    const object = new GemObject(this, handle, Number(info.size), info.memoryId, info.mmapOffset);
    this.gemRefs.set(handle, { object, refs: 1 });
    return object;
  }

  /** @internal GemObject.close */
  releaseGem(handle: number): void {
    const r = this.gemRefs.get(handle);
    if (!r || --r.refs > 0) return;
    this.gemRefs.delete(handle);
    if (!this.closed) this.ioctls.core('DRM_IOCTL_GEM_CLOSE', { handle });
  }

  /**
   * The drm-usage-stats keys of this file (`drm-driver`, `drm-client-id`, `drm-engine-<fn>`, ...): read from
   * /proc/self/fdinfo on a kernel node, asked of refdev on a socket node. Values are as printed.
   */
  fdinfo(): Map<string, string> {
    const t = this.transport;
    const text = t instanceof SocketTransport ? t.fdinfo() : readBounded(`/proc/self/fdinfo/${t.fd}`, MAX_FDINFO_BYTES);
    const out = new Map<string, string>();
    for (const line of text.split('\n')) {
      const m = /^([^:\s]+):\s*(.*)$/.exec(line);
      if (m) out.set(m[1]!, m[2]!.trim());
    }
    return out;
  }

  /** A new syncobj (binary; used with points > 0 it is a timeline). */
  syncobjCreate(opts: { signaled?: boolean } = {}): Syncobj {
    const handle = Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: opts.signaled ? drmConstant('DRM_SYNCOBJ_CREATE_SIGNALED') : 0 }).handle);
    return this.adoptSyncobj(handle);
  }

  /** A syncobj of this file for a syncobj fd another file exported; the fd stays the caller's. */
  syncobjImport(fd: number): Syncobj {
    return this.adoptSyncobj(Number(this.ioctls.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd }).handle));
  }

  private adoptSyncobj(handle: number): Syncobj {
    const s = new Syncobj(this.ioctls, handle, (x) => this.syncobjs.delete(x));
    this.syncobjs.add(s);
    return s;
  }

  /** A queue: doorbell-submitted by default; with `syncobj`, submitted by ioctl with wait and signal points. */
  createQueue(opts: AccelQueueOptions = {}): AccelQueue {
    const q = AccelQueue.create(this, opts);
    this.queues.add(q);
    return q;
  }

  /** @internal AccelQueue.destroy */
  forgetQueue(q: AccelQueue): void {
    this.queues.delete(q);
  }

  /** Destroys the queues and closes the file: the device releases every handle of it (rule context.lifetime). */
  close(): void {
    if (this.closed) return;
    for (const q of [...this.queues]) {
      try {
        q.destroy();
      } catch (e) {
        if (!(e instanceof DeviceGoneError) && !(e instanceof Error && 'errno' in e)) throw e;
      }
    }
    this.closed = true;
    this.gemRefs.clear();
    this.syncobjs.clear();
    this.transport.close();
  }
}

/** Opens a 2.0 device node: a kernel char device (/dev/accel/accelN) or a refdev socket node, by stat. */
export function openAccelDevice(path: string): AccelDevice {
  return AccelDevice.open(path);
}
