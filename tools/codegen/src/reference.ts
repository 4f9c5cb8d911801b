/** Renders REFERENCE.md: what a kernel developer reads, every ioctl, struct, field, errno, region and ring rule. */
import { IOC_FAMILIES, IOC_ENCODINGS, type CompiledIoctl, type CompiledSpec, type FieldSpec, type StructLayout, type UapiSpec } from '@openaccel/uapi';
import { generatedNotice } from './notice.js';

export const hex = (n: number, w = 8) => `0x${n.toString(16).toUpperCase().padStart(w, '0')}`;
export const cell = (s: string) => s.replace(/\|/g, '\\|');
export const anchor = (s: string) => s.toLowerCase().replace(/[^a-z0-9_ -]/g, '').replace(/ /g, '-');

function special(f: FieldSpec): string {
  const parts = (f.special ?? []).map((x) => `${x.value} = ${x.meaning}`);
  if (f.reserved) parts.push('must be 0');
  if (f.flags) parts.push(`bits of [${f.flags}](#${anchor(f.flags)})`);
  if (f.enum) parts.push(`values of [${f.enum}](#${anchor(f.enum)})`);
  return parts.join('; ');
}

export function structTable(l: StructLayout, growth = `extensible (minimum size ${l.minSizeBytes})`): string[] {
  const out = [
    `\`struct ${l.struct.name}\`: ${l.sizeBytes} bytes, aligned to ${l.alignBytes}${l.struct.extensible ? `, ${growth}` : ', fixed format'}.`,
    '',
    '| offset | size | field | type | dir | unit | meaning | special values | since |',
    '|---:|---:|---|---|---|---|---|---|---|',
  ];
  for (const f of l.fields) {
    const x = f.field;
    out.push(`| ${f.offset} | ${f.type.sizeBytes} | \`${x.name}\` | \`${x.type}\` | ${x.dir} | ${x.unit ?? ''} | ${cell(x.doc)} | ${cell(special(x))} | ${x.since} |`);
  }
  for (const n of l.struct.notes ?? []) out.push('', n);
  return out;
}

/** One ioctl: heading, numbers (`nrText` says how its nr is written), struct table and its own errno rules. */
export function ioctlSection(io: CompiledIoctl, nrText: string, growth?: string): string[] {
  const i = io.spec;
  const out = [
    `### ${i.name}`,
    '',
    i.doc,
    '',
    `- ${nrText}, direction \`${i.dir}\`, argument \`struct ${i.arg}\` (${io.arg.sizeBytes} bytes), since ${i.since}`,
    `- request: ${IOC_FAMILIES.map((f) => `${f} \`${hex(io.numbers[f])}\``).join(', ')}`,
    '',
  ];
  for (const n of i.notes ?? []) out.push(n, '');
  out.push(...structTable(io.arg, growth), '');
  out.push('Errors (after the common rules):', '');
  if (i.errors.length === 0) out.push('None of its own.', '');
  else out.push('| rule | errno | field | when |', '|---|---|---|---|', ...i.errors.map((r) => `| \`${r.id}\` | \`${r.errno}\` | ${r.field ? `\`${r.field}\`` : ''} | ${cell(r.when)} |`), '');
  return out;
}

/** The ordered table of the common errno rules. */
export function commonErrorsTable(s: UapiSpec): string[] {
  return ['| # | rule | errno | when |', '|---:|---|---|---|', ...s.commonErrors.map((r, i) => `| ${i + 1} | \`${r.id}\` | \`${r.errno}\` | ${cell(r.when)} |`)];
}

export function opcodeSection(s: UapiSpec, intro: string): string[] {
  const out = ['## Opcodes', '', intro, ''];
  for (const o of s.opcodes) {
    const op = o.operands;
    out.push(
      `### ${o.name} (${o.value})`,
      '',
      o.doc,
      '',
      '| src | dst | param | arg | result |',
      '|---|---|---|---|---|',
      `| ${cell(op.src)} | ${cell(op.dst)} | ${cell(op.param)} | ${cell(op.arg)} | ${cell(op.result)} |`,
      '',
      `Statuses: ${op.statuses.map((x) => `\`${x}\``).join(', ')}.`,
      '',
    );
  }
  return out;
}

export function enumsAndFlagsSection(c: CompiledSpec): string[] {
  const out = ['## Enums and flags', ''];
  for (const e of c.enums.values()) {
    out.push(`### ${e.name}`, '', e.doc, '', '| name | value | meaning | since |', '|---|---:|---|---|');
    for (const x of e.entries) out.push(`| \`${x.name}\` | ${x.value} | ${cell(x.doc)} | ${x.since} |`);
    out.push('');
  }
  for (const { spec: f, mask } of c.flagSets.values()) {
    out.push(`### ${f.name}`, '', `${f.doc} Valid mask \`0x${mask.toString(16)}\`; any other bit is \`EINVAL\` on input.`, '');
    if (f.bits.length) {
      out.push('| name | bit | meaning | since |', '|---|---:|---|---|');
      for (const b of f.bits) out.push(`| \`${b.name}\` | ${b.bit} | ${cell(b.doc)} | ${b.since} |`);
      out.push('');
    }
  }
  return out;
}

/** The encodings of each architecture family and every ioctl's request number in each; `label` renders the ioctl name. */
export function requestNumbersSection(c: CompiledSpec, intro: string, label: (name: string) => string): string[] {
  const out = ['## Request numbers by architecture', '', intro, ''];
  out.push('| family | architectures | size bits | dir bits | NONE | WRITE | READ |', '|---|---|---:|---:|---:|---:|---:|');
  for (const f of IOC_FAMILIES) {
    const e = IOC_ENCODINGS[f];
    out.push(`| ${f} | ${e.arches.join(', ')} | ${e.sizeBits} | ${e.dirBits} | ${e.none} | ${e.write} | ${e.read} |`);
  }
  out.push('', `| ioctl | ${IOC_FAMILIES.join(' | ')} |`, `|---|${IOC_FAMILIES.map(() => '---').join('|')}|`);
  for (const io of c.ioctls.values()) out.push(`| ${label(io.spec.name)} | ${IOC_FAMILIES.map((f) => `\`${hex(io.numbers[f])}\``).join(' | ')} |`);
  out.push('');
  return out;
}

export function renderReference(c: CompiledSpec): string {
  const s = c.spec;
  const out: string[] = [
    `<!-- ${generatedNotice(s)} -->`,
    '',
    `# ${s.title} ${s.version} — reference`,
    '',
    ...s.doc.flatMap((p) => [p, '']),
    'How to read this page: every ioctl lists its request number per architecture family, its argument struct',
    'field by field (byte offset, size, C type, direction seen from user space, unit, special values) and the',
    'errno for each bad input. Directions: `in` is written by the caller and read by the driver, `out` the',
    'reverse, `inout` both. The C header `include/linux/openaccel.h` and `openaccel.json` say the same things;',
    'all three are generated from `spec/uapi/src/v1/`.',
    '',
    '## Contents',
    '',
    '- [Conventions and common errors](#conventions-and-common-errors)',
    '- [ioctls](#ioctls)',
    '- [Shared-memory formats](#shared-memory-formats)',
    '- [mmap regions](#mmap-regions)',
    '- [Data-path protocol](#data-path-protocol)',
    '- [Opcodes](#opcodes)',
    '- [Enums and flags](#enums-and-flags)',
    '- [Constants](#constants)',
    '- [Request numbers by architecture](#request-numbers-by-architecture)',
    '',
    '## Conventions and common errors',
    '',
    `Every ioctl has type \`${hex(s.ioctlType, 2)}\` and exactly one argument struct whose first field is \`__u32 size\`.`,
    'A driver dispatches on `_IOC_NR`, so a caller built against an older (smaller) or newer (larger) struct still',
    'reaches the same ioctl; the request number itself includes the caller\'s size. The driver reads a shorter',
    'struct as zero-extended, accepts a longer one only when every byte it does not know is zero, and copies out',
    'no more than `size` bytes.',
    '',
    'These rules hold for every ioctl and are checked in this order, before the ioctl\'s own rules; when several',
    'apply, the first wins:',
    '',
    ...commonErrorsTable(s),
    '',
    '## ioctls',
    '',
  ];
  for (const io of c.ioctls.values()) out.push(...ioctlSection(io, `nr \`${hex(io.spec.nr, 2)}\``));
  out.push('## Shared-memory formats', '', 'Fixed formats in the mmap\'d regions of a queue and in parameter blocks. They never grow; new needs use reserved fields.', '');
  for (const l of c.structs.values()) {
    if (l.struct.extensible) continue;
    out.push(`### struct ${l.struct.name}`, '', l.struct.doc, '', ...structTable(l), '');
  }
  out.push('## mmap regions', '', 'Map with `mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, context_fd, offset)`.', '');
  out.push('| region | contents | offset from | length from | length |', '|---|---|---|---|---|');
  for (const r of s.regions) out.push(`| ${r.name} | ${cell(r.doc)} | \`${r.offsetFrom}\` | \`${r.sizeFrom}\` | ${cell(r.sizeRule)} |`);
  out.push('', 'Errors of mmap, the same for every region:', '', '| rule | errno | when |', '|---|---|---|');
  for (const e of s.regions[0]?.errors ?? []) out.push(`| \`${e.id}\` | \`${e.errno}\` | ${cell(e.when)} |`);
  out.push('', 'Rings:', '');
  for (const r of s.rings) out.push(`- **${r.name}** (${r.region}, entries \`struct ${r.entry}\`): produced by the ${r.producer}, consumed by the ${r.consumer}. ${r.doc}`);
  out.push('', '## Data-path protocol', '', '"release" and "acquire" are the C11 orderings: `smp_store_release` / `smp_load_acquire` in a kernel, `Atomics.store` / `Atomics.load` in JavaScript (which are sequentially consistent, hence stronger).', '');
  for (const r of s.rules) out.push(`### ${r.id} — ${r.title}`, '', r.text, '');
  out.push(...opcodeSection(s, 'Operands marked `-` are unused and must be zero (`OA_STATUS_INVALID_FIELD` otherwise).'));
  out.push(...enumsAndFlagsSection(c));
  out.push('## Constants', '', '| name | value | unit | meaning |', '|---|---:|---|---|');
  for (const k of s.constants) out.push(`| \`${k.name}\` | ${k.name === 'OA_IOCTL_TYPE' ? hex(k.value, 2) : k.value} | ${k.unit ?? ''} | ${cell(k.doc)} |`);
  out.push('', ...requestNumbersSection(c, "Computed from (direction, type, nr, size) with each family's `_IOC` layout; never stored as literals.", (n) => n));
  return out.join('\n');
}
