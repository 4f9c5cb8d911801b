/**
 * Syncobjs on 2.0 nodes: the SYNCOBJ ioctls with their errnos, timeline points, fds that come back, the
 * sync_file stand-in, and OA_QUEUE_SYNCOBJ queues whose commands start only after their wait points.
 */
import { describe, expect, it } from 'vitest';
import { C, closeFd, createEventfd, pollFds } from '@openaccel/sys';
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
    expect(wait(c, [], 0n).errno).toBe('EINVAL');
    expect(c.core('DRM_IOCTL_SYNCOBJ_WAIT', { handles: 8n, count_handles: 1, flags: 0 }).errno).toBe('EFAULT');
    expect(wait(c, [999], 0n).errno).toBe('ENOENT');
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s, pad: 1 }).errno).toBe('EINVAL');
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_SYNCOBJ_DESTROY', { handle: s }).errno).toBe('EINVAL');
    c.close();
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
    c.close();
  });
});

describe('fds', () => {
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
    // A fence that has not signalled: a syncobj queue's batch waiting on another syncobj.
    const gate = create(c);
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    const r = new Ring2(c, 4, true);
    r.write({ opcode: 0, tag: 1 });
    c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: u32Array([gate]).ptr, points: u64Array([1n]).ptr, count_handles: 1 });
    const gate2 = create(c);
    c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: gate, dst_handle: gate2, src_point: 2n, flags: WAIT_FOR_SUBMIT });
    const signals = pointArray([{ handle: s }]);
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate2 }]).ptr, num_signals: 1, signals_ptr: signals.ptr }).errno).toBe(0);
    const sf = c.core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: 1 });
    expect(sf.errno).toBe(0);
    expect(pollFds([sf.fds[0]!], C.POLLIN, 0)[0]! & C.POLLIN).toBe(0);
    const other = create(c);
    expect(c.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { handle: other, flags: 1, fd: sf.fds[0]! }, [sf.fds[0]!]).errno).toBe(0);
    expect(wait(c, [other], 0n).errno).toBe('ETIME'); // imported: the same fence, pending
    c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: u32Array([gate]).ptr, points: u64Array([2n]).ptr, count_handles: 1 });
    expect(wait(c, [s], farDeadline()).errno).toBe(0);
    expect(pollFds([sf.fds[0]!], C.POLLIN, 60_000)[0]! & C.POLLIN).toBe(C.POLLIN);
    expect(wait(c, [other], farDeadline()).errno).toBe(0);
    closeFd(sf.fds[0]!);
    r.unmap();
    c.close();
  });
});

describe('OA_QUEUE_SYNCOBJ queues (sync.points)', () => {
  it('commands start only after their wait point signalled; the signal point signals when they completed', async () => {
    const c = open();
    expect(c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 }).errno).toBe(0);
    const r = new Ring2(c, 8, true);
    const gate = create(c);
    const done = create(c);
    const gateArr = u32Array([gate]);
    // A pending fence to wait on: point 1 of `gate`, carried into `gate2` before anyone signals it.
    const gate2 = create(c);
    c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: gate, dst_handle: gate2, src_point: 1n, flags: WAIT_FOR_SUBMIT });
    r.write({ opcode: 0, tag: 7 });
    const sub = c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate2 }]).ptr, num_signals: 1, signals_ptr: pointArray([{ handle: done, point: 1n }]).ptr });
    expect(sub.errno).toBe(0);
    // The command waits: nothing completes, the signal point is attached but pending.
    await new Promise((res) => setTimeout(res, 200));
    expect(r.cqTail).toBe(0);
    const tw = () => c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles: u32Array([done]).ptr, points: u64Array([1n]).ptr, count_handles: 1, timeout_nsec: 0n, flags: WAIT_ALL });
    expect(tw().errno).toBe('ETIME');
    c.core('DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: gateArr.ptr, points: u64Array([1n]).ptr, count_handles: 1 });
    await until(() => r.cqTail === 1, 'the command runs once the wait point signalled');
    await until(() => tw().errno === 0, 'the signal point signals once the command completed');
    expect(r.take()).toEqual({ tag: 7, result: 0, status: 0 });
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
    const gate = create(c);
    const gate2 = create(c);
    c.core('DRM_IOCTL_SYNCOBJ_TRANSFER', { src_handle: gate, dst_handle: gate2, src_point: 1n, flags: WAIT_FOR_SUBMIT });
    const done = create(c);
    r.write({ opcode: 0, tag: 1 });
    expect(c.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: r.id, sq_tail: r.tail, num_waits: 1, waits_ptr: pointArray([{ handle: gate2 }]).ptr, num_signals: 1, signals_ptr: pointArray([{ handle: done }]).ptr }).errno).toBe(0);
    expect(wait(c, [done], 0n).errno).toBe('ETIME');
    expect(c.ioctl('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: r.id }).errno).toBe(0);
    expect(wait(c, [done], farDeadline()).errno).toBe(0);
    r.unmap();
    c.close();
  });
});
