/**
 * Memory lifetime and bounds: a freed handle means nothing, an exported dma-buf outlives its context
 * (context.lifetime), allocations are zeroed, free_bytes is exact across export, and offsets at the
 * 2^32 and 2^64 edges fault without touching anything (memory.access).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '@openaccel/driver';
import type { TestEnv } from '../env.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../model.js';
import { RawQueue } from '../raw-queue.js';
import { crc32c } from '../reference.js';
import { STATUS } from './functions.js';

const statusName = (n: number) => Object.keys(STATUS).find((k) => STATUS[k] === n) ?? String(n);
const expectStatus = (what: string, expected: string, status: number) => expectEqual(`${what}: status`, expected, statusName(status));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function needMemory(env: TestEnv): void {
  if (env.info.numMemories === 0) throw new SkipTest('a memory region', 'the device reports no memory region');
}

/** A handle of `length` bytes, freed when the test ends unless the test frees it first. */
function alloc(env: TestEnv, ctx: Context, length: number): { handle: number; free(): void } {
  const handle = ctx.allocMemory(0, length);
  let live = true;
  const free = () => {
    if (live) ctx.freeMemory(handle);
    live = false;
  };
  env.track({ close: free });
  return { handle, free };
}

async function crcOf(q: RawQueue, handle: number, length: number, offset = 0): Promise<number> {
  const c = await q.run({ op: 'crc32c', src: { handle, offset }, srcLength: length });
  expectStatus(`CRC32C of handle ${handle}`, 'OK', c.status);
  return c.result >>> 0;
}

/** free_bytes of memory 0 once it settles at `want` (a release may finish after its ioctl returns), else as last seen. */
async function settledFree(ctx: Context, want: bigint): Promise<bigint> {
  let seen = ctx.queryMemory(0).freeBytes;
  for (let i = 0; i < 200 && seen !== want; i++) {
    await sleep(10);
    seen = ctx.queryMemory(0).freeBytes;
  }
  return seen;
}

const GUARD_PATTERN = 0x5a5a5a5a5a5a5a5an;

/** A queue, a handle `a`, and a handle `guard` filled with 0x5a, both `size` bytes. */
async function handlePair(env: TestEnv, size: number) {
  needMemory(env);
  const ctx = env.context();
  const q = env.track(new RawQueue(ctx, 4));
  const a = alloc(env, ctx, size);
  const guard = alloc(env, ctx, size);
  await q.run({ op: 'fill', dst: { handle: guard.handle }, dstLength: size, arg: GUARD_PATTERN });
  return { q, a, guard };
}

export const memoryLifetimeSuite: TestCase[] = [
  {
    id: 'memory.lifetime.use_after_free',
    doc: 'a command naming a freed handle completes with ADDRESS_FAULT and writes nothing',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'], functions: ['copy', 'crc32c', 'fill'] },
    async run(env) {
      const { q, a, guard } = await handlePair(env, 4096);
      a.free();
      expectStatus('CRC32C of a freed handle', 'ADDRESS_FAULT', (await q.run({ op: 'crc32c', src: { handle: a.handle }, srcLength: 64 })).status);
      expectStatus('COPY into a freed handle', 'ADDRESS_FAULT', (await q.run({ op: 'copy', src: { handle: guard.handle }, srcLength: 64, dst: { handle: a.handle }, dstLength: 64 })).status);
      expectStatus('COPY from a freed handle', 'ADDRESS_FAULT', (await q.run({ op: 'copy', src: { handle: a.handle }, srcLength: 64, dst: { handle: guard.handle }, dstLength: 64 })).status);
      expectEqual('the destination of the faulted COPY', crc32c(new Uint8Array(4096).fill(0x5a)), await crcOf(q, guard.handle, 4096));
    },
  },
  {
    id: 'memory.lifetime.zeroed_alloc',
    doc: 'ALLOC_MEMORY returns zeroed memory, also where a freed allocation held data',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'], functions: ['fill', 'crc32c'] },
    async run(env) {
      needMemory(env);
      const ctx = env.context();
      const q = env.track(new RawQueue(ctx, 4));
      const zero = crc32c(new Uint8Array(65536));
      for (let round = 0; round < 4; round++) {
        const a = alloc(env, ctx, 65536);
        expectEqual(`CRC of a fresh 64 KiB allocation (round ${round})`, zero, await crcOf(q, a.handle, 65536));
        await q.run({ op: 'fill', dst: { handle: a.handle }, dstLength: 65536, arg: 0xffffffffffffffffn });
        a.free();
      }
    },
  },
  {
    id: 'memory.lifetime.export_outlives_context',
    doc: 'a dma-buf exported from device memory keeps its bytes after the handle is freed and the context closed (context.lifetime)',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory', 'dmabuf_export'], functions: ['copy'] },
    async run(env) {
      needMemory(env);
      const data = randomBytes(8192);
      const ctx2 = env.context();
      const h = ctx2.allocMemory(0, 8192);
      const b2 = env.memory().exportFrom(ctx2, h, 8192);
      try {
        b2.with('write', (x) => x.set(data));
        ctx2.freeMemory(h);
        ctx2.close();
        const seen = b2.with('read', (x) => Buffer.from(x.slice(0, 8192)));
        expectTrue('the dma-buf holds its bytes after FREE_MEMORY and close of its context', seen.equals(data), 'changed');
        if (env.info.caps.includes('dmabuf_import') && env.info.functions.includes('crc32c')) {
          const other = env.context();
          const { handle } = other.importDmabuf(b2.fd);
          const c = await env.track(new RawQueue(other, 4)).run({ op: 'crc32c', src: { handle }, srcLength: 8192 });
          expectEqual('CRC of the orphaned dma-buf imported into another context', crc32c(data), c.result >>> 0);
        }
      } finally {
        b2.close();
      }
    },
  },
  {
    id: 'memory.lifetime.accounting_across_export',
    doc: 'exporting does not change free_bytes; once the handle is freed and every exported fd closed, free_bytes is back where it was',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory', 'dmabuf_export'] },
    async run(env) {
      needMemory(env);
      const ctx = env.context();
      const before = ctx.queryMemory(0).freeBytes;
      const a = alloc(env, ctx, 131072);
      expectEqual('free_bytes after a 128 KiB allocation', before - 131072n, ctx.queryMemory(0).freeBytes);
      const buf = env.memory().exportFrom(ctx, a.handle, 131072);
      expectEqual('free_bytes after exporting it', before - 131072n, ctx.queryMemory(0).freeBytes);
      a.free();
      buf.close();
      expectEqual('free_bytes once the handle is freed and the dma-buf closed', before, await settledFree(ctx, before));
      ctx.allocMemory(0, 4096); // still held when the context closes
      ctx.close();
      const probe = env.context();
      expectEqual('free_bytes after the context holding a handle closed', before, await settledFree(probe, before));
    },
  },
  {
    id: 'memory.handle.offset_edges',
    doc: 'handle offsets at 2^32, near 2^64 and ranges that wrap fault and write nothing (memory.access)',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'], functions: ['copy', 'crc32c', 'fill'] },
    async run(env) {
      const { q, a: src, guard: dst } = await handlePair(env, 8192);
      const edges: [string, bigint, number][] = [
        ['offset 2^32', 1n << 32n, 64],
        ['offset 2^32 + 64 (the low word in bounds)', (1n << 32n) + 64n, 64],
        ['offset 2^64 - 4096, 8192 bytes (wraps to 4096)', (1n << 64n) - 4096n, 8192],
        ['offset 2^64 - 1', (1n << 64n) - 1n, 1],
        ['offset 8192 (one past the end), 1 byte', 8192n, 1],
        ['offset 8191, 2 bytes', 8191n, 2],
      ];
      for (const [what, offset, length] of edges) {
        expectStatus(`COPY from ${what}`, 'ADDRESS_FAULT', (await q.run({ op: 'copy', src: { handle: src.handle, offset }, srcLength: length, dst: { handle: dst.handle }, dstLength: length })).status);
        expectStatus(`COPY to ${what}`, 'ADDRESS_FAULT', (await q.run({ op: 'copy', src: { handle: src.handle }, srcLength: length, dst: { handle: dst.handle, offset }, dstLength: length })).status);
      }
      expectEqual('the destination after faulted copies', crc32c(new Uint8Array(8192).fill(0x5a)), await crcOf(q, dst.handle, 8192));
      // The last byte of the handle is in bounds (control).
      const c = await q.run({ op: 'copy', src: { handle: src.handle }, srcLength: 1, dst: { handle: dst.handle, offset: 8191 }, dstLength: 1 });
      if (c.status !== STATUS['OK']) throw new ConformanceFailure(`COPY of 1 byte to offset 8191 of 8192: status ${statusName(c.status)}`, 'OK', statusName(c.status));
    },
  },
];
