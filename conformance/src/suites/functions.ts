/** Every function against a software reference on random inputs and edge sizes, and each status rule. */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Command } from '@openaccel/driver';
import { openaccelV1 } from '@openaccel/uapi';
import type { TestEnv } from '../env.js';
import { testBuffer, type TestBuffer } from '../kit.js';
import { ConformanceFailure, expectEqual, type TestCase } from '../model.js';
import { RawQueue, type RawCompletion } from '../raw-queue.js';
import { crc32c } from '../reference.js';

export const STATUS: Record<string, number> = Object.fromEntries(openaccelV1.enums.find((e) => e.name === 'oa_status')!.entries.map((e) => [e.name.replace(/^OA_STATUS_/, ''), e.value]));
const statusName = (n: number) => Object.entries(STATUS).find(([, v]) => v === n)?.[0] ?? String(n);
const SIZES = [1, 63, 4096, 65537];

function expectStatus(what: string, expected: string, c: RawCompletion): void {
  if (c.status !== STATUS[expected]) throw new ConformanceFailure(`${what}: expected status ${expected}, seen ${statusName(c.status)}`, expected, statusName(c.status));
}

interface Bench {
  q: RawQueue;
  buf: (size: number) => TestBuffer;
}

function bench(env: TestEnv): Bench {
  const ctx = env.context({ sva: env.info.caps.includes('sva') });
  return { q: env.track(new RawQueue(ctx, 16)), buf: (size) => testBuffer(env, ctx, size) };
}

const run = (b: Bench, cmd: Command, edit?: (v: DataView, at: number) => void) => b.q.run(cmd, edit);

function fnTest(name: string, doc: string, body: (b: Bench, env: TestEnv) => Promise<void>, extra: string[] = []): TestCase {
  return { id: `functions.${name}`, doc, profiles: ['core'], requires: { functions: [name.split('.')[0]!, ...extra] }, timeoutMs: 30000, run: (env) => body(bench(env), env) };
}

export const functionsSuite: TestCase[] = [
  fnTest('nop.completes', 'NOP completes with OK and result 0', async (b) => {
    const c = await run(b, { op: 'nop' });
    expectStatus('NOP', 'OK', c);
    expectEqual('NOP result', 0, c.result);
  }),
  fnTest('nop.unused_operands', 'a NOP with a non-zero operand is INVALID_FIELD', async (b) => {
    expectStatus('NOP with arg 1', 'INVALID_FIELD', await run(b, { op: 'nop', arg: 1 }));
    expectStatus('NOP with src_length 8', 'INVALID_FIELD', await run(b, { op: 'nop', srcLength: 8 }));
  }),
  fnTest('nop.reserved_nonzero', 'a command with reserved0, reserved1 or an unknown flag set is INVALID_FIELD', async (b) => {
    expectStatus('reserved0 = 1', 'INVALID_FIELD', await run(b, { op: 'nop' }, (v, at) => v.setUint16(at + 2, 1, true)));
    expectStatus('reserved1 = 1', 'INVALID_FIELD', await run(b, { op: 'nop' }, (v, at) => v.setUint32(at + 44, 1, true)));
    expectStatus('flags bit 7', 'INVALID_FIELD', await run(b, { op: 'nop' }, (v, at) => v.setUint8(at + 1, 0x80)));
  }),
  fnTest('nop.unknown_opcode', 'an opcode the device does not implement is INVALID_OPCODE', async (b) => {
    expectStatus('opcode 63', 'INVALID_OPCODE', await run(b, { op: 63 }));
    expectStatus('opcode 200', 'INVALID_OPCODE', await run(b, { op: 200 }));
  }),
  fnTest('copy.random', 'COPY copies src_length bytes exactly, at edge sizes', async (b) => {
    for (const n of SIZES) {
      const data = randomBytes(n);
      const src = b.buf(n);
      const dst = b.buf(n + 64);
      src.write(data);
      dst.write(new Uint8Array(n + 64).fill(0xee));
      const c = await run(b, { op: 'copy', src: src.ref(), srcLength: n, dst: dst.ref(), dstLength: n + 64 });
      expectStatus(`COPY ${n}`, 'OK', c);
      expectEqual(`COPY ${n} result`, n, c.result);
      const out = dst.read(n + 64);
      if (!Buffer.from(out.subarray(0, n)).equals(data)) throw new ConformanceFailure(`COPY ${n}: destination differs from source`, 'identical bytes', 'different bytes');
      expectEqual(`COPY ${n}: byte after the copy untouched`, 0xee, out[n]);
    }
  }),
  fnTest('copy.dst_too_small', 'COPY into a smaller destination is DST_TOO_SMALL', async (b) => {
    const src = b.buf(4096);
    const dst = b.buf(4096);
    expectStatus('COPY 4096 into 100', 'DST_TOO_SMALL', await run(b, { op: 'copy', src: src.ref(), srcLength: 4096, dst: dst.ref(), dstLength: 100 }));
  }),
  fnTest('fill.pattern', 'FILL repeats the 8-byte little-endian pattern, truncating the last repeat', async (b) => {
    const dst = b.buf(4096);
    const c = await run(b, { op: 'fill', dst: dst.ref(), dstLength: 1001, arg: 0x0807060504030201n });
    expectStatus('FILL', 'OK', c);
    const out = dst.read(1002);
    expectEqual('FILL bytes 0..9', [1, 2, 3, 4, 5, 6, 7, 8, 1, 2], [...out.subarray(0, 10)]);
    expectEqual('FILL last byte (1000 % 8 = 0 -> 1)', 1, out[1000]);
  }),
  fnTest('crc32c.random', 'CRC-32C equals the reference at edge sizes and chains through arg', async (b) => {
    for (const n of SIZES) {
      const data = randomBytes(n);
      const src = b.buf(n);
      src.write(data);
      const c = await run(b, { op: 'crc32c', src: src.ref(), srcLength: n });
      expectStatus(`CRC32C ${n}`, 'OK', c);
      expectEqual(`CRC32C of ${n} random bytes`, crc32c(data), c.result);
      const half = Math.floor(n / 2);
      const first = await run(b, { op: 'crc32c', src: src.ref(), srcLength: half });
      const second = await run(b, { op: 'crc32c', src: src.ref(half), srcLength: n - half, arg: first.result });
      expectEqual(`CRC32C chained over ${n} bytes`, crc32c(data), second.result);
    }
  }),
  fnTest('crc32c.check_value', "CRC-32C of '123456789' is 0xe3069283", async (b) => {
    const src = b.buf(9);
    src.write(Buffer.from('123456789'));
    expectEqual('CRC32C check value', 0xe3069283, (await run(b, { op: 'crc32c', src: src.ref(), srcLength: 9 })).result);
  }),
  fnTest('crc32c.arg_high_bits', 'CRC32C with bits 63:32 of arg set is INVALID_FIELD', async (b) => {
    const src = b.buf(16);
    expectStatus('CRC32C arg 1<<40', 'INVALID_FIELD', await run(b, { op: 'crc32c', src: src.ref(), srcLength: 16, arg: 1n << 40n }));
  }),
  fnTest('sha256.random', 'SHA-256 equals node:crypto at edge sizes', async (b) => {
    for (const n of SIZES) {
      const data = randomBytes(n);
      const src = b.buf(n);
      const dst = b.buf(32);
      src.write(data);
      const c = await run(b, { op: 'sha256', src: src.ref(), srcLength: n, dst: dst.ref(), dstLength: 32 });
      expectStatus(`SHA256 ${n}`, 'OK', c);
      expectEqual(`SHA256 of ${n} bytes`, createHash('sha256').update(data).digest('hex'), Buffer.from(dst.read(32)).toString('hex'));
    }
  }),
  fnTest('sha256.dst_too_small', 'SHA-256 into fewer than 32 bytes is DST_TOO_SMALL', async (b) => {
    const src = b.buf(64);
    const dst = b.buf(32);
    expectStatus('SHA256 into 31 bytes', 'DST_TOO_SMALL', await run(b, { op: 'sha256', src: src.ref(), srcLength: 64, dst: dst.ref(), dstLength: 31 }));
  }),
  fnTest('deflate.roundtrip', 'DEFLATE output is one raw stream that node:zlib inflates back to the input, at every level', async (b) => {
    const text = Buffer.from('the quick brown accelerator jumps over the lazy CPU '.repeat(300));
    for (const level of [0, 1, 6, 9]) {
      const src = b.buf(text.length);
      const dst = b.buf(text.length + 1024);
      src.write(text);
      const c = await run(b, { op: 'deflate', src: src.ref(), srcLength: text.length, dst: dst.ref(), dstLength: text.length + 1024, arg: level });
      expectStatus(`DEFLATE level ${level}`, 'OK', c);
      const back = inflateRawSync(dst.read(c.result));
      if (!back.equals(text)) throw new ConformanceFailure(`DEFLATE level ${level}: output does not inflate to the input`, 'the input', `${back.length} other bytes`);
    }
  }),
  fnTest('deflate.level_invalid', 'DEFLATE with level 10 is INVALID_FIELD', async (b) => {
    const src = b.buf(64);
    const dst = b.buf(4096);
    expectStatus('DEFLATE level 10', 'INVALID_FIELD', await run(b, { op: 'deflate', src: src.ref(), srcLength: 64, dst: dst.ref(), dstLength: 4096, arg: 10 }));
  }),
  fnTest('inflate.random', 'INFLATE of node:zlib raw streams gives the original, and reports DST_TOO_SMALL and DATA_ERROR', async (b) => {
    for (const n of [1, 4096, 65537]) {
      const data = Buffer.concat([randomBytes(n >> 1), Buffer.alloc(n - (n >> 1), 7)]);
      const z = deflateRawSync(data);
      const src = b.buf(z.length);
      const dst = b.buf(n);
      src.write(z);
      const c = await run(b, { op: 'inflate', src: src.ref(), srcLength: z.length, dst: dst.ref(), dstLength: n });
      expectStatus(`INFLATE to ${n}`, 'OK', c);
      expectEqual(`INFLATE ${n} result`, n, c.result);
      if (!Buffer.from(dst.read(n)).equals(data)) throw new ConformanceFailure(`INFLATE ${n}: output differs from the original`, 'the original', 'different bytes');
      if (n > 1) expectStatus(`INFLATE to ${n - 1} bytes`, 'DST_TOO_SMALL', await run(b, { op: 'inflate', src: src.ref(), srcLength: z.length, dst: dst.ref(), dstLength: n - 1 }));
    }
    const bad = b.buf(16);
    bad.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    const dst = b.buf(4096);
    expectStatus('INFLATE of garbage', 'DATA_ERROR', await run(b, { op: 'inflate', src: bad.ref(), srcLength: 4, dst: dst.ref(), dstLength: 4096 }));
  }),
  fnTest(
    'aes_gcm_encrypt.random',
    'AES-GCM encryption equals node:crypto for 128/192/256-bit keys, and decryption checks the tag',
    async (b) => {
      for (const keyBytes of [16, 24, 32]) {
        const key = randomBytes(keyBytes);
        const iv = randomBytes(12);
        const plain = randomBytes(5000);
        const params = b.buf(64);
        const block = new Uint8Array(64);
        block.set(key, 0);
        block.set(iv, 32);
        new DataView(block.buffer).setUint32(44, keyBytes, true);
        params.write(block);
        const src = b.buf(plain.length);
        const dst = b.buf(plain.length);
        src.write(plain);
        const c = await run(b, { op: 'aes_gcm_encrypt', src: src.ref(), srcLength: plain.length, dst: dst.ref(), dstLength: plain.length, param: params.ref() });
        expectStatus(`AES-${keyBytes * 8}-GCM encrypt`, 'OK', c);
        const ref = createCipheriv(`aes-${keyBytes * 8}-gcm` as 'aes-256-gcm', key, iv);
        const expected = Buffer.concat([ref.update(plain), ref.final()]);
        expectEqual(`AES-${keyBytes * 8}-GCM ciphertext`, expected.toString('hex').slice(0, 64), Buffer.from(dst.read(plain.length)).toString('hex').slice(0, 64));
        expectEqual(`AES-${keyBytes * 8}-GCM tag`, ref.getAuthTag().toString('hex'), Buffer.from(params.read(16, 48)).toString('hex'));
        const back = b.buf(plain.length);
        const d = await run(b, { op: 'aes_gcm_decrypt', src: dst.ref(), srcLength: plain.length, dst: back.ref(), dstLength: plain.length, param: params.ref() });
        expectStatus(`AES-${keyBytes * 8}-GCM decrypt`, 'OK', d);
        if (!Buffer.from(back.read(plain.length)).equals(plain)) throw new ConformanceFailure('decrypt(encrypt(x)) differs from x', 'x', 'other bytes');
      }
    },
    ['aes_gcm_decrypt'],
  ),
  fnTest(
    'aes_gcm_decrypt.auth_failed',
    'AES-GCM decryption with a wrong tag is AUTH_FAILED and zeroes the destination',
    async (b) => {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const plain = randomBytes(256);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain), c.final()]);
      const tag = c.getAuthTag();
      tag[0]! ^= 1;
      const block = new Uint8Array(64);
      block.set(key, 0);
      block.set(iv, 32);
      new DataView(block.buffer).setUint32(44, 32, true);
      block.set(tag, 48);
      const params = b.buf(64);
      params.write(block);
      const src = b.buf(256);
      const dst = b.buf(256);
      src.write(ct);
      dst.write(new Uint8Array(256).fill(0x77));
      expectStatus('decrypt with a flipped tag bit', 'AUTH_FAILED', await run(b, { op: 'aes_gcm_decrypt', src: src.ref(), srcLength: 256, dst: dst.ref(), dstLength: 256, param: params.ref() }));
      expectEqual('destination after AUTH_FAILED', 0, dst.read(256).reduce((a, x) => a | x, 0));
    },
    ['aes_gcm_encrypt'],
  ),
  fnTest('aes_gcm_encrypt.bad_key_length', 'key_bytes other than 16, 24 or 32 is INVALID_FIELD', async (b) => {
    const block = new Uint8Array(64);
    new DataView(block.buffer).setUint32(44, 20, true);
    const params = b.buf(64);
    params.write(block);
    const src = b.buf(64);
    const dst = b.buf(64);
    expectStatus('key_bytes 20', 'INVALID_FIELD', await run(b, { op: 'aes_gcm_encrypt', src: src.ref(), srcLength: 64, dst: dst.ref(), dstLength: 64, param: params.ref() }));
  }),
];
