import { IOC_FAMILIES, ioc, maxIocSize, type IocFamily } from './ioc.js';
import { computeLayout, type StructLayout } from './layout.js';
import { isErrnoName } from './errno.js';
import { computeExternalLayout, DATA_MODELS, type DataModel, type ExternalLayout } from './external.js';
import type { CoreIoctlSpec, EnumSpec, ErrnoRule, FlagSetSpec, IoctlDirection, IoctlSpec, SizePolicy, UapiSpec } from './model.js';
import { SpecError } from '../errors.js';

export interface CompiledFlagSet {
  readonly spec: FlagSetSpec;
  /** Union of the defined bits, as bigint so 64-bit fields work alike. */
  readonly mask: bigint;
}

export interface CompiledIoctl {
  readonly spec: IoctlSpec;
  readonly arg: StructLayout;
  /** Request number per architecture family, for the struct at the current version. */
  readonly numbers: Readonly<Record<IocFamily, number>>;
  /** Common rules followed by the ioctl's own, in the order a driver checks them. */
  readonly errors: readonly ErrnoRule[];
}

/** A DRM core ioctl: its request numbers on 64-bit and 32-bit ABIs (drm_version differs between them). */
export interface CompiledCoreIoctl {
  readonly spec: CoreIoctlSpec;
  readonly arg: Readonly<Record<DataModel, ExternalLayout>>;
  /** Generic-family request number per data model, for a header with exactly the described fields. */
  readonly numbers: Readonly<Record<DataModel, number>>;
}

export interface CompiledSpec {
  readonly spec: UapiSpec;
  readonly sizePolicy: SizePolicy;
  /** External (drm/drm.h) struct layouts per data model. */
  readonly externalStructs: ReadonlyMap<string, Readonly<Record<DataModel, ExternalLayout>>>;
  readonly coreIoctls: ReadonlyMap<string, CompiledCoreIoctl>;
  readonly structs: ReadonlyMap<string, StructLayout>;
  readonly enums: ReadonlyMap<string, EnumSpec>;
  readonly flagSets: ReadonlyMap<string, CompiledFlagSet>;
  readonly ioctls: ReadonlyMap<string, CompiledIoctl>;
  readonly ioctlsByNr: ReadonlyMap<number, CompiledIoctl>;
  readonly constants: ReadonlyMap<string, number>;
}

/** The direction an argument struct needs: write if the caller passes anything, read if it gets anything back. */
export function derivedDirection(layout: StructLayout): IoctlDirection {
  const dirs = layout.fields.map((f) => f.field.dir);
  const write = dirs.some((d) => d === 'in' || d === 'inout');
  const read = dirs.some((d) => d === 'out' || d === 'inout');
  return write && read ? 'readwrite' : write ? 'write' : read ? 'read' : 'none';
}

function unique(where: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SpecError(where, `'${n}' is defined twice`);
    seen.add(n);
  }
}

/** Checks every cross-reference and ABI rule of a spec and computes layouts and request numbers. */
export function compileSpec(spec: UapiSpec): CompiledSpec {
  const opcodeEnum: EnumSpec = {
    name: spec.opcodeEnum,
    doc: spec.maxOpcode === undefined || spec.maxOpcode <= 63
      ? 'Functions of the device, in struct oa_sqe.opcode; bit n of oa_device_info.functions is opcode n.'
      : 'Functions of the device, in struct oa_sqe.opcode; which ones a device implements is bit n of the bitmap DRM_IOCTL_OA_QUERY_FUNCTIONS returns.',
    entries: spec.opcodes.map((o) => ({ name: o.name, value: o.value, doc: o.doc, since: o.since })),
  };
  const allEnums = [...spec.enums, opcodeEnum];
  unique('spec', [
    ...spec.structs.map((s) => s.name),
    ...allEnums.map((e) => e.name),
    ...spec.flags.map((f) => f.name),
  ]);
  unique('spec identifiers', [
    ...spec.constants.map((c) => c.name),
    ...allEnums.flatMap((e) => e.entries.map((x) => x.name)),
    ...spec.flags.flatMap((f) => f.bits.map((b) => b.name)),
    ...spec.ioctls.map((i) => i.name),
  ]);

  const enums = new Map(allEnums.map((e) => [e.name, e]));
  for (const e of allEnums) unique(`enum ${e.name} values`, e.entries.map((x) => String(x.value)));

  const flagSets = new Map<string, CompiledFlagSet>();
  for (const f of spec.flags) {
    unique(`flags ${f.name} bits`, f.bits.map((b) => String(b.bit)));
    let mask = 0n;
    for (const b of f.bits) {
      if (!Number.isInteger(b.bit) || b.bit < 0 || b.bit > 63) throw new SpecError(`flags ${f.name}.${b.name}`, 'bit must be 0..63');
      mask |= 1n << BigInt(b.bit);
    }
    flagSets.set(f.name, { spec: f, mask });
  }

  const sizePolicy = spec.sizePolicy ?? 'size-field';
  const binding = spec.binding;
  if (binding?.kind === 'drm-accel') {
    if (spec.ioctlType !== 0x64) throw new SpecError('spec', "a DRM accel binding uses the DRM ioctl type 'd' (0x64)");
    if (sizePolicy !== 'drm-ioctl') throw new SpecError('spec', "a DRM accel binding takes drm_ioctl's size rules (sizePolicy 'drm-ioctl')");
    for (const io of spec.ioctls) {
      if (io.nr < binding.commandBase || io.nr >= binding.commandEnd) {
        throw new SpecError(`ioctl ${io.name}`, `nr 0x${io.nr.toString(16)} is outside the driver range [DRM_COMMAND_BASE, DRM_COMMAND_END)`);
      }
    }
  }

  const structs = new Map<string, StructLayout>();
  for (const s of spec.structs) {
    const layout = computeLayout(s, sizePolicy);
    for (const { field, type } of layout.fields) {
      const where = `struct ${s.name}.${field.name}`;
      if (field.flags !== undefined) {
        const set = flagSets.get(field.flags);
        if (!set) throw new SpecError(where, `unknown flag set '${field.flags}'`);
        if (type.count !== undefined) throw new SpecError(where, 'a flags field is a scalar');
        if (set.mask >> BigInt(type.sizeBytes * 8) !== 0n) throw new SpecError(where, `flag set '${field.flags}' has bits beyond the ${field.type} field`);
      }
      if (field.enum !== undefined && !enums.has(field.enum)) throw new SpecError(where, `unknown enum '${field.enum}'`);
      if (field.reserved && (field.flags || field.enum || field.special)) throw new SpecError(where, 'a reserved field carries no flags, enum or special values');
    }
    structs.set(s.name, layout);
  }

  const constants = new Map(spec.constants.map((c) => [c.name, c.value]));
  if (spec.ioctlType < 0 || spec.ioctlType > 0xff) throw new SpecError('spec', 'ioctlType must be a byte');
  unique('ioctl numbers', spec.ioctls.map((i) => String(i.nr)));
  const commonIds = spec.commonErrors.map((r) => r.id);
  const ioctls = new Map<string, CompiledIoctl>();
  const ioctlsByNr = new Map<number, CompiledIoctl>();
  for (const io of spec.ioctls) {
    const where = `ioctl ${io.name}`;
    const arg = structs.get(io.arg);
    if (!arg) throw new SpecError(where, `unknown argument struct '${io.arg}'`);
    if (!arg.struct.extensible) throw new SpecError(where, `argument struct '${io.arg}' must be extensible`);
    const want = derivedDirection(arg);
    if (want !== io.dir) throw new SpecError(where, `declared direction '${io.dir}' but the fields of ${io.arg} need '${want}'`);
    for (const fam of IOC_FAMILIES) {
      if (arg.sizeBytes > maxIocSize(fam)) throw new SpecError(where, `argument of ${arg.sizeBytes} bytes does not fit the ${fam} encoding`);
    }
    unique(`${where} errno rule ids`, [...commonIds, ...io.errors.map((r) => r.id)]);
    const errors = [...spec.commonErrors, ...io.errors];
    for (const r of errors) {
      if (!isErrnoName(r.errno)) throw new SpecError(`${where} rule ${r.id}`, `unknown errno '${r.errno}'`);
      if (r.field !== undefined && io.errors.includes(r) && !arg.byName.has(r.field)) throw new SpecError(`${where} rule ${r.id}`, `no field '${r.field}' in ${io.arg}`);
    }
    const numbers = Object.fromEntries(
      IOC_FAMILIES.map((fam) => [fam, ioc(fam, io.dir, spec.ioctlType, io.nr, arg.sizeBytes)]),
    ) as Record<IocFamily, number>;
    const compiled: CompiledIoctl = { spec: io, arg, numbers, errors };
    ioctls.set(io.name, compiled);
    ioctlsByNr.set(io.nr, compiled);
  }

  for (const r of spec.regions) {
    for (const ref of [r.offsetFrom, r.sizeFrom]) {
      const [s, f] = ref.split('.');
      if (!structs.get(s ?? '')?.byName.has(f ?? '')) throw new SpecError(`region ${r.name}`, `unknown field '${ref}'`);
    }
    if (!structs.has(r.layout)) throw new SpecError(`region ${r.name}`, `unknown layout struct '${r.layout}'`);
  }
  for (const ring of spec.rings) {
    if (!structs.has(ring.entry)) throw new SpecError(`ring ${ring.name}`, `unknown entry struct '${ring.entry}'`);
    if (!spec.regions.some((r) => r.name === ring.region)) throw new SpecError(`ring ${ring.name}`, `unknown region '${ring.region}'`);
  }
  unique('rules', spec.rules.map((r) => r.id));
  const maxOpcode = spec.maxOpcode ?? 63;
  const statusEnum = spec.statusEnum ?? 'oa_status';
  for (const o of spec.opcodes) {
    if (!Number.isInteger(o.value) || o.value < 0 || o.value > maxOpcode) {
      throw new SpecError(`opcode ${o.name}`, maxOpcode === 63 ? 'opcodes are 0..63 (one bit each in oa_device_info.functions)' : `opcodes are 0..${maxOpcode}`);
    }
    for (const st of o.operands.statuses) {
      if (!enums.get(statusEnum)?.entries.some((e) => e.name === st)) throw new SpecError(`opcode ${o.name}`, `unknown status '${st}'`);
    }
  }
  const opField = structs.get('oa_sqe')?.byName.get('opcode');
  if (opField && BigInt(maxOpcode) > (1n << BigInt(opField.type.sizeBytes * 8)) - 1n) {
    throw new SpecError('struct oa_sqe.opcode', `a ${opField.field.type} cannot hold opcode ${maxOpcode}`);
  }

  const externalStructs = new Map<string, Record<DataModel, ExternalLayout>>();
  for (const x of spec.externalStructs ?? []) {
    externalStructs.set(x.name, Object.fromEntries(DATA_MODELS.map((m) => [m, computeExternalLayout(x, m)])) as Record<DataModel, ExternalLayout>);
  }
  const coreIoctls = new Map<string, CompiledCoreIoctl>();
  unique('core ioctl numbers', (spec.coreIoctls ?? []).map((i) => String(i.nr)));
  for (const io of spec.coreIoctls ?? []) {
    const where = `core ioctl ${io.name}`;
    if (binding?.kind !== 'drm-accel') throw new SpecError(where, 'core ioctls belong to a DRM accel binding');
    if (io.nr >= binding.commandBase && io.nr < binding.commandEnd) throw new SpecError(where, 'nr lies in the driver-private range');
    const arg = externalStructs.get(io.arg);
    if (!arg) throw new SpecError(where, `unknown external struct '${io.arg}'`);
    unique(`${where} errno rule ids`, io.errors.map((r) => r.id));
    for (const r of io.errors) {
      if (!isErrnoName(r.errno)) throw new SpecError(`${where} rule ${r.id}`, `unknown errno '${r.errno}'`);
      if (r.field !== undefined && !arg.lp64.fields.some((f) => f.field.name === r.field)) throw new SpecError(`${where} rule ${r.id}`, `no field '${r.field}' in ${io.arg}`);
      if (!/^(drivers|include|Documentation)\/\S+: \w+/.test(r.source)) throw new SpecError(`${where} rule ${r.id}`, "source must be 'path/in/linux.c: function'");
    }
    const numbers = Object.fromEntries(DATA_MODELS.map((m) => [m, ioc('generic', io.dir, spec.ioctlType, io.nr, arg[m].sizeBytes)])) as Record<DataModel, number>;
    coreIoctls.set(io.name, { spec: io, arg, numbers });
  }
  unique('sections', (spec.sections ?? []).map((x) => x.id));
  unique('rule ids', [...spec.rules.map((r) => r.id), ...(spec.sections ?? []).map((x) => x.id)]);
  // Arrays of wider scalars would need per-element codecs; the spec has no use for them yet.
  for (const s of structs.values()) {
    for (const f of s.fields) {
      if (f.type.count !== undefined && f.type.scalar !== 'u8') throw new SpecError(`struct ${s.struct.name}.${f.field.name}`, 'only u8 arrays are supported');
    }
  }
  return { spec, sizePolicy, externalStructs, coreIoctls, structs, enums, flagSets, ioctls, ioctlsByNr, constants };
}
