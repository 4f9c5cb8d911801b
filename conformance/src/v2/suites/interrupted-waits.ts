/**
 * Rule wait.interrupted, as a client with SA_RESTART handlers (Node's) sees it: signals that arrive while
 * it blocks in SUBMIT with OA_SUBMIT_WAIT or in SYNCOBJ_WAIT never surface. The call ends as it would
 * have without them (ETIME at the absolute deadline, never EINTR, never early), and the commands
 * still complete exactly once. A kernel restarts the call (-ERESTARTSYS); refdev's socket node never
 * sees the signal, only the client's read of the answer is restarted.
 */
import { drmConstant } from '@openaccel/uapi';
import { expectErrno } from '../../env.js';
import { ConformanceFailure, expectEqual, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, monotonicDeadline, SUBMIT_WAIT } from '../accel-queue.js';
import { underSignals, type StormResult } from '../signal-storm.js';
import { syncobj } from './gem-sync.js';

type T = TestCase<AccelEnv>;

/** How long each call blocks: long beside the signals' 400 ms, so they fall inside it on a busy machine too. */
const BLOCK_MS = 2000;

/** The call must block through the signals, end with ETIME and not before its deadline. */
function expectUninterrupted(what: string, s: StormResult<string | undefined>, deadline: bigint): void {
  if (s.inside === 0) throw new SkipTest('signals while the call blocks', `${what}: no signal arrived while it blocked (the helper started late)`);
  expectErrno(`${what} with ${s.inside} signals during it`, 'ETIME', s.result);
  if (s.end < deadline) throw new ConformanceFailure(`${what} returned ${Number(deadline - s.end) / 1e6} ms before its deadline after signals`, 'ETIME at the absolute deadline', 'ETIME early');
}

export const interruptedWaitSuite: T[] = [
  {
    id: 'protocol.wait.interrupted',
    doc: 'signals under an SA_RESTART handler during a blocking SUBMIT with OA_SUBMIT_WAIT (and SYNCOBJ_WAIT with WAIT_FOR_SUBMIT) are invisible: ETIME at the absolute deadline, never EINTR or early, and the commands complete once',
    profiles: ['queue'],
    async run(env) {
      const t = env.bound();
      // Commands that cannot complete while the test waits: published behind a full CQ.
      const q = new AccelQueue(env, t, { sqEntries: 2 });
      const tags = [q.write({}), q.write({})];
      q.publish();
      await q.until('CQ full', () => q.entry(1).phase === 1);
      tags.push(q.write({}), q.write({}));
      q.publish();
      // Each deadline is taken as its call starts: starting the signal helper can take seconds (an emulated guest).
      let deadline = 0n;
      const submit = await underSignals(() => q.submit({ sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: (deadline = monotonicDeadline(BLOCK_MS)) }).errno);
      expectUninterrupted('SUBMIT with OA_SUBMIT_WAIT', submit, deadline);
      const metrics: Record<string, number> = { submitSignals: submit.inside };
      if (env.has('syncobj')) {
        const empty = syncobj(env, t);
        let d = 0n;
        const handles = env.u32s([empty]);
        const wait = await underSignals(() => env.core(t, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles, count_handles: 1, timeout_nsec: (d = monotonicDeadline(BLOCK_MS)), flags: drmConstant('DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT') }).errno);
        expectUninterrupted('SYNCOBJ_WAIT with WAIT_FOR_SUBMIT', wait, d);
        metrics.syncobjWaitSignals = wait.inside;
      }
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) seen.push((await q.next()).tag);
      expectEqual('every command completed once', tags, [...seen].sort((a, b) => a - b));
      await new Promise((r) => setTimeout(r, 50));
      if (q.ready()) throw new ConformanceFailure('a fifth CQE appeared for four commands (the restarted SUBMIT published twice?)', 'four CQEs', `tag ${q.entry(q.head).tag}`);
      return { metrics };
    },
  },
];
