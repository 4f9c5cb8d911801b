/**
 * AF_UNIX SOCK_SEQPACKET sockets owned through koffi: one datagram per message, fds passed with
 * SCM_RIGHTS on the same datagram, sender credentials with SCM_CREDENTIALS (fd-passing.md §1).
 * Each socket keeps one preallocated msghdr/iovec/cmsg block per direction: no marshalling per call.
 */
import koffi from 'koffi';
import { C, libc } from './libc.js';
import { check, errnoName, fail, lastErrno, SyscallError } from './errors.js';

/** Largest datagram: an ioctl argument (at most 16383 bytes) plus a header. */
export const MAX_MESSAGE = 16384 + 64;
/** Most fds one message may carry. */
export const MAX_FDS = 8;

const CMSG_HDR = 16;
const align8 = (n: number) => (n + 7) & ~7;
const cmsgSpace = (n: number) => CMSG_HDR + align8(n);
// SCM_RIGHTS, SCM_CREDENTIALS and SCM_PIDFD (SO_PASSPIDFD) may all come with one datagram.
const CTL_SPACE = cmsgSpace(4 * MAX_FDS) + cmsgSpace(12) + cmsgSpace(4);

function sockaddr(path: string): Buffer {
  const p = Buffer.from(path);
  if (p.length > 107) throw new RangeError(`socket path of ${p.length} bytes is longer than 107: ${path}`);
  const a = Buffer.alloc(2 + p.length + 1);
  a.writeUInt16LE(C.AF_UNIX, 0);
  p.copy(a, 2);
  return a;
}

export interface Received {
  /** Bytes received; 0 = the peer closed. */
  length: number;
  payload: Uint8Array;
  fds: number[];
  /** Sender's credentials, when SO_PASSCRED is on. */
  pid?: number;
  uid?: number;
  /** A pidfd of the sender (SCM_PIDFD, when SO_PASSPIDFD is on): the receiver owns and closes it. */
  pidfd?: number;
  /** The datagram or its fds did not fit (MSG_TRUNC / MSG_CTRUNC): a protocol error. */
  truncated: boolean;
  /**
   * Only the ancillary data was cut (MSG_CTRUNC without MSG_TRUNC): some fds were not installed, e.g. the
   * receiver is at its fd limit. The payload is whole; the fds it names may be missing.
   */
  fdsTruncated: boolean;
}

class MsgBlock {
  readonly mem = Buffer.alloc(56 + 16 + CTL_SPACE + 8);
  readonly payload = Buffer.alloc(MAX_MESSAGE);
  readonly base = koffi.address(this.mem) as bigint;

  constructor() {
    this.mem.writeBigUInt64LE(this.base + 56n, 16);
    this.mem.writeBigUInt64LE(1n, 24);
    this.mem.writeBigUInt64LE(koffi.address(this.payload) as bigint, 56);
  }
}

export class UnixSocket {
  private readonly tx = new MsgBlock();
  private readonly rx = new MsgBlock();
  private open = true;

  constructor(readonly fd: number) {}

  static seqpacket(nonblocking = false): UnixSocket {
    return new UnixSocket(check(libc.socket(C.AF_UNIX, C.SOCK_SEQPACKET | C.SOCK_CLOEXEC | (nonblocking ? C.SOCK_NONBLOCK : 0), 0) as number, 'socket'));
  }

  /** Two connected SEQPACKET sockets (close-on-exec): each end sees the other's last close as a hang-up. */
  static pair(): [UnixSocket, UnixSocket] {
    const sv = new Int32Array(2);
    check(libc.socketpair(C.AF_UNIX, C.SOCK_SEQPACKET | C.SOCK_CLOEXEC, 0, sv) as number, 'socketpair');
    return [new UnixSocket(sv[0]!), new UnixSocket(sv[1]!)];
  }

  /** A connected client socket; throws SyscallError (ECONNREFUSED, ENOENT, EPROTOTYPE for a non-seqpacket listener). */
  static connect(path: string): UnixSocket {
    const s = UnixSocket.seqpacket();
    const a = sockaddr(path);
    if ((libc.connect(s.fd, a, a.length) as number) < 0) {
      const n = lastErrno();
      libc.close(s.fd);
      throw new SyscallError('connect', errnoName(n), n, path);
    }
    return s;
  }

  listen(path: string, backlog = 64): void {
    const a = sockaddr(path);
    check(libc.bind(this.fd, a, a.length) as number, 'bind', path);
    check(libc.listen(this.fd, backlog) as number, 'listen', path);
  }

  /** A pending connection, or undefined when none is waiting (non-blocking listener). */
  accept(): UnixSocket | undefined {
    const c = libc.accept4(this.fd, null, null, C.SOCK_CLOEXEC | C.SOCK_NONBLOCK) as number;
    if (c < 0) {
      if (errnoName(lastErrno()) === 'EAGAIN') return undefined;
      fail('accept4');
    }
    return new UnixSocket(c);
  }

  setOption(name: number, value: number): void {
    const v = Buffer.alloc(4);
    v.writeInt32LE(value);
    check(libc.setsockopt(this.fd, C.SOL_SOCKET, name, v, 4) as number, 'setsockopt');
  }

  /** SO_PEERCRED: the peer's pid, uid and gid at connect time. */
  peerCred(): { pid: number; uid: number; gid: number } {
    const v = Buffer.alloc(12);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(12);
    check(libc.getsockopt(this.fd, C.SOL_SOCKET, C.SO_PEERCRED, v, len) as number, 'getsockopt(SO_PEERCRED)');
    return { pid: v.readInt32LE(0), uid: v.readUInt32LE(4), gid: v.readUInt32LE(8) };
  }

  /** SO_PEERPIDFD (Linux 6.5+): a pidfd of the peer, readable when it dies; undefined where unsupported. */
  peerPidfd(): number | undefined {
    const v = Buffer.alloc(4);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(4);
    if ((libc.getsockopt(this.fd, C.SOL_SOCKET, C.SO_PEERPIDFD, v, len) as number) < 0) return undefined;
    return v.readInt32LE(0);
  }

  /** Sends one datagram with optional fds. Returns bytes sent, or the errno name (EAGAIN, EPIPE, EBADF for a bad fd). */
  send(payload: Uint8Array, fds: readonly number[] = [], flags: number = C.MSG_NOSIGNAL): number | string {
    if (payload.length > MAX_MESSAGE) throw new RangeError(`message of ${payload.length} bytes exceeds ${MAX_MESSAGE}`);
    if (fds.length > MAX_FDS) throw new RangeError(`${fds.length} fds exceed ${MAX_FDS} per message`);
    // A closed socket's fd number may already name another connection: never write to it.
    if (!this.open) return 'EBADF';
    const t = this.tx;
    t.payload.set(payload);
    t.mem.writeBigUInt64LE(BigInt(payload.length), 64);
    if (fds.length) {
      t.mem.writeBigUInt64LE(t.base + 72n, 32);
      t.mem.writeBigUInt64LE(BigInt(cmsgSpace(4 * fds.length)), 40);
      t.mem.writeBigUInt64LE(BigInt(CMSG_HDR + 4 * fds.length), 72);
      t.mem.writeInt32LE(C.SOL_SOCKET, 80);
      t.mem.writeInt32LE(C.SCM_RIGHTS, 84);
      fds.forEach((f, i) => t.mem.writeInt32LE(f, 88 + 4 * i));
    } else {
      t.mem.writeBigUInt64LE(0n, 32);
      t.mem.writeBigUInt64LE(0n, 40);
    }
    const n = Number(libc.sendmsg(this.fd, t.mem, flags));
    return n < 0 ? errnoName(lastErrno()) : n;
  }

  /** Receives one datagram. Returns the errno name on failure (EAGAIN on an empty non-blocking socket). */
  recv(flags: number = C.MSG_CMSG_CLOEXEC): Received | string {
    if (!this.open) return 'EBADF';
    const r = this.rx;
    r.mem.writeBigUInt64LE(BigInt(r.payload.length), 64);
    r.mem.writeBigUInt64LE(r.base + 72n, 32);
    r.mem.writeBigUInt64LE(BigInt(CTL_SPACE), 40);
    r.mem.writeInt32LE(0, 48);
    const n = Number(libc.recvmsg(this.fd, r.mem, flags));
    if (n < 0) return errnoName(lastErrno());
    const controlLength = Number(r.mem.readBigUInt64LE(40));
    const msgFlags = r.mem.readInt32LE(48);
    const out: Received = {
      length: n,
      payload: r.payload.subarray(0, n),
      fds: [],
      truncated: (msgFlags & (C.MSG_TRUNC | C.MSG_CTRUNC)) !== 0,
      fdsTruncated: (msgFlags & C.MSG_CTRUNC) !== 0 && (msgFlags & C.MSG_TRUNC) === 0,
    };
    for (let off = 0; off + CMSG_HDR <= controlLength; ) {
      const len = Number(r.mem.readBigUInt64LE(72 + off));
      if (len < CMSG_HDR) break;
      const level = r.mem.readInt32LE(80 + off);
      const type = r.mem.readInt32LE(84 + off);
      if (level === C.SOL_SOCKET && type === C.SCM_RIGHTS) for (let i = 0; i < (len - CMSG_HDR) / 4; i++) out.fds.push(r.mem.readInt32LE(88 + off + 4 * i));
      // A negative value is the kernel's -errno when it could not make the pidfd.
      if (level === C.SOL_SOCKET && type === C.SCM_PIDFD && len >= CMSG_HDR + 4 && r.mem.readInt32LE(88 + off) >= 0) out.pidfd = r.mem.readInt32LE(88 + off);
      if (level === C.SOL_SOCKET && type === C.SCM_CREDENTIALS) {
        out.pid = r.mem.readInt32LE(88 + off);
        out.uid = r.mem.readUInt32LE(92 + off);
      }
      off += align8(len);
    }
    return out;
  }

  get closed(): boolean {
    return !this.open;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    libc.close(this.fd);
  }
}
