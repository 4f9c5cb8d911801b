/** Memory: SVA by address, handles and their bounds, device memory accounting, dma-buf across contexts and devices, faults that touch nothing. */
import { randomBytes } from 'node:crypto';
import { openDevice } from '@openaccel/driver';
import type { TestEnv } from '../env.js';
import { testBuffer } from '../kit.js';
import { ConformanceFailure, expectEqual, expectTrue, type TestCase } from '../model.js';
import { RawQueue } from '../raw-queue.js';
import { STATUS } from './functions.js';

const expectFault = (what: string, status: number) => expectEqual(`${what}: status`, 'ADDRESS_FAULT', Object.keys(STATUS).find((k) => STATUS[k] === status) ?? String(status));

function guardBuffer(env: TestEnv, ctx: Parameters<typeof testBuffer>[1], size: number) {
  const b = testBuffer(env, ctx, size);
  b.write(new Uint8Array(size).fill(0x5a));
  return { b, untouched: () => b.read(size).every((x) => x === 0x5a) };
}

export const memorySuite: TestCase[] = [
  {
    id: 'memory.sva.copy',
    doc: 'an SVA context copies between process addresses',
    profiles: ['sva'],
    requires: { caps: ['sva'], functions: ['copy'] },
    async run(env) {
      const ctx = env.context({ sva: true });
      const q = env.track(new RawQueue(ctx, 4));
      const src = Buffer.from(randomBytes(8192));
      const dst = Buffer.alloc(8192);
      const { addressOf } = await import('@openaccel/sys');
      const c = await q.run({ op: 'copy', src: { address: addressOf(src) }, srcLength: 8192, dst: { address: addressOf(dst) }, dstLength: 8192 });
      expectEqual('COPY status', 0, c.status);
      expectTrue('destination equals source', dst.equals(src));
    },
  },
  {
    id: 'memory.sva.unmapped_faults',
    doc: 'an unmapped address completes with ADDRESS_FAULT and the destination is untouched',
    profiles: ['sva'],
    requires: { caps: ['sva'], functions: ['copy'] },
    async run(env) {
      const ctx = env.context({ sva: true });
      const q = env.track(new RawQueue(ctx, 4));
      const { b, untouched } = guardBuffer(env, ctx, 4096);
      expectFault('COPY from address 0x1000', (await q.run({ op: 'copy', src: { address: 0x1000n }, srcLength: 64, dst: b.ref(), dstLength: 4096 })).status);
      expectTrue('destination untouched after a source fault', untouched());
    },
  },
  {
    id: 'memory.sva.needs_sva_bind',
    doc: 'a context bound without SVA naming a process address gets ADDRESS_FAULT',
    profiles: ['core'],
    requires: { functions: ['crc32c'] },
    async run(env) {
      const ctx = env.context({ sva: false });
      const q = env.track(new RawQueue(ctx, 4));
      const { addressOf } = await import('@openaccel/sys');
      const buf = Buffer.alloc(4096, 1);
      expectFault('CRC32C of an address in a non-SVA context', (await q.run({ op: 'crc32c', src: { address: addressOf(buf) }, srcLength: 4096 })).status);
    },
  },
  {
    id: 'memory.handle.bounds',
    doc: 'a handle range past the end of its memory faults and touches nothing',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'], functions: ['copy'] },
    async run(env) {
      const ctx = env.context();
      const q = env.track(new RawQueue(ctx, 4));
      const h = ctx.allocMemory(0, 8192);
      env.track({ close: () => ctx.freeMemory(h) });
      const h2 = ctx.allocMemory(0, 4096);
      env.track({ close: () => ctx.freeMemory(h2) });
      expectFault('COPY from offset 8000, 512 bytes of an 8192-byte handle', (await q.run({ op: 'copy', src: { handle: h, offset: 8000 }, srcLength: 512, dst: { handle: h2 }, dstLength: 4096 })).status);
      expectFault('COPY to offset 4000, 512 bytes of a 4096-byte handle', (await q.run({ op: 'copy', src: { handle: h }, srcLength: 512, dst: { handle: h2, offset: 4000 }, dstLength: 512 })).status);
      expectFault('COPY from an unknown handle', (await q.run({ op: 'copy', src: { handle: 0x7fff }, srcLength: 64, dst: { handle: h2 }, dstLength: 64 })).status);
    },
  },
  {
    id: 'memory.handle.other_context',
    doc: "a handle of one context means nothing in another: ADDRESS_FAULT",
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'], functions: ['crc32c'] },
    async run(env) {
      const a = env.context();
      const b = env.context();
      const h = a.allocMemory(0, 4096);
      env.track({ close: () => a.freeMemory(h) });
      const q = env.track(new RawQueue(b, 4));
      expectFault("CRC32C of another context's handle", (await q.run({ op: 'crc32c', src: { handle: h }, srcLength: 64 })).status);
    },
  },
  {
    id: 'memory.device.accounting',
    doc: 'allocating and freeing device memory moves free_bytes by exactly the length',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory'] },
    run(env) {
      const ctx = env.context();
      const before = ctx.queryMemory(0).freeBytes;
      const h = ctx.allocMemory(0, 65536);
      expectEqual('free_bytes after a 64 KiB allocation', before - 65536n, ctx.queryMemory(0).freeBytes);
      ctx.freeMemory(h);
      expectEqual('free_bytes after freeing it', before, ctx.queryMemory(0).freeBytes);
    },
  },
  {
    id: 'memory.dmabuf.export_cpu_visible',
    doc: 'device memory exported as a dma-buf shows the CPU what the device wrote',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory', 'dmabuf_export'], functions: ['fill'] },
    async run(env) {
      const ctx = env.context();
      const q = env.track(new RawQueue(ctx, 4));
      const h = ctx.allocMemory(0, 8192);
      env.track({ close: () => ctx.freeMemory(h) });
      await q.run({ op: 'fill', dst: { handle: h }, dstLength: 8192, arg: 0x1122334455667788n });
      const buf = env.track(env.memory().exportFrom(ctx, h, 8192));
      const bytes = buf.with('read', (x) => x.slice(8184, 8192));
      expectEqual('last 8 bytes seen by the CPU', [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11], [...bytes]);
    },
  },
  {
    id: 'memory.dmabuf.across_contexts',
    doc: 'a dma-buf exported from one context is imported into another and reaches the same bytes',
    profiles: ['dmabuf'],
    requires: { caps: ['device_memory', 'dmabuf_export', 'dmabuf_import'], functions: ['fill', 'crc32c'] },
    async run(env) {
      const a = env.context();
      const b = env.context();
      const h = a.allocMemory(0, 4096);
      env.track({ close: () => a.freeMemory(h) });
      await env.track(new RawQueue(a, 4)).run({ op: 'fill', dst: { handle: h }, dstLength: 4096, arg: 0x0101010101010101n });
      const fd = a.exportDmabuf(h);
      const { closeFd } = await import('@openaccel/sys');
      env.track({ close: () => closeFd(fd) });
      const { handle } = b.importDmabuf(fd);
      const c = await env.track(new RawQueue(b, 4)).run({ op: 'crc32c', src: { handle }, srcLength: 4096 });
      const { crc32c } = await import('../reference.js');
      expectEqual('CRC of the shared bytes in the other context', crc32c(new Uint8Array(4096).fill(1)), c.result);
    },
  },
  {
    id: 'memory.dmabuf.across_devices',
    doc: "a dma-buf from the machine's heap is imported into two devices and both reach it",
    profiles: ['dmabuf'],
    requires: { caps: ['dmabuf_import'], functions: ['crc32c'], devices: 2 },
    async run(env) {
      const peer = env.peers()[0]!;
      const buf = env.track(env.memory().allocDmabuf(4096));
      const data = randomBytes(4096);
      buf.with('write', (x) => x.set(data));
      const { crc32c } = await import('../reference.js');
      for (const node of [env.device, peer.node]) {
        const ctx = env.context({ node });
        if (!openDevice(node).info.functions.includes('crc32c')) continue;
        const c = await env.track(new RawQueue(ctx, 4)).run({ op: 'crc32c', src: buf.ref(ctx), srcLength: 4096 });
        expectEqual(`CRC on ${node}`, crc32c(data), c.result);
      }
    },
  },
];

