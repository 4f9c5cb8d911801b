/**
 * ABI snapshots and the compatibility checker. A snapshot keeps exactly what binaries depend on:
 * layouts, numbers, bits and errno meanings. `diffAbi(old, new)` accepts growth (new ioctls,
 * fields appended to extensible structs, reserved fields put to use, new bits, values and rules)
 * and rejects everything that would break a program built against `old`.
 */
import type { CompiledSpec } from '../dsl/compile.js';
import type { Direction, IoctlDirection, SpecVersion } from '../dsl/model.js';
import type { IocFamily } from '../dsl/ioc.js';

export interface AbiField {
  name: string;
  type: string;
  offset: number;
  dir: Direction;
  reserved: boolean;
}

export interface AbiSnapshot {
  format: 'openaccel-abi/1';
  spec: string;
  version: SpecVersion;
  ioctlType: number;
  constants: Record<string, { value: number; version: boolean }>;
  enums: Record<string, Record<string, number>>;
  flags: Record<string, Record<string, number>>;
  structs: Record<string, { size: number; extensible: boolean; fields: AbiField[] }>;
  ioctls: Record<string, { nr: number; dir: IoctlDirection; arg: string; numbers: Record<IocFamily, number>; errors: Record<string, string> }>;
  commonErrors: Record<string, string>;
  regions: Record<string, { layout: string; errors: Record<string, string> }>;
  /** Absent in snapshots of specs without a binding (1.0): a char device of its own. */
  binding?: { kind: string; node: string };
  /** Absent means 'size-field' (1.0). */
  sizePolicy?: string;
  /** DRM core ioctls the spec relies on (2.0). */
  coreIoctls?: Record<string, { nr: number; dir: IoctlDirection; arg: string; errors: Record<string, string> }>;
}

const ONE_ZERO_BINDING = { kind: 'char-device', node: '/dev/openaccel/accel%u' };

export interface AbiChange {
  /** Where: `struct oa_sqe.tag`, `ioctl OA_IOCTL_SUBMIT errno sq_overrun`, ... */
  path: string;
  message: string;
}

export interface AbiDiff {
  breaking: AbiChange[];
  compatible: AbiChange[];
}

export function abiSnapshot(c: CompiledSpec): AbiSnapshot {
  const s = c.spec;
  return {
    format: 'openaccel-abi/1',
    spec: s.name,
    version: s.version,
    ioctlType: s.ioctlType,
    constants: Object.fromEntries(s.constants.map((k) => [k.name, { value: k.value, version: k.unit === 'version' }])),
    enums: Object.fromEntries([...c.enums.values()].map((e) => [e.name, Object.fromEntries(e.entries.map((x) => [x.name, x.value]))])),
    flags: Object.fromEntries(s.flags.map((f) => [f.name, Object.fromEntries(f.bits.map((b) => [b.name, b.bit]))])),
    structs: Object.fromEntries(
      [...c.structs.values()].map((l) => [
        l.struct.name,
        {
          size: l.sizeBytes,
          extensible: l.struct.extensible,
          fields: l.fields.map((f) => ({ name: f.field.name, type: f.field.type, offset: f.offset, dir: f.field.dir, reserved: f.field.reserved === true })),
        },
      ]),
    ),
    ioctls: Object.fromEntries(
      [...c.ioctls.values()].map((io) => [
        io.spec.name,
        {
          nr: io.spec.nr,
          dir: io.spec.dir,
          arg: io.spec.arg,
          numbers: { ...io.numbers },
          errors: Object.fromEntries(io.spec.errors.map((r) => [r.id, r.errno])),
        },
      ]),
    ),
    commonErrors: Object.fromEntries(s.commonErrors.map((r) => [r.id, r.errno])),
    regions: Object.fromEntries(s.regions.map((r) => [r.name, { layout: r.layout, errors: Object.fromEntries(r.errors.map((e) => [e.id, e.errno])) }])),
    ...(s.binding ? { binding: { kind: s.binding.kind, node: s.binding.node } } : {}),
    ...(s.sizePolicy ? { sizePolicy: s.sizePolicy } : {}),
    ...(c.coreIoctls.size
      ? {
          coreIoctls: Object.fromEntries(
            [...c.coreIoctls.values()].map((io) => [io.spec.name, { nr: io.spec.nr, dir: io.spec.dir, arg: io.spec.arg, errors: Object.fromEntries(io.spec.errors.map((r) => [r.id, r.errno])) }]),
          ),
        }
      : {}),
  };
}

function sizeOfType(type: string): number {
  const m = /^([us])(8|16|32|64)(?:\[(\d+)\])?$/.exec(type);
  if (!m) return 0;
  return (Number(m[2]) / 8) * (m[3] ? Number(m[3]) : 1);
}

function diffMaps(
  d: AbiDiff,
  path: string,
  what: string,
  oldMap: Record<string, number | string>,
  newMap: Record<string, number | string>,
): void {
  for (const [k, v] of Object.entries(oldMap)) {
    if (!(k in newMap)) d.breaking.push({ path: `${path} ${k}`, message: `${what} ${k} (${v}) was removed` });
    else if (newMap[k] !== v) d.breaking.push({ path: `${path} ${k}`, message: `${what} ${k} changed from ${v} to ${newMap[k]}` });
  }
  for (const [k, v] of Object.entries(newMap)) {
    if (!(k in oldMap)) d.compatible.push({ path: `${path} ${k}`, message: `${what} ${k} (${v}) added` });
  }
}

function diffStruct(d: AbiDiff, name: string, o: AbiSnapshot['structs'][string], n: AbiSnapshot['structs'][string]): void {
  const path = `struct ${name}`;
  if (n.size < o.size) d.breaking.push({ path, message: `shrank from ${o.size} to ${n.size} bytes` });
  if (n.size > o.size) {
    if (o.extensible) d.compatible.push({ path, message: `grew from ${o.size} to ${n.size} bytes (extensible: older callers stay valid)` });
    else d.breaking.push({ path, message: `grew from ${o.size} to ${n.size} bytes but is not extensible (a fixed shared-memory format)` });
  }
  const byName = new Map(n.fields.map((f) => [f.name, f]));
  for (const of of o.fields) {
    const nf = byName.get(of.name);
    const fpath = `${path}.${of.name}`;
    if (nf) {
      if (nf.offset !== of.offset) d.breaking.push({ path: fpath, message: `moved from offset ${of.offset} to ${nf.offset}` });
      if (nf.type !== of.type) d.breaking.push({ path: fpath, message: `type changed from ${of.type} to ${nf.type}` });
      if (nf.dir !== of.dir) d.breaking.push({ path: fpath, message: `direction changed from ${of.dir} to ${nf.dir}` });
      continue;
    }
    const end = of.offset + sizeOfType(of.type);
    const inside = n.fields.filter((f) => f.offset < end && f.offset + sizeOfType(f.type) > of.offset);
    const contained = inside.length > 0 && inside.every((f) => f.offset >= of.offset && f.offset + sizeOfType(f.type) <= end);
    if (of.reserved && contained) {
      d.compatible.push({ path: fpath, message: `reserved bytes ${of.offset}..${end - 1} now hold ${inside.map((f) => f.name).join(', ')}` });
    } else {
      d.breaking.push({ path: fpath, message: `field removed or renamed (was ${of.type} at offset ${of.offset})` });
    }
  }
  const oldNames = new Set(o.fields.map((f) => f.name));
  for (const nf of n.fields) {
    if (!oldNames.has(nf.name) && nf.offset >= o.size) d.compatible.push({ path: `${path}.${nf.name}`, message: `field appended at offset ${nf.offset}` });
  }
}

/** Compares two snapshots: everything in `breaking` would break a binary built against `older`. */
export function diffAbi(older: AbiSnapshot, newer: AbiSnapshot): AbiDiff {
  const d: AbiDiff = { breaking: [], compatible: [] };
  const [oldMajor, newMajor] = [older.version, newer.version].map((v) => Number(v.split('.')[0]));
  if (oldMajor !== newMajor) d.breaking.push({ path: 'version', message: `major version ${older.version} -> ${newer.version}: programs built against ${older.version} do not run against ${newer.version}` });
  const [ob, nb] = [older.binding ?? ONE_ZERO_BINDING, newer.binding ?? ONE_ZERO_BINDING];
  if (ob.kind !== nb.kind || ob.node !== nb.node) d.breaking.push({ path: 'binding', message: `device node moved from ${ob.kind} ${ob.node} to ${nb.kind} ${nb.node}` });
  const [os, ns] = [older.sizePolicy ?? 'size-field', newer.sizePolicy ?? 'size-field'];
  if (os !== ns) d.breaking.push({ path: 'sizePolicy', message: `argument size rules changed from ${os} to ${ns}` });
  for (const [name, io] of Object.entries(older.coreIoctls ?? {})) {
    const n = newer.coreIoctls?.[name];
    if (!n) d.breaking.push({ path: `core ioctl ${name}`, message: 'DRM core ioctl no longer part of the spec' });
    else diffMaps(d, `core ioctl ${name} errno rule`, 'rule', io.errors, n.errors);
  }
  for (const name of Object.keys(newer.coreIoctls ?? {})) if (!older.coreIoctls?.[name]) d.compatible.push({ path: `core ioctl ${name}`, message: 'DRM core ioctl added to the spec' });
  if (newer.ioctlType !== older.ioctlType) d.breaking.push({ path: 'ioctlType', message: `ioctl type changed from 0x${older.ioctlType.toString(16)} to 0x${newer.ioctlType.toString(16)}` });
  for (const [k, v] of Object.entries(older.constants)) {
    const nv = newer.constants[k];
    if (!nv) d.breaking.push({ path: `constant ${k}`, message: 'constant removed' });
    else if (nv.value !== v.value) {
      if (v.version && nv.value > v.value) d.compatible.push({ path: `constant ${k}`, message: `version ${v.value} -> ${nv.value}` });
      else d.breaking.push({ path: `constant ${k}`, message: `value changed from ${v.value} to ${nv.value}` });
    }
  }
  for (const k of Object.keys(newer.constants)) if (!(k in older.constants)) d.compatible.push({ path: `constant ${k}`, message: 'constant added' });
  for (const [name, entries] of Object.entries(older.enums)) {
    if (!newer.enums[name]) d.breaking.push({ path: `enum ${name}`, message: 'enum removed' });
    else diffMaps(d, `enum ${name}`, 'value', entries, newer.enums[name]!);
  }
  for (const [name, bits] of Object.entries(older.flags)) {
    if (!newer.flags[name]) d.breaking.push({ path: `flags ${name}`, message: 'flag set removed' });
    else diffMaps(d, `flags ${name}`, 'bit', bits, newer.flags[name]!);
  }
  for (const [name, s] of Object.entries(older.structs)) {
    const ns = newer.structs[name];
    if (!ns) d.breaking.push({ path: `struct ${name}`, message: 'struct removed' });
    else diffStruct(d, name, s, ns);
  }
  for (const name of Object.keys(newer.structs)) if (!(name in older.structs)) d.compatible.push({ path: `struct ${name}`, message: 'struct added' });
  diffMaps(d, 'common errno rule', 'rule', older.commonErrors, newer.commonErrors);
  for (const [name, io] of Object.entries(older.ioctls)) {
    const n = newer.ioctls[name];
    const path = `ioctl ${name}`;
    if (!n) {
      d.breaking.push({ path, message: 'ioctl removed' });
      continue;
    }
    if (n.nr !== io.nr) d.breaking.push({ path, message: `renumbered from nr 0x${io.nr.toString(16)} to 0x${n.nr.toString(16)}` });
    if (n.dir !== io.dir) d.breaking.push({ path, message: `direction changed from ${io.dir} to ${n.dir}` });
    if (n.arg !== io.arg) d.breaking.push({ path, message: `argument struct changed from ${io.arg} to ${n.arg}` });
    diffMaps(d, `${path} errno rule`, 'rule', io.errors, n.errors);
  }
  for (const name of Object.keys(newer.ioctls)) if (!(name in older.ioctls)) d.compatible.push({ path: `ioctl ${name}`, message: 'ioctl added' });
  for (const [name, r] of Object.entries(older.regions)) {
    const n = newer.regions[name];
    if (!n) d.breaking.push({ path: `region ${name}`, message: 'mmap region removed' });
    else {
      if (n.layout !== r.layout) d.breaking.push({ path: `region ${name}`, message: `layout changed from ${r.layout} to ${n.layout}` });
      diffMaps(d, `region ${name} errno rule`, 'rule', r.errors, n.errors);
    }
  }
  return d;
}
