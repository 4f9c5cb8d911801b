/**
 * A 2.0 file dies with everything it holds (context.lifetime): a killed client leaves no GEM object, syncobj,
 * queue or fd in refdev; fdinfo reports the file's usage honestly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { C, closeFd, createEventfd } from '@openaccel/sys';
import { accelNodePath, accelSysfsDir } from '@openaccel/refdev';
import { openFds, until, useRefdev } from '../raw-client.js';
import { RawClient2 } from './raw-client2.js';
import { Ring2 } from './ring2.js';

const refdev = useRefdev();
/** Whether refdev has no fd now that it did not have in `before` (fds closing meanwhile do not matter). */
const noNewFds = (before: Set<number>) => [...openFds(refdev().pid)].every((fd) => before.has(fd));
const freeQueues = () => Number(readFileSync(join(accelSysfsDir(refdev().runtimeDir, 'accel0'), 'openaccel/free_queues'), 'utf8'));

/** Opens the node, binds, makes a GEM object, a queue, a syncobj with an fd and a pending signal point, then waits to be killed. */
const HOLDER = `
import { UnixSocket } from '@openaccel/sys';
import { uapi2, drmCoreIoctl, encodeRequest, decodeReply, SocketNodeKind } from '@openaccel/uapi';
const s = UnixSocket.connect(process.argv[1]);
const send = (request, arg) => {
  s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request, arg }));
  const r = s.recv();
  const rep = decodeReply(r.payload);
  if (rep.errno) throw new Error('errno ' + rep.errno);
  return rep.data;
};
const oa = (name, f) => uapi2.ioctl(name).decode(send(uapi2.ioctl(name).request(), uapi2.ioctl(name).encode(f)));
const core = (name, f) => { const io = drmCoreIoctl(name); return io.decode(send(io.request, io.encode(f))); };
oa('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 0 });
oa('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 1048576n });
oa('DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 8 });
const { handle } = core('DRM_IOCTL_SYNCOBJ_CREATE', { flags: 0 });
core('DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle });
process.stdout.write('holding\\n');
setInterval(() => {}, 1000);
`;

it('a killed client leaves no GEM object, syncobj, queue or fd behind', async () => {
  const c = new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));
  const free = () => c.ioctl('DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: 0 }).value.free as bigint;
  const bytes0 = free();
  const queues0 = freeQueues();
  const before = openFds(refdev().pid);
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, accelNodePath(refdev().runtimeDir, 'accel0')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(() => out.includes('holding'), 'the child holds its objects');
    expect(free()).toBe(bytes0 - 1048576n);
    expect(freeQueues()).toBe(queues0 - 1);
    expect(noNewFds(before)).toBe(false);
  } finally {
    child.kill('SIGKILL');
  }
  await until(() => free() === bytes0 && freeQueues() === queues0, "the dead client's memory and queue are freed");
  await until(() => noNewFds(before), "refdev keeps no fd of the dead client's objects");
  c.close();
});

it('fdinfo gives the drm-usage-stats keys: driver, client id, engine time, memory, queues, sva', async () => {
  const c = new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));
  const bind = c.ioctl('DRM_IOCTL_OA_BIND_CONTEXT', { flags: 1 });
  expect(bind.errno).toBe(0);
  const g = c.ioctl('DRM_IOCTL_OA_GEM_CREATE', { memory_id: 0, size: 2097152n }).value.handle as number;
  const r = new Ring2(c, 4);
  r.write({ opcode: 2, tag: 1, dstHandle: g, dstLength: 2097152, arg: 1n }); // FILL takes engine time
  r.ring();
  await until(() => r.cqTail === 1, 'the FILL completes');
  const info = Object.fromEntries(c.fdinfo().trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
  expect(info['drm-driver']).toBe('openaccel');
  expect(Number(info['drm-client-id'])).toBe(bind.value.context_id);
  expect(info['drm-total-hbm0']).toBe('2048 KiB');
  expect(info['openaccel-queues']).toBe('1');
  expect(info['openaccel-sva']).toBe('1');
  expect(info['drm-engine-fill']).toMatch(/^[1-9][0-9]* ns$/);
  expect(info['drm-engine-deflate']).toBe('0 ns');
  r.unmap();
  c.close();
});

it('fds sent with any ioctl are closed unless the ioctl keeps them', async () => {
  const c = new RawClient2(accelNodePath(refdev().runtimeDir, 'accel0'));
  expect(c.ioctl('DRM_IOCTL_OA_GET_INFO').errno).toBe(0);
  const before = openFds(refdev().pid);
  const efds = Array.from({ length: 8 }, () => createEventfd(0, C.EFD_CLOEXEC));
  for (let i = 0; i < 20; i++) {
    expect(c.ioctl('DRM_IOCTL_OA_GET_INFO', {}, efds).errno).toBe(0);
    // One fd field, eight fds: the fds do not match the argument (fd_bad).
    expect(c.core('DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: efds[0]! }, efds).errno).toBe('EBADF');
    expect(c.core('DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: efds[0]! }, efds).errno).toBe('EINVAL');
  }
  await until(() => noNewFds(before), 'refdev holds none of the fds it was sent');
  for (const fd of efds) closeFd(fd);
  c.close();
});
