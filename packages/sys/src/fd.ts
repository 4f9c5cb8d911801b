/** File descriptors: open, close, read, write, ioctl, fcntl. */
import { C, libc } from './libc.js';
import { check, errnoName, lastErrno } from './errors.js';

export function openFile(path: string, flags: number = C.O_RDWR | C.O_CLOEXEC): number {
  return check(libc.open(path, flags, 0) as number, 'open', path);
}

export function closeFd(fd: number): void {
  check(libc.close(fd) as number, 'close');
}

/** Whether fd is an open descriptor of this process (fcntl F_GETFD succeeds). */
export function isOpenFd(fd: number): boolean {
  return fd >= 0 && (libc.fcntl(fd, C.F_GETFD, 0) as number) >= 0;
}

export function readFd(fd: number, buf: Uint8Array): number {
  return Number(check(libc.read(fd, buf, buf.byteLength) as number | bigint, 'read'));
}

export function writeFd(fd: number, buf: Uint8Array): number {
  return Number(check(libc.write(fd, buf, buf.byteLength) as number | bigint, 'write'));
}

export interface IoctlResult {
  /** The return value, or -1. */
  ret: number;
  /** Errno name when ret is -1. */
  errno?: string;
}

/**
 * ioctl(fd, request, arg) with `arg` read and written in place. Does not throw: a driver maps the
 * errno to the uAPI's typed error itself.
 */
export function ioctl(fd: number, request: number, arg: Uint8Array | null): IoctlResult {
  const ret = libc.ioctl(fd, request, arg) as number;
  return ret < 0 ? { ret, errno: errnoName(lastErrno()) } : { ret };
}

export function fcntl(fd: number, cmd: number, arg = 0): number {
  return check(libc.fcntl(fd, cmd, arg) as number, 'fcntl');
}

/** lseek(fd, offset, whence): the new offset; throws SyscallError (a dma-buf refuses all but SEEK_SET/SEEK_END 0). */
export function seekFd(fd: number, offset: bigint, whence: number): bigint {
  return BigInt(check(libc.lseek(fd, offset, whence) as number | bigint, 'lseek'));
}

export function pid(): number {
  return libc.getpid() as number;
}

export function tid(): number {
  return libc.gettid() as number;
}

/** Pins the calling thread to one CPU (benchmarks). */
export function pinThread(cpu: number): void {
  const mask = Buffer.alloc(128);
  mask[cpu >> 3] = 1 << (cpu & 7);
  check(libc.sched_setaffinity(0, 128, mask) as number, 'sched_setaffinity');
}
