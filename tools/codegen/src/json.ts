/** Renders the language-neutral JSON description: the spec plus everything derived from it (layouts, numbers, masks). */
import { IOC_ENCODINGS, type CompiledSpec } from '@openaccel/uapi';
import { generatedNotice } from './notice.js';

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export function renderJson(c: CompiledSpec): string {
  const s = c.spec;
  const doc = {
    $comment: generatedNotice(s),
    format: 'openaccel-uapi-description/1',
    name: s.name,
    version: s.version,
    title: s.title,
    doc: s.doc,
    ioctlType: s.ioctlType,
    iocEncodings: IOC_ENCODINGS,
    constants: s.constants,
    enums: [...c.enums.values()],
    flags: [...c.flagSets.values()].map(({ spec, mask }) => ({ ...spec, mask: Number(mask) })),
    structs: [...c.structs.values()].map((l) => ({
      name: l.struct.name,
      doc: l.struct.doc,
      notes: l.struct.notes ?? [],
      extensible: l.struct.extensible,
      since: l.struct.since,
      sizeBytes: l.sizeBytes,
      alignBytes: l.alignBytes,
      minSizeBytes: l.minSizeBytes,
      fields: l.fields.map((f) => ({ ...f.field, offset: f.offset, sizeBytes: f.type.sizeBytes })),
    })),
    commonErrors: s.commonErrors,
    ioctls: [...c.ioctls.values()].map((io) => ({
      ...io.spec,
      argSizeBytes: io.arg.sizeBytes,
      numbers: Object.fromEntries(Object.entries(io.numbers).map(([fam, n]) => [fam, { value: n, hex: hex(n) }])),
    })),
    regions: s.regions,
    rings: s.rings,
    opcodes: s.opcodes,
    rules: s.rules,
    // 2.0 and later: the binding, the size policy, the DRM core part and the spec's own prose sections.
    ...(s.binding
      ? {
          status: s.status ?? 'released',
          binding: s.binding,
          sizePolicy: c.sizePolicy,
          maxOpcode: s.maxOpcode,
          sections: s.sections ?? [],
          externalStructs: [...c.externalStructs.values()].map((m) => ({
            ...m.lp64.struct,
            layouts: Object.fromEntries(
              Object.entries(m).map(([model, l]) => [model, { sizeBytes: l.sizeBytes, alignBytes: l.alignBytes, offsets: Object.fromEntries(l.fields.map((f) => [f.field.name, f.offset])) }]),
            ),
          })),
          externalConstants: s.externalConstants ?? [],
          coreIoctls: [...c.coreIoctls.values()].map((io) => ({
            ...io.spec,
            numbers: Object.fromEntries(Object.entries(io.numbers).map(([model, n]) => [model, { value: n, hex: hex(n) }])),
          })),
          fdinfo: s.fdinfo ?? [],
        }
      : {}),
  };
  return `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
