/** PRIME on 2.0 nodes: real dma-buf fds where refdev has them, the same object and handle for a re-import, errnos otherwise. */
import { describe, expect, it } from 'vitest';
import { C, closeFd, createEventfd, createMemfd, Mapping } from '@openaccel/sys';
import { encodeRequest, SocketNodeKind } from '@openaccel/uapi';
import { accelNodePath } from '@openaccel/refdev';
import { RawClient, useRefdev } from '../raw-client.js';
import { RawClient2 } from './raw-client2.js';
import { join } from 'node:path';

const refdev = useRefdev();
const open = (dev = 'accel0') => new RawClient2(accelNodePath(refdev().runtimeDir, dev));
const DRM_RDWR = 2;

describe('PRIME_HANDLE_TO_FD and PRIME_FD_TO_HANDLE', () => {
  it('exports a GEM object as a dma-buf another file imports: same memory, and a re-import gives the same handle', () => {
    const a = open();
    const b = open();
    const g = a.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 8192n }).value.handle as number;
    const e = a.core('DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: g, flags: DRM_RDWR });
    expect(e.errno).toBe(0);
    expect(e.fds).toHaveLength(1);
    const buf = Mapping.map(e.fds[0]!, 8192);
    new Uint8Array(buf.buffer)[5] = 7;
    const i1 = b.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]);
    const i2 = b.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]);
    expect(i1.errno).toBe(0);
    expect(i2.value.handle).toBe(i1.value.handle);
    // One object of the device: the importer sees its region and maps the same bytes.
    const info = b.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: i1.value.handle });
    expect(info.value).toMatchObject({ memory_id: 0, size: 8192n });
    const m = b.mmap(info.value.mmap_offset, 8192);
    if (typeof m === 'string') throw new Error(m);
    expect(new Uint8Array(m.buffer)[5]).toBe(7);
    // Importing back into the exporter gives its own handle.
    expect(a.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: e.fds[0]! }, [e.fds[0]!]).value.handle).toBe(g);
    m.close();
    buf.close();
    closeFd(e.fds[0]!);
    a.close();
    b.close();
  });

  it('imports a dma-buf of another refdev device and of the dma_heap as OA_MEMORY_ID_IMPORTED', () => {
    const a = open('accel1');
    const g = a.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 4096n }).value.handle as number;
    const fd = a.core('DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: g, flags: DRM_RDWR }).fds[0]!;
    const b = open('accel0');
    // accel1's object is another device's: imported, not shared as a GEM object.
    const i = b.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd }, [fd]);
    expect(i.errno).toBe(0);
    expect(b.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: i.value.handle }).value).toMatchObject({ memory_id: 0xffffffff, size: 4096n });
    closeFd(fd);
    const heap = new RawClient(join(refdev().runtimeDir, 'dev/dma_heap/system'));
    const arg = new Uint8Array(24);
    new DataView(arg.buffer).setBigUint64(0, 4096n, true);
    new DataView(arg.buffer).setUint32(12, C.O_CLOEXEC | 2, true);
    heap.socket.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request: 0xc0184800, arg }));
    const r = heap.socket.recv();
    if (typeof r === 'string' || r.length === 0) throw new Error('no heap reply');
    const h = b.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: r.fds[0]! }, [r.fds[0]!]);
    expect(h.errno).toBe(0);
    expect(b.ioctl('DRM_IOCTL_OA_GEM_INFO', { handle: h.value.handle }).value.memory_id).toBe(0xffffffff);
    closeFd(r.fds[0]!);
    heap.close();
    a.close();
    b.close();
  });

  it('an fd that is not a dma-buf is EINVAL; no fd is EBADF; an unknown handle ENOENT; unknown flags EINVAL', () => {
    const c = open();
    const memfd = createMemfd('not-a-dmabuf', 4096);
    expect(c.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: memfd }, [memfd]).errno).toBe('EINVAL');
    const efd = createEventfd(0, C.EFD_CLOEXEC);
    expect(c.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: efd }, [efd]).errno).toBe('EINVAL');
    expect(c.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: 5 }).errno).toBe('EBADF');
    expect(c.core('DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: 77, flags: DRM_RDWR }).errno).toBe('ENOENT');
    expect(c.core('DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: 77, flags: 4 }).errno).toBe('EINVAL');
    closeFd(memfd);
    closeFd(efd);
    c.close();
  });
});

