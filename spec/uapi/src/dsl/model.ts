/**
 * The vocabulary in which the uAPI is declared. Everything a generator, codec or checker needs is a
 * field of one of these objects; nothing about the uAPI is written anywhere else.
 */
import type { ErrnoName } from './errno.js';
import type { FieldType } from './ctype.js';

/** A spec version `major.minor`. Minor versions only add; see abi/ for the frozen snapshots. */
export type SpecVersion = `${number}.${number}`;

/**
 * Direction of a field, seen from user space (as `_IOW`/`_IOR` are):
 * `in` user -> device, `out` device -> user, `inout` both.
 */
export type Direction = 'in' | 'out' | 'inout';

/** Unit of a numeric field. `count` and `index` are dimensionless; `id` names an object. */
export type Unit =
  | 'bytes'
  | 'entries'
  | 'ns'
  | 'bits'
  | 'count'
  | 'index'
  | 'id'
  | 'handle'
  | 'fd'
  | 'offset'
  | 'address'
  | 'bitmask'
  | 'version';

export interface SpecialValue {
  readonly value: number | bigint;
  readonly meaning: string;
}

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly dir: Direction;
  /** One line: what the field means. */
  readonly doc: string;
  readonly unit?: Unit;
  /** Values with a meaning of their own (0 = none, -1 = unknown, ...). */
  readonly special?: readonly SpecialValue[];
  /** Reserved: must be zero on input (EINVAL otherwise); written as zero on output. */
  readonly reserved?: boolean;
  /** Name of the flag set whose bits this field carries; unknown bits on input are EINVAL. */
  readonly flags?: string;
  /** Name of the enum whose values this field carries. */
  readonly enum?: string;
  readonly since: SpecVersion;
}

export interface StructSpec {
  readonly name: string;
  readonly doc: string;
  /** Paragraphs of semantics below the field list (kernel-doc body). */
  readonly notes?: readonly string[];
  /**
   * Extensible the iommufd way: the first field is `__u32 size`; a shorter struct from an older
   * caller reads as zero-extended; non-zero bytes beyond what the driver knows are E2BIG.
   */
  readonly extensible: boolean;
  readonly fields: readonly FieldSpec[];
  readonly since: SpecVersion;
}

export interface EnumEntrySpec {
  readonly name: string;
  readonly value: number;
  readonly doc: string;
  readonly since: SpecVersion;
}

export interface EnumSpec {
  readonly name: string;
  readonly doc: string;
  readonly entries: readonly EnumEntrySpec[];
}

export interface FlagBitSpec {
  readonly name: string;
  readonly bit: number;
  readonly doc: string;
  readonly since: SpecVersion;
}

export interface FlagSetSpec {
  readonly name: string;
  readonly doc: string;
  /** An empty set is legal: every bit is then reserved and must be zero. */
  readonly bits: readonly FlagBitSpec[];
}

export interface ConstantSpec {
  readonly name: string;
  readonly value: number;
  readonly doc: string;
  readonly unit?: Unit;
  readonly since: SpecVersion;
}

/**
 * One line of an errno table: which errno answers which bad input. `id` is stable across versions
 * (the ABI checker keys on it): changing the errno of an existing id is an incompatible change.
 */
export interface ErrnoRule {
  readonly id: string;
  readonly errno: ErrnoName;
  readonly when: string;
  /** The field the condition is about, when there is one. */
  readonly field?: string;
}

export type IoctlDirection = 'none' | 'write' | 'read' | 'readwrite';

export interface IoctlSpec {
  readonly name: string;
  readonly nr: number;
  readonly dir: IoctlDirection;
  /** The argument struct. */
  readonly arg: string;
  readonly doc: string;
  readonly notes?: readonly string[];
  /** Rules specific to this ioctl, in addition to the common rules of the spec. */
  readonly errors: readonly ErrnoRule[];
  readonly since: SpecVersion;
}

export interface MmapRegionSpec {
  readonly name: string;
  readonly doc: string;
  /** Where the mmap offset comes from: `struct.field`. */
  readonly offsetFrom: string;
  /** Where the length comes from: `struct.field`. */
  readonly sizeFrom: string;
  /** How the length is computed, in words. */
  readonly sizeRule: string;
  /** Protections a mapping may ask for. */
  readonly prot: readonly ('PROT_READ' | 'PROT_WRITE')[];
  /** Layout of the region's contents: a struct repeated `entries` times, or once. */
  readonly layout: string;
  readonly errors: readonly ErrnoRule[];
  readonly since: SpecVersion;
}

export interface RingSpec {
  readonly name: string;
  readonly doc: string;
  readonly entry: string;
  readonly region: string;
  readonly producer: 'user' | 'device';
  readonly consumer: 'user' | 'device';
  readonly since: SpecVersion;
}

/** A memory-ordering or protocol rule of the data path, numbered for reference. */
export interface ProtocolRule {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly since: SpecVersion;
}

/** Operands of an opcode, each said in words (`-` when unused and must be zero). */
export interface OpcodeOperands {
  readonly src: string;
  readonly dst: string;
  readonly param: string;
  readonly arg: string;
  readonly result: string;
  readonly statuses: readonly string[];
}

export interface OpcodeSpec {
  readonly name: string;
  readonly value: number;
  readonly doc: string;
  readonly operands: OpcodeOperands;
  readonly since: SpecVersion;
}

/**
 * How a spec's ioctls reach the kernel. `char-device`: a device node and ioctl type of its own (1.0).
 * `drm-accel`: a DRM accel driver (`/dev/accel/accelN`); the spec's ioctls are driver-private DRM ioctls
 * numbered from DRM_COMMAND_BASE, and the DRM core ioctls a client needs are part of the spec (2.0).
 */
export interface CharDeviceBinding {
  readonly kind: 'char-device';
  /** Device node pattern, `%u` for the device number. */
  readonly node: string;
}

export interface DrmAccelBinding {
  readonly kind: 'drm-accel';
  readonly node: string;
  /** The name DRM_IOCTL_VERSION reports; how a client recognises the driver. */
  readonly driverName: string;
  /** First and one-past-last driver-private ioctl nr (DRM_COMMAND_BASE, DRM_COMMAND_END). */
  readonly commandBase: number;
  readonly commandEnd: number;
  /** Header the DRM core definitions come from (`drm/drm.h`). */
  readonly coreHeader: string;
  /** Prefix of the driver-private nr macros: `DRM_OA_` gives `DRM_OA_GET_INFO`. */
  readonly nrPrefix: string;
}

export type Binding = CharDeviceBinding | DrmAccelBinding;

/**
 * How an argument struct may differ in size between caller and driver.
 * `size-field` (1.0): `__u32 size` first, equal to _IOC_SIZE; non-zero unknown tail is E2BIG.
 * `drm-ioctl` (2.0): no size field; drm_ioctl() zero-extends a short struct and drops the tail of a long one.
 */
export type SizePolicy = 'size-field' | 'drm-ioctl';

/**
 * A C type of a struct this spec does not define but uses (the DRM core structs of drm/drm.h). Unlike the
 * spec's own types these include the ABI-dependent ones the DRM core still has: `int`, `__kernel_size_t`
 * and user pointers, and plain `__u64`, which i386 aligns to 4.
 */
export type ExternalCType = '__u32' | '__s32' | '__u64' | '__s64' | 'int' | '__kernel_size_t' | 'char *';

export interface ExternalFieldSpec {
  readonly name: string;
  readonly ctype: ExternalCType;
  readonly dir: Direction;
  readonly doc: string;
  readonly unit?: Unit;
  /** Must be zero on input (EINVAL otherwise). */
  readonly mbz?: boolean;
}

/** A struct defined by the header named in `header`; described field by field so its layout can be checked. */
export interface ExternalStructSpec {
  readonly name: string;
  readonly header: string;
  readonly doc: string;
  /**
   * The fields a client of this spec relies on, in order, from offset 0. A newer header may append
   * fields (drm_ioctl zero-extends them); the layout check covers the described prefix.
   */
  readonly fields: readonly ExternalFieldSpec[];
}

/** A flag or constant defined by the external header, used by this spec. */
export interface ExternalConstantSpec {
  readonly name: string;
  readonly value: number;
  readonly doc: string;
}

/** An errno rule traced to the kernel function that returns it. */
export interface TracedErrnoRule extends ErrnoRule {
  /** `file: function` in the Linux tree where the errno comes from. */
  readonly source: string;
}

/** A DRM core ioctl a client of this spec uses: defined by drm/drm.h, served by the DRM core for the driver. */
export interface CoreIoctlSpec {
  readonly name: string;
  readonly nr: number;
  readonly dir: IoctlDirection;
  readonly arg: string;
  readonly doc: string;
  /** What OpenAccel requires of a driver for this ioctl (DRIVER_GEM, DRIVER_SYNCOBJ, ...). */
  readonly requires: string;
  readonly errors: readonly TracedErrnoRule[];
  readonly since: SpecVersion;
}

/** A key of /proc/<pid>/fdinfo/<fd> for the driver's files (Documentation/gpu/drm-usage-stats.rst). */
export interface FdinfoKeySpec {
  /** Key as printed; `<x>` marks a part the driver fills in. */
  readonly key: string;
  readonly value: string;
  readonly required: boolean;
  readonly doc: string;
  readonly since: SpecVersion;
}

/** A section of prose the spec itself carries (the binding, the size decision), each with a rule id. */
export interface SpecSection {
  readonly id: string;
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly since: SpecVersion;
}

export interface UapiSpec {
  readonly name: string;
  readonly version: SpecVersion;
  /** A draft is not frozen as released until the implementations serve it (see abi/). */
  readonly status?: 'released' | 'draft';
  readonly binding?: Binding;
  readonly sizePolicy?: SizePolicy;
  /** Largest opcode value (1.0: 63, one bit each in a u64 bitmask). */
  readonly maxOpcode?: number;
  /** The enum of command statuses (default `oa_status`). */
  readonly statusEnum?: string;
  readonly externalStructs?: readonly ExternalStructSpec[];
  readonly externalConstants?: readonly ExternalConstantSpec[];
  readonly coreIoctls?: readonly CoreIoctlSpec[];
  readonly fdinfo?: readonly FdinfoKeySpec[];
  readonly sections?: readonly SpecSection[];
  readonly title: string;
  readonly doc: readonly string[];
  /** The ioctl type ("magic") byte shared by every ioctl of the spec. */
  readonly ioctlType: number;
  readonly constants: readonly ConstantSpec[];
  readonly enums: readonly EnumSpec[];
  readonly flags: readonly FlagSetSpec[];
  readonly structs: readonly StructSpec[];
  readonly ioctls: readonly IoctlSpec[];
  /** Rules every ioctl obeys (unknown ioctl, size, tail, flags, reserved, ownership). */
  readonly commonErrors: readonly ErrnoRule[];
  readonly regions: readonly MmapRegionSpec[];
  readonly rings: readonly RingSpec[];
  readonly opcodeEnum: string;
  readonly opcodes: readonly OpcodeSpec[];
  readonly rules: readonly ProtocolRule[];
}

/** Identity helpers that keep literal types, so codecs can type struct values from the spec. */
export function defineStruct<const S extends StructSpec>(s: S): S {
  return s;
}
