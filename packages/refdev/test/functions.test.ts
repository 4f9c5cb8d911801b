import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aesGcmDecrypt, aesGcmEncrypt, crc32c, deflate, fill, inflate, parseAesGcmParams, sha256, STATUS } from '../src/functions.js';
import { defaultConfig, parseConfig } from '../src/config.js';
import { refdevManifest } from '../src/manifest.js';
import { validateManifest } from '@openaccel/capabilities';

describe('device functions', () => {
  it('CRC-32C matches the standard check value and chains', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const a = randomBytes(1000);
    const b = randomBytes(777);
    expect(crc32c(b, crc32c(a))).toBe(crc32c(Buffer.concat([a, b])));
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('FILL repeats the little-endian pattern and truncates the last repeat', () => {
    const d = new Uint8Array(11);
    fill(d, 0x0807060504030201n);
    expect([...d]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3]);
  });

  it('SHA-256 equals node:crypto', () => {
    const x = randomBytes(5000);
    expect(Buffer.from(sha256(x))).toEqual(createHash('sha256').update(x).digest());
  });

  it('DEFLATE output inflates back; INFLATE reports too-small and corrupt input', () => {
    const text = Buffer.from('accelerators accelerate '.repeat(400));
    const d = deflate(text, 6n, 1 << 20);
    if (!('output' in d)) throw new Error('deflate failed');
    expect(inflateRawSync(d.output)).toEqual(text);
    expect(deflate(text, 10n, 1 << 20)).toEqual({ status: STATUS.INVALID_FIELD });
    expect(deflate(randomBytes(4096), 9n, 100)).toEqual({ status: STATUS.DST_TOO_SMALL });
    const z = deflateRawSync(text);
    const ok = inflate(z, text.length);
    expect('output' in ok && Buffer.from(ok.output).equals(text)).toBe(true);
    expect(inflate(z, text.length - 1)).toEqual({ status: STATUS.DST_TOO_SMALL });
    expect(inflate(z.subarray(0, z.length - 5), text.length)).toEqual({ status: STATUS.DATA_ERROR });
    expect(inflate(Buffer.from([0xff, 0xff, 0xff]), 100)).toEqual({ status: STATUS.DATA_ERROR });
  });

  it('AES-GCM equals node:crypto and refuses a wrong tag', () => {
    const block = new Uint8Array(64);
    const key = randomBytes(32);
    const iv = randomBytes(12);
    block.set(key, 0);
    block.set(iv, 32);
    new DataView(block.buffer).setUint32(44, 32, true);
    const p = parseAesGcmParams(block)!;
    const plain = randomBytes(1234);
    const { output, tag } = aesGcmEncrypt(p, plain);
    const ref = createCipheriv('aes-256-gcm', key, iv);
    expect(Buffer.from(output)).toEqual(Buffer.concat([ref.update(plain), ref.final()]));
    expect(Buffer.from(tag)).toEqual(ref.getAuthTag());
    expect(Buffer.from(aesGcmDecrypt({ ...p, tag }, output)!)).toEqual(plain);
    const bad = Uint8Array.from(tag);
    bad[0]! ^= 1;
    expect(aesGcmDecrypt({ ...p, tag: bad }, output)).toBeUndefined();
    new DataView(block.buffer).setUint32(44, 20, true);
    expect(parseAesGcmParams(block)).toBeUndefined();
  });
});

describe('refdev configuration', () => {
  it('the default: two devices sharing HBM, linked, every function', () => {
    const c = defaultConfig();
    expect(c.devices.map((d) => d.name)).toEqual(['accel0', 'accel1']);
    expect(c.memories[0]!.devices).toEqual(['accel0', 'accel1']);
  });

  it('bad values are refused with their path', () => {
    expect(() => parseConfig({ devices: [{ name: 'Bad Name' }] })).toThrow(/\/devices\/0\/name/);
    expect(() => parseConfig({ devices: [{ name: 'a', functions: ['teleport'] }] })).toThrow(/unknown function 'teleport'/);
    expect(() => parseConfig({ devices: [{ name: 'a', maxSqEntries: 100 }] })).toThrow(/powers of two/);
    expect(() => parseConfig({ memories: [{ id: 'm', kind: 'hbm', sizeBytes: 4096, numaNode: 0, devices: ['nope'], cpuVisible: true }] })).toThrow(/no device 'nope'/);
  });

  it('its manifest validates and claims chain for the linked devices', () => {
    const m = refdevManifest(defaultConfig());
    const r = validateManifest(m);
    expect(r.problems).toEqual([]);
    expect((m as { devices: { profiles: string[] }[] }).devices[0]!.profiles).toEqual(['core', 'queue', 'sva', 'dmabuf', 'chain']);
  });
});
