/** A 2.0 queue seen from a raw client: its five mapped regions and helpers to write SQEs and read CQEs. */
import { C, type Mapping } from '@openaccel/sys';
import type { RawClient2 } from './raw-client2.js';

const STATUS = { SQ_HEAD: 0, CQ_TAIL: 1, FLAGS: 2, ARM_ACK: 3 } as const;
export const NEED_WAKEUP = 1;
export const QUEUE_ERROR = 2;

export interface SqeFields {
  opcode: number;
  flags?: number;
  tag: number;
  srcHandle?: number;
  dstHandle?: number;
  srcAddr?: bigint;
  dstAddr?: bigint;
  srcLength?: number;
  dstLength?: number;
  arg?: bigint;
}

export class Ring2 {
  readonly id: number;
  readonly doorbell: Int32Array | undefined;
  readonly control: Int32Array;
  readonly status: Int32Array;
  readonly sq: DataView;
  readonly cq: DataView;
  private readonly maps: Mapping[] = [];
  tail = 0;
  cqHead = 0;

  constructor(
    readonly client: RawClient2,
    readonly entries: number,
    readonly syncobj = false,
  ) {
    const q = client.ioctl('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: entries, flags: syncobj ? 1 : 0 });
    if (q.errno !== 0) throw new Error(`create queue: ${q.errno}`);
    this.id = q.value.queue_id;
    const map = (offset: bigint, size: number, prot = C.PROT_READ | C.PROT_WRITE) => {
      const m = client.mmap(offset, size, prot);
      if (typeof m === 'string') throw new Error(`mmap ${offset}: ${m}`);
      this.maps.push(m);
      return m.buffer;
    };
    this.doorbell = syncobj ? undefined : new Int32Array(map(q.value.doorbell_offset, q.value.doorbell_size));
    this.control = new Int32Array(map(q.value.control_offset, q.value.control_size));
    this.status = new Int32Array(map(q.value.status_offset, q.value.status_size, C.PROT_READ));
    this.sq = new DataView(map(q.value.sq_offset, q.value.sq_size));
    this.cq = new DataView(map(q.value.cq_offset, q.value.cq_size, C.PROT_READ));
    this.raw = q.value;
  }

  readonly raw: Record<string, any>;

  get flags(): number {
    return Atomics.load(this.status, STATUS.FLAGS);
  }

  get sqHead(): number {
    return Atomics.load(this.status, STATUS.SQ_HEAD) >>> 0;
  }

  get cqTail(): number {
    return Atomics.load(this.status, STATUS.CQ_TAIL) >>> 0;
  }

  get armAck(): number {
    return Atomics.load(this.status, STATUS.ARM_ACK);
  }

  /** Writes one command at the tail (not yet published); returns the new tail. */
  write(f: SqeFields): number {
    const at = (this.tail & (this.entries - 1)) * 64;
    for (let b = 0; b < 64; b += 4) this.sq.setUint32(at + b, 0, true);
    this.sq.setUint16(at, f.opcode, true);
    this.sq.setUint16(at + 2, f.flags ?? 0, true);
    this.sq.setUint32(at + 4, f.tag, true);
    this.sq.setUint32(at + 8, f.srcHandle ?? 0, true);
    this.sq.setUint32(at + 12, f.dstHandle ?? 0, true);
    this.sq.setBigUint64(at + 16, f.srcAddr ?? 0n, true);
    this.sq.setBigUint64(at + 24, f.dstAddr ?? 0n, true);
    this.sq.setUint32(at + 32, f.srcLength ?? 0, true);
    this.sq.setUint32(at + 36, f.dstLength ?? 0, true);
    this.sq.setBigUint64(at + 56, f.arg ?? 0n, true);
    this.tail = (this.tail + 1) >>> 0;
    return this.tail;
  }

  /** Stores the tail to the doorbell and, when the engine asks for it (NEED_WAKEUP), rings by SUBMIT. */
  ring(): void {
    Atomics.store(this.doorbell!, 0, this.tail);
    if (this.flags & NEED_WAKEUP) {
      const r = this.client.ioctl('DRM_IOCTL_OA_SUBMIT', { queue_id: this.id, sq_tail: this.tail });
      if (r.errno !== 0) throw new Error(`submit: ${r.errno}`);
    }
  }

  /** The next CQE if the device published it (phase bit), consuming it. */
  take(): { tag: number; result: number; status: number } | undefined {
    const slot = this.cqHead & (this.entries - 1);
    const phase = ((this.cqHead / this.entries) & 1) === 0 ? 1 : 0;
    if ((this.cq.getUint32(slot * 16 + 12, true) & 1) !== phase) return undefined;
    const e = { tag: this.cq.getUint32(slot * 16, true), result: this.cq.getUint32(slot * 16 + 4, true), status: this.cq.getUint32(slot * 16 + 8, true) };
    this.cqHead = (this.cqHead + 1) >>> 0;
    Atomics.store(this.control, 0, this.cqHead);
    return e;
  }

  unmap(): void {
    for (const m of this.maps) m.close();
  }
}
