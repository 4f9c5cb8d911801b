/** Renders the kernel uAPI header: kernel-doc comments, one struct per ioctl, static_assert on every size and offset. */
import { SCALARS, type CompiledSpec, type FieldSpec, type IoctlSpec, type StructLayout, type UapiSpec } from '@openaccel/uapi';
import { generatedNotice } from './notice.js';

const IOC_MACRO = { none: '_IO', write: '_IOW', read: '_IOR', readwrite: '_IOWR' } as const;

/** Wraps prose into comment lines of at most 100 columns; continuation lines take the `rest` prefix. */
export function commentLines(text: string, first = ' * ', rest = first): string[] {
  const out: string[] = [];
  let line = '';
  const prefix = () => (out.length ? rest : first);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix().replace('\t', '        ').length + line.length + 1 + word.length > 100) {
      out.push(prefix() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(prefix() + line);
  return out.map(commentSafe);
}

/** Text that cannot end or nest a C comment. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *');
}

export function fieldDecl(f: FieldSpec): string {
  const m = /^(\w+)\[(\d+)\]$/.exec(f.type);
  if (m) return `\t${SCALARS[m[1] as keyof typeof SCALARS].cName} ${f.name}[${m[2]}];`;
  return `\t${SCALARS[f.type as keyof typeof SCALARS].cName} ${f.name};`;
}

export function fieldTags(f: FieldSpec, base = '1.0'): string {
  const tags: string[] = [f.dir];
  if (f.unit) tags.push(f.unit);
  if (f.flags) tags.push(`flags: ${f.flags}`);
  if (f.enum) tags.push(`enum ${f.enum}`);
  if (f.since !== base) tags.push(`since ${f.since}`);
  const special = (f.special ?? []).map((s) => `${s.value} = ${s.meaning}`);
  return `[${tags.join(', ')}]${special.length ? ` Special: ${special.join('; ')}.` : ''}`;
}

export function structBlock(l: StructLayout, extensibleNote = 'Extensible: see "Extensible structs" at the top of this file.', base = '1.0'): string[] {
  const s = l.struct;
  const out = ['/**', ...commentLines(`struct ${s.name} - ${s.doc}`)];
  for (const { field } of l.fields) out.push(...commentLines(`@${field.name}: ${field.doc} ${fieldTags(field, base)}`, ' * ', ' *\t'));
  const notes = [...(s.notes ?? [])];
  if (s.extensible) notes.push(extensibleNote);
  for (const n of notes) out.push(' *', ...commentLines(n));
  out.push(' */', `struct ${s.name} {`, ...l.fields.map((f) => fieldDecl(f.field)), '};', '');
  return out;
}

/** `#define`s of every flag bit and each set's valid mask, with the docs as comments. */
export function flagDefines(c: CompiledSpec): string[] {
  const out: string[] = [];
  for (const { spec: f, mask } of c.flagSets.values()) {
    out.push(`/* ${f.name}: ${commentSafe(f.doc)} */`);
    for (const b of f.bits) out.push(`/* ${commentSafe(b.doc)} */`, `#define ${b.name} (1U << ${b.bit})`);
    out.push(`#define ${f.name.toUpperCase()}_VALID_MASK 0x${mask.toString(16)}U`, '');
  }
  return out;
}

/** The kernel-doc comment above an ioctl's `#define`: what it does and its own errno rules. */
export function ioctlComment(i: IoctlSpec): string[] {
  const out = ['/**', ...commentLines(`${i.name} - ${i.doc}`), ' *', ...commentLines(`Argument: struct ${i.arg}. Errors besides the common ones:`)];
  if (i.errors.length === 0) out.push(' *   none.');
  for (const r of i.errors) out.push(...commentLines(`${r.errno} (${r.id}): ${r.when}.`, ' *   ', ' *     '));
  for (const n of i.notes ?? []) out.push(' *', ...commentLines(n));
  out.push(' */');
  return out;
}

/** The closing comment: mmap regions, their errno rules and the data-path rules. */
export function protocolComment(s: UapiSpec, regionsTitle: string, mmapTitle: string, rulesTitle: string): string[] {
  const out = ['/*', ` * ${regionsTitle}`];
  for (const r of s.regions) out.push(...commentLines(`${r.name}: ${r.doc} Offset ${r.offsetFrom}, length ${r.sizeFrom} (${r.sizeRule}).`, ' *   ', ' *     '));
  out.push(` * ${mmapTitle}`);
  for (const e of s.regions[0]?.errors ?? []) out.push(...commentLines(`${e.errno} (${e.id}): ${e.when}.`, ' *   ', ' *     '));
  out.push(' *', ` * ${rulesTitle}`);
  for (const r of s.rules) out.push(...commentLines(`${r.id} - ${r.title}: ${r.text}`, ' *   ', ' *     '));
  out.push(' */');
  return out;
}

export function renderCHeader(c: CompiledSpec): string {
  const s = c.spec;
  const type = s.constants.find((k) => k.name === 'OA_IOCTL_TYPE');
  if (!type || type.value !== s.ioctlType) throw new Error('the spec must define OA_IOCTL_TYPE equal to ioctlType');
  const out: string[] = [
    '/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */',
    '/*',
    ...commentLines(`${s.title} ${s.version}.`),
    ' *',
    ...commentLines(generatedNotice(s)),
    ...s.doc.flatMap((p) => [' *', ...commentLines(p)]),
    ' *',
    ' * Extensible structs: every ioctl argument starts with __u32 size = sizeof(struct) as the caller',
    ' * compiled it, which must equal _IOC_SIZE(request). The driver dispatches on _IOC_NR, reads a',
    ' * shorter struct as zero-extended, rejects a longer one with non-zero unknown bytes (E2BIG), and',
    ' * copies out no more than size bytes.',
    ' *',
    ' * Common errors, checked in this order before the errors of each ioctl:',
    ...s.commonErrors.flatMap((r) => commentLines(`${r.errno} (${r.id}): ${r.when}.`, ' *   ', ' *     ')),
    ' */',
    '#ifndef _UAPI_LINUX_OPENACCEL_H',
    '#define _UAPI_LINUX_OPENACCEL_H',
    '',
    '#include <linux/ioctl.h>',
    '#include <linux/types.h>',
    '',
  ];
  for (const k of s.constants) {
    out.push(`/* ${commentSafe(k.doc)} */`, `#define ${k.name} ${k.name === 'OA_IOCTL_TYPE' ? `0x${k.value.toString(16)}` : k.value}`);
  }
  out.push('');
  for (const e of c.enums.values()) {
    out.push('/**', ...commentLines(`enum ${e.name} - ${e.doc}`));
    for (const x of e.entries) out.push(...commentLines(`@${x.name}: ${x.doc}`, ' * ', ' *\t'));
    out.push(' */', `enum ${e.name} {`, ...e.entries.map((x) => `\t${x.name} = ${x.value},`), '};', '');
  }
  out.push(...flagDefines(c));
  for (const l of c.structs.values()) out.push(...structBlock(l));
  for (const io of c.ioctls.values()) {
    const i = io.spec;
    out.push(...ioctlComment(i), `#define ${i.name} ${IOC_MACRO[i.dir]}(OA_IOCTL_TYPE, 0x${i.nr.toString(16).padStart(2, '0')}, struct ${i.arg})`, '');
  }
  out.push(...protocolComment(s, 'mmap regions of a queue:', 'Errors of mmap on a context fd:', 'Data-path protocol (memory ordering):'), '');
  out.push(
    '/* Layout checks: the same numbers on every ABI, 32-bit included. */',
    '#ifdef __cplusplus',
    '#define __OA_STATIC_ASSERT(expr, msg) static_assert(expr, msg)',
    '#else',
    '#define __OA_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)',
    '#endif',
  );
  for (const l of c.structs.values()) {
    out.push(`__OA_STATIC_ASSERT(sizeof(struct ${l.struct.name}) == ${l.sizeBytes}, "struct ${l.struct.name} size");`);
    for (const f of l.fields) {
      out.push(`__OA_STATIC_ASSERT(__builtin_offsetof(struct ${l.struct.name}, ${f.field.name}) == ${f.offset}, "${l.struct.name}.${f.field.name} offset");`);
    }
  }
  out.push('#undef __OA_STATIC_ASSERT', '', '#endif /* _UAPI_LINUX_OPENACCEL_H */', '');
  return out.join('\n');
}
