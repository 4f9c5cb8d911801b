/** The errno rules of CREATE_QUEUE, DESTROY_QUEUE, SET_EVENTFD and SUBMIT, and the mmap rules of a queue. */
import { C, closeFd, createEventfd, createMemfd, SyscallError } from '@openaccel/sys';
import { openaccelV2 } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import { ConformanceFailure, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, createQueue, QUEUE_SYNCOBJ, SUBMIT_WAIT, monotonicDeadline } from '../accel-queue.js';

type T = TestCase<AccelEnv>;

const eventfd = (env: AccelEnv): number => {
  const fd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
  env.track({ close: () => closeFd(fd) });
  return fd;
};

/** mmap of a region that must fail with one of `errnos`. */
export function expectMmapErrnoOf(what: string, errnos: readonly string[], map: () => { close(): void }): void {
  let seen: string | undefined;
  try {
    map().close();
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    seen = e.errno;
  }
  if (seen === undefined || !errnos.includes(seen)) throw new ConformanceFailure(`${what}: expected ${errnos.join(' or ')}, seen ${seen ?? 'success'}`, errnos.join(' or '), seen ?? 'success');
}

const expectMmapErrno = (what: string, errno: string, map: () => { close(): void }) => expectMmapErrnoOf(what, [errno], map);

/** mmap rules one wrong mapping of a fresh queue's regions shows: rule, what is wrong, region, length past it, prot, flags. */
const MMAP_CASES = [
  ['wrong_length', 'mmap longer than the region', 'sq', 1, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED],
  ['private', 'mmap without MAP_SHARED', 'sq', 0, C.PROT_READ | C.PROT_WRITE, C.MAP_PRIVATE],
  ['exec', 'mmap with PROT_EXEC', 'sq', 0, C.PROT_READ | C.PROT_EXEC, C.MAP_SHARED],
  ['read_only', 'a writable mmap of the status region', 'status', 0, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED],
  ['read_only', 'a writable mmap of the CQ', 'cq', 0, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED],
] as const;

const mmapRule = (id: string) => openaccelV2.regions[0].errors.find((e) => e.id === `mmap_${id}`)!;

const mmapSuite: T[] = [...new Set(MMAP_CASES.map((c) => c[0]))].map((rule) => ({
  id: `mmap.${rule}`,
  doc: `mmap is ${mmapRule(rule).errno} when ${mmapRule(rule).when}`,
  profiles: ['queue'],
  run(env: AccelEnv) {
    const t = env.bound();
    const q = createQueue(env, t, { sq_entries: 2 });
    for (const [, what, region, pagesPast, prot, flags] of MMAP_CASES.filter((c) => c[0] === rule)) {
      const size = q[`${region}_size`] + pagesPast * env.info.pageSize;
      expectMmapErrno(what, mmapRule(rule).errno, () => t.mmap(q[`${region}_offset`], size, prot, flags));
    }
  },
}));

export const queueIoctlSuite: T[] = [
  {
    id: 'ioctl.create_queue.sq_entries_invalid',
    doc: 'sq_entries not a power of two, below OA_MIN_QUEUE_ENTRIES or above max_sq_entries is EINVAL',
    profiles: ['queue'],
    run(env) {
      const t = env.bound();
      for (const n of [0, 1, 3, 6, env.info.maxSqEntries * 2]) expectErrno(`sq_entries ${n}`, 'EINVAL', env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: n }).errno);
    },
  },
  {
    id: 'ioctl.create_queue.cq_entries_invalid',
    doc: 'cq_entries not 0 and not a power of two in [sq_entries, max_cq_entries] is EINVAL',
    profiles: ['queue'],
    run(env) {
      const t = env.bound();
      for (const n of [2, 12, env.info.maxCqEntries * 2]) expectErrno(`sq_entries 4, cq_entries ${n}`, 'EINVAL', env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 4, cq_entries: n }).errno);
    },
  },
  {
    id: 'ioctl.create_queue.syncobj_unsupported',
    doc: 'OA_QUEUE_SYNCOBJ on a device without OA_CAP_SYNCOBJ is EOPNOTSUPP',
    profiles: [],
    run(env) {
      if (env.has('syncobj')) throw new SkipTest('a device without OA_CAP_SYNCOBJ', 'the device has OA_CAP_SYNCOBJ');
      expectErrno('CREATE_QUEUE OA_QUEUE_SYNCOBJ', 'EOPNOTSUPP', env.io(env.bound(), 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2, flags: QUEUE_SYNCOBJ }).errno);
    },
  },
  {
    id: 'ioctl.create_queue.no_free_queue',
    doc: 'creating queues until none is free ends in ENOSPC, after at most max_queues; destroying one frees it',
    profiles: ['queue'],
    run(env) {
      const t = env.bound();
      const ids: number[] = [];
      let errno: string | undefined;
      for (let i = 0; i <= env.info.maxQueues; i++) {
        const r = env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 });
        if (r.errno) {
          errno = r.errno;
          break;
        }
        ids.push((r.out as { queue_id: number }).queue_id);
        env.track({ close: () => env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: ids[i]! }) });
      }
      expectErrno(`queue ${ids.length + 1} of max_queues ${env.info.maxQueues}`, 'ENOSPC', errno);
      if (ids.length === 0) throw new ConformanceFailure('no queue could be created', 'at least one queue', '0');
      expectSuccess('DESTROY_QUEUE', env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: ids.pop()! }).errno);
      const again = env.io(t, 'DRM_IOCTL_OA_CREATE_QUEUE', { sq_entries: 2 });
      expectSuccess('CREATE_QUEUE after a DESTROY freed one', again.errno);
      env.track({ close: () => env.io(t, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: (again.out as { queue_id: number }).queue_id }) });
    },
  },
  {
    id: 'ioctl.destroy_queue.queue_not_found',
    doc: 'DESTROY_QUEUE of an id no live queue of this file has (never created, already destroyed, or another file\'s) is ENOENT',
    profiles: ['queue'],
    run(env) {
      const a = env.bound();
      const b = env.bound();
      const q = createQueue(env, a, { sq_entries: 2 });
      expectErrno("another file's queue id", 'ENOENT', env.io(b, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: q.queue_id }).errno);
      expectSuccess('DESTROY_QUEUE', env.io(a, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: q.queue_id }).errno);
      expectErrno('DESTROY_QUEUE again', 'ENOENT', env.io(a, 'DRM_IOCTL_OA_DESTROY_QUEUE', { queue_id: q.queue_id }).errno);
    },
  },
  {
    id: 'ioctl.set_eventfd.eventfd_unsupported',
    doc: 'SET_EVENTFD on a device without OA_CAP_EVENTFD is EOPNOTSUPP',
    profiles: [],
    run(env) {
      if (env.has('eventfd')) throw new SkipTest('a device without OA_CAP_EVENTFD', 'the device has OA_CAP_EVENTFD');
      const t = env.bound();
      const q = createQueue(env, t, { sq_entries: 2 });
      expectErrno('SET_EVENTFD', 'EOPNOTSUPP', env.io(t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: q.queue_id, eventfd: eventfd(env) }).errno);
    },
  },
  {
    id: 'ioctl.set_eventfd.queue_not_found',
    doc: 'SET_EVENTFD of an unknown queue id is ENOENT',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    run(env) {
      expectErrno('SET_EVENTFD queue 0xffff', 'ENOENT', env.io(env.bound(), 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: 0xffff, eventfd: eventfd(env) }).errno);
    },
  },
  {
    id: 'ioctl.set_eventfd.eventfd_bad_fd',
    doc: 'an eventfd field that is not -1 and not an open fd is EBADF',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    run(env) {
      const t = env.bound();
      const q = new AccelQueue(env, t, { sqEntries: 2 });
      // A closed fd number: the socket transport sends no fd for it, the kernel finds none.
      const fd = createEventfd(0, C.EFD_CLOEXEC);
      closeFd(fd);
      expectErrno(`SET_EVENTFD of closed fd ${fd}`, 'EBADF', env.io(t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: q.id, eventfd: fd }).errno);
      expectSuccess('SET_EVENTFD -1 detaches', env.io(t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: q.id, eventfd: -1 }).errno);
    },
  },
  {
    id: 'ioctl.set_eventfd.eventfd_not_eventfd',
    doc: 'an open fd that is not an eventfd (a memfd) is EINVAL',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    run(env) {
      const t = env.bound();
      const q = new AccelQueue(env, t, { sqEntries: 2 });
      const fd = createMemfd('oa-conformance', 4096);
      env.track({ close: () => closeFd(fd) });
      expectErrno('SET_EVENTFD of a memfd', 'EINVAL', env.io(t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: q.id, eventfd: fd }).errno);
    },
  },
  {
    id: 'ioctl.submit.queue_not_found',
    doc: 'SUBMIT on an id no live queue of this file has is ENOENT',
    profiles: ['queue'],
    run(env) {
      expectErrno('SUBMIT queue 0xffff', 'ENOENT', env.io(env.bound(), 'DRM_IOCTL_OA_SUBMIT', { queue_id: 0xffff }).errno);
    },
  },
  {
    id: 'ioctl.submit.sq_overrun',
    doc: 'SUBMIT of a tail more than sq_entries past sq_head (mod 2^32: one behind the head, or 2^31 ahead, too) is EINVAL, and the queue stops: the next SUBMIT is EIO (rule ring.overrun)',
    profiles: ['queue'],
    async run(env) {
      const t = env.bound();
      // The distance is unsigned: a tail behind the head is 2^32 - 1 ahead, and 2^31 is no negative step.
      for (const [what, tail] of [['5 on a 4-entry queue', 5], ['0xffffffff (one behind sq_head 0)', 0xffffffff], ['2^31', 2 ** 31]] as const) {
        const q = new AccelQueue(env, t, { sqEntries: 4 });
        expectErrno(`SUBMIT with sq_tail ${what}`, 'EINVAL', q.submit({ sq_tail: tail }).errno);
        expectErrno(`SUBMIT after the overrun by sq_tail ${what}`, 'EIO', q.submit({ sq_tail: 0 }).errno);
        q.close();
      }
    },
  },
  {
    id: 'ioctl.submit.queue_error',
    doc: 'on a stopped queue (OA_QUEUE_ERROR) SUBMIT is EIO and commands are not run; DESTROY still works',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      q.submit({ sq_tail: 9 });
      await q.until('OA_QUEUE_ERROR in status.flags', (s) => (s.flags & 2) !== 0);
      q.tail = 0;
      q.write({});
      expectErrno('SUBMIT on the stopped queue', 'EIO', q.submit({ sq_tail: 1 }).errno);
      if (q.ready()) throw new ConformanceFailure('a stopped queue completed a command', 'no CQE', 'a CQE');
    },
  },
  {
    id: 'ioctl.submit.points_on_doorbell_queue',
    doc: 'num_waits or num_signals not 0 on a queue without OA_QUEUE_SYNCOBJ is EINVAL (rule sync.queue)',
    profiles: ['queue'],
    run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const pts = env.buffer(16).address;
      expectErrno('num_waits 1', 'EINVAL', q.submit({ sq_tail: 0, num_waits: 1, waits_ptr: pts }).errno);
      expectErrno('num_signals 1', 'EINVAL', q.submit({ sq_tail: 0, num_signals: 1, signals_ptr: pts }).errno);
    },
  },
  {
    id: 'ioctl.submit.wait_timeout',
    doc: 'OA_SUBMIT_WAIT with a deadline before commands could complete is ETIME and they stay queued; a later wait sees them done',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      // A deadline already past: the wait cannot be satisfied unless the NOP completes within the call.
      q.write({});
      const r = q.submit({ sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: 1n });
      if (r.errno !== undefined) expectErrno('SUBMIT WAIT with a past deadline', 'ETIME', r.errno);
      const w = q.submit({ sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: monotonicDeadline(20000) });
      expectSuccess('SUBMIT WAIT with a 20 s deadline', w.errno);
      const c = await q.next();
      if (c.status !== 0) throw new ConformanceFailure(`the NOP completed with status ${c.status}`, 'OA_STATUS_OK', String(c.status));
    },
  },
  {
    id: 'mmap.unknown_offset',
    doc: "mmap of an offset that names nothing is EINVAL; another file's queue offset is EINVAL or, where offsets share one space per device (a kernel), EACCES (mmap.not_permitted)",
    profiles: ['queue'],
    run(env) {
      const t = env.bound();
      const q = createQueue(env, t, { sq_entries: 2 });
      const unknown = q.cq_offset + BigInt(env.info.pageSize) * 4096n;
      expectMmapErrno('mmap of an unknown offset', 'EINVAL', () => t.mmap(unknown, env.info.pageSize, C.PROT_READ, C.MAP_SHARED));
      // Another file's offset: the kernel's DRM vma space is per device, so it finds the node and refuses it
      // (drm_vma_node_is_allowed: EACCES); a device with offsets per file finds nothing (EINVAL).
      const other = env.bound();
      expectMmapErrnoOf("mmap of another file's SQ offset", ['EINVAL', 'EACCES'], () => other.mmap(q.sq_offset, q.sq_size, C.PROT_READ, C.MAP_SHARED));
    },
  },
  ...mmapSuite,
];
