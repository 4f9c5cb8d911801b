/**
 * A queue driven byte by byte, independent of the reference driver's ring logic: conformance tests
 * write any entry (reserved fields included), publish any tail, and read completions and phase bits
 * exactly as the spec lays them out.
 */
import { encodeCommand, type Command, type Context } from '@openaccel/driver';
import { C, type Mapping } from '@openaccel/sys';
import { DOORBELL_WORDS } from '@openaccel/uapi';
import { ConformanceFailure } from './model.js';

export const DB = DOORBELL_WORDS;

export interface RawCompletion {
  tag: number;
  result: number;
  status: number;
  phase: number;
}

export class RawQueue {
  readonly id: number;
  readonly sqEntries: number;
  readonly cqEntries: number;
  readonly doorbell: Mapping;
  readonly sq: Mapping;
  readonly cq: Mapping;
  readonly words: Int32Array;
  readonly sqView: DataView;
  readonly cqView: DataView;
  readonly cqWords: Int32Array;
  tail = 0;
  head = 0;
  private nextTag = 1;

  constructor(
    readonly ctx: Context,
    sqEntries: number,
    cqEntries = 0,
  ) {
    const r = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: sqEntries, cq_entries: cqEntries });
    this.id = r.queue_id;
    this.sqEntries = sqEntries;
    this.cqEntries = cqEntries || sqEntries;
    const map = (o: bigint, n: number) => ctx.transport.mmap(o, n, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED);
    this.doorbell = map(r.doorbell_offset, r.doorbell_size);
    this.sq = map(r.sq_offset, r.sq_size);
    this.cq = map(r.cq_offset, r.cq_size);
    this.words = new Int32Array(this.doorbell.buffer);
    this.sqView = new DataView(this.sq.buffer);
    this.cqView = new DataView(this.cq.buffer);
    this.cqWords = new Int32Array(this.cq.buffer);
  }

  /** Writes a command at the tail (not yet published); returns its tag. */
  write(cmd: Command, edit?: (slot: DataView, at: number) => void): number {
    const tag = this.nextTag++;
    const at = (this.tail & (this.sqEntries - 1)) * 64;
    encodeCommand(this.sqView, at, cmd, tag);
    edit?.(this.sqView, at);
    this.tail = (this.tail + 1) >>> 0;
    return tag;
  }

  /** Stores the tail to the doorbell; rings by system call if the engine asked to be woken (rule ring.wakeup). */
  publish(): void {
    Atomics.store(this.words, DB.SQ_TAIL, this.tail);
    if (Atomics.load(this.words, DB.FLAGS) & 1) this.ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.id, sq_tail: this.tail });
  }

  /** The entry at CQ index `index`, whatever its phase. The phase is loaded first (acquire), then the rest (rule ring.phase). */
  entry(index: number): RawCompletion {
    const slot = index & (this.cqEntries - 1);
    const at = slot * 16;
    const phase = Atomics.load(this.cqWords, slot * 4 + 3) & 1;
    return { tag: this.cqView.getUint32(at, true), result: this.cqView.getUint32(at + 4, true), status: this.cqView.getUint32(at + 8, true), phase };
  }

  /** The phase a valid entry at `index` carries (rule ring.phase). */
  expectedPhase(index: number): number {
    return Math.floor(index / this.cqEntries) % 2 === 0 ? 1 : 0;
  }

  /** Waits for the next completion (spinning, then yielding), consumes it and advances cq_head. */
  async next(timeoutMs = 5000): Promise<RawCompletion> {
    const start = performance.now();
    for (let i = 0; ; i++) {
      const e = this.entry(this.head);
      if (e.phase === this.expectedPhase(this.head)) {
        this.head = (this.head + 1) >>> 0;
        Atomics.store(this.words, DB.CQ_HEAD, this.head);
        return e;
      }
      if ((i & 1023) === 1023) {
        if (performance.now() - start > timeoutMs) {
          throw new ConformanceFailure(`no completion at CQ index ${this.head} within ${timeoutMs} ms (cq_tail ${Atomics.load(this.words, DB.CQ_TAIL) >>> 0}, phase there ${e.phase}, expected ${this.expectedPhase(this.head)})`, `a completion with phase ${this.expectedPhase(this.head)}`, `phase ${e.phase}`);
        }
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  async run(cmd: Command, edit?: (slot: DataView, at: number) => void): Promise<RawCompletion> {
    const tag = this.write(cmd, edit);
    this.publish();
    const c = await this.next();
    if (c.tag !== tag) throw new ConformanceFailure(`completion tag ${c.tag} for a command tagged ${tag}`, String(tag), String(c.tag));
    return c;
  }

  close(): void {
    try {
      this.ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: this.id });
    } finally {
      this.doorbell.close();
      this.sq.close();
      this.cq.close();
    }
  }
}
