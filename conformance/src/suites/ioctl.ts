/**
 * ioctl rules. The common rules (size, tail, flags, reserved, unbound) are generated from the spec for
 * every ioctl, so a new ioctl is covered the day it is declared; each ioctl's own errno table follows.
 */
import { openSync, closeSync } from 'node:fs';
import { ioc, uapi, type CompiledIoctl, type IoctlName } from '@openaccel/uapi';
import { createEventfd, closeFd } from '@openaccel/sys';
import type { Transport } from '@openaccel/driver';
import { expectErrno, expectSuccess, expectThrowsErrno, rawIoctl, type TestEnv } from '../env.js';
import { ConformanceFailure, expectEqual, expectTrue, SkipTest, type TestCase } from '../model.js';

const UNBOUND_OK = ['OA_IOCTL_GET_INFO', 'OA_IOCTL_QUERY_MEMORY', 'OA_IOCTL_BIND_CONTEXT'];

/**
 * A valid argument for an ioctl on transport t (bound unless the ioctl works unbound), so a rule test can
 * change one field and know that only that field can explain the answer. Undefined when the device
 * lacks what a valid argument needs.
 */
function validArg(env: TestEnv, t: Transport, name: string): Record<string, unknown> | undefined {
  const call = (n: IoctlName, input: Record<string, unknown>) => {
    const io = uapi.ioctl(n);
    const arg = io.encode(input as never);
    const e = rawIoctl(t, io.request(), arg);
    if (e) throw new ConformanceFailure(`setting up a valid ${name} argument: ${n} failed with ${e}`, 'success', e);
    return io.decode(arg) as Record<string, unknown>;
  };
  const queue = () => call('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 })['queue_id'];
  const memory = () => (env.info.caps.includes('device_memory') && env.info.numMemories > 0 ? call('OA_IOCTL_ALLOC_MEMORY', { memory_id: 0, length: 4096n })['handle'] : undefined);
  switch (name) {
    case 'OA_IOCTL_GET_INFO':
    case 'OA_IOCTL_BIND_CONTEXT':
      return {};
    case 'OA_IOCTL_QUERY_MEMORY':
      return env.info.numMemories > 0 ? { memory_id: 0 } : undefined;
    case 'OA_IOCTL_CREATE_QUEUE':
      return { sq_entries: 2 };
    case 'OA_IOCTL_SET_EVENTFD':
      return env.info.caps.includes('eventfd') ? { queue_id: queue(), eventfd: -1 } : undefined;
    case 'OA_IOCTL_SUBMIT':
      return { queue_id: queue(), sq_tail: 0 };
    case 'OA_IOCTL_ALLOC_MEMORY':
      return env.info.caps.includes('device_memory') && env.info.numMemories > 0 ? { memory_id: 0, length: 4096n } : undefined;
    case 'OA_IOCTL_IMPORT_DMABUF': {
      if (!env.info.caps.includes('dmabuf_import')) return undefined;
      return { fd: env.track(env.memory().allocDmabuf(4096)).fd };
    }
    case 'OA_IOCTL_EXPORT_DMABUF': {
      const handle = env.info.caps.includes('dmabuf_export') ? memory() : undefined;
      return handle === undefined ? undefined : { handle };
    }
    default:
      return undefined;
  }
}

/** Sends a valid argument (which must succeed), then the same with one change (which must be EINVAL). */
function controlled(env: TestEnv, io: CompiledIoctl, edit: (v: DataView) => void, what: string): void {
  const name = io.spec.name;
  const t = env.open();
  if (!UNBOUND_OK.includes(name) || name === 'OA_IOCTL_BIND_CONTEXT') {
    if (name !== 'OA_IOCTL_BIND_CONTEXT') env.bind(t);
  }
  const base = validArg(env, t, name);
  if (!base) throw new SkipTest(`what a valid ${name} argument needs`, `the device lacks what a valid ${name} argument needs`);
  const codec = uapi.ioctl(name as IoctlName);
  const bad = codec.encode(base as never);
  edit(new DataView(bad.buffer));
  expectErrno(`${name} with ${what}`, 'EINVAL', rawIoctl(t, codec.request(), bad));
  if (name === 'OA_IOCTL_BIND_CONTEXT' || name === 'OA_IOCTL_EXPORT_DMABUF') {
    // The control: the same argument without the change is accepted (a fresh open for BIND; export returns an fd to close).
    const t2 = name === 'OA_IOCTL_BIND_CONTEXT' ? env.open() : t;
    const good = codec.encode(base as never);
    expectSuccess(`${name} without ${what} (control)`, rawIoctl(t2, codec.request(), good));
    if (name === 'OA_IOCTL_EXPORT_DMABUF') closeFd(new DataView(good.buffer).getInt32(12, true));
  } else expectSuccess(`${name} without ${what} (control)`, rawIoctl(t, codec.request(), codec.encode(base as never)));
}
const short = (name: string) => name.replace(/^OA_IOCTL_/, '').toLowerCase();

/** The request number of an ioctl for a caller whose struct is `size` bytes. */
export function requestWithSize(io: CompiledIoctl, size: number): number {
  return ioc('generic', io.spec.dir, uapi.compiled.spec.ioctlType, io.spec.nr, size);
}

function argOfSize(io: CompiledIoctl, size: number, edit?: (v: DataView) => void): Uint8Array {
  const bytes = uapi.struct(io.spec.arg as 'oa_submit').encode({}, size);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, size, true);
  edit?.(v);
  return bytes;
}

function commonRuleTests(): TestCase[] {
  const tests: TestCase[] = [];
  for (const io of uapi.compiled.ioctls.values()) {
    const name = io.spec.name;
    const id = `ioctl.${short(name)}`;
    const size = io.arg.sizeBytes;
    tests.push(
      {
        id: `${id}.size_too_small`,
        doc: `${name}: an argument smaller than the struct's first version is EINVAL`,
        profiles: ['core'],
        run(env) {
          const small = io.arg.minSizeBytes - 4;
          expectErrno(`${name} with a ${small}-byte argument`, 'EINVAL', rawIoctl(env.open(), requestWithSize(io, small), argOfSize(io, small)));
        },
      },
      {
        id: `${id}.size_mismatch`,
        doc: `${name}: a size field that differs from _IOC_SIZE is EINVAL`,
        profiles: ['core'],
        run(env) {
          const arg = argOfSize(io, size, (v) => v.setUint32(0, size + 8, true));
          expectErrno(`${name} with size field ${size + 8} in a ${size}-byte request`, 'EINVAL', rawIoctl(env.open(), requestWithSize(io, size), arg));
        },
      },
      {
        id: `${id}.nonzero_tail`,
        doc: `${name}: a longer struct whose unknown tail is non-zero is E2BIG`,
        profiles: ['core'],
        run(env) {
          const arg = argOfSize(io, size + 16, (v) => v.setUint8(size + 9, 1));
          expectErrno(`${name} with a non-zero byte at ${size + 9} of ${size + 16}`, 'E2BIG', rawIoctl(env.open(), requestWithSize(io, size + 16), arg));
        },
      },
      {
        id: `${id}.zero_tail_accepted`,
        doc: `${name}: a longer struct with a zero tail is treated like the struct itself`,
        profiles: ['core'],
        run(env) {
          const exact = rawIoctl(env.open(), requestWithSize(io, size), argOfSize(io, size));
          const longer = rawIoctl(env.open(), requestWithSize(io, size + 16), argOfSize(io, size + 16));
          expectEqual(`${name} answer for a ${size + 16}-byte zero-tailed argument vs the ${size}-byte one`, exact ?? 'success', longer ?? 'success');
        },
      },
    );
    for (const f of io.arg.fields) {
      if (f.field.dir === 'out') continue;
      if (f.field.flags) {
        const mask = uapi.compiled.flagSets.get(f.field.flags)!.mask;
        const bits = f.type.sizeBytes * 8;
        let bit = bits - 1;
        while (bit >= 0 && (mask >> BigInt(bit)) & 1n) bit--;
        if (bit < 0) continue;
        tests.push({
          id: `${id}.unknown_flags.${f.field.name}`,
          doc: `${name}: an undefined bit in ${f.field.name} is EINVAL`,
          profiles: ['core'],
          run: (env) => controlled(env, io, (v) => v.setUint32(f.offset, v.getUint32(f.offset, true) | ((1 << bit) >>> 0), true), `${f.field.name} bit ${bit} set`),
        });
      }
      if (f.field.reserved) {
        tests.push({
          id: `${id}.reserved_nonzero.${f.field.name}`,
          doc: `${name}: a non-zero reserved field ${f.field.name} is EINVAL`,
          profiles: ['core'],
          run: (env) => controlled(env, io, (v) => v.setUint8(f.offset, 1), `${f.field.name} = 1`),
        });
      }
    }
    if (!UNBOUND_OK.includes(name)) {
      tests.push({
        id: `${id}.not_bound`,
        doc: `${name} before OA_IOCTL_BIND_CONTEXT is EBADFD`,
        profiles: ['core'],
        run(env) {
          expectErrno(`${name} on an unbound context`, 'EBADFD', rawIoctl(env.open(), requestWithSize(io, size), argOfSize(io, size)));
        },
      });
    }
  }
  return tests;
}

const info = uapi.compiled.ioctls.get('OA_IOCTL_GET_INFO')!;

function specificTests(): TestCase[] {
  const ctxIoctl = (env: TestEnv) => env.context();
  const expectIoctl = (what: string, errno: Parameters<typeof expectThrowsErrno>[1], env: TestEnv, name: IoctlName, input: Record<string, unknown>) =>
    expectThrowsErrno(what, errno, () => ctxIoctl(env).ioctl(name, input as never));
  return [
    {
      id: 'ioctl.common.unknown_nr',
      doc: 'an OpenAccel-typed request with an undefined nr is ENOTTY',
      profiles: ['core'],
      run: (env) => expectErrno('nr 0xfe', 'ENOTTY', rawIoctl(env.open(), ioc('generic', 'readwrite', uapi.compiled.spec.ioctlType, 0xfe, 16), new Uint8Array(16))),
    },
    {
      id: 'ioctl.common.wrong_type',
      doc: 'a request of another ioctl type is ENOTTY',
      profiles: ['core'],
      run: (env) => expectErrno("DMA_HEAP_IOCTL_ALLOC ('H', 0) on the device", 'ENOTTY', rawIoctl(env.open(), 0xc0184800, new Uint8Array(24))),
    },
    {
      id: 'ioctl.common.wrong_direction',
      doc: 'a known nr with the wrong direction bits is ENOTTY',
      profiles: ['core'],
      run(env) {
        const req = ioc('generic', 'write', uapi.compiled.spec.ioctlType, info.spec.nr, info.arg.sizeBytes);
        expectErrno('GET_INFO encoded as _IOW', 'ENOTTY', rawIoctl(env.open(), req, argOfSize(info, info.arg.sizeBytes)));
      },
    },
    {
      id: 'ioctl.get_info.values',
      doc: 'GET_INFO reports API 1.x, the spec entry sizes and a power-of-two ring limit',
      profiles: ['core'],
      run(env) {
        const i = env.info;
        expectEqual('api_major', 1, i.apiVersion.major);
        expectEqual('sqe_size', uapi.constant('OA_SQE_SIZE'), i.sqeSize);
        expectEqual('cqe_size', uapi.constant('OA_CQE_SIZE'), i.cqeSize);
        expectEqual('doorbell_size', uapi.constant('OA_DOORBELL_REGION_SIZE'), i.doorbellSize);
        expectTrue(`max_sq_entries ${i.maxSqEntries} is a power of two >= 2`, i.maxSqEntries >= 2 && (i.maxSqEntries & (i.maxSqEntries - 1)) === 0);
        expectTrue(`max_cq_entries ${i.maxCqEntries} >= max_sq_entries`, i.maxCqEntries >= i.maxSqEntries);
        expectTrue('free_queues <= max_queues', i.freeQueues <= i.maxQueues);
        expectTrue('functions include nop', i.functions.includes('nop'));
      },
    },
    {
      id: 'ioctl.bind_context.already_bound',
      doc: 'binding a context twice is EBUSY',
      profiles: ['core'],
      run: (env) => expectIoctl('second BIND_CONTEXT', 'EBUSY', env, 'OA_IOCTL_BIND_CONTEXT', {}),
    },
    {
      id: 'ioctl.bind_context.sva',
      doc: 'OA_BIND_SVA gets a PASID on an SVA device and EOPNOTSUPP on any other',
      profiles: ['core'],
      run(env) {
        const t = env.open();
        const io = uapi.ioctl('OA_IOCTL_BIND_CONTEXT');
        const arg = io.encode({ flags: 1 });
        const errno = rawIoctl(t, io.request(), arg);
        if (env.info.caps.includes('sva')) {
          expectSuccess('BIND_CONTEXT with OA_BIND_SVA on an SVA device', errno);
          expectTrue('pasid is non-zero', io.decode(arg).pasid !== 0, '0');
        } else expectErrno('BIND_CONTEXT with OA_BIND_SVA without OA_CAP_SVA', 'EOPNOTSUPP', errno);
      },
    },
    {
      id: 'ioctl.create_queue.sq_entries_invalid',
      doc: 'sq_entries not a power of two, below 2 or above max_sq_entries is EINVAL',
      profiles: ['core'],
      run(env) {
        for (const n of [0, 1, 3, env.info.maxSqEntries * 2]) expectIoctl(`CREATE_QUEUE sq_entries ${n}`, 'EINVAL', env, 'OA_IOCTL_CREATE_QUEUE', { sq_entries: n });
      },
    },
    {
      id: 'ioctl.create_queue.cq_entries_invalid',
      doc: 'cq_entries smaller than sq_entries or not a power of two is EINVAL',
      profiles: ['core'],
      run(env) {
        expectIoctl('CREATE_QUEUE sq 8 cq 4', 'EINVAL', env, 'OA_IOCTL_CREATE_QUEUE', { sq_entries: 8, cq_entries: 4 });
        expectIoctl('CREATE_QUEUE sq 8 cq 12', 'EINVAL', env, 'OA_IOCTL_CREATE_QUEUE', { sq_entries: 8, cq_entries: 12 });
      },
    },
    {
      id: 'ioctl.create_queue.no_free_queue',
      doc: 'once every queue is taken, CREATE_QUEUE is ENOSPC, and destroying one frees it',
      profiles: ['core'],
      timeoutMs: 30000,
      run(env) {
        const ctx = env.context();
        const free = openDeviceInfo(env).freeQueues;
        const ids: number[] = [];
        for (let i = 0; i < free; i++) ids.push(ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id);
        expectThrowsErrno(`CREATE_QUEUE with all ${free} free queues taken`, 'ENOSPC', () => ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }));
        ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: ids.pop()! });
        ids.push(ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id);
        for (const id of ids) ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: id });
      },
    },
    {
      id: 'ioctl.destroy_queue.queue_not_found',
      doc: 'destroying an unknown (or already destroyed) queue is ENOENT',
      profiles: ['core'],
      run(env) {
        const ctx = env.context();
        const id = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id;
        ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: id });
        expectThrowsErrno('DESTROY_QUEUE twice', 'ENOENT', () => ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: id }));
        expectThrowsErrno('DESTROY_QUEUE 0xffff', 'ENOENT', () => ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: 0xffff }));
      },
    },
    {
      id: 'ioctl.set_eventfd.rules',
      doc: 'SET_EVENTFD: unknown queue ENOENT, closed fd EBADF, non-eventfd EINVAL, -1 detaches',
      profiles: ['core'],
      requires: { caps: ['eventfd'] },
      run(env) {
        const ctx = env.context();
        const id = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 2 }).queue_id;
        const efd = createEventfd();
        env.track({ close: () => closeFd(efd) });
        expectThrowsErrno('SET_EVENTFD on queue 0xffff', 'ENOENT', () => ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: 0xffff, eventfd: efd }));
        expectThrowsErrno('SET_EVENTFD with a closed fd', 'EBADF', () => ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd: 4095 }));
        const nul = openSync('/dev/null', 'r');
        try {
          expectThrowsErrno('SET_EVENTFD with /dev/null', 'EINVAL', () => ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd: nul }));
        } finally {
          closeSync(nul);
        }
        ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd: efd });
        ctx.ioctl('OA_IOCTL_SET_EVENTFD', { queue_id: id, eventfd: -1 });
      },
    },
    {
      id: 'ioctl.submit.rules',
      doc: 'SUBMIT: unknown queue ENOENT, a tail beyond the ring EINVAL',
      profiles: ['core'],
      run(env) {
        const ctx = env.context();
        const id = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: 4 }).queue_id;
        expectThrowsErrno('SUBMIT on queue 0xffff', 'ENOENT', () => ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: 0xffff, sq_tail: 0 }));
        expectThrowsErrno('SUBMIT with sq_tail 5 on a 4-entry ring', 'EINVAL', () => ctx.ioctl('OA_IOCTL_SUBMIT', { queue_id: id, sq_tail: 5 }));
      },
    },
    {
      id: 'ioctl.query_memory.memory_not_found',
      doc: 'QUERY_MEMORY of memory_id >= num_memories is ENOENT',
      profiles: ['core'],
      run: (env) => expectIoctl(`QUERY_MEMORY ${env.info.numMemories}`, 'ENOENT', env, 'OA_IOCTL_QUERY_MEMORY', { memory_id: env.info.numMemories }),
    },
    {
      id: 'ioctl.alloc_memory.rules',
      doc: 'ALLOC_MEMORY: unknown memory ENOENT, length 0 or unaligned EINVAL, more than free ENOMEM',
      profiles: ['dmabuf'],
      requires: { caps: ['device_memory'] },
      run(env) {
        if (env.info.numMemories === 0) throw new SkipTest('a memory region', 'the device reports no memory region');
        const ctx = env.context();
        expectThrowsErrno('ALLOC_MEMORY from an unknown region', 'ENOENT', () => ctx.allocMemory(env.info.numMemories, 4096));
        expectThrowsErrno('ALLOC_MEMORY length 0', 'EINVAL', () => ctx.allocMemory(0, 0));
        expectThrowsErrno('ALLOC_MEMORY length 100', 'EINVAL', () => ctx.allocMemory(0, 100));
        const free = ctx.queryMemory(0).freeBytes;
        expectThrowsErrno(`ALLOC_MEMORY of ${free + 4096n} bytes with ${free} free`, 'ENOMEM', () => ctx.allocMemory(0, free + 4096n));
      },
    },
    {
      id: 'ioctl.free_memory.handle_not_found',
      doc: 'FREE_MEMORY of an unknown handle is ENOENT',
      profiles: ['core'],
      run: (env) => expectIoctl('FREE_MEMORY 0x7fff', 'ENOENT', env, 'OA_IOCTL_FREE_MEMORY', { handle: 0x7fff }),
    },
    {
      id: 'ioctl.import_dmabuf.rules',
      doc: 'IMPORT_DMABUF: a closed fd is EBADF, an open fd that is not a dma-buf EINVAL',
      profiles: ['dmabuf'],
      requires: { caps: ['dmabuf_import'] },
      run(env) {
        const ctx = env.context();
        expectThrowsErrno('IMPORT_DMABUF of a closed fd', 'EBADF', () => ctx.importDmabuf(4095));
        const nul = openSync('/dev/null', 'r');
        try {
          expectThrowsErrno('IMPORT_DMABUF of /dev/null', 'EINVAL', () => ctx.importDmabuf(nul));
        } finally {
          closeSync(nul);
        }
      },
    },
    {
      id: 'ioctl.export_dmabuf.handle_not_found',
      doc: 'EXPORT_DMABUF of an unknown handle is ENOENT',
      profiles: ['dmabuf'],
      requires: { caps: ['dmabuf_export'] },
      run: (env) => expectIoctl('EXPORT_DMABUF 0x7fff', 'ENOENT', env, 'OA_IOCTL_EXPORT_DMABUF', { handle: 0x7fff }),
    },
  ];
}

function openDeviceInfo(env: TestEnv) {
  const t = env.open();
  const io = uapi.ioctl('OA_IOCTL_GET_INFO');
  const arg = io.encode({});
  const e = rawIoctl(t, io.request(), arg);
  if (e) throw new ConformanceFailure(`GET_INFO failed with ${e}`, 'success', e);
  return { freeQueues: io.decode(arg).free_queues };
}

export const ioctlSuite: TestCase[] = [...commonRuleTests(), ...specificTests()];
