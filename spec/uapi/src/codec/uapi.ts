import { compileSpec, type CompiledIoctl, type CompiledSpec } from '../dsl/compile.js';
import { decodeIoc, type IocFamily } from '../dsl/ioc.js';
import type { StructSpec, UapiSpec } from '../dsl/model.js';
import { UapiError } from '../errors.js';
import { openaccelV1 } from '../v1/index.js';
import { openaccelV2 } from '../v2/index.js';
import { StructCodec, type StructInput, type StructValue } from './struct-codec.js';

/** Names and structs of one spec version, typed from its literal data. */
export type StructNameIn<S extends UapiSpec> = S['structs'][number]['name'];
export type StructIn<S extends UapiSpec, N extends StructNameIn<S>> = Extract<S['structs'][number], { name: N }>;
export type IoctlNameIn<S extends UapiSpec> = S['ioctls'][number]['name'];
export type IoctlArgIn<S extends UapiSpec, N extends IoctlNameIn<S>> = StructIn<S, Extract<S['ioctls'][number], { name: N }>['arg']>;

type Spec = typeof openaccelV1;
export type StructName = StructNameIn<Spec>;
export type StructOf<N extends StructName> = StructIn<Spec, N>;
export type IoctlName = IoctlNameIn<Spec>;
export type IoctlArgOf<N extends IoctlName> = IoctlArgIn<Spec, N>;

/** An ioctl: its request number per family and the codec of its argument. */
export class IoctlCodec<S extends StructSpec = StructSpec> {
  readonly name: string;
  readonly nr: number;

  constructor(
    readonly compiled: CompiledIoctl,
    readonly arg: StructCodec<S>,
  ) {
    this.name = compiled.spec.name;
    this.nr = compiled.spec.nr;
  }

  /** The request number for the current struct size on a family (default: generic). */
  request(family: IocFamily = 'generic'): number {
    return this.compiled.numbers[family];
  }

  /** Bytes of an argument; `sizeBytes` other than the current size emulates an older or newer caller. */
  encode(value: StructInput<S>, sizeBytes?: number): Uint8Array {
    return this.arg.encode(value, sizeBytes, { ioctl: this.name });
  }

  decode(bytes: Uint8Array): StructValue<S> {
    return this.arg.decode(bytes);
  }
}

export interface CheckedRequest<N extends string = IoctlName> {
  readonly ioctl: CompiledIoctl;
  readonly name: N;
  /** The argument, zero-extended to the driver's struct. */
  readonly value: Record<string, number | bigint | Uint8Array>;
  /** _IOC_SIZE of the request: how many bytes to copy back for a read ioctl. */
  readonly iocSize: number;
}

/** Typed access to the compiled OpenAccel uAPI: codecs for every struct and ioctl, and the driver-side request check. */
export class OpenAccelUapi {
  private readonly structCodecs = new Map<string, StructCodec>();
  private readonly ioctlCodecs = new Map<string, IoctlCodec>();

  constructor(readonly compiled: CompiledSpec) {
    for (const [name, layout] of compiled.structs) this.structCodecs.set(name, new StructCodec(layout, compiled));
    for (const [name, io] of compiled.ioctls) this.ioctlCodecs.set(name, new IoctlCodec(io, this.structCodecs.get(io.spec.arg)!));
  }

  struct<N extends StructName>(name: N): StructCodec<StructOf<N>> {
    const c = this.structCodecs.get(name);
    if (!c) throw new UapiError({ errno: 'EINVAL', struct: name }, 'no such struct in the spec');
    return c as unknown as StructCodec<StructOf<N>>;
  }

  ioctl<N extends IoctlName>(name: N): IoctlCodec<IoctlArgOf<N>> {
    const c = this.ioctlCodecs.get(name);
    if (!c) throw new UapiError({ errno: 'ENOTTY', ioctl: name }, 'no such ioctl in the spec');
    return c as unknown as IoctlCodec<IoctlArgOf<N>>;
  }

  /** Constant value by name (e.g. `OA_SQE_SIZE`). */
  constant(name: Spec['constants'][number]['name']): number {
    return this.compiled.constants.get(name)!;
  }

  /**
   * What a driver does first with (request, argument bytes): identify the ioctl and apply the
   * spec's common rules unknown_ioctl, size_too_small, size_mismatch, nonzero_tail, unknown_flags and
   * reserved_nonzero. Throws UapiError with the errno of the first rule that fails.
   */
  checkRequest(request: number, bytes: Uint8Array, family: IocFamily = 'generic'): CheckedRequest {
    if (this.compiled.sizePolicy === 'drm-ioctl') return this.checkDrmRequest(request, bytes, family);
    const dec = decodeIoc(family, request);
    const hex = `0x${(request >>> 0).toString(16).padStart(8, '0')}`;
    if (!dec || dec.type !== this.compiled.spec.ioctlType) {
      throw new UapiError({ errno: 'ENOTTY' }, `request ${hex} is not an OpenAccel ioctl (type 0x${this.compiled.spec.ioctlType.toString(16)})`);
    }
    const io = this.compiled.ioctlsByNr.get(dec.nr);
    if (!io) throw new UapiError({ errno: 'ENOTTY' }, `request ${hex}: no OpenAccel ioctl has nr 0x${dec.nr.toString(16)}`);
    if (io.spec.dir !== dec.dir) {
      throw new UapiError({ errno: 'ENOTTY', ioctl: io.spec.name }, `request ${hex} has direction '${dec.dir}', the spec says '${io.spec.dir}'`);
    }
    if (bytes.length !== dec.sizeBytes) {
      throw new UapiError({ errno: 'EFAULT', ioctl: io.spec.name }, `request encodes ${dec.sizeBytes} bytes but ${bytes.length} were passed`);
    }
    const value = this.structCodecs.get(io.spec.arg)!.checkInput(bytes, dec.sizeBytes, { ioctl: io.spec.name });
    return { ioctl: io, name: io.spec.name as IoctlName, value: value as CheckedRequest['value'], iocSize: dec.sizeBytes };
  }

  /**
   * drm_ioctl()'s dispatch (rule binding.numbering): by nr alone; a nr past the table is EINVAL; the
   * argument is copied in only when both the request and the spec have the write bit, zero-extended or
   * cut to the driver's struct (rule size.drm-ioctl); `iocSize` is what is copied back (0 without both read bits).
   */
  private checkDrmRequest(request: number, bytes: Uint8Array, family: IocFamily): CheckedRequest {
    const hex = `0x${(request >>> 0).toString(16).padStart(8, '0')}`;
    const dec = decodeIoc(family, request);
    if (!dec) throw new UapiError({ errno: 'EINVAL' }, `request ${hex} has no valid direction bits`);
    const io = this.compiled.ioctlsByNr.get(dec.nr);
    if (!io) throw new UapiError({ errno: 'EINVAL' }, `request ${hex}: nr 0x${dec.nr.toString(16)} is not in the driver's ioctl table`);
    if (bytes.length !== dec.sizeBytes) {
      throw new UapiError({ errno: 'EFAULT', ioctl: io.spec.name }, `request encodes ${dec.sizeBytes} bytes but ${bytes.length} were passed`);
    }
    const has = (dir: string, bit: 'write' | 'read') => dir === bit || dir === 'readwrite';
    const inSize = has(dec.dir, 'write') && has(io.spec.dir, 'write') ? dec.sizeBytes : 0;
    const outSize = has(dec.dir, 'read') && has(io.spec.dir, 'read') ? dec.sizeBytes : 0;
    const kdata = new Uint8Array(io.arg.sizeBytes);
    kdata.set(bytes.subarray(0, Math.min(inSize, io.arg.sizeBytes)));
    const value = this.structCodecs.get(io.spec.arg)!.checkInput(kdata, kdata.length, { ioctl: io.spec.name });
    return { ioctl: io, name: io.spec.name as IoctlName, value: value as CheckedRequest['value'], iocSize: outSize };
  }
}

/** The OpenAccel uAPI 1.0, compiled and checked at import: what refdev, kmod and the driver serve today. */
export const uapi = new OpenAccelUapi(compileSpec(openaccelV1));

/** The typed face of OpenAccelUapi for a spec version other than 1.0: the same methods, its own names. */
export interface SpecUapi<S extends UapiSpec> {
  readonly compiled: CompiledSpec;
  struct<N extends StructNameIn<S>>(name: N): StructCodec<StructIn<S, N>>;
  ioctl<N extends IoctlNameIn<S>>(name: N): IoctlCodec<IoctlArgIn<S, N>>;
  constant(name: S['constants'][number]['name']): number;
  checkRequest(request: number, bytes: Uint8Array, family?: IocFamily): CheckedRequest<IoctlNameIn<S>>;
}

/** The OpenAccel uAPI 2.0 (DRM accel), compiled and checked at import. A draft until it is frozen. */
export const uapi2 = new OpenAccelUapi(compileSpec(openaccelV2)) as unknown as SpecUapi<typeof openaccelV2>;

/** Every spec version by its number, for tools that take a version on the command line. */
export const UAPI_VERSIONS: Readonly<Record<string, { readonly compiled: CompiledSpec }>> = { '1.0': uapi, '2.0': uapi2 };
