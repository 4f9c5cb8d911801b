/** The 2.0 reference, syzkaller description and sysfs ABI file say what the spec says, in the forms their readers need. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCEL_OPENACCEL_LAYOUT } from '@openaccel/sysfs';
import { uapi2 } from '@openaccel/uapi';
import { DRM_ARTIFACT_DIR, renderDrmSyzkaller, repoRoot } from '../src/index.js';

const c = uapi2.compiled;
const read = (p: string) => readFileSync(join(repoRoot(), DRM_ARTIFACT_DIR, p), 'utf8');

describe('REFERENCE.md of 2.0', () => {
  const ref = read('REFERENCE.md');
  it('is marked a draft and says how it will be frozen', () => {
    expect(ref).toMatch(/\*\*Status: draft\.\*\*/);
    expect(ref).toContain('frozen as `spec/uapi/abi/2.0.json` when they serve it');
  });

  it('names every section, rule, ioctl, core ioctl with its errno sources, fdinfo key and errno id', () => {
    for (const x of c.spec.sections ?? []) expect(ref).toContain(`### ${x.id} — ${x.title}`);
    for (const r of c.spec.rules) expect(ref).toContain(`### ${r.id} — ${r.title}`);
    for (const io of c.ioctls.values()) {
      expect(ref).toContain(`### ${io.spec.name}`);
      for (const e of io.spec.errors) expect(ref).toContain(`| \`${e.id}\` | \`${e.errno}\` |`);
    }
    for (const io of c.coreIoctls.values()) {
      expect(ref).toContain(`### ${io.spec.name}`);
      for (const e of io.spec.errors) expect(ref).toContain(`\`${e.source}\``);
    }
    for (const k of c.spec.fdinfo ?? []) expect(ref).toContain(`| \`${k.key}\` |`);
  });
});

/** What syzkaller's linux descriptions define that this file builds on (sys.txt, dev_dri.txt, dev_udmabuf.txt). */
const SYZ_LINUX = ['fd_dri', 'fd_dma_buf', 'drm_gem_handle', 'drm_syncobj', 'fd_event', 'open_flags', 'mmap_prot', 'mmap_flags'];
const SYZ_WORDS = /^(int(8|16|32|64)|intptr|const|flags|len|ptr|ptr64|array|string|vma|in|out|inout|opt)$/;

/**
 * Just enough of syzkaller's compiler rules to catch, offline, each class of error its compiler reported on
 * this file or its mutations (SYZKALLER.md): unused or undefined flags and structs, unknown types and
 * resources, bad int and size ranges, len targets that are not fields, duplicate fields; plus the project's
 * own rule that sizes, counts and timeouts the fuzzer chooses are bounded.
 */
function syzProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('include '));
  const flagDefs = lines.filter((l) => /^\w+ = /.test(l)).map((l) => l.split(' = ')[0]!);
  const structDefs = lines.filter((l) => /^\w+ \{$/.test(l)).map((l) => l.split(' ')[0]!);
  const resources = lines.flatMap((l) => /^resource (\w+)\[/.exec(l)?.[1] ?? []);
  const uses = lines.filter((l) => !/^\w+ = /.test(l) && !/^\w+ \{$/.test(l)).join('\n');
  for (const f of flagDefs) if (!uses.includes(`flags[${f},`)) problems.push(`unused flags ${f}`);
  for (const s of structDefs) if (!new RegExp(`[\\[, \\t]${s}[\\],\\s]`).test(uses)) problems.push(`unused struct ${s}`);
  const known = new Set([...flagDefs, ...structDefs, ...resources, ...SYZ_LINUX]);
  const checkType = (type: string, siblings: readonly string[], owner: string) => {
    const t = type.replace(/"[^"]*"/g, '');
    for (const m of t.matchAll(/len\[(\w+)/g)) if (!siblings.includes(m[1]!)) problems.push(`len target ${m[1]} does not exist in ${owner}`);
    for (const m of t.replace(/len\[\w+/g, 'len[').matchAll(/[A-Za-z_]\w*/g)) {
      const id = m[0];
      if (!SYZ_WORDS.test(id) && !/^[A-Z][A-Z0-9_]*$/.test(id) && !known.has(id)) problems.push(`unknown type ${id}`);
    }
    for (const m of t.matchAll(/int(8|16|32|64)\[(\d+):(\d+)(?:, (\d+))?\]/g)) {
      const [lo, hi] = [BigInt(m[2]!), BigInt(m[3]!)];
      if (lo > hi || hi >= 1n << BigInt(m[1]!)) problems.push(`bad int range [${m[2]}:${m[3]}] for int${m[1]}`);
      if (m[4] === '0') problems.push(`bad int alignment 0`);
    }
    for (const m of t.matchAll(/array\[[^\]]*?, (\d+):(\d+)\]/g)) if (Number(m[1]) > Number(m[2])) problems.push(`bad size range [${m[1]}:${m[2]}]`);
  };
  let struct: { name: string; fields: string[]; types: string[] } | undefined;
  for (const l of lines) {
    if (/^\w+ \{$/.test(l)) struct = { name: l.split(' ')[0]!, fields: [], types: [] };
    else if (l === '}' && struct) {
      for (const t of struct.types) checkType(t, struct.fields, struct.name);
      struct = undefined;
    } else if (struct) {
      const [, name, type] = l.split('\t');
      if (struct.fields.includes(name!)) problems.push(`duplicate field ${name} in struct ${struct.name}`);
      struct.fields.push(name!);
      struct.types.push(type!);
    } else if (/^resource /.test(l)) checkType(/\[(\w+)\]$/.exec(l)![1]!, [], l);
    else if (/^\w+(\$\w+)?\(/.test(l)) {
      const call = /^([\w$]+)\((.*)\)( \w+)?$/.exec(l)!;
      // Arguments split at the commas outside brackets: "name type".
      const args = call[2]!.split(/,(?![^[]*\])\s*/).map((a) => a.trim().split(' '));
      for (const [, ...t] of args) checkType(t.join(' '), args.map((a) => a[0]!), call[1]!);
      if (call[3]) checkType(call[3].trim(), [], call[1]!);
    }
  }
  // Outputs are written by the kernel; only what the fuzzer chooses needs a range.
  for (const l of lines.filter((x) => !x.endsWith('(out)'))) {
    if (/\b(size|length|entries|count|timeout\w*|num_\w+)\t(int32|int64)(\t|$)/.test(l)) problems.push(`unbounded size or count: ${l.trim()}`);
  }
  return problems;
}

describe('the 2.0 syzkaller description', () => {
  const syz = read('openaccel_accel.syz.txt');
  it('follows the compiler rules: every flags list and struct used, sizes, counts and timeouts bounded', () => {
    expect(syzProblems(syz)).toEqual([]);
  });

  it('the checker catches what it claims to', () => {
    expect(syzProblems(`${syz}\nunused_set = A, B\n`)).toContain('unused flags unused_set');
    expect(syzProblems(syz.replace('int64[0:1000000000]', 'int64'))).toContain('unbounded size or count: timeout_ns\tint64');
    // Each mutation below is one syzkaller's compiler rejected (SYZKALLER.md lists its messages).
    expect(syzProblems(`${syz}\noa_unused_struct {\n\tx\tint32\n}\n`)).toContain('unused struct oa_unused_struct');
    expect(syzProblems(syz.replace('fd_dma_buf\t(out)', 'fd_oa_dmabuf\t(out)'))).toContain('unknown type fd_oa_dmabuf');
    expect(syzProblems(syz.replace('drm_syncobj\t(in)', 'drm_syncobj_nope\t(in)'))).toContain('unknown type drm_syncobj_nope');
    expect(syzProblems(syz.replace('int32[16:32, 8]', 'int32[32:16]'))).toContain('bad int range [32:16] for int32');
    expect(syzProblems(syz.replace('memory_id\tint32[0:8]', 'memory_id\tint8[0:300]'))).toContain('bad int range [0:300] for int8');
    expect(syzProblems(syz.replace('off int32[0:65536, 64]', 'off int32[0:65536, 0]'))).toContain('bad int alignment 0');
    expect(syzProblems(syz.replace('array[int64, 0:4]', 'array[int64, 4:0]'))).toContain('bad size range [4:0]');
    expect(syzProblems(syz.replace('len[waits_ptr, int32]', 'len[waits_nope, int32]'))).toContain('len target waits_nope does not exist in oa_submit');
    expect(syzProblems(syz.replace('len[addr]', 'len[address]'))).toContain('len target address does not exist in mmap$openaccel');
    expect(syzProblems(syz.replace('\tsq_head\tint32\t(out)', '\tsq_tail\tint32\t(out)'))).toContain('duplicate field sq_tail in struct oa_submit');
  });

  it('builds on the existing resources: fd_dri, fd_dma_buf, drm_gem_handle, drm_syncobj', () => {
    expect(syz).toContain('resource fd_openaccel[fd_dri]');
    expect(syz).toMatch(/\tfd\tfd_dma_buf\t\(out\)/);
    expect(syz).toMatch(/\tsrc_handle\tdrm_gem_handle\t\(in\)/);
    expect(syz).toMatch(/\thandle\tdrm_syncobj\t\(in\)/);
    expect(syz).not.toMatch(/resource fd_oa_dmabuf/);
  });

  it('describes the SQE and CQE formats', () => {
    for (const s of ['oa_sqe', 'oa_cqe']) {
      expect(syz).toContain(`syz_memcpy_off$openaccel_${s}(dst vma`);
      expect(syz).toMatch(new RegExp(`^${s} \\{$`, 'm'));
    }
    expect(renderDrmSyzkaller(c)).toBe(syz);
  });
});

describe('the sysfs ABI file of 2.0', () => {
  const abi = read('ABI/sysfs-class-accel-openaccel');
  it('has a What: entry for every directory, attribute and symlink of the layout', () => {
    for (const d of ACCEL_OPENACCEL_LAYOUT) {
      expect(abi).toContain(`What:\t\t/sys/class/accel/accel<N>/${d.path}/\n`);
      for (const a of d.attributes) expect(abi).toContain(`What:\t\t/sys/class/accel/accel<N>/${d.path}/${a.file}\n`);
      for (const l of d.links) expect(abi).toContain(`What:\t\t/sys/class/accel/accel<N>/${d.path}/${l.name}\n`);
    }
    expect(abi).toMatch(/links\/<i>\/peer\nDate:.*\nContact:.*\nDescription:\n\t\t\(symlink\)/);
  });

  it('names peers by symlink, never by printed name, and never shows a PASID', () => {
    expect(abi).not.toMatch(/pasid/i);
    const link = ACCEL_OPENACCEL_LAYOUT.find((d) => d.path.endsWith('links/<i>'))!;
    expect(link.attributes.map((a) => a.file)).not.toContain('peer');
    expect(link.links.map((l) => l.name)).toEqual(['peer']);
  });
});
