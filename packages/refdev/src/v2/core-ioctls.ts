/**
 * The DRM core ioctls an OpenAccel client needs, answered as the DRM core answers them (errnos from the
 * spec's drm-core tables): VERSION, GET_CAP, GEM_CLOSE, PRIME; the SYNCOBJ ioctls are in syncobj-ioctls.ts.
 * The argument is copied in and out as drm_ioctl() does: zero-extended or cut to the core struct.
 */
import { drmConstant, drmCoreIoctl, drmCoreIoctlNames, type DecodedIoc, type DrmCoreIoctl } from '@openaccel/uapi';
import type { Reply } from '../context.js';
import { isDmabuf, sizeOf } from '../dmabuf.js';
import { MAX_IMPORT_BYTES } from '../context.js';
import { fail, fitTo, MAX_HANDLES, type IoctlCall } from './accel-file.js';
import { deviceFacts, hasCap } from './facts.js';
import { MEMORY_ID_IMPORTED } from './gem.js';
import { serveSyncobj } from './syncobj-ioctls.js';
import { dupFd } from '@openaccel/sys';

const byNr = new Map<number, DrmCoreIoctl>(drmCoreIoctlNames().map((n) => [drmCoreIoctl(n).compiled.spec.nr, drmCoreIoctl(n)]));

export function coreIoctlByNr(nr: number): DrmCoreIoctl | undefined {
  return byNr.get(nr);
}

const DRIVER_NAME = 'openaccel';
const DRIVER_DATE = '0';
const DRIVER_DESC = 'OpenAccel reference device (refdev)';

const has = (dir: string, bit: 'write' | 'read') => dir === bit || dir === 'readwrite';

export async function serveCore(io: DrmCoreIoctl, dec: DecodedIoc, arg: Uint8Array, call: IoctlCall): Promise<Reply> {
  const spec = io.compiled.spec;
  const inSize = has(dec.dir, 'write') && has(spec.dir, 'write') ? dec.sizeBytes : 0;
  const outSize = has(dec.dir, 'read') && has(spec.dir, 'read') ? dec.sizeBytes : 0;
  const kdata = new Uint8Array(io.sizeBytes);
  kdata.set(arg.subarray(0, Math.min(inSize, io.sizeBytes)));
  const v = io.decode(kdata) as Record<string, any>;
  const r = await serveCoreValue(io.name, v, call);
  if (r.errno !== 0) return r;
  return { ...r, data: fitTo(io.encode({ ...v, ...(r.out ?? {}) }), outSize) };
}

type CoreReply = Reply & { out?: Record<string, number | bigint> };

async function serveCoreValue(name: string, v: Record<string, any>, call: IoctlCall): Promise<CoreReply> {
  const { file } = call;
  const d = file.device.config;
  switch (name) {
    case 'DRM_IOCTL_VERSION': {
      const f = deviceFacts(d);
      const out: Record<string, number | bigint> = { version_major: f.apiMajor, version_minor: f.apiMinor, version_patchlevel: 0 };
      // drm_copy_field: copies min(len, room) bytes, reports the full length.
      for (const [field, text] of [['name', DRIVER_NAME], ['date', DRIVER_DATE], ['desc', DRIVER_DESC]] as const) {
        const bytes = new TextEncoder().encode(text);
        const room = v[`${field}_len`] as bigint;
        const n = Number(room < BigInt(bytes.length) ? room : BigInt(bytes.length));
        if (n > 0 && call.user.write(v[field], bytes.subarray(0, n)) !== 0) return fail('EFAULT');
        out[`${field}_len`] = BigInt(bytes.length);
      }
      return { errno: 0, out };
    }
    case 'DRM_IOCTL_GET_CAP': {
      const cap = Number(v.capability);
      if (cap === drmConstant('DRM_CAP_PRIME')) {
        const value = (hasCap(d, 'dmabuf_import') ? drmConstant('DRM_PRIME_CAP_IMPORT') : 0) | (hasCap(d, 'dmabuf_export') ? drmConstant('DRM_PRIME_CAP_EXPORT') : 0);
        return { errno: 0, out: { value: BigInt(value) } };
      }
      if (cap === drmConstant('DRM_CAP_SYNCOBJ')) return { errno: 0, out: { value: hasCap(d, 'syncobj') ? 1n : 0n } };
      if (cap === drmConstant('DRM_CAP_SYNCOBJ_TIMELINE')) return { errno: 0, out: { value: hasCap(d, 'syncobj_timeline') ? 1n : 0n } };
      return fail('EOPNOTSUPP');
    }
    case 'DRM_IOCTL_GEM_CLOSE': {
      // pad is not checked: drm_gem_close_ioctl reads only the handle.
      if (!file.gem.has(v.handle)) return fail('EINVAL');
      await file.closeGem(v.handle);
      return { errno: 0 };
    }
    case 'DRM_IOCTL_PRIME_HANDLE_TO_FD': {
      if (v.flags & ~(drmConstant('DRM_CLOEXEC') | drmConstant('DRM_RDWR'))) return fail('EINVAL');
      const obj = file.gem.get(v.handle);
      if (!obj) return fail('ENOENT');
      // The object's own memfd: the same object always exports the same dma-buf.
      return { errno: 0, fds: [obj.fd], out: { fd: 0 } };
    }
    case 'DRM_IOCTL_PRIME_FD_TO_HANDLE': {
      if (v.fd < 0 || call.fds.length !== 1) return fail('EBADF');
      const fd = call.fds[0]!;
      const own = file.state.find(fd);
      if (own) return importObject(call, own);
      if (!isDmabuf(fd)) return fail('EINVAL');
      const size = sizeOf(fd);
      if (size === 0 || size > MAX_IMPORT_BYTES) return fail('EINVAL');
      if (file.gem.size >= MAX_HANDLES) return fail('ENOSPC'); // handles_exhausted
      const kept = dupFd(fd);
      if (typeof kept === 'string') return fail('EMFILE');
      let obj;
      try {
        obj = file.state.adopt(kept, size, MEMORY_ID_IMPORTED, undefined, true);
      } catch {
        return fail('EINVAL');
      }
      return importObject(call, obj);
    }
  }
  return serveSyncobj(name, v, call);
}

async function importObject(call: IoctlCall, obj: import('./gem.js').GemObject): Promise<CoreReply> {
  const { file } = call;
  const known = [...file.gem].find(([, o]) => o === obj);
  if (known) return { errno: 0, out: { handle: known[0] } };
  if (file.gem.size >= MAX_HANDLES) return fail('ENOSPC');
  const handle = file.addGem(obj);
  await file.device.tell({ op: 'addHandle', ctx: file.id, handle, address: obj.mapping.address, length: obj.size });
  return { errno: 0, out: { handle } };
}
