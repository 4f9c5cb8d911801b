/** The eventfd argument of SET_EVENTFD: -1 detaches; otherwise the fd that came with the request must be an eventfd. */
import { readlinkSync } from 'node:fs';

export function readEventfdArg(value: number, fds: number[]): number | 'EBADF' | 'EINVAL' {
  if (value === -1) return -1;
  if (value < 0 || fds.length !== 1) return 'EBADF';
  return isEventfd(fds[0]!) ? fds[0]! : 'EINVAL';
}

export function isEventfd(fd: number): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[eventfd]';
  } catch {
    return false;
  }
}
