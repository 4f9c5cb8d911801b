/** Renders the 2.0 REFERENCE.md: the DRM accel binding explained to a driver author, then every ioctl, struct, region and rule. */
import type { CompiledSpec } from '@openaccel/uapi';
import { drmBinding, nrMacro } from './drm-header.js';
import { generatedNotice } from './notice.js';
import { anchor, cell, commonErrorsTable, enumsAndFlagsSection, hex, ioctlSection, opcodeSection, requestNumbersSection, structTable } from './reference.js';

export const DRM_ARTIFACT_DIR = 'spec/uapi/v2';

export function renderDrmReference(c: CompiledSpec): string {
  const s = c.spec;
  const b = drmBinding(c);
  const growth = 'grows at its end only (drm_ioctl zero-extends; rule size.drm-ioctl)';
  const out: string[] = [
    `<!-- ${generatedNotice(s)} -->`,
    '',
    `# ${s.title} ${s.version} — reference`,
    '',
    s.status === 'draft'
      ? `**Status: draft.** ${s.version} is specified here but not released: the reference device, the kernel driver and the conformance suite still serve 1.0. It is frozen as \`spec/uapi/abi/${s.version}.json\` when they serve it, and not before; until then any part of it may change.`
      : `**Status: released.** The frozen ABI is \`spec/uapi/abi/${s.version}.json\`.`,
    '',
    ...s.doc.flatMap((p) => [p, '']),
    `The C header is \`include/drm/openaccel_accel.h\` (in a kernel tree, \`include/uapi/drm/openaccel_accel.h\`); its size and offset checks are in the separate test header \`v2/openaccel_accel_layout.h\`. \`v2/openaccel.json\` says the same as this page for programs, and \`v2/ABI/sysfs-class-accel-openaccel\` documents the sysfs attributes. All are generated from \`spec/uapi/src/v2/\`. Every section, rule and errno below has an id, so that tests can be named after them.`,
    '',
    '## Contents',
    '',
    '- [The DRM accel binding, for a driver author](#the-drm-accel-binding-for-a-driver-author)',
    '- [Common errors](#common-errors)',
    '- [Driver-private ioctls](#driver-private-ioctls)',
    '- [DRM core ioctls](#drm-core-ioctls)',
    '- [fdinfo](#fdinfo)',
    '- [Shared-memory formats](#shared-memory-formats)',
    '- [mmap regions](#mmap-regions)',
    '- [Data-path protocol](#data-path-protocol)',
    '- [Opcodes](#opcodes)',
    '- [Enums and flags](#enums-and-flags)',
    '- [Constants](#constants)',
    '- [Request numbers by architecture](#request-numbers-by-architecture)',
    '',
    '## The DRM accel binding, for a driver author',
    '',
    'What a kernel driver declares to be an OpenAccel device:',
    '',
    `- a \`struct drm_driver\` with \`.name = "${b.driverName}"\`, \`.major = OA_API_VERSION_MAJOR\`, \`.minor = OA_API_VERSION_MINOR\` and \`.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM\`, plus \`DRIVER_SYNCOBJ\` when it sets \`OA_CAP_SYNCOBJ\` and \`DRIVER_SYNCOBJ_TIMELINE\` when it sets \`OA_CAP_SYNCOBJ_TIMELINE\`;`,
    '- `.fops` from `DEFINE_DRM_ACCEL_FOPS`, so the node is `/dev/accel/accelN` and mmap goes through the DRM fake-offset space (`drm_gem_mmap`); the queue regions are offsets in the same space, for example internal GEM objects the driver creates with the queue;',
    `- \`.ioctls\`: one \`DRM_IOCTL_DEF_DRV(OA_<NAME>, handler, 0)\` per driver-private ioctl below, at index \`${b.nrPrefix}<NAME>\` (the nr minus \`DRM_COMMAND_BASE\`), and \`.num_ioctls\` equal to their number;`,
    '- PRIME through the GEM helpers (`drm_gem_prime_import`, `drm_gem_prime_export`), so PRIME_HANDLE_TO_FD gives real dma-buf fds;',
    '- `.show_fdinfo` printing the keys under [fdinfo](#fdinfo);',
    '- the `openaccel` directory under the accel device: a kobject holding the device attributes, with `memories/<i>/` and `links/<i>/` below it and peers as symlinks (see `v2/ABI/sysfs-class-accel-openaccel`).',
    '',
  ];
  for (const x of s.sections ?? []) out.push(`### ${x.id} — ${x.title}`, '', ...x.paragraphs.flatMap((p) => [p, '']));
  out.push(
    '## Common errors',
    '',
    'Every driver-private ioctl checks these in this order before its own rules; the first that applies wins. The first four come from `drm_ioctl()` before the driver runs.',
    '',
    ...commonErrorsTable(s),
    '',
    '## Driver-private ioctls',
    '',
  );
  for (const io of c.ioctls.values()) out.push(...ioctlSection(io, `\`DRM_COMMAND_BASE + ${nrMacro(b, io.spec.name)}\` (nr \`${hex(io.spec.nr, 2)}\`)`, growth));
  out.push('## DRM core ioctls', '', `Defined by \`${b.coreHeader}\` and served by the DRM core on behalf of the driver. Errnos are the core's, each traced to the kernel function that returns it; the DRM core checks \`device_gone\`, \`arg_no_memory\` and \`arg_fault\` first, as for every ioctl. Offsets are given for 64-bit (LP64) and 32-bit (ILP32) ABIs because these structs still use \`int\`, \`size_t\`, pointers and plain \`__u64\`.`, '');
  for (const io of c.coreIoctls.values()) {
    const i = io.spec;
    const [l64, l32] = [io.arg.lp64, io.arg.ilp32];
    out.push(
      `### ${i.name}`,
      '',
      i.doc,
      '',
      `- nr \`${hex(i.nr, 2)}\`, direction \`${i.dir}\`, argument \`struct ${i.arg}\` (${l64.sizeBytes} bytes on LP64, ${l32.sizeBytes} on ILP32, as described), requires ${i.requires}`,
      `- request (generic family): LP64 \`${hex(io.numbers.lp64)}\`, ILP32 \`${hex(io.numbers.ilp32)}\``,
      '',
      '| offset LP64 | offset ILP32 | field | C type | dir | unit | meaning |',
      '|---:|---:|---|---|---|---|---|',
      ...l64.fields.map((f, k) => `| ${f.offset} | ${l32.fields[k]!.offset} | \`${f.field.name}\` | \`${f.field.ctype}\` | ${f.field.dir} | ${f.field.unit ?? ''} | ${cell(f.field.doc)}${f.field.mbz ? ' Must be 0.' : ''} |`),
      '',
      '| rule | errno | field | when | source |',
      '|---|---|---|---|---|',
      ...i.errors.map((r) => `| \`${r.id}\` | \`${r.errno}\` | ${r.field ? `\`${r.field}\`` : ''} | ${cell(r.when)} | \`${r.source}\` |`),
      '',
    );
  }
  out.push('Values from the DRM header a client passes:', '', '| name | value | meaning |', '|---|---:|---|');
  for (const k of s.externalConstants ?? []) out.push(`| \`${k.name}\` | ${hex(k.value, 2)} | ${cell(k.doc)} |`);
  out.push('', '## fdinfo', '', 'Lines of `/proc/<pid>/fdinfo/<fd>` for an OpenAccel file, after the DRM usage-stats document (`Documentation/gpu/drm-usage-stats.rst`): `key: value`, one per line.', '');
  out.push('| key | value | required | meaning |', '|---|---|---|---|');
  for (const k of s.fdinfo ?? []) out.push(`| \`${k.key}\` | \`${k.value}\` | ${k.required ? 'yes' : 'no'} | ${cell(k.doc)} |`);
  out.push('', '## Shared-memory formats', '', 'Fixed formats in the mapped regions of a queue and in parameter blocks. They never grow; new needs use reserved fields.', '');
  for (const l of c.structs.values()) {
    if (l.struct.extensible) continue;
    out.push(`### struct ${l.struct.name}`, '', l.struct.doc, '', ...structTable(l), '');
  }
  out.push('## mmap regions', '', 'Map with `mmap(NULL, length, prot, MAP_SHARED, drm_fd, offset)`; lengths and offsets are multiples of `oa_device_info.page_size`.', '');
  out.push('| region | contents | offset from | length from | length | prot |', '|---|---|---|---|---|---|');
  for (const r of s.regions) out.push(`| ${r.name} | ${cell(r.doc)} | \`${r.offsetFrom}\` | \`${r.sizeFrom}\` | ${cell(r.sizeRule)} | ${r.prot.join(' \\| ')} |`);
  out.push('', 'Errors of mmap, checked in this order:', '', '| rule | errno | when |', '|---|---|---|');
  for (const e of s.regions[0]?.errors ?? []) out.push(`| \`${e.id}\` | \`${e.errno}\` | ${cell(e.when)} |`);
  out.push('', 'Rings:', '');
  for (const r of s.rings) out.push(`- **${r.name}** (${r.region}, entries \`struct ${r.entry}\`): produced by the ${r.producer}, consumed by the ${r.consumer}. ${r.doc}`);
  out.push('', '## Data-path protocol', '', '"release" and "acquire" are the C11 orderings: `smp_store_release` / `smp_load_acquire` in a kernel, `Atomics.store` / `Atomics.load` in JavaScript (sequentially consistent, hence stronger). A "full barrier" is `smp_mb()`.', '');
  for (const r of s.rules) out.push(`### ${r.id} — ${r.title}`, '', r.text, '');
  out.push(...opcodeSection(s, `Opcodes are 16 bits (0..${s.maxOpcode ?? 63}); which a device implements is the bitmap of DRM_IOCTL_OA_QUERY_FUNCTIONS. Operands marked \`-\` are unused and must be zero (\`OA_STATUS_INVALID_FIELD\` otherwise).`));
  out.push(...enumsAndFlagsSection(c));
  out.push('## Constants', '', '| name | value | unit | meaning |', '|---|---:|---|---|');
  for (const k of s.constants) out.push(`| \`${k.name}\` | ${k.value} | ${k.unit ?? ''} | ${cell(k.doc)} |`);
  out.push('', ...requestNumbersSection(c, "Computed from (direction, 'd', nr, size) with each family's `_IOC` layout; never stored as literals.", (n) => `[${n}](#${anchor(n)})`));
  return out.join('\n');
}
