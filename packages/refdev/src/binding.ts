/**
 * Binding a context to the process that asks (BIND_CONTEXT in 1.0 and 2.0): the process is named by a
 * pidfd, so a reused pid number never passes for it; with SVA its memory file is opened now, while the
 * pidfd proves the pid is the sender's, and stays on that address space whatever the pid means later.
 */
import { closeFd, dupFd, openProcessMemory, pidfdExited, pidfdOpen } from '@openaccel/sys';
import type { ErrnoName } from '@openaccel/uapi';
import type { RefDevice } from './device.js';

/** Who sent a request: the pid in refdev's namespace and, where the kernel gives one (SCM_PIDFD), a pidfd of the sender. */
export interface Sender {
  pid: number;
  /** Borrowed: the context duplicates it when it keeps it. */
  pidfd?: number;
}

/** The process a context is bound to. */
export interface Binder {
  pid: number;
  pidfd: number;
  /** fd on its memory (/proc/PID/mem) for SVA, else -1. */
  mem: number;
}

/** Binds to the sender; with `sva`, also opens its memory. EPERM when the sender cannot be named or reached. */
export function bindSender(sender: Sender, sva: boolean): Binder | ErrnoName {
  // The sender's pidfd from the datagram is race-free; pidfd_open(pid) is the fallback before Linux 6.5.
  const pidfd = sender.pidfd !== undefined ? dupFd(sender.pidfd) : pidfdOpen(sender.pid);
  if (typeof pidfd === 'string') return 'EPERM';
  let mem = -1;
  if (sva) {
    const m = openProcessMemory(sender.pid, pidfd);
    if (typeof m === 'string') {
      closeFd(pidfd);
      return 'EPERM';
    }
    mem = m;
  }
  return { pid: sender.pid, pidfd, mem };
}

/** Whether a request comes from anyone but the live binder (rule foreign_process). */
export function isForeign(binder: Binder, sender: Sender): boolean {
  return sender.pid !== binder.pid || pidfdExited(binder.pidfd);
}

export function closeBinder(binder: Binder): void {
  if (binder.mem >= 0) closeFd(binder.mem);
  closeFd(binder.pidfd);
}

/** Ends the SVA binding: the engine acknowledges the unbinding before the memory file is closed, so no command uses it after. */
export async function unbindSva(device: RefDevice, ctx: number, binder: Binder | undefined): Promise<void> {
  if (!binder || binder.mem < 0) return;
  await device.tell({ op: 'bindSva', ctx, mem: -1 });
  closeFd(binder.mem);
  binder.mem = -1;
}
