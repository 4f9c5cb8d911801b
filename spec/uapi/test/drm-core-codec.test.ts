import { describe, expect, it } from 'vitest';
import { drmConstant, drmCoreIoctl, drmCoreIoctlNames, UapiError } from '../src/index.js';

describe('DRM core codecs', () => {
  it('gives the request numbers of drm/drm.h on 64-bit ABIs', () => {
    // Values as a C program computes them from <drm/drm.h> on x86-64.
    expect(drmCoreIoctl('DRM_IOCTL_VERSION').request).toBe(0xc0406400);
    expect(drmCoreIoctl('DRM_IOCTL_GET_CAP').request).toBe(0xc010640c);
    expect(drmCoreIoctl('DRM_IOCTL_GEM_CLOSE').request).toBe(0x40086409);
    expect(drmCoreIoctl('DRM_IOCTL_PRIME_HANDLE_TO_FD').request).toBe(0xc00c642d);
    expect(drmCoreIoctl('DRM_IOCTL_SYNCOBJ_CREATE').request).toBe(0xc00864bf);
    expect(drmCoreIoctl('DRM_IOCTL_SYNCOBJ_WAIT').request).toBe(0xc02064c3);
  });

  it('lays out drm_version differently on ILP32 (pointers and size_t are 4 bytes)', () => {
    expect(drmCoreIoctl('DRM_IOCTL_VERSION').sizeBytes).toBe(64);
    expect(drmCoreIoctl('DRM_IOCTL_VERSION', 'ilp32').sizeBytes).toBe(36);
    expect(drmCoreIoctl('DRM_IOCTL_VERSION', 'ilp32').request).toBe(0xc0246400);
  });

  it('round-trips every field of every core struct', () => {
    for (const name of drmCoreIoctlNames()) {
      const io = drmCoreIoctl(name);
      const value = Object.fromEntries(io.layout.fields.map((f, i) => [f.field.name, f.sizeBytes === 8 ? BigInt(i + 1) << 33n : i + 7]));
      expect(io.decode(io.encode(value)), name).toEqual(value);
    }
  });

  it('puts fields at their C offsets', () => {
    const b = drmCoreIoctl('DRM_IOCTL_PRIME_HANDLE_TO_FD').encode({ handle: 5, flags: drmConstant('DRM_RDWR'), fd: -1 });
    expect([...b]).toEqual([5, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(drmCoreIoctl('DRM_IOCTL_PRIME_FD_TO_HANDLE').decode(b).fd).toBe(-1);
  });

  it('refuses values that do not fit, unknown fields, short input and unknown ioctls with typed errors', () => {
    const io = drmCoreIoctl('DRM_IOCTL_GEM_CLOSE');
    expect(() => io.encode({ handle: 2 ** 32 })).toThrow(UapiError);
    expect(() => io.encode({ handle: -1 })).toThrow(/does not fit/);
    expect(() => io.encode({ handel: 1 })).toThrow(expect.objectContaining({ errno: 'EINVAL', field: 'handel' }));
    expect(() => io.decode(new Uint8Array(4))).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => drmCoreIoctl('DRM_IOCTL_MODE_GETRESOURCES')).toThrow(expect.objectContaining({ errno: 'ENOTTY' }));
    expect(() => drmConstant('DRM_NOPE')).toThrow(UapiError);
  });
});
