import koffi from 'koffi';
import { libc } from './libc.js';

const NAMES = new Map<number, string>(Object.entries(koffi.os.errno as Record<string, number>).map(([k, v]) => [v, k]));
// Aliases share a number; the uAPI and the kernel headers use these names.
for (const name of ['EAGAIN', 'EDEADLK', 'EOPNOTSUPP']) {
  const n = (koffi.os.errno as Record<string, number>)[name];
  if (n !== undefined) NAMES.set(n, name);
}

/** A failed system call: which call, the errno name and number, and the OS message. */
export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    /** Errno name, e.g. `EBADF`. */
    readonly errno: string,
    readonly errnoNumber: number,
    detail?: string,
  ) {
    super(`${syscall}: ${errno} (${libc.strerror(errnoNumber) as string})${detail ? `: ${detail}` : ''}`);
    this.name = 'SyscallError';
  }
}

export function errnoName(n: number): string {
  return NAMES.get(n) ?? `E${n}`;
}

/** The errno of the call that just failed. Read it immediately: koffi keeps a stale value otherwise. */
export function lastErrno(): number {
  return koffi.errno() as number;
}

export function fail(syscall: string, detail?: string): never {
  const n = lastErrno();
  throw new SyscallError(syscall, errnoName(n), n, detail);
}

/** Throws SyscallError when a libc call returned -1. */
export function check<T extends number | bigint>(ret: T, syscall: string, detail?: string): T {
  if ((typeof ret === 'bigint' && ret < 0n) || (typeof ret === 'number' && ret < 0)) fail(syscall, detail);
  return ret;
}
