/** 2.0 queues on refdev: regions and their prots, the initial wake-up state, the data path, arming, overrun. */
import { describe, expect, it } from 'vitest';
import { C, closeFd, createEventfd, readEventfd } from '@openaccel/sys';
import { accelNodePath } from '@openaccel/refdev';
import { until, useRefdev } from '../raw-client.js';
import { RawClient2 } from './raw-client2.js';
import { NEED_WAKEUP, QUEUE_ERROR, Ring2 } from './ring2.js';

const refdev = useRefdev();
const bound = () => {
  const c = new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));
  expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
  return c;
};
const OP = { NOP: 0, COPY: 1, FILL: 2 };

/** A 2-entry queue whose CQ holds two unconsumed NOPs (tags 1, 2) with two more published behind them (3, 4). */
async function fullCqWithTwoWaiting(c: RawClient2): Promise<Ring2> {
  const r = new Ring2(c, 2);
  for (let i = 0; i < 2; i++) r.write({ opcode: OP.NOP, tag: i + 1 });
  r.ring();
  await until(() => r.cqTail === 2, 'the first two complete');
  for (let i = 2; i < 4; i++) r.write({ opcode: OP.NOP, tag: i + 1 });
  r.ring();
  return r;
}

describe('CREATE_QUEUE', () => {
  it('returns five page-aligned regions; status and CQ are read-only, nothing is executable', () => {
    const c = bound();
    const q = c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 8 });
    expect(q.errno).toBe(0);
    const v = q.value;
    expect([v.doorbell_size, v.control_size, v.status_size, v.sq_size, v.cq_size]).toEqual([4096, 4096, 4096, 4096, 4096]);
    const offsets = [v.doorbell_offset, v.control_offset, v.status_offset, v.sq_offset, v.cq_offset] as bigint[];
    expect(new Set(offsets).size).toBe(5);
    for (const o of offsets) expect(o % 4096n).toBe(0n);
    expect(c.mmap(v.status_offset, 4096)).toBe('EPERM'); // PROT_WRITE on the status region
    expect(c.mmap(v.cq_offset, 4096)).toBe('EPERM');
    expect(c.mmap(v.sq_offset, 4096, C.PROT_READ | C.PROT_EXEC)).toBe('EPERM');
    const ro = c.mmap(v.status_offset, 4096, C.PROT_READ);
    expect(typeof ro).not.toBe('string');
    if (typeof ro !== 'string') ro.close();
    expect(c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: v.queue_id }).errno).toBe(0);
    expect(c.mmap(v.sq_offset, 4096)).toBe('EINVAL'); // the offset of a destroyed queue names nothing
    expect(c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: v.queue_id }).errno).toBe('ENOENT');
    c.close();
  });

  it('an OA_QUEUE_SYNCOBJ queue has no doorbell', () => {
    const c = bound();
    const q = c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 4, flags: 1 });
    expect(q.value).toMatchObject({ doorbell_size: 0, doorbell_offset: 0n });
    c.close();
  });

  it('entry counts are checked as the table says', () => {
    const c = bound();
    expect(c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 3 }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 8, cq_entries: 4 }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 1 << 20 }).errno).toBe('EINVAL');
    c.close();
  });
});

describe('the data path', () => {
  it('a new queue starts with NEED_WAKEUP set (queue.initial-state)', () => {
    const c = bound();
    const r = new Ring2(c, 4);
    expect(r.flags & NEED_WAKEUP).toBe(NEED_WAKEUP);
    expect([r.sqHead, r.cqTail, r.armAck]).toEqual([0, 0, 0]);
    r.unmap();
    c.close();
  });

  it('runs NOP and FILL through the doorbell, posting CQEs with the phase bit and cq_tail', async () => {
    const c = bound();
    const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n }).value.handle as number;
    const off = c.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g }).value.mmap_offset as bigint;
    const mem = c.mmap(off, 4096);
    if (typeof mem === 'string') throw new Error(mem);
    const r = new Ring2(c, 4);
    for (let round = 0; round < 3; round++) {
      // Three rounds over a ring of 4 wrap it, so the phase flips.
      r.write({ opcode: OP.NOP, tag: 10 * round + 1 });
      r.write({ opcode: OP.FILL, tag: 10 * round + 2, dstHandle: g, dstAddr: 8n, dstLength: 16, arg: 0x1122334455667788n + BigInt(round) });
      r.ring();
      const got: { tag: number; status: number; result: number }[] = [];
      await until(() => {
        for (let e; (e = r.take()); ) got.push(e);
        return got.length === 2;
      }, 'two completions');
      expect(got).toEqual([
        { tag: 10 * round + 1, status: 0, result: 0 },
        { tag: 10 * round + 2, status: 0, result: 16 },
      ]);
      expect(new DataView(mem.buffer).getBigUint64(8, true)).toBe(0x1122334455667788n + BigInt(round));
      expect(r.cqTail).toBe(r.tail);
      expect(r.sqHead).toBe(r.tail);
    }
    r.unmap();
    mem.close();
    c.close();
  });

  it('a 16-bit opcode the device does not know completes INVALID_OPCODE; unknown SQE flags INVALID_FIELD', async () => {
    const c = bound();
    const r = new Ring2(c, 4);
    r.write({ opcode: 0x0100, tag: 1 }); // 1.0 would have read opcode 0 (NOP) from the low byte
    r.write({ opcode: OP.NOP, flags: 2, tag: 2 });
    r.ring();
    const got: number[] = [];
    await until(() => {
      for (let e; (e = r.take()); ) got.push(e.status);
      return got.length === 2;
    }, 'two completions');
    expect(got).toEqual([1, 2]);
    r.unmap();
    c.close();
  });

  it('SUBMIT with OA_SUBMIT_WAIT returns once the commands completed; an absolute deadline passed is ETIME', () => {
    const c = bound();
    const r = new Ring2(c, 4);
    r.write({ opcode: OP.NOP, tag: 1 });
    const w = c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, flags: 1, timeout_ns: process.hrtime.bigint() + 60_000_000_000n });
    expect(w.errno).toBe(0);
    expect(w.value.sq_head).toBe(1);
    expect(r.cqTail).toBe(1);
    // The CQ holds 4 and nobody consumes it: the 5th command cannot complete before a deadline already past.
    for (let i = 0; i < 4; i++) r.write({ opcode: OP.NOP, tag: 2 + i });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, flags: 1, timeout_ns: 1n }).errno).toBe('ETIME');
    r.unmap();
    c.close();
  });

  it('an armed queue signals its eventfd once and acknowledges the arm (ring.arming)', async () => {
    const c = bound();
    const r = new Ring2(c, 4);
    const efd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    expect(c.ioctl('DRM_IOCTL_OA_SET_EVENTFD', { queue_id: r.id, eventfd: efd }, [efd]).errno).toBe(0);
    expect(c.ioctl('DRM_IOCTL_OA_SET_EVENTFD', { queue_id: r.id, eventfd: 0 }, [0]).errno).toBe('EINVAL'); // fd 0 is not an eventfd
    Atomics.store(r.control, 1, r.armAck + 1);
    r.write({ opcode: OP.NOP, tag: 1 });
    r.ring();
    await until(() => r.armAck === 1, 'the device answers the arm');
    // The device stores arm_ack before it writes the eventfd (ring.arming): the write may follow a moment later.
    let signalled: bigint | undefined;
    await until(() => (signalled = readEventfd(efd)) !== undefined, 'the eventfd is signalled');
    expect(signalled).toBe(1n);
    r.write({ opcode: OP.NOP, tag: 2 });
    r.ring();
    await until(() => r.cqTail === 2, 'the second completion');
    expect(readEventfd(efd)).toBeUndefined(); // not armed again: no signal
    closeFd(efd);
    r.unmap();
    c.close();
  });

  it('an overrunning tail in the doorbell stops the queue; SUBMIT is EIO after (ring.overrun)', async () => {
    const c = bound();
    const r = new Ring2(c, 4);
    const other = new Ring2(c, 4);
    Atomics.store(r.doorbell!, 0, 5);
    // The engine reads the tail itself: woken through another queue, it finds this one overrun.
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: other.id, sq_tail: 0 }).errno).toBe(0);
    await until(() => (r.flags & QUEUE_ERROR) !== 0, 'the queue stops');
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 0 }).errno).toBe('EIO');
    const s = new Ring2(c, 4);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: s.id, sq_tail: 9 }).errno).toBe('EINVAL');
    expect(s.flags & QUEUE_ERROR).toBe(QUEUE_ERROR);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: s.id, sq_tail: 0 }).errno).toBe('EIO');
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: 999, sq_tail: 0 }).errno).toBe('ENOENT');
    r.unmap();
    s.unmap();
    other.unmap();
    c.close();
  });

  it('a queue stopped by an overrunning tail never runs the entries a later in-range doorbell tail publishes (ring.overrun)', async () => {
    const c = bound();
    const other = new Ring2(c, 4);
    // The race a client can lose on purpose: the overrunning tail reaches the device by SUBMIT, and the
    // doorbell is back in range before the engine reads it. Several rounds, so the old engine lost it.
    for (let round = 0; round < 8; round++) {
      const r = new Ring2(c, 4);
      for (let i = 0; i < 4; i++) r.write({ opcode: OP.NOP, tag: i + 1 });
      Atomics.store(r.doorbell!, 0, 9);
      // EINVAL when the SUBMIT finds the overrun, EIO when the engine read the doorbell first and stopped it.
      expect(['EINVAL', 'EIO']).toContain(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 9 }).errno);
      expect(r.flags & QUEUE_ERROR).toBe(QUEUE_ERROR);
      Atomics.store(r.doorbell!, 0, 2); // in range: the entries are valid NOPs
      for (let i = 0; i < 2; i++) {
        const want = other.cqTail + 1;
        other.write({ opcode: OP.NOP, tag: want });
        other.ring();
        await until(() => other.cqTail === want, 'a completion on the other queue');
        other.take();
      }
      expect([r.sqHead, r.cqTail]).toEqual([0, 0]);
      r.unmap();
      expect(c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: r.id }).errno).toBe(0);
    }
    other.unmap();
    c.close();
  });

  it("a command naming another file's GEM handle faults and never touches that memory (memory.access)", async () => {
    const a = bound();
    const b = bound();
    const g = a.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n }).value.handle as number;
    const m = a.mmap(a.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g }).value.mmap_offset, 4096);
    if (typeof m === 'string') throw new Error(m);
    const r = new Ring2(b, 4);
    r.write({ opcode: OP.FILL, tag: 1, dstHandle: g, dstLength: 64, arg: 0xffn });
    r.ring();
    await until(() => r.cqTail === 1, 'the FILL completes');
    expect(r.take()).toEqual({ tag: 1, result: 0, status: 3 }); // OA_STATUS_ADDRESS_FAULT
    expect(new Uint8Array(m.buffer).every((x) => x === 0)).toBe(true);
    m.close();
    r.unmap();
    a.close();
    b.close();
  });

  it('freed CQ space reaches the device: commands held by a full CQ complete once the user consumes (ring.cq-full)', async () => {
    const c = bound();
    const r = await fullCqWithTwoWaiting(c);
    // The CQ is full: the next two cannot complete, whatever the engine does meanwhile.
    await new Promise((res) => setTimeout(res, 100));
    expect(r.cqTail).toBe(2);
    const got = [r.take()!.tag, r.take()!.tag];
    // After storing cq_head: a full barrier (Atomics), then SUBMIT if the device sleeps.
    if (r.flags & NEED_WAKEUP) expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail }).errno).toBe(0);
    await until(() => {
      for (let e; (e = r.take()); ) got.push(e.tag);
      return got.length === 4;
    }, 'the held commands complete');
    expect(got).toEqual([1, 2, 3, 4]);
    r.unmap();
    c.close();
  });

  it('a full CQ with commands waiting is no work: the engine sleeps (NEED_WAKEUP) instead of spinning, and loses nothing (ring.cq-full)', async () => {
    const c = bound();
    const r = await fullCqWithTwoWaiting(c);
    // It spun on the full CQ for ever, so NEED_WAKEUP never came back.
    await until(() => (r.flags & NEED_WAKEUP) !== 0, 'the engine goes to sleep on the full CQ');
    expect([r.sqHead, r.cqTail]).toEqual([2, 2]);
    const got = [r.take()!.tag, r.take()!.tag];
    expect(r.flags & NEED_WAKEUP).toBe(NEED_WAKEUP);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail }).errno).toBe(0);
    await until(() => {
      for (let e; (e = r.take()); ) got.push(e.tag);
      return got.length >= 4;
    }, 'the waiting commands complete after the wake-up');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.take()).toBeUndefined();
    expect(got).toEqual([1, 2, 3, 4]);
    r.unmap();
    c.close();
  });

  it('a doorbell queue takes no syncobj points', () => {
    const c = bound();
    const r = new Ring2(c, 4);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 0, num_waits: 1 }).errno).toBe('EINVAL');
    r.unmap();
    c.close();
  });
});
