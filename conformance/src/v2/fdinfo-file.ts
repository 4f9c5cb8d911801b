/**
 * An open file of a node whose fdinfo a test reads (ioctls and region mappings without fds go through it): on a kernel node /proc/self/fdinfo/<fd>, which the DRM
 * core writes; on a refdev socket node the FDINFO request of the socket-node protocol, sent on a connection
 * of the test's own (so the file it describes is the one the test made its ioctls on).
 */
import { readFileSync, statSync } from 'node:fs';
import { openTransport, SocketTransport, type Transport } from '@openaccel/driver';
import { C, closeFd, Mapping, SyscallError, UnixSocket } from '@openaccel/sys';
import { decodeReply, encodeMmapArg, encodeRequest, errnoName, SocketNodeKind } from '@openaccel/uapi';

/** fdinfo text is a few lines; anything longer is not drm-usage-stats. */
const MAX_FDINFO = 64 * 1024;

function fdinfoKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) keys.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return keys;
}

/** The fdinfo of an open file a test already holds (a kernel fd, or a refdev socket node's FDINFO request). */
export function fdinfoOf(t: Transport): Map<string, string> {
  if (t instanceof SocketTransport) return fdinfoKeys(t.fdinfo().slice(0, MAX_FDINFO));
  return fdinfoKeys(readFileSync(`/proc/self/fdinfo/${t.fd}`, 'utf8').slice(0, MAX_FDINFO));
}

export class FdinfoFile {
  private readonly kernel: Transport | undefined;
  private readonly socket: UnixSocket | undefined;

  constructor(node: string) {
    if (statSync(node).isSocket()) this.socket = UnixSocket.connect(node);
    else this.kernel = openTransport(node);
  }

  /** An ioctl without fd fields (BIND, CREATE_QUEUE, GEM_CREATE): what fdinfo accounts for. */
  ioctl(request: number, arg: Uint8Array): { errno?: string } {
    if (this.kernel) return this.kernel.ioctl(request, arg);
    const r = this.roundTrip(SocketNodeKind.Ioctl, request, arg);
    if (typeof r === 'string') return { errno: r };
    arg.set(r.data.subarray(0, arg.length));
    return {};
  }

  /** A region of the file (a queue's, so commands run on this file and show in its fdinfo). */
  mmap(offset: bigint, length: number, prot: number, flags: number): Mapping {
    if (this.kernel) return this.kernel.mmap(offset, length, prot, flags);
    const r = this.roundTrip(SocketNodeKind.Mmap, 0, encodeMmapArg({ offset, length: BigInt(length), prot, flags }), true);
    if (typeof r === 'string') throw new SyscallError('mmap', r, 0, `offset 0x${offset.toString(16)}`);
    const [memfd, ...rest] = r.fds;
    rest.forEach(closeFd);
    if (memfd === undefined) throw new SyscallError('mmap', 'EIO', 5, 'no memory came with the reply');
    try {
      return Mapping.map(memfd, length, { offset: new DataView(r.data.buffer, r.data.byteOffset).getBigUint64(0, true), prot, flags: C.MAP_SHARED });
    } finally {
      closeFd(memfd);
    }
  }

  /** The `key: value` lines of the file's fdinfo. */
  fdinfo(): Map<string, string> {
    let text: string;
    if (this.kernel) text = readFileSync(`/proc/self/fdinfo/${this.kernel.fd}`, 'utf8').slice(0, MAX_FDINFO);
    else {
      const r = this.roundTrip(SocketNodeKind.Fdinfo, 0, new Uint8Array(0));
      if (typeof r === 'string') throw new Error(`FDINFO request failed with ${r}`);
      text = new TextDecoder().decode(r.data.subarray(0, MAX_FDINFO));
    }
    return fdinfoKeys(text);
  }

  /** One request on the socket; the fds of the reply are closed unless `keepFds`. */
  private roundTrip(kind: SocketNodeKind, request: number, arg: Uint8Array, keepFds = false): { data: Uint8Array; fds: number[] } | string {
    const s = this.socket!;
    if (typeof s.send(encodeRequest({ kind, request, arg })) === 'string') return 'ENODEV';
    const r = s.recv();
    if (typeof r === 'string' || r.length === 0) return 'ENODEV';
    const reply = decodeReply(r.payload);
    if (!reply || reply.errno || !keepFds) r.fds.forEach(closeFd);
    if (!reply) return 'EIO';
    return reply.errno ? (errnoName(reply.errno) ?? `E${reply.errno}`) : { data: reply.data, fds: keepFds ? r.fds : [] };
  }

  close(): void {
    this.kernel?.close();
    this.socket?.close();
  }
}
