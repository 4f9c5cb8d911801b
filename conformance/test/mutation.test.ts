import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script of tools/mutation, without type declarations
import { applyMutant, mutantsOf, sample } from '../../tools/mutation/mutants.mjs';

interface Mutant {
  file: string;
  line: number;
  operator: string;
  original: string;
  mutated: string;
}

const RUNNER = join(import.meta.dirname, '..', '..', 'tools', 'mutation', 'run.mjs');
/** The CI sample: a few mutants, started within this many seconds (the whole CI job has ~5 minutes for it). */
const CI_SAMPLE = 3;
const CI_BUDGET_S = 150;

describe('the mutator', () => {
  const source = [
    '// a comment with a < b',
    "import { x } from './x.js';",
    'export function check(a, b) {',
    '    if (a === b && b > 0)',
    "        return fail('EINVAL');",
    "    if (faults.has('x') || a < b)",
    "        return fail('ENOENT');",
    "    const s = 'a < b';",
    '    return { ok: true, n: a + 1 };',
    '}',
  ].join('\n');
  const ms = mutantsOf('x.js', source) as Mutant[];

  it('mutates operators, literals and guarded returns, never comments, imports, strings or fault switches', () => {
    expect(ms.map((m) => `${m.line} ${m.operator}: ${m.mutated}`)).toEqual([
      '4 equality: if (a !== b && b > 0)',
      '4 boundary: if (a === b && b >= 0)',
      '4 logical: if (a === b || b > 0)',
      '5 check-removed: ;',
      '7 check-removed: ;',
      '9 arithmetic: return { ok: true, n: a - 1 };',
      '9 literal: return { ok: false, n: a + 1 };',
    ]);
  });

  it('applies one mutant, keeps the indentation, and refuses a source that changed', () => {
    const m = ms.find((x) => x.operator === 'check-removed')!;
    expect(applyMutant(source, m).split('\n')[4]).toBe('        ;');
    expect(() => applyMutant(source.replace("fail('EINVAL')", "fail('EPERM')"), m)).toThrow(/no longer/);
  });

  it('samples deterministically, spread over the list', () => {
    const list = Array.from({ length: 100 }, (_, i) => i);
    expect(sample(list, 4)).toEqual([0, 25, 50, 75]);
    expect(sample(list, 4, 3)).toEqual([3, 28, 53, 78]);
    expect(sample(list, 200)).toHaveLength(100);
  });
});

describe('mutation testing of refdev (the CI sample)', () => {
  let child: ReturnType<typeof spawn> | undefined;
  // A run that outlives its test (a timeout) is stopped: the runner removes its copy and its refdev on SIGTERM.
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });

  it(`kills each of ${CI_SAMPLE} sampled mutants and leaves no temporary directory`, async () => {
    const before = new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('oa-mutation-')));
    child = spawn(process.execPath, [RUNNER, '--sample', String(CI_SAMPLE), '--offset', '7', '--budget-s', String(CI_BUDGET_S)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const run = child;
    run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    expect(code, err.slice(-2000)).toBe(0);
    const report = JSON.parse(out) as { schema: string; run: number; killed: number; survivors: Mutant[]; score: number };
    expect(report.schema).toBe('openaccel-mutation/1');
    expect(report.run).toBeGreaterThan(0);
    expect(report.survivors, 'a survivor needs a test that kills it, or an entry in tools/mutation/equivalent.json with the reason').toEqual([]);
    const after = readdirSync(tmpdir()).filter((d) => d.startsWith('oa-mutation-') && !before.has(d));
    expect(after).toEqual([]);
  }, (CI_BUDGET_S + 1800) * 1000);
});
