/**
 * Queues that take syncobj points (rules sync.queue, sync.points) and the errno rules of SUBMIT's point
 * arrays; ordering across two devices through a syncobj fd, without a CPU wait between them.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '@openaccel/driver';
import { C, closeFd } from '@openaccel/sys';
import { openaccelV2, uapi2 } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, COMPLETION_DEADLINE_MS, monotonicDeadline } from '../accel-queue.js';
import { gemCreate, syncobj } from './gem-sync.js';

type T = TestCase<AccelEnv>;

const POINT = uapi2.struct('oa_syncobj_point');
const DEFLATE = openaccelV2.opcodes.find((o) => o.name === 'OA_OP_DEFLATE')!.value;
const STATUS_DEVICE_ERROR = openaccelV2.enums.find((e) => e.name === 'oa_status')!.entries.find((e) => e.name === 'OA_STATUS_DEVICE_ERROR')!.value;

/** An array of struct oa_syncobj_point in memory, for waits_ptr and signals_ptr. */
function points(env: AccelEnv, list: readonly { handle: number; point?: bigint; flags?: number }[]): bigint {
  const b = env.buffer(Math.max(1, list.length) * POINT.sizeBytes);
  const view = new DataView(b.bytes.buffer, b.bytes.byteOffset);
  list.forEach((p, i) => POINT.encodeInto(view, i * POINT.sizeBytes, { handle: p.handle, flags: p.flags ?? 0, point: p.point ?? 0n } as never));
  return b.address;
}

/** SUBMIT of the commands written since the last one, with points. */
export function submitWith(env: AccelEnv, q: AccelQueue, opts: { waits?: { handle: number; point?: bigint; flags?: number }[]; signals?: { handle: number; point?: bigint; flags?: number }[] }): string | undefined {
  const waits = opts.waits ?? [];
  const signals = opts.signals ?? [];
  return q.submit({ sq_tail: q.tail, num_waits: waits.length, waits_ptr: points(env, waits), num_signals: signals.length, signals_ptr: points(env, signals) }).errno;
}

export function syncQueue(env: AccelEnv, t: Transport, entries = 4): AccelQueue {
  return new AccelQueue(env, t, { sqEntries: entries, syncobj: true });
}

/** SYNCOBJ_WAIT on one binary syncobj until a deadline `ms` from now (0: poll). */
export const waitSyncobj = (env: AccelEnv, t: Transport, handle: number, ms: number) =>
  env.core(t, 'DRM_IOCTL_SYNCOBJ_WAIT', { handles: env.u32s([handle]), count_handles: 1, timeout_nsec: ms ? monotonicDeadline(ms) : 0n }).errno;

const needs = { caps: ['syncobj'] } as const;

/**
 * A point that stays pending as long as the test wants: the NOP signalling it sits behind a full CQ.
 * `release()` consumes the CQ by the ring.cq-full protocol, so the NOP runs and the point signals.
 */
export async function heldPoint(env: AccelEnv, t: Transport): Promise<{ handle: number; release(): Promise<void> }> {
  const blocker = syncQueue(env, t, 2);
  const handle = syncobj(env, t);
  blocker.write({});
  blocker.write({});
  expectSuccess('SUBMIT of two NOPs that fill the CQ', submitWith(env, blocker, {}));
  await blocker.until('both CQEs posted', () => blocker.entry(1).phase === 1);
  blocker.write({});
  expectSuccess('SUBMIT of a NOP behind the full CQ, signalling', submitWith(env, blocker, { signals: [{ handle }] }));
  return {
    handle,
    async release() {
      for (let i = 0; i < 3; i++) await blocker.next();
    },
  };
}

/** The held SUBMITs the spec promises an OA_QUEUE_SYNCOBJ queue (rule sync.held-submits). */
const MIN_HELD_SUBMITS = 1024;

export const syncQueueSuite: T[] = [
  {
    id: 'protocol.sync.queue',
    doc: 'an OA_QUEUE_SYNCOBJ queue has no doorbell region (size and offset 0) and runs what SUBMIT publishes',
    profiles: ['chain'],
    requires: needs,
    async run(env) {
      const q = syncQueue(env, env.bound());
      expectEqual('doorbell_size', 0, q.created.doorbell_size);
      expectEqual('doorbell_offset', 0n, q.created.doorbell_offset);
      q.write({});
      expectSuccess('SUBMIT without points', submitWith(env, q, {}));
      expectEqual('NOP status', 0, (await q.next()).status);
    },
  },
  {
    id: 'protocol.sync.points',
    doc: 'a command waiting on a point another device signals starts only after it: accel1 waits on the syncobj of a long DEFLATE on accel0, and when its own signal point signals, the first has signalled too',
    profiles: ['chain'],
    requires: needs,
    async run(env) {
      const a = env.bound();
      const peer = env.peers()[0];
      const b = peer ? env.bound({ node: peer.node }) : env.bound();
      const qa = syncQueue(env, a);
      const qb = syncQueue(env, b);
      const first = syncobj(env, a);
      const exp = env.core(a, 'DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD', { handle: first });
      expectSuccess('SYNCOBJ_HANDLE_TO_FD', exp.errno);
      const fd = Number(exp.out.fd);
      env.track({ close: () => closeFd(fd) });
      const imp = env.core(b, 'DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE', { fd });
      expectSuccess(`SYNCOBJ_FD_TO_HANDLE on ${peer?.name ?? 'a second file'}`, imp.errno);
      const second = syncobj(env, b);
      // Work that takes the device a while: DEFLATE of the largest input at level 9 (or NOPs without it).
      const deflate = env.info.functions.includes('deflate');
      const size = Math.min(Math.floor(env.info.maxTransferBytes / 2), 4 << 20);
      if (deflate) {
        const src = gemCreate(env, a, size);
        const dst = gemCreate(env, a, size + 65536);
        const info = env.io(a, 'DRM_IOCTL_OA_GEM_INFO', { handle: src.handle });
        const off = (info.out as { mmap_offset: bigint }).mmap_offset;
        // Random bytes compress slowly; an object the CPU cannot map stays zero, which still takes a while.
        if (off !== 0n) new Uint8Array(env.track(a.mmap(off, src.size, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED)).buffer).set(randomBytes(size));
        qa.write({ opcode: DEFLATE, src_handle: src.handle, src_length: size, dst_handle: dst.handle, dst_length: Math.min(dst.size, env.info.maxTransferBytes), arg: 9n });
      } else qa.write({});
      expectSuccess('SUBMIT on the first device, signalling', submitWith(env, qa, { signals: [{ handle: first }] }));
      qb.write({});
      expectSuccess('SUBMIT on the second device, waiting on the first', submitWith(env, qb, { waits: [{ handle: Number(imp.out.handle) }], signals: [{ handle: second }] }));
      expectSuccess('the second signal point within the deadline', waitSyncobj(env, b, second, COMPLETION_DEADLINE_MS));
      const firstDone = waitSyncobj(env, a, first, 0);
      if (firstDone !== undefined) throw new ConformanceFailure('the waiting command signalled before the point it waited on', 'the first point signalled', `SYNCOBJ_WAIT on it: ${firstDone}`);
      expectEqual('first command status', 0, (await qa.next()).status);
      expectEqual('second command status', 0, (await qb.next()).status);
    },
  },
  {
    id: 'protocol.sync.points.error',
    doc: "a queue destroyed with a batch still waiting signals that batch's points with an error, and a command waiting on such a point completes OA_STATUS_DEVICE_ERROR without running",
    profiles: ['chain'],
    requires: needs,
    async run(env) {
      const t = env.bound();
      const held = (await heldPoint(env, t)).handle;
      const doomed = syncQueue(env, t);
      const dropped = syncobj(env, t);
      doomed.write({});
      expectSuccess('SUBMIT waiting on the held point', submitWith(env, doomed, { waits: [{ handle: held }], signals: [{ handle: dropped }] }));
      expectErrno('the held point while the CQ is full', 'ETIME', waitSyncobj(env, t, held, 0));
      doomed.close();
      const after = syncQueue(env, t);
      after.write({});
      expectSuccess('SUBMIT waiting on the point of the destroyed queue', submitWith(env, after, { waits: [{ handle: dropped }] }));
      expectEqual('status of a command waiting on an error point', STATUS_DEVICE_ERROR, (await after.next()).status);
    },
  },
  {
    id: 'protocol.sync.held-submits',
    doc: `a syncobj queue holds at least ${MIN_HELD_SUBMITS} SUBMITs waiting for a point; one past its bound is ENOMEM and consumes nothing (its command does not run, its signal point gets no fence), and the same call succeeds once the held ones are released`,
    profiles: ['chain'],
    requires: needs,
    async run(env) {
      const t = env.bound();
      const gate = await heldPoint(env, t);
      const q = syncQueue(env, t, 4);
      const first = q.write({});
      expectSuccess('SUBMIT of a NOP waiting on the held point', submitWith(env, q, { waits: [{ handle: gate.handle }] }));
      // Behind it every SUBMIT is held too, even one that publishes no command.
      for (let held = 1; held < MIN_HELD_SUBMITS; held++) {
        const errno = q.submit({ sq_tail: q.tail }).errno;
        if (errno !== undefined) throw new ConformanceFailure(`SUBMIT number ${held + 1} failed with ${errno} while ${held} were held`, `at least ${MIN_HELD_SUBMITS} held SUBMITs`, errno);
      }
      // One more, with a command and a signal point: a device may take it or refuse it with ENOMEM.
      const probe = syncobj(env, t);
      const probeTag = q.write({});
      const refused = submitWith(env, q, { signals: [{ handle: probe }] });
      if (refused !== undefined) {
        expectErrno(`SUBMIT past ${MIN_HELD_SUBMITS} held ones`, 'ENOMEM', refused);
        expectErrno('the signal point of the refused SUBMIT (no fence attached)', 'EINVAL', waitSyncobj(env, t, probe, 0));
        // Back to the published tail: the cq-full wake-ups of next() SUBMIT the queue's tail.
        q.tail = (q.tail - 1) >>> 0;
      }
      await gate.release();
      expectEqual('the first command', first, (await q.next()).tag);
      if (refused !== undefined) {
        await q.until('the released SUBMITs ran', (s) => s.sqHead === 1);
        await new Promise((r) => setTimeout(r, 100)); // a device that took the refused tail had time to run it
        expectEqual('sq_head after the released SUBMITs', 1, q.statusWords().sqHead);
        if (q.ready()) throw new ConformanceFailure('the refused SUBMIT published its command', 'no CQE for it', `tag ${q.entry(q.head).tag}`);
        q.tail = (q.tail + 1) >>> 0;
        expectSuccess('the refused SUBMIT, repeated', submitWith(env, q, { signals: [{ handle: probe }] }));
      }
      expectEqual('the probe command, once', probeTag, (await q.next()).tag);
      expectSuccess('its signal point', waitSyncobj(env, t, probe, COMPLETION_DEADLINE_MS));
      return { metrics: { boundAt: refused === undefined ? null : MIN_HELD_SUBMITS } };
    },
  },
  {
    id: 'ioctl.submit.too_many_points',
    doc: 'num_waits or num_signals above max_syncobj_points is EINVAL',
    profiles: ['chain'],
    requires: needs,
    run(env) {
      const t = env.bound();
      const q = syncQueue(env, t);
      const s = syncobj(env, t, true);
      const many = Array.from({ length: env.info.maxSyncobjPoints + 1 }, () => ({ handle: s }));
      expectErrno(`${many.length} waits`, 'EINVAL', submitWith(env, q, { waits: many }));
      expectErrno(`${many.length} signals`, 'EINVAL', submitWith(env, q, { signals: many }));
    },
  },
  {
    id: 'ioctl.submit.points_fault',
    doc: 'a point array that is not readable is EFAULT',
    profiles: ['chain'],
    requires: needs,
    run(env) {
      const q = syncQueue(env, env.bound());
      expectErrno('waits_ptr 8', 'EFAULT', q.submit({ sq_tail: 0, num_waits: 1, waits_ptr: 8n }).errno);
    },
  },
  {
    id: 'ioctl.submit.point_flags',
    doc: 'a point with non-zero flags is EINVAL',
    profiles: ['chain'],
    requires: needs,
    run(env) {
      const t = env.bound();
      expectErrno('a wait point with flags 1', 'EINVAL', submitWith(env, syncQueue(env, t), { waits: [{ handle: syncobj(env, t, true), flags: 1 }] }));
    },
  },
  {
    id: 'ioctl.submit.timeline_unsupported',
    doc: 'a non-zero point on a device without OA_CAP_SYNCOBJ_TIMELINE is EOPNOTSUPP',
    profiles: [],
    requires: needs,
    run(env) {
      if (env.has('syncobj_timeline')) throw new SkipTest('a device without OA_CAP_SYNCOBJ_TIMELINE', 'the device has OA_CAP_SYNCOBJ_TIMELINE');
      const t = env.bound();
      expectErrno('a signal point 1', 'EOPNOTSUPP', submitWith(env, syncQueue(env, t), { signals: [{ handle: syncobj(env, t), point: 1n }] }));
    },
  },
  {
    id: 'ioctl.submit.syncobj_not_found',
    doc: 'a point naming no syncobj of this file is ENOENT',
    profiles: ['chain'],
    requires: needs,
    run(env) {
      expectErrno('a wait on handle 0xfffff', 'ENOENT', submitWith(env, syncQueue(env, env.bound()), { waits: [{ handle: 0xfffff }] }));
    },
  },
  {
    id: 'ioctl.submit.wait_no_fence',
    doc: 'a wait point with no fence attached yet is EINVAL',
    profiles: ['chain'],
    requires: needs,
    run(env) {
      const t = env.bound();
      expectErrno('a wait on a new syncobj', 'EINVAL', submitWith(env, syncQueue(env, t), { waits: [{ handle: syncobj(env, t) }] }));
    },
  },
];
