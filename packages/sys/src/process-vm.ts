/**
 * Another process's memory by virtual address (process_vm_readv/writev): how the software device
 * emulates an IOMMU doing SVA. Needs ptrace rights over the target (same uid and dumpable, or CAP_SYS_PTRACE).
 */
import koffi from 'koffi';
import { libc } from './libc.js';
import { errnoName, lastErrno } from './errors.js';

const iovs = Buffer.alloc(32);
const iovBase = koffi.address(iovs) as bigint;

function transfer(write: boolean, pid: number, remote: bigint, local: bigint, length: number): number | string {
  iovs.writeBigUInt64LE(local, 0);
  iovs.writeBigUInt64LE(BigInt(length), 8);
  iovs.writeBigUInt64LE(remote, 16);
  iovs.writeBigUInt64LE(BigInt(length), 24);
  const fn = write ? libc.process_vm_writev : libc.process_vm_readv;
  const n = Number(fn(pid, iovBase, 1, iovBase + 16n, 1, 0));
  return n < 0 ? errnoName(lastErrno()) : n;
}

/** Copies `length` bytes from `remote` in process `pid` to local memory at `local`. Returns bytes copied, or an errno name (EFAULT, ESRCH, EPERM). */
export function readProcessMemory(pid: number, remote: bigint, local: bigint, length: number): number | string {
  return transfer(false, pid, remote, local, length);
}

export function writeProcessMemory(pid: number, remote: bigint, local: bigint, length: number): number | string {
  return transfer(true, pid, remote, local, length);
}

/** The address of a Buffer's bytes (stable for Buffers allocated off the V8 heap, i.e. larger than 64 bytes). */
export function addressOf(buf: Buffer | Uint8Array): bigint {
  return koffi.address(buf) as bigint;
}
