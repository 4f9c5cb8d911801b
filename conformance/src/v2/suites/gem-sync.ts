/** GEM objects, PRIME, syncobjs and fdinfo (rules memory.gem, sync.*, context.lifetime; GEM, PRIME and SYNCOBJ errno rules). */
import { readlinkSync } from 'node:fs';
import type { Transport } from '@openaccel/driver';
import { C, closeFd, pollFds } from '@openaccel/sys';
import { drmConstant } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, COMPLETION_DEADLINE_MS, monotonicDeadline } from '../accel-queue.js';
import { withFullFdTable } from '../../fd-table.js';
import { FdinfoFile } from '../fdinfo-file.js';
import { expectMmapErrnoOf } from './queue-ioctls.js';

type T = TestCase<AccelEnv>;

/** The first memory GEM_CREATE may allocate from, with its granule. */
export function allocatable(env: AccelEnv, t: Transport): { id: number; align: number } {
  for (let id = 0; id < env.info.numMemories; id++) {
    const r = env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: id });
    const align = (r.out as { alloc_align: number }).alloc_align;
    if (!r.errno && align > 0) return { id, align };
  }
  throw new SkipTest('a memory region with alloc_align > 0 (OA_CAP_DEVICE_MEMORY)');
}

export function gemCreate(env: AccelEnv, t: Transport, size?: number): { handle: number; size: number; memoryId: number } {
  const m = allocatable(env, t);
  const bytes = Math.max(1, Math.ceil((size ?? m.align) / m.align)) * m.align;
  const r = env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m.id, size: BigInt(bytes) });
  if (r.errno) throw new ConformanceFailure(`GEM_CREATE of ${bytes} bytes failed with ${r.errno}`, 'success', r.errno);
  const handle = (r.out as { handle: number }).handle;
  env.track({ close: () => env.core(t, 'DRM_IOCTL_GEM_CLOSE', { handle }) });
  return { handle, size: bytes, memoryId: m.id };
}

function gemInfo(env: AccelEnv, t: Transport, handle: number): { errno: string | undefined; size: bigint; mmapOffset: bigint; memoryId: number } {
  const r = env.io(t, 'DRM_IOCTL_OA_GEM_INFO', { handle });
  const o = r.out as { size: bigint; mmap_offset: bigint; memory_id: number };
  return { errno: r.errno, size: o.size, mmapOffset: o.mmap_offset, memoryId: o.memory_id };
}

function primeExport(env: AccelEnv, t: Transport, handle: number): number {
  return primeExportFd(env, t, { handle, flags: drmConstant('DRM_CLOEXEC') | drmConstant('DRM_RDWR') });
}

/** PRIME_HANDLE_TO_FD that must succeed; the fd is closed when the test ends. */
function primeExportFd(env: AccelEnv, t: Transport, fields: { handle: number; flags: number }): number {
  const r = env.core(t, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', fields);
  if (r.errno) throw new ConformanceFailure(`PRIME_HANDLE_TO_FD failed with ${r.errno}`, 'success', r.errno);
  const fd = Number(r.out.fd);
  env.track({ close: () => closeFd(fd) });
  return fd;
}

/** A syncobj of the file; signalled when asked (then it has a fence). */
export function syncobj(env: AccelEnv, t: Transport, signaled = false): number {
  const r = env.core(t, 'DRM_IOCTL_SYNCOBJ_CREATE', { flags: signaled ? drmConstant('DRM_SYNCOBJ_CREATE_SIGNALED') : 0 });
  if (r.errno) throw new ConformanceFailure(`SYNCOBJ_CREATE failed with ${r.errno}`, 'success', r.errno);
  return Number(r.out.handle);
}

/** SYNCOBJ_WAIT on one handle with a deadline `ms` from now (0: poll). */
function wait(env: AccelEnv, t: Transport, handle: number, ms: number, flags = 0): string | undefined {
  return env.core(t, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles: env.u32s([handle]), count_handles: 1, timeout_nsec: ms ? monotonicDeadline(ms) : 0n, flags }).errno;
}

function signal(env: AccelEnv, t: Transport, handle: number): string | undefined {
  return env.core(t, 'DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: env.u32s([handle]), count_handles: 1 }).errno;
}

const syncobjs = { caps: ['syncobj'] } as const;

export const gemSyncSuite: T[] = [
  {
    id: 'protocol.memory.gem',
    doc: 'GEM_CREATE gives a non-zero handle of zeroed memory; GEM_INFO tells size, region and a page-aligned mmap offset; the mapping reads zeros and keeps writes',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      const g = gemCreate(env, t);
      expectTrue('handle is not 0', g.handle !== 0, '0');
      const i = gemInfo(env, t, g.handle);
      expectSuccess('GEM_INFO', i.errno);
      expectEqual('size', BigInt(g.size), i.size);
      expectEqual('memory_id', g.memoryId, i.memoryId);
      if (i.mmapOffset === 0n) throw new SkipTest('a CPU-visible memory', 'the object is not CPU-mappable');
      expectEqual('mmap_offset % page_size', 0n, i.mmapOffset % BigInt(env.info.pageSize));
      const m = env.track(t.mmap(i.mmapOffset, g.size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED));
      const bytes = new Uint8Array(m.buffer);
      expectTrue('a new object reads zeros', bytes.every((b) => b === 0), 'non-zero bytes');
      bytes[0] = 0x5a;
      const again = env.track(t.mmap(i.mmapOffset, g.size, C.PROT_READ, C.MAP_SHARED));
      expectEqual('a second mapping sees the write', 0x5a, new Uint8Array(again.buffer)[0]);
    },
  },
  {
    id: 'ioctl.gem_create.memory_not_found',
    doc: 'GEM_CREATE from memory_id num_memories is ENOENT',
    profiles: ['core'],
    run(env) {
      expectErrno('GEM_CREATE memory num_memories', 'ENOENT', env.io(env.bound(), 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: env.info.numMemories, size: 4096n }).errno);
    },
  },
  {
    id: 'ioctl.gem_create.alloc_unsupported',
    doc: 'GEM_CREATE from a region with alloc_align 0 (or any region without OA_CAP_DEVICE_MEMORY) is EOPNOTSUPP',
    profiles: [],
    run(env) {
      const t = env.bound();
      for (let id = 0; id < env.info.numMemories; id++) {
        const align = (env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: id }).out as { alloc_align: number }).alloc_align;
        if (align === 0 || !env.has('device_memory')) return expectErrno(`GEM_CREATE from memory ${id} (alloc_align ${align})`, 'EOPNOTSUPP', env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: id, size: 4096n }).errno);
      }
      throw new SkipTest('a memory region that cannot be allocated from', 'every region can be allocated from');
    },
  },
  {
    id: 'ioctl.gem_create.size_invalid',
    doc: 'GEM_CREATE of size 0 or not a multiple of alloc_align is EINVAL',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      const m = allocatable(env, t);
      expectErrno('size 0', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m.id, size: 0n }).errno);
      expectErrno(`size ${m.align + 1}`, 'EINVAL', env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m.id, size: BigInt(m.align + 1) }).errno);
    },
  },
  {
    id: 'ioctl.gem_create.out_of_memory',
    doc: 'GEM_CREATE of more than the region has free is ENOMEM',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      const m = allocatable(env, t);
      const free = (env.io(t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: m.id }).out as { free: bigint }).free;
      const size = ((free / BigInt(m.align)) + 1n) * BigInt(m.align);
      expectErrno(`GEM_CREATE of ${size} bytes with ${free} free`, 'ENOMEM', env.io(t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m.id, size }).errno);
    },
  },
  {
    id: 'ioctl.gem_info.handle_not_found',
    doc: "GEM_INFO of a handle this file does not have (another file's, or closed) is ENOENT: handles are private to a file",
    profiles: ['core'],
    run(env) {
      const a = env.bound();
      const g = gemCreate(env, a);
      expectErrno("GEM_INFO of another file's handle", 'ENOENT', gemInfo(env, env.bound(), g.handle).errno);
      expectErrno('GEM_INFO of handle 0xfffff', 'ENOENT', gemInfo(env, a, 0xfffff).errno);
    },
  },
  {
    id: 'mmap.gem_offsets_per_file',
    doc: "a GEM object's mmap offset works only on its own file; another file mapping that offset gets EINVAL or EACCES (mmap.not_permitted)",
    profiles: ['core'],
    run(env) {
      const a = env.bound();
      const g = gemCreate(env, a);
      const off = gemInfo(env, a, g.handle).mmapOffset;
      if (off === 0n) throw new SkipTest('a CPU-visible memory');
      const other = env.bound();
      expectMmapErrnoOf("another file mapping this file's GEM offset", ['EINVAL', 'EACCES'], () => other.mmap(off, g.size, C.PROT_READ, C.MAP_SHARED));
    },
  },
  {
    id: 'core.gem_close.handle_not_found',
    doc: 'GEM_CLOSE of a handle that names nothing is EINVAL; a second close of a handle too',
    profiles: ['core'],
    run(env) {
      const t = env.bound();
      const g = gemCreate(env, t);
      expectSuccess('GEM_CLOSE', env.core(t, 'DRM_IOCTL_GEM_CLOSE', { handle: g.handle }).errno);
      expectErrno('GEM_CLOSE again', 'EINVAL', env.core(t, 'DRM_IOCTL_GEM_CLOSE', { handle: g.handle }).errno);
      expectErrno('GEM_INFO after close', 'ENOENT', gemInfo(env, t, g.handle).errno);
    },
  },

  {
    id: 'core.prime.round_trip',
    doc: 'a GEM object exported through PRIME and imported on another file (and another device) names the same memory; importing the same dma-buf twice gives the same handle',
    profiles: ['dmabuf'],
    requires: { caps: ['dmabuf_export', 'dmabuf_import'] },
    run(env) {
      const a = env.bound();
      const g = gemCreate(env, a);
      const off = gemInfo(env, a, g.handle).mmapOffset;
      const fd = primeExport(env, a, g.handle);
      const again = env.core(a, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', { handle: g.handle, flags: drmConstant('DRM_CLOEXEC') });
      expectSuccess('a second export', again.errno);
      env.track({ close: () => closeFd(Number(again.out.fd)) });
      expectEqual('the same object exports the same dma-buf', readlinkSync(`/proc/self/fd/${fd}`), readlinkSync(`/proc/self/fd/${Number(again.out.fd)}`));
      const peer = env.peers()[0];
      for (const [where, b] of [['another file', env.bound()], ...(peer ? [[peer.name, env.bound({ node: peer.node })] as const] : [])] as const) {
        const r1 = env.core(b, 'DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd });
        const r2 = env.core(b, 'DRM_IOCTL_PRIME_FD_TO_HANDLE', { fd });
        expectSuccess(`import on ${where}`, r1.errno);
        expectSuccess(`second import on ${where}`, r2.errno);
        expectEqual(`handles of two imports on ${where}`, r1.out.handle, r2.out.handle);
        const i = gemInfo(env, b, Number(r1.out.handle));
        expectEqual(`size of the import on ${where}`, BigInt(g.size), i.size);
        if (off !== 0n && i.mmapOffset !== 0n) {
          const src = env.track(a.mmap(off, g.size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED));
          const dst = env.track(b.mmap(i.mmapOffset, g.size, C.PROT_READ, C.MAP_SHARED));
          new Uint8Array(src.buffer)[7] = 0x77;
          expectEqual(`a byte written through the exporter, read on ${where}`, 0x77, new Uint8Array(dst.buffer)[7]);
        }
      }
    },
  },



  {
    id: 'core.syncobj.wait_signal',
    doc: 'a new syncobj has no fence (WAIT is EINVAL: no_fence); CREATE_SIGNALED and SYNCOBJ_SIGNAL make WAIT succeed; a pending WAIT_FOR_SUBMIT times out with ETIME',
    profiles: ['chain'],
    requires: syncobjs,
    run(env) {
      const t = env.bound();
      const s = syncobj(env, t);
      expectErrno('WAIT on a syncobj without a fence', 'EINVAL', wait(env, t, s, 0));
      expectErrno('WAIT_FOR_SUBMIT with a past deadline', 'ETIME', wait(env, t, s, 0, drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT')));
      expectSuccess('SYNCOBJ_SIGNAL', signal(env, t, s));
      expectSuccess('WAIT after SIGNAL', wait(env, t, s, 0));
      expectSuccess('WAIT on a syncobj created signalled', wait(env, t, syncobj(env, t, true), 0));
    },
  },
  {
    id: 'core.syncobj_wait.first_signaled',
    doc: 'SYNCOBJ_WAIT (WAIT_FOR_SUBMIT) on [a syncobj with no fence, a signalled one] returns first_signaled 1 at once; with WAIT_ALL it times out (ETIME)',
    profiles: ['chain'],
    requires: syncobjs,
    run(env) {
      const t = env.bound();
      const handles = env.u32s([syncobj(env, t), syncobj(env, t, true)]);
      const any = env.core(t, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles, count_handles: 2, flags: drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT') });
      expectSuccess('WAIT for any of the two', any.errno);
      expectEqual('first_signaled', 1, Number(any.out.first_signaled));
      const all = env.core(t, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles, count_handles: 2, flags: drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT') | drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL') });
      expectErrno('WAIT_ALL of the two with a past deadline', 'ETIME', all.errno);
    },
  },
  {
    id: 'core.syncobj_query.points',
    doc: 'TIMELINE_SIGNAL of point 3 makes SYNCOBJ_QUERY report 3 and TIMELINE_WAIT of point 3 succeed; point 5, never submitted, is EINVAL without WAIT_FOR_SUBMIT',
    profiles: ['chain'],
    requires: { caps: ['syncobj_timeline'] },
    run(env) {
      const t = env.bound();
      const s = syncobj(env, t);
      const handles = env.u32s([s]);
      expectSuccess('TIMELINE_SIGNAL point 3', env.core(t, 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles, points: env.u64s([3n]).address, count_handles: 1 }).errno);
      const out = env.u64s([0n]);
      expectSuccess('SYNCOBJ_QUERY', env.core(t, 'DRM_IOCTL_SYNCOBJ_QUERY', { handles, points: out.address, count_handles: 1 }).errno);
      expectEqual('the last signalled point', 3n, out.read(0));
      const wait = (point: bigint) => env.core(t, 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles, points: env.u64s([point]).address, count_handles: 1 }).errno;
      expectSuccess('TIMELINE_WAIT point 3', wait(3n));
      expectErrno('TIMELINE_WAIT point 5, never submitted', 'EINVAL', wait(5n));
    },
  },
  {
    id: 'core.syncobj.handles_private',
    doc: "syncobj handles are private to a file: another file's WAIT and DESTROY of the handle fail (ENOENT, EINVAL)",
    profiles: ['chain'],
    requires: syncobjs,
    run(env) {
      const a = env.bound();
      const s = syncobj(env, a, true);
      const b = env.bound();
      const other = syncobj(env, b);
      if (other === s) signal(env, b, other); // same number by chance: the test below needs a handle b lacks
      const free = Math.max(s, other) + 1000;
      expectErrno('WAIT on a handle this file lacks', 'ENOENT', wait(env, b, free, 0));
      expectErrno('DESTROY of a handle this file lacks', 'EINVAL', env.core(b, 'DRM_IOCTL_SYNCOBJ_DESTROY', { handle: free }).errno);
    },
  },



  {
    id: 'fdinfo.engine',
    doc: 'after commands of a function ran on a file, its fdinfo has drm-engine-<function> in ns, and the value never goes down',
    profiles: ['queue'],
    async run(env) {
      const f = env.track(new FdinfoFile(env.device));
      expectSuccess('BIND_CONTEXT', env.io(f, 'DRM_IOCTL_OA_BIND_CONTEXT').errno);
      const q = new AccelQueue(env, f, { sqEntries: 4 });
      const engine = () => {
        const v = f.fdinfo().get('drm-engine-nop');
        expectTrue(`drm-engine-nop "${v}" is "<uint> ns"`, v !== undefined && /^\d+ ns$/.test(v), String(v));
        return BigInt(/^\d+/.exec(v!)![0]);
      };
      expectEqual('NOP status', 0, (await q.run({})).status);
      const first = engine();
      for (let i = 0; i < 3; i++) await q.run({});
      const later = engine();
      expectTrue(`drm-engine-nop went from ${first} to ${later} ns: never down`, later >= first, String(later));
    },
  },
  {
    id: 'core.prime_handle_to_fd.too_many_fds',
    doc: 'PRIME_HANDLE_TO_FD while the caller has no free fd is EMFILE; with a free fd the same handle exports',
    profiles: ['dmabuf'],
    requires: { caps: ['dmabuf_export'] },
    timeoutMs: 30000,
    run(env) {
      const t = env.bound();
      const g = gemCreate(env, t);
      const fields = { handle: g.handle, flags: drmConstant('DRM_CLOEXEC') };
      expectErrno('PRIME_HANDLE_TO_FD with no free fd', 'EMFILE', withFullFdTable(() => env.core(t, 'DRM_IOCTL_PRIME_HANDLE_TO_FD', fields).errno));
      primeExportFd(env, t, fields);
    },
  },
  {
    id: 'core.syncobj_handle_to_fd.too_many_fds',
    doc: 'SYNCOBJ_HANDLE_TO_FD (a syncobj fd, and a sync_file) while the caller has no free fd is EMFILE',
    profiles: ['chain'],
    requires: syncobjs,
    timeoutMs: 30000,
    run(env) {
      const t = env.bound();
      const s = syncobj(env, t, true);
      for (const flags of [0, drmConstant('DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE')]) {
        expectErrno(`SYNCOBJ_HANDLE_TO_FD flags ${flags} with no free fd`, 'EMFILE', withFullFdTable(() => env.core(t, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags }).errno));
      }
    },
  },
  {
    id: 'protocol.sync.export',
    doc: 'a signalled point exports as a sync_file (EXPORT_SYNC_FILE) that polls readable; before any fence the export is EINVAL (sync_file_no_fence)',
    profiles: ['chain'],
    requires: syncobjs,
    async run(env) {
      const t = env.bound();
      const s = syncobj(env, t);
      const flag = drmConstant('DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE');
      expectErrno('EXPORT_SYNC_FILE before a fence', 'EINVAL', env.core(t, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: flag }).errno);
      expectSuccess('SYNCOBJ_SIGNAL', signal(env, t, s));
      const r = env.core(t, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s, flags: flag });
      expectSuccess('EXPORT_SYNC_FILE after the signal', r.errno);
      const fd = Number(r.out.fd);
      env.track({ close: () => closeFd(fd) });
      const end = performance.now() + COMPLETION_DEADLINE_MS;
      while (!(pollFds([fd], C.POLLIN, 0)[0]! & C.POLLIN)) {
        if (performance.now() > end) throw new ConformanceFailure(`the sync_file of a signalled point (${env.info.driver} on ${readlinkSync(`/proc/self/fd/${fd}`)}) never polled readable`, 'POLLIN', 'not readable');
        await new Promise((res) => setTimeout(res, 2));
      }
    },
  },
  {
    id: 'protocol.sync.fd_round_trip',
    doc: 'a syncobj exported as an fd and imported on another file (and another device) is the same syncobj: a signal on one is seen by a wait on the other',
    profiles: ['chain'],
    requires: syncobjs,
    run(env) {
      const a = env.bound();
      const s = syncobj(env, a);
      const r = env.core(a, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: s });
      expectSuccess('SYNCOBJ_HANDLE_TO_FD', r.errno);
      const fd = Number(r.out.fd);
      env.track({ close: () => closeFd(fd) });
      const peer = env.peers()[0];
      const b = peer ? env.bound({ node: peer.node }) : env.bound();
      const imp = env.core(b, 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd });
      expectSuccess(`SYNCOBJ_FD_TO_HANDLE on ${peer?.name ?? 'another file'}`, imp.errno);
      const h = Number(imp.out.handle);
      expectErrno('WAIT on the import before the signal', 'EINVAL', wait(env, b, h, 0));
      expectSuccess('SIGNAL on the exporter', signal(env, a, s));
      expectSuccess(`WAIT on ${peer?.name ?? 'the importer'} after the exporter signalled`, wait(env, b, h, 0));
    },
  },

  {
    id: 'fdinfo.keys',
    doc: 'fdinfo of an OpenAccel file: drm-driver openaccel, drm-client-id equal to context_id, openaccel-queues counting live queues, openaccel-sva, drm-total-<memory> once it holds GEM memory, and never a PASID',
    profiles: ['core'],
    run(env): { warn: string } | undefined {
      const f = env.track(new FdinfoFile(env.device));
      const b = env.io(f, 'DRM_IOCTL_OA_BIND_CONTEXT');
      expectSuccess('BIND_CONTEXT', b.errno);
      let keys = f.fdinfo();
      expectEqual('drm-driver', 'openaccel', keys.get('drm-driver'));
      expectEqual('drm-client-id', String((b.out as { context_id: number }).context_id), keys.get('drm-client-id'));
      expectEqual('openaccel-queues', '0', keys.get('openaccel-queues'));
      expectEqual('openaccel-sva', '0', keys.get('openaccel-sva'));
      expectTrue('no PASID in fdinfo', ![...keys.keys()].some((k) => /pasid/i.test(k)), [...keys.keys()].join(','));
      expectSuccess('CREATE_QUEUE', env.io(f, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 }).errno);
      keys = f.fdinfo();
      expectEqual('openaccel-queues with one queue', '1', keys.get('openaccel-queues'));
      if (!env.has('device_memory')) return { warn: 'no OA_CAP_DEVICE_MEMORY: drm-total-<memory> of GEM memory not checked' };
      const m = allocatable(env, env.open());
      expectSuccess('GEM_CREATE', env.io(f, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: m.id, size: BigInt(m.align) }).errno);
      const total = [...f.fdinfo().entries()].filter(([k]) => k.startsWith('drm-total-'));
      expectTrue('a drm-total-<memory> key once the file holds GEM memory', total.length > 0, [...keys.keys()].join(','));
      const now = f.fdinfo();
      const sizes = [...now.entries()].filter(([k]) => /^drm-(total|resident|shared)-/.test(k));
      expectTrue(`drm-total, -resident and -shared values are sizes (${sizes.map(([k, v]) => `${k}: ${v}`).join(', ')})`, sizes.every(([, v]) => /^\d+( [KM]iB)?$/.test(v)));
      // Optional keys are checked when present: a PCI address, and no resident or shared part above the total.
      const pdev = now.get('drm-pdev');
      expectTrue(`drm-pdev ${pdev} is a PCI address`, pdev === undefined || /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(pdev), pdev);
      const bytes = (v: string) => Number(/^\d+/.exec(v)![0]) * (v.endsWith('MiB') ? 1 << 20 : v.endsWith('KiB') ? 1024 : 1);
      for (const [k, v] of sizes.filter(([key]) => !key.startsWith('drm-total-'))) {
        const t = now.get(k.replace(/^drm-(resident|shared)-/, 'drm-total-'));
        expectTrue(`${k} (${v}) within its drm-total (${t})`, t !== undefined && bytes(v) <= bytes(t), t);
      }
      return undefined;
    },
  },

];

