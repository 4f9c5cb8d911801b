/**
 * A SUBMIT refused for a point naming no syncobj (rule ioctl.submit.syncobj_not_found) on its signal side,
 * and what the refusal must leave alone: the queue running, its command unpublished, the syncobjs as they were.
 */
import { expectErrno, expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { COMPLETION_DEADLINE_MS, QUEUE_ERROR } from '../accel-queue.js';
import { syncobj } from './gem-sync.js';
import { submitWith, syncQueue, waitSyncobj } from './sync-queues.js';

/** A handle no test creates: files here hold a few dozen syncobjs at most. */
const MISSING = 0xfffff;
/** Time a device that wrongly took the refused tail has to run its command before the check that it did not. */
const SETTLE_MS = 100;

export const submitRefusedSuite: TestCase<AccelEnv>[] = [
  {
    id: 'ioctl.submit.syncobj_not_found.signal',
    doc: 'a signal point naming no syncobj of this file is ENOENT and consumes nothing: the queue is not stopped, its command does not run, the valid signal point beside it gets no fence and no syncobj appears; the same SUBMIT without the bad point then runs the command once',
    profiles: ['chain'],
    requires: { caps: ['syncobj'] },
    async run(env) {
      const t = env.bound();
      const q = syncQueue(env, t);
      const good = syncobj(env, t);
      const tag = q.write({});
      // The valid point first: a driver that attaches fences while it walks the array would have attached one.
      expectErrno(`a signal point on handle 0x${MISSING.toString(16)} after a valid one`, 'ENOENT', submitWith(env, q, { signals: [{ handle: good }, { handle: MISSING }] }));
      expectErrno('a signal point on the missing handle alone', 'ENOENT', submitWith(env, q, { signals: [{ handle: MISSING }] }));
      expectErrno('the valid signal point of the refused SUBMITs (no fence attached)', 'EINVAL', waitSyncobj(env, t, good, 0));
      expectErrno('SYNCOBJ_WAIT on the missing handle (no syncobj made for it)', 'ENOENT', waitSyncobj(env, t, MISSING, 0));
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const s = q.statusWords();
      if (s.flags & QUEUE_ERROR) throw new ConformanceFailure('the refused SUBMIT stopped the queue', 'OA_QUEUE_ERROR clear', `status flags 0x${s.flags.toString(16)}`);
      expectEqual('sq_head after the refused SUBMITs', 0, s.sqHead);
      if (q.ready()) throw new ConformanceFailure('the refused SUBMIT published its command', 'no CQE', `tag ${q.entry(q.head).tag}`);
      expectSuccess('the SUBMIT without the missing point', submitWith(env, q, { signals: [{ handle: good }] }));
      expectEqual('the command, once', tag, (await q.next()).tag);
      expectSuccess('its signal point', waitSyncobj(env, t, good, COMPLETION_DEADLINE_MS));
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      if (q.ready()) throw new ConformanceFailure('the command ran twice', 'one CQE', `a second, tag ${q.entry(q.head).tag}`);
    },
  },
];
