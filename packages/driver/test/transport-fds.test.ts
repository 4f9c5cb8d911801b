// Which fds the socket transport passes and takes back, by the spec version of the request (1.0, 2.0
// driver-private, 2.0 DRM core), against a node that reports what it received.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFd, createEventfd, isOpenFd } from '@openaccel/sys';
import { drmCoreIoctl, uapi, uapi2 } from '@openaccel/uapi';
import { SocketTransport } from '../src/index.js';

describe('socket transport fds', () => {
  let dir: string;
  let node: ChildProcess;
  let t: SocketTransport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oa-fds-'));
    const path = join(dir, 'accel0');
    node = spawn(process.execPath, [join(import.meta.dirname, 'clients/fd-echo-node.mjs'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      node.stdout!.once('data', () => resolve());
      node.once('exit', (code) => reject(new Error(`fake node exited with ${code}`)));
    });
    t = new SocketTransport(path);
  });

  afterAll(() => {
    t?.close();
    node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sentFds = (arg: Uint8Array) => new DataView(arg.buffer, arg.byteOffset).getUint32(0, true);

  it('passes the eventfd of 1.0 SET_EVENTFD and of 2.0 SET_EVENTFD', () => {
    const efd = createEventfd();
    try {
      const v1 = uapi.ioctl('OA_IOCTL_SET_EVENTFD');
      const a1 = v1.encode({ queue_id: 1, eventfd: efd });
      expect(t.ioctl(v1.request(), a1)).toEqual({});
      expect(sentFds(a1)).toBe(1);
      const v2 = uapi2.ioctl('DRM_IOCTL_OA_SET_EVENTFD');
      const a2 = v2.encode({ queue_id: 1, eventfd: efd });
      expect(t.ioctl(v2.request(), a2)).toEqual({});
      expect(sentFds(a2)).toBe(1);
    } finally {
      closeFd(efd);
    }
  });

  it('passes the dma-buf of PRIME_FD_TO_HANDLE and the fd of SYNCOBJ_FD_TO_HANDLE (DRM core, fd in)', () => {
    const fd = createEventfd();
    try {
      for (const name of ['DRM_IOCTL_PRIME_FD_TO_HANDLE', 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE']) {
        const io = drmCoreIoctl(name);
        const arg = io.encode({ fd });
        expect(t.ioctl(io.request, arg)).toEqual({});
        expect(sentFds(arg), name).toBe(1);
      }
    } finally {
      closeFd(fd);
    }
  });

  it('takes back the fd of PRIME_HANDLE_TO_FD and SYNCOBJ_HANDLE_TO_FD into the fd field, sending none', () => {
    for (const name of ['DRM_IOCTL_PRIME_HANDLE_TO_FD', 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD']) {
      const io = drmCoreIoctl(name);
      // fd 0 in the field on the way in is not an fd to pass: the field is an output of this ioctl.
      const arg = io.encode({ handle: 1 });
      expect(t.ioctl(io.request, arg)).toEqual({});
      expect(sentFds(arg), name).toBe(0);
      const fd = Number(io.decode(arg).fd);
      expect(fd, name).toBeGreaterThan(2);
      expect(isOpenFd(fd)).toBe(true);
      expect(readlinkSync(`/proc/self/fd/${fd}`)).toContain('memfd:handed-back');
      closeFd(fd);
    }
  });

  it('closes an fd a reply carries for a request with no fd field to put it in', () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const io = uapi2.ioctl('DRM_IOCTL_OA_GET_INFO');
    const before = openFds();
    for (let i = 0; i < 20; i++) expect(t.ioctl(io.request(), io.encode({}))).toEqual({});
    expect(openFds()).toBe(before);
  });
});
