/**
 * The functions of 2.0 on GEM objects, against independent implementations (node:crypto, node:zlib, the
 * CRC-32C table): each opcode's result, and every status it lists from a valid command changed in one
 * operand. Test ids are `functions.<fn>.<status>`, so each names its rule `opcode.<fn>.<status>`.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Transport } from '@openaccel/driver';
import { C } from '@openaccel/sys';
import { openaccelV2, uapi2 } from '@openaccel/uapi';
import { ConformanceFailure, expectEqual, SkipTest, type TestCase } from '../../model.js';
import { crc32c } from '../../reference.js';
import type { AccelEnv } from '../accel-env.js';
import { AccelQueue, type Cqe, type SqeFields } from '../accel-queue.js';

type T = TestCase<AccelEnv>;

const STATUS = Object.fromEntries(openaccelV2.enums.find((e) => e.name === 'oa_status')!.entries.map((e) => [e.name.replace(/^OA_STATUS_/, ''), e.value])) as Record<string, number>;
const statusName = (n: number) => Object.entries(STATUS).find(([, v]) => v === n)?.[0] ?? String(n);
const PARAMS = uapi2.struct('oa_aes_gcm_params');

function expectStatus(what: string, expected: string, c: Cqe): void {
  if (c.status !== STATUS[expected]) throw new ConformanceFailure(`${what}: expected status ${expected}, seen ${statusName(c.status)}`, expected, statusName(c.status));
}

/** A CPU-mapped GEM object of the file. */
interface Gem {
  handle: number;
  size: number;
  bytes: Uint8Array;
}

/** A queue and GEM objects of one bound file, all released when the test ends. */
class Bench {
  readonly t: Transport;
  readonly q: AccelQueue;
  private readonly memory: { id: number; align: number };

  constructor(readonly env: AccelEnv) {
    this.t = env.bound();
    this.q = new AccelQueue(env, this.t, { sqEntries: 4 });
    let found: { id: number; align: number } | undefined;
    for (let id = 0; id < env.info.numMemories && !found; id++) {
      const r = env.io(this.t, 'DRM_IOCTL_OA_QUERY_MEMORY', { memory_id: id });
      const o = r.out as { alloc_align: number; properties: number };
      if (!r.errno && o.alloc_align > 0 && o.properties & 2) found = { id, align: o.alloc_align };
    }
    if (!found) throw new SkipTest('a CPU-visible memory GEM objects can be created in');
    this.memory = found;
  }

  gem(size: number): Gem {
    const bytes = Math.max(this.memory.align, Math.ceil(size / this.memory.align) * this.memory.align);
    const r = this.env.io(this.t, 'DRM_IOCTL_OA_GEM_CREATE', { memory_id: this.memory.id, size: BigInt(bytes) });
    if (r.errno) throw new ConformanceFailure(`GEM_CREATE of ${bytes} bytes failed with ${r.errno}`, 'success', r.errno);
    const handle = (r.out as { handle: number }).handle;
    this.env.track({ close: () => this.env.core(this.t, 'DRM_IOCTL_GEM_CLOSE', { handle }) });
    const info = this.env.io(this.t, 'DRM_IOCTL_OA_GEM_INFO', { handle });
    const m = this.env.track(this.t.mmap((info.out as { mmap_offset: bigint }).mmap_offset, bytes, C.PROT_READ | C.PROT_WRITE, C.MAP_SHARED));
    return { handle, size: bytes, bytes: new Uint8Array(m.buffer) };
  }

  filled(data: Uint8Array): Gem {
    const g = this.gem(data.length + 64);
    g.bytes.set(data);
    return g;
  }
}

interface Fixture {
  /** A valid command and how to check what it produced. */
  valid(b: Bench): { sqe: SqeFields; check(c: Cqe): void };
  /** The valid command with a destination one byte too small. */
  tooSmall?(b: Bench): SqeFields;
}

const op = (name: string) => openaccelV2.opcodes.find((o) => o.name === name)!.value;
const io = (src: Gem | undefined, srcLength: number, dst: Gem | undefined, dstLength: number): SqeFields => ({
  ...(src ? { src_handle: src.handle, src_length: srcLength } : {}),
  ...(dst ? { dst_handle: dst.handle, dst_length: dstLength } : {}),
});

function expectBytes(what: string, expected: Uint8Array, seen: Uint8Array): void {
  if (Buffer.compare(expected, seen) !== 0) throw new ConformanceFailure(`${what} differ from the reference`, Buffer.from(expected.subarray(0, 32)).toString('hex'), Buffer.from(seen.subarray(0, 32)).toString('hex'));
}

function aes(b: Bench, decrypt: boolean): { params: Gem; key: Buffer; iv: Buffer; tag: Buffer; plain: Buffer; cipher: Buffer } {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const plain = randomBytes(333);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const cipher = Buffer.concat([c.update(plain), c.final()]);
  const tag = c.getAuthTag();
  const params = b.gem(PARAMS.sizeBytes);
  params.bytes.set(PARAMS.encode({ key, iv, key_bytes: 32, tag: decrypt ? tag : new Uint8Array(16) } as never));
  return { params, key, iv, tag, plain, cipher };
}

const FIXTURES: Record<string, Fixture> = {
  OA_OP_COPY: {
    valid(b) {
      const data = randomBytes(1000);
      const src = b.filled(data);
      const dst = b.gem(1000);
      return { sqe: { opcode: op('OA_OP_COPY'), ...io(src, 1000, dst, 1000) }, check: (c) => (expectEqual('result', 1000, c.result), expectBytes('copied bytes', data, dst.bytes.subarray(0, 1000))) };
    },
    tooSmall: (b) => ({ opcode: op('OA_OP_COPY'), ...io(b.filled(randomBytes(100)), 100, b.gem(100), 99) }),
  },
  OA_OP_FILL: {
    valid(b) {
      const dst = b.gem(100);
      const pattern = 0x0123456789abcdefn;
      const want = Buffer.alloc(100);
      for (let i = 0; i < 100; i++) want[i] = Number((pattern >> BigInt((i % 8) * 8)) & 0xffn);
      return { sqe: { opcode: op('OA_OP_FILL'), ...io(undefined, 0, dst, 100), arg: pattern }, check: (c) => (expectEqual('result', 100, c.result), expectBytes('filled bytes', want, dst.bytes.subarray(0, 100))) };
    },
  },
  OA_OP_CRC32C: {
    valid(b) {
      const data = randomBytes(777);
      return { sqe: { opcode: op('OA_OP_CRC32C'), ...io(b.filled(data), 777, undefined, 0) }, check: (c) => expectEqual('CRC-32C', crc32c(data) >>> 0, c.result >>> 0) };
    },
  },
  OA_OP_SHA256: {
    valid(b) {
      const data = randomBytes(300);
      const dst = b.gem(32);
      return { sqe: { opcode: op('OA_OP_SHA256'), ...io(b.filled(data), 300, dst, 32) }, check: (c) => (expectEqual('result', 32, c.result), expectBytes('digest', createHash('sha256').update(data).digest(), dst.bytes.subarray(0, 32))) };
    },
    tooSmall: (b) => ({ opcode: op('OA_OP_SHA256'), ...io(b.filled(randomBytes(10)), 10, b.gem(32), 31) }),
  },
  OA_OP_DEFLATE: {
    valid(b) {
      const data = Buffer.from('openaccel '.repeat(200));
      const dst = b.gem(4096);
      return { sqe: { opcode: op('OA_OP_DEFLATE'), ...io(b.filled(data), data.length, dst, 4096), arg: 6n }, check: (c) => expectBytes('inflated output', data, inflateRawSync(dst.bytes.subarray(0, c.result))) };
    },
    tooSmall: (b) => ({ opcode: op('OA_OP_DEFLATE'), ...io(b.filled(randomBytes(2000)), 2000, b.gem(64), 16), arg: 6n }),
  },
  OA_OP_INFLATE: {
    valid(b) {
      const data = randomBytes(500);
      const packed = deflateRawSync(data);
      const dst = b.gem(500);
      return { sqe: { opcode: op('OA_OP_INFLATE'), ...io(b.filled(packed), packed.length, dst, 500) }, check: (c) => (expectEqual('result', 500, c.result), expectBytes('inflated bytes', data, dst.bytes.subarray(0, 500))) };
    },
    tooSmall: (b) => {
      const packed = deflateRawSync(randomBytes(500));
      return { opcode: op('OA_OP_INFLATE'), ...io(b.filled(packed), packed.length, b.gem(500), 499) };
    },
  },
  OA_OP_AES_GCM_ENCRYPT: {
    valid(b) {
      const a = aes(b, false);
      const src = b.filled(a.plain);
      const dst = b.gem(a.plain.length);
      const tagAt = PARAMS.offsetOf('tag');
      return {
        sqe: { opcode: op('OA_OP_AES_GCM_ENCRYPT'), ...io(src, a.plain.length, dst, a.plain.length), param_handle: a.params.handle },
        check: (c) => (expectEqual('result', a.plain.length, c.result), expectBytes('ciphertext', a.cipher, dst.bytes.subarray(0, a.plain.length)), expectBytes('tag', a.tag, a.params.bytes.subarray(tagAt, tagAt + 16))),
      };
    },
    tooSmall(b) {
      const a = aes(b, false);
      return { opcode: op('OA_OP_AES_GCM_ENCRYPT'), ...io(b.filled(a.plain), a.plain.length, b.gem(a.plain.length), a.plain.length - 1), param_handle: a.params.handle };
    },
  },
  OA_OP_AES_GCM_DECRYPT: {
    valid(b) {
      const a = aes(b, true);
      const dst = b.gem(a.cipher.length);
      return { sqe: { opcode: op('OA_OP_AES_GCM_DECRYPT'), ...io(b.filled(a.cipher), a.cipher.length, dst, a.cipher.length), param_handle: a.params.handle }, check: (c) => (expectEqual('result', a.plain.length, c.result), expectBytes('plaintext', a.plain, dst.bytes.subarray(0, a.plain.length))) };
    },
    tooSmall(b) {
      const a = aes(b, true);
      return { opcode: op('OA_OP_AES_GCM_DECRYPT'), ...io(b.filled(a.cipher), a.cipher.length, b.gem(a.cipher.length), a.cipher.length - 1), param_handle: a.params.handle };
    },
  },
};

function functionTests(): T[] {
  const tests: T[] = [];
  for (const o of openaccelV2.opcodes) {
    const fx = FIXTURES[o.name];
    if (!fx) continue; // NOP: the data-path tests (protocol.ring.complete) run it
    const fn = o.name.replace(/^OA_OP_/, '').toLowerCase();
    const statuses: readonly string[] = o.operands.statuses;
    const add = (rule: string, doc: string, run: (b: Bench, env: AccelEnv) => Promise<void>, needs = true) =>
      tests.push({ id: `functions.${fn}.${rule}`, doc, profiles: needs ? ['queue'] : [], ...(needs ? { requires: { functions: [fn] } } : {}), run: (env) => run(new Bench(env), env) });
    add('ok', `${o.name} on GEM objects gives what the reference gives`, async (b) => {
      const v = fx.valid(b);
      const c = await b.q.run(v.sqe);
      expectStatus(o.name, 'OK', c);
      v.check(c);
    });
    add('invalid_opcode', `${o.name} completes with INVALID_OPCODE exactly when the bitmap of QUERY_FUNCTIONS lacks it`, async (b, env) => {
      const has = env.info.functions.includes(fn);
      expectStatus(`${o.name} on a device ${has ? 'with' : 'without'} it`, has ? 'OK' : 'INVALID_OPCODE', await b.q.run(fx.valid(b).sqe));
    }, false);
    add('invalid_field', `${o.name} with reserved1 set is INVALID_FIELD`, async (b) => {
      expectStatus(`${o.name} with reserved1 1`, 'INVALID_FIELD', await b.q.run({ ...fx.valid(b).sqe, reserved1: 1 }));
    });
    add('address_fault', `${o.name} naming a GEM handle the file does not have is ADDRESS_FAULT, in each memory operand (rule memory.access)`, async (b) => {
      for (const k of ['src', 'dst', 'param'] as const) {
        if (o.operands[k] === '-') continue;
        expectStatus(`${o.name} with ${k}_handle 0x7fff`, 'ADDRESS_FAULT', await b.q.run({ ...fx.valid(b).sqe, [`${k}_handle`]: 0x7fff }));
      }
    });
    if (fx.tooSmall && statuses.includes('OA_STATUS_DST_TOO_SMALL')) {
      const tooSmall = fx.tooSmall;
      add('dst_too_small', `${o.name} into a destination one byte too small is DST_TOO_SMALL`, async (b) => expectStatus(`${o.name} with dst_length one short`, 'DST_TOO_SMALL', await b.q.run(tooSmall(b))));
    }
  }
  tests.push({
    id: 'functions.nop.invalid_field',
    doc: 'a NOP with a non-zero operand, reserved1 or an undefined flag is INVALID_FIELD',
    profiles: ['queue'],
    async run(env) {
      const q = new AccelQueue(env, env.bound(), { sqEntries: 4 });
      for (const [what, sqe] of [['src_handle 1', { src_handle: 1 }], ['dst_length 64', { dst_length: 64 }], ['arg 1', { arg: 1n }], ['reserved1 1', { reserved1: 1 }], ['flags bit 15', { flags: 0x8000 }]] as const) {
        expectStatus(`NOP with ${what}`, 'INVALID_FIELD', await q.run(sqe));
      }
    },
  });
  tests.push({
    id: 'functions.inflate.data_error',
    doc: 'OA_OP_INFLATE of a corrupt stream is DATA_ERROR',
    profiles: ['queue'],
    requires: { functions: ['inflate'] },
    async run(env) {
      const b = new Bench(env);
      expectStatus('INFLATE of 0xff bytes (reserved block type)', 'DATA_ERROR', await b.q.run({ opcode: op('OA_OP_INFLATE'), ...io(b.filled(new Uint8Array(16).fill(0xff)), 16, b.gem(100), 100) }));
    },
  });
  tests.push({
    id: 'functions.aes_gcm_decrypt.auth_failed',
    doc: 'OA_OP_AES_GCM_DECRYPT with one tag bit flipped is AUTH_FAILED',
    profiles: ['queue'],
    requires: { functions: ['aes_gcm_decrypt'] },
    async run(env) {
      const b = new Bench(env);
      const a = aes(b, true);
      const sqe = { opcode: op('OA_OP_AES_GCM_DECRYPT'), ...io(b.filled(a.cipher), a.cipher.length, b.gem(a.cipher.length), a.cipher.length), param_handle: a.params.handle };
      expectStatus('DECRYPT with the right tag (control)', 'OK', await b.q.run(sqe));
      a.params.bytes[PARAMS.offsetOf('tag') + 15]! ^= 0x01;
      expectStatus('DECRYPT with the last tag bit flipped', 'AUTH_FAILED', await b.q.run(sqe));
    },
  });
  return tests;
}

export const functionsSuite: T[] = functionTests();
