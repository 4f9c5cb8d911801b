/**
 * Which fields of an ioctl argument carry fds, found from the request number in the spec version it
 * belongs to: 1.0 (its own ioctl type), 2.0 driver-private ioctls (type 'd', nr from DRM_COMMAND_BASE)
 * and the DRM core ioctls of 2.0 (type 'd', nr below it). A socket node passes these fds as SCM_RIGHTS.
 */
import { decodeIoc, fdFields, hostIocFamily, uapi, uapi2, type CompiledCoreIoctl, type StructLayout } from '@openaccel/uapi';

export interface FdFieldOffsets {
  /** Byte offsets of fds the caller passes (sent along with the request). */
  readonly in: readonly number[];
  /** Byte offsets of fds the device hands back (received with the reply, written there in order). */
  readonly out: readonly number[];
}

const NONE: FdFieldOffsets = { in: [], out: [] };
const cache = new Map<number, FdFieldOffsets>();
const model = process.arch === 'ia32' || process.arch === 'arm' ? 'ilp32' : 'lp64';

function privateFields(layout: StructLayout): FdFieldOffsets {
  return { in: fdFields(layout, 'in').map((f) => f.offset), out: fdFields(layout, 'out').map((f) => f.offset) };
}

/**
 * A DRM core struct is shared by an ioctl pair (PRIME_HANDLE_TO_FD and PRIME_FD_TO_HANDLE, the SYNCOBJ
 * pair) whose fd field is declared inout: it is an output of the *_TO_FD ioctl and an input of the
 * FD_TO_* one, as the field's own description says.
 */
function coreFields(core: CompiledCoreIoctl): FdFieldOffsets {
  const out: number[] = [];
  const inp: number[] = [];
  const name = core.spec.name;
  for (const f of core.arg[model].fields) {
    if (f.field.unit !== 'fd') continue;
    const dir = f.field.dir === 'inout' ? (/FD_TO_HANDLE$/.test(name) ? 'in' : /HANDLE_TO_FD$/.test(name) ? 'out' : 'inout') : f.field.dir;
    if (dir === 'in' || dir === 'inout') inp.push(f.offset);
    if (dir === 'out' || dir === 'inout') out.push(f.offset);
  }
  return { in: inp, out };
}

function lookup(request: number): FdFieldOffsets {
  const dec = decodeIoc(hostIocFamily(), request);
  if (!dec) return NONE;
  if (dec.type === uapi.compiled.spec.ioctlType) {
    const io = uapi.compiled.ioctlsByNr.get(dec.nr);
    return io ? privateFields(io.arg) : NONE;
  }
  const v2 = uapi2.compiled;
  const binding = v2.spec.binding;
  if (dec.type !== v2.spec.ioctlType || binding?.kind !== 'drm-accel') return NONE;
  if (dec.nr >= binding.commandBase && dec.nr < binding.commandEnd) {
    const io = v2.ioctlsByNr.get(dec.nr);
    return io ? privateFields(io.arg) : NONE;
  }
  for (const core of v2.coreIoctls.values()) if (core.spec.nr === dec.nr) return coreFields(core);
  return NONE;
}

/** The fd fields of a request (cached: the same request always has the same fields). */
export function fdFieldsOf(request: number): FdFieldOffsets {
  let f = cache.get(request);
  if (!f) {
    f = lookup(request);
    cache.set(request, f);
  }
  return f;
}
