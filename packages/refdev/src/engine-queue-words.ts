/**
 * Where the engine finds each shared word of a queue, per uAPI version: 1.0 keeps them all in the doorbell
 * page; 2.0 splits them into doorbell (tail), control (cq_head, cq_arm) and status (sq_head, cq_tail, flags,
 * arm_ack), and an OA_QUEUE_SYNCOBJ queue's tail is a word only refdev writes. Also the 2.0 bookkeeping the
 * engine keeps per queue for syncobj points: watches on the CQ tail and ranges of commands not to run.
 */
import { DOORBELL_WORDS as W } from '@openaccel/uapi';
import type { EngineRequest } from './engine-protocol.js';

/** Word indexes of the 2.0 control and status regions. */
const V2 = { CQ_HEAD: 0, CQ_ARM: 1, SQ_HEAD: 0, CQ_TAIL: 1, FLAGS: 2, ARM_ACK: 3 } as const;

export interface QueueWords {
  tail: Int32Array;
  tailAt: number;
  headOut: Int32Array;
  headAt: number;
  cqHeadIn: Int32Array;
  cqHeadAt: number;
  cqTailOut: Int32Array;
  cqTailAt: number;
  flags: Int32Array;
  flagsAt: number;
  /** 1.0: a cq_armed word the engine clears; 2.0: cq_arm (control) answered in arm_ack (status). */
  arm: Int32Array;
  armAt: number;
  armAck: Int32Array | undefined;
  /** The opcode's bits of an entry's first word, and the bits that must be zero (flags but FENCE, reserved). */
  opMask: number;
  badHead: number;
  /** 2.0: NEED_WAKEUP stays set on a new queue until the engine first finds work in it (queue.initial-state). */
  fresh: boolean;
}

export function queueWords(m: Extract<EngineRequest, { op: 'addQueue' }>, view: (address: bigint, length: number) => ArrayBuffer): QueueWords {
  const v2 = m.v2;
  if (!v2) {
    const db = new Int32Array(view(m.db, 256));
    return { tail: db, tailAt: W.SQ_TAIL, headOut: db, headAt: W.SQ_HEAD, cqHeadIn: db, cqHeadAt: W.CQ_HEAD, cqTailOut: db, cqTailAt: W.CQ_TAIL, flags: db, flagsAt: W.FLAGS, arm: db, armAt: W.CQ_ARMED, armAck: undefined, opMask: 0xff, badHead: 0xfffffe00, fresh: false };
  }
  const control = new Int32Array(view(v2.control, 128));
  const status = new Int32Array(view(v2.status, 128));
  const tail = v2.tail ? new Int32Array(v2.tail) : new Int32Array(view(m.db, 8));
  return { tail, tailAt: 0, headOut: status, headAt: V2.SQ_HEAD, cqHeadIn: control, cqHeadAt: V2.CQ_HEAD, cqTailOut: status, cqTailAt: V2.CQ_TAIL, flags: status, flagsAt: V2.FLAGS, arm: control, armAt: V2.CQ_ARM, armAck: status, opMask: 0xffff, badHead: 0xfffe0000, fresh: true };
}

/** ring.arming, after completions were published: whether the eventfd is to be signalled now (the arm is answered). */
export function takeArm(w: QueueWords): boolean {
  if (w.armAck) {
    const arm = Atomics.load(w.arm, w.armAt);
    if (arm === Atomics.load(w.armAck, V2.ARM_ACK)) return false;
    Atomics.store(w.armAck, V2.ARM_ACK, arm);
    return true;
  }
  if (Atomics.load(w.arm, w.armAt) === 0) return false;
  Atomics.store(w.arm, w.armAt, 0);
  return true;
}

/** Watches on a queue's CQ tail: each is told once the tail reaches it, with the error count at that tail. */
export class TailWatches {
  private list: { id: number; cqTail: number }[] = [];

  get size(): number {
    return this.list.length;
  }

  add(id: number, cqTail: number): void {
    this.list.push({ id, cqTail });
  }

  remove(id: number): void {
    this.list = this.list.filter((w) => w.id !== id);
  }

  /** The watches `cqTail` reached, removed. */
  reached(cqTail: number): number[] {
    const done = this.list.filter((w) => ((cqTail - w.cqTail) | 0) >= 0);
    if (done.length) this.list = this.list.filter((w) => !done.includes(w));
    return done.map((w) => w.id);
  }

  /** Every watch, removed (the queue stopped or went). */
  all(): number[] {
    const ids = this.list.map((w) => w.id);
    this.list = [];
    return ids;
  }
}

/** Index ranges [from, to) of a syncobj queue whose commands complete OA_STATUS_DEVICE_ERROR unrun. */
export class PoisonRanges {
  private ranges: [number, number][] = [];

  get size(): number {
    return this.ranges.length;
  }

  add(from: number, to: number): void {
    this.ranges.push([from, to]);
  }

  /** Whether command `index` is poisoned; ranges wholly before it are dropped (commands are read in order). */
  covers(index: number): boolean {
    this.ranges = this.ranges.filter(([, to]) => ((to - index) | 0) > 0);
    return this.ranges.some(([from]) => ((index - from) | 0) >= 0);
  }
}
