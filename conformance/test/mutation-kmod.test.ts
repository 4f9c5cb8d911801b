import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM scripts of tools/mutation, without type declarations
import { applyMutant } from '../../tools/mutation/source-mutants.mjs';
// @ts-expect-error: as above
import { codeLines, mutantsOfC, wrongErrno } from '../../tools/mutation/kmod/c-mutants.mjs';
// @ts-expect-error: as above
import { RECORDED, recordOf } from '../../tools/mutation/kmod/recorded.mjs';

interface Mutant {
  file: string;
  line: number;
  lines: number;
  operator: string;
  original: string;
  mutated: string;
}

const SOURCE = [
  '#include <linux/x.h>',
  '#define LIMIT(a) ((a) > 4 && \\',
  '\t(a) < 8)',
  '/* a comment with a < b',
  ' * and a == b */',
  'static int check(u32 size, u32 flags)',
  '{',
  '\tif (size == 0 || flags & ~1) // c > d',
  '\t\treturn -EINVAL;',
  '\tif (size > OA_MAX_SIZE) return -E2BIG;',
  '\tpr_err("size %u > %u\\n", size + 1, 4);',
  '\tbuf->size_bytes = size + 1; /* x != y */',
  "\tc = '<'; s = \"a == b\";",
  '\treturn 0;',
  '}',
];

describe('the kmod C source mutator', () => {
  const mutants: Mutant[] = mutantsOfC('x.c', SOURCE.join('\n'));
  const at = (line: number) => mutants.filter((m) => m.line === line).map((m) => `${m.operator}: ${m.mutated}`);

  it('never touches preprocessor lines, their continuations, comments, literals or log calls', () => {
    for (const line of [1, 2, 3, 4, 5, 11, 13]) expect(at(line), `line ${line}`).toEqual([]);
    expect(codeLines(SOURCE.join('\n'))[7]).not.toContain('c > d');
  });

  it('plants the line operators in code', () => {
    expect(at(8)).toEqual([
      'equality: if (size != 0 || flags & ~1) // c > d',
      'logical: if (size == 0 && flags & ~1) // c > d',
      'bitwise: if (size == 0 || flags | ~1) // c > d',
      'off-by-one: if (size == 1 || flags & ~1) // c > d',
      'off-by-one: if (size == 0 || flags & ~2) // c > d',
    ]);
    expect(at(9)).toEqual(['errno: return -ENOENT;', 'check-removed: ;']);
    expect(at(10)).toEqual(['boundary: if (size >= OA_MAX_SIZE) return -E2BIG;', 'errno: if (size > OA_MAX_SIZE) return -EINVAL;', 'check-removed: ;']);
    expect(at(12)).toEqual(['arithmetic: buf->size_bytes = size - 1; /* x != y */', 'off-by-one: buf->size_bytes = size + 2; /* x != y */']);
  });

  it('maps errnos as the TypeScript mutator does', () => {
    expect(wrongErrno('EINVAL')).toBe('ENOENT');
    expect(wrongErrno('EFAULT')).toBe('EINVAL');
  });

  it('applies a mutant to the line it names, keeping the indentation', () => {
    const m = mutants.find((x) => x.line === 9 && x.operator === 'check-removed');
    expect(applyMutant(SOURCE.join('\n'), m).split('\n')[8]).toBe('\t\t;');
  });

  it('finds mutants in every file of packages/kmod/accel but uacce.c, none in a comment', () => {
    const dir = join(import.meta.dirname, '..', '..', 'packages', 'kmod', 'accel');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
      const source = readFileSync(join(dir, f), 'utf8');
      const ms: Mutant[] = mutantsOfC(f, source);
      expect(ms.length, f).toBeGreaterThan(0);
      const lines = source.split('\n');
      for (const m of ms) expect(lines[m.line - 1].trim(), `${f}:${m.line}`).toBe(m.original);
      for (const m of ms) expect(m.original, `${f}:${m.line}`).not.toMatch(/^(\/\*|\*|\/\/|#)/);
    }
  });

  it('records each equivalent or unreachable mutant with a reason, and each record names exactly one mutant of today\'s sources', () => {
    const dir = join(import.meta.dirname, '..', '..', 'packages', 'kmod', 'accel');
    const all: Mutant[] = readdirSync(dir)
      .filter((n) => n.endsWith('.c'))
      .flatMap((f) => mutantsOfC(f, readFileSync(join(dir, f), 'utf8')));
    expect(RECORDED.length).toBeGreaterThan(0);
    for (const r of RECORDED as (Mutant & { kind: string; reason: string })[]) {
      const at = `${r.file}: ${r.mutated}`;
      expect(['equivalent', 'unreachable'], at).toContain(r.kind);
      expect(r.reason.length, at).toBeGreaterThan(40);
      // A record whose line changed must be looked at again, not silently match nothing or two mutants.
      expect(all.filter((m) => recordOf(m) === r).length, at).toBe(1);
    }
  });
});
