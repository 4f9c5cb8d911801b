// PRIME and syncobjs through the 2.0 client, on refdev's 2.0 nodes: real dma-buf fds (refdev's are
// memfds), binary and timeline syncobjs, syncobj queues ordered by points, and the sleeping path.
import { describe, expect, it } from 'vitest';
import { closeFd, fcntl, C, isOpenFd, pollFds } from '@openaccel/sys';

const FD_CLOEXEC = 1; // <fcntl.h>: the only fd flag
const cloexecOf = (fd: number) => fcntl(fd, C.F_GETFD) & FD_CLOEXEC;
import { UapiError } from '@openaccel/uapi';
import { twoDevices } from './support/two-devices.js';

const env = twoDevices();

describe('PRIME', () => {
  it('exports a GEM object as a dma-buf fd another device imports; the same dma-buf imports to the same handle', async () => {
    const g = env.dev.gemCreate({ memoryId: 0, size: env.dev.queryMemory(0).allocAlign });
    const fd = g.export();
    expect(isOpenFd(fd)).toBe(true);
    expect(cloexecOf(fd)).toBe(FD_CLOEXEC);
    const a = env.other.primeImport(fd);
    const b = env.other.primeImport(fd);
    expect(b.handle).toBe(a.handle); // one handle per object and file; each GemObject is one reference
    expect(a.size).toBe(g.size);
    expect(env.other.gemInfo(a.handle).memoryId).toBe(0xffffffff);
    const m = g.map();
    m.bytes().set([9, 8, 7]);
    const q = env.other.createQueue({ sqEntries: 4 });
    const back = env.other.gemCreate({ memoryId: 0, size: g.size });
    expect((await q.wait(q.submit({ op: 'copy', src: { handle: a.handle }, srcLength: 3, dst: { handle: back.handle }, dstLength: 3 }))).ok).toBe(true);
    const mb = back.map();
    expect([...mb.bytes(0, 3)]).toEqual([9, 8, 7]);
    mb.close();
    m.close();
    a.close();
    a.close(); // a second close of one reference is nothing
    expect(env.other.gemInfo(a.handle).size).toBe(BigInt(g.size)); // one reference left
    b.close();
    expect(() => env.other.gemInfo(a.handle)).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    closeFd(fd);
    q.destroy();
    back.close();
    g.close();
  });

  it('an export without cloexec keeps the fd across exec', () => {
    const g = env.dev.gemCreate({ memoryId: 0, size: env.dev.queryMemory(0).allocAlign });
    const fd = env.dev.primeExport(g.handle, { cloexec: false });
    expect(cloexecOf(fd)).toBe(0);
    closeFd(fd);
    g.close();
  });

  it('importing an fd that is not a dma-buf is EINVAL naming the fd (rule fd_not_dmabuf)', () => {
    const efd = env.dev.syncobjCreate().exportFd(); // a syncobj fd is not a dma-buf
    try {
      env.dev.primeImport(efd);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UapiError);
      expect(e).toMatchObject({ errno: 'EINVAL', ioctl: 'DRM_IOCTL_PRIME_FD_TO_HANDLE', field: 'fd' });
    } finally {
      closeFd(efd);
    }
  });
});

describe('syncobjs', () => {
  it('binary: created unsignalled, a poll times out, a CPU signal makes the wait succeed', () => {
    const s = env.dev.syncobjCreate({ signaled: false });
    s.signal();
    expect(s.wait(0, 1_000_000_000n)).toBe(true);
    const t = env.dev.syncobjCreate({ signaled: true });
    expect(t.wait(0, 0)).toBe(true);
    s.destroy();
    t.destroy();
    expect(() => s.signal()).toThrow(/destroyed/);
  });

  it('timeline: points signal in order, query reports the last, an unsignalled point times out', () => {
    const s = env.dev.syncobjCreate();
    s.signal(1);
    s.signal(3);
    expect(s.query()).toBe(3n);
    expect(s.wait(3, 1_000_000_000n)).toBe(true);
    expect(s.wait(5, 1_000_000)).toBe(false); // 1 ms: point 5 never comes
    s.destroy();
  });

  it('exportFd moves a syncobj to another device file; a signal there is seen here', () => {
    const s = env.dev.syncobjCreate();
    const fd = s.exportFd();
    const there = env.other.syncobjImport(fd);
    closeFd(fd);
    there.signal(7);
    expect(s.query()).toBe(7n);
    there.destroy();
    s.destroy();
  });

  it('exportSyncFile: a signalled point is readable at once; a point a queue signals becomes readable; no fence is EINVAL', () => {
    const s = env.dev.syncobjCreate();
    s.signal(1);
    const early = s.exportSyncFile(1);
    expect(pollFds([early], C.POLLIN, 0)[0]! & C.POLLIN).toBe(C.POLLIN);
    closeFd(early);
    expect(() => s.exportSyncFile(5)).toThrow(expect.objectContaining({ errno: 'EINVAL', ioctl: 'DRM_IOCTL_SYNCOBJ_TRANSFER', field: 'src_point' }));
    const q = env.dev.createQueue({ sqEntries: 4, syncobj: true });
    const tag = q.submitWith({ op: 'nop' }, { waits: [{ syncobj: s, point: 1 }], signals: [{ syncobj: s, point: 2 }] });
    const file = s.exportSyncFile(2);
    // Readable once the command completed: poll with a generous deadline (the machine may be busy).
    const deadline = Date.now() + 60_000;
    while (!(pollFds([file], C.POLLIN, 100)[0]! & C.POLLIN) && Date.now() < deadline);
    expect(pollFds([file], C.POLLIN, 0)[0]! & C.POLLIN).toBe(C.POLLIN);
    expect(q.waitSpin(tag, { timeoutMs: 60_000 }).ok).toBe(true);
    expect(s.query()).toBe(2n);
    closeFd(file);
    s.destroy();
    q.destroy();
  });
});
