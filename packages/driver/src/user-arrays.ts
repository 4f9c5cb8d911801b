/**
 * Arrays an ioctl reads or writes by address (handle and point arrays, name buffers): the driver side
 * reads them while the call runs, so they stay reachable until it returns, whatever the optimiser thinks.
 */
import { addressOf } from '@openaccel/sys';

const pinned = new Set<ArrayBufferView>();

/** The address of a typed array's bytes, for a pointer field of an ioctl argument. */
export function userAddress(a: ArrayBufferView): bigint {
  return addressOf(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Runs `call` with `arrays` held reachable. */
export function withUserArrays<T>(arrays: readonly ArrayBufferView[], call: () => T): T {
  for (const a of arrays) pinned.add(a);
  try {
    return call();
  } finally {
    for (const a of arrays) pinned.delete(a);
  }
}
