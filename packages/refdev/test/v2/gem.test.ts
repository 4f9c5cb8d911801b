/** GEM objects on 2.0 nodes: create, info, mmap by fake offset, close; another file's handle or offset never reaches the memory. */
import { describe, expect, it } from 'vitest';
import { C } from '@openaccel/sys';
import { accelNodePath } from '@openaccel/refdev';
import { useRefdev } from '../raw-client.js';
import { RawClient2 } from './raw-client2.js';

const refdev = useRefdev();
const open = () => new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));

describe('GEM_CREATE, GEM_INFO, mmap, GEM_CLOSE', () => {
  it('creates zeroed memory the CPU maps at the object mmap offset; closing frees it', () => {
    const c = open();
    const free0 = c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 }).value.free as bigint;
    const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 65536n });
    expect(g.errno).toBe(0);
    expect(g.value.handle).not.toBe(0);
    expect(c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 }).value.free).toBe(free0 - 65536n);
    const info = c.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle });
    expect(info.value).toMatchObject({ memory_id: 0, size: 65536n });
    expect(info.value.mmap_offset % 4096n).toBe(0n);
    const m = c.mmap(info.value.mmap_offset, 65536);
    if (typeof m === 'string') throw new Error(m);
    const bytes = new Uint8Array(m.buffer);
    expect(bytes.every((b) => b === 0)).toBe(true);
    bytes[100] = 42;
    const again = c.mmap(info.value.mmap_offset, 4096);
    if (typeof again === 'string') throw new Error(again);
    expect(new Uint8Array(again.buffer)[100]).toBe(42); // one object, mapped twice
    again.close();
    m.close();
    expect(c.core('DRM_IOCTL_GEM_CLOSE', { handle: g.value.handle }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_GEM_CLOSE', { handle: g.value.handle }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle }).errno).toBe('ENOENT');
    expect(c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 }).value.free).toBe(free0);
    c.close();
  });

  it('GEM_CREATE errnos in order: ENOENT, EINVAL, ENOMEM; GEM_CLOSE ignores pad as drm_gem_close_ioctl does', () => {
    const c = open();
    expect(c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 7, size: 0n }).errno).toBe('ENOENT');
    expect(c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 0n }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4097n }).errno).toBe('EINVAL');
    expect(c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 1n << 40n }).errno).toBe('ENOMEM');
    const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n });
    expect(g.errno).toBe(0);
    expect(c.core('DRM_IOCTL_GEM_CLOSE', { handle: g.value.handle, pad: 1 }).errno).toBe(0);
    expect(c.core('DRM_IOCTL_GEM_CLOSE', { handle: g.value.handle }).errno).toBe('EINVAL');
    c.close();
  });

  it('mmap rules: wrong length, private, exec; an unknown offset is EINVAL', () => {
    const c = open();
    const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n });
    const off = c.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle }).value.mmap_offset as bigint;
    expect(c.mmap(off, 8192)).toBe('EINVAL');
    expect(c.mmap(off, 4096, C.PROT_READ, C.MAP_PRIVATE)).toBe('EINVAL');
    expect(c.mmap(off, 4096, C.PROT_READ | C.PROT_EXEC)).toBe('EPERM');
    expect(c.mmap(off + (1n << 40n), 4096)).toBe('EINVAL');
    c.close();
  });

  it("another file's handle is ENOENT and its offset EACCES: its memory is never reached", () => {
    const a = open();
    const b = open();
    const g = a.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n });
    const off = a.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle }).value.mmap_offset as bigint;
    expect(b.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle }).errno).toBe('ENOENT');
    expect(b.core('DRM_IOCTL_GEM_CLOSE', { handle: g.value.handle }).errno).toBe('EINVAL');
    expect(b.mmap(off, 4096)).toBe('EACCES');
    expect(a.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: g.value.handle }).errno).toBe(0);
    a.close();
    b.close();
  });
});
