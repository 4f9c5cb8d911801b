/** The data-path protocol of 2.0 (rules ring.*, queue.initial-state), checked word by word. */
import { C, closeFd, createEventfd, pollFds, readEventfd } from '@openaccel/sys';
import { expectErrno } from '../../env.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, COMPLETION_DEADLINE_MS, NEED_WAKEUP, QUEUE_ERROR } from '../accel-queue.js';

type T = TestCase<AccelEnv>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectOk(what: string, status: number): void {
  if (status !== 0) throw new ConformanceFailure(`${what}: completed with status ${status}`, 'OA_STATUS_OK (0)', String(status));
}

/** Waits (bounded) until an eventfd is readable; false at the deadline. */
async function readable(fd: number, deadlineMs = COMPLETION_DEADLINE_MS): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    if (pollFds([fd], C.POLLIN, 0)[0]! & C.POLLIN) return true;
    await sleep(2);
  }
  return false;
}

function eventfdFor(env: AccelEnv, q: AccelQueue): number {
  const fd = createEventfd(0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
  env.track({ close: () => closeFd(fd) });
  const r = env.io(q.t, 'DRM_IOCTL_OA_SET_EVENTFD', { queue_id: q.id, eventfd: fd });
  if (r.errno) throw new ConformanceFailure(`SET_EVENTFD failed with ${r.errno}`, 'success', r.errno);
  return fd;
}

const drain = (fd: number) => {
  while (readEventfd(fd) !== undefined) {
    /* read until EAGAIN (rule ring.eventfd-drain) */
  }
};

export const ringSuite: T[] = [
  {
    id: 'protocol.queue.initial-state',
    doc: 'a new queue starts with OA_QUEUE_NEED_WAKEUP set and sq_head = cq_tail = arm_ack = 0, and its first command is served',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      const s = q.statusWords();
      expectTrue('OA_QUEUE_NEED_WAKEUP set on a new queue', (s.flags & NEED_WAKEUP) !== 0, `flags 0x${s.flags.toString(16)}`);
      expectEqual('sq_head, cq_tail, arm_ack of a new queue', [0, 0, 0], [s.sqHead, s.cqTail, s.armAck]);
      expectOk('the first NOP', (await q.run({})).status);
    },
  },
  {
    id: 'protocol.queue.created-while-asleep',
    doc: 'a queue created after the engine went idle (all queues asleep) is served at its first doorbell and SUBMIT',
    profiles: ['queue'],
    async run(env) {
      const t = env.bound();
      const first = new AccelQueue(env, t, { sqEntries: 2 });
      expectOk('a NOP on the first queue', (await first.run({})).status);
      // Time for the engine to go idle; a device that keeps polling never sets the flag, and that is fine.
      await first.until('the idle engine sets OA_QUEUE_NEED_WAKEUP', (s) => (s.flags & NEED_WAKEUP) !== 0, 2000).catch(() => undefined);
      const q = new AccelQueue(env, t, { sqEntries: 2 });
      expectOk('a NOP on a queue created while the engine sleeps', (await q.run({})).status);
    },
  },
  {
    id: 'protocol.ring.wakeup',
    doc: 'after each doorbell store the user checks OA_QUEUE_NEED_WAKEUP and SUBMITs when set: commands published around idle periods all complete',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      for (let i = 0; i < 4; i++) {
        expectOk(`NOP ${i}`, (await q.run({})).status);
        await sleep(20 * i); // give the engine time to go idle between commands
      }
    },
  },
  {
    id: 'protocol.ring.indices',
    doc: 'indices run free and wrap the rings: 3 x cq_entries commands on a 2-entry queue complete in slots i & 1 with the expected phase',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      for (let i = 0; i < 6; i++) expectOk(`NOP ${i}`, (await q.run({})).status);
      // cq_tail is released after the CQE (rule ring.order-pairs): a user who saw the CQE may read it a moment early.
      const tail = env.has('cq_tail');
      await q.until('sq_head and cq_tail at 6', (w) => w.sqHead === 6 && (!tail || w.cqTail === 6));
      const s = q.statusWords();
      expectEqual('sq_head after 6 commands', 6, s.sqHead);
      if (env.has('cq_tail')) expectEqual('cq_tail after 6 completions', 6, s.cqTail);
    },
  },
  {
    id: 'protocol.ring.phase',
    doc: 'the CQE at index i carries phase 1 when i / cq_entries is even and 0 when odd; an unwritten slot never shows the expected phase',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      expectEqual('phase of an unwritten first slot', 0, q.entry(0).phase);
      for (let i = 0; i < 4; i++) {
        const idx = q.head;
        await q.run({});
        expectEqual(`phase at CQ index ${idx}`, q.expectedPhase(idx), q.entry(idx).phase);
      }
    },
  },
  {
    id: 'protocol.ring.order-pairs',
    doc: 'the device releases sq_head once it copied the entries and, with OA_CAP_CQ_TAIL, cq_tail after the CQEs before it; without the cap cq_tail reads 0',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      for (let i = 0; i < 3; i++) q.write({});
      q.publish();
      for (let i = 0; i < 3; i++) await q.next();
      // The CQEs are visible before the cq_tail that follows them; wait for it, then check it never runs ahead.
      const tail = env.has('cq_tail');
      await q.until('sq_head and cq_tail at 3', (w) => w.sqHead === 3 && (!tail || w.cqTail === 3));
      const s = q.statusWords();
      expectEqual('sq_head after 3 completed commands', 3, s.sqHead);
      expectEqual('cq_tail', env.has('cq_tail') ? 3 : 0, s.cqTail);
    },
  },
  {
    id: 'protocol.ring.submit',
    doc: 'a command written at sq_tail & (sq_entries - 1) and published runs once and completes with its tag; several entries may be published by one store',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      const tags = [q.write({}), q.write({}), q.write({})];
      q.publish();
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await q.next();
        expectOk(`command tag ${c.tag}`, c.status);
        seen.push(c.tag);
      }
      expectEqual('tags completed (each once)', [...tags].sort(), [...seen].sort());
      await sleep(50);
      if (q.ready()) throw new ConformanceFailure('a fourth CQE appeared for three commands', 'three CQEs', `tag ${q.entry(q.head).tag}`);
    },
  },
  {
    id: 'protocol.ring.complete',
    doc: 'a NOP completes with OA_STATUS_OK, result 0 and its tag; an unknown opcode with OA_STATUS_INVALID_OPCODE',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const c = await q.run({});
      expectEqual('NOP status and result', [0, 0], [c.status, c.result]);
      const bad = await q.run({ opcode: 0xfffe });
      expectEqual('status of opcode 0xfffe', 1, bad.status);
    },
  },
  {
    id: 'protocol.ring.doorbell-store',
    doc: 'the doorbell, control and status regions are separate pages (a write-only register can be the doorbell); the tail is written whole, never read back',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      const c = q.created;
      const page = BigInt(env.info.pageSize);
      const regions = [['doorbell', c.doorbell_offset, c.doorbell_size], ['control', c.control_offset, c.control_size], ['status', c.status_offset, c.status_size], ['sq', c.sq_offset, c.sq_size], ['cq', c.cq_offset, c.cq_size]] as const;
      for (const [n, off, size] of regions) {
        expectTrue(`${n} offset 0x${off.toString(16)} is a multiple of page_size`, off % page === 0n && off !== 0n);
        expectTrue(`${n} size ${size} is a non-zero multiple of page_size`, size > 0 && BigInt(size) % page === 0n);
      }
      for (const [a, ao, as] of regions) for (const [b, bo] of regions) if (a !== b) expectTrue(`${a} and ${b} do not overlap`, !(bo >= ao && bo < ao + BigInt(as)));
      // Two commands published with two whole-tail stores, never a read of the doorbell.
      q.write({});
      q.publish();
      q.write({});
      q.publish();
      expectOk('first', (await q.next()).status);
      expectOk('second', (await q.next()).status);
    },
  },
  {
    id: 'protocol.ring.consume',
    doc: 'the device copies each entry before acting on it and never reads it twice: rewriting a slot after sq_head passed it changes nothing',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const tag = q.write({});
      q.publish();
      await q.until('sq_head passes the entry', (s) => s.sqHead >= 1);
      // Scribble an invalid opcode over the consumed slot: the device must not run it (again).
      new DataView(q.sq.buffer).setUint16(0, 0xfffe, true);
      const c = await q.next();
      expectEqual('tag', tag, c.tag);
      expectOk('the copied NOP', c.status);
      await sleep(50);
      if (q.ready()) throw new ConformanceFailure('the rewritten slot was read again', 'one CQE', 'two');
    },
  },
  {
    id: 'protocol.ring.overrun',
    doc: 'a doorbell tail more than sq_entries past sq_head stops the queue: OA_QUEUE_ERROR set, nothing more read, SUBMIT is EIO',
    profiles: ['queue'],
    async run(env) {
      const file = env.bound();
      const q = new AccelQueue(env, file, { sqEntries: 4 });
      if (!q.doorbell) throw new SkipTest('a doorbell queue');
      for (let i = 0; i < 4; i++) q.write({});
      q.tail = 9; // five past a full ring
      q.publish(9);
      await q.until('OA_QUEUE_ERROR after an overrunning tail', (s) => (s.flags & QUEUE_ERROR) !== 0);
      expectErrno('SUBMIT on the stopped queue', 'EIO', q.submit({ sq_tail: 9 }).errno);
      // Stopped for good: a tail back in range does not restart it. Two round trips on another queue of the
      // file give the engine turns in which it would have run the four entries.
      q.publish(2);
      const other = new AccelQueue(env, file, { sqEntries: 4 });
      await other.run({});
      await other.run({});
      if (q.ready()) throw new ConformanceFailure('the stopped queue ran a command after a tail in range was published', 'no CQE', 'a CQE');
      expectEqual('sq_head of the stopped queue', 0, q.statusWords().sqHead);
    },
  },
  {
    id: 'protocol.ring.release-cq',
    doc: 'with the CQ full the device takes no command: unconsumed CQEs are never overwritten',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const first = [q.write({}), q.write({})];
      q.publish();
      await q.until('both CQEs posted', () => q.entry(1).phase === 1);
      const more = [q.write({}), q.write({})];
      q.publish();
      await sleep(100);
      expectEqual('tags in the full CQ', first, [q.entry(0).tag, q.entry(1).tag]);
      expectEqual('sq_head while the CQ is full', 2, q.statusWords().sqHead);
      for (const tag of [...first, ...more]) expectEqual('tag', tag, (await q.next()).tag);
    },
  },
  {
    id: 'protocol.ring.cq-full',
    doc: 'with the CQ full and commands published behind it the device takes none of them (sq_head stays), stops spinning (sets OA_QUEUE_NEED_WAKEUP), and once the user frees CQ space with the cq-full protocol (store cq_head, barrier, flags, SUBMIT when asked) completes each of them exactly once',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const first = [q.write({}), q.write({})];
      q.publish();
      await q.until('CQ full', () => q.entry(1).phase === 1);
      const pending = [q.write({}), q.write({})];
      q.publish();
      // A device may poll cq_head for a while, but not for ever: it goes to sleep by the protocol.
      await q.until('OA_QUEUE_NEED_WAKEUP while the CQ is full', (s) => (s.flags & NEED_WAKEUP) !== 0);
      expectEqual('sq_head while the CQ is full', 2, q.statusWords().sqHead);
      expectEqual('tags in the full CQ', first, [q.entry(0).tag, q.entry(1).tag]);
      // Consume both, releasing cq_head as ring.cq-full says: the device must go on without any other call.
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await q.next();
        expectOk(`command tag ${c.tag}`, c.status);
        seen.push(c.tag);
      }
      expectEqual('every command completed once', [...first, ...pending], [...seen].sort((a, b) => a - b));
      await sleep(50);
      if (q.ready()) throw new ConformanceFailure('a fifth CQE appeared for four commands', 'four CQEs', `tag ${q.entry(q.head).tag}`);
    },
  },
  {
    id: 'protocol.ring.order',
    doc: 'commands of a queue complete each exactly once (matched by tag); OA_SQE_FENCE runs after every earlier command',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 8 });
      const tags = [q.write({}), q.write({}), q.write({}), q.write({ flags: 1 })];
      q.publish();
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) seen.push((await q.next()).tag);
      expectEqual('every tag once', [...tags].sort(), [...seen].sort());
      expectEqual('the fenced command completes last', tags[3], seen[3]);
    },
  },
  {
    id: 'protocol.ring.arming',
    doc: 'cq_arm = arm_ack + 1 asks for one eventfd signal; the device answers the completion with arm_ack = cq_arm and a write to the eventfd; unarmed completions signal nothing',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      const fd = eventfdFor(env, q);
      expectOk('an unarmed NOP', (await q.run({})).status);
      await sleep(50);
      expectEqual('eventfd after an unarmed completion', 0, pollFds([fd], C.POLLIN, 0)[0]! & C.POLLIN);
      const arm = (q.statusWords().armAck + 1) >>> 0;
      q.arm(arm);
      q.write({});
      q.publish();
      expectTrue('the eventfd is signalled for an armed completion', await readable(fd));
      expectEqual('arm_ack', arm, q.statusWords().armAck);
      await q.next();
    },
  },
  {
    id: 'protocol.ring.eventfd-drain',
    doc: 'after a wake-up the eventfd is drained to EAGAIN; a stale count does not come back, and a wake-up with no CQE (spurious) is harmless',
    profiles: ['queue'],
    requires: { caps: ['eventfd'] },
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      const fd = eventfdFor(env, q);
      q.arm((q.statusWords().armAck + 1) >>> 0);
      await q.run({});
      expectTrue('signalled', await readable(fd));
      drain(fd);
      expectEqual('readable after draining', 0, pollFds([fd], C.POLLIN, 0)[0]! & C.POLLIN);
      // A spurious wake-up: the CQ is empty, so the user arms again and the next completion signals once more.
      expectTrue('no CQE after the drain', !q.ready());
      q.arm((q.statusWords().armAck + 1) >>> 0);
      await q.run({});
      expectTrue('signalled again after re-arming', await readable(fd));
    },
  },
];
