/**
 * Malformed 2.0 ioctls generated from the 2.0 spec (uapi2): the driver-private ioctls and the DRM core
 * ioctls a client uses, at wrong sizes (drm_ioctl zero-extends or cuts them), with random field bytes,
 * now and then a wrong direction or a driver-private number the spec does not define. Each carries the
 * errnos the spec allows: the common rules and the errno table of the ioctl the number names.
 */
import { hostIocFamily, ioc, uapi2 } from '@openaccel/uapi';
import type { Rng } from '../rng.js';
import { FOREIGN_FD_BASE } from '../malformed.js';

export interface MalformedAccelIoctl {
  request: number;
  arg: Uint8Array;
  /** The ioctl whose struct the bytes were shaped after. */
  shape: string;
  /** Byte offsets where a success hands back a new fd of this process (a *_HANDLE_TO_FD export). */
  outFds: readonly number[];
  allowed: ReadonlySet<string>;
}

interface Shape {
  name: string;
  nr: number;
  dir: 'none' | 'read' | 'write' | 'readwrite';
  size: number;
  fdFields: readonly number[];
  outFds: readonly number[];
  /** Fields zeroed so that no input blocks: wait deadlines (an absolute time far ahead would wait). */
  zeroed: readonly { offset: number; bytes: number }[];
  /** A flag bit cleared (OA_SUBMIT_WAIT: a wait on a ring nobody drains lasts as long as timeout_ns says). */
  clearBit?: { offset: number; bit: number };
  errors: readonly string[];
}

const spec = uapi2.compiled;
const model = process.arch === 'ia32' || process.arch === 'arm' ? 'ilp32' : 'lp64';
const COMMON = spec.spec.commonErrors.map((r) => r.errno);
const binding = spec.spec.binding;
if (binding?.kind !== 'drm-accel') throw new Error('the 2.0 spec binds to DRM accel');
const commandEnd = binding.commandEnd;
const submitWait = spec.flagSets.get('oa_submit_flags')!.spec.bits.find((b) => b.name === 'OA_SUBMIT_WAIT')!.bit;

const PRIVATE: Shape[] = [...spec.ioctls.values()].map((io) => ({
  name: io.spec.name,
  nr: io.spec.nr,
  dir: io.spec.dir,
  size: io.arg.sizeBytes,
  fdFields: io.arg.fields.filter((f) => f.field.unit === 'fd').map((f) => f.offset),
  outFds: io.arg.fields.filter((f) => f.field.unit === 'fd' && f.field.dir !== 'in').map((f) => f.offset),
  zeroed: [],
  ...(io.spec.name === 'DRM_IOCTL_OA_SUBMIT' ? { clearBit: { offset: io.arg.byName.get('flags')!.offset, bit: submitWait } } : {}),
  errors: io.errors.map((r) => r.errno),
}));

const CORE: Shape[] = [...spec.coreIoctls.values()].map((c) => {
  const layout = c.arg[model];
  const fds = layout.fields.filter((f) => f.field.unit === 'fd');
  return {
    name: c.spec.name,
    nr: c.spec.nr,
    dir: c.spec.dir,
    size: layout.sizeBytes,
    fdFields: fds.map((f) => f.offset),
    // The fd field of a core pair is inout: an output of the *_HANDLE_TO_FD half only.
    outFds: /HANDLE_TO_FD$/.test(c.spec.name) ? fds.map((f) => f.offset) : [],
    zeroed: layout.fields.filter((f) => f.field.unit === 'ns').map((f) => ({ offset: f.offset, bytes: f.sizeBytes })),
    errors: c.spec.errors.map((r) => r.errno),
  };
});

const SHAPES = [...PRIVATE, ...CORE];
const BY_NR = new Map(SHAPES.map((s) => [s.nr, s]));
const DIRS = ['none', 'read', 'write', 'readwrite'] as const;
/** Driver-private numbers past the defined ones, still inside DRM's driver range: unknown ioctls. */
const UNDEFINED_NRS = Array.from({ length: 8 }, (_, k) => Math.max(...PRIVATE.map((s) => s.nr)) + 1 + k).filter((nr) => nr < commandEnd);

/**
 * One malformed ioctl. `fdsMayTravel` false (a socket node, which passes fd fields as SCM_RIGHTS) keeps
 * fd fields at -1; on a kernel node they also take closed high numbers, never this process's own fds.
 */
export function malformedAccelIoctl(rng: Rng, fdsMayTravel: boolean): MalformedAccelIoctl {
  const s = rng.pick(SHAPES);
  const size = Math.max(0, rng.pick([s.size, s.size + 8, s.size - 4, rng.int(128)]));
  const arg = new Uint8Array(size);
  const view = new DataView(arg.buffer);
  for (let k = 0; k < size; k++) if (rng.int(4) === 0) arg[k] = rng.int(256);
  for (const o of s.fdFields) if (o + 4 <= size) view.setInt32(o, fdsMayTravel && rng.int(2) ? FOREIGN_FD_BASE + rng.int(90) : -1, true);
  for (const z of s.zeroed) arg.fill(0, Math.min(z.offset, size), Math.min(z.offset + z.bytes, size));
  if (s.clearBit && s.clearBit.offset + 4 <= size) view.setUint32(s.clearBit.offset, view.getUint32(s.clearBit.offset, true) & ~(1 << s.clearBit.bit), true);
  const renumber = rng.int(20) === 0;
  const nr = renumber ? rng.pick(UNDEFINED_NRS) : s.nr;
  const dir = rng.int(10) === 0 ? rng.pick(DIRS) : s.dir;
  const request = ioc(hostIocFamily(), dir, spec.spec.ioctlType, nr, dir === 'none' ? 0 : Math.min(size, 16383));
  const named = BY_NR.get(nr);
  const allowed = new Set([...COMMON, ...(named?.errors ?? [])]);
  return { request, arg: dir === 'none' ? new Uint8Array(0) : arg, shape: s.name, outFds: !renumber && dir === s.dir ? s.outFds : [], allowed };
}

/** fds a successful malformed ioctl handed back: the caller owns and closes them. */
export function returnedAccelFds(m: MalformedAccelIoctl): number[] {
  const view = new DataView(m.arg.buffer, m.arg.byteOffset, m.arg.byteLength);
  return m.outFds.filter((o) => o + 4 <= m.arg.length).map((o) => view.getInt32(o, true)).filter((fd) => fd > 2 && fd < FOREIGN_FD_BASE);
}
