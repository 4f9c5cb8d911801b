/** Queues: lifecycle, wraparound and the phase bit, full rings, ordering, batches, many queues, wake-up and arming. */
import { createEventfd, closeFd, waitReadable } from '@openaccel/sys';
import type { TestEnv } from '../env.js';
import { ConformanceFailure, expectEqual, expectTrue, type TestCase } from '../model.js';
import { DB, RawQueue } from '../raw-queue.js';

const raw = (env: TestEnv, sq: number, cq = 0) => env.track(new RawQueue(env.context(), sq, cq));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const queueSuite: TestCase[] = [
  {
    id: 'queue.lifecycle.create_use_destroy',
    doc: 'a queue runs a NOP, and destroying it gives its slot back (free_queues)',
    profiles: ['queue'],
    async run(env) {
      const before = env.context().info.freeQueues;
      const q = raw(env, 4);
      const c = await q.run({ op: 'nop' });
      expectEqual('NOP status', 0, c.status);
      q.close();
      const ctx = env.context();
      expectEqual('free_queues after destroy', before, ctx.ioctl('OA_IOCTL_GET_INFO', {}).free_queues);
    },
  },
  {
    id: 'queue.ring.wraparound',
    doc: 'indices wrap the rings many times and the phase bit flips on every CQ wrap (ring.phase)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 4, 4);
      for (let i = 0; i < 64; i++) {
        const c = await q.run({ op: 'nop' });
        expectEqual(`phase of CQ index ${i}`, q.expectedPhase(i), c.phase);
      }
      expectEqual('sq_head after 64 commands', 64, Atomics.load(q.words, DB.SQ_HEAD) >>> 0);
      expectEqual('cq_tail after 64 commands', 64, Atomics.load(q.words, DB.CQ_TAIL) >>> 0);
    },
  },
  {
    id: 'queue.ring.full_sq',
    doc: 'a full SQ (tail - head = entries) is taken whole; every command completes exactly once',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 8, 8);
      const tags = Array.from({ length: 8 }, () => q.write({ op: 'nop' }));
      q.publish();
      const seen: number[] = [];
      for (let i = 0; i < 8; i++) seen.push((await q.next()).tag);
      expectEqual('tags completed', [...tags].sort((a, b) => a - b), seen.sort((a, b) => a - b));
    },
  },
  {
    id: 'queue.ring.cq_full_no_overwrite',
    doc: 'while the CQ is full the device takes no more commands and overwrites nothing (ring.release-cq)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 8, 8);
      for (let i = 0; i < 8; i++) q.write({ op: 'nop' });
      q.publish();
      const start = performance.now();
      while ((Atomics.load(q.words, DB.CQ_TAIL) >>> 0) < 8 && performance.now() - start < 3000) await sleep(1);
      for (let i = 0; i < 8; i++) q.write({ op: 'nop' });
      q.publish();
      await sleep(50);
      expectEqual('cq_tail with a full CQ and 8 more commands published', 8, Atomics.load(q.words, DB.CQ_TAIL) >>> 0);
      expectEqual('tag at CQ index 0 (not overwritten)', 1, q.entry(0).tag);
      for (let i = 0; i < 16; i++) {
        const c = await q.next();
        expectEqual(`tag at CQ index ${i}`, i + 1, c.tag);
      }
    },
  },
  {
    id: 'queue.order.exactly_once',
    doc: 'a batch of 500 commands in one doorbell completes each tag exactly once',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 512, 512);
      const tags = new Set<number>();
      for (let i = 0; i < 500; i++) tags.add(q.write({ op: 'nop' }));
      q.publish();
      const seen = new Map<number, number>();
      for (let i = 0; i < 500; i++) {
        const c = await q.next();
        seen.set(c.tag, (seen.get(c.tag) ?? 0) + 1);
      }
      for (const t of tags) if (seen.get(t) !== 1) throw new ConformanceFailure(`tag ${t} completed ${seen.get(t) ?? 0} times`, '1', String(seen.get(t) ?? 0));
    },
  },
  {
    id: 'queue.fence.after_earlier',
    doc: 'a command with OA_SQE_FENCE sees the output of every earlier command of its queue',
    profiles: ['queue'],
    requires: { functions: ['fill', 'crc32c'] },
    async run(env) {
      const { testBuffer } = await import('../kit.js');
      const ctx = env.context();
      const q = env.track(new RawQueue(ctx, 16));
      const buf = testBuffer(env, ctx, 65536);
      q.write({ op: 'fill', dst: buf.ref(), dstLength: 65536, arg: 0x5a5a5a5a5a5a5a5an });
      const tag = q.write({ op: 'crc32c', fence: true, src: buf.ref(), srcLength: 65536 });
      q.publish();
      const { crc32c } = await import('../reference.js');
      const results = [await q.next(), await q.next()];
      const c = results.find((r) => r.tag === tag)!;
      expectEqual('CRC of the filled buffer', crc32c(new Uint8Array(65536).fill(0x5a)), c.result);
    },
  },
  {
    id: 'queue.many_queues',
    doc: 'eight queues of one context work interleaved',
    profiles: ['queue'],
    async run(env) {
      const ctx = env.context();
      const qs = Array.from({ length: 8 }, () => env.track(new RawQueue(ctx, 4)));
      for (let round = 0; round < 10; round++) {
        const tags = qs.map((q) => q.write({ op: 'nop' }));
        for (const q of qs) q.publish();
        for (let i = 0; i < qs.length; i++) expectEqual(`queue ${i} round ${round} tag`, tags[i], (await qs[i]!.next()).tag);
      }
    },
  },
  {
    id: 'queue.wakeup.after_idle',
    doc: 'after the device idles, a doorbell store (plus OA_IOCTL_SUBMIT when it asked) still gets the command run (ring.wakeup)',
    profiles: ['queue'],
    async run(env) {
      const q = raw(env, 4);
      await q.run({ op: 'nop' });
      await sleep(100);
      const c = await q.run({ op: 'nop' });
      expectEqual('status after idle', 0, c.status);
    },
  },
  {
    id: 'queue.eventfd.arming',
    doc: 'with cq_armed set, the device signals the queue eventfd after posting a completion and clears the arm (ring.arming)',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    async run(env) {
      const q = raw(env, 4);
      const efd = createEventfd(0);
      env.track({ close: () => closeFd(efd) });
      q.ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: q.id, eventfd: efd });
      await q.run({ op: 'nop' });
      Atomics.store(q.words, DB.CQ_ARMED, 1);
      q.write({ op: 'nop' });
      q.publish();
      const ev = await waitReadable(efd, 2000);
      expectTrue('eventfd readable within 2 s of an armed completion', ev !== 0, 'not signalled');
      expectEqual('cq_armed after the signal', 0, Atomics.load(q.words, DB.CQ_ARMED));
      await q.next();
    },
  },
];
