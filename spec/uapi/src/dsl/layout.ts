import { parseFieldType, type ParsedType } from './ctype.js';
import type { FieldSpec, SizePolicy, SpecVersion, StructSpec } from './model.js';
import { SpecError } from '../errors.js';

export interface FieldLayout {
  readonly field: FieldSpec;
  readonly offset: number;
  readonly type: ParsedType;
}

export interface StructLayout {
  readonly struct: StructSpec;
  readonly fields: readonly FieldLayout[];
  readonly byName: ReadonlyMap<string, FieldLayout>;
  /** sizeof() of the struct at the current spec version, in bytes. */
  readonly sizeBytes: number;
  readonly alignBytes: number;
  /** Smallest `size` a caller may pass: the struct as it was at its `since` version. */
  readonly minSizeBytes: number;
}

export function compareVersions(a: SpecVersion, b: SpecVersion): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am !== bm ? am - bm : an - bn;
}

/**
 * Lays a struct out exactly as the C compiler will, and refuses layouts that are ABI hazards:
 * implicit padding (holes would be uninitialised kernel memory on copy-out and differ between
 * ABIs), tail padding, and extensible structs whose first field is not `__u32 size`.
 */
export function computeLayout(struct: StructSpec, sizePolicy: SizePolicy = 'size-field'): StructLayout {
  const where = `struct ${struct.name}`;
  if (struct.fields.length === 0) throw new SpecError(where, 'has no fields');
  const fields: FieldLayout[] = [];
  const byName = new Map<string, FieldLayout>();
  let offset = 0;
  let alignBytes = 1;
  let minSizeBytes = 0;
  let sinceClosed = false;
  for (const field of struct.fields) {
    const type = parseFieldType(field.type);
    if (offset % type.alignBytes !== 0) {
      throw new SpecError(
        `${where}.${field.name}`,
        `offset ${offset} is not a multiple of its alignment ${type.alignBytes}; add an explicit reserved field before it`,
      );
    }
    if (byName.has(field.name)) throw new SpecError(`${where}.${field.name}`, 'duplicate field name');
    if (field.reserved && field.dir !== 'in') {
      throw new SpecError(`${where}.${field.name}`, "a reserved field has direction 'in' (the caller zeroes it)");
    }
    const fl: FieldLayout = { field, offset, type };
    fields.push(fl);
    byName.set(field.name, fl);
    offset += type.sizeBytes;
    alignBytes = Math.max(alignBytes, type.alignBytes);
    // Fields added after the struct's first version must all come after the original ones.
    if (compareVersions(field.since, struct.since) <= 0) {
      if (sinceClosed) throw new SpecError(`${where}.${field.name}`, 'fields of the first version must precede fields added later');
      minSizeBytes = offset;
    } else {
      sinceClosed = true;
    }
  }
  if (offset % alignBytes !== 0) {
    throw new SpecError(where, `size ${offset} leaves tail padding to alignment ${alignBytes}; add an explicit reserved field`);
  }
  if (struct.extensible && sizePolicy === 'size-field') {
    const first = fields[0]!;
    if (first.field.name !== 'size' || first.field.type !== 'u32' || first.field.dir !== 'in') {
      throw new SpecError(where, "an extensible struct starts with '__u32 size' (direction in)");
    }
  }
  return { struct, fields, byName, sizeBytes: offset, alignBytes, minSizeBytes };
}
