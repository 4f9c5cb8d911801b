/**
 * Processes by pidfd, never by a reusable pid number: a pidfd names one process for its whole life and
 * becomes readable when it exits. A process's memory is reached through an fd on /proc/PID/mem opened
 * while a pidfd proves PID still names that process; the fd stays bound to that process's address space
 * whatever the number later names (mm_access at open time), which is how the software device emulates
 * an IOMMU doing SVA.
 */
import { C, libc } from './libc.js';
import { errnoName, lastErrno } from './errors.js';
import { pollFds } from './events.js';

/** A pidfd of `pid` (close-on-exec), or the errno name (ESRCH when no such process). */
export function pidfdOpen(pid: number): number | string {
  const fd = libc.pidfd_open(pid, 0) as number;
  return fd < 0 ? errnoName(lastErrno()) : fd;
}

/** Whether the process of a pidfd has exited (the pidfd is readable then, zombie or reaped). */
export function pidfdExited(pidfd: number): boolean {
  const [ev] = pollFds([pidfd], C.POLLIN, 0);
  return (ev! & (C.POLLIN | C.POLLHUP | C.POLLERR | C.POLLNVAL)) !== 0;
}

/** Sends `signal` to the process of a pidfd; returns the errno name on failure (ESRCH once it exited). */
export function pidfdSignal(pidfd: number, signal: number): string | undefined {
  return (libc.pidfd_send_signal(pidfd, signal, null, 0) as number) < 0 ? errnoName(lastErrno()) : undefined;
}

/**
 * An fd on the memory of the process `pidfd` names, whose pid in this namespace is `pid`. The pidfd is
 * checked after the open: a process still alive then held its pid during the open, so the file opened
 * is that process's. Errno name on failure: ESRCH (it exited), EACCES/EPERM (no ptrace rights).
 */
export function openProcessMemory(pid: number, pidfd: number): number | string {
  if (pidfdExited(pidfd)) return 'ESRCH';
  const fd = libc.open(`/proc/${pid}/mem`, C.O_RDWR | C.O_CLOEXEC | C.O_NOFOLLOW, 0) as number;
  if (fd < 0) {
    const e = errnoName(lastErrno());
    return e === 'ENOENT' ? 'ESRCH' : e;
  }
  if (pidfdExited(pidfd)) {
    libc.close(fd);
    return 'ESRCH';
  }
  return fd;
}

// /proc/PID/mem is addressed by virtual address as a file offset (an off_t, so signed).
const offsetOf = (address: bigint) => BigInt.asIntN(64, address);

/** Copies `length` bytes at `remote` of a process memory fd to local memory at `local`; bytes copied, or an errno name (EIO: not mapped). */
export function readProcessMemoryFile(memFd: number, remote: bigint, local: bigint, length: number): number | string {
  const n = Number(libc.preadAt(memFd, local, length, offsetOf(remote)));
  return n < 0 ? errnoName(lastErrno()) : n;
}

/** Copies `length` bytes from local memory at `local` to `remote` of a process memory fd. */
export function writeProcessMemoryFile(memFd: number, remote: bigint, local: bigint, length: number): number | string {
  const n = Number(libc.pwriteAt(memFd, local, length, offsetOf(remote)));
  return n < 0 ? errnoName(lastErrno()) : n;
}

/** A close-on-exec duplicate of an fd (the caller keeps its own). */
export function dupFd(fd: number): number | string {
  const d = libc.fcntl(fd, C.F_DUPFD_CLOEXEC, 0) as number;
  return d < 0 ? errnoName(lastErrno()) : d;
}
