/** eventfd, poll and futex: the sleeping paths. */
import { C, libc } from './libc.js';
import { check, errnoName, lastErrno } from './errors.js';

export function createEventfd(initval = 0, flags: number = C.EFD_CLOEXEC): number {
  return check(libc.eventfd(initval, flags) as number, 'eventfd');
}

const one = new BigUint64Array([1n]);
const eightOne = new Uint8Array(one.buffer);

/** Adds 1 to an eventfd counter. */
export function signalEventfd(fd: number): void {
  check(libc.write(fd, eightOne, 8) as number | bigint, 'write(eventfd)');
}

/** Reads (and resets) an eventfd counter; undefined when it is zero and the fd is non-blocking. */
export function readEventfd(fd: number): bigint | undefined {
  const v = new BigUint64Array(1);
  const n = Number(libc.read(fd, new Uint8Array(v.buffer), 8));
  if (n < 0) {
    const e = lastErrno();
    if (errnoName(e) === 'EAGAIN') return undefined;
    check(n, 'read(eventfd)');
  }
  return v[0];
}

/** poll() on fds for `events`; returns revents per fd (0 on timeout). */
export function pollFds(fds: readonly number[], events: number, timeoutMs: number): number[] {
  const buf = Buffer.alloc(8 * fds.length);
  fds.forEach((fd, i) => {
    buf.writeInt32LE(fd, 8 * i);
    buf.writeInt16LE(events, 8 * i + 4);
  });
  check(libc.poll(buf, fds.length, timeoutMs) as number, 'poll');
  return fds.map((_, i) => buf.readInt16LE(8 * i + 6));
}

/** FUTEX_WAIT on a u32 in shared memory: sleeps while the word equals `expected` (non-private: works across processes). */
export function futexWait(address: bigint, expected: number, timeoutMs?: number): void {
  let ts: Buffer | null = null;
  if (timeoutMs !== undefined) {
    ts = Buffer.alloc(16);
    ts.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
    ts.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1e6), 8);
  }
  const r = Number(libc.futex(C.SYS_futex, address, C.FUTEX_WAIT, expected >>> 0, ts, null, 0));
  if (r < 0) {
    const e = errnoName(lastErrno());
    if (e !== 'EAGAIN' && e !== 'EINTR' && e !== 'ETIMEDOUT') check(r, 'futex(FUTEX_WAIT)');
  }
}

export function futexWake(address: bigint, count = 1): number {
  return Number(check(libc.futex(C.SYS_futex, address, C.FUTEX_WAKE, count, null, null, 0) as number | bigint, 'futex(FUTEX_WAKE)'));
}

/**
 * Waits until fd is readable without blocking the event loop (poll on the libuv pool). Resolves with the
 * revents (0 on timeout). The pollfd buffer is retained until the call returns: koffi does not keep it.
 */
export function waitReadable(fd: number, timeoutMs: number): Promise<number> {
  const buf = Buffer.alloc(8);
  buf.writeInt32LE(fd, 0);
  buf.writeInt16LE(C.POLLIN, 4);
  return new Promise((resolve, reject) => {
    libc.poll.async(buf, 1, timeoutMs, (err: Error | null, n: number) => {
      if (err) return reject(err);
      resolve(n > 0 ? buf.readInt16LE(6) : 0);
    });
  });
}
