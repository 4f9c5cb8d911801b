// 2.0 queues beyond the doorbell fast path: syncobj queues ordered by points, a failed submission that
// leaves nothing queued, and the sleeping path (arming, draining the eventfd, spurious wake-ups).
import { describe, expect, it } from 'vitest';
import { closeFd, readEventfd, signalEventfd } from '@openaccel/sys';
import { twoDevices } from './support/two-devices.js';

// An engine that sleeps when idle, so waits take the eventfd path.
const env = twoDevices({ engineSpinNs: 0 });

describe('syncobj queues', () => {
  it('a command on accel1 waiting on a point accel0 signals runs after it: a long FILL, then a COPY of its last bytes', async () => {
    // FILL of 8 MiB takes long enough that a COPY of its last page started early would read zeroes.
    const size = 8 << 20;
    const page = env.dev.queryMemory(0).allocAlign;
    const g = env.dev.gemCreate({ memoryId: 0, size });
    const fd = g.export();
    const shared = env.other.primeImport(fd);
    closeFd(fd);
    const out = env.other.gemCreate({ memoryId: 0, size: page });
    const tl = env.dev.syncobjCreate();
    const sfd = tl.exportFd();
    const tlThere = env.other.syncobjImport(sfd);
    closeFd(sfd);
    const q0 = env.dev.createQueue({ sqEntries: 4, syncobj: true });
    const q1 = env.other.createQueue({ sqEntries: 4, syncobj: true });
    expect(q0.syncobj).toBe(true);
    const t0 = q0.submitWith({ op: 'fill', dst: { handle: g.handle }, dstLength: size, arg: 0x5a5a5a5a5a5a5a5an }, { signals: [{ syncobj: tl, point: 1 }] });
    const t1 = q1.submitWith(
      { op: 'copy', src: { handle: shared.handle, offset: size - page }, srcLength: page, dst: { handle: out.handle }, dstLength: page },
      { waits: [{ syncobj: tlThere, point: 1 }], signals: [{ syncobj: tlThere, point: 2 }] },
    );
    expect(tl.wait(2, 60_000_000_000n)).toBe(true);
    expect((await q0.wait(t0, { timeoutMs: 60_000 })).ok).toBe(true);
    expect((await q1.wait(t1, { timeoutMs: 60_000 })).ok).toBe(true);
    const m = out.map();
    expect(m.bytes().every((b) => b === 0x5a)).toBe(true);
    m.close();
    for (const x of [g, shared, out]) x.close();
    for (const x of [tl, tlThere]) x.destroy();
    q0.destroy();
    q1.destroy();
  }, 120_000);

  it('a refused submission (a wait point with no fence) takes its command back: the next one gets the same tag and runs', async () => {
    const q = env.dev.createQueue({ sqEntries: 4, syncobj: true });
    const never = env.dev.syncobjCreate();
    const tag = q.pending;
    expect(() => q.submitWith({ op: 'nop' }, { waits: [{ syncobj: never, point: 1 }] })).toThrow(expect.objectContaining({ errno: 'EINVAL', ioctl: 'DRM_IOCTL_OA_SUBMIT' }));
    expect(q.pending).toBe(tag);
    const t = q.submit({ op: 'nop' }); // a syncobj queue publishes a plain submit by ioctl too
    expect(t).toBe(1);
    expect((await q.wait(t, { timeoutMs: 60_000 })).ok).toBe(true);
    never.destroy();
    q.destroy();
  });

  it('points are refused on a doorbell queue before anything is sent', () => {
    const q = env.dev.createQueue({ sqEntries: 4 });
    const s = env.dev.syncobjCreate();
    const calls = env.dev.transport.calls;
    expect(() => q.submitWith({ op: 'nop' }, { signals: [{ syncobj: s }] })).toThrow(/doorbell queue/);
    expect(env.dev.transport.calls).toBe(calls);
    expect(q.pending).toBe(0);
    s.destroy();
    q.destroy();
  });
});

describe('the sleeping path', () => {
  it('tolerates spurious wake-ups and drains the eventfd when it sleeps', async () => {
    // A DEFLATE of 8 MiB of random bytes takes far longer than the one check made after arming, so the
    // wait sleeps; two stale counts from nobody wake it at once, and it must drain them and sleep again.
    const size = 8 << 20;
    const src = env.dev.gemCreate({ memoryId: 0, size });
    const dst = env.dev.gemCreate({ memoryId: 0, size: size + (1 << 20) });
    const m = src.map();
    (await import('node:crypto')).randomFillSync(m.bytes());
    m.close();
    const q = env.dev.createQueue({ sqEntries: 4 });
    signalEventfd(q.eventfd);
    signalEventfd(q.eventfd);
    const tag = q.submit({ op: 'deflate', src: { handle: src.handle }, srcLength: size, dst: { handle: dst.handle }, dstLength: dst.size, arg: 1 });
    const c = await q.wait(tag, { timeoutMs: 120_000, spinNs: 0 });
    expect(c.tag).toBe(tag);
    expect(c.statusName).toBe('OK');
    // The stale count is gone; at most the one signal of this completion can be left (it may land after the last drain).
    expect(readEventfd(q.eventfd) ?? 0n).toBeLessThan(2n);
    q.destroy();
    src.close();
    dst.close();
  }, 180_000);

  it('sleeps until the completion of a command the sleeping engine was woken for, many times over', async () => {
    const q = env.dev.createQueue({ sqEntries: 2 });
    for (let i = 0; i < 20; i++) {
      const c = await q.wait(q.submit({ op: 'nop' }), { timeoutMs: 60_000, spinNs: 0 });
      expect(c.ok).toBe(true);
    }
    expect(q.wakeups).toBeGreaterThanOrEqual(1);
    q.destroy();
  }, 120_000);

  it('submitAndWait publishes by one SUBMIT that returns when the command is done', () => {
    const q = env.dev.createQueue({ sqEntries: 4 });
    const calls = env.dev.transport.calls;
    const c = q.submitAndWait({ op: 'nop' }, 60_000);
    expect(c.statusName).toBe('OK');
    expect(env.dev.transport.calls - calls).toBe(1);
    expect(q.pending).toBe(0);
    q.destroy();
  });
});
