/**
 * The errno names the spec may use, with their numbers in the generic Linux table
 * (include/uapi/asm-generic/errno-base.h and errno.h: x86, arm, arm64, riscv, s390, loongarch).
 *
 * The spec speaks in names; numbers matter only where bytes cross a boundary (the refdev control
 * path carries them), and there the generic table is the one every supported host uses.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ERANGE: 34,
  ETIME: 62,
  EOVERFLOW: 75,
  EBADFD: 77,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const BY_NUMBER = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([name, n]) => [n, name]),
);

export function errnoNumber(name: ErrnoName): number {
  return ERRNO[name];
}

/** The name of a generic Linux errno number, or undefined when the spec does not use it. */
export function errnoName(n: number): ErrnoName | undefined {
  return BY_NUMBER.get(n);
}

export function isErrnoName(s: string): s is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, s);
}
