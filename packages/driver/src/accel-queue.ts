/**
 * A 2.0 queue: five regions (doorbell, control, status, SQ, CQ) mapped from the DRM file. A doorbell
 * queue publishes its tail with one aligned 32-bit store to the doorbell, never read back (it may be a
 * device register), and calls SUBMIT only when the status region says the engine sleeps. A syncobj
 * queue has no doorbell: every tail goes through DRM_IOCTL_OA_SUBMIT, with wait and signal points.
 */
import { C, closeFd, type Mapping } from '@openaccel/sys';
import { uapi2, UapiError } from '@openaccel/uapi';
import type { AccelDevice } from './accel-device.js';
import { accelFlag } from './accel-words.js';
import type { Command, Completion, PreparedCommand } from './command.js';
import { CompletionTimeoutError, DeviceGoneError, QueueStoppedError } from './errors.js';
import { newEventfd, RingQueue } from './ring-queue.js';
import { monotonicNowNs, type Syncobj } from './syncobj.js';
import { userAddress, withUserArrays } from './user-arrays.js';

export interface AccelQueueOptions {
  /** Submission ring entries (power of two, default 256). */
  sqEntries?: number;
  /** Completion ring entries (default: as many as the SQ). */
  cqEntries?: number;
  /** A syncobj queue (OA_QUEUE_SYNCOBJ): submitted by ioctl, with wait and signal points. */
  syncobj?: boolean;
}

/** A syncobj and a point of it (0 or absent: the binary payload). */
export interface SyncPoint {
  syncobj: Syncobj;
  point?: bigint | number;
}

export interface AccelQueueRegions {
  /** Absent on a syncobj queue. */
  doorbell?: Mapping;
  control: Mapping;
  status: Mapping;
  sq: Mapping;
  cq: Mapping;
}

const word = (struct: 'oa_queue_status' | 'oa_queue_control', field: string) => uapi2.struct(struct).offsetOf(field as never) / 4;
const SQ_HEAD = word('oa_queue_status', 'sq_head');
const STATUS_FLAGS = word('oa_queue_status', 'flags');
const ARM_ACK = word('oa_queue_status', 'arm_ack');
const CQ_HEAD = word('oa_queue_control', 'cq_head');
const CQ_ARM = word('oa_queue_control', 'cq_arm');
const NEED_WAKEUP = accelFlag('oa_queue_status_flags', 'OA_QUEUE_NEED_WAKEUP');
const QUEUE_ERROR = accelFlag('oa_queue_status_flags', 'OA_QUEUE_ERROR');
const QUEUE_SYNCOBJ = accelFlag('oa_queue_flags', 'OA_QUEUE_SYNCOBJ');
const SUBMIT_WAIT = accelFlag('oa_submit_flags', 'OA_SUBMIT_WAIT');
const POINT_BYTES = uapi2.struct('oa_syncobj_point').sizeBytes;

/** A word of our own to order memory with: a seq-cst store is a full barrier (smp_mb) on every architecture V8 runs on. */
const barrierWord = new Int32Array(new SharedArrayBuffer(4));
function fullBarrier(): void {
  Atomics.store(barrierWord, 0, 0);
}

export class AccelQueue extends RingQueue {
  private readonly doorbell: Uint32Array | undefined;
  private readonly control: Int32Array;
  private readonly status: Int32Array;

  private constructor(
    private readonly device: AccelDevice,
    id: number,
    sqEntries: number,
    cqEntries: number,
    private readonly regions: AccelQueueRegions,
    eventfd: number,
  ) {
    super(id, sqEntries, cqEntries, regions.sq.buffer, regions.cq.buffer, eventfd, 2);
    this.doorbell = regions.doorbell && new Uint32Array(regions.doorbell.buffer, 0, 1);
    this.control = new Int32Array(regions.control.buffer);
    this.status = new Int32Array(regions.status.buffer);
  }

  /** Whether the queue takes syncobj points (no doorbell; every tail by ioctl). */
  get syncobj(): boolean {
    return this.doorbell === undefined;
  }

  /** @internal AccelDevice.createQueue */
  static create(device: AccelDevice, opts: AccelQueueOptions): AccelQueue {
    const sq = opts.sqEntries ?? 256;
    const r = device.ioctls.call('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: sq, cq_entries: opts.cqEntries ?? 0, flags: opts.syncobj ? QUEUE_SYNCOBJ : 0 });
    const maps: Mapping[] = [];
    let eventfd = -1;
    try {
      const rw = C.PROT_READ | C.PROT_WRITE;
      // Status and CQ are the device's to write: mapped read-only, as the spec's regions require.
      const map = (offset: bigint, size: number, prot: number) => {
        const m = device.transport.mmap(offset, size, prot, C.MAP_SHARED);
        maps.push(m);
        return m;
      };
      const regions: AccelQueueRegions = {
        ...(r.doorbell_size > 0 ? { doorbell: map(r.doorbell_offset, r.doorbell_size, rw) } : {}),
        control: map(r.control_offset, r.control_size, rw),
        status: map(r.status_offset, r.status_size, C.PROT_READ),
        sq: map(r.sq_offset, r.sq_size, rw),
        cq: map(r.cq_offset, r.cq_size, C.PROT_READ),
      };
      if (device.facts.caps.includes('eventfd')) {
        eventfd = newEventfd();
        device.ioctls.call('DRM_IOCTL_OA_SET_EVENTFD', { queue_id: r.queue_id, eventfd });
      }
      return new AccelQueue(device, r.queue_id, sq, opts.cqEntries || sq, regions, eventfd);
    } catch (e) {
      // Nothing half-made stays behind: unmap, close, destroy the device's queue.
      for (const m of maps) m.close();
      if (eventfd >= 0) closeFd(eventfd);
      try {
        device.ioctls.call('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: r.queue_id });
      } catch {
        /* the device may be gone; the original error says why */
      }
      throw e;
    }
  }

  protected loadSqHead(): number {
    return Atomics.load(this.status, SQ_HEAD);
  }

  /**
   * Rule ring.cq-full: after freeing CQ space, a device that sleeps on a full CQ is woken. A device that has
   * taken every published command (sq_head = tail) waits for no CQ space: its NEED_WAKEUP means idle, and
   * the next doorbell store wakes it, so no system call is spent on every completion of a sleeping engine.
   */
  protected publishCqHead(head: number): void {
    Atomics.store(this.control, CQ_HEAD, head); // release, and a full barrier before the flags load
    if (Atomics.load(this.status, STATUS_FLAGS) & NEED_WAKEUP && Atomics.load(this.status, SQ_HEAD) >>> 0 !== this.sqTail) this.wake();
  }

  protected arm(): void {
    Atomics.store(this.control, CQ_ARM, (Atomics.load(this.status, ARM_ACK) + 1) | 0); // then a full barrier (seq-cst store)
  }

  private wake(): void {
    this.wakeups++;
    this.device.ioctls.call('DRM_IOCTL_OA_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail });
  }

  protected ring(): void {
    const db = this.doorbell;
    if (!db) {
      this.device.ioctls.call('DRM_IOCTL_OA_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail });
      return;
    }
    // Rule ring.doorbell-store: the entries are ordered before the store, which is one aligned 32-bit
    // store of the whole tail and never a read (an Atomics store could be a locked read-modify-write).
    fullBarrier();
    db[0] = this.sqTail;
    fullBarrier();
    const flags = Atomics.load(this.status, STATUS_FLAGS);
    if (flags & QUEUE_ERROR) throw new QueueStoppedError(this.id);
    if (flags & NEED_WAKEUP) this.wake();
  }

  protected checkHealth(): void {
    if (Atomics.load(this.status, STATUS_FLAGS) & QUEUE_ERROR) throw new QueueStoppedError(this.id);
    if (!this.device.transport.alive()) throw new DeviceGoneError(this.device.transport.path, 'the device node closed');
  }

  /**
   * Submits one command on a syncobj queue: it starts once every wait point has signalled, and each
   * signal point signals when it has completed (rule sync.points). Returns its tag. When the ioctl
   * fails the command is taken back: nothing stays queued.
   */
  submitWith(cmd: Command | PreparedCommand, points: { waits?: readonly SyncPoint[]; signals?: readonly SyncPoint[] }): number {
    this.ensureOpen();
    if (!this.syncobj) throw new RangeError(`queue ${this.id} is a doorbell queue; points need a queue created with { syncobj: true }`);
    if (this.room() < 1) throw this.full();
    const waits = encodePoints(points.waits ?? []);
    const signals = encodePoints(points.signals ?? []);
    const tag = this.place(cmd);
    try {
      withUserArrays([waits, signals], () =>
        this.device.ioctls.call('DRM_IOCTL_OA_SUBMIT', {
          queue_id: this.id,
          sq_tail: this.sqTail,
          num_waits: (points.waits ?? []).length,
          num_signals: (points.signals ?? []).length,
          waits_ptr: waits.length ? userAddress(waits) : 0n,
          signals_ptr: signals.length ? userAddress(signals) : 0n,
        }),
      );
    } catch (e) {
      this.unplace(tag);
      throw e;
    }
    return tag;
  }

  /**
   * The system-call path: the entry goes into the SQ and SUBMIT with OA_SUBMIT_WAIT publishes the tail and
   * returns once it has completed (or throws CompletionTimeoutError at the deadline; the command stays queued).
   */
  submitAndWait(cmd: Command | PreparedCommand, timeoutMs = 10000): Completion {
    this.ensureOpen();
    if (this.room() < 1) throw this.full();
    const tag = this.place(cmd);
    try {
      this.device.ioctls.call('DRM_IOCTL_OA_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail, flags: SUBMIT_WAIT, timeout_ns: monotonicNowNs() + BigInt(timeoutMs) * 1_000_000n });
    } catch (e) {
      if (e instanceof UapiError && e.errno === 'ETIME') throw new CompletionTimeoutError(this.id, tag, timeoutMs);
      if (!(e instanceof UapiError && e.errno === 'EINTR')) {
        this.unplace(tag); // refused: the tail was not published
        throw e;
      }
    }
    this.poll();
    return this.take(tag) ?? this.waitSpin(tag, { timeoutMs });
  }

  /** Destroys the queue: pending commands are dropped (their signal points signal with an error). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.device.ioctls.call('DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: this.id });
    } finally {
      for (const m of [this.regions.doorbell, this.regions.control, this.regions.status, this.regions.sq, this.regions.cq]) m?.close();
      if (this.eventfd >= 0) closeFd(this.eventfd);
      this.device.forgetQueue(this);
    }
  }
}

/** struct oa_syncobj_point[]: handle u32, flags u32 (0), point u64. */
function encodePoints(points: readonly SyncPoint[]): Uint8Array {
  const bytes = new Uint8Array(points.length * POINT_BYTES);
  const v = new DataView(bytes.buffer);
  points.forEach((p, i) => {
    v.setUint32(i * POINT_BYTES, p.syncobj.handle, true);
    v.setBigUint64(i * POINT_BYTES + 8, BigInt(p.point ?? 0), true);
  });
  return bytes;
}
