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

/** Just enough of syzkaller's compiler rules to catch what its checker would reject in this file. */
function syzProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const flagDefs = lines.filter((l) => /^\w+ = /.test(l)).map((l) => l.split(' = ')[0]!);
  const structDefs = lines.filter((l) => /^\w+ \{$/.test(l)).map((l) => l.split(' ')[0]!);
  const uses = lines.filter((l) => !/^\w+ = /.test(l) && !/^\w+ \{$/.test(l)).join('\n');
  for (const f of flagDefs) if (!uses.includes(`flags[${f},`)) problems.push(`unused flags ${f}`);
  for (const s of structDefs) if (!new RegExp(`[\\[, \\t]${s}[\\],\\s]`).test(uses)) problems.push(`unused struct ${s}`);
  const defined = new Set([...flagDefs, ...structDefs]);
  for (const m of uses.matchAll(/flags\[(\w+),/g)) if (!defined.has(m[1]!) && !['open_flags', 'mmap_prot', 'mmap_flags'].includes(m[1]!)) problems.push(`undefined flags ${m[1]}`);
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
