/**
 * Layouts of structs defined outside the spec (drm/drm.h). The DRM core predates the fixed-width rule
 * and still uses `int`, `__kernel_size_t`, user pointers and plain `__u64`, so their layout depends on
 * the data model: LP64 (x86-64, arm64, ...) or ILP32 (i386, arm), where a plain `__u64` is 4-aligned.
 */
import type { ExternalCType, ExternalFieldSpec, ExternalStructSpec } from './model.js';
import { SpecError } from '../errors.js';

export type DataModel = 'lp64' | 'ilp32';
export const DATA_MODELS: readonly DataModel[] = ['lp64', 'ilp32'];

const SIZES: Readonly<Record<ExternalCType, Readonly<Record<DataModel, { size: number; align: number }>>>> = {
  __u32: { lp64: { size: 4, align: 4 }, ilp32: { size: 4, align: 4 } },
  __s32: { lp64: { size: 4, align: 4 }, ilp32: { size: 4, align: 4 } },
  int: { lp64: { size: 4, align: 4 }, ilp32: { size: 4, align: 4 } },
  __u64: { lp64: { size: 8, align: 8 }, ilp32: { size: 8, align: 4 } },
  __s64: { lp64: { size: 8, align: 8 }, ilp32: { size: 8, align: 4 } },
  __kernel_size_t: { lp64: { size: 8, align: 8 }, ilp32: { size: 4, align: 4 } },
  'char *': { lp64: { size: 8, align: 8 }, ilp32: { size: 4, align: 4 } },
};

export interface ExternalFieldLayout {
  readonly field: ExternalFieldSpec;
  readonly offset: number;
  readonly sizeBytes: number;
}

export interface ExternalLayout {
  readonly struct: ExternalStructSpec;
  readonly model: DataModel;
  readonly fields: readonly ExternalFieldLayout[];
  /** sizeof() of the described fields with the struct's tail padding: the size of a header that has exactly these fields. */
  readonly sizeBytes: number;
  readonly alignBytes: number;
}

/** Lays out an external struct as the C compiler does for one data model (natural alignment, tail padding). */
export function computeExternalLayout(struct: ExternalStructSpec, model: DataModel): ExternalLayout {
  if (struct.fields.length === 0) throw new SpecError(`struct ${struct.name}`, 'has no fields');
  const fields: ExternalFieldLayout[] = [];
  let offset = 0;
  let alignBytes = 1;
  for (const field of struct.fields) {
    const t = SIZES[field.ctype][model];
    offset = Math.ceil(offset / t.align) * t.align;
    fields.push({ field, offset, sizeBytes: t.size });
    offset += t.size;
    alignBytes = Math.max(alignBytes, t.align);
  }
  return { struct, model, fields, sizeBytes: Math.ceil(offset / alignBytes) * alignBytes, alignBytes };
}
