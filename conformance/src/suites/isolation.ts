/** Isolation and robustness: other processes, dying clients, concurrent load, and malformed ioctls generated from the spec. */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { closeFd, isOpenFd } from '@openaccel/sys';
import { ioc, uapi, type IocFamily } from '@openaccel/uapi';
import { expectSuccess, expectThrowsErrno, rawIoctl, type TestEnv } from '../env.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../model.js';

const client = (name: string) => fileURLToPath(new URL(`../clients/${name}.js`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runClient(args: string[], extraFd?: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const stdio: (string | number)[] = ['ignore', 'pipe', 'inherit'];
    if (extraFd !== undefined) stdio.push(extraFd);
    const child = spawn(process.execPath, args, { stdio: stdio as never });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Free queues and free device memory: what must come back after a client goes. */
function resources(env: TestEnv): { freeQueues: number; freeBytes: bigint | null } {
  const ctx = env.context();
  const freeQueues = ctx.ioctl('OA_IOCTL_GET_INFO', {}).free_queues;
  const freeBytes = env.info.numMemories > 0 ? ctx.queryMemory(0).freeBytes : null;
  ctx.close();
  return { freeQueues, freeBytes };
}

async function settle(env: TestEnv, want: { freeQueues: number; freeBytes: bigint | null }, ms = 3000) {
  const start = Date.now();
  let now = resources(env);
  while ((now.freeQueues !== want.freeQueues || now.freeBytes !== want.freeBytes) && Date.now() - start < ms) {
    await sleep(20);
    now = resources(env);
  }
  return now;
}

const FUZZ_ALLOWED = new Set<string>([...uapi.compiled.spec.commonErrors.map((r) => r.errno), 'EFAULT', 'ENOTTY']);

export const isolationSuite: TestCase[] = [
  {
    id: 'isolation.context.foreign_process',
    doc: 'a bound context fd used from another process is refused with EPERM',
    profiles: ['core'],
    async run(env) {
      const t = env.open();
      env.bind(t);
      const io = uapi.ioctl('OA_IOCTL_CREATE_QUEUE');
      const r = await runClient([client('foreign'), t.kind, io.request().toString(16), Buffer.from(io.encode({ sq_entries: 2 })).toString('hex')], t.fd);
      expectEqual('CREATE_QUEUE from a process that inherited the context fd', 'EPERM', r.out.trim());
      expectSuccess('the owner can still use it', rawIoctl(t, io.request(), io.encode({ sq_entries: 2 })));
    },
  },
  {
    id: 'isolation.client_death.no_leak',
    doc: 'a client killed with SIGKILL loses its queues and memory at once; nothing leaks',
    profiles: ['core'],
    timeoutMs: 20000,
    async run(env) {
      const before = await settle(env, resources(env), 200);
      const child = spawn(process.execPath, [client('hold'), env.device], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (c) => reject(new ConformanceFailure(`the client exited (${c}) before taking resources`, 'ready', String(c))));
      });
      const during = resources(env);
      expectEqual('free queues while the client holds 3', before.freeQueues - 3, during.freeQueues);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
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
    timeoutMs: 120000,
    async run(env) {
      const results = await Promise.all([1, 2].map((seed) => runClient([client('stress'), env.device, '2', '1024', String(seed)])));
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
      const ioctls = [...uapi.compiled.ioctls.values()];
      const fam: IocFamily = 'generic';
      for (let round = 0; round < 20; round++) {
        const t = env.open();
        if (round % 2) env.bind(t);
        for (let i = 0; i < 100; i++) {
          const io = ioctls[randomInt(ioctls.length)]!;
          const size = [io.arg.sizeBytes, io.arg.sizeBytes + 8, io.arg.minSizeBytes - 4, randomInt(64)][randomInt(4)]!;
          const arg = new Uint8Array(Math.max(size, 0));
          for (let k = 0; k < arg.length; k++) if (randomInt(4) === 0) arg[k] = randomInt(256);
          if (arg.length >= 4 && randomInt(3)) new DataView(arg.buffer).setUint32(0, size, true);
          // Keep fd fields from pointing at this process's own fds at random: only -1 or a closed number.
          for (const f of io.arg.fields) if (f.field.unit === 'fd' && f.offset + 4 <= arg.length) new DataView(arg.buffer).setInt32(f.offset, randomInt(2) ? -1 : 4000 + randomInt(90), true);
          // SUBMIT with OA_SUBMIT_WAIT on a ring nobody drains would wait as long as timeout_ns says.
          if (io.spec.name === 'OA_IOCTL_SUBMIT' && arg.length >= 16) arg[12]! &= ~1;
          const nr = randomInt(10) === 0 ? randomInt(256) : io.spec.nr;
          const dir = randomInt(10) === 0 ? (['none', 'read', 'write', 'readwrite'] as const)[randomInt(4)]! : io.spec.dir;
          const request = ioc(fam, dir, uapi.compiled.spec.ioctlType, nr, dir === 'none' ? 0 : Math.min(Math.max(size, 0), 16383));
          const errno = rawIoctl(t, request, dir === 'none' ? new Uint8Array(0) : arg);
          const allowed = new Set([...FUZZ_ALLOWED, ...(uapi.compiled.ioctlsByNr.get(nr)?.spec.errors.map((r) => r.errno) ?? [])]);
          if (errno !== undefined && !allowed.has(errno)) throw new ConformanceFailure(`request 0x${request.toString(16)} (${io.spec.name} shape, ${size} bytes) answered ${errno}`, `one of ${[...allowed].join(', ')} or success`, errno);
          if (errno === undefined && nr === 0x0a && dir === io.spec.dir) {
            const fd = new DataView(arg.buffer).getInt32(12, true);
            if (fd > 2 && isOpenFd(fd)) closeFd(fd);
          }
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
