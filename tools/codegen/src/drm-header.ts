/**
 * Renders the 2.0 uAPI header for the DRM accel binding (include/uapi/drm/openaccel_accel.h in a kernel
 * tree) and, separately, the layout test header whose asserts a test compiles; the uAPI header itself
 * carries no asserts, as drm headers do not.
 */
import type { CompiledSpec, DrmAccelBinding } from '@openaccel/uapi';
import { commentLines, commentSafe, flagDefines, ioctlComment, protocolComment, structBlock } from './c-header.js';
import { generatedNotice } from './notice.js';

const IOC_MACRO = { none: 'DRM_IO', write: 'DRM_IOW', read: 'DRM_IOR', readwrite: 'DRM_IOWR' } as const;

export function drmBinding(c: CompiledSpec): DrmAccelBinding {
  const b = c.spec.binding;
  if (b?.kind !== 'drm-accel') throw new Error(`spec ${c.spec.version} is not bound to DRM accel`);
  return b;
}

/** `DRM_IOCTL_OA_GET_INFO` -> `DRM_OA_GET_INFO`: the macro holding nr - DRM_COMMAND_BASE. */
export function nrMacro(b: DrmAccelBinding, ioctlName: string): string {
  return `${b.nrPrefix}${ioctlName.replace(/^DRM_IOCTL_OA_/, '')}`;
}

/** A C constant that stays int-sized and warning-free in C90 on 32-bit ABIs. */
export function cConstant(v: number): string {
  return v > 0x7fffffff ? `0x${v.toString(16)}U` : String(v);
}

export function guardOf(file: string): string {
  return `_UAPI_${file.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

export function renderDrmHeader(c: CompiledSpec): string {
  const s = c.spec;
  const b = drmBinding(c);
  const guard = guardOf('openaccel_accel.h');
  const out: string[] = [
    '/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */',
    '/*',
    ...commentLines(`${s.title} ${s.version}: the DRM accel driver interface.`),
    ' *',
    ...commentLines(generatedNotice(s)),
    ...s.doc.flatMap((p) => [' *', ...commentLines(p)]),
    ...(s.sections ?? []).flatMap((x) => [' *', ...commentLines(`${x.id} - ${x.title}:`), ...x.paragraphs.flatMap((p) => commentLines(p, ' *   ', ' *   '))]),
    ' *',
    ' * Common errors of every driver-private ioctl, in the order they are checked:',
    ...s.commonErrors.flatMap((r) => commentLines(`${r.errno} (${r.id}): ${r.when}.`, ' *   ', ' *     ')),
    ' */',
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
    // The kernel's own accel headers include drm.h this way; it resolves next to this file in a kernel
    // tree and through -I for libdrm's copy (/usr/include/libdrm) or installed kernel headers.
    '#include "drm.h"',
    '',
    '#if defined(__cplusplus)',
    'extern "C" {',
    '#endif',
    '',
  ];
  for (const k of s.constants) out.push(`/* ${commentSafe(k.doc)} */`, `#define ${k.name} ${cConstant(k.value)}`);
  out.push('', `/* Driver-private ioctl numbers, relative to DRM_COMMAND_BASE (0x${b.commandBase.toString(16)}). */`);
  for (const io of c.ioctls.values()) out.push(`#define ${nrMacro(b, io.spec.name)} 0x${(io.spec.nr - b.commandBase).toString(16).padStart(2, '0')}`);
  out.push('');
  for (const e of c.enums.values()) {
    out.push('/**', ...commentLines(`enum ${e.name} - ${e.doc}`));
    for (const x of e.entries) out.push(...commentLines(`@${x.name}: ${x.doc}`, ' * ', ' *\t'));
    // C90 and C++98 forbid a comma after the last enumerator.
    out.push(' */', `enum ${e.name} {`, ...e.entries.map((x, i) => `\t${x.name} = ${x.value}${i < e.entries.length - 1 ? ',' : ''}`), '};', '');
  }
  out.push(...flagDefines(c));
  const note = 'Sized by drm_ioctl(): see size.drm-ioctl at the top of this file.';
  for (const l of c.structs.values()) out.push(...structBlock(l, note, s.version));
  for (const io of c.ioctls.values()) {
    const i = io.spec;
    out.push(...ioctlComment(i), `#define ${i.name} ${IOC_MACRO[i.dir]}(DRM_COMMAND_BASE + ${nrMacro(b, i.name)}, struct ${i.arg})`, '');
  }
  out.push(...protocolComment(s, 'mmap regions of a queue, on the DRM fd:', 'Errors of mmap:', 'Data-path protocol:'), '', '#if defined(__cplusplus)', '}', '#endif', '', `#endif /* ${guard} */`, '');
  return out.join('\n');
}

/**
 * The layout test header: every size and offset of the spec's own structs, the described prefix of the
 * DRM core structs on the data model being compiled, and the nr, type and size of every request. It
 * works in C90 and C++98 too, where there is no static_assert, through a negative array size.
 */
export function renderDrmLayoutTest(c: CompiledSpec): string {
  const s = c.spec;
  const b = drmBinding(c);
  const guard = guardOf('openaccel_accel_layout.h');
  const out: string[] = [
    '/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */',
    '/*',
    ...commentLines(`Layout checks of openaccel_accel.h (${s.title} ${s.version}). Include from a test, never from a program.`),
    ' *',
    ...commentLines(generatedNotice(s)),
    ' */',
    `#ifndef ${guard}`,
    `#define ${guard}`,
    '',
    '#include <stddef.h>',
    '#include "openaccel_accel.h"',
    '',
    '#if defined(__cplusplus) && __cplusplus >= 201103L',
    '#define OA_LAYOUT_ASSERT(expr, msg) static_assert(expr, msg)',
    '#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L',
    '#define OA_LAYOUT_ASSERT(expr, msg) _Static_assert(expr, msg)',
    '#else',
    '#define OA_LAYOUT_CAT_(a, b) a##b',
    '#define OA_LAYOUT_CAT(a, b) OA_LAYOUT_CAT_(a, b)',
    '#define OA_LAYOUT_ASSERT(expr, msg) typedef char OA_LAYOUT_CAT(oa_layout_assert_, __LINE__)[(expr) ? 1 : -1]',
    '#endif',
    '',
    '/* The DRM core structs differ between 64-bit and 32-bit ABIs (int, size_t, pointers, 4-aligned __u64 on i386). */',
    '#define OA_LAYOUT_LP64 (sizeof(void *) == 8)',
    '',
  ];
  for (const l of c.structs.values()) {
    const n = l.struct.name;
    out.push(`OA_LAYOUT_ASSERT(sizeof(struct ${n}) == ${l.sizeBytes}, "struct ${n} size");`);
    for (const f of l.fields) out.push(`OA_LAYOUT_ASSERT(offsetof(struct ${n}, ${f.field.name}) == ${f.offset}, "${n}.${f.field.name} offset");`);
  }
  for (const [name, m] of c.externalStructs) {
    out.push(`OA_LAYOUT_ASSERT(sizeof(struct ${name}) >= (OA_LAYOUT_LP64 ? ${m.lp64.sizeBytes} : ${m.ilp32.sizeBytes}), "struct ${name} holds the described fields");`);
    m.lp64.fields.forEach((f, i) => {
      const f32 = m.ilp32.fields[i]!;
      out.push(`OA_LAYOUT_ASSERT(offsetof(struct ${name}, ${f.field.name}) == (OA_LAYOUT_LP64 ? ${f.offset} : ${f32.offset}), "${name}.${f.field.name} offset");`);
    });
  }
  for (const io of c.ioctls.values()) {
    const n = io.spec.name;
    out.push(
      `OA_LAYOUT_ASSERT(_IOC_NR(${n}) == 0x${io.spec.nr.toString(16)} && _IOC_TYPE(${n}) == 'd', "${n} nr");`,
      `OA_LAYOUT_ASSERT(_IOC_SIZE(${n}) == ${io.arg.sizeBytes}, "${n} size");`,
    );
  }
  for (const io of c.coreIoctls.values()) {
    const n = io.spec.name;
    out.push(`OA_LAYOUT_ASSERT(_IOC_NR(${n}) == 0x${io.spec.nr.toString(16)} && _IOC_SIZE(${n}) == sizeof(struct ${io.spec.arg}), "${n} nr and size");`);
  }
  out.push(`OA_LAYOUT_ASSERT(DRM_COMMAND_BASE == 0x${b.commandBase.toString(16)} && DRM_COMMAND_END == 0x${b.commandEnd.toString(16)}, "driver ioctl range");`);
  out.push('', '#undef OA_LAYOUT_LP64', `#endif /* ${guard} */`, '');
  return out.join('\n');
}
