/**
 * 2.0 ioctls by name over a transport: the driver-private ones through the uapi2 codecs, the DRM core
 * ones through their drm.h layouts. A failure is a UapiError naming the rule (or DeviceGoneError).
 */
import { drmCoreIoctl, uapi2, type DrmStructValue, type IoctlArgIn, type IoctlNameIn, type openaccelV2, type StructInput, type StructValue } from '@openaccel/uapi';
import { accelIoctlError, coreRulesKept, DeviceGoneError } from './errors.js';
import type { Transport } from './transport.js';

type V2 = typeof openaccelV2;
/** A driver-private 2.0 ioctl name: DRM_IOCTL_OA_GET_INFO, ... */
export type AccelIoctlName = IoctlNameIn<V2>;

export class AccelIoctls {
  constructor(readonly transport: Transport) {}

  private fail(name: string, errno: string, sent?: { request: number; arg: Uint8Array }, kept?: ReadonlySet<string>): never {
    if (errno === 'ENODEV' && !this.transport.alive()) throw new DeviceGoneError(this.transport.path, `${name} failed: the device node closed`);
    throw accelIoctlError(name, errno as never, sent, kept);
  }

  /** A driver-private ioctl; the decoded argument as the driver left it. */
  call<N extends AccelIoctlName>(name: N, input: StructInput<IoctlArgIn<V2, N>>): StructValue<IoctlArgIn<V2, N>> {
    // The codec's own generic is not narrowed by N inside this body; the casts only restate that.
    const io = uapi2.ioctl(name);
    const arg = io.encode(input as never);
    const sent = arg.slice();
    const r = this.transport.ioctl(io.request(), arg);
    if (r.errno) this.fail(name, r.errno, { request: io.request(), arg: sent });
    return io.decode(arg) as unknown as StructValue<IoctlArgIn<V2, N>>;
  }

  /** A DRM core ioctl (DRM_IOCTL_VERSION, DRM_IOCTL_PRIME_HANDLE_TO_FD, ...); pointers are addresses. */
  core(name: string, input: DrmStructValue): DrmStructValue {
    const io = drmCoreIoctl(name);
    const arg = io.encode(input);
    const r = this.transport.ioctl(io.request, arg);
    if (r.errno) this.fail(name, r.errno, undefined, coreRulesKept(io.decode(io.encode(input))));
    return io.decode(arg);
  }
}
