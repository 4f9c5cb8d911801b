/**
 * A 2.0 queue driven word by word from the spec's layouts: five regions mapped from the offsets
 * CREATE_QUEUE returns, entries encoded as struct oa_sqe, completions read phase first. Tests use it
 * to publish any tail, watch the status words and consume (or not) completions exactly as the
 * data-path protocol says.
 */
import type { Transport } from '@openaccel/driver';
import { C, type Mapping } from '@openaccel/sys';
import { uapi2 } from '@openaccel/uapi';
import { ConformanceFailure } from '../model.js';
import type { AccelEnv } from './accel-env.js';

export const NEED_WAKEUP = 1;
export const QUEUE_ERROR = 2;
export const QUEUE_SYNCOBJ = 1;
export const SUBMIT_WAIT = 1;
/** How long a test waits for a completion that must come: bounds a hang only, never measures speed. */
export const COMPLETION_DEADLINE_MS = 20000;

const SQE = uapi2.struct('oa_sqe');
const SQE_SIZE = uapi2.constant('OA_SQE_SIZE');
const CQE_SIZE = uapi2.constant('OA_CQE_SIZE');

export type SqeFields = Partial<Record<'opcode' | 'flags' | 'src_handle' | 'dst_handle' | 'src_length' | 'dst_length' | 'param_handle' | 'reserved1', number> & Record<'src_addr' | 'dst_addr' | 'param_addr' | 'arg', bigint>>;

export interface Cqe {
  tag: number;
  result: number;
  status: number;
  phase: number;
}

export interface CreatedQueue {
  queue_id: number;
  doorbell_size: number;
  control_size: number;
  status_size: number;
  sq_size: number;
  cq_size: number;
  doorbell_offset: bigint;
  control_offset: bigint;
  status_offset: bigint;
  sq_offset: bigint;
  cq_offset: bigint;
}

/** CREATE_QUEUE; throws a ConformanceFailure when it fails. */
export function createQueue(env: AccelEnv, t: QueueFile, fields: { sq_entries: number; cq_entries?: number; flags?: number }): CreatedQueue {
  const r = env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', fields);
  if (r.errno) throw new ConformanceFailure(`DRM_IOCTL_OA_CREATE_QUEUE failed with ${r.errno}`, 'success', r.errno);
  return r.out as unknown as CreatedQueue;
}

/** What a queue needs of its open file: a transport, or the test's own FdinfoFile. */
export type QueueFile = Pick<Transport, 'ioctl' | 'mmap'>;

export class AccelQueue {
  readonly id: number;
  readonly created: CreatedQueue;
  readonly sqEntries: number;
  readonly cqEntries: number;
  readonly syncobj: boolean;
  readonly doorbell: Mapping | undefined;
  readonly control: Mapping;
  readonly status: Mapping;
  readonly sq: Mapping;
  readonly cq: Mapping;
  private readonly db: Int32Array | undefined;
  private readonly ctl: Int32Array;
  private readonly st: Int32Array;
  private readonly cqWords: Int32Array;
  private readonly sqView: DataView;
  tail = 0;
  head = 0;
  private nextTag = 1;
  private closed = false;

  constructor(
    readonly env: AccelEnv,
    readonly t: QueueFile,
    opts: { sqEntries: number; cqEntries?: number; syncobj?: boolean },
  ) {
    this.syncobj = opts.syncobj ?? false;
    this.created = createQueue(env, t, { sq_entries: opts.sqEntries, cq_entries: opts.cqEntries ?? 0, flags: this.syncobj ? QUEUE_SYNCOBJ : 0 });
    this.id = this.created.queue_id;
    this.sqEntries = opts.sqEntries;
    this.cqEntries = opts.cqEntries || opts.sqEntries;
    const rw = C.PROT_READ | C.PROT_WRITE;
    const map = (offset: bigint, size: number, prot: number) => env.track(t.mmap(offset, size, prot, C.MAP_SHARED));
    const c = this.created;
    this.doorbell = c.doorbell_size ? map(c.doorbell_offset, c.doorbell_size, env.has('mmio_doorbell') ? C.PROT_WRITE : rw) : undefined;
    this.control = map(c.control_offset, c.control_size, rw);
    this.status = map(c.status_offset, c.status_size, C.PROT_READ);
    this.sq = map(c.sq_offset, c.sq_size, rw);
    this.cq = map(c.cq_offset, c.cq_size, C.PROT_READ);
    this.db = this.doorbell && new Int32Array(this.doorbell.buffer, 0, 2);
    this.ctl = new Int32Array(this.control.buffer, 0, 2);
    this.st = new Int32Array(this.status.buffer, 0, 4);
    this.cqWords = new Int32Array(this.cq.buffer);
    this.sqView = new DataView(this.sq.buffer);
    env.track(this);
  }

  /** oa_queue_status words: sq_head, cq_tail, flags, arm_ack. */
  statusWords(): { sqHead: number; cqTail: number; flags: number; armAck: number } {
    return { sqHead: Atomics.load(this.st, 0) >>> 0, cqTail: Atomics.load(this.st, 1) >>> 0, flags: Atomics.load(this.st, 2) >>> 0, armAck: Atomics.load(this.st, 3) >>> 0 };
  }

  /** Writes a command at the tail (not published); returns its tag. */
  write(fields: SqeFields = {}): number {
    const tag = this.nextTag++;
    SQE.encodeInto(this.sqView, (this.tail & (this.sqEntries - 1)) * SQE_SIZE, { ...fields, tag } as never);
    this.tail = (this.tail + 1) >>> 0;
    return tag;
  }

  /** Stores a tail to the doorbell (release), then, as ring.wakeup says, SUBMITs when the device asked for it. */
  publish(tail = this.tail): string | undefined {
    if (!this.db) return this.submit({ sq_tail: tail }).errno;
    Atomics.store(this.db, 0, tail);
    if (this.statusWords().flags & NEED_WAKEUP) return this.submit({ sq_tail: tail }).errno;
    return undefined;
  }

  /** DRM_IOCTL_OA_SUBMIT on this queue. */
  submit(fields: Record<string, unknown> = {}): { errno: string | undefined; sqHead: number } {
    const r = this.env.io(this.t, 'DRM_IOCTL_OA_SUBMIT', { queue_id: this.id, sq_tail: this.tail, ...fields });
    return { errno: r.errno, sqHead: (r.out as { sq_head: number }).sq_head };
  }

  /** Stores cq_head (release), then the full barrier and flags check of ring.cq-full. */
  releaseCq(head = this.head): void {
    Atomics.store(this.ctl, 0, head);
    if (this.statusWords().flags & NEED_WAKEUP) this.submit({ sq_tail: this.tail });
  }

  /** Stores cq_arm (rule ring.arming). */
  arm(value: number): void {
    Atomics.store(this.ctl, 1, value);
  }

  /** The CQE at index `index`: flags (phase) loaded first with acquire, then the rest. */
  entry(index: number): Cqe {
    const w = (index & (this.cqEntries - 1)) * (CQE_SIZE / 4);
    const phase = Atomics.load(this.cqWords, w + 3) & 1;
    return { tag: this.cqWords[w]! >>> 0, result: this.cqWords[w + 1]! >>> 0, status: this.cqWords[w + 2]! >>> 0, phase };
  }

  expectedPhase(index: number): number {
    return Math.floor(index / this.cqEntries) % 2 === 0 ? 1 : 0;
  }

  /** Whether the CQE at cq_head is valid, without consuming it. */
  ready(): boolean {
    return this.entry(this.head).phase === this.expectedPhase(this.head);
  }

  /** Waits for the CQE at cq_head, consumes it and releases cq_head (unless `release` is false). */
  async next(opts: { release?: boolean; deadlineMs?: number } = {}): Promise<Cqe> {
    const deadline = performance.now() + (opts.deadlineMs ?? COMPLETION_DEADLINE_MS);
    for (let i = 0; ; i++) {
      if (this.ready()) {
        const e = this.entry(this.head);
        this.head = (this.head + 1) >>> 0;
        if (opts.release !== false) this.releaseCq();
        return e;
      }
      if (performance.now() > deadline) {
        const s = this.statusWords();
        throw new ConformanceFailure(`no completion at CQ index ${this.head} (status flags 0x${s.flags.toString(16)}, sq_head ${s.sqHead}, tail ${this.tail})`, `a CQE with phase ${this.expectedPhase(this.head)}`, 'none before the deadline');
      }
      await new Promise((r) => setTimeout(r, i < 100 ? 0 : 2));
    }
  }

  /** Writes, publishes and waits for one command; checks its tag. */
  async run(fields: SqeFields = {}): Promise<Cqe> {
    const tag = this.write(fields);
    const errno = this.publish();
    if (errno) throw new ConformanceFailure(`publishing the tail: DRM_IOCTL_OA_SUBMIT failed with ${errno}`, 'success', errno);
    const c = await this.next();
    if (c.tag !== tag) throw new ConformanceFailure(`completion tag ${c.tag} for a command tagged ${tag}`, String(tag), String(c.tag));
    return c;
  }

  /**
   * One command, synchronously: write, publish, spin on the CQE at cq_head, consume it (a latency sample,
   * where an await would measure the event loop). Fails at the deadline.
   */
  runSpin(fields: SqeFields = {}): Cqe {
    const tag = this.write(fields);
    const errno = this.publish();
    if (errno) throw new ConformanceFailure(`publishing the tail: DRM_IOCTL_OA_SUBMIT failed with ${errno}`, 'success', errno);
    return this.spinFor(tag);
  }

  /** Spins until the CQE at cq_head is valid, consumes it and checks its tag. */
  spinFor(tag: number): Cqe {
    const deadline = performance.now() + COMPLETION_DEADLINE_MS;
    for (let i = 0; !this.ready(); i++) {
      if ((i & 1023) === 1023 && performance.now() > deadline) throw new ConformanceFailure(`no completion at CQ index ${this.head}`, 'a CQE', 'none before the deadline');
    }
    const c = this.entry(this.head);
    this.head = (this.head + 1) >>> 0;
    this.releaseCq();
    if (c.tag !== tag) throw new ConformanceFailure(`completion tag ${c.tag} for a command tagged ${tag}`, String(tag), String(c.tag));
    return c;
  }

  /** Waits until `cond` holds on the status words; fails at the deadline. */
  async until(what: string, cond: (s: ReturnType<AccelQueue['statusWords']>) => boolean, deadlineMs = COMPLETION_DEADLINE_MS): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (!cond(this.statusWords())) {
      if (performance.now() > deadline) throw new ConformanceFailure(`${what}: not seen before the deadline`, what, JSON.stringify(this.statusWords()));
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.env.io(this.t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: this.id });
  }
}

/** The absolute CLOCK_MONOTONIC deadline `ms` from now, as SUBMIT and SYNCOBJ_WAIT take it. */
export function monotonicDeadline(ms: number): bigint {
  return process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
}
