import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, type Context } from '@openaccel/driver';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { BufferUsageError, MemoryManager, NoDmabufSourceError, SmallBufferPool, findDmabufSource } from '../src/index.js';

let refdev: RefdevProcess;
let ctx: Context;
let mm: MemoryManager;

beforeAll(async () => {
  refdev = await startRefdev();
  ctx = openDevice(refdev.node('accel0')).openContext({ sva: true });
  mm = new MemoryManager({ devRoot: refdev.devRoot });
}, 120000); // starting a refdev on a busy machine: bounded by its own ready timeout

afterAll(async () => {
  ctx?.close();
  await refdev?.stop();
});

describe('dma-buf sources', () => {
  it('finds the refdev heap when the machine has no dma-heap or udmabuf', () => {
    const s = findDmabufSource({ devRoot: refdev.devRoot });
    expect(['dma-heap', 'udmabuf', 'refdev-heap']).toContain(s.kind);
  });

  it('says what it tried when there is none', () => {
    expect(() => findDmabufSource({ heapPath: '/nonexistent/heap' })).toThrow(NoDmabufSourceError);
  });
});

describe('buffers', () => {
  it('a dma-buf is imported once per context and reached by the device', async () => {
    const b = mm.allocDmabuf(10000, 'data');
    b.with('write', (bytes) => bytes.fill(3, 0, 10000));
    const h = b.importInto(ctx);
    expect(b.importInto(ctx)).toBe(h);
    const q = ctx.createQueue({ sqEntries: 4 });
    const c = await q.wait(q.submit({ op: 'crc32c', src: b.ref(ctx), srcLength: 10000 }));
    expect(c.ok).toBe(true);
    b.close();
    expect(() => ctx.freeMemory(h)).toThrow(/ENOENT/); // close() released the import
    q.destroy();
  });

  it('CPU access must be balanced', () => {
    const b = mm.allocSva(4096);
    b.begin('write');
    expect(() => b.begin('read')).toThrow(BufferUsageError);
    expect(() => b.end('read')).toThrow(/does not match begin\('write'\)/);
    expect(() => b.close()).toThrow(/close\(\) while 'write' CPU access is open/);
    b.end('write');
    expect(() => b.end('write')).toThrow(/without begin/);
    b.close();
    expect(() => b.begin('read')).toThrow(/closed/);
  });

  it('an SVA buffer needs an SVA context', () => {
    const plain = openDevice(refdev.node('accel0')).openContext();
    const b = mm.allocSva(4096);
    expect(() => b.ref(plain)).toThrow(/needs a context bound with \{ sva: true \}/);
    b.close();
    plain.close();
  });

  it('exported device memory is mapped for the CPU', async () => {
    const h = ctx.allocMemory(0, 8192);
    const q = ctx.createQueue({ sqEntries: 4 });
    await q.wait(q.submit({ op: 'fill', dst: { handle: h }, dstLength: 8192, arg: 0x2222222222222222n }));
    const b = mm.exportFrom(ctx, h, 8192);
    expect(b.with('read', (bytes) => bytes[8191])).toBe(0x22);
    b.close();
    ctx.freeMemory(h);
    q.destroy();
  });

  it('reports buffers dropped without close()', { timeout: 60000 }, async () => {
    const local = new MemoryManager({ devRoot: refdev.devRoot });
    (() => {
      local.allocSva(4096, 'forgotten');
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest.config.ts runs these tests with --expose-gc').toBeTypeOf('function');
    // Finalizers run some time after a collection: poll under a deadline only a missing report reaches.
    for (const end = performance.now() + 30000; local.leaks().length === 0 && performance.now() < end; ) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(local.leaks().map((l) => l.label)).toEqual(['forgotten (4096 B)']);
    expect(local.leaks()[0]!.allocatedAt).toMatch(/memory.test/);
    expect(local.liveCount).toBe(0);
  });
});

describe('small-buffer pool', () => {
  it('hands out distinct chunks from one slab, reuses freed ones, and the device reaches them', async () => {
    const pool = new SmallBufferPool(mm);
    const a = pool.alloc(100);
    const b = pool.alloc(200);
    a.bytes.fill(1);
    b.bytes.fill(2);
    expect(a.bytes[0]).toBe(1);
    expect(b.bytes[0]).toBe(2);
    const q = ctx.createQueue({ sqEntries: 4 });
    const c = await q.wait(q.submit({ op: 'copy', src: a.ref(ctx), srcLength: 100, dst: b.ref(ctx), dstLength: 200 }));
    expect(c.ok).toBe(true);
    expect(b.bytes[99]).toBe(1);
    expect(b.bytes[100]).toBe(2);
    a.free();
    expect(() => a.free()).toThrow(/twice/);
    expect(() => pool.alloc(70000)).toThrow(/1..65536/);
    pool.close();
    q.destroy();
  });
});

describe('examples', () => {
  const example = join(import.meta.dirname, '..', 'examples', 'pipeline.mjs');
  it.each([[[]], [['--sva']]])('the DEFLATE -> AES-GCM pipeline across two 2.0 devices, ordered by a timeline point, runs and checks out (%j)', (args) => {
    // The limits bound only a hung example (a refdev starts, then one pipeline): a busy machine is slow, not wrong.
    const out = execFileSync(process.execPath, [example, ...args], { encoding: 'utf8', timeout: 300000 });
    expect(out).toMatch(/queued: accel0 DEFLATE signals timeline point 1; accel1 AES-GCM waits for point 1/);
    expect(out).toMatch(/timeline point 2 reached/);
    expect(out).toMatch(/accel0 DEFLATE: 94000 -> \d+ bytes/);
    expect(out).toMatch(/check: .*: OK/);
  }, 310000);
});
