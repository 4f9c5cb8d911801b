/** Isolation and robustness: other processes, dying clients, concurrent load, and malformed ioctls generated from the spec. */
import { closeFd, isOpenFd } from '@openaccel/sys';
import { uapi } from '@openaccel/uapi';
import { expectSuccess, expectThrowsErrno, rawIoctl, type TestEnv } from '../env.js';
import { malformedIoctl, returnedFds } from '../malformed.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../model.js';
import { Client } from '../reliability/clients.js';
import { randomSeed, Rng } from '../rng.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Tests that start client processes: a node process takes seconds to start on a busy machine and many
 * more under software emulation (the kernel job's guest); the limit only catches a hang.
 */
const CLIENT_TEST_MS = 180000;

/** A client process the test owns: killed when the test ends, whatever its outcome. */
function startClient(env: TestEnv, name: string, args: string[], extraFd?: number): Client {
  return env.track(new Client(name, args, extraFd === undefined ? {} : { extraFd }));
}

async function runClient(env: TestEnv, name: string, args: string[], extraFd?: number): Promise<{ code: number | null; out: string }> {
  const c = startClient(env, name, args, extraFd);
  const out = (await c.allLines()).join('\n');
  return { code: (await c.exited).code, out };
}

/** Free queues and free device memory: what must come back after a client goes. */
function resources(env: TestEnv): { freeQueues: number; freeBytes: bigint | null } {
  const ctx = env.context();
  const freeQueues = ctx.ioctl('OA_IOCTL_GET_INFO', {}).free_queues;
  const freeBytes = env.info.numMemories > 0 ? ctx.queryMemory(0).freeBytes : null;
  ctx.close();
  return { freeQueues, freeBytes };
}

/** Polls until the resources are back; the deadline is generous because only a leak reaches it. */
async function settle(env: TestEnv, want: { freeQueues: number; freeBytes: bigint | null }, ms = 10000) {
  const start = Date.now();
  let now = resources(env);
  while ((now.freeQueues !== want.freeQueues || now.freeBytes !== want.freeBytes) && Date.now() - start < ms) {
    await sleep(20);
    now = resources(env);
  }
  return now;
}

export const isolationSuite: TestCase[] = [
  {
    id: 'isolation.context.foreign_process',
    doc: 'a bound context fd used from another process is refused with EPERM',
    profiles: ['core'],
    timeoutMs: CLIENT_TEST_MS,
    async run(env) {
      const t = env.open();
      env.bind(t);
      const io = uapi.ioctl('OA_IOCTL_CREATE_QUEUE');
      const r = await runClient(env, 'foreign', [t.kind, io.request().toString(16), Buffer.from(io.encode({ sq_entries: 2 })).toString('hex')], t.fd);
      expectEqual('CREATE_QUEUE from a process that inherited the context fd', 'EPERM', r.out.trim());
      expectSuccess('the owner can still use it', rawIoctl(t, io.request(), io.encode({ sq_entries: 2 })));
    },
  },
  {
    id: 'isolation.client_death.no_leak',
    doc: 'a client killed with SIGKILL loses its queues and memory at once; nothing leaks',
    profiles: ['core'],
    timeoutMs: CLIENT_TEST_MS,
    async run(env) {
      const before = await settle(env, resources(env), 200);
      const holder = startClient(env, 'hold', [env.device]);
      if ((await holder.nextLine()) !== 'ready') {
        const { code, signal } = await holder.exited;
        throw new ConformanceFailure(`the client exited (${signal ?? code}) before taking resources`, 'ready', String(signal ?? code));
      }
      const during = resources(env);
      expectEqual('free queues while the client holds 3', before.freeQueues - 3, during.freeQueues);
      holder.kill();
      await holder.exited;
      const after = await settle(env, before);
      expectEqual('free queues after the client died', before.freeQueues, after.freeQueues);
      expectEqual('free device memory after the client died', String(before.freeBytes), String(after.freeBytes));
    },
  },
  {
    id: 'isolation.mmap.foreign_offset',
    doc: "another context cannot map a queue's regions by guessing its offsets",
    profiles: ['queue'],
    run(env) {
      const a = env.context();
      const r = a.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 4 });
      const b = env.context();
      expectThrowsErrno("mmap of another context's doorbell offset", 'EINVAL', () => env.track(b.transport.mmap(r.doorbell_offset, r.doorbell_size, 3, 1)));
      expectThrowsErrno("mmap of another context's SQ offset", 'EINVAL', () => env.track(b.transport.mmap(r.sq_offset, r.sq_size, 3, 1)));
    },
  },
  {
    id: 'isolation.stress.exactly_once',
    doc: 'two processes x two queues x 1024 commands: every completion once, every CRC right',
    profiles: ['queue'],
    requires: { caps: ['device_memory'], functions: ['fill', 'crc32c'] },
    timeoutMs: 2 * CLIENT_TEST_MS,
    async run(env) {
      const results = await Promise.all([1, 2].map((seed) => runClient(env, 'stress', [env.device, '2', '1024', String(seed)])));
      for (const [i, r] of results.entries()) {
        let summary: { ok: boolean; errors: string[]; completions: number };
        try {
          summary = JSON.parse(r.out.trim().split('\n').pop()!);
        } catch {
          throw new ConformanceFailure(`stress client ${i + 1} exited ${r.code} without a summary`, 'a summary', r.out.slice(0, 200));
        }
        if (!summary.ok) throw new ConformanceFailure(`stress client ${i + 1}: ${summary.errors.join('; ')}`, 'no error', `${summary.errors.length}+ errors`);
        expectEqual(`stress client ${i + 1} completions`, 2048, summary.completions);
      }
    },
  },
  {
    id: 'isolation.fuzz.malformed_ioctls',
    doc: '2000 malformed ioctls generated from the spec: each answered with an allowed errno, the device survives, nothing leaks',
    profiles: ['core'],
    timeoutMs: 60000,
    async run(env) {
      const before = await settle(env, resources(env), 200);
      const seed = randomSeed();
      const rng = new Rng(seed);
      for (let round = 0; round < 20; round++) {
        const t = env.open();
        if (round % 2) env.bind(t);
        for (let i = 0; i < 100; i++) {
          const m = malformedIoctl(rng);
          const errno = rawIoctl(t, m.request, m.arg);
          if (errno !== undefined && !m.allowed.has(errno)) throw new ConformanceFailure(`request 0x${m.request.toString(16)} (${m.shape} shape, ${m.arg.length} bytes) answered ${errno} (generator seed ${seed}, input ${round * 100 + i})`, `one of ${[...m.allowed].join(', ')} or success`, errno);
          if (errno === undefined) for (const fd of returnedFds(m)) if (isOpenFd(fd)) closeFd(fd);
        }
        t.close();
      }
      expectEqual('GET_INFO still answers', 1, env.context().info.apiVersion.major);
      const after = await settle(env, before);
      expectEqual('free queues after the fuzzed contexts closed', before.freeQueues, after.freeQueues);
      expectEqual('free device memory after the fuzzed contexts closed', String(before.freeBytes), String(after.freeBytes));
    },
  },
];
