/**
 * Renders the 2.0 syzkaller description. It follows syzkaller's compiler rules: every flags list is used,
 * every struct is reachable from a call, sizes and counts have ranges, timeouts are bounded. The DRM core
 * ioctls are not repeated: fd_openaccel is a subtype of dev_dri.txt's fd_dri, so the core descriptions
 * (GEM_CLOSE, SYNCOBJ_*) apply to it, and GEM and syncobj handles are dev_dri.txt's resources. PRIME is
 * described here to tie it to the existing fd_dma_buf resource. spec/uapi/v2/SYZKALLER.md says how it is
 * checked with syzkaller's own compiler.
 */
import type { CompiledSpec, FieldSpec, StructLayout } from '@openaccel/uapi';
import { drmBinding } from './drm-header.js';
import { generatedNotice } from './notice.js';

const INT = { u8: 'int8', u16: 'int16', u32: 'int32', u64: 'int64', s32: 'int32', s64: 'int64' } as const;
const PTR_DIR = { none: 'in', write: 'in', read: 'out', readwrite: 'inout' } as const;
const MAX_POINTS = 16;
/** Powers of two for ring sizes: a flags list, since syzkaller has no power-of-two range. */
const ENTRIES = Array.from({ length: 16 }, (_, i) => 2 ** (i + 1));

/** Types whose meaning the field name and struct give, beyond its C type. */
const OVERRIDES: Readonly<Record<string, string>> = {
  'oa_query_functions.num_words': 'len[bitmap_ptr, int32]',
  'oa_query_functions.bitmap_ptr': 'ptr64[out, array[int64, 0:4]]',
  'oa_submit.num_waits': 'len[waits_ptr, int32]',
  'oa_submit.num_signals': 'len[signals_ptr, int32]',
  'oa_submit.waits_ptr': `ptr64[in, array[oa_syncobj_point, 0:${MAX_POINTS}]]`,
  'oa_submit.signals_ptr': `ptr64[in, array[oa_syncobj_point, 0:${MAX_POINTS}]]`,
  // An absolute CLOCK_MONOTONIC deadline: small values lie in the past and poll, so a fuzzer never blocks.
  'oa_submit.timeout_ns': 'int64[0:1000000000]',
  'oa_submit.sq_tail': 'int32[0:1048576]',
  'oa_gem_create.size': 'int64[0:268435456, 4096]',
  'oa_sqe.src_length': 'int32[0:1048576]',
  'oa_sqe.dst_length': 'int32[0:1048576]',
  'oa_sqe.src_addr': 'int64[0:1048576]',
  'oa_sqe.dst_addr': 'int64[0:1048576]',
  'oa_sqe.param_addr': 'int64[0:1048576]',
  'oa_aes_gcm_params.key_bytes': 'int32[16:32, 8]',
  'oa_memory_info.memory_id': 'int32[0:8]',
  'oa_gem_create.memory_id': 'int32[0:8]',
  'oa_syncobj_point.point': 'int64[0:64]',
};

interface Ctx {
  readonly c: CompiledSpec;
  readonly usedFlags: Set<string>;
}

function fieldType(ctx: Ctx, l: StructLayout, f: FieldSpec): string {
  const key = `${l.struct.name}.${f.name}`;
  const arr = /^(\w+)\[(\d+)\]$/.exec(f.type);
  if (arr) {
    const elem = INT[arr[1] as keyof typeof INT];
    return f.reserved || f.dir === 'out' ? `array[const[0, ${elem}], ${arr[2]}]` : `array[${elem}, ${arr[2]}]`;
  }
  const int = INT[f.type as keyof typeof INT];
  if (OVERRIDES[key]) return OVERRIDES[key]!;
  if (f.reserved) return `const[0, ${int}]`;
  if (f.name === 'queue_id') return 'oa_queue_id';
  if (f.unit === 'handle') return l.struct.name === 'oa_syncobj_point' ? 'drm_syncobj' : 'drm_gem_handle';
  if (f.unit === 'offset') return 'oa_mmap_offset';
  if (f.name === 'eventfd') return 'fd_event';
  if (f.dir === 'out') return int;
  if (f.unit === 'entries') return ctx.usedFlags.add('oa_queue_entries'), 'flags[oa_queue_entries, int32]';
  if (f.flags) {
    if (ctx.c.flagSets.get(f.flags)!.spec.bits.length === 0) return `const[0, ${int}]`;
    ctx.usedFlags.add(f.flags);
    return `flags[${f.flags}, ${int}]`;
  }
  if (f.enum) return ctx.usedFlags.add(f.enum), `flags[${f.enum}, ${int}]`;
  return int;
}

function structDecl(ctx: Ctx, l: StructLayout): string[] {
  const out = [`${l.struct.name} {`];
  for (const { field } of l.fields) {
    const t = fieldType(ctx, l, field);
    // Resources and plain outputs carry a direction; consts, lens and pointers do not take one.
    const dir = /^(oa_queue_id|oa_mmap_offset|drm_gem_handle|drm_syncobj|fd_event|int(8|16|32|64))$/.test(t) ? `\t(${field.dir})` : '';
    out.push(`\t${field.name}\t${t}${dir}`);
  }
  return [...out, '}', ''];
}

export function renderDrmSyzkaller(c: CompiledSpec): string {
  const s = c.spec;
  const b = drmBinding(c);
  const ctx: Ctx = { c, usedFlags: new Set() };
  const out: string[] = [
    `# ${generatedNotice(s)}`,
    `# syzkaller description of the ${s.title} ${s.version} (DRM accel). Copy it to sys/linux/dev_accel_openaccel.txt`,
    '# of a syzkaller checkout, the header to include/uapi/drm/openaccel_accel.h of the kernel tree',
    '# it is built against, and run syz-extract for the constants.',
    '',
    'include <uapi/drm/drm.h>',
    `include <uapi/drm/openaccel_accel.h>`,
    '',
    'resource fd_openaccel[fd_dri]',
    'resource oa_queue_id[int32]',
    'resource oa_mmap_offset[int64]',
    '',
    `syz_open_dev$openaccel(dev ptr[in, string["${b.node.replace('%u', '#')}"]], id intptr, flags flags[open_flags]) fd_openaccel`,
    'mmap$openaccel(addr vma, len len[addr], prot flags[mmap_prot], flags flags[mmap_flags], fd fd_openaccel, offset oa_mmap_offset)',
    '',
  ];
  for (const io of c.ioctls.values()) out.push(`ioctl$${io.spec.name}(fd fd_openaccel, cmd const[${io.spec.name}], arg ptr[${PTR_DIR[io.spec.dir]}, ${io.spec.arg}])`);
  out.push(
    'ioctl$DRM_IOCTL_PRIME_HANDLE_TO_FD_openaccel(fd fd_openaccel, cmd const[DRM_IOCTL_PRIME_HANDLE_TO_FD], arg ptr[inout, oa_prime_export])',
    'ioctl$DRM_IOCTL_PRIME_FD_TO_HANDLE_openaccel(fd fd_openaccel, cmd const[DRM_IOCTL_PRIME_FD_TO_HANDLE], arg ptr[inout, oa_prime_import])',
    '',
    '# The shared-memory formats: what a process writes into its mapped SQ, doorbell and control regions (and',
    '# may scribble into the read-only CQ and status regions, which the driver must survive).',
  );
  // oa_syncobj_point is reached through DRM_IOCTL_OA_SUBMIT; the other fixed formats live in mapped memory.
  for (const l of c.structs.values()) {
    if (l.struct.extensible || l.struct.name === 'oa_syncobj_point') continue;
    out.push(`syz_memcpy_off$openaccel_${l.struct.name}(dst vma, off int32[0:65536, ${l.sizeBytes}], src ptr[in, ${l.struct.name}], src_off const[0], nbytes len[src])`);
  }
  out.push('');
  const body: string[] = [];
  for (const l of c.structs.values()) body.push(...structDecl(ctx, l));
  body.push(
    'oa_prime_export {',
    '\thandle\tdrm_gem_handle\t(in)',
    '\tflags\tflags[oa_prime_flags, int32]',
    '\tfd\tfd_dma_buf\t(out)',
    '}',
    '',
    'oa_prime_import {',
    '\thandle\tdrm_gem_handle\t(out)',
    '\tflags\tconst[0, int32]',
    '\tfd\tfd_dma_buf\t(in)',
    '}',
    '',
  );
  ctx.usedFlags.add('oa_prime_flags');
  out.push(...body);
  const lists: string[] = [];
  for (const { spec } of c.flagSets.values()) if (ctx.usedFlags.has(spec.name)) lists.push(`${spec.name} = ${spec.bits.map((x) => x.name).join(', ')}`);
  for (const e of c.enums.values()) if (ctx.usedFlags.has(e.name)) lists.push(`${e.name} = ${e.entries.map((x) => x.name).join(', ')}`);
  if (ctx.usedFlags.has('oa_queue_entries')) lists.push(`oa_queue_entries = 0, ${ENTRIES.join(', ')}`);
  lists.push('oa_prime_flags = DRM_CLOEXEC, DRM_RDWR');
  out.push(...lists, '');
  return out.join('\n');
}
