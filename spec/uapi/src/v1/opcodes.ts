import type { OpcodeSpec } from '../dsl/model.js';

const COMMON = ['OA_STATUS_INVALID_OPCODE', 'OA_STATUS_INVALID_FIELD', 'OA_STATUS_ADDRESS_FAULT'] as const;

/** The functions of the device. Each is checkable against a software reference (node:zlib, node:crypto, CRC-32C). */
export const opcodes = [
  {
    name: 'OA_OP_NOP',
    value: 0,
    doc: 'Do nothing and complete: the unit of doorbell latency.',
    operands: { src: '-', dst: '-', param: '-', arg: '-', result: '0', statuses: ['OA_STATUS_OK', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_COPY',
    value: 1,
    doc: 'Copy src_length bytes from src to dst. Overlapping ranges give unspecified dst content but never fault.',
    operands: { src: 'src_length bytes', dst: 'dst_length >= src_length bytes', param: '-', arg: '-', result: 'bytes copied (src_length)', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_FILL',
    value: 2,
    doc: 'Fill dst_length bytes of dst with the 8-byte little-endian pattern in arg, repeated; the last repeat is truncated.',
    operands: { src: '-', dst: 'dst_length bytes', param: '-', arg: '64-bit pattern', result: 'bytes written (dst_length)', statuses: ['OA_STATUS_OK', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_CRC32C',
    value: 3,
    doc: 'CRC-32C (Castagnoli, reflected, as iSCSI and ext4) of src. arg is the CRC of the preceding data (0 to start), so crc(a||b) = crc(b, arg = crc(a)).',
    operands: { src: 'src_length bytes', dst: '-', param: '-', arg: 'previous CRC in bits 31:0, bits 63:32 zero', result: 'CRC-32C value', statuses: ['OA_STATUS_OK', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_SHA256',
    value: 4,
    doc: 'SHA-256 digest (FIPS 180-4) of src, written to dst.',
    operands: { src: 'src_length bytes', dst: 'dst_length >= OA_SHA256_DIGEST_SIZE bytes', param: '-', arg: '-', result: 'OA_SHA256_DIGEST_SIZE', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_DEFLATE',
    value: 5,
    doc: 'Compress src into one complete raw DEFLATE stream (RFC 1951, no zlib or gzip wrapper). The compressed bytes may differ between devices; inflating them must give src.',
    operands: { src: 'src_length bytes', dst: 'dst_length bytes', param: '-', arg: 'level 0..9 (0 = stored blocks, 9 = smallest)', result: 'compressed bytes written', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_INFLATE',
    value: 6,
    doc: 'Decompress one complete raw DEFLATE stream (RFC 1951) from src into dst.',
    operands: { src: 'src_length bytes of raw DEFLATE', dst: 'dst_length bytes', param: '-', arg: '-', result: 'decompressed bytes written', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', 'OA_STATUS_DATA_ERROR', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_AES_GCM_ENCRYPT',
    value: 7,
    doc: 'AES-GCM encryption (NIST SP 800-38D) of src into dst (same length); the tag is written to the parameter block.',
    operands: { src: 'src_length bytes of plaintext', dst: 'dst_length >= src_length bytes', param: 'struct oa_aes_gcm_params (key, iv, key_bytes in; tag out)', arg: '-', result: 'bytes written (src_length)', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', ...COMMON] },
    since: '1.0',
  },
  {
    name: 'OA_OP_AES_GCM_DECRYPT',
    value: 8,
    doc: 'AES-GCM decryption of src into dst, checking the tag of the parameter block; on mismatch dst is zeroed.',
    operands: { src: 'src_length bytes of ciphertext', dst: 'dst_length >= src_length bytes', param: 'struct oa_aes_gcm_params (key, iv, key_bytes, tag in)', arg: '-', result: 'bytes written (src_length)', statuses: ['OA_STATUS_OK', 'OA_STATUS_DST_TOO_SMALL', 'OA_STATUS_AUTH_FAILED', ...COMMON] },
    since: '1.0',
  },
] as const satisfies readonly OpcodeSpec[];
