/**
 * GEM objects of a refdev device: memfd-backed memory (a refdev dma-buf) with a fake mmap offset in the
 * device's offset space. An object lives while any file holds a handle to it; an exported dma-buf fd
 * keeps the memory itself alive after that (the client holds the memfd).
 */
import { fstatSync } from 'node:fs';
import { closeFd, Mapping } from '@openaccel/sys';
import type { MemoryPool, RefDevice } from '../device.js';
import { PAGE_SIZE } from './facts.js';

/** OA_MEMORY_ID_IMPORTED: the memory_id GEM_INFO reports for an imported dma-buf. */
export const MEMORY_ID_IMPORTED = 0xffffffff;
/** Where fake offsets start (DRM_FILE_PAGE_OFFSET_START on 64-bit: 0x100000 pages of 4 KiB in). */
const OFFSET_START = 0x100000000n;

export class GemObject {
  /** Handles to it across files; freed at 0. */
  refs = 0;
  constructor(
    readonly fd: number,
    readonly mapping: Mapping,
    readonly size: number,
    readonly memoryId: number,
    readonly mmapOffset: bigint,
    readonly identity: string,
    readonly pool: MemoryPool | undefined,
    private readonly space: AccelDeviceState,
  ) {}

  release(): void {
    if (--this.refs > 0) return;
    this.space.forget(this);
    this.mapping.close();
    closeFd(this.fd);
    if (this.pool) this.pool.usedBytes -= this.size;
  }
}

/** A queue region or GEM object a fake offset names (mmap looks it up). */
export interface VmaTarget {
  fd: number;
  sizeBytes: number;
  /** The file that may map it; GEM objects are checked through the file's handles instead. */
  owner?: object;
  readOnly?: boolean;
}

/** Device-wide 2.0 state: the fake offset space and the GEM objects by identity (for PRIME self-import). */
export class AccelDeviceState {
  private nextOffset = OFFSET_START;
  private readonly byIdentity = new Map<string, GemObject>();
  /** Live offsets of the device: another file's offset is EACCES, an unknown one EINVAL. */
  readonly vma = new Map<bigint, VmaTarget | GemObject>();

  constructor(readonly device: RefDevice) {}

  allocOffset(size: number): bigint {
    const at = this.nextOffset;
    this.nextOffset += BigInt(Math.ceil(size / PAGE_SIZE) * PAGE_SIZE);
    return at;
  }

  /** An object for the memfd `fd` (taken over); `cpuVisible` false gives mmap offset 0. */
  adopt(fd: number, size: number, memoryId: number, pool: MemoryPool | undefined, cpuVisible: boolean): GemObject {
    const mapping = Mapping.map(fd, size);
    const offset = cpuVisible ? this.allocOffset(size) : 0n;
    const obj = new GemObject(fd, mapping, size, memoryId, offset, identityOf(fd)!, pool, this);
    this.byIdentity.set(obj.identity, obj);
    if (offset) this.vma.set(offset, obj);
    return obj;
  }

  /** The object of this device that `fd` is (an export of it), if any. */
  find(fd: number): GemObject | undefined {
    const id = identityOf(fd);
    return id === undefined ? undefined : this.byIdentity.get(id);
  }

  forget(obj: GemObject): void {
    this.byIdentity.delete(obj.identity);
    if (obj.mmapOffset) this.vma.delete(obj.mmapOffset);
  }
}

/** A file's identity that survives fd passing (st_dev:st_ino), as a dma-buf's struct file does. */
export function identityOf(fd: number): string | undefined {
  try {
    const s = fstatSync(fd);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

const states = new WeakMap<RefDevice, AccelDeviceState>();

export function accelState(device: RefDevice): AccelDeviceState {
  let s = states.get(device);
  if (!s) states.set(device, (s = new AccelDeviceState(device)));
  return s;
}
