/**
 * The data-path protocol beyond the happy path: the device consumes each entry once and releases its
 * slot (ring.consume), tags are 32 bits (ring.complete), a CQ larger than its SQ, no eventfd signal
 * unless armed (ring.arming), and wake-ups raced against the engine going to sleep (ring.wakeup).
 */
import { C, closeFd, createEventfd, pollFds, readEventfd } from '@openaccel/sys';
import { uapi } from '@openaccel/uapi';
import type { TestEnv } from '../env.js';
import { ConformanceFailure, expectEqual, expectTrue, type TestCase } from '../model.js';
import { DB, RawQueue } from '../raw-queue.js';

const TAG = uapi.struct('oa_sqe').offsetOf('tag');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const raw = (env: TestEnv, sq: number, cq = 0) => env.track(new RawQueue(env.context(), sq, cq));

export const ringProtocolSuite: TestCase[] = [
  {
    id: 'queue.consume.once',
    doc: 'the device advances sq_head past every entry it took, and never reads a consumed slot again (ring.consume)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 4, 8);
      for (let i = 0; i < 4; i++) q.write({ op: 'nop' });
      q.publish();
      for (let i = 0; i < 4; i++) await q.next();
      const out = q.ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: q.tail });
      expectEqual('sq_head once all 4 completed', 4, out.sq_head);
      expectEqual('oa_doorbell.sq_head once all 4 completed', 4, Atomics.load(q.words, DB.SQ_HEAD) >>> 0);
      // Rewrite the consumed slots without publishing: a device that reads an entry twice runs them.
      const tail = q.tail;
      for (let i = 0; i < 4; i++) q.write({ op: 'nop' });
      q.tail = tail;
      q.ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: tail });
      await sleep(50);
      expectEqual('cq_tail after rewriting consumed slots without a new tail', 4, Atomics.load(q.words, DB.CQ_TAIL) >>> 0);
      expectTrue('no completion was posted for a rewritten slot', q.entry(4).phase !== q.expectedPhase(4), 'a completion at index 4');
    },
  },
  {
    id: 'queue.complete.tags_32_bits',
    doc: 'a completion carries the full 32-bit tag of its command, above 16 bits too (ring.complete)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 8);
      const tags = [0x10000, 0xffffffff, 0x80000001, 0x12345678, 0xfffe];
      for (const tag of tags) q.write({ op: 'nop' }, (v, at) => v.setUint32(at + TAG, tag, true));
      q.publish();
      const seen: number[] = [];
      for (const _ of tags) seen.push((await q.next()).tag >>> 0);
      expectEqual('tags completed', [...tags].sort((a, b) => a - b), seen.sort((a, b) => a - b));
    },
  },
  {
    id: 'queue.ring.cq_larger_than_sq',
    doc: 'with cq_entries > sq_entries the CQ holds cq_entries completions across SQ wraps, each phase right (ring.indices, ring.phase)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 2, 8);
      for (let round = 0; round < 4; round++) {
        q.write({ op: 'nop' });
        q.write({ op: 'nop' });
        q.publish();
        // The CQ is not consumed: wait until both are posted, so the SQ may be reused.
        const end = performance.now() + 10000;
        while ((Atomics.load(q.words, DB.SQ_HEAD) >>> 0) !== q.tail || q.entry(q.tail - 1).phase !== q.expectedPhase(q.tail - 1)) {
          if (performance.now() > end) throw new ConformanceFailure(`round ${round}: the two commands did not complete`, 'completions', `cq_tail ${Atomics.load(q.words, DB.CQ_TAIL) >>> 0}`);
          await sleep(1);
        }
      }
      for (let i = 0; i < 8; i++) {
        const e = q.entry(i);
        expectEqual(`phase at CQ index ${i}`, 1, e.phase);
        expectEqual(`tag at CQ index ${i}`, i + 1, e.tag);
      }
      expectEqual('cq_tail', 8, Atomics.load(q.words, DB.CQ_TAIL) >>> 0);
    },
  },
  {
    id: 'queue.arming.unarmed_no_signal',
    doc: 'with cq_armed 0 the device does not signal the eventfd; armed, it does (ring.arming)',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    async run(env) {
      const q = raw(env, 4);
      const efd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
      env.track({ close: () => closeFd(efd) });
      q.ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: q.id, eventfd: efd });
      for (let i = 0; i < 3; i++) await q.run({ op: 'nop' });
      await sleep(20);
      expectEqual('eventfd counter after 3 unarmed completions', undefined, readEventfd(efd));
      Atomics.store(q.words, DB.CQ_ARMED, 1);
      await q.run({ op: 'nop' });
      const [ev] = pollFds([efd], C.POLLIN, 5000);
      expectTrue('eventfd signalled after an armed completion (control)', ev !== 0, 'not signalled');
    },
  },
  {
    id: 'queue.wakeup.race',
    doc: 'doorbells stored at random moments as the engine goes idle each get their command run: no lost wake-up (ring.wakeup)',
    profiles: ['queue'],
    timeoutMs: 60000,
    async run(env) {
      const q = raw(env, 4);
      for (let i = 0; i < 40; i++) {
        // Gaps from 0 to ~6 ms straddle the moment an idle engine decides to sleep.
        const gap = (i * 7) % 13;
        if (gap) await sleep(gap / 2);
        const c = await q.run({ op: 'nop' });
        expectEqual(`NOP ${i} status`, 0, c.status);
      }
    },
  },
];
