/** mmap of the queue regions: sizes, offsets, map-once, protections, and what happens after destroy. */
import { C, type Mapping } from '@openaccel/sys';
import type { Context } from '@openaccel/driver';
import { expectThrowsErrno, type TestEnv } from '../env.js';
import { expectEqual, type TestCase } from '../model.js';

interface Created {
  ctx: Context;
  id: number;
  regions: { name: string; offset: bigint; size: number }[];
}

function create(env: TestEnv, sq = 8): Created {
  const ctx = env.context();
  const r = ctx.ioctl('OA_IOCTL_CREATE_QUEUE', { sq_entries: sq });
  return {
    ctx,
    id: r.queue_id,
    regions: [
      { name: 'doorbell', offset: r.doorbell_offset, size: r.doorbell_size },
      { name: 'sq', offset: r.sq_offset, size: r.sq_size },
      { name: 'cq', offset: r.cq_offset, size: r.cq_size },
    ],
  };
}

const RW = C.PROT_READ | C.PROT_WRITE;
const map = (env: TestEnv, c: Created, offset: bigint, size: number, prot = RW, flags: number = C.MAP_SHARED): Mapping => env.track(c.ctx.transport.mmap(offset, size, prot, flags));

export const mmapSuite: TestCase[] = [
  {
    id: 'mmap.regions.sizes',
    doc: 'the three regions have the sizes the spec computes and map at their offsets',
    profiles: ['queue'],
    run(env) {
      const c = create(env, 64);
      const page = 4096;
      expectEqual('doorbell_size', 4096, c.regions[0]!.size);
      expectEqual('sq_size', Math.ceil((64 * 64) / page) * page, c.regions[1]!.size);
      expectEqual('cq_size', Math.ceil((64 * 16) / page) * page, c.regions[2]!.size);
      for (const r of c.regions) {
        expectEqual(`${r.name} offset is page aligned`, 0n, r.offset % 4096n);
        map(env, c, r.offset, r.size);
      }
    },
  },
  {
    id: 'mmap.map_once',
    doc: 'each region is mappable once (EEXIST the second time)',
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      for (const r of c.regions) {
        map(env, c, r.offset, r.size);
        expectThrowsErrno(`second mmap of ${r.name}`, 'EEXIST', () => map(env, c, r.offset, r.size));
      }
    },
  },
  {
    id: 'mmap.wrong_length',
    doc: 'a length other than the region size is EINVAL',
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      const r = c.regions[1]!;
      expectThrowsErrno('mmap of the SQ with twice its size', 'EINVAL', () => map(env, c, r.offset, r.size * 2));
    },
  },
  {
    id: 'mmap.private',
    doc: 'MAP_PRIVATE is EINVAL: a private copy would never see the device',
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      const r = c.regions[2]!;
      expectThrowsErrno('MAP_PRIVATE mmap of the CQ', 'EINVAL', () => map(env, c, r.offset, r.size, RW, C.MAP_PRIVATE));
    },
  },
  {
    id: 'mmap.exec',
    doc: 'PROT_EXEC is EPERM',
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      const r = c.regions[0]!;
      expectThrowsErrno('PROT_EXEC mmap of the doorbell', 'EPERM', () => map(env, c, r.offset, r.size, RW | C.PROT_EXEC));
    },
  },
  {
    id: 'mmap.unknown_offset',
    doc: 'an offset naming no region of this context is EINVAL',
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      expectThrowsErrno('mmap at offset 0x7fff0000', 'EINVAL', () => map(env, c, 0x7fff0000n, 4096));
    },
  },
  {
    id: 'mmap.after_destroy',
    doc: "a destroyed queue's regions can no longer be mapped; existing mappings stay readable",
    profiles: ['queue'],
    run(env) {
      const c = create(env);
      const db = map(env, c, c.regions[0]!.offset, 4096);
      c.ctx.ioctl('OA_IOCTL_DESTROY_QUEUE', { queue_id: c.id });
      expectThrowsErrno('mmap of a destroyed queue', 'EINVAL', () => map(env, c, c.regions[1]!.offset, c.regions[1]!.size));
      void new Int32Array(db.buffer)[0];
    },
  },
];
