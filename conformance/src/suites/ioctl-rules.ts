/**
 * Per-ioctl rules the generated common tests do not reach: an unreadable argument (per ioctl), PASID
 * exhaustion, ring limits, the *_unsupported answers of a device without a capability, SUBMIT's wait
 * (timeout, stopped queue) and context ids. An *_unsupported rule is checked both ways: EOPNOTSUPP on a
 * device without the capability, success on one with it (the conformance package's own tests run both).
 */
import { fstatSync } from 'node:fs';
import { closeFd, ioctl as sysIoctl } from '@openaccel/sys';
import { DOORBELL_ERROR, DOORBELL_NEED_WAKEUP, uapi, type CompiledIoctl } from '@openaccel/uapi';
import type { Context } from '@openaccel/driver';
import { expectErrno, expectSuccess, expectThrowsErrno, rawIoctl, type TestEnv } from '../env.js';
import { withFullFdTable } from '../fd-table.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../model.js';
import { DB, RawQueue } from '../raw-queue.js';
import { requestWithSize } from './ioctl.js';

const SUBMIT_WAIT = 1;
const short = (name: string) => name.replace(/^OA_IOCTL_/, '').toLowerCase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rule arg_fault for one ioctl: a NULL argument (kernel) or one shorter than _IOC_SIZE (socket node). */
function argFaultTest(io: CompiledIoctl): TestCase {
  const name = io.spec.name;
  return {
    id: `ioctl.${short(name)}.arg_fault`,
    doc: `${name}: an argument not readable for _IOC_SIZE bytes is EFAULT, before any size or binding rule`,
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const request = requestWithSize(io, io.arg.sizeBytes);
      if (t.kind === 'kernel') {
        expectErrno(`${name} with a NULL argument`, 'EFAULT', sysIoctl(t.fd, request, null).errno);
      } else {
        // A socket node receives the bytes the caller passed: fewer than _IOC_SIZE is its unreadable argument.
        const cut = new Uint8Array(io.arg.sizeBytes - 4);
        new DataView(cut.buffer).setUint32(0, io.arg.sizeBytes, true);
        expectErrno(`${name} with ${cut.length} of ${io.arg.sizeBytes} bytes`, 'EFAULT', rawIoctl(t, request, cut));
      }
    },
  };
}

/** An *_unsupported rule: EOPNOTSUPP exactly when the device lacks `cap`; with it the same call succeeds. */
function unsupportedUnlessCap(env: TestEnv, cap: string, what: string, call: () => unknown): void {
  const errno = errnoOf(call);
  if (env.info.caps.includes(cap)) expectSuccess(`${what} on a device with ${cap}`, errno);
  else expectErrno(`${what} on a device without ${cap}`, 'EOPNOTSUPP', errno);
}

function bindSva(env: TestEnv): { errno: string | undefined; pasid: number } {
  const t = env.open();
  const io = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
  const arg = io.encode({ flags: 1 });
  const errno = rawIoctl(t, io.request(), arg);
  return { errno, pasid: errno ? 0 : io.decode(arg).pasid };
}

/** Waits until the CQ entry at `index` is valid, without consuming it. */
async function awaitPosted(q: RawQueue, index: number, deadlineMs = 10000): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (q.entry(index).phase !== q.expectedPhase(index)) {
    if (performance.now() > end) throw new ConformanceFailure(`no completion at CQ index ${index} within ${deadlineMs} ms`, 'a completion', 'none');
    await sleep(1);
  }
}

/**
 * Stops a queue by a doorbell tail beyond sq_head + sq_entries. Only a polling engine looks at a doorbell
 * store (a sleeping one is rung by SUBMIT, which refuses such a tail with EINVAL), so each attempt wakes the
 * engine and stores the tail at once. 'asleep' when the engine slept through every attempt.
 */
async function stoppedQueue(env: TestEnv, ctx: Context): Promise<RawQueue | 'asleep' | 'ignored'> {
  let awake = false;
  for (let attempt = 0; attempt < 20; attempt++) {
    const q = env.track(new RawQueue(ctx, 4, 8));
    for (let i = 0; i < 4; i++) q.write({ op: 'nop' });
    ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: q.tail }); // wakes the engine with 4 commands
    Atomics.store(q.words, DB.SQ_TAIL, (q.tail + 4 + 1) >>> 0); // head <= 4, so tail - head > 4 = sq_entries
    let asleepSince: number | undefined;
    const end = performance.now() + 2000;
    while (performance.now() < end) {
      const flags = Atomics.load(q.words, DB.FLAGS);
      if (flags & DOORBELL_ERROR) return q;
      if (flags & DOORBELL_NEED_WAKEUP) asleepSince ??= performance.now();
      else asleepSince = undefined;
      // Asleep with the tail unseen: this attempt missed the engine awake.
      if (asleepSince !== undefined && performance.now() - asleepSince > 50) break;
      await sleep(2);
    }
    if (asleepSince === undefined) awake = true; // awake for 2 s and the tail ignored
    if (awake) return 'ignored';
  }
  return 'asleep';
}

/** The errno a call fails with, or undefined on success; anything but a typed errno is rethrown. */
function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    const errno = (e as { errno?: string }).errno;
    if (errno) return errno;
    throw e;
  }
}

export const ioctlRulesSuite: TestCase[] = [
  ...[...uapi.compiled.ioctls.values()].map(argFaultTest),
  {
    id: 'ioctl.bind_context.no_pasid',
    doc: 'each SVA binding gets a distinct non-zero PASID that fits pasid_bits; with pasid_bits <= 8, binding past the last is ENOSPC and closing frees them (metrics say whether exhaustion was reached)',
    profiles: ['sva'],
    requires: { caps: ['sva'] },
    timeoutMs: 60000,
    async run(env) {
      const space = 2 ** env.info.pasidBits;
      // Exhausting more than 256 PASIDs is beyond a conformance run: a larger space is checked for 64 bindings.
      const exhaust = space <= 256;
      const seen = new Set<number>();
      let refused: string | undefined;
      for (let i = 0; i < (exhaust ? space : 64) && !refused; i++) {
        const r = bindSva(env);
        if (r.errno) refused = r.errno;
        else {
          expectTrue(`PASID ${r.pasid} is non-zero and below 2^${env.info.pasidBits}`, r.pasid > 0 && r.pasid < space, String(r.pasid));
          expectTrue(`PASID ${r.pasid} is bound once`, !seen.has(r.pasid), 'given twice');
          seen.add(r.pasid);
        }
      }
      if (!exhaust) {
        expectSuccess(`OA_BIND_SVA number ${seen.size + 1} of ${space} PASIDs`, refused);
        return { metrics: { pasid_space: space, bound: seen.size, exhausted: false } };
      }
      expectErrno(`OA_BIND_SVA after ${seen.size} PASIDs of ${space} were bound`, 'ENOSPC', refused);
      env.cleanup(); // every binding goes; a new one gets a PASID again
      // The device learns of a close when the fd's last reference goes, which may finish after close() returns.
      let again = bindSva(env);
      for (let i = 0; i < 500 && again.errno === 'ENOSPC'; i++) {
        await sleep(10);
        again = bindSva(env);
      }
      expectSuccess('OA_BIND_SVA after the others were closed', again.errno);
      return { metrics: { pasid_space: space, bound: seen.size, exhausted: true } };
    },
  },
  {
    id: 'ioctl.bind_context.context_id',
    doc: 'context_id is never 0 and two live contexts never share one',
    profiles: ['core'],
    run(env) {
      const ids = new Set<number>();
      for (let i = 0; i < 32; i++) {
        const t = env.open();
        const io = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
        const arg = io.encode({});
        expectSuccess('BIND_CONTEXT', rawIoctl(t, io.request(), arg));
        const id = io.decode(arg).context_id;
        expectTrue('context_id is not 0', id !== 0, '0');
        expectTrue(`context_id ${id} is not shared by two live contexts`, !ids.has(id), 'shared');
        ids.add(id);
      }
    },
  },
  {
    id: 'ioctl.create_queue.cq_entries_invalid.limits',
    doc: 'sq_entries and cq_entries at their maxima are accepted; cq_entries above max_cq_entries is EINVAL',
    profiles: ['core'],
    run(env) {
      const ctx = env.context();
      const { maxSqEntries: sq, maxCqEntries: cq } = env.info;
      const q = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: sq, cq_entries: cq });
      ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: q.queue_id });
      expectThrowsErrno(`CREATE_QUEUE cq_entries ${cq * 2} (max ${cq})`, 'EINVAL', () => ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2, cq_entries: cq * 2 }));
      expectThrowsErrno(`CREATE_QUEUE sq_entries ${sq * 2} (max ${sq})`, 'EINVAL', () => ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: sq * 2, cq_entries: cq * 2 }));
      expectThrowsErrno('CREATE_QUEUE cq_entries 1', 'EINVAL', () => ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2, cq_entries: 1 }));
      const small = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2, cq_entries: 2 });
      ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: small.queue_id });
    },
  },
  {
    id: 'ioctl.set_eventfd.eventfd_unsupported',
    doc: 'SET_EVENTFD of an eventfd is EOPNOTSUPP exactly when the device lacks OA_CAP_EVENTFD',
    profiles: ['core'],
    async run(env) {
      const { createEventfd } = await import('@openaccel/sys');
      const ctx = env.context();
      const id = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id;
      const efd = createEventfd();
      env.track({ close: () => closeFd(efd) });
      unsupportedUnlessCap(env, 'eventfd', 'SET_EVENTFD', () => ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd: efd }));
    },
  },
  {
    id: 'ioctl.submit.wait_timeout',
    doc: 'OA_SUBMIT_WAIT for a command that cannot complete (the CQ is full) is ETIMEDOUT after timeout_ns; once the CQ is drained the same wait succeeds',
    profiles: ['core'],
    timeoutMs: 30000,
    async run(env) {
      const ctx = env.context();
      const q = env.track(new RawQueue(ctx, 2, 2));
      q.write({ op: 'nop' });
      q.write({ op: 'nop' });
      q.publish();
      await awaitPosted(q, 1);
      q.write({ op: 'nop' }); // the CQ is full: this one cannot complete (rule ring.release-cq)
      const errno = errnoOf(() => ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: 20_000_000n }));
      expectErrno('SUBMIT with OA_SUBMIT_WAIT, 20 ms, behind a full CQ', 'ETIMEDOUT', errno);
      await q.next();
      await q.next();
      const out = ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: q.tail, flags: SUBMIT_WAIT, timeout_ns: 20_000_000_000n });
      expectEqual('cq_tail after the wait', 3, out.cq_tail);
      expectEqual('sq_head after the wait', 3, out.sq_head);
    },
  },
  {
    id: 'ioctl.submit.queue_error',
    doc: 'a doorbell tail beyond sq_head + sq_entries stops the queue (OA_DOORBELL_ERROR); SUBMIT is then EIO, with or without OA_SUBMIT_WAIT, and nothing more completes',
    profiles: ['core'],
    timeoutMs: 60000,
    async run(env) {
      const ctx = env.context();
      const q = await stoppedQueue(env, ctx);
      if (q === 'asleep') throw new SkipTest('an engine awake after SUBMIT', 'the engine slept before each of 20 over-long doorbell tails could be seen');
      if (q === 'ignored') throw new ConformanceFailure('a doorbell tail 5 entries ahead of a 4-entry ring, stored while the engine polled, did not set OA_DOORBELL_ERROR within 2 s', 'OA_DOORBELL_ERROR', 'never set');
      const posted = Atomics.load(q.words, DB.CQ_TAIL) >>> 0;
      expectTrue(`at most the 4 valid commands completed (cq_tail ${posted})`, posted <= 4, String(posted));
      expectThrowsErrno('SUBMIT on a stopped queue', 'EIO', () => ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: 4 }));
      expectThrowsErrno('SUBMIT with OA_SUBMIT_WAIT on a stopped queue', 'EIO', () => ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: q.id, sq_tail: 4, flags: SUBMIT_WAIT, timeout_ns: 5_000_000_000n }));
      await sleep(20);
      expectEqual('cq_tail of a stopped queue does not move', posted, Atomics.load(q.words, DB.CQ_TAIL) >>> 0);
      // Other queues of the context are not affected.
      const other = env.track(new RawQueue(ctx, 2));
      expectEqual('a NOP on another queue of the context', 0, (await other.run({ op: 'nop' })).status);
    },
  },
  {
    id: 'ioctl.alloc_memory.alloc_unsupported',
    doc: 'ALLOC_MEMORY from a region is EOPNOTSUPP exactly when the device lacks OA_CAP_DEVICE_MEMORY',
    profiles: ['core'],
    run(env) {
      if (env.info.numMemories === 0) throw new SkipTest('a memory region', 'the device reports no memory region to ask for');
      const ctx = env.context();
      unsupportedUnlessCap(env, 'device_memory', 'ALLOC_MEMORY of 4096 bytes', () => env.track({ handle: ctx.allocMemory(0, 4096), close() { ctx.freeMemory(this.handle); } }));
    },
  },
  {
    id: 'ioctl.import_dmabuf.import_unsupported',
    doc: 'IMPORT_DMABUF of a dma-buf is EOPNOTSUPP exactly when the device lacks OA_CAP_DMABUF_IMPORT',
    profiles: ['core'],
    run(env) {
      const buf = env.track(env.memory().allocDmabuf(4096));
      unsupportedUnlessCap(env, 'dmabuf_import', 'IMPORT_DMABUF', () => env.context().importDmabuf(buf.fd));
    },
  },
  {
    id: 'ioctl.export_dmabuf.export_unsupported',
    doc: 'EXPORT_DMABUF of a live handle (an unknown one when the device has no memory to name) is EOPNOTSUPP exactly when the device lacks OA_CAP_DMABUF_EXPORT',
    profiles: ['core'],
    run(env) {
      const ctx = env.context();
      let handle: number | undefined;
      if (env.info.caps.includes('device_memory') && env.info.numMemories > 0) handle = ctx.allocMemory(0, 4096);
      else if (env.info.caps.includes('dmabuf_import')) handle = ctx.importDmabuf(env.track(env.memory().allocDmabuf(4096)).fd).handle;
      if (handle === undefined) {
        // Without a handle only the lacking side can be asked: export_unsupported comes before handle_not_found.
        if (env.info.caps.includes('dmabuf_export')) throw new SkipTest('device memory or dma-buf import', 'the device can name no handle to export');
        return expectThrowsErrno('EXPORT_DMABUF of handle 0x7fff without OA_CAP_DMABUF_EXPORT', 'EOPNOTSUPP', () => ctx.exportDmabuf(0x7fff));
      }
      const h = handle;
      unsupportedUnlessCap(env, 'dmabuf_export', `EXPORT_DMABUF of handle ${h}`, () => closeFd(ctx.exportDmabuf(h)));
    },
  },
  {
    id: 'ioctl.export_dmabuf.too_many_fds',
    doc: 'EXPORT_DMABUF while the caller has no free fd is EMFILE; with a free fd the same handle exports',
    profiles: ['dmabuf'],
    requires: { caps: ['dmabuf_export', 'device_memory'] },
    timeoutMs: 30000,
    run(env) {
      if (env.info.numMemories === 0) throw new SkipTest('a memory region', 'the device reports no memory region to export from');
      const ctx = env.context();
      const handle = ctx.allocMemory(0, 4096);
      env.track({ close: () => ctx.freeMemory(handle) });
      const errno = withFullFdTable(() => errnoOf(() => ctx.exportDmabuf(handle)));
      expectErrno('EXPORT_DMABUF with no free fd', 'EMFILE', errno);
      closeFd(ctx.exportDmabuf(handle));
    },
  },
  {
    id: 'ioctl.import_dmabuf.dmabuf_not_dmabuf.fd_zero',
    doc: 'IMPORT_DMABUF of fd 0 (open, not a dma-buf) is EINVAL like any other open fd, not EBADF',
    profiles: ['dmabuf'],
    requires: { caps: ['dmabuf_import'] },
    run(env) {
      try {
        fstatSync(0);
      } catch {
        throw new SkipTest('an open fd 0', 'fd 0 of the test process is closed');
      }
      expectThrowsErrno('IMPORT_DMABUF of fd 0', 'EINVAL', () => env.context().importDmabuf(0));
    },
  },
];
