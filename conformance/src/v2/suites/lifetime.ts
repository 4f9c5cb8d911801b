/** A context and other processes (common.foreign_process, openaccel-sva after the binder exited), and what outlives a closed file (rule context.lifetime). */
import { openTransport, type Transport } from '@openaccel/driver';
import { C, closeFd } from '@openaccel/sys';
import { drmConstant, uapi2 } from '@openaccel/uapi';
import { expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../../model.js';
import { Client } from '../../reliability/clients.js';
import type { AccelEnv, Oa2Ioctl } from '../accel-env.js';
import { COMPLETION_DEADLINE_MS, createQueue } from '../accel-queue.js';
import { fdinfoOf } from '../fdinfo-file.js';
import { allocatable, syncobj } from './gem-sync.js';

type T = TestCase<AccelEnv>;

/** A node process takes seconds to start on a busy machine, more in an emulated guest: this bounds a hang only. */
const CLIENT_TEST_MS = 180000;

/** free_queues of GET_INFO, asked on a file of its own. */
export const freeQueues = (env: AccelEnv): number => (env.io(env.open(), 'DRM_IOCTL_OA_GET_INFO').out as { free_queues: number }).free_queues;

/** One driver ioctl made by a child process on the file `t` it inherits: its errno name, or 'success'. */
async function inChild(env: AccelEnv, t: Transport, name: Oa2Ioctl, fields: Record<string, unknown>): Promise<string> {
  const io = uapi2.ioctl(name);
  const c = env.track(new Client('foreign', [t.kind, io.request().toString(16), Buffer.from(io.encode(fields as never)).toString('hex')], { extraFd: t.fd }));
  const out = (await c.allLines()).join('\n').trim();
  await c.exited;
  return out;
}

export const lifetimeSuite: T[] = [
  {
    id: 'common.foreign_process',
    doc: 'a context bound by this process, used from another process that inherited the fd, is refused with EPERM; the binder still uses it',
    profiles: ['core'],
    timeoutMs: CLIENT_TEST_MS,
    async run(env) {
      const t = env.bound();
      expectEqual('CREATE_QUEUE from a process that inherited the bound fd', 'EPERM', await inChild(env, t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }));
      expectSuccess('CREATE_QUEUE by the binder', env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }).errno);
    },
  },
  {
    id: 'fdinfo.openaccel-sva',
    doc: 'openaccel-sva is 1 only while the process that bound the context with OA_BIND_SVA lives: a file bound by a child that exited reports 0',
    profiles: ['sva'],
    requires: { caps: ['sva'] },
    timeoutMs: CLIENT_TEST_MS,
    async run(env) {
      const t = env.open();
      expectEqual('BIND_CONTEXT with OA_BIND_SVA by a child process', 'success', await inChild(env, t, 'DRM_IOCTL_OA_BIND_CONTEXT', { flags: 1 }));
      // Polled: the device learns of the exit asynchronously.
      const sva = () => fdinfoOf(t).get('openaccel-sva');
      const end = performance.now() + COMPLETION_DEADLINE_MS;
      while (sva() !== '0' && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
      expectEqual('openaccel-sva of the file once its binder exited', '0', sva());
    },
  },
  {
    id: 'protocol.context.lifetime',
    doc: "closing a file destroys its queues and handles, while a dma-buf and a syncobj fd exported from it stay valid: another file imports both and sees the memory's bytes and the fence",
    profiles: ['core'],
    requires: { caps: ['dmabuf_export', 'dmabuf_import', 'syncobj'] },
    async run(env) {
      const before = freeQueues(env);
      const a = openTransport(env.device);
      let bufFd = -1;
      let syncFd = -1;
      try {
        expectSuccess('BIND_CONTEXT', env.io(a, 'DRM_IOCTL_OA_BIND_CONTEXT').errno);
        createQueue(env, a, { sq_entries: 2 });
        // Not tracked: the file is closed below, and its handles go with it (a later GEM_CLOSE would reach a stale fd).
        const m0 = allocatable(env, a);
        const created = env.io(a, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m0.id, size: BigInt(m0.align) });
        expectSuccess('GEM_CREATE', created.errno);
        const g = { handle: (created.out as { handle: number }).handle, size: m0.align };
        const off = (env.io(a, 'DRM_IOCTL_OA_GEM_INFO', { handle: g.handle }).out as { mmap_offset: bigint }).mmap_offset;
        if (off !== 0n) {
          const m = a.mmap(off, g.size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED);
          new Uint8Array(m.buffer)[3] = 0x33;
          m.close();
        }
        const p = env.core(a, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: g.handle, flags: drmConstant('DRM_CLOEXEC') | drmConstant('DRM_RDWR') });
        expectSuccess('PRIME_HANDLE_TO_FD', p.errno);
        bufFd = Number(p.out.fd);
        const s = env.core(a, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: syncobj(env, a, true) });
        expectSuccess('SYNCOBJ_HANDLE_TO_FD', s.errno);
        syncFd = Number(s.out.fd);
      } finally {
        a.close();
      }
      const fds = [bufFd, syncFd];
      env.track({ close: () => fds.forEach(closeFd) });
      // The queue goes back to the device; polled, since a driver may release it after close() returns.
      const end = performance.now() + COMPLETION_DEADLINE_MS;
      while (freeQueues(env) !== before && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
      expectEqual('free_queues after the file holding a queue closed', before, freeQueues(env));
      const b = env.bound();
      const imp = env.core(b, 'DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd: bufFd });
      expectSuccess('importing the dma-buf of a closed file', imp.errno);
      const info = env.io(b, 'DRM_IOCTL_OA_GEM_INFO', { handle: Number(imp.out.handle) }).out as { mmap_offset: bigint; size: bigint };
      if (info.mmap_offset !== 0n) {
        const m = env.track(b.mmap(info.mmap_offset, Number(info.size), C.PROT_READ, C.MAP_SHARED));
        expectEqual('a byte written before the exporter closed', 0x33, new Uint8Array(m.buffer)[3]);
      }
      const si = env.core(b, 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd: syncFd });
      expectSuccess('importing the syncobj fd of a closed file', si.errno);
      const w = env.core(b, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles: env.u32s([Number(si.out.handle)]), count_handles: 1 }).errno;
      if (w !== undefined) throw new ConformanceFailure('the signalled syncobj of a closed file does not wait as signalled', 'success', w);
    },
  },
];
