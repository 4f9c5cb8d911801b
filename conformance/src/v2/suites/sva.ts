/** SVA as a per-context opt-in (rule memory.sva) and what an SVA address fault promises (rule memory.fault). */
import { randomBytes } from 'node:crypto';
import { openaccelV2 } from '@openaccel/uapi';
import { expectSuccess } from '../../env.js';
import { ConformanceFailure, expectEqual, expectTrue, type TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue } from '../accel-queue.js';
import { FdinfoFile } from '../fdinfo-file.js';

type T = TestCase<AccelEnv>;

const COPY = openaccelV2.opcodes.find((o) => o.name === 'OA_OP_COPY')!.value;
const STATUS = Object.fromEntries(openaccelV2.enums.find((e) => e.name === 'oa_status')!.entries.map((e) => [e.name, e.value]));
/** Buffers the device reads while this process runs: a page or more, so they live outside the moving heap. */
const PAGE = 4096;
const GUARD = 0xee;

export const svaSuite: T[] = [
  {
    id: 'protocol.memory.sva',
    doc: 'a context bound with OA_BIND_SVA runs COPY between process addresses (handle OA_HANDLE_NONE); the same addresses on a context bound without it fault; fdinfo says openaccel-sva 1 and shows no PASID',
    profiles: ['sva'],
    requires: { caps: ['sva'], functions: ['copy'] },
    async run(env) {
      const data = randomBytes(1000);
      const src = env.buffer(PAGE);
      const dst = env.buffer(PAGE);
      src.bytes.set(data);
      const q = new AccelQueue(env, env.bound({ sva: true }), { sqEntries: 2 });
      const c = await q.run({ opcode: COPY, src_addr: src.address, src_length: data.length, dst_addr: dst.address, dst_length: data.length });
      expectEqual('COPY between SVA addresses: status', STATUS.OA_STATUS_OK, c.status);
      expectTrue('the copied bytes', Buffer.compare(data, dst.bytes.subarray(0, data.length)) === 0);
      const plain = new AccelQueue(env, env.bound(), { sqEntries: 2 });
      const f = await plain.run({ opcode: COPY, src_addr: src.address, src_length: 16, dst_addr: dst.address, dst_length: 16 });
      expectEqual('the same COPY on a context bound without OA_BIND_SVA: status', STATUS.OA_STATUS_ADDRESS_FAULT, f.status);
      const file = env.track(new FdinfoFile(env.device));
      expectSuccess('BIND_CONTEXT with OA_BIND_SVA', env.io(file, 'DRM_IOCTL_OA_BIND_CONTEXT', { flags: 1 }).errno);
      const keys = file.fdinfo();
      expectEqual('openaccel-sva of an SVA context', '1', keys.get('openaccel-sva'));
      expectTrue('no PASID in fdinfo', ![...keys.keys()].some((k) => /pasid/i.test(k)), [...keys.keys()].join(','));
    },
  },
  {
    id: 'protocol.memory.fault',
    doc: 'an SVA COPY from an unmapped address completes ADDRESS_FAULT with result 0 and writes nothing outside dst: the guard bytes past dst_length are intact',
    profiles: ['sva'],
    requires: { caps: ['sva'], functions: ['copy'] },
    async run(env) {
      const dst = env.buffer(PAGE);
      dst.bytes.fill(GUARD);
      const q = new AccelQueue(env, env.bound({ sva: true }), { sqEntries: 2 });
      // Address 8 is in the zero page, which no process maps.
      const c = await q.run({ opcode: COPY, src_addr: 8n, src_length: 256, dst_addr: dst.address, dst_length: 256 });
      expectEqual('status', STATUS.OA_STATUS_ADDRESS_FAULT, c.status);
      expectEqual('result after an address fault', 0, c.result);
      const past = dst.bytes.subarray(256);
      const bad = past.findIndex((b) => b !== GUARD);
      if (bad >= 0) throw new ConformanceFailure(`byte ${256 + bad}, past dst_length, was written`, `0x${GUARD.toString(16)}`, `0x${past[bad]!.toString(16)}`);
    },
  },
];
