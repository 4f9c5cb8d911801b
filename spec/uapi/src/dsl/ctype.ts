/**
 * C scalar types of the uAPI and fixed-size arrays of them.
 *
 * Only fixed-width kernel types are allowed: a uAPI never uses `int`, `long` or pointers, whose size
 * differs between ABIs (kernel-uapi.md §6.4). Every type is naturally aligned; 64-bit members are
 * emitted as `__aligned_u64` so that i386 lays them out like x86-64.
 */
export type ScalarType = 'u8' | 'u16' | 'u32' | 'u64' | 's32' | 's64';

/** A field type: a scalar, or a fixed array of scalars written `u8[32]`. */
export type FieldType = ScalarType | `${ScalarType}[${number}]`;

export interface ScalarInfo {
  readonly sizeBytes: number;
  readonly signed: boolean;
  /** The type as written in the kernel uAPI header. */
  readonly cName: string;
}

export const SCALARS: Readonly<Record<ScalarType, ScalarInfo>> = {
  u8: { sizeBytes: 1, signed: false, cName: '__u8' },
  u16: { sizeBytes: 2, signed: false, cName: '__u16' },
  u32: { sizeBytes: 4, signed: false, cName: '__u32' },
  u64: { sizeBytes: 8, signed: false, cName: '__aligned_u64' },
  s32: { sizeBytes: 4, signed: true, cName: '__s32' },
  s64: { sizeBytes: 8, signed: true, cName: '__aligned_s64' },
};

export interface ParsedType {
  readonly scalar: ScalarType;
  /** Number of elements; undefined for a plain scalar. */
  readonly count?: number;
  readonly sizeBytes: number;
  readonly alignBytes: number;
}

const ARRAY_RE = /^(u8|u16|u32|u64|s32|s64)\[(\d+)\]$/;

export function parseFieldType(type: FieldType): ParsedType {
  if (type in SCALARS) {
    const info = SCALARS[type as ScalarType];
    return { scalar: type as ScalarType, sizeBytes: info.sizeBytes, alignBytes: info.sizeBytes };
  }
  const m = ARRAY_RE.exec(type);
  if (!m) throw new TypeError(`unknown field type '${type}': use u8, u16, u32, u64, s32, s64 or an array such as u8[16]`);
  const scalar = m[1] as ScalarType;
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new TypeError(`array type '${type}' needs a count of at least 1`);
  const elem = SCALARS[scalar].sizeBytes;
  return { scalar, count, sizeBytes: elem * count, alignBytes: elem };
}

/** Inclusive range of a scalar, as bigint so that 64-bit bounds are exact. */
export function scalarRange(scalar: ScalarType): { min: bigint; max: bigint } {
  const bits = BigInt(SCALARS[scalar].sizeBytes * 8);
  return SCALARS[scalar].signed
    ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n }
    : { min: 0n, max: (1n << bits) - 1n };
}
