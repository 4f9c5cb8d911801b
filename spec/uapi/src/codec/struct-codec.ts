import { scalarRange, type FieldType, type ScalarType } from '../dsl/ctype.js';
import type { CompiledSpec } from '../dsl/compile.js';
import type { FieldLayout, StructLayout } from '../dsl/layout.js';
import type { StructSpec } from '../dsl/model.js';
import { UapiError } from '../errors.js';

/** The JavaScript type of a field: 64-bit scalars are bigint, byte arrays Uint8Array, the rest number. */
export type FieldValue<T extends FieldType> = T extends 'u64' | 's64' ? bigint : T extends `${string}[${number}]` ? Uint8Array : number;

/** The value of a struct as JavaScript, typed from its spec entry. */
export type StructValue<S extends StructSpec> = {
  -readonly [F in S['fields'][number] as F['name']]: FieldValue<F['type']>;
};

/** What a caller passes to encode: any subset of fields (missing ones are zero); 64-bit fields also take a safe-integer number. */
export type StructInput<S extends StructSpec> = {
  [F in S['fields'][number] as F['name']]?: F['type'] extends 'u64' | 's64' ? bigint | number : FieldValue<F['type']>;
};

/** Context of a codec call, so errors can name the ioctl. */
export interface CodecContext {
  readonly ioctl?: string;
}

/**
 * Encodes and decodes one struct to the bytes of the C ABI (little-endian, the byte order of every
 * architecture the project runs on), and performs the checks a driver applies to input.
 */
export class StructCodec<S extends StructSpec = StructSpec> {
  readonly name: string;
  readonly sizeBytes: number;
  readonly minSizeBytes: number;

  constructor(
    readonly layout: StructLayout,
    private readonly compiled: CompiledSpec,
  ) {
    this.name = layout.struct.name;
    this.sizeBytes = layout.sizeBytes;
    this.minSizeBytes = layout.minSizeBytes;
  }

  /** 1.0's extensible structs carry their size; 2.0's follow drm_ioctl and have none. */
  private hasSizeField(): boolean {
    return this.layout.struct.extensible && this.compiled.sizePolicy === 'size-field';
  }

  /** Byte offset of a field, for code that reads and writes shared memory directly. */
  offsetOf(field: S['fields'][number]['name']): number {
    const f = this.layout.byName.get(field);
    if (!f) throw new UapiError({ errno: 'EINVAL', struct: this.name, field }, `no such field; fields are ${[...this.layout.byName.keys()].join(', ')}`);
    return f.offset;
  }

  /**
   * Encodes a value. Missing fields are zero; `size` (when the struct has it) is filled with
   * `sizeBytes` unless given. A shorter `sizeBytes` emulates an older caller, a longer one a newer caller.
   */
  encode(value: StructInput<S>, sizeBytes: number = this.sizeBytes, ctx: CodecContext = {}): Uint8Array {
    const bytes = new Uint8Array(Math.max(sizeBytes, this.sizeBytes));
    this.encodeInto(new DataView(bytes.buffer), 0, value, ctx);
    if (this.hasSizeField() && (value as Record<string, unknown>)['size'] === undefined) {
      new DataView(bytes.buffer).setUint32(0, sizeBytes, true);
    }
    return sizeBytes < bytes.length ? bytes.slice(0, sizeBytes) : bytes;
  }

  /** Writes a value at `byteOffset` of a view (e.g. an SQ slot). Every field is written; missing ones as zero. */
  encodeInto(view: DataView, byteOffset: number, value: StructInput<S>, ctx: CodecContext = {}): void {
    const input = value as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!this.layout.byName.has(key)) {
        throw new UapiError({ errno: 'EINVAL', ioctl: ctx.ioctl, struct: this.name, field: key }, `unknown field; fields are ${[...this.layout.byName.keys()].join(', ')}`);
      }
    }
    for (const fl of this.layout.fields) writeField(view, byteOffset, fl, input[fl.field.name], this.name, ctx);
  }

  /** Decodes bytes; a short input reads as zero-extended (an older caller), a longer one is cut to this struct. */
  decode(bytes: Uint8Array): StructValue<S> {
    let src = bytes;
    if (bytes.length < this.sizeBytes) {
      src = new Uint8Array(this.sizeBytes);
      src.set(bytes);
    }
    return this.decodeFrom(new DataView(src.buffer, src.byteOffset, src.byteLength), 0);
  }

  decodeFrom(view: DataView, byteOffset: number): StructValue<S> {
    const out: Record<string, unknown> = {};
    for (const fl of this.layout.fields) out[fl.field.name] = readField(view, byteOffset, fl);
    return out as StructValue<S>;
  }

  /**
   * The checks a driver applies to an ioctl argument, in the order of the spec's common rules:
   * size_too_small, size_mismatch, nonzero_tail, unknown_flags, reserved_nonzero. `iocSize` is
   * `_IOC_SIZE` of the request. Returns the zero-extended value. Under the drm-ioctl size policy there is
   * no size check: drm_ioctl() has already zero-extended a short argument and dropped a long one's tail.
   */
  checkInput(bytes: Uint8Array, iocSize: number, ctx: CodecContext = {}): StructValue<S> {
    const err = (errno: 'EINVAL' | 'E2BIG', field: string, detail: string) =>
      new UapiError({ errno, ioctl: ctx.ioctl, struct: this.name, field }, detail);
    if (this.hasSizeField()) {
      if (iocSize < this.minSizeBytes || bytes.length < 4) {
        throw err('EINVAL', 'size', `argument is ${iocSize} bytes; at least ${this.minSizeBytes} (the struct at ${this.layout.struct.since}) are needed`);
      }
      const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
      if (size !== iocSize) throw err('EINVAL', 'size', `size field is ${size} but the request encodes ${iocSize}`);
      for (let i = this.sizeBytes; i < bytes.length; i++) {
        if (bytes[i] !== 0) throw err('E2BIG', 'size', `byte ${i} is non-zero beyond the ${this.sizeBytes}-byte struct this driver knows`);
      }
    }
    const value = this.decode(bytes) as Record<string, unknown>;
    for (const { field } of this.layout.fields) {
      if (field.dir === 'out') continue;
      const v = value[field.name];
      if (field.flags !== undefined) {
        const mask = this.compiled.flagSets.get(field.flags)!.mask;
        const unknown = BigInt(v as number | bigint) & ~mask;
        if (unknown !== 0n) throw err('EINVAL', field.name, `unknown flag bits 0x${unknown.toString(16)}; allowed mask is 0x${mask.toString(16)} (${field.flags})`);
      }
    }
    for (const { field } of this.layout.fields) {
      if (!field.reserved) continue;
      const v = value[field.name];
      const nonzero = v instanceof Uint8Array ? v.some((b) => b !== 0) : BigInt(v as number | bigint) !== 0n;
      if (nonzero) throw err('EINVAL', field.name, 'reserved field must be zero');
    }
    return value as StructValue<S>;
  }
}

function writeField(view: DataView, base: number, fl: FieldLayout, raw: unknown, struct: string, ctx: CodecContext): void {
  const at = base + fl.offset;
  const { scalar, count, sizeBytes } = fl.type;
  const field = fl.field.name;
  if (count !== undefined) {
    const dst = new Uint8Array(view.buffer, view.byteOffset + at, sizeBytes);
    if (raw === undefined) return dst.fill(0), undefined;
    if (!(raw instanceof Uint8Array)) throw new UapiError({ errno: 'EINVAL', ioctl: ctx.ioctl, struct, field }, `expected a Uint8Array of at most ${count} bytes`);
    if (raw.length > count) throw new UapiError({ errno: 'ERANGE', ioctl: ctx.ioctl, struct, field }, `${raw.length} bytes do not fit ${fl.field.type}`);
    dst.fill(0);
    dst.set(raw);
    return;
  }
  const v = raw === undefined ? 0n : toBigInt(raw, struct, field, ctx);
  const { min, max } = scalarRange(scalar);
  if (v < min || v > max) throw new UapiError({ errno: 'ERANGE', ioctl: ctx.ioctl, struct, field }, `${v} does not fit ${scalar} (${min}..${max})`);
  setScalar(view, at, scalar, v);
}

function toBigInt(raw: unknown, struct: string, field: string, ctx: CodecContext): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return BigInt(raw);
  throw new UapiError({ errno: 'EINVAL', ioctl: ctx.ioctl, struct, field }, `expected an integer (number or bigint), got ${typeof raw === 'number' ? raw : typeof raw}`);
}

function setScalar(view: DataView, at: number, scalar: ScalarType, v: bigint): void {
  switch (scalar) {
    case 'u8':
      return view.setUint8(at, Number(v));
    case 'u16':
      return view.setUint16(at, Number(v), true);
    case 'u32':
      return view.setUint32(at, Number(v), true);
    case 's32':
      return view.setInt32(at, Number(v), true);
    case 'u64':
      return view.setBigUint64(at, v, true);
    case 's64':
      return view.setBigInt64(at, v, true);
  }
}

function readField(view: DataView, base: number, fl: FieldLayout): number | bigint | Uint8Array {
  const at = base + fl.offset;
  if (fl.type.count !== undefined) return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + fl.type.sizeBytes));
  switch (fl.type.scalar) {
    case 'u8':
      return view.getUint8(at);
    case 'u16':
      return view.getUint16(at, true);
    case 'u32':
      return view.getUint32(at, true);
    case 's32':
      return view.getInt32(at, true);
    case 'u64':
      return view.getBigUint64(at, true);
    case 's64':
      return view.getBigInt64(at, true);
  }
}
