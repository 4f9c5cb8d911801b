/**
 * copy_from_user/copy_to_user for a socket node: the pointers inside a 2.0 argument (bitmap_ptr,
 * waits_ptr, syncobj handle arrays, VERSION's name buffer) are addresses in the calling process, as
 * they are for a kernel driver. refdev reaches them through that process's memory file, opened while the
 * sender's pidfd proves the pid is the sender's; an address that is not mapped there is EFAULT.
 */
import { addressOf, closeFd, openProcessMemory, pidfdOpen, readProcessMemoryFile, writeProcessMemoryFile } from '@openaccel/sys';
import type { Sender } from '../binding.js';

/** Most bytes one ioctl copies in or out through a pointer (a bound before any read). */
export const MAX_USER_COPY = 1 << 20;

export class UserMemory {
  private fd: number | undefined;
  private failed = false;

  constructor(private readonly sender: Sender) {}

  private open(): number | undefined {
    if (this.fd !== undefined || this.failed) return this.fd;
    const pidfd = this.sender.pidfd ?? pidfdOpen(this.sender.pid);
    if (typeof pidfd === 'string') {
      this.failed = true;
      return undefined;
    }
    const fd = openProcessMemory(this.sender.pid, pidfd);
    if (this.sender.pidfd === undefined) closeFd(pidfd);
    if (typeof fd === 'string') this.failed = true;
    else this.fd = fd;
    return this.fd;
  }

  /** `length` bytes at `address` of the caller, or EFAULT. */
  read(address: bigint, length: number): Uint8Array | 'EFAULT' {
    if (length === 0) return new Uint8Array(0);
    if (address === 0n || length > MAX_USER_COPY) return 'EFAULT';
    const fd = this.open();
    if (fd === undefined) return 'EFAULT';
    const buf = Buffer.alloc(length);
    const n = readProcessMemoryFile(fd, address, addressOf(buf), length);
    return n === length ? new Uint8Array(buf) : 'EFAULT';
  }

  /** Writes `data` at `address` of the caller; EFAULT when it is not writable there. */
  write(address: bigint, data: Uint8Array): 0 | 'EFAULT' {
    if (data.length === 0) return 0;
    if (address === 0n || data.length > MAX_USER_COPY) return 'EFAULT';
    const fd = this.open();
    if (fd === undefined) return 'EFAULT';
    const buf = Buffer.from(data);
    const n = writeProcessMemoryFile(fd, address, addressOf(buf), data.length);
    return n === data.length ? 0 : 'EFAULT';
  }

  close(): void {
    if (this.fd !== undefined) closeFd(this.fd);
    this.fd = undefined;
  }
}
