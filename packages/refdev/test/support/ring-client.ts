/**
 * A bare client of a refdev device node for engine tests: the socket-node protocol and the rings by
 * hand, as a hostile or careless client would drive them (the driver package sits above refdev).
 */
import { C, closeFd, Mapping, UnixSocket } from '@openaccel/sys';
import { decodeReply, DOORBELL_NEED_WAKEUP, DOORBELL_WORDS as W, encodeMmapArg, encodeRequest, errnoName, SocketNodeKind, uapi, type IoctlArgOf, type IoctlName, type StructInput, type StructValue } from '@openaccel/uapi';

export class RingClient {
  private readonly socket: UnixSocket;
  private readonly maps: Mapping[] = [];

  constructor(node: string) {
    this.socket = UnixSocket.connect(node);
  }

  /** An ioctl; returns the decoded struct or the errno name. */
  ioctl<N extends IoctlName>(name: N, input: StructInput<IoctlArgOf<N>>): StructValue<IoctlArgOf<N>> | string {
    const io = uapi.ioctl(name);
    const arg = io.encode(input);
    const r = this.call(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request(), arg }));
    for (const fd of r.fds) closeFd(fd);
    if (r.errno) return errnoName(r.errno) ?? `E${r.errno}`;
    arg.set(r.data.subarray(0, arg.length));
    return io.decode(arg);
  }

  private call(payload: Uint8Array): { errno: number; data: Uint8Array; fds: number[] } {
    if (typeof this.socket.send(payload, []) === 'string') throw new Error('send failed');
    const r = this.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error('the device closed the connection');
    const reply = decodeReply(r.payload);
    if (!reply) throw new Error('undecodable reply');
    return { ...reply, fds: r.fds };
  }

  private map(offset: bigint, length: number): Mapping {
    const r = this.call(encodeRequest({ kind: SocketNodeKind.Mmap, request: 0, arg: encodeMmapArg({ offset, length: BigInt(length), prot: C.PROT_READ | C.PROT_WRITE, flags: C.MAP_SHARED }) }));
    if (r.errno || r.fds.length !== 1) throw new Error(`mmap failed: ${errnoName(r.errno)}`);
    try {
      const m = Mapping.map(r.fds[0]!, length, { offset: new DataView(r.data.buffer, r.data.byteOffset).getBigUint64(0, true), prot: C.PROT_READ | C.PROT_WRITE, flags: C.MAP_SHARED });
      this.maps.push(m);
      return m;
    } finally {
      closeFd(r.fds[0]!);
    }
  }

  bind(sva = false): void {
    const r = this.ioctl('OA_IOCTL_BIND_CONTEXT', { flags: sva ? 1 : 0 });
    if (typeof r === 'string') throw new Error(`BIND_CONTEXT: ${r}`);
  }

  createQueue(entries: number): RawQueue {
    const r = this.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: entries });
    if (typeof r === 'string') throw new Error(`CREATE_QUEUE: ${r}`);
    const wake = (tail: number) => void this.ioctl('OA_IOCTL_SUBMIT', { queue_id: r.queue_id, sq_tail: tail });
    return new RawQueue(r.queue_id, entries, this.map(r.doorbell_offset, r.doorbell_size), this.map(r.sq_offset, r.sq_size), this.map(r.cq_offset, r.cq_size), wake);
  }

  close(): void {
    for (const m of this.maps) m.close();
    this.socket.close();
  }
}

/** One queue's rings as raw words. */
export class RawQueue {
  readonly db: Int32Array;
  private readonly sq: DataView;
  private readonly cq: Int32Array;
  tail = 0;
  private head = 0;

  constructor(readonly id: number, readonly entries: number, db: Mapping, sq: Mapping, cq: Mapping, private readonly wake: (tail: number) => void) {
    this.db = new Int32Array(db.buffer);
    this.sq = new DataView(sq.buffer);
    this.cq = new Int32Array(cq.buffer);
  }

  /** Writes one entry (fields by byte offset of oa_sqe) without publishing it. */
  put(fields: { opcode: number; tag: number; srcHandle?: number; dstHandle?: number; srcAddr?: bigint; dstAddr?: bigint; srcLength?: number; dstLength?: number; arg?: bigint }): void {
    const at = (this.tail & (this.entries - 1)) * 64;
    for (let i = 0; i < 64; i += 4) this.sq.setUint32(at + i, 0, true);
    this.sq.setUint8(at, fields.opcode);
    this.sq.setUint32(at + 4, fields.tag, true);
    this.sq.setUint32(at + 8, fields.srcHandle ?? 0, true);
    this.sq.setUint32(at + 12, fields.dstHandle ?? 0, true);
    this.sq.setBigUint64(at + 16, fields.srcAddr ?? 0n, true);
    this.sq.setBigUint64(at + 24, fields.dstAddr ?? 0n, true);
    this.sq.setUint32(at + 32, fields.srcLength ?? 0, true);
    this.sq.setUint32(at + 36, fields.dstLength ?? 0, true);
    this.sq.setBigUint64(at + 56, fields.arg ?? 0n, true);
    this.tail = (this.tail + 1) >>> 0;
  }

  /** Publishes every entry put so far (the doorbell store), and wakes a sleeping engine (rule ring.wakeup). */
  ring(): void {
    Atomics.store(this.db, W.SQ_TAIL, this.tail);
    if (Atomics.load(this.db, W.FLAGS) & DOORBELL_NEED_WAKEUP) this.wake(this.tail);
  }

  /** Completions posted and not yet collected, collected now: [tag, result, status] each. */
  collect(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (;;) {
      const slot = this.head & (this.entries - 1);
      const phase = ((this.head / this.entries) & 1) === 0 ? 1 : 0;
      if ((Atomics.load(this.cq, slot * 4 + 3) & 1) !== phase) break;
      out.push([this.cq[slot * 4]! >>> 0, this.cq[slot * 4 + 1]! >>> 0, this.cq[slot * 4 + 2]! >>> 0]);
      this.head = (this.head + 1) >>> 0;
    }
    if (out.length) Atomics.store(this.db, W.CQ_HEAD, this.head);
    return out;
  }

  /** Index words of the doorbell page. */
  word(name: keyof typeof W): number {
    return Atomics.load(this.db, W[name]) >>> 0;
  }
}

/** Polls `cond` until it holds; the deadline is generous because it only bounds a broken device. */
export async function until(cond: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > deadlineMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
