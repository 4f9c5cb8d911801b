/**
 * How ioctl and mmap reach a device: a kernel character device (real system calls) or a refdev
 * socket node (the socket-node protocol of @openaccel/uapi). Everything above is shared.
 */
import { statSync } from 'node:fs';
import { C, closeFd, fcntl, ioctl, Mapping, openFile, pollFds, SyscallError, UnixSocket } from '@openaccel/sys';
import {
  decodeReply,
  encodeMmapArg,
  encodeRequest,
  errnoName,
  SocketNodeKind,
  type ErrnoName,
} from '@openaccel/uapi';
import { fdFieldsOf } from './fd-fields.js';

export interface IoctlOutcome {
  errno?: ErrnoName | string;
}

export interface Transport {
  readonly kind: 'kernel' | 'socket';
  readonly path: string;
  /** The fd to poll(): the character device or the socket. */
  readonly fd: number;
  /** ioctl(request, arg): arg is read and, for read ioctls, written in place (fd fields included). */
  ioctl(request: number, arg: Uint8Array): IoctlOutcome;
  /** mmap of a region; throws SyscallError with the driver's errno. */
  mmap(offset: bigint, length: number, prot: number, flags: number): Mapping;
  /** Whether the device end is still there (false once a refdev process died). */
  alive(): boolean;
  close(): void;
  /** System calls made through this transport: the fast path must not add any. */
  readonly calls: number;
}

export class KernelTransport implements Transport {
  readonly kind = 'kernel';
  readonly fd: number;
  calls = 0;

  constructor(readonly path: string) {
    this.fd = openFile(path, C.O_RDWR | C.O_CLOEXEC);
  }

  ioctl(request: number, arg: Uint8Array): IoctlOutcome {
    this.calls++;
    const r = ioctl(this.fd, request, arg);
    return r.errno ? { errno: r.errno } : {};
  }

  mmap(offset: bigint, length: number, prot: number, flags: number): Mapping {
    this.calls++;
    return Mapping.map(this.fd, length, { offset, prot, flags });
  }

  alive(): boolean {
    return true;
  }

  close(): void {
    closeFd(this.fd);
  }
}

export class SocketTransport implements Transport {
  readonly kind = 'socket';
  private readonly socket: UnixSocket;
  private dead = false;
  calls = 0;

  constructor(readonly path: string) {
    this.socket = UnixSocket.connect(path);
  }

  get fd(): number {
    return this.socket.fd;
  }

  private roundTrip(payload: Uint8Array, fds: number[]): { errno: number; data: Uint8Array; fds: number[] } | string {
    this.calls++;
    if (this.dead) return 'ENODEV';
    const sent = this.socket.send(payload, fds);
    if (sent === 'EBADF') return 'EBADF';
    if (typeof sent === 'string') return this.gone();
    const r = this.socket.recv();
    if (typeof r === 'string' || r.length === 0 || (r.truncated && !r.fdsTruncated)) return this.gone();
    const reply = decodeReply(r.payload);
    if (!reply || r.fdsTruncated) {
      for (const fd of r.fds) closeFd(fd);
      // Only the fds were cut: the reply is whole but the caller had no free fd for what it carried.
      return reply ? 'EMFILE' : 'EIO';
    }
    return { ...reply, fds: r.fds };
  }

  private gone(): string {
    this.dead = true;
    return 'ENODEV';
  }

  ioctl(request: number, arg: Uint8Array): IoctlOutcome {
    const fields = fdFieldsOf(request);
    const view = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const inFds = fields.in.filter((o) => o + 4 <= arg.length).map((o) => view.getInt32(o, true)).filter((fd) => fd >= 0);
    const r = this.roundTrip(encodeRequest({ kind: SocketNodeKind.Ioctl, request, arg }), inFds);
    if (typeof r === 'string') return { errno: r };
    if (r.errno !== 0) {
      for (const fd of r.fds) closeFd(fd);
      return { errno: errnoName(r.errno) ?? `E${r.errno}` };
    }
    arg.set(r.data.subarray(0, arg.length));
    // Each fd that came back goes into its field; one with no field to go into is closed, never leaked.
    r.fds.forEach((fd, i) => {
      const at = fields.out[i];
      if (at !== undefined && at + 4 <= arg.length) view.setInt32(at, fd, true);
      else closeFd(fd);
    });
    return {};
  }

  mmap(offset: bigint, length: number, prot: number, flags: number): Mapping {
    const r = this.roundTrip(encodeRequest({ kind: SocketNodeKind.Mmap, request: 0, arg: encodeMmapArg({ offset, length: BigInt(length), prot, flags }) }), []);
    if (typeof r === 'string') throw new SyscallError('mmap', r, 0, this.path);
    if (r.errno !== 0) throw new SyscallError('mmap', errnoName(r.errno) ?? `E${r.errno}`, r.errno, `${this.path} offset 0x${offset.toString(16)}`);
    const memfd = r.fds[0];
    if (memfd === undefined) throw new SyscallError('mmap', 'EIO', 5, 'no memory came with the reply');
    try {
      return Mapping.map(memfd, length, { offset: new DataView(r.data.buffer, r.data.byteOffset).getBigUint64(0, true), prot, flags: C.MAP_SHARED });
    } finally {
      closeFd(memfd); // the mapping keeps the memory alive
    }
  }

  /** The fdinfo text of the file, as the kernel prints /proc/self/fdinfo/<fd> of a DRM file (2.0 nodes). */
  fdinfo(): string {
    const r = this.roundTrip(encodeRequest({ kind: SocketNodeKind.Fdinfo, request: 0, arg: new Uint8Array(0) }), []);
    if (typeof r === 'string') throw new SyscallError('fdinfo', r, 0, this.path);
    for (const fd of r.fds) closeFd(fd);
    if (r.errno !== 0) throw new SyscallError('fdinfo', errnoName(r.errno) ?? `E${r.errno}`, r.errno, this.path);
    return new TextDecoder().decode(r.data);
  }

  alive(): boolean {
    if (this.dead) return false;
    const [ev] = pollFds([this.socket.fd], C.POLLIN, 0);
    if (ev! & (C.POLLHUP | C.POLLERR)) this.dead = true;
    return !this.dead;
  }

  close(): void {
    this.socket.close();
  }
}

/** Picks the transport from the node: a character device gets real system calls, a socket the refdev protocol. */
export function openTransport(path: string): Transport {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new SyscallError('stat', (e as NodeJS.ErrnoException).code ?? 'ENOENT', 2, path);
  }
  if (st.isCharacterDevice()) return new KernelTransport(path);
  if (st.isSocket()) return new SocketTransport(path);
  throw new SyscallError('open', 'ENODEV', 19, `${path} is neither a character device nor a socket device node`);
}

/** Clears O_CLOEXEC on a received fd (refdev fds arrive with it set). */
export function clearCloexec(fd: number): void {
  fcntl(fd, C.F_SETFD, 0);
}
