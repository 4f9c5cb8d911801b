/**
 * A user-mode queue: the SQ, CQ and doorbell page mapped into this process. submit() writes an entry
 * and stores the tail (no system call unless the engine asked to be woken); completions are read by
 * their phase bit. Spin first, then sleep on the queue's eventfd (spec rules ring.*).
 */
import { C, closeFd, createEventfd, readEventfd, waitReadable, type Mapping } from '@openaccel/sys';
import { DOORBELL_ERROR as QUEUE_ERROR, DOORBELL_NEED_WAKEUP as NEED_WAKEUP, DOORBELL_WORDS as W } from '@openaccel/uapi';
import { encodeCommand, STATUS_NAMES, type Command, type Completion } from './command.js';
import { CompletionTimeoutError, DeviceGoneError, QueueFullError, QueueStoppedError } from './errors.js';
import type { Context } from './context.js';


export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Spin on the CQ this long before sleeping on the eventfd (default 50 µs). */
  spinNs?: number;
}

export interface QueueRegions {
  doorbell: Mapping;
  sq: Mapping;
  cq: Mapping;
}

export class Queue {
  private readonly words: Int32Array;
  private readonly sqView: DataView;
  private readonly cqView: DataView;
  private readonly cqWords: Int32Array;
  private readonly cqShift: number;
  private sqTail = 0;
  private cqHead = 0;
  private nextTag = 1;
  private inFlight = 0;
  private readonly done = new Map<number, Completion>();
  private closed = false;
  /** Doorbell stores that found the engine asleep and rang by system call. */
  wakeups = 0;

  constructor(
    private readonly context: Context,
    readonly id: number,
    readonly sqEntries: number,
    readonly cqEntries: number,
    private readonly regions: QueueRegions,
    /** The eventfd the device signals, or -1 when the device has no OA_CAP_EVENTFD. */
    readonly eventfd: number,
  ) {
    this.words = new Int32Array(regions.doorbell.buffer);
    this.sqView = new DataView(regions.sq.buffer);
    this.cqView = new DataView(regions.cq.buffer);
    this.cqWords = new Int32Array(regions.cq.buffer);
    this.cqShift = Math.log2(cqEntries);
  }

  /** Commands submitted and not yet collected. */
  get pending(): number {
    return this.inFlight;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`queue ${this.id} was destroyed`);
  }

  private place(cmd: Command): number {
    const head = Atomics.load(this.words, W.SQ_HEAD) >>> 0;
    const used = (this.sqTail - head) >>> 0;
    // Room in the SQ, and a CQ slot for every command in flight, so the device never stalls on us.
    if (used >= this.sqEntries || this.inFlight >= this.cqEntries) throw new QueueFullError(this.id, Math.max(used, this.inFlight), Math.min(this.sqEntries, this.cqEntries));
    const tag = this.nextTag;
    this.nextTag = (this.nextTag + 1) >>> 0 || 1;
    encodeCommand(this.sqView, (this.sqTail & (this.sqEntries - 1)) * 64, cmd, tag);
    this.sqTail = (this.sqTail + 1) >>> 0;
    this.inFlight++;
    return tag;
  }

  private ring(): void {
    Atomics.store(this.words, W.SQ_TAIL, this.sqTail); // release: the entries are visible first
    if (Atomics.load(this.words, W.FLAGS) & (NEED_WAKEUP | QUEUE_ERROR)) {
      if (Atomics.load(this.words, W.FLAGS) & QUEUE_ERROR) throw new QueueStoppedError(this.id);
      this.wakeups++;
      this.context.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail });
    }
  }

  /** Submits one command; returns its tag. */
  submit(cmd: Command): number {
    this.ensureOpen();
    const tag = this.place(cmd);
    this.ring();
    return tag;
  }

  /** Submits several commands with one doorbell store. All fit, or none is submitted. */
  submitBatch(cmds: readonly Command[]): number[] {
    this.ensureOpen();
    const head = Atomics.load(this.words, W.SQ_HEAD) >>> 0;
    const room = Math.min(this.sqEntries - ((this.sqTail - head) >>> 0), this.cqEntries - this.inFlight);
    if (cmds.length > room) throw new QueueFullError(this.id, this.sqEntries - room, this.sqEntries);
    const tags = cmds.map((c) => this.place(c));
    this.ring();
    return tags;
  }

  /** The syscall path: the entry goes into the SQ, the tail is published by OA_IOCTL_SUBMIT, which waits. */
  submitByIoctl(cmd: Command, timeoutMs = 10000): Completion {
    this.ensureOpen();
    const tag = this.place(cmd);
    this.context.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.id, sq_tail: this.sqTail, flags: 1, timeout_ns: BigInt(timeoutMs) * 1_000_000n });
    this.poll();
    return this.take(tag) ?? this.waitSpin(tag, { timeoutMs });
  }

  /** Collects every completion the device has posted; returns how many. No system call. */
  poll(): number {
    let n = 0;
    for (;;) {
      const slot = this.cqHead & (this.cqEntries - 1);
      const expected = ((this.cqHead >>> this.cqShift) & 1) === 0 ? 1 : 0;
      if ((Atomics.load(this.cqWords, slot * 4 + 3) & 1) !== expected) break; // acquire on the phase bit
      const at = slot * 16;
      const status = this.cqView.getUint32(at + 8, true);
      const c: Completion = { tag: this.cqView.getUint32(at, true), result: this.cqView.getUint32(at + 4, true), status, statusName: STATUS_NAMES[status] ?? `STATUS_${status}`, ok: status === 0 };
      this.done.set(c.tag, c);
      this.cqHead = (this.cqHead + 1) >>> 0;
      this.inFlight--;
      n++;
    }
    if (n) Atomics.store(this.words, W.CQ_HEAD, this.cqHead);
    return n;
  }

  /** The completion of a tag if it has been collected (it is handed out once). */
  take(tag: number): Completion | undefined {
    const c = this.done.get(tag);
    if (c) this.done.delete(tag);
    return c;
  }

  private checkHealth(): void {
    if (Atomics.load(this.words, W.FLAGS) & QUEUE_ERROR) throw new QueueStoppedError(this.id);
    if (!this.context.transport.alive()) throw new DeviceGoneError(this.context.transport.path, 'the device node closed');
  }

  /** Spins on the CQ until the tag completes: the fast path, no system call while the device answers. */
  waitSpin(tag: number, opts: WaitOptions = {}): Completion {
    const timeoutMs = opts.timeoutMs ?? 10000;
    const start = performance.now();
    for (let i = 1; ; i++) {
      this.poll();
      const c = this.take(tag);
      if (c) return c;
      if ((i & 0xfff) === 0) {
        const elapsed = performance.now() - start;
        if (elapsed > timeoutMs) throw new CompletionTimeoutError(this.id, tag, timeoutMs);
        if ((i & 0xfffff) === 0) this.checkHealth();
      }
    }
  }

  /** Spins for `spinNs`, then sleeps on the eventfd (rule ring.arming) without blocking the event loop. */
  async wait(tag: number, opts: WaitOptions = {}): Promise<Completion> {
    const timeoutMs = opts.timeoutMs ?? 10000;
    const spinMs = (opts.spinNs ?? 50_000) / 1e6;
    const start = performance.now();
    while (performance.now() - start < spinMs) {
      this.poll();
      const c = this.take(tag);
      if (c) return c;
    }
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed > timeoutMs) throw new CompletionTimeoutError(this.id, tag, timeoutMs);
      this.checkHealth();
      if (this.eventfd >= 0) Atomics.store(this.words, W.CQ_ARMED, 1);
      this.poll();
      const c = this.take(tag);
      if (c) return c;
      const slice = Math.min(100, Math.max(1, timeoutMs - elapsed));
      if (this.eventfd >= 0) {
        await waitReadable(this.eventfd, slice);
        readEventfd(this.eventfd);
      } else await new Promise((r) => setTimeout(r, 1));
    }
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

export function newEventfd(): number {
  return createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
}
