import { describe, expect, it } from 'vitest';
import { decodeIoc, hostIocFamily, ioc, IOC_FAMILIES, maxIocSize } from '../src/index.js';

// Values from the kernel headers and syzkaller's generated constants (research/kernel-uapi.md §6).
const ch = (c: string) => c.charCodeAt(0);

describe('ioctl request numbers', () => {
  it.each([
    ['DMA_HEAP_IOCTL_ALLOC', 'readwrite', ch('H'), 0x00, 24, 0xc0184800, 0xc0184800, 0xc0184800],
    ['DRM_IOCTL_VERSION', 'readwrite', ch('d'), 0x00, 64, 0xc0406400, 0xc0406400, 0xc0406400],
    ['DRM_IOCTL_PRIME_HANDLE_TO_FD', 'readwrite', ch('d'), 0x2d, 12, 0xc00c642d, 0xc00c642d, 0xc00c642d],
    ['DRM_IOCTL_GEM_CLOSE', 'write', ch('d'), 0x09, 8, 0x40086409, 0x80086409, 0x80086409],
    ['DMA_BUF_IOCTL_SYNC', 'write', ch('b'), 0x00, 8, 0x40086200, 0x80086200, 0x80086200],
    ['UDMABUF_CREATE', 'write', ch('u'), 0x42, 24, 0x40187542, 0x80187542, 0x80187542],
    ['AMDKFD_IOC_GET_VERSION', 'read', ch('K'), 0x01, 8, 0x80084b01, 0x40084b01, 0x40084b01],
    ['AMDKFD_IOC_CREATE_QUEUE', 'readwrite', ch('K'), 0x02, 88, 0xc0584b02, 0xc0584b02, 0xc0584b02],
    ['UACCE_CMD_START_Q', 'none', ch('W'), 0x00, 0, 0x00005700, 0x20005700, 0x00005700],
    ['IOMMU_IOAS_MAP', 'none', ch(';'), 0x85, 0, 0x00003b85, 0x20003b85, 0x00003b85],
  ] as const)('%s matches the kernel on every family', (_name, dir, type, nr, size, generic, powerpc, parisc) => {
    expect(ioc('generic', dir, type, nr, size)).toBe(generic);
    expect(ioc('powerpc', dir, type, nr, size)).toBe(powerpc);
    expect(ioc('parisc', dir, type, nr, size)).toBe(parisc);
  });

  it('decodes what it encodes on every family', () => {
    for (const fam of IOC_FAMILIES) {
      for (const dir of ['none', 'write', 'read', 'readwrite'] as const) {
        const size = dir === 'none' ? 0 : 4000;
        expect(decodeIoc(fam, ioc(fam, dir, 0xd7, 0x42, size))).toEqual({ dir, type: 0xd7, nr: 0x42, sizeBytes: size });
      }
    }
  });

  it('refuses sizes the family cannot encode', () => {
    expect(maxIocSize('generic')).toBe(16383);
    expect(maxIocSize('powerpc')).toBe(8191);
    expect(() => ioc('powerpc', 'write', 1, 1, 8192)).toThrow(/does not fit the powerpc encoding/);
    expect(ioc('generic', 'write', 1, 1, 8192)).toBeGreaterThan(0);
    expect(() => ioc('generic', 'none', 1, 1, 8)).toThrow(/size 0/);
    expect(() => ioc('generic', 'read', 256, 1, 8)).toThrow(/not a byte/);
  });

  it('rejects direction bits that are not a direction (powerpc has 3 bits)', () => {
    expect(decodeIoc('powerpc', 0xe0000000 | 0x0008d700)).toBeUndefined();
  });

  it('picks the host family from process.arch', () => {
    expect(hostIocFamily('x64')).toBe('generic');
    expect(hostIocFamily('arm64')).toBe('generic');
    expect(hostIocFamily('ppc64')).toBe('powerpc');
    expect(hostIocFamily('mips64el')).toBe('powerpc');
  });
});
