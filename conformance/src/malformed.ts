/**
 * Malformed ioctls generated from the spec: each ioctl's struct at wrong sizes, random bytes in its
 * fields, a wrong number or direction now and then. Shared by the isolation suite and `accelctl fuzz`.
 */
import { hostIocFamily, ioc, uapi, type CompiledIoctl } from '@openaccel/uapi';
import type { Rng } from './rng.js';

export interface MalformedIoctl {
  request: number;
  arg: Uint8Array;
  /** The ioctl whose struct the bytes were shaped after. */
  shape: string;
  nr: number;
  /** True when number and direction are the shape's own: a success may have returned an fd in an `out` field. */
  wellFormedRequest: boolean;
  /** Errnos the spec allows for this request: the common rules and the errno table of the ioctl with this number. */
  allowed: ReadonlySet<string>;
}

const IOCTLS = [...uapi.compiled.ioctls.values()];
const COMMON = [...uapi.compiled.spec.commonErrors.map((r) => r.errno), 'EFAULT', 'ENOTTY'];
const DIRS = ['none', 'read', 'write', 'readwrite'] as const;
const SUBMIT = uapi.compiled.ioctls.get('OA_IOCTL_SUBMIT')!;
const SUBMIT_FLAGS = SUBMIT.arg.byName.get('flags')!.offset;
const SUBMIT_WAIT = uapi.compiled.flagSets.get('oa_submit_flags')!.spec.bits.find((b) => b.name === 'OA_SUBMIT_WAIT')!.bit;

/** Numbers of fds that cannot be this process's own (closed, high). */
export const FOREIGN_FD_BASE = 4000;

export function malformedIoctl(rng: Rng): MalformedIoctl {
  const io = rng.pick(IOCTLS);
  const size = rng.pick([io.arg.sizeBytes, io.arg.sizeBytes + 8, io.arg.minSizeBytes - 4, rng.int(64)]);
  const arg = new Uint8Array(Math.max(size, 0));
  const view = new DataView(arg.buffer);
  for (let k = 0; k < arg.length; k++) if (rng.int(4) === 0) arg[k] = rng.int(256);
  if (arg.length >= 4 && rng.int(3)) view.setUint32(0, size, true);
  // Keep fd fields from naming this process's own fds: only -1 or a closed number.
  for (const f of io.arg.fields) if (f.field.unit === 'fd' && f.offset + 4 <= arg.length) view.setInt32(f.offset, rng.int(2) ? -1 : FOREIGN_FD_BASE + rng.int(90), true);
  // SUBMIT with OA_SUBMIT_WAIT on a ring nobody drains would wait as long as timeout_ns says.
  if (io === SUBMIT && arg.length >= SUBMIT_FLAGS + 4) view.setUint32(SUBMIT_FLAGS, view.getUint32(SUBMIT_FLAGS, true) & ~(1 << SUBMIT_WAIT), true);
  const nr = rng.int(10) === 0 ? rng.int(256) : io.spec.nr;
  const dir = rng.int(10) === 0 ? rng.pick(DIRS) : io.spec.dir;
  const request = ioc(hostIocFamily(), dir, uapi.compiled.spec.ioctlType, nr, dir === 'none' ? 0 : Math.min(Math.max(size, 0), 16383));
  const allowed = new Set([...COMMON, ...(uapi.compiled.ioctlsByNr.get(nr)?.spec.errors.map((r) => r.errno) ?? [])]);
  return { request, arg: dir === 'none' ? new Uint8Array(0) : arg, shape: io.spec.name, nr, wellFormedRequest: nr === io.spec.nr && dir === io.spec.dir, allowed };
}

/** fds a successful ioctl returned in its `out` fields (an export): the caller owns and must close them. */
export function returnedFds(m: MalformedIoctl): number[] {
  if (!m.wellFormedRequest) return [];
  const io: CompiledIoctl = uapi.compiled.ioctls.get(m.shape)!;
  const view = new DataView(m.arg.buffer, m.arg.byteOffset, m.arg.byteLength);
  return io.arg.fields.filter((f) => f.field.unit === 'fd' && f.field.dir !== 'in' && f.offset + 4 <= m.arg.length).map((f) => view.getInt32(f.offset, true)).filter((fd) => fd > 2 && fd < FOREIGN_FD_BASE);
}
