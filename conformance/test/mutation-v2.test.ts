import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { V2_TESTS } from '@openaccel/conformance';
// @ts-expect-error: plain ESM scripts of tools/mutation, without type declarations
import { applyMutant, mutantKey, mutantsOf, seededSample, wrongErrno } from '../../tools/mutation/source-mutants.mjs';
// @ts-expect-error: as above
import { emitJs } from '../../tools/mutation/refdev-copy.mjs';

interface Mutant {
  file: string;
  line: number;
  lines: number;
  operator: string;
  original: string;
  mutated: string;
}

const RUNNER = join(import.meta.dirname, '..', '..', 'tools', 'mutation', 'run-v2.mjs');
/**
 * The CI sample: 3 mutants drawn by a fixed seed from the DRM core ioctls, the driver ioctls and mmap. Each
 * is a whole run of the 2.0 suite (stopped at its first failure) and two single tests to confirm the kill.
 */
const CI_SAMPLE = ['--sample', '3', '--seed', '2710', '--files', 'core-ioctls.ts,driver-ioctls.ts,mmap.ts'];

describe('the 2.0 source mutator', () => {
  const source = [
    "import { x } from './x.js';",
    '// a comment with a < b',
    'interface Shape {',
    '  a: number | string;',
    '}',
    'export function check(v: Shape, size: number) {',
    "  if (v.a === 0 && size > 4) return fail('EINVAL');",
    "  const s = 'a < b'; // c > d",
    '  d.wake();',
    '  return {',
    '    offset: size + 1,',
    '    length: size,',
    '  };',
    '}',
  ].join('\n');
  const ms = mutantsOf('x.ts', source) as Mutant[];
  const shown = ms.map((m) => `${m.line} ${m.operator}: ${m.mutated.replace('\n', ' | ')}`);

  it('mutates comparisons, boundaries, errnos, checks, statements, sizes and fields; never comments, imports or strings', () => {
    expect(shown).toEqual([
      '4 bitwise: a: number & string;',
      "7 equality: if (v.a !== 0 && size > 4) return fail('EINVAL');",
      "7 boundary: if (v.a === 0 && size >= 4) return fail('EINVAL');",
      "7 logical: if (v.a === 0 || size > 4) return fail('EINVAL');",
      "7 off-by-one: if (v.a === 1 && size > 4) return fail('EINVAL');",
      "7 off-by-one: if (v.a === 0 && size > 5) return fail('EINVAL');",
      "7 errno: if (v.a === 0 && size > 4) return fail('ENOENT');",
      '7 check-removed: ;',
      '9 statement-removed: ;',
      '11 arithmetic: offset: size - 1,',
      '11 off-by-one: offset: size + 2,',
      '11 fields-swapped: offset: size, | length: size + 1,',
    ]);
  });

  it('a mutant of types only emits the same JavaScript (the runner drops it), a real one does not', () => {
    const typeOnly = ms.find((m) => m.line === 4)!;
    const real = ms.find((m) => m.operator === 'check-removed')!;
    const js = emitJs('x.ts', source);
    expect(emitJs('x.ts', applyMutant(source, typeOnly))).toBe(js);
    expect(emitJs('x.ts', applyMutant(source, real))).not.toBe(js);
  });

  it('applies a two-line swap with the indentation kept, and refuses a source that changed', () => {
    const swap = ms.find((m) => m.operator === 'fields-swapped')!;
    expect(applyMutant(source, swap).split('\n').slice(10, 12)).toEqual(['    offset: size,', '    length: size + 1,']);
    expect(() => applyMutant(source.replace('length: size', 'length: 2'), swap)).toThrow(/no longer/);
    expect(mutantKey(swap)).toBe('x.ts: offset: size + 1,\nlength: size, => offset: size,\nlength: size + 1,');
  });

  it('a wrong errno is another errno; the sample is fixed by its seed', () => {
    expect(wrongErrno('EINVAL')).toBe('ENOENT');
    expect(wrongErrno('EFAULT')).toBe('EINVAL');
    const list = Array.from({ length: 100 }, (_, i) => i);
    const a = seededSample(list, 5, 4);
    expect(seededSample(list, 5, 4)).toEqual(a);
    expect(seededSample(list, 5, 5)).not.toEqual(a);
    expect([...a].sort((x: number, y: number) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(5);
    expect(seededSample(list, 200, 1)).toHaveLength(100);
  });
});

describe('mutation testing of refdev 2.0 (the CI sample)', () => {
  let child: ReturnType<typeof spawn> | undefined;
  // A run that outlives its test (a timeout) is stopped: the runner removes its copy and its refdev on SIGTERM.
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });

  it('the 2.0 suite kills each sampled mutant, each by a test of the suite, and nothing is left in /tmp', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('oa-mutation-v2-')));
    child = spawn(process.execPath, [RUNNER, ...CI_SAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const run = child;
    run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    expect(code, err.slice(-2000)).toBe(0);
    const report = JSON.parse(out) as { schema: string; run: number; complete: boolean; results: (Mutant & { verdict: string; by?: string })[] };
    expect(report.schema).toBe('openaccel-mutation/2');
    expect(report.complete).toBe(true);
    expect(report.run).toBe(3);
    // A test of the suite, or the run itself when the device no longer answers GET_INFO.
    const ids = new Set([...V2_TESTS.map((t) => t.id), 'the run', 'refdev start']);
    for (const r of report.results) {
      expect(r.verdict, `${r.file}:${r.line} ${r.mutated}: a survivor needs a test that kills it, or an entry in tools/mutation/equivalent-v2.json with the reason`).toBe('killed');
      expect(ids.has(r.by!), `${r.file}:${r.line} killed by ${r.by}`).toBe(true);
    }
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('oa-mutation-v2-') && !before.has(d))).toEqual([]);
  }, 1800000);
});
