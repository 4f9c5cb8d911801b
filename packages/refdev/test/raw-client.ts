/**
 * A client that speaks the socket-node protocol by hand, as a hostile local user would: requests may be
 * pipelined without waiting for replies, frames may be malformed, fds may be attached to anything.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { C, closeFd, Mapping, UnixSocket } from '@openaccel/sys';
import { startRefdev, type RefdevProcess, type StartOptions } from '@openaccel/refdev';
import { afterAll, beforeAll } from 'vitest';
import { decodeReply, encodeMmapArg, encodeRequest, errnoName, SocketNodeKind, uapi, type IoctlName } from '@openaccel/uapi';

export interface RawReply {
  errno: string | 0;
  value: Record<string, any>;
  fds: number[];
}

export class RawClient {
  readonly socket: UnixSocket;

  constructor(readonly path: string) {
    this.socket = UnixSocket.connect(path);
  }

  /** Sends one ioctl without reading the reply. */
  send(name: IoctlName, fields: Record<string, unknown>, fds: number[] = [], flags?: number): number | string {
    const io = uapi.ioctl(name);
    return this.socket.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request(), arg: io.encode(fields as never) }), fds, flags);
  }

  /** Reads the next reply, decoded as the reply of `name`. */
  reply(name: IoctlName): RawReply {
    const r = this.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error(`no reply to ${name}: ${typeof r === 'string' ? r : 'connection closed'}`);
    const rep = decodeReply(r.payload);
    if (!rep) throw new Error(`malformed reply to ${name}`);
    const value = rep.errno === 0 && rep.data.length ? (uapi.ioctl(name).decode(rep.data) as Record<string, any>) : {};
    return { errno: rep.errno === 0 ? 0 : (errnoName(rep.errno) ?? `E${rep.errno}`), value, fds: r.fds };
  }

  ioctl(name: IoctlName, fields: Record<string, unknown> = {}, fds: number[] = []): RawReply {
    const sent = this.send(name, fields, fds);
    if (typeof sent === 'string') throw new Error(`send ${name}: ${sent}`);
    return this.reply(name);
  }

  /** Maps a queue region through the MMAP request. */
  mmap(offset: bigint, length: number): Mapping {
    this.socket.send(encodeRequest({ kind: SocketNodeKind.Mmap, request: 0, arg: encodeMmapArg({ offset, length: BigInt(length), prot: C.PROT_READ | C.PROT_WRITE, flags: C.MAP_SHARED }) }));
    const r = this.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error('no reply to mmap');
    const rep = decodeReply(r.payload)!;
    if (rep.errno !== 0) throw new Error(`mmap: ${errnoName(rep.errno)}`);
    try {
      return Mapping.map(r.fds[0]!, length, { offset: new DataView(rep.data.buffer, rep.data.byteOffset).getBigUint64(0, true) });
    } finally {
      for (const fd of r.fds) closeFd(fd);
    }
  }

  close(): void {
    this.socket.close();
  }
}

const SQE = 64;

/** A bound context with one queue whose CQ the test fills on purpose, so that a SUBMIT wait blocks. */
export class BlockedQueue {
  readonly queueId: number;
  readonly doorbell: Int32Array;
  private readonly sq: Mapping;
  private readonly db: Mapping;
  tail = 0;

  constructor(
    readonly client: RawClient,
    readonly entries = 2,
  ) {
    const b = client.ioctl('OA_IOCTL_BIND_CONTEXT', { flags: 0 });
    if (b.errno !== 0) throw new Error(`bind: ${b.errno}`);
    const q = client.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: entries, cq_entries: entries });
    if (q.errno !== 0) throw new Error(`create queue: ${q.errno}`);
    this.queueId = q.value.queue_id;
    this.db = client.mmap(q.value.doorbell_offset, q.value.doorbell_size);
    this.sq = client.mmap(q.value.sq_offset, q.value.sq_size);
    this.doorbell = new Int32Array(this.db.buffer);
  }

  /** Writes `n` NOP commands into the SQ (not yet published). */
  writeNops(n: number): number {
    const view = new DataView(this.sq.buffer);
    for (let i = 0; i < n; i++) {
      const at = ((this.tail + i) & (this.entries - 1)) * SQE;
      for (let b = 0; b < SQE; b += 4) view.setUint32(at + b, 0, true);
      view.setUint32(at + 4, this.tail + i + 1, true); // tag
    }
    this.tail += n;
    return this.tail;
  }

  /** Fills the CQ (nobody consumes it) so the next commands cannot complete. */
  fill(): void {
    const r = this.client.ioctl('OA_IOCTL_SUBMIT', { queue_id: this.queueId, sq_tail: this.writeNops(this.entries), flags: 1, timeout_ns: 60_000_000_000n });
    if (r.errno !== 0) throw new Error(`submit: ${r.errno}`);
  }

  unmap(): void {
    this.sq.close();
    this.db.close();
  }
}

/** Open fds of a process (refdev runs as the same user in tests). */
export function openFds(pid: number): Set<number> {
  return new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
}

/** Free queues of a device as refdev publishes them in sysfs. */
export function freeQueues(sysfsRoot: string, device = 'accel0'): number {
  return Number(readFileSync(join(sysfsRoot, 'class/openaccel', device, 'free_queues'), 'utf8').trim());
}

/** Polls `cond` until it holds or `deadlineMs` passes (a generous bound, not a speed claim). */
export async function until(cond: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still waiting after ${deadlineMs} ms for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One refdev for the tests of a file: started before them, stopped and its directory removed after. */
export function useRefdev(opts: StartOptions = {}): () => RefdevProcess {
  let refdev: RefdevProcess | undefined;
  beforeAll(async () => {
    refdev = await startRefdev({ timeoutMs: 60_000, ...opts });
  });
  afterAll(async () => {
    await refdev?.stop();
    if (refdev) rmSync(refdev.runtimeDir, { recursive: true, force: true });
  });
  return () => refdev!;
}

/**
 * The start of a client script run in another process (`node --input-type=module -e`): `call(name, fields)`
 * makes one ioctl on the socket `s`, which the script opens first.
 */
export const CHILD_PRELUDE = `
import { UnixSocket, Mapping, closeFd, C } from '@openaccel/sys';
import { uapi, encodeRequest, decodeReply, encodeMmapArg, SocketNodeKind } from '@openaccel/uapi';
const call = (s, name, f) => {
  const io = uapi.ioctl(name);
  s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: io.request(), arg: io.encode(f) }));
  const r = decodeReply(s.recv().payload);
  if (r.errno) throw new Error(name + ' ' + r.errno);
  return io.decode(r.data);
};
`;
