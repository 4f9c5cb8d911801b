import { C, libc } from './libc.js';
import { check } from './errors.js';

/**
 * A memfd of `size` bytes, sealed against shrinking and growing, so no party can make another's
 * mapping fault with SIGBUS (ts-stack.md §2).
 */
export function createMemfd(name: string, size: number): number {
  const fd = check(libc.memfd_create(name, C.MFD_CLOEXEC | C.MFD_ALLOW_SEALING) as number, 'memfd_create', name);
  try {
    check(libc.ftruncate(fd, BigInt(size)) as number, 'ftruncate', `${size} bytes`);
    check(libc.fcntl(fd, C.F_ADD_SEALS, C.F_SEAL_SHRINK | C.F_SEAL_GROW | C.F_SEAL_SEAL) as number, 'fcntl(F_ADD_SEALS)');
  } catch (e) {
    libc.close(fd);
    throw e;
  }
  return fd;
}

export function memfdSeals(fd: number): number {
  return check(libc.fcntl(fd, C.F_GET_SEALS, 0) as number, 'fcntl(F_GET_SEALS)');
}
