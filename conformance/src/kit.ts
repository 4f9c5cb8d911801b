/** Buffers for function and memory tests, of whatever kind the device supports: SVA, dma-buf, or device memory. */
import type { Context, MemRef } from '@openaccel/driver';
import type { DmabufBuffer, SvaBuffer } from '@openaccel/memory';
import type { TestEnv } from './env.js';
import { SkipTest } from './model.js';

export interface TestBuffer {
  readonly size: number;
  ref(offset?: number): MemRef;
  write(bytes: Uint8Array, offset?: number): void;
  read(length?: number, offset?: number): Uint8Array;
}

export type BufferKind = 'sva' | 'dmabuf' | 'device';

/** The first kind the device supports for this context. */
export function bufferKind(env: TestEnv, ctx: Context): BufferKind {
  if (ctx.pasid !== 0) return 'sva';
  if (env.info.caps.includes('dmabuf_import')) return 'dmabuf';
  if (env.info.caps.includes('device_memory') && env.info.caps.includes('dmabuf_export') && env.info.numMemories > 0) return 'device';
  throw new SkipTest('sva, dmabuf_import or device_memory with dmabuf_export', 'the device offers no memory a test can fill and read back');
}

export function testBuffer(env: TestEnv, ctx: Context, size: number, kind: BufferKind = bufferKind(env, ctx)): TestBuffer {
  const bytes = Math.max(size, 1);
  let buf: SvaBuffer | DmabufBuffer;
  if (kind === 'sva') buf = env.memory().allocSva(bytes);
  else if (kind === 'dmabuf') buf = env.memory().allocDmabuf(bytes);
  else {
    const handle = ctx.allocMemory(0, Math.ceil(bytes / 4096) * 4096);
    buf = env.memory().exportFrom(ctx, handle, bytes);
    const b = buf as DmabufBuffer;
    env.track({ close: () => ctx.freeMemory(handle) });
    env.track({ close: () => b.close() });
    return {
      size,
      ref: (offset = 0) => ({ handle, offset }),
      write: (data, offset = 0) => b.with('write', (x) => x.set(data, offset)),
      read: (length = size, offset = 0) => b.with('read', (x) => x.slice(offset, offset + length)),
    };
  }
  env.track(buf);
  return {
    size,
    ref: (offset = 0) => buf.ref(ctx, offset),
    write: (data, offset = 0) => buf.with('write', (x) => x.set(data, offset)),
    read: (length = size, offset = 0) => buf.with('read', (x) => x.slice(offset, offset + length)),
  };
}
