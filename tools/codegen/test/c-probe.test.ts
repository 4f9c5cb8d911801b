/**
 * The C compiler is the judge of the header: a probe compiled against it prints every size, offset
 * and request number, and they must equal what the TypeScript side computes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uapi } from '@openaccel/uapi';
import { repoRoot } from '../src/index.js';

const include = join(repoRoot(), 'spec/uapi/include');
const header = join(include, 'linux/openaccel.h');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'oa-probe-'));

function probeSource(): string {
  const lines = ['#include <stdio.h>', '#include <stddef.h>', '#include <linux/openaccel.h>', 'int main(void) {'];
  for (const l of uapi.compiled.structs.values()) {
    const s = l.struct.name;
    lines.push(`printf("struct ${s} %zu %zu\\n", sizeof(struct ${s}), _Alignof(struct ${s}));`);
    for (const f of l.fields) {
      const n = f.field.name;
      lines.push(`printf("field ${s}.${n} %zu %zu\\n", offsetof(struct ${s}, ${n}), sizeof(((struct ${s} *)0)->${n}));`);
    }
  }
  for (const io of uapi.compiled.ioctls.values()) lines.push(`printf("ioctl ${io.spec.name} %lu\\n", (unsigned long)${io.spec.name});`);
  for (const k of uapi.compiled.spec.constants) lines.push(`printf("const ${k.name} %ld\\n", (long)${k.name});`);
  for (const e of uapi.compiled.enums.values()) for (const x of e.entries) lines.push(`printf("const ${x.name} %ld\\n", (long)${x.name});`);
  for (const f of uapi.compiled.flagSets.values()) {
    for (const b of f.spec.bits) lines.push(`printf("const ${b.name} %ld\\n", (long)${b.name});`);
    lines.push(`printf("const ${f.spec.name.toUpperCase()}_VALID_MASK %ld\\n", (long)${f.spec.name.toUpperCase()}_VALID_MASK);`);
  }
  lines.push('return 0;', '}');
  return lines.join('\n');
}

function expected(): string[] {
  const out: string[] = [];
  for (const l of uapi.compiled.structs.values()) {
    out.push(`struct ${l.struct.name} ${l.sizeBytes} ${l.alignBytes}`);
    for (const f of l.fields) out.push(`field ${l.struct.name}.${f.field.name} ${f.offset} ${f.type.sizeBytes}`);
  }
  for (const io of uapi.compiled.ioctls.values()) out.push(`ioctl ${io.spec.name} ${io.numbers.generic}`);
  for (const k of uapi.compiled.spec.constants) out.push(`const ${k.name} ${k.value}`);
  for (const e of uapi.compiled.enums.values()) for (const x of e.entries) out.push(`const ${x.name} ${x.value}`);
  for (const f of uapi.compiled.flagSets.values()) {
    for (const b of f.spec.bits) out.push(`const ${b.name} ${2 ** b.bit}`);
    out.push(`const ${f.spec.name.toUpperCase()}_VALID_MASK ${f.mask}`);
  }
  return out;
}

/** i386 needs gcc-multilib; .ci/run installs it, a developer machine may not have it. */
const has32 = hasGcc && spawnSync('gcc', ['-m32', '-x', 'c', '-o', join(dir, 'm32'), '-'], { input: 'int main(void){return 0;}' }).status === 0;

describe.skipIf(!hasGcc)('the C header, judged by gcc', () => {
  const abis = [['x86-64', '-m64'], ...(has32 || process.env['CI'] ? [['i386', '-m32']] : [])] as const;

  it.each(abis)('has the sizes, offsets, numbers and constants the TypeScript side computes (%s)', (_abi, flag) => {
    const src = join(dir, `probe${flag}.c`);
    writeFileSync(src, probeSource());
    const exe = join(dir, `probe${flag}`);
    execFileSync('gcc', [flag, '-std=c11', '-Wall', '-Werror', `-I${include}`, '-o', exe, src]);
    const got = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n');
    // i386 aligns a lone __u64 to 4; the header's __aligned_u64 must keep every struct identical.
    expect(got).toEqual(expected());
  });

  it.each([
    ['C11', ['-x', 'c', '-std=c11']],
    ['C++11', ['-x', 'c++', '-std=c++11']],
  ] as const)('compiles warning-free as %s for x86-64 and i386', (_lang, opts) => {
    for (const flag of abis.map((a) => a[1])) {
      const r = spawnSync('gcc', [flag, ...opts, '-fsyntax-only', '-Wall', '-Wextra', '-Wpedantic', '-Werror', `-I${include}`, header], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('fails to compile when a layout assertion is violated (the asserts are live)', () => {
    const src = join(dir, 'broken.c');
    writeFileSync(src, `#define __aligned_u64 __u32\n#include <linux/types.h>\n#undef __aligned_u64\n#define __aligned_u64 __u32\n#include <linux/openaccel.h>\n`);
    const r = spawnSync('gcc', ['-fsyntax-only', `-I${include}`, src], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/static assertion failed: "struct oa_device_info size"/);
  });
});
