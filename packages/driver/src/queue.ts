/**
 * A 1.0 user-mode queue: the SQ, CQ and doorbell page mapped into this process. submit() writes an entry
 * and stores the tail (no system call unless the engine asked to be woken); completions are read by
 * their phase bit. Spin first, then sleep on the queue's eventfd (spec rules ring.*).
 */
import { closeFd, type Mapping } from '@openaccel/sys';
import { DOORBELL_ERROR as QUEUE_ERROR, DOORBELL_NEED_WAKEUP as NEED_WAKEUP, DOORBELL_WORDS as W } from '@openaccel/uapi';
import type { Command, Completion } from './command.js';
import { PreparedCommand } from './command.js';
import { DeviceGoneError, QueueStoppedError } from './errors.js';
import type { Context } from './context.js';
import { RingQueue } from './ring-queue.js';

export type { WaitOptions } from './ring-queue.js';
export { CompletionBatch, emptyCompletion, newEventfd } from './ring-queue.js';

export interface QueueRegions {
  doorbell: Mapping;
  sq: Mapping;
  cq: Mapping;
}

export class Queue extends RingQueue {
  private readonly words: Int32Array;

  constructor(
    private readonly context: Context,
    id: number,
    sqEntries: number,
    cqEntries: number,
    private readonly regions: QueueRegions,
    /** The eventfd the device signals, or -1 when the device has no OA_CAP_EVENTFD. */
    eventfd: number,
  ) {
    super(id, sqEntries, cqEntries, regions.sq.buffer, regions.cq.buffer, eventfd, 1);
    this.words = new Int32Array(regions.doorbell.buffer);
  }

  protected loadSqHead(): number {
    return Atomics.load(this.words, W.SQ_HEAD);
  }

  protected publishCqHead(head: number): void {
    Atomics.store(this.words, W.CQ_HEAD, head);
  }

  protected arm(): void {
    Atomics.store(this.words, W.CQ_ARMED, 1);
  }

  protected ring(): void {
    Atomics.store(this.words, W.SQ_TAIL, this.sqTail); // release: the entries are visible first
    if (Atomics.load(this.words, W.FLAGS) & (NEED_WAKEUP | QUEUE_ERROR)) {
      if (Atomics.load(this.words, W.FLAGS) & QUEUE_ERROR) throw new QueueStoppedError(this.id);
      this.wakeups++;
      this.context.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail });
    }
  }

  protected checkHealth(): void {
    if (Atomics.load(this.words, W.FLAGS) & QUEUE_ERROR) throw new QueueStoppedError(this.id);
    if (!this.context.transport.alive()) throw new DeviceGoneError(this.context.transport.path, 'the device node closed');
  }

  /** The syscall path: the entry goes into the SQ, the tail is published by OA_IOCTL_SUBMIT, which waits. */
  submitByIoctl(cmd: Command | PreparedCommand, timeoutMs = 10000): Completion {
    this.ensureOpen();
    if (this.room() < 1) throw this.full();
    const tag = this.place(cmd);
    this.context.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail, flags: 1, timeout_ns: BigInt(timeoutMs) * 1_000_000n });
    this.poll();
    return this.take(tag) ?? this.waitSpin(tag, { timeoutMs });
  }

  /** Destroys the queue: pending commands are dropped; the mappings and the eventfd are released. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.context.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: this.id });
    } finally {
      this.regions.doorbell.close();
      this.regions.sq.close();
      this.regions.cq.close();
      if (this.eventfd >= 0) closeFd(this.eventfd);
      this.context.forget(this);
    }
  }
}
