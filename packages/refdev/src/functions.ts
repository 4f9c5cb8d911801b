/**
 * The device functions, executed for real: each takes the command's resolved source bytes and
 * returns what the spec says it produces, or a status. Shared by the engine and by tests.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const STATUS = {
  OK: 0,
  INVALID_OPCODE: 1,
  INVALID_FIELD: 2,
  ADDRESS_FAULT: 3,
  DST_TOO_SMALL: 4,
  DATA_ERROR: 5,
  AUTH_FAILED: 6,
  DEVICE_ERROR: 7,
} as const;

export const OP = { NOP: 0, COPY: 1, FILL: 2, CRC32C: 3, SHA256: 4, DEFLATE: 5, INFLATE: 6, AES_GCM_ENCRYPT: 7, AES_GCM_DECRYPT: 8 } as const;

/** Function words of sysfs and manifests, indexed by opcode. */
export const OPCODE_WORDS = ['nop', 'copy', 'fill', 'crc32c', 'sha256', 'deflate', 'inflate', 'aes_gcm_encrypt', 'aes_gcm_decrypt'];

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli, reflected); `previous` is the CRC of the data before, so crc(a||b) = crc32c(b, crc32c(a)). */
export function crc32c(data: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function fill(dst: Uint8Array, pattern: bigint): void {
  const p = new Uint8Array(8);
  new DataView(p.buffer).setBigUint64(0, pattern, true);
  for (let i = 0; i < dst.length; i += 8) dst.set(p.subarray(0, Math.min(8, dst.length - i)), i);
}

export function sha256(src: Uint8Array): Uint8Array {
  return createHash('sha256').update(src).digest();
}

export type Produced = { status: 0; output: Uint8Array } | { status: number };

export function deflate(src: Uint8Array, level: bigint, dstLength: number): Produced {
  if (level > 9n) return { status: STATUS.INVALID_FIELD };
  const out = deflateRawSync(src, { level: Number(level) });
  return out.length > dstLength ? { status: STATUS.DST_TOO_SMALL } : { status: 0, output: out };
}

export function inflate(src: Uint8Array, dstLength: number): Produced {
  try {
    // One byte more than the room, so "exactly fits" and "too big" are told apart.
    const out = inflateRawSync(src, { maxOutputLength: dstLength + 1 });
    return out.length > dstLength ? { status: STATUS.DST_TOO_SMALL } : { status: 0, output: out };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return { status: STATUS.DST_TOO_SMALL };
    return { status: STATUS.DATA_ERROR };
  }
}

export interface AesGcmParams {
  key: Uint8Array;
  iv: Uint8Array;
  keyBytes: number;
  tag: Uint8Array;
}

/** The oa_aes_gcm_params block: key[32] @0, iv[12] @32, key_bytes u32 @44, tag[16] @48. */
export function parseAesGcmParams(block: Uint8Array): AesGcmParams | undefined {
  const keyBytes = new DataView(block.buffer, block.byteOffset, 64).getUint32(44, true);
  if (keyBytes !== 16 && keyBytes !== 24 && keyBytes !== 32) return undefined;
  return { key: block.slice(0, keyBytes), iv: block.slice(32, 44), keyBytes, tag: block.slice(48, 64) };
}

export function aesGcmEncrypt(p: AesGcmParams, src: Uint8Array): { output: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv(`aes-${p.keyBytes * 8}-gcm` as 'aes-256-gcm', p.key, p.iv);
  const output = Buffer.concat([c.update(src), c.final()]);
  return { output, tag: c.getAuthTag() };
}

export function aesGcmDecrypt(p: AesGcmParams, src: Uint8Array): Uint8Array | undefined {
  const d = createDecipheriv(`aes-${p.keyBytes * 8}-gcm` as 'aes-256-gcm', p.key, p.iv);
  d.setAuthTag(p.tag);
  try {
    return Buffer.concat([d.update(src), d.final()]);
  } catch {
    return undefined;
  }
}
