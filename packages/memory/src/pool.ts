/**
 * A pool of small SVA buffers: power-of-two size classes carved from 1 MiB slabs, so many small
 * buffers cost one mapping and no system call each. Freed chunks are reused.
 */
import type { Context, MemRef } from '@openaccel/driver';
import type { SvaBuffer } from './buffer.js';
import type { MemoryManager } from './manager.js';

const SLAB = 1 << 20;
export const MIN_CHUNK = 256;
export const MAX_CHUNK = 64 << 10;

export interface PooledChunk {
  readonly sizeBytes: number;
  readonly bytes: Uint8Array;
  ref(ctx: Context): MemRef;
  free(): void;
}

export class SmallBufferPool {
  /** Each slab is open for CPU access for its whole life (SVA memory is coherent). */
  private readonly slabs: { buf: SvaBuffer; bytes: Uint8Array }[] = [];
  private readonly free = new Map<number, { slab: { buf: SvaBuffer; bytes: Uint8Array }; offset: number }[]>();

  constructor(private readonly mm: MemoryManager) {}

  private classOf(size: number): number {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK) throw new RangeError(`pool chunks are 1..${MAX_CHUNK} bytes, got ${size}`);
    return Math.max(MIN_CHUNK, 2 ** Math.ceil(Math.log2(size)));
  }

  alloc(sizeBytes: number): PooledChunk {
    const cls = this.classOf(sizeBytes);
    let list = this.free.get(cls);
    if (!list || list.length === 0) {
      const buf = this.mm.allocSva(SLAB, `pool slab ${cls} B`);
      const slab = { buf, bytes: buf.begin('readwrite') };
      this.slabs.push(slab);
      list = Array.from({ length: SLAB / cls }, (_, i) => ({ slab, offset: i * cls }));
      this.free.set(cls, list);
    }
    const chunk = list.pop()!;
    let freed = false;
    return {
      sizeBytes,
      bytes: chunk.slab.bytes.subarray(chunk.offset, chunk.offset + sizeBytes),
      ref: (ctx) => chunk.slab.buf.ref(ctx, chunk.offset),
      free: () => {
        if (freed) throw new Error('pool chunk freed twice');
        freed = true;
        list!.push(chunk);
      },
    };
  }

  /** Closes every slab. Chunks still out become unusable. */
  close(): void {
    for (const s of this.slabs) {
      s.buf.end('readwrite');
      s.buf.close();
    }
    this.slabs.length = 0;
    this.free.clear();
  }
}
