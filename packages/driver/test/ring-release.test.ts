// When the queue tells the device about freed slots: cq_head published every half ring but always
// before the device could run out of CQ room, and sq_head awaited when a device posts completions
// before it releases their slots. A queue on plain memory, with the device played by the test.
import { describe, expect, it } from 'vitest';
import { CompletionTimeoutError, PreparedCommand, RingQueue } from '../src/index.js';

const SQE_WORDS = 16;
const TAG_WORD = 1;

/** A RingQueue whose device is this test: it records what the queue publishes and answers by hand. */
class PlayedQueue extends RingQueue {
  readonly sq: Uint32Array;
  readonly cq: Int32Array;
  /** The device's sq_head as the queue loads it; `releaseAfterLoads` delays a pending store of it. */
  sqHead = 0;
  pendingSqHead: number | undefined;
  releaseAfterLoads = 0;
  publishedCqHead = 0;
  cqHeadStores = 0;
  /** Each published tail, with the cq_head the device had been told by then. */
  readonly rings: { tail: number; cqHead: number }[] = [];
  private posted = 0;
  private taken = 0;

  constructor(entries: number) {
    const sq = new ArrayBuffer(entries * SQE_WORDS * 4);
    const cq = new ArrayBuffer(entries * 16);
    super(1, entries, entries, sq, cq, -1, 1);
    this.sq = new Uint32Array(sq);
    this.cq = new Int32Array(cq);
  }

  protected loadSqHead(): number {
    if (this.pendingSqHead !== undefined && --this.releaseAfterLoads <= 0) {
      this.sqHead = this.pendingSqHead;
      this.pendingSqHead = undefined;
    }
    return this.sqHead;
  }

  protected publishCqHead(head: number): void {
    this.publishedCqHead = head;
    this.cqHeadStores++;
  }

  protected ring(): void {
    this.rings.push({ tail: this.sqTail, cqHead: this.publishedCqHead });
  }

  protected arm(): void {}

  protected checkHealth(): void {}

  /**
   * The device takes every published entry and completes it OK, as far as the CQ room it was told of
   * allows; with `headFirst` false it posts the completions before it stores sq_head.
   */
  serve(headFirst: boolean): void {
    const tail = this.rings.at(-1)?.tail ?? 0;
    const entries = this.cqEntries;
    let done = 0;
    while (this.taken !== tail && this.posted - this.publishedCqHead < entries) {
      const slot = this.taken % entries;
      const at = (this.posted % entries) * 4;
      this.cq[at] = this.sq[slot * SQE_WORDS + TAG_WORD]!;
      this.cq[at + 1] = 0;
      this.cq[at + 2] = 0;
      Atomics.store(this.cq, at + 3, Math.floor(this.posted / entries) % 2 === 0 ? 1 : 0);
      this.taken++;
      this.posted++;
      done++;
    }
    if (headFirst) this.sqHead = this.taken;
    else this.pendingSqHead = this.taken;
    if (done === 0 && this.taken !== tail) throw new Error(`the device was given ${tail - this.taken} commands but told of no CQ room for them`);
  }
}

describe('cq_head and sq_head between a queue and its device', () => {
  it('cq_head is published every half ring, and always before a tail could need more CQ room than the device was told of', () => {
    const q = new PlayedQueue(8);
    const nop = new PreparedCommand({ op: 'nop' });
    let completions = 0;
    for (let i = 0; i < 100; i++) {
      const tags = q.submitBatch([nop, nop, nop], new Uint32Array(3));
      q.serve(true);
      for (const tag of tags) {
        if (!q.waitSpin(tag, { timeoutMs: 1000 }).ok) throw new Error(`tag ${tag}`);
        completions++;
      }
    }
    for (const r of q.rings) expect(r.tail - r.cqHead).toBeLessThanOrEqual(8);
    expect(q.cqHeadStores).toBeGreaterThan(0);
    expect(q.cqHeadStores).toBeLessThanOrEqual(completions / 4);
  });

  it('a queue filled to the last CQ entry again and again keeps the device supplied with room', () => {
    const q = new PlayedQueue(4);
    const nop = new PreparedCommand({ op: 'nop' });
    for (let i = 0; i < 50; i++) {
      const tags = q.submitBatch([nop, nop, nop, nop], new Uint32Array(4));
      q.serve(true); // throws when given commands it has no room for
      for (const tag of tags) expect(q.waitSpin(tag, { timeoutMs: 1000 }).ok).toBe(true);
    }
    for (const r of q.rings) expect(r.tail - r.cqHead).toBeLessThanOrEqual(4);
  });

  it('a device that posts completions before it releases their slots: submit waits for the sq_head store instead of reporting the ring full', () => {
    const q = new PlayedQueue(4);
    const nop = new PreparedCommand({ op: 'nop' });
    const tags = q.submitBatch([nop, nop, nop, nop], new Uint32Array(4));
    q.serve(false); // completions posted, sq_head not stored yet
    q.releaseAfterLoads = 3; // the store lands while the queue looks again
    for (const tag of tags) expect(q.waitSpin(tag, { timeoutMs: 1000 }).ok).toBe(true);
    expect(() => q.submit(nop)).not.toThrow();
    expect(q.pending).toBe(1);
  });

  it('commands still in flight are not waited for: a full ring is reported full at once', () => {
    const q = new PlayedQueue(4);
    const nop = new PreparedCommand({ op: 'nop' });
    q.submitBatch([nop, nop, nop, nop], new Uint32Array(4));
    expect(() => q.submit(nop)).toThrow(/submission ring full/);
  });

  it('before sleeping on a completion the queue publishes every CQ entry it consumed', async () => {
    const q = new PlayedQueue(8);
    const nop = new PreparedCommand({ op: 'nop' });
    const first = q.submit(nop);
    q.serve(true);
    expect(q.waitSpin(first, { timeoutMs: 1000 }).ok).toBe(true);
    expect(q.publishedCqHead).toBe(0); // consumed, not yet published: less than half the ring
    const second = q.submit(nop); // never served
    await expect(q.wait(second, { timeoutMs: 20, spinNs: 0 })).rejects.toBeInstanceOf(CompletionTimeoutError);
    expect(q.publishedCqHead).toBe(1);
  });
});
