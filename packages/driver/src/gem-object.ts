/** A GEM object of a 2.0 file: device memory from GEM_CREATE or a dma-buf imported through PRIME. */
import { C, Mapping } from '@openaccel/sys';
import type { AccelDevice } from './accel-device.js';

export class GemObject {
  private closed = false;

  constructor(
    private readonly device: AccelDevice,
    /** The GEM handle: what commands name (with a byte offset). */
    readonly handle: number,
    readonly size: number,
    /** The region it came from, or OA_MEMORY_ID_IMPORTED (0xffffffff) for an imported dma-buf. */
    readonly memoryId: number,
    /** The offset to mmap it with on the DRM file; 0 when the CPU cannot map it. */
    readonly mmapOffset: bigint,
  ) {}

  /** Maps the whole object into this process (MAP_SHARED, read-write); the caller closes the mapping. */
  map(): Mapping {
    if (this.closed) throw new Error(`GEM handle ${this.handle} is closed`);
    if (this.mmapOffset === 0n) throw new RangeError(`GEM handle ${this.handle} is not CPU-mappable (mmap_offset 0)`);
    return this.device.transport.mmap(this.mmapOffset, this.size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED);
  }

  /** A dma-buf fd of the object (PRIME_HANDLE_TO_FD); the caller closes it. */
  export(opts?: { cloexec?: boolean }): number {
    return this.device.primeExport(this.handle, opts);
  }

  /** Releases this reference; the handle is closed (GEM_CLOSE) when its last GemObject is. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.device.releaseGem(this.handle);
  }
}
