/**
 * Syncobjs on 2.0 nodes: the SYNCOBJ ioctls with their errnos, timeline points, fds that come back, the
 * sync_file stand-in, and OA_QUEUE_SYNCOBJ queues whose commands start only after their wait points.
 */
import { describe, expect, it } from 'vitest';
import { C, closeFd, createEventfd, pollFds } from '@openaccel/sys';
import { decodeReply, drmCoreIoctl, encodeRequest, SocketNodeKind } from '@openaccel/uapi';
import { accelNodePath } from '@openaccel/refdev';
import { until, useRefdev } from '../raw-client.js';
import { pointArray, RawClient2, u32Array, u64Array, userBuffer } from './raw-client2.js';
import { Ring2 } from './ring2.js';

const refdev = useRefdev();
const open = () => new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));
const WAIT_ALL = 1;
const WAIT_FOR_SUBMIT = 2;
const farDeadline = () => process.hrtime.bigint() + 60_000_000_000n;

function create(c: RawClient2, signaled = false): number {
  const r = c.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: signaled ? 1 : 0 });
  if (r.errno !== 0) throw new Error(`create: ${r.errno}`);
  return r.value.handle as number;
}

function wait(c: RawClient2, handles: number[], deadline: bigint, flags = WAIT_ALL) {
  const h = u32Array(handles);
  return c.core('DRM_IOCTL_SYNCOBJ_WAIT', { handles: h.ptr, count_handles: handles.length, timeout_nsec: deadline, flags });
}

/**
 * A fence that has not signalled yet: a NOP on a syncobj queue whose CQ is full (nobody consumed it), with a
 * signal point on `syncobj`. open() consumes the CQ and wakes the queue, so the NOP completes and the point signals.
 */
class Gate {
  readonly ring: Ring2;
  readonly syncobj: number;

  constructor(readonly c: RawClient2, point = 0n) {
    this.ring = new Ring2(c, 2, true);
    this.syncobj = create(c);
    this.ring.write({ opcode: 0, tag: 1 });
    this.ring.write({ opcode: 0, tag: 2 });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: this.ring.id, sq_tail: this.ring.tail, flags: 1, timeout_ns: farDeadline() }).errno).toBe(0);
    this.ring.write({ opcode: 0, tag: 3 });
    const signals = pointArray([{ handle: this.syncobj, point }]);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: this.ring.id, sq_tail: this.ring.tail, num_signals: 1, signals_ptr: signals.ptr }).errno).toBe(0);
  }

  open(): void {
    while (this.ring.take());
    expect(this.c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: this.ring.id, sq_tail: this.ring.tail }).errno).toBe(0);
  }

  /** Destroys the gate's queue: its pending point signals with an error. */
  fail(): void {
    expect(this.c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: this.ring.id }).errno).toBe(0);
  }
}

describe('binary syncobjs', () => {
  it('CREATE, WAIT, SIGNAL, DESTROY with their errnos', () => {
    const c = open();
    const s = create(c);
    const done = create(c, true);
    expect(wait(c, [done], 0n).errno).toBe(0);
    expect(wait(c, [s], 0n).errno).toBe('EINVAL'); // no fence and no WAIT_FOR_SUBMIT
    expect(wait(c, [s], 0n, WAIT_ALL | WAIT_FOR_SUBMIT).errno).toBe('ETIME');
    expect(wait(c, [s, done], 0n, WAIT_FOR_SUBMIT).value.first_signaled).toBe(1);
    const arr = u32Array([s]);
    expect(c.core('DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: arr.ptr, count_handles: 1 }).errno).toBe(0);
    expect(wait(c, [s], 0n).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: 2 }).errno).toBe('EINVAL');
    expect(wait(c, [], 0n).errno).toBe(0); // zero handles: 0 at once, as Linux 6.12 answers
    expect(c.core('DRM_IOCTL_SYNCOBJ_WAIT', { handles: 8n, count_handles: 1, flags: 0 }).errno).toBe('EFAULT');
    expect(wait(c, [999], 0n).errno).toBe('ENOENT');
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s, pad: 1 }).errno).toBe('EINVAL');
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s }).errno).toBe('EINVAL');
    c.close();
  });

  it('a file holds at most 4096 syncobj handles: CREATE past them is ENOSPC, another file is unaffected, a DESTROY makes room (core.syncobj_create.handles_exhausted)', () => {
    const c = open();
    const other = open();
    for (let i = 0; i < 4096; i++) create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: 0 }).errno).toBe('ENOSPC');
    expect(other.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: 0 }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: 1 }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: 0 }).errno).toBe(0);
    c.close();
    other.close();
  });

  it("another file's syncobj handle is ENOENT", () => {
    const a = open();
    const b = open();
    const s = create(a, true);
    expect(wait(b, [s], 0n).errno).toBe('ENOENT');
    a.close();
    b.close();
  });
});

describe('timelines', () => {
  it('TIMELINE_SIGNAL, QUERY, TIMELINE_WAIT and TRANSFER', () => {
    const c = open();
    const t = create(c);
    const h = u32Array([t]);
    expect(c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: h.ptr, points: u64Array([3n]).ptr, count_handles: 1 }).errno).toBe(0);
    const q = userBuffer(8);
    expect(c.core('DRM_IOCTL_SYNCOBJ_QUERY', { handles: h.ptr, points: q.ptr, count_handles: 1 }).errno).toBe(0);
    expect(q.buf.readBigUInt64LE(0)).toBe(3n);
    const tw = (point: bigint, flags: number) => c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles: h.ptr, points: u64Array([point]).ptr, count_handles: 1, timeout_nsec: 0n, flags });
    expect(tw(2n, WAIT_ALL).errno).toBe(0); // point 3 signalled covers 2
    expect(tw(5n, WAIT_ALL).errno).toBe('EINVAL');
    expect(tw(5n, WAIT_ALL | WAIT_FOR_SUBMIT).errno).toBe('ETIME');
    expect(tw(5n, 8).errno).toBe('EINVAL'); // an unknown flag
    const bin = create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: t, dst_handle: bin, src_point: 3n, dst_point: 0n }).errno).toBe(0);
    expect(wait(c, [bin], 0n).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: t, dst_handle: 999, src_point: 3n }).errno).toBe('ENOENT');
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: t, dst_handle: bin, src_point: 9n }).errno).toBe('EINVAL');
    // flags other than WAIT_FOR_SUBMIT: EINVAL, checked after both handles (drm_syncobj_find_fence); it was ignored.
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: t, dst_handle: bin, src_point: 3n, flags: 8 }).errno).toBe('EINVAL');
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: 999, dst_handle: bin, src_point: 3n, flags: 8 }).errno).toBe('ENOENT');
    c.close();
  });
});

describe('a signalled sync_file imports back (found by the conformance suite: it was EINVAL)', () => {
  it('IMPORT_SYNC_FILE takes the stand-in of a fence that had signalled already, and an unknown handle is ENOENT', () => {
    const c = open();
    const s = create(c, true);
    const sf = c.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: 1 });
    expect(sf.errno).toBe(0);
    expect(pollFds([sf.fds[0]!], C.POLLIN, 0)[0]! & C.POLLIN).toBe(C.POLLIN);
    expect(c.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { handle: 999, flags: 1, fd: sf.fds[0]! }, [sf.fds[0]!]).errno).toBe('ENOENT');
    const other = create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { handle: other, flags: 1, fd: sf.fds[0]! }, [sf.fds[0]!]).errno).toBe(0);
    expect(wait(c, [other], 0n).errno).toBe(0);
    closeFd(sf.fds[0]!);
    c.close();
  });
});

describe('TRANSFER with WAIT_FOR_SUBMIT', () => {
  it('waits until the source point is submitted (here by another file through the syncobj fd)', () => {
    const a = open();
    const b = open();
    const t = create(a);
    const bin = create(a);
    const e = a.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: t });
    const tb = b.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]).value.handle as number;
    const io = drmCoreIoctl('DRM_IOCTL_SYNCOBJ_TRANSFER');
    a.socket.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request, arg: io.encode({ src_handle: t, dst_handle: bin, src_point: 4n, flags: WAIT_FOR_SUBMIT }) }));
    expect(b.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: u32Array([tb]).ptr, points: u64Array([4n]).ptr, count_handles: 1 }).errno).toBe(0);
    const r = a.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error('no reply');
    expect(decodeReply(r.payload)!.errno).toBe(0);
    expect(wait(a, [bin], 0n).errno).toBe(0);
    closeFd(e.fds[0]!);
    a.close();
    b.close();
  });
});

describe('fds', () => {
  it('a syncobj fd keeps its syncobj after the exporting file closed (context.lifetime; it was EINVAL)', () => {
    const a = open();
    const s = create(a, true);
    const e = a.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s });
    expect(e.errno).toBe(0);
    expect(a.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s }).errno).toBe(0);
    a.close();
    const b = open();
    const i = b.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]);
    expect(i.errno).toBe(0);
    expect(wait(b, [i.value.handle], 0n).errno).toBe(0); // the same syncobj: signalled
    closeFd(e.fds[0]!);
    b.close();
  });


  it('a syncobj fd imports into another file as the same syncobj', () => {
    const a = open();
    const b = open();
    const s = create(a);
    const e = a.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s });
    expect(e.errno).toBe(0);
    const i = b.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]);
    expect(i.errno).toBe(0);
    expect(wait(b, [i.value.handle], 0n).errno).toBe('EINVAL'); // no fence yet
    a.core('DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: u32Array([s]).ptr, count_handles: 1 });
    expect(wait(b, [i.value.handle], 0n).errno).toBe(0); // a signal in one file is seen in the other
    const efd = createEventfd(0, C.EFD_CLOEXEC);
    expect(b.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: efd }, [efd]).errno).toBe('EINVAL');
    expect(a.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: 999 }).errno).toBe('EINVAL');
    expect(a.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, pad: 1 }).errno).toBe('EINVAL');
    closeFd(efd);
    closeFd(e.fds[0]!);
    a.close();
    b.close();
  });

  it('a sync_file export (the eventfd stand-in) polls readable once the fence signals, and imports back', () => {
    const c = open();
    const s = create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: 1 }).errno).toBe('EINVAL'); // no fence yet
    expect(c.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: 999, flags: 1 }).errno).toBe('ENOENT');
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    const gate = new Gate(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: gate.syncobj, dst_handle: s, src_point: 0n, dst_point: 0n }).errno).toBe(0);
    const sf = c.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: 1 });
    expect(sf.errno).toBe(0);
    expect(pollFds([sf.fds[0]!], C.POLLIN, 0)[0]! & C.POLLIN).toBe(0);
    const other = create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { handle: other, flags: 1, fd: sf.fds[0]! }, [sf.fds[0]!]).errno).toBe(0);
    expect(wait(c, [other], 0n).errno).toBe('ETIME'); // imported: the same fence, pending
    gate.open();
    expect(wait(c, [s], farDeadline()).errno).toBe(0);
    expect(pollFds([sf.fds[0]!], C.POLLIN, 60_000)[0]! & C.POLLIN).toBe(C.POLLIN);
    expect(wait(c, [other], farDeadline()).errno).toBe(0);
    closeFd(sf.fds[0]!);
    gate.ring.unmap();
    c.close();
  });
});

describe('OA_QUEUE_SYNCOBJ queues (sync.points)', () => {
  it('a failed wait point completes the batch DEVICE_ERROR unrun; a failed command signals its point with an error', async () => {
    const c = open();
    c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 });
    const gate = new Gate(c);
    const r = new Ring2(c, 4, true);
    const mid = create(c);
    r.write({ opcode: 1, tag: 1, srcHandle: 999, srcLength: 8, dstHandle: 999, dstLength: 8 }); // a COPY that would fault
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate.syncobj }]).ptr, num_signals: 1, signals_ptr: pointArray([{ handle: mid }]).ptr }).errno).toBe(0);
    gate.fail();
    await until(() => r.cqTail === 1, 'the batch completes without running');
    expect(r.take()).toEqual({ tag: 1, result: 0, status: 7 }); // DEVICE_ERROR, not ADDRESS_FAULT: it never ran
    // The failed batch's signal point carries the error to a batch that waits on it.
    const r2 = new Ring2(c, 4, true);
    const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n }).value.handle as number;
    r2.write({ opcode: 2, tag: 9, dstHandle: g, dstLength: 8, arg: 1n });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r2.id, sq_tail: r2.tail, num_waits: 1, waits_ptr: pointArray([{ handle: mid }]).ptr }).errno).toBe(0);
    await until(() => r2.cqTail === 1, 'the dependent batch completes');
    expect(r2.take()?.status).toBe(7);
    // A batch whose command fails (status not OK) signals its point with an error too.
    const bad = create(c);
    r2.write({ opcode: 0x77, tag: 10 });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r2.id, sq_tail: r2.tail, num_signals: 1, signals_ptr: pointArray([{ handle: bad }]).ptr }).errno).toBe(0);
    r2.write({ opcode: 0, tag: 11 });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r2.id, sq_tail: r2.tail, num_waits: 1, waits_ptr: pointArray([{ handle: bad }]).ptr }).errno).toBe(0);
    await until(() => r2.cqTail === 3, 'both batches complete');
    expect([r2.take()?.status, r2.take()?.status]).toEqual([1, 7]); // INVALID_OPCODE, then DEVICE_ERROR unrun
    gate.ring.unmap();
    r.unmap();
    r2.unmap();
    c.close();
  });


  it('commands start only after their wait point signalled; the signal point signals when they completed', async () => {
    const c = open();
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    const r = new Ring2(c, 8, true);
    const gate = new Gate(c, 1n);
    const done = create(c);
    r.write({ opcode: 0, tag: 7 });
    const sub = c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate.syncobj, point: 1n }]).ptr, num_signals: 1, signals_ptr: pointArray([{ handle: done, point: 1n }]).ptr });
    expect(sub.errno).toBe(0);
    // The command waits: nothing completes, the signal point is attached but pending.
    await new Promise((res) => setTimeout(res, 200));
    expect(r.cqTail).toBe(0);
    const tw = () => c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles: u32Array([done]).ptr, points: u64Array([1n]).ptr, count_handles: 1, timeout_nsec: 0n, flags: WAIT_ALL });
    expect(tw().errno).toBe('ETIME');
    gate.open();
    await until(() => r.cqTail === 1, 'the command runs once the wait point signalled');
    await until(() => tw().errno === 0, 'the signal point signals once the command completed');
    expect(r.take()).toEqual({ tag: 7, result: 0, status: 0 });
    gate.ring.unmap();
    r.unmap();
    c.close();
  });

  it('SUBMITs held for a wait point are bounded: past the bound SUBMIT is ENOMEM, and nothing is lost', async () => {
    const c = open();
    c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 });
    const gate = new Gate(c);
    const r = new Ring2(c, 4, true);
    const waits = pointArray([{ handle: gate.syncobj }]);
    let held = 0;
    for (;;) {
      const e = c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 0, num_waits: 1, waits_ptr: waits.ptr }).errno;
      if (e !== 0) {
        expect(e).toBe('ENOMEM');
        break;
      }
      held++;
      expect(held).toBeLessThan(100_000);
    }
    expect(held).toBeGreaterThanOrEqual(1024); // sync.held-submits: at least 1024
    // The rejected SUBMIT consumes nothing: its command is not published, its signal point gets no fence.
    r.write({ opcode: 0, tag: 9 });
    const probe = create(c);
    const probeSignal = pointArray([{ handle: probe }]);
    const rejected = c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_signals: 1, signals_ptr: probeSignal.ptr });
    expect(rejected.errno).toBe('ENOMEM');
    expect(wait(c, [probe], 0n).errno).toBe('EINVAL'); // no fence attached
    const done = create(c);
    gate.open();
    // Once the gate opens every held SUBMIT is released, and the queue takes points again.
    await until(() => c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 0, num_signals: 1, signals_ptr: pointArray([{ handle: done }]).ptr }).errno === 0, 'the queue takes a SUBMIT again');
    expect(wait(c, [done], farDeadline()).errno).toBe(0);
    expect([r.sqHead, r.cqTail]).toEqual([0, 0]); // the rejected command never ran
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_signals: 1, signals_ptr: probeSignal.ptr }).errno).toBe(0);
    expect(wait(c, [probe], farDeadline()).errno).toBe(0);
    expect(r.take()).toEqual({ tag: 9, result: 0, status: 0 });
    gate.ring.unmap();
    r.unmap();
    c.close();
  });

  it('SUBMIT point errnos in order', () => {
    const c = open();
    c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 });
    const r = new Ring2(c, 4, true);
    const s = create(c);
    const submit = (f: Record<string, unknown>) => c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: 0, ...f }).errno;
    expect(submit({ num_waits: 1000 })).toBe('EINVAL');
    expect(submit({ num_waits: 1, waits_ptr: 8n })).toBe('EFAULT');
    expect(submit({ num_waits: 1, waits_ptr: pointArray([{ handle: s, flags: 1 }]).ptr })).toBe('EINVAL');
    expect(submit({ num_waits: 1, waits_ptr: pointArray([{ handle: 999 }]).ptr })).toBe('ENOENT');
    expect(submit({ num_waits: 1, waits_ptr: pointArray([{ handle: s }]).ptr })).toBe('EINVAL'); // no fence yet
    r.unmap();
    c.close();
  });

  it('destroying a queue signals its pending points with an error, so no waiter hangs', async () => {
    const c = open();
    c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 });
    const r = new Ring2(c, 4, true);
    const gate = new Gate(c);
    const done = create(c);
    r.write({ opcode: 0, tag: 1 });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate.syncobj }]).ptr, num_signals: 1, signals_ptr: pointArray([{ handle: done }]).ptr }).errno).toBe(0);
    expect(wait(c, [done], 0n).errno).toBe('ETIME');
    expect(c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: r.id }).errno).toBe(0);
    expect(wait(c, [done], farDeadline()).errno).toBe(0);
    gate.ring.unmap();
    r.unmap();
    c.close();
  });
});
