/**
 * Functions at and around their boundaries against independent implementations (node:crypto,
 * node:zlib, the CRC-32C table): lengths 0, 1, block sizes +/- 1; guard bytes past dst_length and past
 * the reported result; every status an opcode lists, each from a valid command changed in one operand.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Command } from '@openaccel/driver';
import { openaccelV1 } from '@openaccel/uapi';
import type { TestEnv } from '../env.js';
import { testBuffer, type TestBuffer } from '../kit.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../model.js';
import { RawQueue, type RawCompletion } from '../raw-queue.js';
import { crc32c } from '../reference.js';
import { functionsSuite, STATUS } from './functions.js';

const statusName = (n: number) => Object.entries(STATUS).find(([, v]) => v === n)?.[0] ?? String(n);
const GUARD = 0xee;

function expectStatus(what: string, expected: string, c: RawCompletion): void {
  if (c.status !== STATUS[expected]) throw new ConformanceFailure(`${what}: expected status ${expected}, seen ${statusName(c.status)}`, expected, statusName(c.status));
}

interface Bench {
  q: RawQueue;
  buf(size: number): TestBuffer;
  /** A buffer holding `data` followed by `guard` guard bytes. */
  filled(data: Uint8Array, guard?: number): TestBuffer;
}

function bench(env: TestEnv): Bench {
  const ctx = env.context({ sva: env.info.caps.includes('sva') });
  const buf = (size: number) => testBuffer(env, ctx, size);
  return {
    q: env.track(new RawQueue(ctx, 16)),
    buf,
    filled(data, guard = 0) {
      const b = buf(data.length + guard);
      const bytes = new Uint8Array(Math.max(data.length + guard, 1)).fill(GUARD);
      bytes.set(data);
      b.write(bytes);
      return b;
    },
  };
}

/** Checks that `length` bytes after `from` still hold the guard. */
function expectGuard(what: string, b: TestBuffer, from: number, length: number): void {
  const bytes = b.read(length, from);
  const bad = bytes.findIndex((x) => x !== GUARD);
  if (bad >= 0) throw new ConformanceFailure(`${what}: byte ${from + bad} past the output was written`, `0x${GUARD.toString(16)}`, `0x${bytes[bad]!.toString(16)}`);
}

function sameBytes(what: string, expected: Uint8Array, seen: Uint8Array): void {
  if (!Buffer.from(expected).equals(Buffer.from(seen))) {
    const at = expected.findIndex((x, i) => x !== seen[i]);
    throw new ConformanceFailure(`${what}: ${expected.length} bytes differ from the reference (first at ${at < 0 ? expected.length : at})`, Buffer.from(expected).subarray(0, 16).toString('hex'), Buffer.from(seen).subarray(0, 16).toString('hex'));
  }
}

function aesParams(b: Bench, key: Uint8Array, iv: Uint8Array, tag?: Uint8Array): TestBuffer {
  const block = new Uint8Array(64);
  block.set(key, 0);
  block.set(iv, 32);
  new DataView(block.buffer).setUint32(44, key.length, true);
  if (tag) block.set(tag, 48);
  return b.filled(block);
}

const fnWord = (name: string) => name.replace(/^OA_OP_/, '').toLowerCase();

function edgeTest(name: string, doc: string, fns: string[], body: (b: Bench, env: TestEnv) => Promise<void>): TestCase {
  return { id: `functions.${name}`, doc, profiles: ['core'], requires: { functions: fns }, timeoutMs: 60000, run: (env) => body(bench(env), env) };
}

/** A valid command of each function, and what each status needs changed. */
interface Fixture {
  valid(b: Bench): Command;
  /** The same command with a destination one byte too small, for functions that list DST_TOO_SMALL. */
  tooSmall?(b: Bench): Command;
}

const aesKey = randomBytes(16);
const aesIv = randomBytes(12);
const aesPlain = randomBytes(64);
const aesSealed = (() => {
  const c = createCipheriv('aes-128-gcm', aesKey, aesIv);
  return { ct: Buffer.concat([c.update(aesPlain), c.final()]), tag: c.getAuthTag() };
})();

const FIXTURES: Record<string, Fixture> = {
  nop: { valid: () => ({ op: 'nop' }) },
  copy: {
    valid: (b) => ({ op: 'copy', src: b.filled(randomBytes(64)).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 64 }),
    tooSmall: (b) => ({ op: 'copy', src: b.filled(randomBytes(64)).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 63 }),
  },
  fill: { valid: (b) => ({ op: 'fill', dst: b.buf(64).ref(), dstLength: 64, arg: 0x0102030405060708n }) },
  crc32c: { valid: (b) => ({ op: 'crc32c', src: b.filled(randomBytes(64)).ref(), srcLength: 64 }) },
  sha256: {
    valid: (b) => ({ op: 'sha256', src: b.filled(randomBytes(64)).ref(), srcLength: 64, dst: b.buf(32).ref(), dstLength: 32 }),
    tooSmall: (b) => ({ op: 'sha256', src: b.filled(randomBytes(64)).ref(), srcLength: 64, dst: b.buf(32).ref(), dstLength: 31 }),
  },
  deflate: {
    valid: (b) => ({ op: 'deflate', src: b.filled(randomBytes(64)).ref(), srcLength: 64, dst: b.buf(4096).ref(), dstLength: 4096, arg: 6 }),
    // Random bytes do not compress: 4096 of them never fit in 64.
    tooSmall: (b) => ({ op: 'deflate', src: b.filled(randomBytes(4096)).ref(), srcLength: 4096, dst: b.buf(64).ref(), dstLength: 64, arg: 6 }),
  },
  inflate: {
    valid: (b) => {
      const z = deflateRawSync(randomBytes(64));
      return { op: 'inflate', src: b.filled(z).ref(), srcLength: z.length, dst: b.buf(64).ref(), dstLength: 64 };
    },
    tooSmall: (b) => {
      const z = deflateRawSync(randomBytes(64));
      return { op: 'inflate', src: b.filled(z).ref(), srcLength: z.length, dst: b.buf(64).ref(), dstLength: 63 };
    },
  },
  aes_gcm_encrypt: {
    valid: (b) => ({ op: 'aes_gcm_encrypt', src: b.filled(aesPlain).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 64, param: aesParams(b, aesKey, aesIv).ref() }),
    tooSmall: (b) => ({ op: 'aes_gcm_encrypt', src: b.filled(aesPlain).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 63, param: aesParams(b, aesKey, aesIv).ref() }),
  },
  aes_gcm_decrypt: {
    valid: (b) => ({ op: 'aes_gcm_decrypt', src: b.filled(aesSealed.ct).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 64, param: aesParams(b, aesKey, aesIv, aesSealed.tag).ref() }),
    tooSmall: (b) => ({ op: 'aes_gcm_decrypt', src: b.filled(aesSealed.ct).ref(), srcLength: 64, dst: b.buf(64).ref(), dstLength: 63, param: aesParams(b, aesKey, aesIv, aesSealed.tag).ref() }),
  },
};

const existing = new Set(functionsSuite.map((t) => t.id));

/** INVALID_OPCODE, INVALID_FIELD, ADDRESS_FAULT and DST_TOO_SMALL for every function that lists them. */
function statusTests(): TestCase[] {
  const tests: TestCase[] = [];
  for (const o of openaccelV1.opcodes) {
    const fn = fnWord(o.name);
    const fx = FIXTURES[fn];
    if (!fx) continue;
    const statuses = o.operands.statuses as readonly string[];
    const add = (status: string, doc: string, requiresFn: boolean, body: (b: Bench, env: TestEnv) => Promise<void>) => {
      const id = `functions.${fn}.${status}`;
      if (existing.has(id)) return;
      tests.push({ id, doc, profiles: ['core'], ...(requiresFn ? { requires: { functions: [fn] } } : {}), timeoutMs: 30000, run: (env) => body(bench(env), env) });
    };
    if (fn !== 'nop') {
      add('invalid_opcode', `${o.name} is INVALID_OPCODE exactly when the device does not list ${fn}`, false, async (b, env) => {
        const has = env.info.functions.includes(fn);
        expectStatus(`${o.name} on a device ${has ? 'with' : 'without'} it`, has ? 'OK' : 'INVALID_OPCODE', await b.q.run(fx.valid(b)));
      });
    }
    // INVALID_FIELD: each operand the function does not use ('-') set non-zero, word by word (handle only,
    // low address word only, high address word only, length only).
    const unused = (['arg', 'param', 'dst', 'src'] as const).filter((k) => o.operands[k] === '-');
    if (unused.length && statuses.includes('OA_STATUS_INVALID_FIELD') && fn !== 'nop') {
      add('invalid_field', `${o.name} with an unused operand (${unused.join(', ')}) set in any one word is INVALID_FIELD`, true, async (b) => {
        expectStatus(`${o.name} (control)`, 'OK', await b.q.run(fx.valid(b)));
        for (const k of unused) {
          const variants: [string, Partial<Command>][] =
            k === 'arg'
              ? [['arg 1', { arg: 1 }]]
              : k === 'param'
                ? [['param handle 1', { param: { handle: 1 } }], ['param address 0x1000', { param: { address: 0x1000n } }], ['param address 2^40', { param: { address: 1n << 40n } }]]
                : [
                    [`${k} handle 1`, { [k]: { handle: 1 } }],
                    [`${k} address 0x1000`, { [k]: { address: 0x1000n } }],
                    [`${k} address 2^40`, { [k]: { address: 1n << 40n } }],
                    [`${k}_length 64`, { [`${k}Length`]: 64 }],
                  ];
          for (const [what, change] of variants) expectStatus(`${o.name} with ${what}`, 'INVALID_FIELD', await b.q.run({ ...fx.valid(b), ...change }));
        }
      });
    }
    if (fn !== 'nop') {
      add('address_fault', `${o.name} naming a handle the context does not have is ADDRESS_FAULT, in each memory operand`, true, async (b) => {
        for (const k of ['src', 'dst', 'param'] as const) {
          if (o.operands[k] === '-') continue;
          const cmd = fx.valid(b);
          cmd[k] = { handle: 0x7fff };
          expectStatus(`${o.name} with ${k} handle 0x7fff`, 'ADDRESS_FAULT', await b.q.run(cmd));
        }
      });
    }
    if (fx.tooSmall && statuses.includes('OA_STATUS_DST_TOO_SMALL')) {
      add('dst_too_small', `${o.name} into a destination one byte too small is DST_TOO_SMALL`, true, async (b) => {
        expectStatus(`${o.name} (control)`, 'OK', await b.q.run(fx.valid(b)));
        expectStatus(`${o.name} with dst_length one too small`, 'DST_TOO_SMALL', await b.q.run(fx.tooSmall!(b)));
      });
    }
  }
  return tests;
}

const BLOCK_EDGES = [0, 1, 7, 8, 9, 15, 16, 17, 55, 56, 63, 64, 65, 4095, 4096, 4097];

export const functionsEdgesSuite: TestCase[] = [
  ...statusTests(),
  edgeTest('copy.edges', 'COPY at lengths 0, 1 and block sizes +/- 1 copies exactly src_length bytes, reports it, and writes nothing past it', ['copy'], async (b) => {
    for (const n of BLOCK_EDGES) {
      const data = randomBytes(n);
      const dst = b.filled(new Uint8Array(0), n + 32);
      const c = await b.q.run({ op: 'copy', src: b.filled(data).ref(), srcLength: n, dst: dst.ref(), dstLength: n });
      expectStatus(`COPY ${n}`, 'OK', c);
      expectEqual(`COPY ${n} result`, n, c.result);
      sameBytes(`COPY ${n}`, data, dst.read(n));
      expectGuard(`COPY ${n}`, dst, n, 32);
    }
  }),
  edgeTest('copy.overlap', 'COPY between overlapping ranges of one buffer completes OK and writes only inside dst', ['copy'], async (b) => {
    const buf = b.filled(randomBytes(8192), 64);
    for (const [from, to] of [[0, 100], [100, 0], [0, 0]] as const) {
      const c = await b.q.run({ op: 'copy', src: buf.ref(from), srcLength: 4096, dst: buf.ref(to), dstLength: 4096 });
      expectStatus(`COPY ${from} -> ${to}, 4096 bytes`, 'OK', c);
      expectGuard(`COPY ${from} -> ${to}`, buf, 8192, 64);
    }
  }),
  edgeTest('fill.edges', 'FILL at lengths 0, 1 and 8-byte multiples +/- 1 writes the truncated pattern and nothing past dst_length', ['fill'], async (b) => {
    const pattern = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    for (const n of BLOCK_EDGES) {
      const dst = b.filled(new Uint8Array(0), n + 32);
      const c = await b.q.run({ op: 'fill', dst: dst.ref(), dstLength: n, arg: 0x0807060504030201n });
      expectStatus(`FILL ${n}`, 'OK', c);
      expectEqual(`FILL ${n} result`, n, c.result);
      sameBytes(`FILL ${n}`, Uint8Array.from({ length: n }, (_, i) => pattern[i % 8]!), dst.read(n));
      expectGuard(`FILL ${n}`, dst, n, 32);
    }
  }),
  edgeTest('crc32c.edges', 'CRC-32C at lengths 0, 1 and block sizes +/- 1, seeded and chained, equals the reference', ['crc32c'], async (b) => {
    for (const n of BLOCK_EDGES) {
      const data = randomBytes(n);
      const src = b.filled(data);
      expectEqual(`CRC32C of ${n} bytes`, crc32c(data), (await b.q.run({ op: 'crc32c', src: src.ref(), srcLength: n })).result >>> 0);
      const seed = 0xdeadbeef;
      const seeded = (await b.q.run({ op: 'crc32c', src: src.ref(), srcLength: n, arg: seed })).result >>> 0;
      expectEqual(`CRC32C of ${n} bytes seeded with 0x${seed.toString(16)}`, crc32c(data, seed), seeded);
    }
  }),
  edgeTest('sha256.edges', 'SHA-256 at lengths around the 64-byte block and its padding (55, 56) equals node:crypto; result 32; nothing past 32 bytes written', ['sha256'], async (b) => {
    for (const n of [...BLOCK_EDGES, 119, 120, 127, 128]) {
      const data = randomBytes(n);
      const dst = b.filled(new Uint8Array(0), 64);
      const c = await b.q.run({ op: 'sha256', src: b.filled(data).ref(), srcLength: n, dst: dst.ref(), dstLength: 48 });
      expectStatus(`SHA256 ${n}`, 'OK', c);
      expectEqual(`SHA256 ${n} result`, 32, c.result);
      sameBytes(`SHA256 of ${n} bytes`, createHash('sha256').update(data).digest(), dst.read(32));
      expectGuard(`SHA256 ${n}`, dst, 32, 32);
    }
  }),
  edgeTest('deflate.edges', 'DEFLATE of 0, 1 and block-edge lengths at levels 0 and 9: result is the exact stream length, it inflates to the input, nothing past it is written', ['deflate'], async (b) => {
    for (const n of [0, 1, 63, 64, 65, 65535, 65536, 65537]) {
      const data = Buffer.concat([randomBytes(n >> 1), Buffer.alloc(n - (n >> 1), 0x41)]);
      for (const level of [0, 9]) {
        const room = n + (n >> 4) + 1024;
        const dst = b.filled(new Uint8Array(0), room + 32);
        const c = await b.q.run({ op: 'deflate', src: b.filled(data).ref(), srcLength: n, dst: dst.ref(), dstLength: room, arg: level });
        expectStatus(`DEFLATE ${n} level ${level}`, 'OK', c);
        if (c.result === 0 || c.result > room) throw new ConformanceFailure(`DEFLATE ${n} level ${level}: result ${c.result}`, `1..${room}`, String(c.result));
        let back: Buffer;
        try {
          back = inflateRawSync(dst.read(c.result));
        } catch (e) {
          throw new ConformanceFailure(`DEFLATE ${n} level ${level}: the ${c.result} reported bytes are not one complete stream (${(e as Error).message})`, 'a complete raw DEFLATE stream', 'zlib error');
        }
        sameBytes(`DEFLATE ${n} level ${level} inflated`, data, back);
        // The last reported byte is part of the stream: a result that is too long leaves it unneeded.
        let shorter = true;
        try {
          inflateRawSync(dst.read(c.result - 1));
        } catch {
          shorter = false;
        }
        if (shorter) throw new ConformanceFailure(`DEFLATE ${n} level ${level}: result ${c.result} counts bytes past the end of the stream`, 'the exact stream length', `${c.result}, but ${c.result - 1} bytes inflate`);
        expectGuard(`DEFLATE ${n} level ${level}`, dst, room, 32);
      }
    }
  }),
  edgeTest('inflate.edges', 'INFLATE of empty, stored and fixed-Huffman streams into an exact destination: result is the output length, nothing past it written; one byte less is DST_TOO_SMALL', ['inflate'], async (b) => {
    for (const n of [0, 1, 64, 65535, 65536, 65537]) {
      const data = randomBytes(n);
      for (const level of [0, 1]) {
        const z = deflateRawSync(data, { level });
        const src = b.filled(z);
        const dst = b.filled(new Uint8Array(0), n + 32);
        const c = await b.q.run({ op: 'inflate', src: src.ref(), srcLength: z.length, dst: dst.ref(), dstLength: n });
        expectStatus(`INFLATE to ${n} (level ${level} stream)`, 'OK', c);
        expectEqual(`INFLATE ${n} result`, n, c.result);
        sameBytes(`INFLATE ${n}`, data, dst.read(n));
        expectGuard(`INFLATE ${n}`, dst, n, 32);
        if (n > 0) expectStatus(`INFLATE ${n} into ${n - 1}`, 'DST_TOO_SMALL', await b.q.run({ op: 'inflate', src: src.ref(), srcLength: z.length, dst: dst.ref(), dstLength: n - 1 }));
      }
    }
    const z = deflateRawSync(randomBytes(4096));
    const cut = b.filled(z.subarray(0, z.length - 1));
    const dst = b.buf(4096);
    expectStatus('INFLATE of a stream cut by one byte', 'DATA_ERROR', await b.q.run({ op: 'inflate', src: cut.ref(), srcLength: z.length - 1, dst: dst.ref(), dstLength: 4096 }));
  }),
  edgeTest('aes_gcm_encrypt.edges', 'AES-GCM at lengths 0, 1 and 16-byte blocks +/- 1: the whole ciphertext and tag equal node:crypto, nothing past src_length written; decryption returns the plaintext', ['aes_gcm_encrypt', 'aes_gcm_decrypt'], async (b) => {
    for (const keyBytes of [16, 24, 32]) {
      for (const n of [0, 1, 15, 16, 17, 4095, 4096, 4097]) {
        const key = randomBytes(keyBytes);
        const iv = randomBytes(12);
        const plain = randomBytes(n);
        const params = aesParams(b, key, iv);
        const dst = b.filled(new Uint8Array(0), n + 32);
        const c = await b.q.run({ op: 'aes_gcm_encrypt', src: b.filled(plain).ref(), srcLength: n, dst: dst.ref(), dstLength: n + 16, param: params.ref() });
        expectStatus(`AES-${keyBytes * 8}-GCM encrypt ${n}`, 'OK', c);
        expectEqual(`AES-${keyBytes * 8}-GCM encrypt ${n} result`, n, c.result);
        const ref = createCipheriv(`aes-${keyBytes * 8}-gcm` as 'aes-128-gcm', key, iv);
        sameBytes(`AES-${keyBytes * 8}-GCM ciphertext of ${n}`, Buffer.concat([ref.update(plain), ref.final()]), dst.read(n));
        sameBytes(`AES-${keyBytes * 8}-GCM tag of ${n}`, ref.getAuthTag(), params.read(16, 48));
        expectGuard(`AES-${keyBytes * 8}-GCM encrypt ${n}`, dst, n, 32);
        const back = b.filled(new Uint8Array(0), n + 32);
        const d = await b.q.run({ op: 'aes_gcm_decrypt', src: dst.ref(), srcLength: n, dst: back.ref(), dstLength: n, param: params.ref() });
        expectStatus(`AES-${keyBytes * 8}-GCM decrypt ${n}`, 'OK', d);
        sameBytes(`AES-${keyBytes * 8}-GCM decrypt ${n}`, plain, back.read(n));
        expectGuard(`AES-${keyBytes * 8}-GCM decrypt ${n}`, back, n, 32);
      }
    }
  }),
  edgeTest('aes_gcm_decrypt.tag_in_full', 'AES-GCM decryption checks all 16 tag bytes and the ciphertext: a change to any of them is AUTH_FAILED with dst zeroed', ['aes_gcm_decrypt'], async (b) => {
    const src = b.filled(aesSealed.ct);
    const dst = b.buf(64);
    for (let i = 0; i <= 16; i++) {
      const tag = Buffer.from(aesSealed.tag);
      const ct = Buffer.from(aesSealed.ct);
      if (i < 16) tag[i]! ^= 0x80;
      else ct[63]! ^= 1;
      src.write(ct);
      dst.write(new Uint8Array(64).fill(0x77));
      const c = await b.q.run({ op: 'aes_gcm_decrypt', src: src.ref(), srcLength: 64, dst: dst.ref(), dstLength: 64, param: aesParams(b, aesKey, aesIv, tag).ref() });
      expectStatus(i < 16 ? `decrypt with tag byte ${i} changed` : 'decrypt with the last ciphertext byte changed', 'AUTH_FAILED', c);
      expectEqual('destination after AUTH_FAILED', 0, dst.read(64).reduce((a, x) => a | x, 0));
    }
  }),
];
