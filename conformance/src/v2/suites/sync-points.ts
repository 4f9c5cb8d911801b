/**
 * What a command's wait point stands for (rule sync.points): a timeline point that signalled OK lets the
 * command run OK, and the fence a binary wait names is the one the syncobj held at SUBMIT, whatever
 * replaces it later; and what SYNCOBJ_QUERY reports while a point is still pending.
 */
import { drmConstant } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import { expectEqual, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { COMPLETION_DEADLINE_MS, monotonicDeadline } from '../accel-queue.js';
import { syncobj } from './gem-sync.js';
import { heldPoint, submitWith, syncQueue, waitSyncobj } from './sync-queues.js';

type T = TestCase<AccelEnv>;

/**
 * How long a test watches for a command that must not run yet. A device that ran it would have done so in
 * far less on any machine; a correct device never does, however long the watch, so load cannot fail it.
 */
const MUST_NOT_RUN_MS = 1000;
const LAST_SUBMITTED = drmConstant('DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED');

export const syncPointsSuite: T[] = [
  {
    id: 'protocol.sync.points.timeline',
    doc: 'a command waiting on a timeline point that signalled OK (point 1, covered by TIMELINE_SIGNAL of point 2) completes OA_STATUS_OK, and so does one waiting on the point that command signals',
    profiles: ['chain'],
    requires: { caps: ['syncobj_timeline'] },
    async run(env) {
      const t = env.bound();
      const q = syncQueue(env, t);
      const s = syncobj(env, t);
      expectSuccess('TIMELINE_SIGNAL point 2', env.core(t, 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles: env.u32s([s]), points: env.u64s([2n]).address, count_handles: 1 }).errno);
      q.write({});
      expectSuccess('SUBMIT waiting on point 1, signalling point 3', submitWith(env, q, { waits: [{ handle: s, point: 1n }], signals: [{ handle: s, point: 3n }] }));
      expectEqual('status of the command waiting on a signalled point', 0, (await q.next()).status);
      q.write({});
      expectSuccess('SUBMIT waiting on point 3', submitWith(env, q, { waits: [{ handle: s, point: 3n }] }));
      expectEqual('status of the command waiting on the point the first signalled', 0, (await q.next()).status);
    },
  },
  {
    id: 'protocol.sync.points.captured',
    doc: 'a binary wait point stands for the fence the syncobj held at SUBMIT: SYNCOBJ_SIGNAL replacing it with a signalled fence does not start the command, which runs once the captured fence signals',
    profiles: ['chain'],
    requires: { caps: ['syncobj'] },
    async run(env) {
      const t = env.bound();
      const held = await heldPoint(env, t);
      const q = syncQueue(env, t);
      const done = syncobj(env, t);
      q.write({});
      expectSuccess('SUBMIT waiting on the held point', submitWith(env, q, { waits: [{ handle: held.handle }], signals: [{ handle: done }] }));
      expectSuccess('SYNCOBJ_SIGNAL of the held syncobj', env.core(t, 'DRM_IOCTL_SYNCOBJ_SIGNAL', { handles: env.u32s([held.handle]), count_handles: 1 }).errno);
      expectErrno('the waiting command, while the fence it waited on is pending', 'ETIME', waitSyncobj(env, t, done, MUST_NOT_RUN_MS));
      await held.release();
      expectEqual('status of the command once the captured fence signalled', 0, (await q.next()).status);
      expectSuccess('its signal point', waitSyncobj(env, t, done, COMPLETION_DEADLINE_MS));
    },
  },
  {
    id: 'core.syncobj_query.last_submitted',
    doc: 'with a point pending behind a signalled one, SYNCOBJ_QUERY reports the signalled point, and with DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED the pending one',
    profiles: ['chain'],
    requires: { caps: ['syncobj_timeline'] },
    async run(env) {
      const t = env.bound();
      const gate = await heldPoint(env, t);
      const q = syncQueue(env, t);
      const s = syncobj(env, t);
      const handles = env.u32s([s]);
      expectSuccess('TIMELINE_SIGNAL point 1', env.core(t, 'DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL', { handles, points: env.u64s([1n]).address, count_handles: 1 }).errno);
      q.write({});
      expectSuccess('SUBMIT waiting on the held point, signalling point 2', submitWith(env, q, { waits: [{ handle: gate.handle }], signals: [{ handle: s, point: 2n }] }));
      const query = (flags: number) => {
        const out = env.u64s([0n]);
        expectSuccess(`SYNCOBJ_QUERY flags ${flags}`, env.core(t, 'DRM_IOCTL_SYNCOBJ_QUERY', { handles, points: out.address, count_handles: 1, flags }).errno);
        return out.read(0);
      };
      expectEqual('the last signalled point while point 2 is pending', 1n, query(0));
      expectEqual('the last submitted point', 2n, query(LAST_SUBMITTED));
      await gate.release();
      await q.next();
      const wait = env.core(t, 'DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT', { handles, points: env.u64s([2n]).address, count_handles: 1, timeout_nsec: monotonicDeadline(COMPLETION_DEADLINE_MS) });
      expectSuccess('TIMELINE_WAIT point 2', wait.errno);
      expectEqual('the last signalled point once point 2 signalled', 2n, query(0));
    },
  },
];
