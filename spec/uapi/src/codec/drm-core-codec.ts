/**
 * Encoders and decoders for the DRM core structs of drm/drm.h (DRM_IOCTL_VERSION, GET_CAP, GEM_CLOSE,
 * PRIME_*, SYNCOBJ_*), from the layouts the spec computes per data model. Pointers and sizes are plain
 * integers here: a caller that passes a buffer passes its address.
 */
import { compileSpec, type CompiledCoreIoctl } from '../dsl/compile.js';
import type { DataModel, ExternalLayout } from '../dsl/external.js';
import type { ExternalCType } from '../dsl/model.js';
import { UapiError } from '../errors.js';
import { openaccelV2 } from '../v2/index.js';

/** Field values of a DRM core struct; 64-bit fields decode as bigint, 32-bit ones as number. */
export type DrmStructValue = Record<string, number | bigint>;

const SIGNED: ReadonlySet<ExternalCType> = new Set(['__s32', '__s64', 'int']);

function range(ctype: ExternalCType, size: number): [bigint, bigint] {
  const bits = BigInt(size * 8);
  return SIGNED.has(ctype) ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/** One DRM core ioctl: its request number and the bytes of its argument for one data model. */
export class DrmCoreIoctl {
  readonly name: string;
  readonly layout: ExternalLayout;

  constructor(
    readonly compiled: CompiledCoreIoctl,
    readonly model: DataModel,
  ) {
    this.name = compiled.spec.name;
    this.layout = compiled.arg[model];
  }

  get request(): number {
    return this.compiled.numbers[this.model];
  }

  get sizeBytes(): number {
    return this.layout.sizeBytes;
  }

  /** The argument's bytes; fields not given are 0. A value out of its C type's range or an unknown field is EINVAL. */
  encode(value: DrmStructValue = {}): Uint8Array {
    const bytes = new Uint8Array(this.layout.sizeBytes);
    const view = new DataView(bytes.buffer);
    const known = new Set(this.layout.fields.map((f) => f.field.name));
    for (const k of Object.keys(value)) {
      if (!known.has(k)) throw new UapiError({ errno: 'EINVAL', ioctl: this.name, struct: this.layout.struct.name, field: k }, 'no such field');
    }
    for (const f of this.layout.fields) {
      const v = value[f.field.name];
      if (v === undefined) continue;
      const big = BigInt(v);
      const [lo, hi] = range(f.field.ctype, f.sizeBytes);
      if (big < lo || big > hi) throw new UapiError({ errno: 'EINVAL', ioctl: this.name, struct: this.layout.struct.name, field: f.field.name }, `${big} does not fit ${f.field.ctype}`);
      if (f.sizeBytes === 8) view.setBigUint64(f.offset, BigInt.asUintN(64, big), true);
      else view.setUint32(f.offset, Number(BigInt.asUintN(32, big)), true);
    }
    return bytes;
  }

  /** Field values from the argument's bytes (as the kernel left them); short input is EINVAL. */
  decode(bytes: Uint8Array): DrmStructValue {
    if (bytes.byteLength < this.layout.sizeBytes) throw new UapiError({ errno: 'EINVAL', ioctl: this.name, struct: this.layout.struct.name }, `${bytes.byteLength} bytes, need ${this.layout.sizeBytes}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: DrmStructValue = {};
    for (const f of this.layout.fields) {
      const signed = SIGNED.has(f.field.ctype);
      if (f.sizeBytes === 8) out[f.field.name] = signed ? view.getBigInt64(f.offset, true) : view.getBigUint64(f.offset, true);
      else out[f.field.name] = signed ? view.getInt32(f.offset, true) : view.getUint32(f.offset, true);
    }
    return out;
  }
}

const compiled = compileSpec(openaccelV2);

/** The DRM core ioctl named `name` (DRM_IOCTL_VERSION, ...) for a data model (default LP64, the 64-bit ABIs). */
export function drmCoreIoctl(name: string, model: DataModel = 'lp64'): DrmCoreIoctl {
  const c = compiled.coreIoctls.get(name);
  if (!c) throw new UapiError({ errno: 'ENOTTY', ioctl: name }, 'not a DRM core ioctl of the spec');
  return new DrmCoreIoctl(c, model);
}

/** Names of every DRM core ioctl the spec describes. */
export function drmCoreIoctlNames(): string[] {
  return [...compiled.coreIoctls.keys()];
}

/** A constant of drm/drm.h the spec lists (DRM_CAP_PRIME, DRM_RDWR, ...). */
export function drmConstant(name: string): number {
  const c = openaccelV2.externalConstants.find((x) => x.name === name);
  if (!c) throw new UapiError({ errno: 'EINVAL', field: name }, 'not a drm/drm.h constant of the spec');
  return c.value;
}
