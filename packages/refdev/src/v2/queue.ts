/**
 * 2.0 queues: five regions (doorbell, control, status, SQ, CQ) with their own fake offsets; the status
 * region and the CQ are handed out read-only. An OA_QUEUE_SYNCOBJ queue has no doorbell: its tail is a
 * word only refdev writes, advanced batch by batch once each batch's wait points have signalled.
 */
import { openSync } from 'node:fs';
import { closeFd, createMemfd, Mapping } from '@openaccel/sys';
import { DOORBELL_ERROR as QUEUE_ERROR, DOORBELL_NEED_WAKEUP as NEED_WAKEUP, uapi2, type ErrnoName } from '@openaccel/uapi';
import type { Reply } from '../context.js';
import { fail, type AccelFile, type IoctlCall } from './accel-file.js';
import { out } from './driver-ioctls.js';
import { hasCap, MAX_SYNCOBJ_POINTS, PAGE_SIZE } from './facts.js';
import { Fence } from './fence.js';
import { waitUntilQueue } from './queue-wait.js';
import { readEventfdArg } from './eventfd-arg.js';

const STATUS = { SQ_HEAD: 0, CQ_TAIL: 1, FLAGS: 2 } as const;
const pageRound = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const POINT = uapi2.struct('oa_syncobj_point');
/** SUBMITs of one syncobj queue held for their wait points at once; more is ENOMEM (the memory a kernel would run out of). */
export const MAX_PENDING_BATCHES = 1024;

export interface QueueRegion {
  kind: 'doorbell' | 'control' | 'status' | 'sq' | 'cq';
  /** The memfd refdev maps; `fd` is what a client gets (read-only for status and CQ). */
  memfd: number;
  fd: number;
  mapping: Mapping;
  sizeBytes: number;
  offset: bigint;
  readOnly: boolean;
}

interface Batch {
  tail: number;
  waits: Fence[];
  done: Fence;
}

export class AccelQueue {
  eventfd = -1;
  /** The refdev-owned tail of an OA_QUEUE_SYNCOBJ queue, and the batches not yet released to the engine. */
  readonly releasedTail = new Int32Array(new SharedArrayBuffer(4));
  private readonly batches: Batch[] = [];
  private releasing = false;
  private releaseAgain = false;
  /** The tail released to the engine so far, and the engine's error count at the last completed batch. */
  private releasedUpTo = 0;
  private errorsSeen = 0;
  /** Fences of released batches not yet completed. */
  private readonly running = new Set<Fence>();
  readonly head = new Int32Array(new SharedArrayBuffer(4));
  readonly status: Int32Array;
  private gone = false;

  constructor(
    readonly file: AccelFile,
    readonly id: number,
    readonly key: number,
    readonly sqEntries: number,
    readonly cqEntries: number,
    readonly syncobj: boolean,
    readonly regions: QueueRegion[],
  ) {
    this.status = new Int32Array(this.region('status')!.mapping.buffer, 0, 32);
  }

  region(kind: QueueRegion['kind']): QueueRegion | undefined {
    return this.regions.find((r) => r.kind === kind);
  }

  get pendingBatches(): number {
    return this.batches.length;
  }

  get stopped(): boolean {
    return (Atomics.load(this.status, STATUS.FLAGS) & QUEUE_ERROR) !== 0;
  }

  get sqHead(): number {
    return Atomics.load(this.head, 0) >>> 0;
  }

  get cqTail(): number {
    return Atomics.load(this.status, STATUS.CQ_TAIL) >>> 0;
  }

  /** Publishes `tail`: the doorbell word (doorbell queue) or, once its waits signalled, refdev's own tail. */
  publish(tail: number, waits: Fence[], signals: Fence | undefined): void {
    const d = this.file.device;
    if (!this.syncobj) {
      Atomics.store(new Int32Array(this.region('doorbell')!.mapping.buffer, 0, 1), 0, tail);
      d.wake();
      return;
    }
    this.batches.push({ tail, waits, done: signals ?? new Fence() });
    this.release();
  }

  /**
   * Releases batches in order once their wait points have signalled; a batch whose wait point failed runs
   * nothing (its commands complete OA_STATUS_DEVICE_ERROR). Each batch signals its fence once its commands
   * completed, with an error when one of them did not complete OK (sync.points).
   */
  private release(): void {
    // One releaser at a time; a call meanwhile (a fence signalled during an await) makes it look again.
    if (this.releasing) {
      this.releaseAgain = true;
      return;
    }
    this.releasing = true;
    void this.releaseBatches().finally(() => {
      this.releasing = false;
      if (this.releaseAgain) {
        this.releaseAgain = false;
        this.release();
      }
    });
  }

  private async releaseBatches(): Promise<void> {
    const d = this.file.device;
    while (this.batches.length && !this.gone) {
      const b = this.batches[0]!;
      const pending = b.waits.find((f) => f.state === 'pending');
      if (pending) {
        pending.whenSignalled(() => this.release());
        return;
      }
      this.batches.shift();
      const from = this.releasedUpTo;
      this.releasedUpTo = b.tail;
      if (b.waits.some((f) => f.state === 'error') && b.tail !== from) await d.tell({ op: 'poison', key: this.key, from, to: b.tail });
      if (this.gone) return b.done.signal(true);
      Atomics.store(this.releasedTail, 0, b.tail);
      d.wake();
      this.running.add(b.done);
      void d.watch(this.key, b.tail).reached.then((errors) => {
        this.running.delete(b.done);
        const failed = errors < 0 || ((errors - this.errorsSeen) | 0) > 0;
        if (errors >= 0) this.errorsSeen = errors;
        b.done.signal(failed);
      });
    }
  }

  async destroy(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    const d = this.file.device;
    this.file.queues.delete(this.id);
    await d.tell({ op: 'removeQueue', key: this.key });
    // Dropped commands: their signal points signal with an error, so no waiter hangs.
    for (const b of this.batches.splice(0)) b.done.signal(true);
    for (const f of this.running) f.signal(true);
    for (const r of this.regions) {
      this.file.state.vma.delete(r.offset);
      r.mapping.close();
      if (r.fd !== r.memfd) closeFd(r.fd);
      closeFd(r.memfd);
    }
    if (this.eventfd >= 0) closeFd(this.eventfd);
    d.queuesInUse--;
    d.publishFreeQueues();
  }
}

export async function createQueue(call: IoctlCall): Promise<Reply> {
  const { file, value: v } = call;
  const d = file.device;
  const sq: number = v.sq_entries;
  const cq: number = v.cq_entries === 0 ? sq : v.cq_entries;
  const syncobj = (v.flags & 1) !== 0;
  if (!isPow2(sq) || sq < 2 || sq > d.config.maxSqEntries) return fail('EINVAL');
  if (!isPow2(cq) || cq < sq || cq > d.config.maxCqEntries) return fail('EINVAL');
  if (syncobj && !hasCap(d.config, 'syncobj')) return fail('EOPNOTSUPP');
  if (d.freeQueues <= 0) return fail('ENOSPC');
  const id = file.nextQueueId++;
  const key = d.nextQueueKey++;
  const kinds: [QueueRegion['kind'], number, boolean][] = [
    ...(syncobj ? [] : [['doorbell', PAGE_SIZE, false] as [QueueRegion['kind'], number, boolean]]),
    ['control', PAGE_SIZE, false],
    ['status', PAGE_SIZE, true],
    ['sq', pageRound(sq * 64), false],
    ['cq', pageRound(cq * 16), true],
  ];
  const regions: QueueRegion[] = [];
  try {
    for (const [kind, size, readOnly] of kinds) {
      const memfd = createMemfd(`oa-${d.config.name}-q${id}-${kind}`, size);
      let fd = memfd;
      let mapping: Mapping;
      try {
        // A read-only open of the same memfd: the client cannot map it writable whatever it asks.
        if (readOnly) fd = openSync(`/proc/self/fd/${memfd}`, 'r');
        mapping = Mapping.map(memfd, size);
      } catch (e) {
        if (fd !== memfd) closeFd(fd);
        closeFd(memfd);
        throw e;
      }
      regions.push({ kind, memfd, fd, mapping, sizeBytes: size, offset: file.state.allocOffset(size), readOnly });
    }
  } catch {
    for (const r of regions) (r.mapping.close(), r.fd !== r.memfd && closeFd(r.fd), closeFd(r.memfd));
    return fail('ENOMEM');
  }
  const q = new AccelQueue(file, id, key, sq, cq, syncobj, regions);
  for (const r of regions) file.state.vma.set(r.offset, { fd: r.fd, sizeBytes: r.sizeBytes, owner: file });
  Atomics.store(q.status, STATUS.FLAGS, NEED_WAKEUP); // queue.initial-state
  file.queues.set(id, q);
  d.queuesInUse++;
  d.publishFreeQueues();
  const r = (k: QueueRegion['kind']) => q.region(k);
  await d.tell({
    op: 'addQueue',
    key,
    ctx: file.id,
    db: r('doorbell')?.mapping.address ?? 0n,
    sq: r('sq')!.mapping.address,
    sqEntries: sq,
    cq: r('cq')!.mapping.address,
    cqEntries: cq,
    head: q.head.buffer as SharedArrayBuffer,
    v2: { control: r('control')!.mapping.address, status: r('status')!.mapping.address, engineNs: file.engineNs.buffer as SharedArrayBuffer, ...(syncobj ? { tail: q.releasedTail.buffer as SharedArrayBuffer } : {}) },
  });
  const size = (k: QueueRegion['kind']) => r(k)?.sizeBytes ?? 0;
  const offset = (k: QueueRegion['kind']) => r(k)?.offset ?? 0n;
  return out('DRM_IOCTL_OA_CREATE_QUEUE', call, {
    queue_id: id,
    doorbell_size: size('doorbell'),
    control_size: size('control'),
    status_size: size('status'),
    sq_size: size('sq'),
    cq_size: size('cq'),
    doorbell_offset: offset('doorbell'),
    control_offset: offset('control'),
    status_offset: offset('status'),
    sq_offset: offset('sq'),
    cq_offset: offset('cq'),
  });
}

export async function destroyQueue(call: IoctlCall): Promise<Reply> {
  const q = call.file.queues.get(call.value.queue_id);
  if (!q) return fail('ENOENT');
  await q.destroy();
  return { errno: 0 };
}

export async function setEventfd(call: IoctlCall): Promise<Reply> {
  const { file, value: v } = call;
  if (!hasCap(file.device.config, 'eventfd')) return fail('EOPNOTSUPP');
  const q = file.queues.get(v.queue_id);
  if (!q) return fail('ENOENT');
  const fd = readEventfdArg(v.eventfd, call.fds);
  if (typeof fd === 'string') return fail(fd);
  const old = q.eventfd;
  q.eventfd = fd;
  await file.device.tell({ op: 'setEventfd', key: q.key, fd });
  if (old >= 0) closeFd(old);
  return { errno: 0 };
}

/** The points of a SUBMIT, checked in the spec's order; fences of the waits, syncobjs and points of the signals. */
function readPoints(call: IoctlCall, q: AccelQueue): { waits: Fence[]; signals: { syncobj: import('./fence.js').Syncobj; point: bigint }[] } | ErrnoName {
  const { value: v, file } = call;
  if (!q.syncobj && (v.num_waits || v.num_signals)) return 'EINVAL';
  if (v.num_waits > MAX_SYNCOBJ_POINTS || v.num_signals > MAX_SYNCOBJ_POINTS) return 'EINVAL';
  const arrays: { handle: number; flags: number; point: bigint }[][] = [];
  for (const [ptr, n] of [[v.waits_ptr, v.num_waits], [v.signals_ptr, v.num_signals]] as [bigint, number][]) {
    const raw = call.user.read(ptr, n * POINT.sizeBytes);
    if (raw === 'EFAULT') return 'EFAULT';
    arrays.push(Array.from({ length: n }, (_, i) => POINT.decode(raw.subarray(i * POINT.sizeBytes, (i + 1) * POINT.sizeBytes)) as never));
  }
  const all = arrays.flat();
  if (all.some((p) => p.flags !== 0)) return 'EINVAL';
  if (all.some((p) => p.point !== 0n) && !hasCap(file.device.config, 'syncobj_timeline')) return 'EOPNOTSUPP';
  if (all.some((p) => !file.syncobjs.has(p.handle))) return 'ENOENT';
  const waits: Fence[] = [];
  for (const p of arrays[0]!) {
    const f = file.syncobjs.get(p.handle)!.fenceAt(p.point);
    if (!f) return 'EINVAL';
    waits.push(f);
  }
  return { waits, signals: arrays[1]!.map((p) => ({ syncobj: file.syncobjs.get(p.handle)!, point: p.point })) };
}

export async function submit(call: IoctlCall): Promise<Reply> {
  const { file, value: v } = call;
  const q = file.queues.get(v.queue_id);
  if (!q) return fail('ENOENT');
  if (q.stopped) return fail('EIO');
  const tail = v.sq_tail >>> 0;
  if (((tail - q.sqHead) >>> 0) > q.sqEntries) {
    // rule ring.overrun: the same tail by system call stops the queue too (the engine sees it and stops).
    Atomics.or(q.status, STATUS.FLAGS, QUEUE_ERROR);
    q.publish(tail, [], undefined);
    return fail('EINVAL');
  }
  const points = readPoints(call, q);
  if (typeof points === 'string') return fail(points);
  if (q.syncobj && q.pendingBatches >= MAX_PENDING_BATCHES) return fail('ENOMEM');
  let done: Fence | undefined;
  if (points.signals.length) {
    done = new Fence();
    for (const s of points.signals) s.syncobj.attach(s.point, done);
  }
  q.publish(tail, points.waits, done);
  if (v.flags & 1) {
    const waited = await waitUntilQueue(call, q, tail, BigInt(v.timeout_ns));
    if (waited !== 0) return fail(waited);
  }
  return out('DRM_IOCTL_OA_SUBMIT', call, { sq_head: q.sqHead });
}
