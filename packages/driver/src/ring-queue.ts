/**
 * What every user-mode queue shares, 1.0 and 2.0 alike: the SQ written as words, the CQ read by its
 * phase bit, completions kept by tag in typed arrays, and the spin-then-sleep wait. Where the shared
 * indices live (one doorbell page in 1.0; doorbell, control and status regions in 2.0) and how a tail
 * is published are the subclass's.
 *
 * The fast path allocates nothing: a PreparedCommand is copied into the slot as words, completions
 * land in typed arrays by tag, and take/waitSpin can fill a caller's object (`into`) or reap() a
 * CompletionBatch. Memory the device writes is read as words, never through DataView or BigInt.
 */
import { C, createEventfd, readEventfd, waitReadable } from '@openaccel/sys';
import { encodeCommandWords, PreparedCommand, SQE_TAG_WORD, SQE_WORDS, STATUS_NAMES, type Command, type Completion, type SqeAbi } from './command.js';
import { CompletionTimeoutError, QueueFullError } from './errors.js';

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Spin on the CQ this long before sleeping on the eventfd (default 50 µs). */
  spinNs?: number;
}

/** Completions reaped in CQ order into reused arrays (Queue.reap): no object per completion. */
export class CompletionBatch {
  readonly tags: Uint32Array;
  readonly status: Uint32Array;
  readonly result: Uint32Array;
  count = 0;

  constructor(readonly capacity: number) {
    this.tags = new Uint32Array(capacity);
    this.status = new Uint32Array(capacity);
    this.result = new Uint32Array(capacity);
  }
}

/** A Completion to pass to take/waitSpin as `into`, filled in place instead of a new object per call. */
export function emptyCompletion(): Completion {
  return { tag: 0, status: 0, statusName: '', result: 0, ok: false };
}

/** How long submit waits for a device to release the SQ slots of commands it has already completed. */
const SQ_HEAD_WAIT_MS = 1000;

// Tag slots: tags are handed out in sequence and at most cqEntries are in flight, so with twice as
// many slots as CQ entries `tag & mask` never lands on a command still in flight.
const FREE = 0;
const IN_FLIGHT = 1;
const DONE = 2;

function fill(c: Completion, tag: number, status: number, result: number): Completion {
  c.tag = tag;
  c.status = status;
  c.result = result;
  c.statusName = STATUS_NAMES[status] ?? `STATUS_${status}`;
  c.ok = status === 0;
  return c;
}

export abstract class RingQueue {
  private readonly sqWords: Uint32Array;
  private readonly cqWords: Int32Array;
  private readonly sqMask: number;
  private readonly cqMask: number;
  private readonly cqShift: number;
  protected sqTail = 0;
  /** The device's SQ head as last read: read again only when the ring looks full. */
  private sqHeadSeen = 0;
  private cqHead = 0;
  /** The cq_head the device was last told: behind cqHead until enough completions were consumed (releaseCq). */
  private cqHeadPublished = 0;
  private nextTag = 1;
  private inFlight = 0;
  private readonly slotMask: number;
  private readonly slotTag: Uint32Array;
  private readonly slotState: Uint8Array;
  private readonly slotStatus: Uint32Array;
  private readonly slotResult: Uint32Array;
  /** The prepared command (and its version) each SQ slot holds, so submitting it again writes only the tag. */
  private readonly slotCommand: (PreparedCommand | undefined)[];
  private readonly slotVersion: Float64Array;
  /** Completions off the fast path: left untaken until their slot came round again, or tags never handed out. */
  private readonly overflow = new Map<number, Completion>();
  protected closed = false;
  /** Doorbell stores that found the engine asleep and rang by system call. */
  wakeups = 0;

  constructor(
    readonly id: number,
    readonly sqEntries: number,
    readonly cqEntries: number,
    sq: ArrayBuffer,
    cq: ArrayBuffer,
    /** The eventfd the device signals, or -1 when the device has no eventfd capability. */
    readonly eventfd: number,
    /** The SQE layout of the queue's uAPI version (the opcode and flags word differs). */
    private readonly abi: SqeAbi,
  ) {
    this.sqWords = new Uint32Array(sq);
    this.cqWords = new Int32Array(cq);
    this.sqMask = sqEntries - 1;
    this.cqMask = cqEntries - 1;
    this.cqShift = Math.log2(cqEntries);
    const slots = cqEntries * 2;
    this.slotMask = slots - 1;
    this.slotTag = new Uint32Array(slots);
    this.slotState = new Uint8Array(slots);
    this.slotStatus = new Uint32Array(slots);
    this.slotResult = new Uint32Array(slots);
    this.slotCommand = new Array<PreparedCommand | undefined>(sqEntries).fill(undefined);
    this.slotVersion = new Float64Array(sqEntries);
  }

  /** sq_head as the device published it (an acquire load). */
  protected abstract loadSqHead(): number;
  /** Publishes cq_head (a release store), and whatever the protocol asks after it. */
  protected abstract publishCqHead(head: number): void;
  /** Publishes sqTail to the device. */
  protected abstract ring(): void;
  /** Asks the device for one eventfd signal on the next completion (rule ring.arming). */
  protected abstract arm(): void;
  /** Throws when the queue stopped or the device went away. */
  protected abstract checkHealth(): void;

  /** Commands submitted and not yet collected. */
  get pending(): number {
    return this.inFlight;
  }

  protected ensureOpen(): void {
    if (this.closed) throw new Error(`queue ${this.id} was destroyed`);
  }

  /**
   * Free SQ slots, also bounded by CQ room for every command in flight (the device never stalls on us).
   * sq_head is read again only when fewer than `needed` slots look free.
   */
  protected room(needed = 1): number {
    if (this.sqEntries - ((this.sqTail - this.sqHeadSeen) >>> 0) < needed) this.sqHeadSeen = this.loadSqHead() >>> 0;
    if (this.sqEntries - ((this.sqTail - this.sqHeadSeen) >>> 0) < needed) this.awaitSqHead(needed);
    return Math.min(this.sqEntries - ((this.sqTail - this.sqHeadSeen) >>> 0), this.cqEntries - this.inFlight);
  }

  /**
   * A device may post completions before it stores the sq_head that releases their slots (refdev does
   * for NOPs, so the store is not between the doorbell and the completion). Slots of commands already
   * collected are released in a moment: wait for that store (bounded), never for commands in flight.
   */
  private awaitSqHead(needed: number): void {
    let start = -1;
    for (let i = 1; ; i++) {
      const used = (this.sqTail - this.sqHeadSeen) >>> 0;
      if (used <= this.inFlight || this.sqEntries - used >= needed) return;
      this.sqHeadSeen = this.loadSqHead() >>> 0;
      if ((i & 0xfff) === 0) {
        const now = performance.now();
        if (start < 0) start = now;
        else if (now - start > SQ_HEAD_WAIT_MS) return; // the caller finds no room and says the queue is full
        this.checkHealth();
      }
    }
  }

  protected place(cmd: Command | PreparedCommand): number {
    // The device must see CQ room for every command it is given: before a tail past the published
    // cq_head + cq_entries can go out, cq_head is published (cqHead itself is never that far behind).
    if (((this.sqTail + 1 - this.cqHeadPublished) >>> 0) > this.cqEntries) this.releaseCq();
    const tag = this.nextTag;
    this.nextTag = (this.nextTag + 1) >>> 0 || 1;
    const sq = this.sqWords;
    const slot = this.sqTail & this.sqMask;
    const at = slot * SQE_WORDS;
    if (cmd instanceof PreparedCommand) {
      if (cmd.abi !== this.abi) throw new RangeError(`a command prepared for uAPI ${cmd.abi}.0 on a ${this.abi}.0 queue`);
      // The device only reads the SQ: a slot that last held this very command needs only its tag.
      if (this.slotCommand[slot] !== cmd || this.slotVersion[slot] !== cmd.version) {
        const w = cmd.words;
        for (let i = 0; i < SQE_WORDS; i++) sq[at + i] = w[i]!;
        this.slotCommand[slot] = cmd;
        this.slotVersion[slot] = cmd.version;
      }
      sq[at + SQE_TAG_WORD] = tag;
    } else {
      encodeCommandWords(sq, at, cmd, tag, this.abi);
      this.slotCommand[slot] = undefined;
    }
    const s = tag & this.slotMask;
    if (this.slotState[s] === DONE) this.overflow.set(this.slotTag[s]!, fill(emptyCompletion(), this.slotTag[s]!, this.slotStatus[s]!, this.slotResult[s]!));
    this.slotState[s] = IN_FLIGHT;
    this.slotTag[s] = tag;
    this.sqTail = (this.sqTail + 1) >>> 0;
    this.inFlight++;
    return tag;
  }

  /**
   * Publishes the consumed cq_head (then the ring.cq-full barrier and flags check). poll and reap call
   * it only every half ring: each store dirties a line the device reads, and a round trip that waits
   * for that line costs more than the device seeing CQ room late; place() keeps that room enough for
   * every command it gives the device.
   */
  private releaseCq(): void {
    this.cqHeadPublished = this.cqHead;
    this.publishCqHead(this.cqHead);
  }

  private consumed(): void {
    if (((this.cqHead - this.cqHeadPublished) >>> 0) >= this.cqEntries >>> 1) this.releaseCq();
  }

  /** Takes back the command placed last (its tail was never published): a failed submission leaves nothing queued. */
  protected unplace(tag: number): void {
    this.sqTail = (this.sqTail - 1) >>> 0;
    this.inFlight--;
    this.nextTag = tag;
    const s = tag & this.slotMask;
    if (this.slotTag[s] === tag) this.slotState[s] = FREE;
    this.slotCommand[this.sqTail & this.sqMask] = undefined;
  }

  protected full(): QueueFullError {
    const used = (this.sqTail - this.sqHeadSeen) >>> 0;
    return new QueueFullError(this.id, Math.max(used, this.inFlight), Math.min(this.sqEntries, this.cqEntries));
  }

  /** Submits one command; returns its tag. A PreparedCommand is the allocation-free fast path. */
  submit(cmd: Command | PreparedCommand): number {
    this.ensureOpen();
    if (this.room() < 1) throw this.full();
    const tag = this.place(cmd);
    this.ring();
    return tag;
  }

  /**
   * Submits several commands with one doorbell store. All fit, or none is submitted. With `tags`
   * (at least as long as `cmds`) the tags are written there instead of into a new array.
   */
  submitBatch(cmds: readonly (Command | PreparedCommand)[]): number[];
  submitBatch(cmds: readonly (Command | PreparedCommand)[], tags: Uint32Array): Uint32Array;
  submitBatch(cmds: readonly (Command | PreparedCommand)[], tags?: Uint32Array): number[] | Uint32Array {
    this.ensureOpen();
    this.sqHeadSeen = this.loadSqHead() >>> 0;
    if (cmds.length > this.room(cmds.length)) throw this.full();
    if (tags && tags.length < cmds.length) throw new RangeError(`${cmds.length} commands but room for ${tags.length} tags`);
    const out = tags ?? new Array<number>(cmds.length);
    for (let i = 0; i < cmds.length; i++) out[i] = this.place(cmds[i]!);
    this.ring();
    return out;
  }

  /** Reads one posted CQ entry at the head, or returns false. */
  private next(): boolean {
    const slot = this.cqHead & this.cqMask;
    const expected = ((this.cqHead >>> this.cqShift) & 1) === 0 ? 1 : 0;
    return (Atomics.load(this.cqWords, slot * 4 + 3) & 1) === expected; // acquire on the phase bit
  }

  /** Collects every completion the device has posted; returns how many. No system call, no allocation. */
  poll(): number {
    let n = 0;
    const cq = this.cqWords;
    while (this.next()) {
      const at = (this.cqHead & this.cqMask) * 4;
      const tag = cq[at]! >>> 0;
      const s = tag & this.slotMask;
      if (this.slotState[s] === IN_FLIGHT && this.slotTag[s] === tag) {
        this.slotState[s] = DONE;
        this.slotResult[s] = cq[at + 1]!;
        this.slotStatus[s] = cq[at + 2]!;
      } else this.overflow.set(tag, fill(emptyCompletion(), tag, cq[at + 2]! >>> 0, cq[at + 1]! >>> 0));
      this.cqHead = (this.cqHead + 1) >>> 0;
      this.inFlight--;
      n++;
    }
    if (n) this.consumed();
    return n;
  }

  /**
   * Moves the completions still in the CQ, in order, into `batch` after those it holds (as many as
   * fit); returns how many were added. Completions already collected by poll() stay for take().
   */
  reap(batch: CompletionBatch): number {
    const cq = this.cqWords;
    let n = 0;
    while (batch.count < batch.capacity && this.next()) {
      const at = (this.cqHead & this.cqMask) * 4;
      const tag = cq[at]! >>> 0;
      const s = tag & this.slotMask;
      if (this.slotState[s] === IN_FLIGHT && this.slotTag[s] === tag) this.slotState[s] = FREE;
      batch.tags[batch.count] = tag;
      batch.result[batch.count] = cq[at + 1]!;
      batch.status[batch.count] = cq[at + 2]!;
      batch.count++;
      this.cqHead = (this.cqHead + 1) >>> 0;
      this.inFlight--;
      n++;
    }
    if (n) this.consumed();
    return n;
  }

  /** The completion of a tag if it has been collected (it is handed out once); `into` is filled instead of a new object. */
  take(tag: number, into?: Completion): Completion | undefined {
    const s = tag & this.slotMask;
    if (this.slotState[s] === DONE && this.slotTag[s] === tag) {
      this.slotState[s] = FREE;
      return fill(into ?? emptyCompletion(), tag, this.slotStatus[s]!, this.slotResult[s]!);
    }
    if (this.overflow.size === 0) return undefined;
    const c = this.overflow.get(tag);
    if (!c) return undefined;
    this.overflow.delete(tag);
    return into ? fill(into, c.tag, c.status, c.result) : c;
  }

  /**
   * Spins on the CQ until the tag completes: the fast path, no system call while the device answers.
   * With `into`, that object is filled and returned (no allocation).
   */
  waitSpin(tag: number, opts?: WaitOptions, into?: Completion): Completion {
    let start = -1;
    for (let i = 1; ; i++) {
      this.poll();
      const c = this.take(tag, into);
      if (c) return c;
      if ((i & 0xfff) === 0) {
        // The clock is read only once spinning lasts: the first check starts the timeout.
        const now = performance.now();
        if (start < 0) start = now;
        const timeoutMs = opts?.timeoutMs ?? 10000;
        if (now - start > timeoutMs) throw new CompletionTimeoutError(this.id, tag, timeoutMs);
        if ((i & 0xfffff) === 0) this.checkHealth();
      }
    }
  }

  /**
   * Spins for `spinNs`, then sleeps on the eventfd without blocking the event loop: arm, check the CQ
   * once more, sleep, drain the eventfd, and check again; a wake-up with nothing new is tolerated.
   */
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
      // Before sleeping the device is told everything consumed (a device reporting CQ readiness by cq_head agrees).
      if (this.cqHeadPublished !== this.cqHead) this.releaseCq();
      if (this.eventfd >= 0) this.arm();
      this.poll();
      const c = this.take(tag);
      if (c) return c;
      const slice = Math.min(100, Math.max(1, timeoutMs - elapsed));
      if (this.eventfd >= 0) {
        await waitReadable(this.eventfd, slice);
        while (readEventfd(this.eventfd) !== undefined); // drained, or a stale count wakes the next sleep at once
      } else await new Promise((r) => setTimeout(r, 1));
    }
  }
}

export function newEventfd(): number {
  return createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
}
