import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRefdev, type RefdevProcess } from '@openaccel/refdev';
import { addressOf, Mapping } from '@openaccel/sys';
import { UapiError } from '@openaccel/uapi';
import { CompletionTimeoutError, DeviceGoneError, openDevice, QueueFullError, type Context } from '../src/index.js';

let refdev: RefdevProcess;
let ctx: Context;

beforeAll(async () => {
  // A long engine spin window: while the test submits, the engine never sleeps, so any system call would be the driver's.
  refdev = await startRefdev({ config: { engineSpinNs: 5e9 } });
  ctx = openDevice(refdev.node('accel0')).openContext({ sva: true });
}, 120000); // starting a refdev on a busy machine: bounded by its own ready timeout

afterAll(async () => {
  ctx?.close();
  await refdev?.stop();
});

const sysfs = (attr: string) => readFileSync(join(refdev.sysfsRoot, 'class/openaccel/accel0', attr), 'utf8').trim();

describe('device and context', () => {
  it('GET_INFO agrees with sysfs', () => {
    const info = openDevice(refdev.node('accel0')).info;
    expect(info.name).toBe(sysfs('model'));
    expect(info.functions.join(' ')).toBe(sysfs('functions'));
    expect(info.caps.join(' ')).toBe(sysfs('caps'));
    expect(String(info.maxQueues)).toBe(sysfs('max_queues'));
    expect(String(info.pasidBits)).toBe(sysfs('pasid_bits'));
  });

  it('binds with a PASID when asked for SVA', () => {
    expect(ctx.pasid).toBeGreaterThan(0);
    const plain = openDevice(refdev.node('accel0')).openContext();
    expect(plain.pasid).toBe(0);
    plain.close();
  });

  it('a path that is not a device node is refused', () => {
    expect(() => openDevice('/etc/hostname')).toThrow(/neither a character device nor a socket/);
    expect(() => openDevice('/nonexistent')).toThrow(/ENOENT/);
  });

  it('ioctl errors are UapiErrors naming the rule and the field', () => {
    try {
      ctx.freeMemory(12345);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UapiError);
      expect(e).toMatchObject({ errno: 'ENOENT', ioctl: 'OA_IOCTL_FREE_MEMORY', field: 'handle' });
    }
    expect(() => ctx.createQueue({ sqEntries: 3 })).toThrow(/EINVAL \(OA_IOCTL_CREATE_QUEUE\): one of: sq_entries is not a power of two/);
  });
});

// Thousands of round trips, each bounded by its wait's own limit; a busy machine makes them slow, not wrong.
describe('the doorbell path', { timeout: 120000 }, () => {
  it('makes no system call for 10,000 submissions and completions', () => {
    const q = ctx.createQueue({ sqEntries: 64 });
    q.waitSpin(q.submit({ op: 'nop' })); // the engine is awake
    const before = ctx.transport.calls;
    for (let i = 0; i < 10000; i++) {
      const c = q.waitSpin(q.submit({ op: 'nop' }));
      if (!c.ok) throw new Error(c.statusName);
    }
    expect(ctx.transport.calls - before).toBe(0);
    expect(q.wakeups).toBe(0);
    q.destroy();
  });

  it('wraps the rings many times (phase bit flips) and keeps every tag', () => {
    const q = ctx.createQueue({ sqEntries: 4 });
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const tags = q.submitBatch([{ op: 'nop' }, { op: 'nop' }, { op: 'nop' }]);
      for (const t of tags) {
        const c = q.waitSpin(t);
        expect(c.tag).toBe(t);
        seen.add(t);
      }
    }
    expect(seen.size).toBe(3000);
    q.destroy();
  });

  it('a full queue raises QueueFullError without losing anything', () => {
    const q = ctx.createQueue({ sqEntries: 8 });
    const tags = q.submitBatch(Array.from({ length: 8 }, () => ({ op: 'nop' as const })));
    expect(() => q.submit({ op: 'nop' })).toThrow(QueueFullError);
    expect(() => q.submitBatch([{ op: 'nop' }])).toThrow(/submission ring full/);
    for (const t of tags) expect(q.waitSpin(t).ok).toBe(true);
    expect(q.waitSpin(q.submit({ op: 'nop' })).ok).toBe(true);
    q.destroy();
  });

  it('completions are collected by tag in any order', () => {
    const q = ctx.createQueue({ sqEntries: 16 });
    const tags = q.submitBatch(Array.from({ length: 10 }, () => ({ op: 'nop' as const })));
    for (const t of [...tags].reverse()) expect(q.waitSpin(t).tag).toBe(t);
    q.destroy();
  });

  it('the syscall path works the same', () => {
    const q = ctx.createQueue({ sqEntries: 16 });
    const before = ctx.transport.calls;
    expect(q.submitByIoctl({ op: 'nop' }).ok).toBe(true);
    expect(ctx.transport.calls - before).toBe(1);
    q.destroy();
  });

  it('a wait that cannot complete times out with a clear error', async () => {
    const q = ctx.createQueue({ sqEntries: 16 });
    await expect(q.wait(9999, { timeoutMs: 50 })).rejects.toThrow(CompletionTimeoutError);
    q.destroy();
  });
});

describe('memory through the queue', { timeout: 60000 }, () => {
  it('device memory and SVA addresses, with faults that touch nothing', () => {
    const q = ctx.createQueue({ sqEntries: 16 });
    const h = ctx.allocMemory(0, 8192);
    const src = Buffer.from('hello accelerator, '.repeat(100));
    const dst = Buffer.alloc(src.length);
    const copyIn = q.waitSpin(q.submit({ op: 'copy', src: { address: addressOf(src) }, srcLength: src.length, dst: { handle: h }, dstLength: 8192 }));
    expect(copyIn).toMatchObject({ ok: true, result: src.length });
    const copyOut = q.waitSpin(q.submit({ op: 'copy', src: { handle: h }, srcLength: src.length, dst: { address: addressOf(dst) }, dstLength: dst.length }));
    expect(copyOut.ok).toBe(true);
    expect(dst.equals(src)).toBe(true);
    // Beyond the handle's end, and an unmapped address: ADDRESS_FAULT, and the destination is untouched.
    const guard = Buffer.alloc(256, 0x5a);
    expect(q.waitSpin(q.submit({ op: 'copy', src: { handle: h, offset: 8000 }, srcLength: 256, dst: { address: addressOf(guard) }, dstLength: 256 })).statusName).toBe('ADDRESS_FAULT');
    expect(q.waitSpin(q.submit({ op: 'copy', src: { address: 0x1000n }, srcLength: 16, dst: { address: addressOf(guard) }, dstLength: 256 })).statusName).toBe('ADDRESS_FAULT');
    expect(guard.every((b) => b === 0x5a)).toBe(true);
    expect(q.waitSpin(q.submit({ op: 'copy', src: { handle: 777 }, srcLength: 16, dst: { address: addressOf(guard) }, dstLength: 256 })).statusName).toBe('ADDRESS_FAULT');
    ctx.freeMemory(h);
    q.destroy();
  });

  it('a context without SVA may not name addresses', () => {
    const plain = openDevice(refdev.node('accel0')).openContext();
    const q = plain.createQueue({ sqEntries: 4 });
    const b = Buffer.alloc(128);
    expect(q.waitSpin(q.submit({ op: 'crc32c', src: { address: addressOf(b) }, srcLength: 128 })).statusName).toBe('ADDRESS_FAULT');
    plain.close();
  });

  it('exported device memory is a dma-buf the CPU can map, importable into another device', () => {
    const h = ctx.allocMemory(0, 4096);
    const q = ctx.createQueue({ sqEntries: 4 });
    q.waitSpin(q.submit({ op: 'fill', dst: { handle: h }, dstLength: 4096, arg: 0x4141414141414141n }));
    const fd = ctx.exportDmabuf(h);
    const m = Mapping.map(fd, 4096);
    expect(m.bytes()[4095]).toBe(0x41);
    const other = openDevice(refdev.node('accel1')).openContext();
    const { handle, lengthBytes } = other.importDmabuf(fd);
    expect(lengthBytes).toBe(4096n);
    const q2 = other.createQueue({ sqEntries: 4 });
    const c = q2.waitSpin(q2.submit({ op: 'sha256', src: { handle }, srcLength: 4096, dst: { handle }, dstLength: 32 }));
    expect(c.ok).toBe(true);
    m.close();
    other.close();
    ctx.freeMemory(h);
    q.destroy();
  });

  it('importing something that is not a dma-buf is EINVAL, a closed fd EBADF', () => {
    expect(() => ctx.importDmabuf(0)).toThrow(/EINVAL \(OA_IOCTL_IMPORT_DMABUF oa_import_dmabuf.fd\)/);
    expect(() => ctx.importDmabuf(4000)).toThrow(/EBADF/);
  });
});

describe('lifetimes', () => {
  it('a client killed with SIGKILL loses its queues and memory at once', { timeout: 120000 }, async () => {
    const info = () => openDevice(refdev.node('accel1'));
    const probe = openDevice(refdev.node('accel1')).openContext();
    // Releases are asynchronous (as a kernel releases at the last fput): poll for a state, under a deadline
    // only a leak reaches. Queues and memory come back separately, so wait for both.
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const settled = async (ok: () => boolean) => {
      for (const end = performance.now() + 60000; performance.now() < end && !ok(); ) await sleep(10);
    };
    // Contexts closed by earlier tests: every queue free again, and free memory no longer moving.
    await settled(() => info().info.freeQueues === info().info.maxQueues);
    for (let last = -1n, now = probe.queryMemory(0).freeBytes; now !== last; now = probe.queryMemory(0).freeBytes) {
      last = now;
      await sleep(100);
    }
    const freeBefore = info().info.freeQueues;
    expect(freeBefore).toBe(info().info.maxQueues);
    const memBefore = probe.queryMemory(0).freeBytes;
    const child = spawn(process.execPath, [join(import.meta.dirname, 'clients/hold-and-die.mjs'), refdev.node('accel1')], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout!.once('data', r));
    expect(info().info.freeQueues).toBe(freeBefore - 3);
    expect(probe.queryMemory(0).freeBytes).toBe(memBefore - 3n * 1024n * 1024n);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await settled(() => info().info.freeQueues === freeBefore && probe.queryMemory(0).freeBytes === memBefore);
    expect(info().info.freeQueues).toBe(freeBefore);
    expect(probe.queryMemory(0).freeBytes).toBe(memBefore);
    probe.close();
  });

  it('when the device process dies, waiting reports the device gone', { timeout: 60000 }, async () => {
    const r2 = await startRefdev();
    const c2 = openDevice(r2.node('accel0')).openContext();
    const q = c2.createQueue({ sqEntries: 4 });
    q.waitSpin(q.submit({ op: 'nop' }));
    r2.child.kill('SIGKILL');
    await new Promise((r) => r2.child.once('exit', r));
    // Whether submit() rings by system call (the engine had gone to sleep) or wait() notices, the device is gone.
    await expect((async () => q.wait(q.submit({ op: 'nop' }), { timeoutMs: 3000 }))()).rejects.toThrow(DeviceGoneError);
    expect(() => c2.createQueue()).toThrow(DeviceGoneError);
    c2.close();
  });
});
