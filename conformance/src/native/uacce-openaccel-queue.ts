/**
 * The user-space driver of a UACCE device whose api attribute is `openaccel-2.0-uacce` (the OpenAccel
 * kernel driver's device 0 on UACCE): one open file is one queue of the 2.0 ring formats, the doorbell
 * in the MMIO region, control and status words, rings and data area in the DUS region, page by page as
 * packages/kmod/accel/oa_uacce.h lays them out. Operands name the data area by handle 1.
 */
import { ioctl, type Mapping } from '@openaccel/sys';
import { ioc, openaccelV2, uapi2 } from '@openaccel/uapi';
import { ConformanceFailure } from '../model.js';
import type { NativeEnv } from './native-env.js';

export const OPENACCEL_UACCE_API = 'openaccel-2.0-uacce';
/** The binding's constants, as oa_uacce.h defines them (a test compares the two). */
export const OA_UACCE = {
  sqEntries: 64,
  cqEntries: 64,
  mmioPages: 1,
  controlPage: 0,
  statusPage: 1,
  sqPage: 2,
  cqPage: 3,
  dataPage: 4,
  dataSize: 1024 * 1024,
  handleData: 1,
  /** _IO(0xd7, 0x40): wakes the engine after a doorbell store that found NEED_WAKEUP (rule ring.wakeup). */
  cmdWake: ioc('generic', 'none', 0xd7, 0x40, 0),
} as const;
/** _IO('W', 0) and _IO('W', 1) of include/uapi/misc/uacce/uacce.h. */
export const UACCE_CMD_START_Q = ioc('generic', 'none', 0x57, 0, 0);
export const UACCE_CMD_PUT_Q = ioc('generic', 'none', 0x57, 1, 0);
export const NEED_WAKEUP = 1;
export const QUEUE_ERROR = 2;
/** Bounds a hang only: a completion that must come gets this long under emulation on a busy machine. */
const DEADLINE_MS = 20000;
const PAGE = 4096;

const SQE = uapi2.struct('oa_sqe');
const SQE_SIZE = uapi2.constant('OA_SQE_SIZE');
const CQE_SIZE = uapi2.constant('OA_CQE_SIZE');
export const STATUS = Object.fromEntries(openaccelV2.enums.find((e) => e.name === 'oa_status')!.entries.map((e) => [e.name.replace(/^OA_STATUS_/, ''), e.value])) as Record<string, number>;
export const opcode = (name: string): number => openaccelV2.opcodes.find((o) => o.name === name)!.value;

export type UacceSqe = Partial<Record<'opcode' | 'src_handle' | 'dst_handle' | 'src_length' | 'dst_length', number> & Record<'src_addr' | 'dst_addr' | 'arg', bigint>>;
export interface UacceCqe {
  tag: number;
  result: number;
  status: number;
}

export class UacceQueue {
  readonly mmio: Mapping;
  readonly dus: Mapping;
  /** The data area: operands' bytes, at the offsets commands name. */
  readonly data: Uint8Array;
  private readonly db: Int32Array;
  private readonly ctl: Int32Array;
  private readonly st: Int32Array;
  private readonly cq: Int32Array;
  private readonly sq: DataView;
  tail = 0;
  head = 0;
  private nextTag = 1;

  /** Opens a queue (or uses `fd`), maps both regions at the sizes sysfs gives; START_Q unless told not to. */
  constructor(
    readonly env: NativeEnv,
    sizes: { mmio: number; dus: number },
    readonly fd = env.open(),
    start = true,
  ) {
    this.mmio = env.map(this.fd, sizes.mmio, { offset: 0 });
    this.dus = env.map(this.fd, sizes.dus, { offset: PAGE });
    const page = (n: number) => n * PAGE;
    this.db = new Int32Array(this.mmio.buffer, 0, 2);
    this.ctl = new Int32Array(this.dus.buffer, page(OA_UACCE.controlPage), 2);
    this.st = new Int32Array(this.dus.buffer, page(OA_UACCE.statusPage), 4);
    this.sq = new DataView(this.dus.buffer, page(OA_UACCE.sqPage), OA_UACCE.sqEntries * SQE_SIZE);
    this.cq = new Int32Array(this.dus.buffer, page(OA_UACCE.cqPage), (OA_UACCE.cqEntries * CQE_SIZE) / 4);
    this.data = new Uint8Array(this.dus.buffer, page(OA_UACCE.dataPage), OA_UACCE.dataSize);
    if (start) this.command('START_Q', UACCE_CMD_START_Q);
  }

  /** An ioctl of the queue without argument; throws a ConformanceFailure when it fails. */
  command(what: string, request: number): void {
    const r = ioctl(this.fd, request, null);
    if (r.errno) throw new ConformanceFailure(`${what} failed with ${r.errno}`, 'success', r.errno);
  }

  /** oa_queue_status words: sq_head, cq_tail, flags, arm_ack. */
  statusWords(): { sqHead: number; cqTail: number; flags: number; armAck: number } {
    return { sqHead: Atomics.load(this.st, 0) >>> 0, cqTail: Atomics.load(this.st, 1) >>> 0, flags: Atomics.load(this.st, 2) >>> 0, armAck: Atomics.load(this.st, 3) >>> 0 };
  }

  /** Writes a command at the tail and publishes it: doorbell store, then the wake-up call when asked for. */
  submit(fields: UacceSqe): number {
    const tag = this.nextTag++;
    SQE.encodeInto(this.sq, (this.tail & (OA_UACCE.sqEntries - 1)) * SQE_SIZE, { ...fields, tag } as never);
    this.tail = (this.tail + 1) >>> 0;
    Atomics.store(this.db, 0, this.tail);
    if (this.statusWords().flags & NEED_WAKEUP) this.command('the wake-up ioctl', OA_UACCE.cmdWake);
    return tag;
  }

  /** Whether the CQE at cq_head carries the phase of its lap. */
  ready(): boolean {
    const w = (this.head & (OA_UACCE.cqEntries - 1)) * (CQE_SIZE / 4);
    const lap = Math.floor(this.head / OA_UACCE.cqEntries) % 2 === 0 ? 1 : 0;
    return (Atomics.load(this.cq, w + 3) & 1) === lap;
  }

  /** Waits for the CQE at cq_head (polling, bounded by a generous deadline), consumes it and releases cq_head. */
  async next(): Promise<UacceCqe> {
    const deadline = performance.now() + DEADLINE_MS;
    for (let i = 0; !this.ready(); i++) {
      if (performance.now() > deadline) {
        const s = this.statusWords();
        throw new ConformanceFailure(`no completion at CQ index ${this.head} (status flags 0x${s.flags.toString(16)}, sq_head ${s.sqHead}, tail ${this.tail})`, 'a CQE', 'none before the deadline');
      }
      await new Promise((r) => setTimeout(r, i < 100 ? 0 : 2));
    }
    const w = (this.head & (OA_UACCE.cqEntries - 1)) * (CQE_SIZE / 4);
    const e = { tag: this.cq[w]! >>> 0, result: this.cq[w + 1]! >>> 0, status: this.cq[w + 2]! >>> 0 };
    this.head = (this.head + 1) >>> 0;
    Atomics.store(this.ctl, 0, this.head);
    return e;
  }

  /** One command: submit, wait, check the tag. */
  async run(fields: UacceSqe): Promise<UacceCqe> {
    const tag = this.submit(fields);
    const c = await this.next();
    if (c.tag !== tag) throw new ConformanceFailure(`completion tag ${c.tag} for a command tagged ${tag}`, String(tag), String(c.tag));
    return c;
  }
}
