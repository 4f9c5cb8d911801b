/**
 * Renders a syzkaller description (syzlang) of the ioctl and mmap surface, so driver authors can fuzz
 * their driver with the same rules the spec states: resources tie queue ids, handles, mmap offsets and
 * dma-buf fds produced by one call to the calls that consume them.
 */
import type { CompiledSpec, FieldSpec, StructLayout } from '@openaccel/uapi';
import { generatedNotice } from './notice.js';

const SYZ_INT = { u8: 'int8', u16: 'int16', u32: 'int32', u64: 'int64', s32: 'int32', s64: 'int64' } as const;
const PTR_DIR = { none: 'in', write: 'in', read: 'out', readwrite: 'inout' } as const;

/** Which resource a field produces or consumes, by the role its name and unit give it. */
function resourceOf(struct: string, f: FieldSpec): string | undefined {
  if (f.name === 'queue_id') return 'oa_queue_id';
  if (f.unit === 'handle') return 'oa_mem_handle';
  if (f.unit === 'offset') return 'oa_mmap_offset';
  if (f.unit === 'fd' && f.name === 'eventfd') return 'fd_event';
  if (f.unit === 'fd' && (struct === 'oa_import_dmabuf' || struct === 'oa_export_dmabuf')) return 'fd_oa_dmabuf';
  return undefined;
}

function fieldType(c: CompiledSpec, l: StructLayout, f: FieldSpec): string {
  const arr = /^(\w+)\[(\d+)\]$/.exec(f.type);
  if (arr) {
    const elem = SYZ_INT[arr[1] as keyof typeof SYZ_INT];
    return f.reserved ? `array[const[0, ${elem}], ${arr[2]}]` : `array[${elem}, ${arr[2]}]`;
  }
  const int = SYZ_INT[f.type as keyof typeof SYZ_INT];
  if (l.struct.extensible && f.name === 'size') return `bytesize[parent, ${int}]`;
  if (f.reserved) return `const[0, ${int}]`;
  const res = resourceOf(l.struct.name, f);
  if (res) return res;
  if (f.flags) return c.flagSets.get(f.flags)!.spec.bits.length ? `flags[${f.flags}, ${int}]` : `const[0, ${int}]`;
  if (f.enum) return `flags[${f.enum}, ${int}]`;
  return int;
}

export function renderSyzkaller(c: CompiledSpec): string {
  const s = c.spec;
  const out: string[] = [
    `# ${generatedNotice(s)}`,
    `# syzkaller description of the ${s.title} ${s.version}. Copy it to sys/linux/dev_openaccel.txt of a`,
    '# syzkaller checkout together with include/linux/openaccel.h and run syz-extract for the constants.',
    '',
    'include <linux/openaccel.h>',
    '',
    'resource fd_openaccel[fd]',
    'resource fd_oa_dmabuf[fd]',
    'resource oa_queue_id[int32]',
    'resource oa_mem_handle[int32]: 0',
    'resource oa_mmap_offset[int64]',
    '',
    'syz_open_dev$openaccel(dev ptr[in, string["/dev/openaccel/accel#"]], id intptr, flags flags[open_flags]) fd_openaccel',
    'mmap$openaccel(addr vma, len len[addr], prot flags[mmap_prot], flags flags[mmap_flags], fd fd_openaccel, offset oa_mmap_offset)',
    '',
  ];
  for (const io of c.ioctls.values()) {
    out.push(`ioctl$${io.spec.name}(fd fd_openaccel, cmd const[${io.spec.name}], arg ptr[${PTR_DIR[io.spec.dir]}, ${io.spec.arg}])`);
  }
  out.push('');
  for (const io of c.ioctls.values()) {
    const l = io.arg;
    out.push(`${l.struct.name} {`);
    for (const { field } of l.fields) {
      out.push(`\t${field.name}\t${fieldType(c, l, field)}\t(${field.dir})`);
    }
    out.push('}', '');
  }
  for (const { spec } of c.flagSets.values()) {
    if (spec.bits.length) out.push(`${spec.name} = ${spec.bits.map((b) => b.name).join(', ')}`);
  }
  for (const e of c.enums.values()) out.push(`${e.name} = ${e.entries.map((x) => x.name).join(', ')}`);
  out.push('');
  return out.join('\n');
}
